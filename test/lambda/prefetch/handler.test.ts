import { randomUUID } from 'node:crypto';
import {
  BatchCreateAttendeeCommand,
  type ChimeSDKMeetingsClient,
  CreateMeetingCommand,
  DeleteMeetingCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { createAttendeeSource } from '../../../lambda/attendee/cache/attendee-source';
import { createRequestMetrics } from '../../../lambda/attendee/cache/metrics';
import {
  type MeetingEventInput,
  meetingEventInputOf,
} from '../../../lambda/common/chime/chime-events';
import { createSharedCache } from '../../../lambda/common/table/shared-cache';
import {
  addedMeetingOf,
  createPrefetchHandler,
  PREFETCH_TIME_MARGIN_MS,
} from '../../../lambda/prefetch/handler';
import { createPacer } from '../../../lambda/prefetch/pacer';
import { type ChimeMeetingEvent, createChimeEmulator } from '../../../local/chime-emulator';
import { useChimeAndTables } from '../../helpers/chime-and-tables';
import type { LocalTables } from '../../helpers/local-dynamodb';
import { capturedLines, linesSince, registerSecret } from '../../helpers/log-capture';

const published: ChimeMeetingEvent[] = [];
// Events are stamped by the test's clock, as Chime stamps them by its own.
const emulator = createChimeEmulator({
  rates: false,
  clock: () => clock,
  onEvent: (event) => {
    published.push(event);
  },
});
let chime: ChimeSDKMeetingsClient;
let tables: LocalTables;
useChimeAndTables(emulator, (client, local) => {
  chime = client;
  tables = local;
});

const TTL_MS = 600_000;
let clock: number;
let tableName: string;
let slept: number[];
let lines: Record<string, unknown>[];

beforeEach(async () => {
  clock = 1_700_000_000_000;
  tableName = await tables.newTable();
  slept = [];
  lines = [];
  published.length = 0;
});

const shared = () =>
  createSharedCache({ client: tables.client, tableName, ttlMs: TTL_MS, now: () => clock });

/** One prefetch instance; its pacer's sleeps advance the test clock. */
const handlerFor = (overrides: { minAdded?: number; owner?: string; stdout?: boolean } = {}) =>
  createPrefetchHandler({
    chime,
    shared: shared(),
    owner: overrides.owner ?? 'prefetch-1',
    leaseMs: 10_000,
    minAdded: overrides.minAdded ?? 10,
    pacer: createPacer({
      perSecond: 4,
      now: () => clock,
      sleep: async (ms) => {
        slept.push(ms);
        clock += ms;
      },
    }),
    now: () => clock,
    log: overrides.stdout ? undefined : (fields) => lines.push({ ...fields }),
  });

/**
 * A meeting with `count` attendees made through the API; what the prefetch rule hands the queue
 * for each of their AttendeeAdded events (its input transformer's fields, no ExternalUserId).
 */
async function meetingWithAttendees(count: number) {
  const { Meeting } = await chime.send(
    new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: randomUUID() }),
  );
  const meetingId = Meeting?.MeetingId as string;
  const attendeeIds: string[] = [];
  for (let start = 0; start < count; start += 100) {
    const { Attendees } = await chime.send(
      new BatchCreateAttendeeCommand({
        MeetingId: meetingId,
        Attendees: Array.from({ length: Math.min(100, count - start) }, (_, i) => ({
          ExternalUserId: `user-${start + i}-${randomUUID().slice(0, 8)}`,
        })),
      }),
    );
    for (const attendee of Attendees ?? []) {
      attendeeIds.push(attendee.AttendeeId as string);
      registerSecret(attendee.JoinToken as string);
      registerSecret(attendee.ExternalUserId as string);
    }
  }
  await emulator.drainEvents();
  clock += 1;
  emulator.resetCalls();
  const sent = published.splice(0);
  return {
    meetingId,
    attendeeIds,
    events: sent.map(meetingEventInputOf),
    published: sent,
    externalUserIds: sent.map(externalUserIdOf),
  };
}

