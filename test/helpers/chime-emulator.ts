import type {
  ChimeSDKMeetingsClient,
  ChimeSDKMeetingsClientConfig,
} from '@aws-sdk/client-chime-sdk-meetings';
import {
  type ChimeEmulator,
  type ChimeEmulatorOptions,
  type ChimeMeetingEvent,
  chimeClientFor,
  createChimeEmulator,
} from '../../local/chime-emulator';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A well-formed MeetingId or AttendeeId that names nothing. */
export const UNKNOWN_ID = '0a1b2c3d-0000-4000-8000-000000000000';
/** The fixed clock of {@link useEmulator}: events carry it as `timestamp` and `time`. */
export const NOW = Date.UTC(2026, 0, 15, 9, 30, 0, 123);

/** A started emulator with a client (one attempt per call), its log lines and its events. */
export interface RunningEmulator {
  readonly emulator: ChimeEmulator;
  readonly url: string;
  readonly chime: ChimeSDKMeetingsClient;
  readonly lines: string[];
  readonly events: ChimeMeetingEvent[];
  /** Another client of this emulator (destroyed with it), e.g. in another Region. */
  client(overrides?: ChimeSDKMeetingsClientConfig): ChimeSDKMeetingsClient;
  /** A request to the admin API; a non-string body is sent as JSON. */
  admin(path: string, method?: string, body?: unknown): Promise<Response>;
  /** Seeds as `emulator.seed` does, then forgets the seeding's events, lines and calls. */
  seed(request: Parameters<ChimeEmulator['seed']>[0]): Promise<ReturnType<ChimeEmulator['seed']>>;
  /**
   * Seeds one meeting (`seed-1`, eu-central-1) of `attendees` attendees (`user-1-1`, …) as
   * {@link RunningEmulator.seed} does; `AttendeeId` is the first attendee's.
   */
  meeting(
    attendees?: number,
    request?: Partial<Parameters<ChimeEmulator['seed']>[0]>,
  ): Promise<{ MeetingId: string; AttendeeId: string; ids: string[] }>;
  /** The events published so far, once every delivery has finished. */
  published(): Promise<ChimeMeetingEvent[]>;
}

const stoppers = new Map<RunningEmulator, () => Promise<void>>();

async function startEmulator(options: ChimeEmulatorOptions): Promise<RunningEmulator> {
  const lines: string[] = [];
  const events: ChimeMeetingEvent[] = [];
  const clients: ChimeSDKMeetingsClient[] = [];
  const emulator = createChimeEmulator({
    accountId: '111122223333',
    clock: () => NOW,
    logger: (line) => lines.push(line),
    onEvent: (event) => {
      events.push(event);
    },
    ...options,
  });
  const { url } = await emulator.start();
  const client = (overrides: ChimeSDKMeetingsClientConfig = {}) => {
    clients.push(chimeClientFor(url, { maxAttempts: 1, ...overrides }));
    return clients.at(-1) as ChimeSDKMeetingsClient;
  };
  const chime = client();
  const running: RunningEmulator = {
    emulator,
    url,
    chime,
    lines,
    events,
    client,
    admin: (path, method = 'GET', body = undefined) =>
      fetch(`${url}/_emulator${path}`, {
        method,
        ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    async seed(request) {
      const meetings = emulator.seed(request);
      await emulator.drainEvents();
      events.length = 0;
      lines.length = 0;
      emulator.resetCalls();
      return meetings;
    },
    async meeting(attendees = 1, request = {}) {
      const [meeting] = await running.seed({
        meetings: 1,
        attendeesPerMeeting: attendees,
        mediaRegion: 'eu-central-1',
        ...request,
      });
      const ids = meeting?.Attendees.map((attendee) => attendee.AttendeeId) ?? [];
      return { MeetingId: meeting?.MeetingId ?? '', AttendeeId: ids[0] ?? '', ids };
    },
    published: async () => {
      await emulator.drainEvents();
      return events;
    },
  };
  stoppers.set(running, async () => {
    for (const each of clients) each.destroy();
    await emulator.stop();
  });
  return running;
}

/**
 * An emulator for a whole test file (account 111122223333, clock fixed at {@link NOW}, events
 * and log lines collected): started before the file's tests, reset after each test (events
 * drained, lines and events forgotten), stopped after the file. Options override the defaults.
 * Its members are filled in once the file's `beforeAll` has run.
 */
export function useEmulator(options: ChimeEmulatorOptions = {}): RunningEmulator {
  const shared = {} as RunningEmulator;
  let running: RunningEmulator;
  beforeAll(async () => {
    running = await startEmulator(options);
    Object.assign(shared, running);
  });
  afterEach(async () => {
    await running.emulator.drainEvents();
    running.emulator.reset();
    running.lines.length = 0;
    running.events.length = 0;
    for (const own of [...stoppers.keys()].filter((each) => each !== running)) {
      await stopEmulator(own);
    }
  });
  afterAll(() => stopEmulator(running));
  return shared;
}

/** An emulator of its own for one test, stopped after it (only in a file that uses {@link useEmulator}). */
export const ownEmulator = (options: ChimeEmulatorOptions = {}): Promise<RunningEmulator> =>
  startEmulator(options);

async function stopEmulator(running: RunningEmulator): Promise<void> {
  const stop = stoppers.get(running);
  stoppers.delete(running);
  await stop?.();
}

/** The error a call failed with; fails the test if it succeeded. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('Expected the call to fail');
}

/** Sends `count` calls one after another: "ok" or the error name of each. */
export async function outcomes(count: number, send: () => Promise<unknown>): Promise<string[]> {
  const results: string[] = [];
  for (let i = 0; i < count; i += 1) {
    results.push(
      await send().then(
        () => 'ok',
        (error: Error) => error.name,
      ),
    );
  }
  return results;
}
