import { createServer, type Server } from 'node:http';
import {
  ChimeSDKMeetingsClient,
  type ChimeSDKMeetingsClientConfig,
} from '@aws-sdk/client-chime-sdk-meetings';
import { closeServer, listenOnLoopback } from '../cli/loopback';
import { createCallLog } from './call-log';
import { type ChimeMeetingEvent, createEventPublisher } from './events';
import { createFaultQueue } from './faults';
import { createRateLimiter, type RateOverrides } from './rate-limits';
import { type SeededMeeting, type SeedRequest, seedStore } from './seed';
import { REGION, requestListener } from './server';
import { MeetingStore } from './store';
import { checkGuid } from './validation';

/** The README's "Use it in tests" shows each option; `rates: false` turns throttling off. */
export interface ChimeEmulatorOptions {
  readonly region?: string;
  readonly accountId?: string;
  /** One line per request, never a token or user id. */
  readonly logger?: (line: string) => void;
  readonly rates?: false | RateOverrides;
  /** Milliseconds: refills buckets and stamps events. */
  readonly clock?: () => number;
  readonly onEvent?: (event: ChimeMeetingEvent) => void | Promise<void>;
  /** A loopback URL each event is POSTed to, like an EventBridge API destination. */
  readonly eventTarget?: string;
}

export type ChimeEmulator = ReturnType<typeof createChimeEmulator>;

/** A Chime SDK Meetings service on 127.0.0.1 for an unmodified SDK client: {@link chimeClientFor}. */
export function createChimeEmulator(options: ChimeEmulatorOptions = {}) {
  const { region = 'us-east-1', accountId = '123456789012', logger, clock = Date.now } = options;
  if (!REGION.test(region)) {
    throw new TypeError(`region must look like us-east-1, got ${region}`);
  }
  if (!/^\d{12}$/.test(accountId)) throw new TypeError('accountId must be 12 digits');
  const log = (line: string) => logger?.(`chime-emulator ${line}`);
  const events = createEventPublisher({ ...options, accountId, region, clock, log });
  const store = new MeetingStore({ region, accountId, onChange: events.publish });
  const faults = createFaultQueue();
  const calls = createCallLog();
  const rates = createRateLimiter(options.rates ?? {}, clock);
  const reset = () => {
    for (const part of [store, faults, calls]) part.clear();
    rates.restore();
    events.resetStats();
  };
  const deps = { store, faults, calls, rates, events, reset, region, log };
  let server: Server | undefined;

  return {
    async start(port = 0): Promise<{ url: string; port: number }> {
      if (server) throw new Error('The Chime emulator is already started');
      server = createServer(requestListener(deps));
      return listenOnLoopback(server, port).catch((error: unknown) => {
        server = undefined;
        throw error;
      });
    },
    /** Closes every socket, hanging ones included, and waits for event deliveries. */
    async stop(): Promise<void> {
      const running = server;
      server = undefined;
      if (running) await closeServer(running);
      await events.drain();
    },
    injectFault: faults.add,
    faults: faults.list,
    clearFaults: faults.clear,
    calls: calls.list,
    stats: calls.stats,
    resetCalls: calls.clear,
    rates: rates.settings,
    configureRates: rates.configure,
    refillRates: rates.refill,
    seed: (request: SeedRequest): SeededMeeting[] => seedStore(store, request),
    endMeeting: (meetingId: string) => store.deleteMeeting(checkGuid('MeetingId', meetingId)),
    eventStats: events.stats,
    drainEvents: events.drain,
    reset,
  };
}

/** A real client of an emulator: endpoint override, `us-east-1`, dummy credentials; overrides win. */
export const chimeClientFor = (
  url: string,
  overrides: ChimeSDKMeetingsClientConfig = {},
): ChimeSDKMeetingsClient =>
  new ChimeSDKMeetingsClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...overrides,
  });
