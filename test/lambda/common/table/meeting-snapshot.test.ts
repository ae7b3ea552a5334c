import {
  type ChimeSDKMeetingsClient,
  ListAttendeesCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import {
  type AttributeValue,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { createMemoryCache } from '../../../../lambda/attendee/cache/memory-cache';
import { callScope } from '../../../../lambda/common/chime/call-scope';
import {
  type MeetingSnapshotDeps,
  takeMeetingSnapshot,
} from '../../../../lambda/common/table/meeting-snapshot';
import {
  createSharedCache,
  type SharedCache,
  SnapshotWriteError,
} from '../../../../lambda/common/table/shared-cache';
import { createChimeEmulator, type SeededMeeting } from '../../../../local/chime-emulator';
import { useChimeAndTables } from '../../../helpers/chime-and-tables';
import type { LocalTables } from '../../../helpers/local-dynamodb';
import { registerSecret } from '../../../helpers/log-capture';

const emulator = createChimeEmulator({ rates: false });
let chime: ChimeSDKMeetingsClient;
let tables: LocalTables;
useChimeAndTables(emulator, (client, local) => {
  chime = client;
  tables = local;
});

const T0 = 1_700_000_000_000;
const TTL_MS = 600_000;
const LEASE_MS = 10_000;

let clock: number;
let tableName: string;
let shared: SharedCache;
/** What the snapshot asked of Chime, through `call`, in order. */
let calls: string[];
let cacheErrors: { operation: string; name: string }[];
let pages: { size: number; takenAt: number }[];

beforeEach(async () => {
  clock = T0;
  tableName = await tables.newTable();
  shared = createSharedCache({ client: tables.client, tableName, ttlMs: TTL_MS, now: () => clock });
  calls = [];
  cacheErrors = [];
  pages = [];
});

/** The snapshot's dependencies; each Chime call takes a second of the test's clock. */
const depsWith = (overrides: Partial<MeetingSnapshotDeps> = {}): MeetingSnapshotDeps => ({
  chime,
  shared,
  owner: 'container-1',
  leaseMs: LEASE_MS,
  now: () => clock,
  call: async (operation, send) => {
    calls.push(operation);
    clock += 1000;
    return send();
  },
  onCacheError: (operation, error) =>
    cacheErrors.push({ operation, name: error instanceof Error ? error.name : String(error) }),
  onPage: (page, takenAt) => pages.push({ size: page.length, takenAt }),
  ...overrides,
});

/** A meeting of `count` attendees in the emulator; their user ids and JoinTokens are secrets. */
function seededMeeting(count: number): SeededMeeting {
  const [meeting] = emulator.seed({
    meetings: 1,
    attendeesPerMeeting: count,
    includeJoinTokens: true,
  });
  for (const attendee of meeting?.Attendees ?? []) {
    registerSecret(attendee.ExternalUserId);
    if (attendee.JoinToken) registerSecret(attendee.JoinToken);
  }
  return meeting as SeededMeeting;
}

const partition = async (meetingId: string) => {
  const items: Record<string, AttributeValue>[] = [];
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await tables.client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `MEETING#${meetingId}` } },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
};

const callsOf = (operation: string) => calls.filter((call) => call === operation).length;

/** `shared` with the name of each write recorded, in order. */
function recordingWrites(target: SharedCache, writes: string[]): SharedCache {
  const names = [
    'acquireLease',
    'failLease',
    'putAttendees',
    'putMeeting',
    'markSnapshot',
    'endMeeting',
  ] as const;
  const recorded: Record<string, unknown> = { ...target };
  for (const name of names) {
    recorded[name] = (...args: unknown[]) => {
      writes.push(name);
      return (target[name] as (...a: unknown[]) => Promise<unknown>)(...args);
    };
  }
  return recorded as unknown as SharedCache;
}

const chimeError = (name: string) =>
  Object.assign(new Error(`${name} from a fake Chime`), { name, $fault: 'server' });

