/**
 * One cold start in a fresh `node` process, as the Lambda runtime gives one: import the bundle,
 * invoke it once, report on fd 3 and exit; the parent times spawn → report. `empty` only reports.
 *
 * Usage: node cold-runner.mjs empty | invoke <bundle.mjs> <target JSON>
 */
import { pathToFileURL } from 'node:url';
import type { HttpApiHandler } from '../local/aws/http-api-gateway';
import { apiEvent, isExpectedAnswer, lambdaContext, writeReport } from './event';

/** Milliseconds since this process started, when it imported the bundle, when it had the answer. */
export interface ColdReport {
  readonly bootMs: number;
  readonly importedMs?: number;
  readonly invokedMs?: number;
  /** Whether the answer was the attendee asked for. */
  readonly ok?: boolean;
  readonly status?: number;
}

const bootMs = performance.now();
const [mode, bundle, targetJson] = process.argv.slice(2);
if (mode === 'empty') {
  writeReport({ bootMs } satisfies ColdReport);
} else {
  if (!bundle || !targetJson) throw new Error('usage: cold-runner.mjs invoke <bundle> <target>');
  const target = JSON.parse(targetJson);
  const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: HttpApiHandler };
  const importedMs = performance.now();
  const response = await handler(apiEvent(target, 'cold-0'), lambdaContext('cold-0'));
  writeReport({
    bootMs,
    importedMs,
    invokedMs: performance.now(),
    ok: isExpectedAnswer(response, target.attendeeId),
    status: response.statusCode,
  } satisfies ColdReport);
}
process.exit(0);
