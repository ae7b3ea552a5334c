import { randomBytes, randomUUID } from 'node:crypto';
import {
  type Attendee,
  type ChimeSDKMeetingsClient,
  ListAttendeesCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  type ChimeMeetingEvent,
  type MeetingEventInput,
  meetingEventInputOf,
} from '../../../lambda/common/chime/chime-events';
import { parseInvalidationConfig } from '../../../lambda/common/config/settings';
import type { CachedAttendee } from '../../../lambda/common/table/item-codec';
import { takeMeetingSnapshot } from '../../../lambda/common/table/meeting-snapshot';
import { createSharedCache, type SharedCache } from '../../../lambda/common/table/shared-cache';
import { createInvalidationHandler, invalidationOf } from '../../../lambda/invalidation/handler';
import { type LocalTables, startLocalTables } from '../../helpers/local-dynamodb';
import { capturedLines, linesSince, registerSecret } from '../../helpers/log-capture';

const T0 = 1_700_000_000_000;
const TTL_MS = 600_000;

/** An event as the Chime SDK Developer Guide's "Meeting events" examples show it. */
const chimeEvent = (eventType: string, detail: Record<string, unknown>): ChimeMeetingEvent =>
  ({
    version: '0',
    source: 'aws.chime',
    account: '111122223333',
    id: randomUUID(),
    region: 'us-east-1',
    'detail-type': 'Chime Meeting State Change',
    time: new Date(T0).toISOString(),
    resources: [],
    detail: {
      version: '0',
      eventType,
      timestamp: T0,
      mediaRegion: 'us-east-1',
      externalMeetingId: `meeting-${randomUUID()}`,
      ...detail,
    },
  }) as ChimeMeetingEvent;

/** What the rule hands the function for that event: its input transformer's fields only. */
const ruleInput = (eventType: string, detail: Record<string, unknown>): MeetingEventInput =>
  meetingEventInputOf(chimeEvent(eventType, detail));

const attendee = (AttendeeId: string = randomUUID()): CachedAttendee => ({
  AttendeeId,
  ExternalUserId: registerSecret(`user-${randomUUID()}`),
  JoinToken: registerSecret(randomBytes(32).toString('base64url')),
  Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
});

let tables: LocalTables;
beforeAll(async () => {
  tables = await startLocalTables();
});
afterAll(() => tables.stop());

