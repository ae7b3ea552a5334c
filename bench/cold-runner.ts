/**
 * One cold start in a fresh `node` process, as the Lambda runtime gives one: import the bundle,
 * invoke it once, report on fd 3 and exit; the parent times spawn → report. `empty` only reports.
 *
 * Usage: node cold-runner.mjs empty | invoke <bundle.mjs> <target JSON>
 */
import { pathToFileURL } from 'node:url';
import type { HttpApiHandler } from '../local/aws/http-api-gateway';
import { apiEvent, type InvokeTarget, isExpectedAnswer, lambdaContext, writeReport } from './event';

const bootMs = performance.now();
const [mode, bundle = '', targetJson = '{}'] = process.argv.slice(2);

async function invoke() {
  const target = JSON.parse(targetJson) as InvokeTarget;
  const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: HttpApiHandler };
  const importedMs = performance.now();
  const response = await handler(apiEvent(target, 'cold-0'), lambdaContext('cold-0'));
  const ok = isExpectedAnswer(response, target.attendeeId);
  return { importedMs, invokedMs: performance.now(), ok, status: response.statusCode };
}

const report = { bootMs, ...(mode === 'empty' ? {} : await invoke()) };
export type ColdReport = typeof report;
writeReport(report);
process.exit(0);
