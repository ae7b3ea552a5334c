/**
 * `node runner.mjs empty | cold <bundle.mjs> <event JSON> | warm <…> <options JSON>`: the bundle
 * in a fresh process, reporting on fd 3. `cold`: one cold start, as the Lambda runtime gives one
 * (the parent times spawn → report; `empty`, the floor, only reports). `warm`: `iterations`
 * invocations timed after `warmup`, Chime answered by the emulator, by `answer` in-process
 * (`stub`), or by the emulator with its requests counted (`count`).
 */
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpApiHandler } from '../local/aws/http-api-gateway';
import { lambdaContext, writeReport } from './event';
import type { CannedAnswer } from './stub-chime';

const bootMs = performance.now();
const [mode, bundle = '', eventJson = '{}', optionsJson = '{}'] = process.argv.slice(2);
const attendeeId = (JSON.parse(eventJson) as APIGatewayProxyEventV2).pathParameters?.attendeeId;

export interface WarmOptions {
  readonly warmup: number;
  readonly iterations: number;
  readonly chime: 'emulator' | 'stub' | 'count';
  readonly origin: string;
  readonly answer?: CannedAnswer;
}

const importHandler = async () =>
  ((await import(pathToFileURL(bundle).href)) as { handler: HttpApiHandler }).handler;

// Built apart and loaded only by `warm`: the node:http it imports would add to every cold start.
const importStub = () =>
  import(new URL('stub-chime.mjs', import.meta.url).href) as Promise<typeof import('./stub-chime')>;

/** One invocation, µs from the call to the answer; fails the run unless that is a 200 carrying the attendee. */
async function invoke(handler: HttpApiHandler, requestId: string): Promise<number> {
  // A fresh copy of the event per invocation, with its own request id and time.
  const event = JSON.parse(eventJson) as APIGatewayProxyEventV2;
  const now = new Date();
  Object.assign(event.requestContext, { requestId, time: now.toUTCString(), timeEpoch: +now });
  const context = lambdaContext(requestId);
  const started = performance.now();
  const response = await handler(event, context);
  const elapsedUs = (performance.now() - started) * 1000;
  const body = response.statusCode === 200 ? JSON.parse(String(response.body)) : undefined;
  if (body?.Attendee?.AttendeeId !== attendeeId) {
    throw new Error(`unexpected answer ${JSON.stringify(response)}`);
  }
  return elapsedUs;
}

async function cold() {
  const handler = await importHandler();
  const importedMs = performance.now();
  await invoke(handler, 'cold-0');
  return { initMs: importedMs - bootMs, invokeMs: performance.now() - importedMs };
}

async function warm() {
  const options = JSON.parse(optionsJson) as WarmOptions;
  const seen =
    options.chime === 'emulator'
      ? undefined
      : (await importStub()).interceptChime(options.origin, options.answer);
  const handler = await importHandler();
  const rssInitMb = process.memoryUsage.rss() / 2 ** 20;
  let sequence = 0;
  const next = () => invoke(handler, `warm-${sequence++}`);
  for (let i = 0; i < options.warmup; i += 1) await next();
  const seenInWarmup = seen?.() ?? 0;
  const samplesUs = new Array<number>(options.iterations);
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < options.iterations; i += 1) samplesUs[i] = await next();
  const cpu = process.cpuUsage(cpuBefore);
  return {
    samplesUs,
    // Unlike the samples, no time spent waiting for a core: less moved by other work.
    cpuUsPerInvocation: (cpu.user + cpu.system) / options.iterations,
    chimeRequests: seen && { seen: seen(), timed: seen() - seenInWarmup },
    rssInitMb,
    rssAfterMb: process.memoryUsage.rss() / 2 ** 20,
  };
}

export type ColdReport = Awaited<ReturnType<typeof cold>>;
export type WarmReport = Awaited<ReturnType<typeof warm>>;
writeReport(mode === 'warm' ? await warm() : mode === 'cold' ? await cold() : {});
process.exit(0);
