// Runs in a fresh Node process, as the Lambda runtime would: imports a bundled handler module
// (not the TypeScript source), invokes it with each event, and writes the results as JSON.
// Usage: node invoke-artifact.mjs <module> <export> <events.json> <results.json>
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [modulePath, exportName, eventsPath, resultsPath] = process.argv.slice(2);
const events = JSON.parse(readFileSync(eventsPath, 'utf8'));
const handler = (await import(pathToFileURL(modulePath).href))[exportName];
const results = {};
for (const [name, event] of Object.entries(events)) {
  const deadline = Date.now() + 10_000;
  results[name] = await handler(event, {
    awsRequestId: `artifact-${name}`,
    functionName: 'AttendeeFunction',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  });
}
writeFileSync(resultsPath, JSON.stringify(results));
