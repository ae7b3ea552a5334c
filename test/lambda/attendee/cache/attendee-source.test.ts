import { randomUUID } from 'node:crypto';
import {
  BatchCreateAttendeeCommand,
  type ChimeSDKMeetingsClient,
  CreateAttendeeCommand,
  CreateMeetingCommand,
  DeleteAttendeeCommand,
  DeleteMeetingCommand,
  GetAttendeeCommand,
  ListAttendeesCommand,
  UpdateAttendeeCapabilitiesCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { type DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { createAttendeeSource } from '../../../../lambda/attendee/cache/attendee-source';
import {
  type AttendeeSourceOptions,
  TABLE_RECHECK_MS,
} from '../../../../lambda/attendee/cache/lookups';
import { createRequestMetrics } from '../../../../lambda/attendee/cache/metrics';
import { createSharedCache } from '../../../../lambda/common/table/shared-cache';
import { createInvalidationHandler } from '../../../../lambda/invalidation/handler';
import { createChimeEmulator } from '../../../../local/chime-emulator';
import { useChimeAndTables } from '../../../helpers/chime-and-tables';
import type { LocalTables } from '../../../helpers/local-dynamodb';
import { registerSecret } from '../../../helpers/log-capture';

const emulator = createChimeEmulator();
let chime: ChimeSDKMeetingsClient;
let tables: LocalTables;
useChimeAndTables(emulator, (client, local) => {
  chime = client;
  tables = local;
});

const SHARED_TTL_MS = 600_000;
let clock: number;
const now = () => clock;
let tableName: string;

beforeEach(async () => {
  clock = 1_700_000_000_000;
  tableName = await tables.newTable();
});

/** The table as another container (or the invalidation function) writes it. */
const tableCache = () =>
  createSharedCache({ client: tables.client, tableName, ttlMs: SHARED_TTL_MS, now });

/** One container's source; `overrides` win. Polls yield to the event loop: no real sleep. */
const sourceFor = (overrides: Partial<AttendeeSourceOptions> = {}) =>
  createAttendeeSource({
    chime,
    cacheAttendeeTtlMs: 60_000,
    cacheMeetingTtlMs: 60_000,
    cacheMaxEntries: 1000,
    sharedTable: { client: tables.client, tableName, ttlMs: SHARED_TTL_MS },
    cacheHotThreshold: 3,
    cacheHotWindowMs: 10_000,
    cacheLeaseMs: 10_000,
    cacheLeasePollMs: 10,
    cacheLeaseWaitMs: 10_000,
    cacheSnapshotFreshnessMs: 60_000,
    now,
    sleep: () => new Promise((resolve) => setImmediate(resolve)),
    ...overrides,
  });

const createMeeting = async () => {
  const { Meeting } = await chime.send(
    new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: randomUUID() }),
  );
  return Meeting?.MeetingId as string;
};

const createAttendees = async (meetingId: string, count: number) => {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 100) {
    const { Attendees } = await chime.send(
      new BatchCreateAttendeeCommand({
        MeetingId: meetingId,
        Attendees: Array.from({ length: Math.min(100, count - start) }, () => ({
          ExternalUserId: registerSecret(`user-${randomUUID()}`),
        })),
      }),
    );
    for (const attendee of Attendees ?? []) {
      registerSecret(attendee.JoinToken as string);
      ids.push(attendee.AttendeeId as string);
    }
  }
  return ids;
};

const callsOf = (operation: string) =>
  emulator.calls().filter((call) => call.operation === operation).length;

const partition = async (meetingId: string) => {
  const { Items } = await tables.client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: `MEETING#${meetingId}` } },
    }),
  );
  return (Items ?? []).map((item) => item.sk?.S);
};