describe('the invalidation handler', () => {
  let clock: number;
  let tableName: string;
  let shared: SharedCache;
  let lines: Record<string, unknown>[];
  let handle: ReturnType<typeof createInvalidationHandler>;

  beforeEach(async () => {
    clock = T0;
    tableName = await tables.newTable();
    shared = createSharedCache({
      client: tables.client,
      tableName,
      ttlMs: TTL_MS,
      now: () => clock,
    });
    lines = [];
    handle = createInvalidationHandler({
      shared,
      now: () => clock,
      log: (fields) => lines.push({ ...fields }),
    });
  });

  const partition = async (meetingId: string) => {
    const { Items } = await tables.client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `MEETING#${meetingId}` } },
        ConsistentRead: true,
      }),
    );
    return Items ?? [];
  };

  const itemOf = async (meetingId: string, sort: string) =>
    (
      await tables.client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { pk: { S: `MEETING#${meetingId}` }, sk: { S: sort } },
          ConsistentRead: true,
        }),
      )
    ).Item;

  /** A meeting as a snapshot leaves it: its attendees, the meeting and the marker. */
  const seed = async (meetingId: string, attendeeIds: readonly string[]) => {
    await shared.putAttendees(
      meetingId,
      attendeeIds.map((id) => attendee(id)),
      clock - 1000,
    );
    await shared.putMeeting(meetingId, { MeetingId: meetingId }, clock - 1000);
    await shared.markSnapshot(meetingId, clock - 1000);
  };

  it('leaves a tombstone for the attendee on chime:AttendeeDeleted, and the rest of the meeting as it was', async () => {
    const meetingId = randomUUID();
    const [gone, kept] = [randomUUID(), randomUUID()];
    await seed(meetingId, [gone, kept]);

    const outcome = await handle(
      ruleInput('chime:AttendeeDeleted', {
        meetingId: meetingId.toUpperCase(),
        attendeeId: gone,
        externalUserId: registerSecret(`user-${randomUUID()}`),
      }),
    );

    expect(outcome).toEqual({ action: 'deleted-attendee', meetingId, attendeeId: gone });
    const read = await shared.read(meetingId, { attendeeIds: [gone, kept] });
    expect(read.deleted).toEqual(new Set([gone]));
    expect([...(read.attendees?.keys() ?? [])]).toEqual([kept]);
    expect(read.meeting).toBeDefined();
    expect(read.snapshot).toBeDefined();
    expect(lines).toEqual([
      {
        eventType: 'chime:AttendeeDeleted',
        action: 'deleted-attendee',
        meetingId,
        attendeeId: gone,
      },
    ]);
  });

  it('ends the meeting on chime:MeetingEnded: its tombstone stays and every other item goes', async () => {
    const meetingId = randomUUID();
    const other = randomUUID();
    await seed(
      meetingId,
      Array.from({ length: 30 }, () => randomUUID()),
    );
    await shared.acquireLease(meetingId, 'container', 1000);
    await seed(other, [randomUUID()]);

    const outcome = await handle(ruleInput('chime:MeetingEnded', { meetingId }));

    // 30 attendees, the marker and the lease.
    expect(outcome).toEqual({ action: 'ended-meeting', meetingId, items: 32 });
    expect((await shared.read(meetingId, {})).ended).toBe(true);
    expect((await partition(meetingId)).map((item) => [item.sk?.S, item.state?.S])).toEqual([
      ['META', 'deleted'],
    ]);
    expect(await partition(other)).toHaveLength(3);
    expect(lines).toEqual([
      { eventType: 'chime:MeetingEnded', action: 'ended-meeting', meetingId, items: 32 },
    ]);
  });

  it.each([
    ['the number 1', 1],
    ['the string "1" the input transformer delivers', '1'],
  ])(
    'hides the attendee behind a stale marker on a chime:AttendeeCapabilitiesUpdated with success %s',
    async (_case, success) => {
      const meetingId = randomUUID();
      const changed = randomUUID();
      await seed(meetingId, [changed]);

      const outcome = await handle({
        ...ruleInput('chime:AttendeeCapabilitiesUpdated', { meetingId, attendeeId: changed }),
        success,
      });

      expect(outcome).toEqual({ action: 'stale-attendee', meetingId, attendeeId: changed });
      const read = await shared.read(meetingId, { attendeeId: changed });
      expect(read.attendees).toBeUndefined();
      expect(read.deleted).toBeUndefined();
      expect((await itemOf(meetingId, `ATTENDEE#${changed}`))?.state?.S).toBe('stale');
      expect(lines).toEqual([
        {
          eventType: 'chime:AttendeeCapabilitiesUpdated',
          action: 'stale-attendee',
          meetingId,
          attendeeId: changed,
        },
      ]);
    },
  );

  it.each([
    ['another event type', { eventType: 'chime:AttendeeJoined' }, 'event type not handled'],
    [
      'chime:AttendeeAdded (the prefetch queue’s)',
      { eventType: 'chime:AttendeeAdded' },
      'event type not handled',
    ],
    ['no event type', { eventType: undefined }, 'event type not handled'],
    [
      'a meetingId that is not a GUID',
      { eventType: 'chime:MeetingEnded', meetingId: 'MEETING#x' },
      'meetingId is not a GUID',
    ],
    [
      'the empty meetingId of an event that had none',
      { eventType: 'chime:AttendeeDeleted', meetingId: '' },
      'meetingId is not a GUID',
    ],
    [
      'an attendeeId that is not a GUID',
      { eventType: 'chime:AttendeeDeleted', attendeeId: 5 },
      'attendeeId is not a GUID',
    ],
    [
      'the empty attendeeId of an event that had none',
      { eventType: 'chime:AttendeeCapabilitiesUpdated', attendeeId: '', success: '1' },
      'attendeeId is not a GUID',
    ],
    [
      'a capabilities update that failed (success "0")',
      { eventType: 'chime:AttendeeCapabilitiesUpdated', success: '0' },
      'capabilities update did not succeed',
    ],
    [
      'a capabilities update that says nothing of success',
      { eventType: 'chime:AttendeeCapabilitiesUpdated', success: '' },
      'capabilities update did not succeed',
    ],
  ] as const)('ignores %s, leaving the table as it was', async (_case, fields, reason) => {
    const meetingId = randomUUID();
    const attendeeId = randomUUID();
    await seed(meetingId, [attendeeId]);
    const before = await partition(meetingId);

    const outcome = await handle({ meetingId, attendeeId, timestamp: T0, ...fields });

    expect(outcome).toEqual({ action: 'ignored', reason });
    expect(await partition(meetingId)).toEqual(before);
    expect(lines).toEqual([{ eventType: fields.eventType ?? 'none', action: 'ignored', reason }]);
  });

  it.each([
    ['an event stamped before now', T0 - 5000, T0],
    ['an event stamped after now (clocks differ)', T0 + 5000, T0 + 5000],
    ['an event without a timestamp', undefined, T0],
    ['an event whose timestamp is not a number', '1700000005000', T0],
  ])(
    'writes the later of now and the event time as the version, for %s',
    async (_case, timestamp, version) => {
      const meetingId = randomUUID();
      const [deleted, changed] = [randomUUID(), randomUUID()];
      const input = (eventType: string, attendeeId?: string): MeetingEventInput => ({
        eventType,
        meetingId,
        attendeeId,
        timestamp,
        success: 1,
      });

      await handle(input('chime:AttendeeDeleted', deleted));
      await handle(input('chime:AttendeeCapabilitiesUpdated', changed));
      const versions = [
        (await itemOf(meetingId, `ATTENDEE#${deleted}`))?.version?.N,
        (await itemOf(meetingId, `ATTENDEE#${changed}`))?.version?.N,
      ];
      await handle(input('chime:MeetingEnded'));
      versions.push((await itemOf(meetingId, 'META'))?.version?.N);

      expect(versions).toEqual(Array(3).fill(String(version)));
    },
  );

  it('lets only a write newer than the event time replace its stale marker, when that time is ahead of now', async () => {
    const meetingId = randomUUID();
    const changed = randomUUID();
    await seed(meetingId, [changed]);
    const stamped = T0 + 5000;

    await handle({
      eventType: 'chime:AttendeeCapabilitiesUpdated',
      meetingId,
      attendeeId: changed,
      timestamp: stamped,
      success: '1',
    });

    // A GetAttendee that started after `now` but before the event's time is still refused.
    await shared.putAttendees(meetingId, [attendee(changed)], stamped);
    expect(
      (await shared.read(meetingId, { attendeeId: changed })).attendees?.get(changed),
    ).toBeUndefined();
    await shared.putAttendees(meetingId, [attendee(changed)], stamped + 1);
    expect(
      (await shared.read(meetingId, { attendeeId: changed })).attendees?.get(changed)?.version,
    ).toBe(stamped + 1);
  });

  describe('with a snapshot in flight', () => {
    /**
     * A Chime whose ListAttendees holds its page until `release()`: the snapshot started (its
     * version is the clock then) before the event, and stores its page after.
     */
    function heldListing(meetingId: string, attendees: readonly Attendee[]) {
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let asked!: () => void;
      const listing = new Promise<void>((resolve) => {
        asked = resolve;
      });
      const chime: Pick<ChimeSDKMeetingsClient, 'send'> = {
        send: (async (command: unknown) => {
          if (command instanceof ListAttendeesCommand) {
            asked();
            await released;
            return { Attendees: attendees, $metadata: {} };
          }
          return { Meeting: { MeetingId: meetingId }, $metadata: {} };
        }) as ChimeSDKMeetingsClient['send'],
      };
      return { chime, release, listing };
    }

    const snapshotWith = (chime: Pick<ChimeSDKMeetingsClient, 'send'>, meetingId: string) =>
      takeMeetingSnapshot(
        {
          chime,
          shared,
          owner: 'container-1',
          leaseMs: 10_000,
          now: () => clock,
          call: (_operation, send) => send(),
          onCacheError: () => undefined,
        },
        meetingId,
      );

    it('cannot bring back an attendee deleted while it listed', async () => {
      const meetingId = randomUUID();
      const [gone, kept] = [attendee(), attendee()];
      const held = heldListing(meetingId, [gone, kept]);
      const snapshot = snapshotWith(held.chime, meetingId);
      await held.listing;

      clock += 500;
      await handle(
        ruleInput('chime:AttendeeDeleted', {
          meetingId,
          attendeeId: gone.AttendeeId,
          timestamp: clock,
        }),
      );
      held.release();
      expect((await snapshot).kind).toBe('taken');

      const read = await shared.read(meetingId, {
        attendeeIds: [gone, kept].map((a) => a.AttendeeId as string),
      });
      expect(read.deleted).toEqual(new Set([gone.AttendeeId]));
      expect([...(read.attendees?.keys() ?? [])]).toEqual([kept.AttendeeId]);
    });

    it('cannot bring back the old capabilities of an attendee updated while it listed', async () => {
      const meetingId = randomUUID();
      const changed = attendee();
      const held = heldListing(meetingId, [changed]);
      const snapshot = snapshotWith(held.chime, meetingId);
      await held.listing;

      clock += 500;
      await handle(
        ruleInput('chime:AttendeeCapabilitiesUpdated', {
          meetingId,
          attendeeId: changed.AttendeeId,
          success: '1',
          timestamp: clock,
        }),
      );
      held.release();
      await snapshot;

      const read = await shared.read(meetingId, { attendeeId: changed.AttendeeId as string });
      expect(read.attendees).toBeUndefined();
      expect(read.deleted).toBeUndefined();
    });

    it('cannot make a meeting that ended while it listed read as live', async () => {
      const meetingId = randomUUID();
      const listed = attendee();
      const held = heldListing(meetingId, [listed]);
      const snapshot = snapshotWith(held.chime, meetingId);
      await held.listing;

      clock += 500;
      await handle(ruleInput('chime:MeetingEnded', { meetingId, timestamp: clock }));
      held.release();
      await snapshot;

      const read = await shared.read(meetingId, { attendeeId: listed.AttendeeId as string });
      expect(read.ended).toBe(true);
      expect(read.meeting).toBeUndefined();
    });
  });

  it('writes one JSON line per event to stdout by default, with ids and the outcome only', async () => {
    const meetingId = randomUUID();
    const attendeeId = randomUUID();
    const externalUserId = registerSecret(`user-${randomUUID()}`);
    const mark = capturedLines().length;

    // Handed more than the rule's input (the whole detail), it still logs ids only.
    await createInvalidationHandler({ shared })({
      ...chimeEvent('chime:AttendeeDeleted', { meetingId, attendeeId, externalUserId }).detail,
    });

    const written = linesSince(mark).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(written).toEqual([
      {
        level: 'INFO',
        message: 'invalidation',
        timestamp: expect.any(String),
        eventType: 'chime:AttendeeDeleted',
        action: 'deleted-attendee',
        meetingId,
        attendeeId,
      },
    ]);
  });

  it('logs at most 64 characters of an event type it does not know', async () => {
    await handle({ eventType: `chime:${'x'.repeat(200)}` });

    expect(lines).toEqual([
      { eventType: `chime:${'x'.repeat(58)}`, action: 'ignored', reason: 'event type not handled' },
    ]);
  });

  it.each([
    ['chime:AttendeeDeleted', 'tombstoneAttendee'],
    ['chime:AttendeeCapabilitiesUpdated', 'markStale'],
    ['chime:MeetingEnded', 'endMeeting'],
  ] as const)(
    'throws when DynamoDB fails on %s, so that EventBridge retries',
    async (eventType, operation) => {
      const down = async () => {
        throw Object.assign(new Error('down'), { name: 'InternalServerError' });
      };
      const failing = createInvalidationHandler({
        shared: {
          tombstoneAttendee: async () => undefined,
          markStale: async () => undefined,
          endMeeting: async () => 0,
          [operation]: down,
        },
        log: (fields) => lines.push({ ...fields }),
      });

      await expect(
        failing({ eventType, meetingId: randomUUID(), attendeeId: randomUUID(), success: 1 }),
      ).rejects.toThrow('down');
      expect(lines).toEqual([]);
    },
  );
});