const externalUserIdOf = (event: ChimeMeetingEvent) =>
  'externalUserId' in event.detail ? event.detail.externalUserId : '';

/** The SQS event Lambda hands the function: one record per message, the rule's input as body. */
const sqsEvent = (bodies: readonly unknown[]): SQSEvent =>
  ({
    Records: bodies.map((body) => ({
      messageId: randomUUID(),
      receiptHandle: 'handle',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: {},
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:111122223333:prefetch',
      awsRegion: 'us-east-1',
    })),
  }) as unknown as SQSEvent;

const callsOf = (operation: string) =>
  emulator.calls().filter((call) => call.operation === operation).length;

describe('the prefetch handler', () => {
  it('lists a meeting whose attendees were added into the table, so they are answered with no Chime call', async () => {
    const { meetingId, attendeeIds, events, externalUserIds } = await meetingWithAttendees(250);
    expect(events).toHaveLength(250);

    const response = await handlerFor()(sqsEvent(events));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(callsOf('ListAttendees')).toBe(3);
    expect(callsOf('GetMeeting')).toBe(1);
    expect(lines).toEqual([{ meetingId, added: 250, action: 'listed' }]);
    // Paced: the second and third pages each waited for their slot (4 a second).
    expect(slept).toEqual([250, 250]);

    // A container with an empty cache answers every attendee and the meeting from the table.
    emulator.resetCalls();
    const source = createAttendeeSource({
      chime,
      cacheAttendeeTtlMs: 60_000,
      cacheMeetingTtlMs: 60_000,
      cacheMaxEntries: 1000,
      sharedTable: { client: tables.client, tableName, ttlMs: TTL_MS },
      cacheHotThreshold: 1,
      cacheHotWindowMs: 10_000,
      cacheLeaseMs: 10_000,
      cacheLeasePollMs: 50,
      cacheLeaseWaitMs: 2_000,
      cacheSnapshotFreshnessMs: 60_000,
      now: () => clock,
    });
    const metrics = createRequestMetrics();
    for (const [i, attendeeId] of attendeeIds.entries()) {
      const got = await source.getAttendee(meetingId, attendeeId.toLowerCase(), { metrics });
      expect(got.tier).toBe('shared');
      expect(got.Attendee?.ExternalUserId).toBe(externalUserIds[i]);
    }
    // The meeting came with the attendees' reads (one BatchGetItem each), into the container.
    expect((await source.getMeeting(meetingId, { metrics })).tier).toBe('container');
    expect(emulator.calls()).toEqual([]);
    expect(metrics.hitsShared).toBe(250);
  });

  it('lists each meeting of a batch once, and none twice when the messages come again', async () => {
    const one = await meetingWithAttendees(30);
    const two = await meetingWithAttendees(12);
    const handle = handlerFor();
    const batch = sqsEvent([...one.events, ...two.events]);

    await handle(batch);
    clock += 1000;
    await handle(batch);

    expect(callsOf('ListAttendees')).toBe(2);
    expect(lines).toEqual([
      { meetingId: one.meetingId, added: 30, action: 'listed' },
      { meetingId: two.meetingId, added: 12, action: 'listed' },
      { meetingId: one.meetingId, added: 30, action: 'fresh' },
      { meetingId: two.meetingId, added: 12, action: 'fresh' },
    ]);
  });

  it('lists a meeting again when attendees were added after its snapshot', async () => {
    const first = await meetingWithAttendees(20);
    await handlerFor()(sqsEvent(first.events));
    const later: MeetingEventInput = { ...first.events[0], timestamp: clock + 5000 };

    clock += 10_001;
    await handlerFor({ minAdded: 1, owner: 'prefetch-2' })(sqsEvent([later]));

    expect(lines.map((line) => line.action)).toEqual(['listed', 'listed']);
  });

  it('leaves a meeting with fewer than minAdded additions to the request path', async () => {
    const { meetingId, events } = await meetingWithAttendees(9);

    const response = await handlerFor({ minAdded: 10 })(sqsEvent(events));

    expect(response.batchItemFailures).toEqual([]);
    expect(emulator.calls()).toEqual([]);
    expect(lines).toEqual([{ meetingId, added: 9, action: 'few' }]);
  });

  it('leaves a meeting whose lease another container holds to that container', async () => {
    const { meetingId, events } = await meetingWithAttendees(20);
    await shared().acquireLease(meetingId, 'a-container', 10_000);

    const response = await handlerFor()(sqsEvent(events));

    expect(response.batchItemFailures).toEqual([]);
    expect(emulator.calls()).toEqual([]);
    expect(lines).toEqual([{ meetingId, added: 20, action: 'leased' }]);
  });

  it('leaves a meeting whose last snapshot failed to its cool-down, without a Chime call', async () => {
    const { meetingId, events } = await meetingWithAttendees(20);
    await shared().acquireLease(meetingId, 'a-container', 10_000);
    await shared().failLease(meetingId, 'a-container', clock + 10_000);

    const response = await handlerFor()(sqsEvent(events));

    expect(response.batchItemFailures).toEqual([]);
    expect(emulator.calls()).toEqual([]);
    expect(lines).toEqual([{ meetingId, added: 20, action: 'leased' }]);
  });

  it('hands the messages back when a page could not be stored, and marks no snapshot', async () => {
    const { meetingId, attendeeIds, events } = await meetingWithAttendees(20);
    const failing = `ATTENDEE#${attendeeIds[7]?.toLowerCase()}`;
    const flaky: Pick<DynamoDBClient, 'send'> = {
      send: ((command: unknown, options?: unknown) =>
        command instanceof PutItemCommand && command.input.Item?.sk?.S === failing
          ? Promise.reject(Object.assign(new Error('Internal'), { name: 'InternalServerError' }))
          : tables.client.send(command as never, options as never)) as DynamoDBClient['send'],
    };
    const handle = createPrefetchHandler({
      chime,
      shared: createSharedCache({ client: flaky, tableName, ttlMs: TTL_MS, now: () => clock }),
      owner: 'prefetch-1',
      leaseMs: 10_000,
      minAdded: 1,
      pacer: createPacer({ perSecond: 100, now: () => clock, sleep: async () => undefined }),
      now: () => clock,
      log: (fields) => lines.push({ ...fields }),
    });
    const batch = sqsEvent(events);

    const response = await handle(batch);

    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      batch.Records.map((record) => record.messageId),
    );
    expect(lines).toEqual([
      { meetingId, added: 20, action: 'retry', reason: 'SnapshotWriteError' },
    ]);
    expect((await shared().read(meetingId, {})).snapshot).toBeUndefined();
  });

  it('hands the messages of a meeting Chime failed on back to the queue, naming the error only', async () => {
    const failing = await meetingWithAttendees(20);
    const fine = await meetingWithAttendees(20);
    emulator.injectFault({
      operation: 'ListAttendees',
      match: { meetingId: failing.meetingId },
      fault: { type: 'error', name: 'ServiceFailureException' },
    });
    const batch = sqsEvent([...failing.events, ...fine.events]);

    const response = await handlerFor()(batch);

    const failedIds = batch.Records.slice(0, 20).map((record) => record.messageId);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(failedIds);
    expect(lines).toEqual([
      {
        meetingId: failing.meetingId,
        added: 20,
        action: 'retry',
        reason: 'ServiceFailureException',
      },
      { meetingId: fine.meetingId, added: 20, action: 'listed' },
    ]);
  });

  it('hands every message back when the table fails, and lists nothing', async () => {
    const { events } = await meetingWithAttendees(20);
    const broken = createPrefetchHandler({
      chime,
      shared: createSharedCache({ client: tables.client, tableName: 'no-such-table', ttlMs: 1 }),
      owner: 'prefetch-1',
      leaseMs: 10_000,
      minAdded: 1,
      pacer: createPacer({ perSecond: 100, now: () => clock, sleep: async () => undefined }),
      log: (fields) => lines.push({ ...fields }),
    });
    const batch = sqsEvent(events);

    const response = await broken(batch);

    expect(response.batchItemFailures).toHaveLength(20);
    expect(lines).toEqual([
      expect.objectContaining({ action: 'retry', reason: 'ResourceNotFoundException' }),
    ]);
    expect(emulator.calls()).toEqual([]);
  });

  it('drops the messages of a meeting that has ended (NotFound) without retrying them', async () => {
    const { meetingId, events } = await meetingWithAttendees(20);
    await chime.send(new DeleteMeetingCommand({ MeetingId: meetingId }));

    const response = await handlerFor()(sqsEvent(events));

    expect(response.batchItemFailures).toEqual([]);
    expect(lines).toEqual([{ meetingId, added: 20, action: 'gone' }]);
    // The snapshot left the meeting's end in the table for every container.
    expect((await shared().read(meetingId, {})).ended).toBe(true);
  });

  it('hands back the meetings it has no time left for, before calling anyone', async () => {
    const { events } = await meetingWithAttendees(20);

    const response = await handlerFor()(sqsEvent(events), {
      getRemainingTimeInMillis: () => PREFETCH_TIME_MARGIN_MS - 1,
    });

    expect(response.batchItemFailures).toHaveLength(20);
    expect(emulator.calls()).toEqual([]);
  });

  it('ignores what is not the input of a chime:AttendeeAdded event, and never fails on it', async () => {
    const {
      events,
      published: [whole],
    } = await meetingWithAttendees(1);
    const [added] = events;
    const bodies = [
      'not json',
      'null',
      '42',
      { ...added, eventType: 'chime:AttendeeDeleted' },
      { ...added, eventType: undefined },
      { ...added, meetingId: '../x' },
      // What the rule's input transformer delivers for a path the event lacks.
      { ...added, meetingId: '' },
      // The whole EventBridge event instead of the rule's input.
      whole,
    ];

    const response = await handlerFor({ minAdded: 1 })(sqsEvent(bodies));

    expect(response.batchItemFailures).toEqual([]);
    expect(lines).toEqual(
      bodies.map(() => ({ action: 'ignored', reason: 'not a chime:AttendeeAdded event' })),
    );
    expect(emulator.calls()).toEqual([]);
  });

  it('writes one JSON line per outcome to stdout by default, with ids and counts only', async () => {
    const meetingId = randomUUID();
    const mark = capturedLines().length;

    await handlerFor({ stdout: true, minAdded: 2 })(
      sqsEvent(['not json', { eventType: 'chime:AttendeeAdded', meetingId, timestamp: clock }]),
    );

    const head = { level: 'INFO', message: 'prefetch', timestamp: expect.any(String) };
    expect(linesSince(mark).map((line) => JSON.parse(line) as unknown)).toEqual([
      { ...head, action: 'ignored', reason: 'not a chime:AttendeeAdded event' },
      { ...head, meetingId, added: 1, action: 'few' },
    ]);
  });

  it('never logs an ExternalUserId', async () => {
    const { events, externalUserIds } = await meetingWithAttendees(15);

    await handlerFor()(sqsEvent(events));

    const logged = JSON.stringify(lines);
    for (const id of externalUserIds) expect(logged).not.toContain(id);
  });
});

describe('addedMeetingOf', () => {
  it('reads the meeting (lower-cased) and the timestamp of the input of an AttendeeAdded event', () => {
    const body = JSON.stringify({
      eventType: 'chime:AttendeeAdded',
      meetingId: 'ABCDEF01-2345-4678-9ABC-DEF012345678',
      attendeeId: '',
      timestamp: 12,
      success: '',
    });

    expect(addedMeetingOf(body)).toEqual({
      meetingId: 'abcdef01-2345-4678-9abc-def012345678',
      timestamp: 12,
    });
  });

  it.each([
    ['no timestamp', {}],
    ['a timestamp that is not a number', { timestamp: '12' }],
  ])('takes an addition with %s as older than any snapshot', (_case, fields) => {
    const meetingId = randomUUID();

    expect(
      addedMeetingOf(JSON.stringify({ eventType: 'chime:AttendeeAdded', meetingId, ...fields })),
    ).toEqual({ meetingId, timestamp: 0 });
  });
});