describe('the attendee source', () => {
  it('misses to Chime once, then answers from the container with no Chime call', async () => {
    const meetingId = await createMeeting();
    const [attendeeId] = (await createAttendees(meetingId, 1)) as [string];
    emulator.resetCalls();
    const source = sourceFor();
    const first = createRequestMetrics();
    const miss = await source.getAttendee(meetingId, attendeeId, { metrics: first });
    expect(miss.tier).toBe('none');
    expect(miss.Attendee?.AttendeeId).toBe(attendeeId);
    expect(typeof miss.chimeRequestId).toBe('string');
    expect(first).toMatchObject({ misses: 1, chimeCalls: { GetAttendee: 1 } });

    const second = createRequestMetrics();
    const hit = await source.getAttendee(meetingId, attendeeId, { metrics: second });
    expect(hit).toEqual({ Attendee: miss.Attendee, tier: 'container' });
    expect(second).toMatchObject({ hitsContainer: 1, chimeCalls: { GetAttendee: 0 } });
    expect(callsOf('GetAttendee')).toBe(1);
  });

  it('makes one Chime call for 25 concurrent misses of the same attendee (single flight)', async () => {
    const meetingId = await createMeeting();
    const [attendeeId] = (await createAttendees(meetingId, 1)) as [string];
    emulator.resetCalls();
    const source = sourceFor({ sharedTable: undefined });
    const answers = await Promise.all(
      Array.from({ length: 25 }, () => source.getAttendee(meetingId, attendeeId)),
    );
    expect(callsOf('GetAttendee')).toBe(1);
    expect(new Set(answers.map((answer) => answer.Attendee?.JoinToken)).size).toBe(1);
    expect(answers.filter((answer) => answer.tier === 'container')).toHaveLength(24);
  });

  it('lets another container answer from the shared table, and a meeting too', async () => {
    const meetingId = await createMeeting();
    const [attendeeId] = (await createAttendees(meetingId, 1)) as [string];
    await sourceFor().getAttendee(meetingId, attendeeId);
    await sourceFor().getMeeting(meetingId);
    emulator.resetCalls();
    const other = sourceFor();
    const metrics = createRequestMetrics();
    const attendee = await other.getAttendee(meetingId, attendeeId, { metrics });
    const meeting = await other.getMeeting(meetingId, { metrics });
    expect(attendee.tier).toBe('shared');
    // The meeting came with the attendee's read (one BatchGetItem), into the container.
    expect(meeting.tier).toBe('container');
    expect(meeting.Meeting?.MeetingId).toBe(meetingId);
    expect(meeting.Meeting?.MediaPlacement?.AudioHostUrl).toEqual(expect.any(String));
    expect(metrics).toMatchObject({ hitsShared: 1, hitsContainer: 1, misses: 0 });
    expect(emulator.calls()).toEqual([]);
  });

  it('never serves a shared record past its expiry, though it is still in the table', async () => {
    const meetingId = await createMeeting();
    const [attendeeId] = (await createAttendees(meetingId, 1)) as [string];
    await sourceFor().getAttendee(meetingId, attendeeId);
    clock += SHARED_TTL_MS;
    emulator.resetCalls();
    const late = await sourceFor().getAttendee(meetingId, attendeeId);
    expect(late.tier).toBe('none');
    expect(callsOf('GetAttendee')).toBe(1);
  });

  it('serves a container entry no longer than the shared record it came from', async () => {
    const meetingId = await createMeeting();
    const [attendeeId] = (await createAttendees(meetingId, 1)) as [string];
    const source = sourceFor({ cacheAttendeeTtlMs: 3_600_000 });
    await source.getAttendee(meetingId, attendeeId);
    clock += SHARED_TTL_MS;
    emulator.resetCalls();
    expect((await source.getAttendee(meetingId, attendeeId)).tier).toBe('none');
    expect(callsOf('GetAttendee')).toBe(1);
  });

  it('snapshots a hot meeting once across two racing containers, which both answer without GetAttendee', async () => {
    const meetingId = await createMeeting();
    const attendeeIds = await createAttendees(meetingId, 150);
    emulator.resetCalls();
    const [a, b] = [sourceFor({ cacheHotThreshold: 1 }), sourceFor({ cacheHotThreshold: 1 })];
    const metrics = attendeeIds.map(() => createRequestMetrics());
    const answers = await Promise.all(
      attendeeIds.map((attendeeId, index) =>
        (index % 2 === 0 ? a : b).getAttendee(meetingId, attendeeId, {
          metrics: metrics[index],
        }),
      ),
    );
    answers.forEach((answer, index) => {
      expect(answer.Attendee?.AttendeeId).toBe(attendeeIds[index]);
    });
    expect(callsOf('ListAttendees')).toBe(2);
    expect(callsOf('GetAttendee')).toBe(0);
    expect(callsOf('GetMeeting')).toBe(1);
    const tiers = new Set(answers.map((answer) => answer.tier));
    expect(tiers).toContain('shared');
    expect(metrics.reduce((sum, m) => sum + m.chimeCalls.ListAttendees, 0)).toBe(2);
    expect(await partition(meetingId)).toHaveLength(150 + 3);

    // The meeting came with the snapshot: join-info needs no GetMeeting in either container.
    emulator.resetCalls();
    await Promise.all([a.getMeeting(meetingId), b.getMeeting(meetingId)]);
    expect(emulator.calls()).toEqual([]);
  });

  it('falls back to GetAttendee for an attendee created after a fresh snapshot', async () => {
    const meetingId = await createMeeting();
    const attendeeIds = await createAttendees(meetingId, 3);
    const first = sourceFor({ cacheHotThreshold: 1 });
    await first.getAttendee(meetingId, attendeeIds[0] as string);
    const { Attendee } = await chime.send(
      new CreateAttendeeCommand({
        MeetingId: meetingId,
        ExternalUserId: registerSecret(`late-${randomUUID()}`),
      }),
    );
    registerSecret(Attendee?.JoinToken as string);
    const lateId = Attendee?.AttendeeId as string;
    emulator.resetCalls();
    const late = await sourceFor({ cacheHotThreshold: 1 }).getAttendee(meetingId, lateId);
    expect(late.Attendee?.AttendeeId).toBe(lateId);
    expect(late.tier).toBe('none');
    expect(callsOf('GetAttendee')).toBe(1);
    expect(callsOf('ListAttendees')).toBe(0);
    // Stored for the next container.
    emulator.resetCalls();
    expect((await sourceFor().getAttendee(meetingId, lateId)).tier).toBe('shared');
    expect(emulator.calls()).toEqual([]);
  });

  it('waits for the snapshot of the lease holder instead of calling Chime', async () => {
    const meetingId = await createMeeting();
    const attendeeIds = await createAttendees(meetingId, 40);
    const { Attendees = [] } = await chime.send(
      new ListAttendeesCommand({ MeetingId: meetingId, MaxResults: 100 }),
    );
    const shared = tableCache();
    expect(await shared.acquireLease(meetingId, 'the-other-container', 10_000)).toBe(true);
    let polls = 0;
    const waiting = sourceFor({
      cacheHotThreshold: 1,
      sleep: async () => {
        polls += 1;
        // The holder writes its snapshot while this container waits.
        if (polls === 3) {
          await shared.putAttendees(meetingId, Attendees, clock);
          await shared.markSnapshot(meetingId, clock);
        }
      },
    });
    emulator.resetCalls();
    const answers = await Promise.all(
      attendeeIds.map((attendeeId) => waiting.getAttendee(meetingId, attendeeId)),
    );
    expect(answers.map((answer) => answer.tier)).toEqual(attendeeIds.map(() => 'shared'));
    expect(answers.map((answer) => answer.Attendee?.AttendeeId)).toEqual(attendeeIds);
    // One poller for the meeting, not one per waiting request.
    expect(polls).toBe(3);
    expect(emulator.calls()).toEqual([]);
  });

  it('writes each page as it arrives, and keeps the pages and the lease when a later page fails', async () => {
    const meetingId = await createMeeting();
    const attendeeIds = await createAttendees(meetingId, 150);
    let lists = 0;
    const flaky = {
      send: (command: unknown, options?: { abortSignal?: AbortSignal }) => {
        if (command instanceof ListAttendeesCommand && ++lists === 2) {
          return Promise.reject(
            Object.assign(new Error('Rate exceeded'), {
              name: 'ThrottlingException',
              $fault: 'client',
              $metadata: { httpStatusCode: 429 },
            }),
          );
        }
        return chime.send(command as never, options);
      },
    } as unknown as typeof chime;
    emulator.resetCalls();
    const first = await sourceFor({ chime: flaky, cacheHotThreshold: 1 }).getAttendee(
      meetingId,
      attendeeIds[0] as string,
    );
    expect(first.Attendee?.AttendeeId).toBe(attendeeIds[0]);
    const items = await partition(meetingId);
    // Page 1's hundred records are in the table; no marker (incomplete); the lease is kept as
    // a cool-down, so the next container does not list the meeting into the same throttle.
    expect(items.filter((sk) => sk?.startsWith('ATTENDEE#')).length).toBeGreaterThanOrEqual(100);
    expect(items).not.toContain('SNAPSHOT');
    expect(items).toContain('LEASE');
    // Another container finds a page-1 attendee in the table, without a Chime call.
    const onPageOne = (await partition(meetingId))
      .filter((sk): sk is string => sk?.startsWith('ATTENDEE#') ?? false)
      .map((sk) => sk.slice('ATTENDEE#'.length));
    emulator.resetCalls();
    const next = await sourceFor().getAttendee(meetingId, onPageOne[0] as string);
    expect(next.tier).toBe('shared');
    expect(emulator.calls()).toEqual([]);
  });

  it('finishes the snapshot after the request that started it gave up', async () => {
    const meetingId = await createMeeting();
    const attendeeIds = await createAttendees(meetingId, 120);
    emulator.resetCalls();
    const source = sourceFor({ cacheHotThreshold: 1 });
    const impatient = new AbortController();
    const asked = source.getAttendee(meetingId, attendeeIds[0] as string, {
      abortSignal: impatient.signal,
    });
    // Gives up once the snapshot it started is under way.
    while (callsOf('ListAttendees') < 1) await new Promise((resolve) => setImmediate(resolve));
    impatient.abort(new DOMException('deadline', 'AbortError'));
    await expect(asked).rejects.toMatchObject({ name: 'AbortError' });
    // The snapshot goes on, on its own budget: the marker and both pages arrive.
    for (let tries = 0; !(await partition(meetingId)).includes('SNAPSHOT'); tries += 1) {
      if (tries > 10_000) throw new Error('the snapshot never completed');
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(callsOf('ListAttendees')).toBe(2);
    emulator.resetCalls();
    const later = await sourceFor().getAttendee(meetingId, attendeeIds[119] as string);
    expect(later.tier).toBe('shared');
    expect(emulator.calls()).toEqual([]);
  });

  it('answers a waiting container page by page, before the lease holder has finished', async () => {
    const meetingId = await createMeeting();
    const attendeeIds = await createAttendees(meetingId, 150);
    const { Attendees = [] } = await chime.send(
      new ListAttendeesCommand({ MeetingId: meetingId, MaxResults: 100 }),
    );
    const pageOne = Attendees.map((a) => a.AttendeeId?.toLowerCase() as string);
    const later = attendeeIds.find((id) => !pageOne.includes(id)) as string;
    const shared = tableCache();
    expect(await shared.acquireLease(meetingId, 'the-other-container', 10_000)).toBe(true);
    let polls = 0;
    const answeredAt: Record<string, number> = {};
    const waiting = sourceFor({
      cacheHotThreshold: 1,
      sleep: async () => {
        polls += 1;
        // The holder writes its first page at the second poll, the rest and its marker at the fifth.
        if (polls === 2) await shared.putAttendees(meetingId, Attendees, clock);
        if (polls === 5) await shared.markSnapshot(meetingId, clock);
      },
    });
    emulator.resetCalls();
    const ask = async (attendeeId: string) => {
      const answer = await waiting.getAttendee(meetingId, attendeeId);
      answeredAt[attendeeId] = polls;
      return answer;
    };
    const [early, late] = await Promise.all([ask(pageOne[0] as string), ask(later)]);
    expect(early.tier).toBe('shared');
    // Answered right after the poll that found page 1, long before the marker.
    expect(answeredAt[pageOne[0] as string]).toBeLessThan(5);
    // Not in the (now complete) snapshot's first page: Chime decides, once the marker says so.
    expect(late.Attendee?.AttendeeId).toBe(later);
    expect(answeredAt[later]).toBeGreaterThanOrEqual(5);
    expect(callsOf('GetAttendee')).toBe(1);
    expect(callsOf('ListAttendees')).toBe(0);
  });

  it('stops waiting and asks Chime when the lease holder’s snapshot fails', async () => {
    const meetingId = await createMeeting();
    const [attendeeId] = (await createAttendees(meetingId, 1)) as [string];
    const shared = tableCache();
    await shared.acquireLease(meetingId, 'the-other-container', 10_000);
    let polls = 0;
    const waiting = sourceFor({
      cacheHotThreshold: 1,
      sleep: async () => {
        polls += 1;
        if (polls === 2) await shared.failLease(meetingId, 'the-other-container', clock + 10_000);
      },
    });
    emulator.resetCalls();
    expect((await waiting.getAttendee(meetingId, attendeeId)).tier).toBe('none');
    expect(polls).toBe(2);
    expect(callsOf('GetAttendee')).toBe(1);
  });

  it('gives up waiting after leaseWaitMs of polls and asks Chime', async () => {
    const meetingId = await createMeeting();
    const [attendeeId] = (await createAttendees(meetingId, 1)) as [string];
    const shared = tableCache();
    await shared.acquireLease(meetingId, 'a-stuck-container', 10_000);
    let polls = 0;
    const waiting = sourceFor({
      cacheHotThreshold: 1,
      cacheLeasePollMs: 50,
      cacheLeaseWaitMs: 200,
      sleep: async () => {
        polls += 1;
      },
    });
    emulator.resetCalls();
    expect((await waiting.getAttendee(meetingId, attendeeId)).tier).toBe('none');
    expect(polls).toBe(4);
    expect(callsOf('GetAttendee')).toBe(1);
  });

  it('returns a shared record as GetAttendee returned it, so the policy sees the same attendee', async () => {
    const meetingId = await createMeeting();
    const [attendeeId] = (await createAttendees(meetingId, 1)) as [string];
    const { Attendee } = await chime.send(
      new GetAttendeeCommand({ MeetingId: meetingId, AttendeeId: attendeeId }),
    );
    await sourceFor().getAttendee(meetingId, attendeeId);
    const cached = await sourceFor().getAttendee(meetingId, attendeeId);
    expect(cached.tier).toBe('shared');
    expect(cached.Attendee).toEqual({
      AttendeeId: Attendee?.AttendeeId,
      ExternalUserId: Attendee?.ExternalUserId,
      JoinToken: Attendee?.JoinToken,
      Capabilities: Attendee?.Capabilities,
    });
  });

  it('stops serving an attendee from the shared table once its AttendeeDeleted event is handled', async () => {
    const meetingId = await createMeeting();
    const [attendeeId] = (await createAttendees(meetingId, 1)) as [string];
    await sourceFor().getAttendee(meetingId, attendeeId);
    await chime.send(new DeleteAttendeeCommand({ MeetingId: meetingId, AttendeeId: attendeeId }));
    const shared = tableCache();
    await createInvalidationHandler({ shared, now, log: () => undefined })({
      eventType: 'chime:AttendeeDeleted',
      meetingId,
      attendeeId,
    });
    emulator.resetCalls();
    // The tombstone answers what Chime would, without asking it.
    await expect(sourceFor().getAttendee(meetingId, attendeeId)).rejects.toMatchObject({
      name: 'NotFoundException',
    });
    expect(emulator.calls()).toEqual([]);
  });

  it('leaves a tombstone in place of the record on NotFound from Chime, and rethrows it', async () => {
    const meetingId = await createMeeting();
    const [attendeeId] = (await createAttendees(meetingId, 1)) as [string];
    await sourceFor().getAttendee(meetingId, attendeeId);
    await chime.send(new DeleteAttendeeCommand({ MeetingId: meetingId, AttendeeId: attendeeId }));
    clock += SHARED_TTL_MS; // expired, but still in the table
    const key = {
      pk: { S: `MEETING#${meetingId}` },
      sk: { S: `ATTENDEE#${attendeeId}` },
    };
    const before = await tables.client.send(new GetItemCommand({ TableName: tableName, Key: key }));
    expect(before.Item).toBeDefined();
    const source = sourceFor();
    await expect(source.getAttendee(meetingId, attendeeId)).rejects.toMatchObject({
      name: 'NotFoundException',
    });
    const after = await tables.client.send(new GetItemCommand({ TableName: tableName, Key: key }));
    expect(after.Item?.state?.S).toBe('deleted');
    expect(after.Item?.JoinToken).toBeUndefined();
    expect(after.Item?.ExternalUserId).toBeUndefined();
    // The next request is answered by the tombstone, as Chime would answer it.
    emulator.resetCalls();
    await expect(source.getAttendee(meetingId, attendeeId)).rejects.toMatchObject({
      name: 'NotFoundException',
    });
    expect(emulator.calls()).toEqual([]);
  });

  it("ends the meeting's records on a meeting NotFound: a tombstone answers for every attendee", async () => {
    const meetingId = await createMeeting();
    const attendeeIds = await createAttendees(meetingId, 5);
    const source = sourceFor({ cacheHotThreshold: 1 });
    await source.getAttendee(meetingId, attendeeIds[0] as string);
    // Five attendees, the meeting, the snapshot marker and the lease.
    expect((await partition(meetingId)).length).toBe(5 + 3);
    await chime.send(new DeleteMeetingCommand({ MeetingId: meetingId }));
    clock += SHARED_TTL_MS; // the meeting record expired: GetMeeting answers NotFound
    await expect(source.getMeeting(meetingId)).rejects.toMatchObject({ name: 'NotFoundException' });
    expect(await partition(meetingId)).toEqual(['META']);
    // The container dropped the meeting's attendees; the tombstone answers them, without Chime.
    emulator.resetCalls();
    await expect(source.getAttendee(meetingId, attendeeIds[1] as string)).rejects.toMatchObject({
      name: 'NotFoundException',
    });
    expect(emulator.calls()).toEqual([]);
  });

  it('falls back to Chime and counts a cache error when DynamoDB fails, naming no secret', async () => {
    const meetingId = await createMeeting();
    const [attendeeId] = (await createAttendees(meetingId, 1)) as [string];
    const failing: Pick<DynamoDBClient, 'send'> = {
      send: async () => {
        throw Object.assign(new Error('service down'), { name: 'InternalServerError' });
      },
    };
    const errors: string[] = [];
    const source = sourceFor({
      sharedTable: { client: failing, tableName, ttlMs: SHARED_TTL_MS },
      onCacheError: (operation, name) => errors.push(`${operation}:${name}`),
    });
    const metrics = createRequestMetrics();
    const answer = await source.getAttendee(meetingId, attendeeId, { metrics });
    const meeting = await source.getMeeting(meetingId, { metrics });
    expect(answer.Attendee?.AttendeeId).toBe(attendeeId);
    expect(meeting.Meeting?.MeetingId).toBe(meetingId);
    expect(metrics).toMatchObject({ cacheErrors: 2, misses: 2 });
    expect(errors).toEqual(['read:InternalServerError', 'read:InternalServerError']);
  });

  it('counts a throttle and does not cache the failure', async () => {
    const meetingId = await createMeeting();
    const [attendeeId] = (await createAttendees(meetingId, 1)) as [string];
    emulator.injectFault({
      operation: 'GetAttendee',
      fault: { type: 'error', name: 'ThrottlingException' },
    });
    const source = sourceFor();
    const metrics = createRequestMetrics();
    await expect(source.getAttendee(meetingId, attendeeId, { metrics })).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(metrics).toMatchObject({ throttles: 1, chimeCalls: { GetAttendee: 1 } });
    expect((await source.getAttendee(meetingId, attendeeId)).Attendee?.AttendeeId).toBe(attendeeId);
  });

  it('does not cache an answer for another attendee than the one asked (API10)', async () => {
    const meetingId = await createMeeting();
    const [asked, other] = (await createAttendees(meetingId, 2)) as [string, string];
    const wrong = {
      send: async () => ({
        Attendee: { AttendeeId: other, ExternalUserId: 'x-user', JoinToken: 'abc' },
        $metadata: {},
      }),
    } as unknown as Pick<ChimeSDKMeetingsClient, 'send'>;
    const source = sourceFor({ chime: wrong });
    expect((await source.getAttendee(meetingId, asked)).Attendee?.AttendeeId).toBe(other);
    expect(await partition(meetingId)).toEqual([]);
  });
});

describe('the freshness contract', () => {
  const invalidate = (input: Parameters<ReturnType<typeof createInvalidationHandler>>[0]) =>
    createInvalidationHandler({
      shared: tableCache(),
      now,
      log: () => undefined,
    })(input);

  /** Two containers that have both served the attendee (one from Chime, one from the table). */
  const twoContainersServing = async (meetingId: string, attendeeId: string) => {
    const containers = [sourceFor(), sourceFor()] as const;
    for (const container of containers) {
      expect((await container.getAttendee(meetingId, attendeeId)).Attendee?.AttendeeId).toBe(
        attendeeId,
      );
      await container.getMeeting(meetingId);
    }
    return containers;
  };

  it('answers 404 in every container within TABLE_RECHECK_MS of an AttendeeDeleted event', async () => {
    const meetingId = await createMeeting();
    const [attendeeId] = (await createAttendees(meetingId, 1)) as [string];
    const containers = await twoContainersServing(meetingId, attendeeId);
    await chime.send(new DeleteAttendeeCommand({ MeetingId: meetingId, AttendeeId: attendeeId }));
    await invalidate({ eventType: 'chime:AttendeeDeleted', meetingId, attendeeId });
    clock += TABLE_RECHECK_MS;
    emulator.resetCalls();
    for (const container of containers) {
      await expect(container.getAttendee(meetingId, attendeeId)).rejects.toMatchObject({
        name: 'NotFoundException',
      });
    }
    expect(emulator.calls()).toEqual([]);
  });

  it('answers 404 for every attendee and the meeting within TABLE_RECHECK_MS of a MeetingEnded event', async () => {
    const meetingId = await createMeeting();
    const [attendeeId, other] = (await createAttendees(meetingId, 2)) as [string, string];
    const containers = await twoContainersServing(meetingId, attendeeId);
    await chime.send(new DeleteMeetingCommand({ MeetingId: meetingId }));
    await invalidate({ eventType: 'chime:MeetingEnded', meetingId });
    clock += TABLE_RECHECK_MS;
    emulator.resetCalls();
    for (const container of containers) {
      for (const lookup of [
        container.getAttendee(meetingId, attendeeId),
        container.getAttendee(meetingId, other),
        container.getMeeting(meetingId),
      ]) {
        await expect(lookup).rejects.toMatchObject({ name: 'NotFoundException' });
      }
    }
    expect(emulator.calls()).toEqual([]);
  });

  it('serves the new capabilities in every container within TABLE_RECHECK_MS of an AttendeeCapabilitiesUpdated event', async () => {
    const meetingId = await createMeeting();
    const [attendeeId] = (await createAttendees(meetingId, 1)) as [string];
    const containers = await twoContainersServing(meetingId, attendeeId);
    const muted = { Audio: 'Receive', Video: 'SendReceive', Content: 'SendReceive' } as const;
    await chime.send(
      new UpdateAttendeeCapabilitiesCommand({
        MeetingId: meetingId,
        AttendeeId: attendeeId,
        Capabilities: muted,
      }),
    );
    await invalidate({
      eventType: 'chime:AttendeeCapabilitiesUpdated',
      meetingId,
      attendeeId,
      success: '1',
    });
    clock += TABLE_RECHECK_MS;
    emulator.resetCalls();
    for (const container of containers) {
      const answer = await container.getAttendee(meetingId, attendeeId);
      expect(answer.Attendee?.Capabilities).toEqual(muted);
    }
    // The first container's GetAttendee stored the new record; the second read it.
    expect(callsOf('GetAttendee')).toBe(1);
  });

  it('asks GetAttendee for a changed attendee only, never lists its meeting again', async () => {
    const meetingId = await createMeeting();
    const [changed] = (await createAttendees(meetingId, 3)) as [string];
    await sourceFor({ cacheHotThreshold: 1 }).getAttendee(meetingId, changed);
    clock += 60_000; // the snapshot no longer proves absences, but its records are served
    await invalidate({
      eventType: 'chime:AttendeeCapabilitiesUpdated',
      meetingId,
      attendeeId: changed,
      success: '1',
    });
    emulator.resetCalls();
    await sourceFor({ cacheHotThreshold: 1 }).getAttendee(meetingId, changed);
    expect(emulator.calls().map((call) => call.operation)).toEqual(['GetAttendee']);
  });

  it('never lets a snapshot in flight bring back an attendee deleted meanwhile', async () => {
    const meetingId = await createMeeting();
    const attendeeIds = await createAttendees(meetingId, 3);
    const deleted = attendeeIds[0] as string;
    let release: () => void = () => undefined;
    const listed = new Promise<void>((resolve) => {
      release = resolve;
    });
    let listing: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      listing = resolve;
    });
    // ListAttendees answers with the attendee, but its page is written only after the event.
    const paused = {
      send: async (command: unknown, options?: object) => {
        const output = await chime.send(command as never, options);
        if (command instanceof ListAttendeesCommand) {
          listing();
          await listed;
        }
        return output;
      },
    } as unknown as typeof chime;
    const snapshot = sourceFor({ chime: paused, cacheHotThreshold: 1 }).getAttendee(
      meetingId,
      attendeeIds[1] as string,
    );
    await started;
    await chime.send(new DeleteAttendeeCommand({ MeetingId: meetingId, AttendeeId: deleted }));
    clock += 1;
    await invalidate({ eventType: 'chime:AttendeeDeleted', meetingId, attendeeId: deleted });
    release();
    await snapshot;
    emulator.resetCalls();
    await expect(sourceFor().getAttendee(meetingId, deleted)).rejects.toMatchObject({
      name: 'NotFoundException',
    });
    expect(emulator.calls()).toEqual([]);
  });

  it('never makes a later request wait for a failed snapshot', async () => {
    const meetingId = await createMeeting();
    const [first, second] = (await createAttendees(meetingId, 2)) as [string, string];
    emulator.injectFault({
      operation: 'ListAttendees',
      match: { meetingId },
      fault: { type: 'error', name: 'ServiceUnavailableException' },
    });
    // The container that took the lease falls back to GetAttendee at once.
    expect((await sourceFor({ cacheHotThreshold: 1 }).getAttendee(meetingId, first)).tier).toBe(
      'none',
    );
    let polls = 0;
    const next = sourceFor({
      cacheHotThreshold: 1,
      sleep: async () => {
        polls += 1;
      },
    });
    emulator.resetCalls();
    expect((await next.getAttendee(meetingId, second)).tier).toBe('none');
    expect(polls).toBe(0);
    expect(emulator.calls().map((call) => call.operation)).toEqual(['GetAttendee']);
  });
});