describe('invalidationOf', () => {
  const meetingId = randomUUID();
  const attendeeId = randomUUID();

  it.each([
    [
      'a meeting that ended',
      { eventType: 'chime:MeetingEnded', meetingId },
      { kind: 'ended', meetingId },
    ],
    [
      'a deleted attendee, lower-casing its id',
      { eventType: 'chime:AttendeeDeleted', meetingId, attendeeId: attendeeId.toUpperCase() },
      { kind: 'deleted', meetingId, attendeeId },
    ],
    [
      'an attendee whose capabilities changed',
      { eventType: 'chime:AttendeeCapabilitiesUpdated', meetingId, attendeeId, success: 1 },
      { kind: 'stale', meetingId, attendeeId },
    ],
    [
      'nothing for a capabilities update that failed',
      { eventType: 'chime:AttendeeCapabilitiesUpdated', meetingId, attendeeId, success: 0 },
      { kind: 'none', reason: 'capabilities update did not succeed' },
    ],
    [
      'nothing for an event it does not handle',
      { eventType: 'chime:MeetingStarted', meetingId },
      { kind: 'none', reason: 'event type not handled' },
    ],
    [
      'nothing for an event without a meeting',
      { eventType: 'chime:MeetingEnded' },
      { kind: 'none', reason: 'meetingId is not a GUID' },
    ],
  ] as const)('asks, without I/O, for %s', (_case, input, wanted) => {
    expect(invalidationOf(input)).toEqual(wanted);
  });
});

