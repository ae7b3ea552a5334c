import {
  ChimeSDKMeetingsClient,
  type ChimeSDKMeetingsClientConfig,
} from '@aws-sdk/client-chime-sdk-meetings';
import { createCallLog } from './call-log';
import { type ChimeMeetingEvent, createEventPublisher, parseEventTarget } from './events';
import { createFaultQueue, type FaultRule } from './faults';
import {
  createRateLimiter,
  parseRateOverrides,
  type RateOverrides,
  type RateUpdate,
} from './rate-limits';
import { type SeededMeeting, type SeedRequest, seedStore } from './seed';
import { createEmulatorServer } from './server';
import { MeetingStore } from './store';
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
export type ChimeEmulator = ReturnType<typeof createChimeEmulator>;

/**
 * Creates a Chime SDK Meetings emulator that an unmodified `ChimeSDKMeetingsClient` reaches
 * with an endpoint override and dummy credentials (signatures are not checked); see
 * {@link chimeClientFor} and the README's "Use it in tests".
 */
export function createChimeEmulator(options: ChimeEmulatorOptions = {}) {
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
  const store = new MeetingStore({
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
    /** Listens on 127.0.0.1 (port 0 picks a free port) and resolves with the endpoint URL. */
    start: (port?: number) => server.start(port),
    /** Closes every socket, hanging ones included, waits for event deliveries, stops listening. */
    async stop(): Promise<void> {
      await server.stop();
      await events.drain();
    },
    /** Queues a fault for the next matching request(s); throws `InvalidFaultError` if unusable. */
    injectFault: (rule: FaultRule) => faults.add(rule),
    faults: () => faults.list(),
    clearFaults: () => faults.clear(),
    /** The service calls received so far, in arrival order. */
    calls: () => calls.list(),
    stats: () => calls.stats(),
    resetCalls: () => calls.clear(),
    rates: () => rates.settings(),
    /** Changes rates (`{ enabled?, buckets? }`); every bucket starts full. */
    configureRates: (update: RateUpdate) => rates.configure(update),
    refillRates: () => rates.refill(),
    /** Creates meetings and attendees in bulk, bypassing the API and its rates. */
    seed: (request: SeedRequest): SeededMeeting[] => seedStore(store, request),
    /** Ends a meeting as DeleteMeeting does (a `chime:MeetingEnded` event), bypassing the rates. */
    endMeeting: (meetingId: string) => store.deleteMeeting(checkGuid('MeetingId', meetingId)),
    eventStats: () => events.stats(),
    /** Resolves once every event delivery started so far has finished. */
    drainEvents: () => events.drain(),
    /** Wipes meetings, attendees, tokens, faults and calls; back to the rates given at creation. */
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
