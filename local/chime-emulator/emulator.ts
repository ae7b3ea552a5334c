import { type CallRecord, createCallLog } from './call-log';
import { type ActiveFault, createFaultQueue, type FaultRule } from './faults';
import { createEmulatorServer, type EmulatorAddress } from './server';
import { createMeetingStore } from './store';

/** Options of {@link createChimeEmulator}. */
export interface ChimeEmulatorOptions {
  /** The control Region the emulator pretends to be (default `us-east-1`). */
  readonly region?: string;
  /** The 12-digit account id in meeting ARNs (default `123456789012`). */
  readonly accountId?: string;
  /** Receives one line per request: operation, status, latency. Never tokens or user ids. */
  readonly logger?: (line: string) => void;
}

/** A local Amazon Chime SDK Meetings service. */
export interface ChimeEmulator {
  /** Listens on 127.0.0.1 (port 0 picks a free port) and resolves with the endpoint URL. */
  start(port?: number): Promise<EmulatorAddress>;
  /** Closes every socket, hanging ones included, and stops listening. */
  stop(): Promise<void>;
  /** Queues a fault for the next matching request(s); throws `InvalidFaultError` if unusable. */
  injectFault(rule: FaultRule): ActiveFault;
  /** The faults still queued. */
  faults(): ActiveFault[];
  clearFaults(): void;
  /** The service calls received so far, in arrival order. */
  calls(): CallRecord[];
  resetCalls(): void;
  /** Wipes meetings, attendees, idempotency tokens, faults and calls. */
  reset(): void;
}

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

/**
 * Creates a Chime SDK Meetings emulator that an unmodified `ChimeSDKMeetingsClient` reaches
 * with an endpoint override and dummy credentials (signatures are not checked).
 *
 * @example
 * const emulator = createChimeEmulator();
 * const { url } = await emulator.start();
 * const chime = new ChimeSDKMeetingsClient({
 *   endpoint: url,
 *   region: 'us-east-1',
 *   credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
 * });
 * emulator.injectFault({ operation: 'GetAttendee', fault: { type: 'error', name: 'ThrottlingException' } });
 * // …
 * await emulator.stop();
 */
export function createChimeEmulator(options: ChimeEmulatorOptions = {}): ChimeEmulator {
  const { region = 'us-east-1', accountId = '123456789012', logger } = options;
  if (!REGION.test(region)) throw new TypeError(`region must look like us-east-1, got ${region}`);
  if (!ACCOUNT_ID.test(accountId)) throw new TypeError('accountId must be 12 digits');

  const store = createMeetingStore({ controlRegion: region, accountId });
  const faults = createFaultQueue();
  const calls = createCallLog();
  const reset = () => {
    store.clear();
    faults.clear();
    calls.clear();
  };
  const server = createEmulatorServer({
    store,
    faults,
    calls,
    reset,
    ...(logger === undefined ? {} : { logger }),
  });

  return {
    start: (port) => server.start(port),
    stop: () => server.stop(),
    injectFault: (rule) => faults.add(rule),
    faults: () => faults.list(),
    clearFaults: () => faults.clear(),
    calls: () => calls.list(),
    resetCalls: () => calls.clear(),
    reset,
  };
}
