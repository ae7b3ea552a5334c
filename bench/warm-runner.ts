/**
 * Warm invocations in one process: after `warmup`, each of `iterations` sequential invocations
 * timed (µs), with the CPU time and RSS. Chime: the emulator; `stub`, `answer` replayed
 * in-process; `count`, the emulator, its requests counted (warm-up and timed loop apart).
 *
 * Usage: node warm-runner.mjs <bundle.mjs> <target JSON> <options JSON>
 */
import { pathToFileURL } from 'node:url';
import type { HttpApiHandler } from '../local/aws/http-api-gateway';
import { apiEvent, type InvokeTarget, isExpectedAnswer, lambdaContext, writeReport } from './event';
import { type CannedAnswer, interceptChime } from './stub-chime';

export interface WarmOptions {
  readonly warmup: number;
  readonly iterations: number;
  readonly chime: 'emulator' | 'stub' | 'count';
  readonly origin: string;
  readonly answer?: CannedAnswer;
}

const [bundle = '', targetJson = '{}', optionsJson = '{}'] = process.argv.slice(2);
const target = JSON.parse(targetJson) as InvokeTarget;
const options = JSON.parse(optionsJson) as WarmOptions;
const seen =
  options.chime === 'emulator'
    ? undefined
    : interceptChime(options.origin, options.chime === 'stub' ? options.answer : undefined);

const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: HttpApiHandler };
const rssInitMb = process.memoryUsage.rss() / 2 ** 20;

let failures = 0;
let firstFailure: unknown;
let sequence = 0;
const invoke = async (): Promise<number> => {
  const requestId = `warm-${sequence++}`;
  const event = apiEvent(target, requestId);
  const context = lambdaContext(requestId);
  const started = performance.now();
  const response = await handler(event, context);
  const elapsedUs = (performance.now() - started) * 1000;
  if (!isExpectedAnswer(response, target.attendeeId)) {
    failures += 1;
    firstFailure ??= response;
  }
  return elapsedUs;
};

for (let i = 0; i < options.warmup; i += 1) await invoke();
const seenInWarmup = seen?.() ?? 0;
const samplesUs = new Array<number>(options.iterations);
const cpuBefore = process.cpuUsage();
for (let i = 0; i < options.iterations; i += 1) samplesUs[i] = await invoke();
const cpu = process.cpuUsage(cpuBefore);

const report = {
  samplesUs,
  // Less disturbed by other work on the machine than the samples, which include waiting for a core.
  cpuUsPerInvocation: (cpu.user + cpu.system) / options.iterations,
  failures,
  firstFailure,
  chimeRequests: seen && { warmup: seenInWarmup, timed: seen() - seenInWarmup },
  rssInitMb,
  rssAfterMb: process.memoryUsage.rss() / 2 ** 20,
};
export type WarmReport = typeof report;
writeReport(report);
process.exit(0);