describe('without the table', () => {
  const containerOnly = (overrides: Partial<AttendeeSourceOptions> = {}) =>
    sourceFor({
      sharedTable: undefined,
      cacheAttendeeTtlMs: 10_000,
      cacheMeetingTtlMs: 10_000,
      cacheHotThreshold: 1,
      ...overrides,
    });

  it('snapshots a hot meeting into the container: one listing answers every attendee', async () => {
    const meetingId = await createMeeting();
    const attendeeIds = await createAttendees(meetingId, 150);
    emulator.resetCalls();
    const container = containerOnly();
    const answers = await Promise.all(
      attendeeIds.map((attendeeId) => container.getAttendee(meetingId, attendeeId)),
    );
    expect(answers.map((answer) => answer.Attendee?.AttendeeId)).toEqual(attendeeIds);
    await container.getMeeting(meetingId);
    expect(callsOf('ListAttendees')).toBe(2);
    expect(callsOf('GetMeeting')).toBe(1);
    expect(callsOf('GetAttendee')).toBe(0);
  });

  it('serves what it read for the container lifetime at most: that is its freshness bound', async () => {
    const meetingId = await createMeeting();
    const [attendeeId] = (await createAttendees(meetingId, 1)) as [string];
    const container = containerOnly({ cacheHotThreshold: 1000 });
    await container.getAttendee(meetingId, attendeeId);
    await chime.send(new DeleteAttendeeCommand({ MeetingId: meetingId, AttendeeId: attendeeId }));
    clock += 9_999;
    expect((await container.getAttendee(meetingId, attendeeId)).tier).toBe('container');
    clock += 1;
    await expect(container.getAttendee(meetingId, attendeeId)).rejects.toMatchObject({
      name: 'NotFoundException',
    });
  });
});

