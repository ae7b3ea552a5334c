/**
 * One cold start, in a fresh `node` process as the Lambda runtime gives one: import the bundle,
 * invoke the handler once, report on fd 3 and exit. The parent times spawn → report.
 *
 * Usage: node cold-runner.mjs empty
 *        node cold-runner.mjs invoke <bundle.mjs> <target JSON>
 */
import { pathToFileURL } from 'node:url';
import {
  apiEvent,
  type BundleHandler,
  type InvokeTarget,
  isExpectedAnswer,
  lambdaContext,
  writeReport,
} from './event';

/** What a cold start reports: times since the process started (ms), and for an invocation… */
export interface ColdReport {
  readonly bootMs: number;
  readonly importedMs?: number;
  readonly invokedMs?: number;
  /** …whether the answer was the attendee asked for, and its status. */
  readonly ok?: boolean;
  readonly status?: number;
}

/** Milliseconds since this process started (Node's time origin). */
const bootMs = performance.now();
const [mode, bundle, targetJson] = process.argv.slice(2);

if (mode === 'empty') {
  writeReport({ bootMs } satisfies ColdReport);
} else {
  if (!bundle || !targetJson) throw new Error('usage: cold-runner.mjs invoke <bundle> <target>');
  const target = JSON.parse(targetJson) as InvokeTarget;
  const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: BundleHandler };
  const importedMs = performance.now();
  const response = await handler(apiEvent(target, 'cold-0'), lambdaContext('cold-0'));
  writeReport({
    bootMs,
    importedMs,
    invokedMs: performance.now(),
    ok: isExpectedAnswer(response, target.attendeeId),
    status: response?.statusCode,
  } satisfies ColdReport);
}
process.exit(0);
