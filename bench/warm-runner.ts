/**
 * Warm invocations in one process: import the bundle, warm up, then time each of `iterations`
 * sequential invocations (µs), and report them with the RSS after init and after the loop.
 * With `stub`, Chime is answered in-process by a canned response instead of the emulator; with
 * `countOrigin`, requests to that origin (the emulator) are counted, warm-up and timed loop apart.
 *
 * Usage: node warm-runner.mjs <bundle.mjs> <target JSON> <options JSON>
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
import { type CannedAnswer, countRequestsTo, installChimeStub } from './stub-chime';

export interface WarmOptions {
  readonly warmup: number;
  readonly iterations: number;
  readonly stub?: CannedAnswer;
  readonly countOrigin?: string;
}

export interface WarmReport {
  readonly samplesUs: number[];
  /** CPU time (user + system) of the timed loop per invocation, µs: less disturbed by other
   * work on the machine than the wall-clock samples, which include waiting for a core. */
  readonly cpuUsPerInvocation: number;
  readonly failures: number;
  readonly firstFailure?: unknown;
  readonly stubAnswered?: number;
  /** With `countOrigin`: Chime requests sent during the warm-up and during the timed loop. */
  readonly chimeRequests?: { readonly warmup: number; readonly timed: number };
  readonly rssInitMb: number;
  readonly rssAfterMb: number;
  readonly heapAfterMb: number;
}

const [bundle, targetJson, optionsJson] = process.argv.slice(2);
if (!bundle || !targetJson || !optionsJson) {
  throw new Error('usage: warm-runner.mjs <bundle> <target> <options>');
}
const target = JSON.parse(targetJson) as InvokeTarget;
const options = JSON.parse(optionsJson) as WarmOptions;
const answered = options.stub ? installChimeStub(options.stub) : undefined;
const sent = options.countOrigin ? countRequestsTo(options.countOrigin) : undefined;

const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: BundleHandler };
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
const sentInWarmup = sent?.() ?? 0;
const samplesUs = new Array<number>(options.iterations);
const cpuBefore = process.cpuUsage();
for (let i = 0; i < options.iterations; i += 1) samplesUs[i] = await invoke();
const cpu = process.cpuUsage(cpuBefore);

const memory = process.memoryUsage();
const report: WarmReport = {
  samplesUs,
  cpuUsPerInvocation: (cpu.user + cpu.system) / options.iterations,
  failures,
  ...(firstFailure === undefined ? {} : { firstFailure }),
  ...(answered ? { stubAnswered: answered() } : {}),
  ...(sent ? { chimeRequests: { warmup: sentInWarmup, timed: sent() - sentInWarmup } } : {}),
  rssInitMb,
  rssAfterMb: memory.rss / 2 ** 20,
  heapAfterMb: memory.heapUsed / 2 ** 20,
};
writeReport(report);
process.exit(0);