describe('the roster and the names', () => {
  const invalidate = (input: Parameters<ReturnType<typeof createInvalidationHandler>>[0]) =>
    createInvalidationHandler({
      shared: tableCache(),
      now,
      log: () => undefined,
    })(input);
  const idsOf = (roster: { Attendees: readonly { AttendeeId?: string }[] }) =>
    roster.Attendees.map((attendee) => attendee.AttendeeId).sort();

  /** The table's client, counting the requests a source sends it. */
  const countingTable = () => {
    const sent: string[] = [];
    const client = {
      send: ((command: { constructor: { name: string } }, options?: unknown) => {
        sent.push(command.constructor.name);
        return tables.client.send(command as never, options as never);
      }) as DynamoDBClient['send'],
    };
    return { sent, sharedTable: { client, tableName, ttlMs: SHARED_TTL_MS } };
  };

  it('lists a meeting once for every container: one ListAttendees paging, then the table', async () => {
    const meetingId = await createMeeting();
    const attendeeIds = await createAttendees(meetingId, 250);
    emulator.resetCalls();
    const [first, second] = await Promise.all([
      sourceFor().getRoster(meetingId),
      sourceFor().getRoster(meetingId),
    ]);
    expect(idsOf(first)).toEqual([...attendeeIds].sort());
    expect(idsOf(second)).toEqual([...attendeeIds].sort());
    expect(callsOf('ListAttendees')).toBe(3);
    emulator.resetCalls();
    const third = await sourceFor().getRoster(meetingId);
    expect(third.tier).toBe('shared');
    expect(idsOf(third)).toEqual([...attendeeIds].sort());
    expect(emulator.calls()).toEqual([]);
  });

  it('answers from the container within TABLE_RECHECK_MS, then reads the table again', async () => {
    const meetingId = await createMeeting();
    await createAttendees(meetingId, 2);
    const { sent, sharedTable } = countingTable();
    const container = sourceFor({ sharedTable });
    await container.getRoster(meetingId);
    sent.length = 0;
    expect((await container.getRoster(meetingId)).tier).toBe('container');
    expect(sent).toEqual([]);
    clock += TABLE_RECHECK_MS;
    expect((await container.getRoster(meetingId)).tier).toBe('shared');
    expect(sent).toEqual(['QueryCommand']);
  });

  it('drops a deleted attendee and shows changed capabilities in every container within TABLE_RECHECK_MS, asking only the changed attendee', async () => {
    const meetingId = await createMeeting();
    const [deleted, muted, kept] = (await createAttendees(meetingId, 3)) as [
      string,
      string,
      string,
    ];
    const containers = [sourceFor(), sourceFor()] as const;
    for (const container of containers) await container.getRoster(meetingId);
    await chime.send(new DeleteAttendeeCommand({ MeetingId: meetingId, AttendeeId: deleted }));
    await invalidate({ eventType: 'chime:AttendeeDeleted', meetingId, attendeeId: deleted });
    const receive = { Audio: 'Receive', Video: 'SendReceive', Content: 'SendReceive' } as const;
    await chime.send(
      new UpdateAttendeeCapabilitiesCommand({
        MeetingId: meetingId,
        AttendeeId: muted,
        Capabilities: receive,
      }),
    );
    await invalidate({
      eventType: 'chime:AttendeeCapabilitiesUpdated',
      meetingId,
      attendeeId: muted,
      success: '1',
    });
    clock += TABLE_RECHECK_MS;
    emulator.resetCalls();
    for (const container of containers) {
      const roster = await container.getRoster(meetingId);
      expect(idsOf(roster)).toEqual([muted, kept].sort());
      const changed = roster.Attendees.find((attendee) => attendee.AttendeeId === muted);
      expect(changed?.Capabilities).toEqual(receive);
    }
    // The first container asked for the changed attendee and stored it; nobody listed again.
    expect(emulator.calls().map((call) => call.operation)).toEqual(['GetAttendee']);
  });

  it('answers NotFound for an ended meeting in every container within TABLE_RECHECK_MS', async () => {
    const meetingId = await createMeeting();
    await createAttendees(meetingId, 2);
    const containers = [sourceFor(), sourceFor()] as const;
    for (const container of containers) await container.getRoster(meetingId);
    await chime.send(new DeleteMeetingCommand({ MeetingId: meetingId }));
    await invalidate({ eventType: 'chime:MeetingEnded', meetingId });
    clock += TABLE_RECHECK_MS;
    emulator.resetCalls();
    for (const container of containers) {
      await expect(container.getRoster(meetingId)).rejects.toMatchObject({
        name: 'NotFoundException',
      });
    }
    expect(emulator.calls()).toEqual([]);
  });

  it('lists the meeting itself, without keeping it, while a failed snapshot cools down', async () => {
    const meetingId = await createMeeting();
    await createAttendees(meetingId, 2);
    emulator.resetCalls();
    emulator.injectFault({
      operation: 'ListAttendees',
      fault: { type: 'error', name: 'ServiceUnavailableException' },
    });
    const container = sourceFor({ cacheAttendeeTtlMs: 0 });
    // Its own snapshot failed: the roster is listed again for this request.
    expect((await container.getRoster(meetingId)).Attendees).toHaveLength(2);
    // The failed lease cools down: nobody waits for it, and nothing was kept.
    const again = await container.getRoster(meetingId);
    expect(again.tier).toBe('none');
    expect(again.Attendees).toHaveLength(2);
    expect(callsOf('ListAttendees')).toBe(3);
  });

  it('shows a recorded name to every container, with the attendee and in the roster, until it expires', async () => {
    const meetingId = await createMeeting();
    const [named, unnamed] = (await createAttendees(meetingId, 2)) as [string, string];
    await sourceFor().recordName(meetingId, named, 'Ada Lovelace');
    const other = sourceFor();
    expect((await other.getAttendee(meetingId, named)).Attendee?.Name).toBe('Ada Lovelace');
    expect((await other.getAttendee(meetingId, unnamed)).Attendee?.Name).toBeUndefined();
    const roster = await sourceFor().getRoster(meetingId);
    expect(roster.Attendees.find((a) => a.AttendeeId === named)?.Name).toBe('Ada Lovelace');
    expect(roster.Attendees.find((a) => a.AttendeeId === unnamed)?.Name).toBeUndefined();
    const items = await partition(meetingId);
    expect(items).toContain(`NAME#${named}`);
    clock += SHARED_TTL_MS;
    expect((await sourceFor().getAttendee(meetingId, named)).Attendee?.Name).toBeUndefined();
  });

  it('writes a name once while its views may predate the write, and again once they cannot', async () => {
    const meetingId = await createMeeting();
    const [named] = (await createAttendees(meetingId, 1)) as [string];
    const { sent, sharedTable } = countingTable();
    const container = sourceFor({ sharedTable });
    await container.recordName(meetingId, named, 'Ada');
    await container.recordName(meetingId, named, 'Ada');
    expect(sent).toEqual(['PutItemCommand']);
    await container.recordName(meetingId, named, 'Ada Lovelace');
    clock += TABLE_RECHECK_MS;
    await container.recordName(meetingId, named, 'Ada Lovelace');
    expect(sent).toEqual(['PutItemCommand', 'PutItemCommand', 'PutItemCommand']);
  });

  it('reads the attendee asked along with another in the same table read, and serves it next from the container', async () => {
    const meetingId = await createMeeting();
    const [target, own] = (await createAttendees(meetingId, 2)) as [string, string];
    await sourceFor().getRoster(meetingId);
    const { sent, sharedTable } = countingTable();
    const container = sourceFor({ sharedTable });
    await container.getAttendee(meetingId, target, { alongWith: own });
    expect((await container.getAttendee(meetingId, own)).tier).toBe('container');
    expect(sent).toEqual(['BatchGetItemCommand']);
  });
});

describe('the roster without the table', () => {
  it('snapshots the meeting into the container and keeps the names there', async () => {
    const meetingId = await createMeeting();
    const [named] = (await createAttendees(meetingId, 150)) as [string];
    emulator.resetCalls();
    const container = sourceFor({ sharedTable: undefined, cacheAttendeeTtlMs: 10_000 });
    await container.recordName(meetingId, named, 'Ada');
    const roster = await container.getRoster(meetingId);
    expect(roster.Attendees).toHaveLength(150);
    expect(roster.Attendees.find((a) => a.AttendeeId === named)?.Name).toBe('Ada');
    clock += 10_000;
    await container.getRoster(meetingId);
    expect(callsOf('ListAttendees')).toBe(4);
  });
});