describe('the invalidation configuration', () => {
  it('reads CACHE_TABLE_NAME, DYNAMODB_ENDPOINT, the region and the records’ TTL', () => {
    expect(
      parseInvalidationConfig({
        CACHE_TABLE_NAME: 'attendee-cache',
        DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
        AWS_REGION: 'eu-west-1',
        CACHE_SHARED_TTL_MS: '120000',
      }),
    ).toEqual({
      cacheTableName: 'attendee-cache',
      dynamodbEndpoint: 'http://127.0.0.1:4567',
      region: 'eu-west-1',
      cacheSharedTtlMs: 120_000,
    });
    expect(parseInvalidationConfig({ CACHE_TABLE_NAME: 'attendee-cache' })).toEqual({
      cacheTableName: 'attendee-cache',
      dynamodbEndpoint: undefined,
      region: 'us-east-1',
      cacheSharedTtlMs: 600_000,
    });
  });

  it.each([
    [{}, 'CACHE_TABLE_NAME'],
    [{ CACHE_TABLE_NAME: 'a b' }, 'CACHE_TABLE_NAME'],
    [{ CACHE_TABLE_NAME: 'ok-table', DYNAMODB_ENDPOINT: 'not a url' }, 'DYNAMODB_ENDPOINT'],
    [{ CACHE_TABLE_NAME: 'ok-table', DYNAMODB_ENDPOINT: 'file:///tmp/x' }, 'DYNAMODB_ENDPOINT'],
    [{ CACHE_TABLE_NAME: 'ok-table', CACHE_SHARED_TTL_MS: '10' }, 'CACHE_SHARED_TTL_MS'],
  ])('refuses %j, naming %s', (env, variable) => {
    expect(() => parseInvalidationConfig(env)).toThrow(variable);
  });
});
