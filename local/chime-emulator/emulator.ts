import {
  ChimeSDKMeetingsClient,
  type ChimeSDKMeetingsClientConfig,
} from '@aws-sdk/client-chime-sdk-meetings';
import { type CallRecord, type CallStats, createCallLog } from './call-log';
import {
  type ChimeMeetingEvent,
  createEventPublisher,
  type EventStats,
  parseEventTarget,
} from './events';
import { type ActiveFault, createFaultQueue, type FaultRule } from './faults';
import {
  createRateLimiter,
  parseRateOverrides,
  type RateOverrides,
  type RateSettings,
  type RateUpdate,
} from './rate-limits';
import { type SeededMeeting, type SeedRequest, seedStore } from './seed';
import { createEmulatorServer, type EmulatorAddress } from './server';
import { createMeetingStore } from './store';
import { checkGuid } from './validation';

/** Options of {@link createChimeEmulator}. */
export interface ChimeEmulatorOptions {
  /** The control Region the emulator pretends to be (default `us-east-1`). */
  readonly region?: string;
  /** The 12-digit account id in meeting ARNs and events (default `123456789012`). */
  readonly accountId?: string;
  /** Receives one line per request: operation, status, latency. Never tokens or user ids. */
  readonly logger?: (line: string) => void;
  /**
   * Chime's API rates, enforced per Region and bucket (on by default, at AWS's published
   * defaults). `false` turns them off; an object overrides some buckets:
   * `{ GetMeeting: { ratePerSecond: 10, burst: 20 }, MeetingManagement: { burst: 5 } }`.
   */
  readonly rates?: false | RateOverrides;
  /** Milliseconds since the epoch (default `Date.now`): refills buckets and stamps events. */
  readonly clock?: () => number;
  /** Receives every meeting event, after the API answered. */
  readonly onEvent?: (event: ChimeMeetingEvent) => void | Promise<void>;
  /** A loopback URL each event is POSTed to as JSON, like an EventBridge API destination. */
  readonly eventTarget?: string;
}

/** A local Amazon Chime SDK Meetings service; the README's "Use it in tests" shows each method. */
export interface ChimeEmulator {
  /** Listens on 127.0.0.1 (port 0 picks a free port) and resolves with the endpoint URL. */
  start(port?: number): Promise<EmulatorAddress>;
  /** Closes every socket, hanging ones included, waits for event deliveries, stops listening. */
  stop(): Promise<void>;
  /** Queues a fault for the next matching request(s); throws `InvalidFaultError` if unusable. */
  injectFault(rule: FaultRule): ActiveFault;
  faults(): ActiveFault[];
  clearFaults(): void;
  /** The service calls received so far, in arrival order. */
  calls(): CallRecord[];
  /** Calls and throttles per operation since the last reset. */
  stats(): CallStats;
  resetCalls(): void;
  rates(): RateSettings;
  /** Changes rates (`{ enabled?, buckets? }`); every bucket starts full. */
  configureRates(update: RateUpdate): RateSettings;
  refillRates(): void;
  /** Creates meetings and attendees in bulk, bypassing the API and its rates. */
  seed(request: SeedRequest): SeededMeeting[];
  /** Ends a meeting as DeleteMeeting does (a `chime:MeetingEnded` event), bypassing the rates. */
  endMeeting(meetingId: string): void;
  eventStats(): EventStats;
  /** Resolves once every event delivery started so far has finished. */
  drainEvents(): Promise<void>;
  /** Wipes meetings, attendees, tokens, faults and calls; back to the rates given at creation. */
  reset(): void;
}

/**
 * Creates a Chime SDK Meetings emulator that an unmodified `ChimeSDKMeetingsClient` reaches
 * with an endpoint override and dummy credentials (signatures are not checked).
 *
 * @example
 * const emulator = createChimeEmulator({ clock: () => now, onEvent: (e) => seen.push(e) });
 * const chime = chimeClientFor((await emulator.start()).url);
 * emulator.injectFault({ operation: 'GetAttendee', fault: { type: 'error', name: 'ThrottlingException' } });
 * // …
 * await emulator.stop();
 */
export function createChimeEmulator(options: ChimeEmulatorOptions = {}): ChimeEmulator {
  const { region = 'us-east-1', accountId = '123456789012', logger, clock = Date.now } = options;
  if (!/^[a-z]{2}(?:-[a-z]+)+-\d$/.test(region)) {
    throw new TypeError(`region must look like us-east-1, got ${region}`);
  }
  if (!/^\d{12}$/.test(accountId)) throw new TypeError('accountId must be 12 digits');
  const rateOverrides = options.rates === false ? false : parseRateOverrides(options.rates ?? {});
  const eventTarget =
    options.eventTarget === undefined ? undefined : parseEventTarget(options.eventTarget);

  const log = (line: string) => logger?.(`chime-emulator ${line}`);
  const events = createEventPublisher({
    ...options,
    account: accountId,
    region,
    clock,
    log,
    eventTarget,
  });
  const store = createMeetingStore({
    controlRegion: region,
    accountId,
    onChange: (change) => events.publish(change),
  });
  const faults = createFaultQueue();
  const calls = createCallLog();
  const rates = createRateLimiter({ rates: rateOverrides, clock });
  const reset = () => {
    store.clear();
    faults.clear();
    calls.clear();
    rates.restore();
    events.resetStats();
  };
  const server = createEmulatorServer({ store, faults, calls, rates, events, reset, region, log });

  return {
    start: (port) => server.start(port),
    async stop() {
      await server.stop();
      await events.drain();
    },
    injectFault: (rule) => faults.add(rule),
    faults: () => faults.list(),
    clearFaults: () => faults.clear(),
    calls: () => calls.list(),
    stats: () => calls.stats(),
    resetCalls: () => calls.clear(),
    rates: () => rates.settings(),
    configureRates: (update) => rates.configure(update),
    refillRates: () => rates.refill(),
    seed: (request) => seedStore(store, request),
    endMeeting: (meetingId) => store.deleteMeeting(checkGuid('MeetingId', meetingId)),
    eventStats: () => events.stats(),
    drainEvents: () => events.drain(),
    reset,
  };
}

/**
 * A real `ChimeSDKMeetingsClient` pointed at an emulator: endpoint override, `us-east-1` and
 * dummy credentials. Overrides win.
 *
 * @example
 * const chime = chimeClientFor(url, { maxAttempts: 1 });
 */
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