describe('a meeting snapshot', () => {
  it('stores every page with the time the listing started as its version, then the meeting, then the marker', async () => {
    const meeting = seededMeeting(150);
    const writes: string[] = [];

    const outcome = await takeMeetingSnapshot(
      depsWith({ shared: recordingWrites(shared, writes) }),
      meeting.MeetingId,
    );

    expect(outcome.kind).toBe('taken');
    if (outcome.kind !== 'taken') return;
    expect(outcome.takenAt).toBe(T0);
    expect(outcome.meeting?.MeetingId).toBe(meeting.MeetingId);
    expect([...outcome.attendees.keys()].sort()).toEqual(
      meeting.Attendees.map((a) => a.AttendeeId.toLowerCase()).sort(),
    );
    expect(callsOf('ListAttendees')).toBe(2);
    expect(callsOf('GetMeeting')).toBe(1);
    expect(pages).toEqual([
      { size: 100, takenAt: T0 },
      { size: 50, takenAt: T0 },
    ]);
    expect(writes).toEqual([
      'acquireLease',
      'putAttendees',
      'putAttendees',
      'putMeeting',
      'markSnapshot',
    ]);
    expect(cacheErrors).toEqual([]);

    // Written while the clock ran on (a second per call), every item carries the listing's start.
    const items = await partition(meeting.MeetingId);
    const versions = new Set(
      items.filter((item) => item.sk?.S !== 'LEASE').map((item) => item.version?.N),
    );
    expect(items).toHaveLength(150 + 3);
    expect(versions).toEqual(new Set([String(T0)]));
    const read = await shared.read(meeting.MeetingId, {});
    expect(read.snapshot?.takenAt).toBe(T0);
    expect(read.lease).toEqual({ owner: 'container-1', until: T0 + LEASE_MS, failed: false });
  });

  it('never replaces what an event wrote meanwhile: its pages are older', async () => {
    const meeting = seededMeeting(3);
    const [deleted, changed] = meeting.Attendees.map((a) => a.AttendeeId.toLowerCase());
    await shared.tombstoneAttendee(meeting.MeetingId, deleted as string, T0 + 500);
    await shared.markStale(meeting.MeetingId, changed as string, T0 + 500);

    await takeMeetingSnapshot(depsWith(), meeting.MeetingId);

    const read = await shared.read(meeting.MeetingId, {
      attendeeIds: meeting.Attendees.map((a) => a.AttendeeId.toLowerCase()),
    });
    expect(read.deleted).toEqual(new Set([deleted]));
    expect(read.attendees?.size).toBe(1);
    expect(read.attendees?.has(changed as string)).toBe(false);
  });

  it('marks nothing complete when a page could not be stored, yet returns the whole listing', async () => {
    const meeting = seededMeeting(120);
    const failing = `ATTENDEE#${meeting.Attendees[110]?.AttendeeId.toLowerCase()}`;
    const flaky: Pick<DynamoDBClient, 'send'> = {
      send: ((command: unknown, options?: unknown) =>
        command instanceof PutItemCommand && command.input.Item?.sk?.S === failing
          ? Promise.reject(Object.assign(new Error('Internal'), { name: 'InternalServerError' }))
          : tables.client.send(command as never, options as never)) as DynamoDBClient['send'],
    };
    const writes: string[] = [];
    const cache = createSharedCache({ client: flaky, tableName, ttlMs: TTL_MS, now: () => clock });

    const outcome = await takeMeetingSnapshot(
      depsWith({ shared: recordingWrites(cache, writes) }),
      meeting.MeetingId,
    );

    expect(outcome.kind).toBe('taken');
    expect(outcome.kind === 'taken' && outcome.attendees.size).toBe(120);
    expect(cacheErrors).toEqual([{ operation: 'putAttendees', name: SnapshotWriteError.name }]);
    expect(writes).not.toContain('markSnapshot');
    const read = await shared.read(meeting.MeetingId, {});
    expect(read.snapshot).toBeUndefined();
    expect(read.meeting?.value.MeetingId).toBe(meeting.MeetingId);
    const stored = (await partition(meeting.MeetingId)).filter((item) =>
      item.sk?.S?.startsWith('ATTENDEE#'),
    );
    expect(stored).toHaveLength(119);
  });

  it.each([
    ['its first page', 0],
    ['a later page', 100],
  ])(
    'marks its lease failed when Chime fails on %s, and stores no marker',
    async (_case, stored) => {
      const meeting = seededMeeting(120);
      // Chime lists the first `stored` attendees, then its next ListAttendees fails.
      const failingChime: Pick<ChimeSDKMeetingsClient, 'send'> = {
        send: ((command: unknown) =>
          command instanceof ListAttendeesCommand && (stored === 0 || command.input.NextToken)
            ? Promise.reject(chimeError('ServiceFailureException'))
            : chime.send(command as never)) as ChimeSDKMeetingsClient['send'],
      };

      const outcome = await takeMeetingSnapshot(
        depsWith({ chime: failingChime }),
        meeting.MeetingId,
      );

      expect(outcome).toMatchObject({
        kind: 'failed',
        error: { name: 'ServiceFailureException' },
      });
      const read = await shared.read(meeting.MeetingId, {});
      expect(read.lease).toEqual({ owner: 'container-1', until: T0 + LEASE_MS, failed: true });
      expect(read.snapshot).toBeUndefined();
      const attendees = (await partition(meeting.MeetingId)).filter((item) =>
        item.sk?.S?.startsWith('ATTENDEE#'),
      );
      expect(attendees).toHaveLength(stored);
    },
  );

  it('marks its lease failed when the emulated Chime answers a fault, and nobody lists the meeting until it runs out', async () => {
    const meeting = seededMeeting(20);
    emulator.injectFault({
      operation: 'ListAttendees',
      match: { meetingId: meeting.MeetingId },
      fault: { type: 'error', name: 'ServiceFailureException' },
    });

    const failed = await takeMeetingSnapshot(depsWith(), meeting.MeetingId);
    clock = T0 + LEASE_MS - 1;
    calls = [];
    const cooling = await takeMeetingSnapshot(
      depsWith({ owner: 'container-2' }),
      meeting.MeetingId,
    );

    expect(failed).toMatchObject({ kind: 'failed', error: { name: 'ServiceFailureException' } });
    expect(cooling).toEqual({ kind: 'lost' });
    expect(calls).toEqual([]);
    expect((await shared.read(meeting.MeetingId, {})).lease?.failed).toBe(true);
  });

  it.each([['ListAttendees'], ['GetMeeting']] as const)(
    'ends the meeting in the table and throws when Chime answers NotFound to %s',
    async (operation) => {
      const meeting = seededMeeting(120);
      await shared.putAttendees(
        meeting.MeetingId,
        [{ AttendeeId: meeting.Attendees[0]?.AttendeeId.toLowerCase(), ExternalUserId: 'u' }],
        T0 - 1000,
      );
      emulator.injectFault({
        operation,
        match: { meetingId: meeting.MeetingId },
        fault: { type: 'error', name: 'NotFoundException' },
      });

      await expect(takeMeetingSnapshot(depsWith(), meeting.MeetingId)).rejects.toMatchObject({
        name: 'NotFoundException',
      });

      const read = await shared.read(meeting.MeetingId, {});
      expect(read.ended).toBe(true);
      expect(read.snapshot).toBeUndefined();
      // Whatever pages were stored went with the rest: only the tombstone is left.
      expect(
        (await partition(meeting.MeetingId)).map((item) => [item.sk?.S, item.state?.S]),
      ).toEqual([['META', 'deleted']]);
    },
  );

  it("leaves the meeting to the lease's holder, without a Chime call", async () => {
    const meeting = seededMeeting(5);
    await shared.acquireLease(meeting.MeetingId, 'container-0', LEASE_MS);

    const outcome = await takeMeetingSnapshot(depsWith(), meeting.MeetingId);

    expect(outcome).toEqual({ kind: 'lost' });
    expect(calls).toEqual([]);
    expect((await shared.read(meeting.MeetingId, {})).lease?.owner).toBe('container-0');
  });

  it('fails without a Chime call when the lease cannot be taken, and says why', async () => {
    const meeting = seededMeeting(5);
    const missing = createSharedCache({
      client: tables.client,
      tableName: 'no-such-table',
      ttlMs: TTL_MS,
    });

    const outcome = await takeMeetingSnapshot(depsWith({ shared: missing }), meeting.MeetingId);

    expect(outcome).toMatchObject({ kind: 'failed', error: { name: 'ResourceNotFoundException' } });
    expect(cacheErrors).toEqual([{ operation: 'acquireLease', name: 'ResourceNotFoundException' }]);
    expect(calls).toEqual([]);
  });
});

describe('a meeting snapshot past its lease', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('aborts its Chime calls when the lease runs out, and marks the lease failed', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    const meetingId = '0f0e0d0c-0b0a-4908-8706-050403020100';
    let sent = 0;
    // A Chime that never answers, until the call's signal aborts.
    const silent: Pick<ChimeSDKMeetingsClient, 'send'> = {
      send: (() => {
        sent += 1;
        const signal = callScope()?.signal;
        return new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      }) as ChimeSDKMeetingsClient['send'],
    };
    const memory = createMemoryCache({ ttlMs: TTL_MS, maxEntries: 100, now: () => T0 });

    const snapshot = takeMeetingSnapshot(
      {
        ...depsWith({ chime: silent, shared: memory, now: () => T0 }),
        call: (_operation, send) => send(),
      },
      meetingId,
    );
    await jest.advanceTimersByTimeAsync(LEASE_MS);

    expect(await snapshot).toMatchObject({ kind: 'failed', error: { name: 'TimeoutError' } });
    expect(sent).toBe(2);
    expect((await memory.read(meetingId, {})).lease).toEqual({
      owner: 'container-1',
      until: T0 + LEASE_MS,
      failed: true,
    });
  });
});
