import { randomBytes, randomUUID } from 'node:crypto';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { createMemoryCache } from '../../../../lambda/attendee/cache/memory-cache';
import type { CachedAttendee } from '../../../../lambda/common/table/item-codec';
import {
  createSharedCache,
  type SharedCache,
  SnapshotWriteError,
} from '../../../../lambda/common/table/shared-cache';
import { MARKER_ATTRIBUTES } from '../../../../lambda/common/table/table-schema';
import { type LocalTables, startLocalTables } from '../../../helpers/local-dynamodb';
import { registerSecret } from '../../../helpers/log-capture';

const TTL_MS = 60_000;
const T0 = 1_700_000_000_000;

let tables: LocalTables;
beforeAll(async () => {
  tables = await startLocalTables();
});
afterAll(() => tables.stop());

/** An attendee as Chime returns it: lower-case id, a user id and a JoinToken made up here. */
const attendee = (overrides: Partial<CachedAttendee> = {}): CachedAttendee => ({
  AttendeeId: randomUUID(),
  ExternalUserId: registerSecret(`user-${randomUUID()}`),
  JoinToken: registerSecret(randomBytes(48).toString('base64url')),
  Capabilities: { Audio: 'SendReceive', Video: 'Receive', Content: 'None' },
  ...overrides,
});

const idOf = (record: CachedAttendee) => record.AttendeeId as string;

/** A DynamoDB client that lets `intercept` answer a command, or passes it to dynalite. */
const intercepted = (
  intercept: (command: unknown) => Promise<unknown> | undefined,
): Pick<DynamoDBClient, 'send'> => ({
  send: ((command: unknown, options?: unknown) =>
    intercept(command) ??
    tables.client.send(command as never, options as never)) as DynamoDBClient['send'],
});

/** Both implementations of the interface, each over the test's clock. */
const IMPLEMENTATIONS: readonly (readonly [string, (now: () => number) => Promise<SharedCache>])[] =
  [
    [
      'a DynamoDB table',
      async (now) =>
        createSharedCache({
          client: tables.client,
          tableName: await tables.newTable(),
          ttlMs: TTL_MS,
          now,
        }),
    ],
    [
      'container memory',
      async (now) => createMemoryCache({ ttlMs: TTL_MS, maxEntries: 10_000, now }),
    ],
  ];

describe.each(IMPLEMENTATIONS)('the shared cache contract, in %s', (_where, create) => {
  let clock: number;
  let cache: SharedCache;

  beforeEach(async () => {
    clock = T0;
    cache = await create(() => clock);
  });

  it.each([
    ['a Chime call that started 5 s ago', -5_000, TTL_MS],
    ['an event stamped 2 s ahead of the clock', 2_000, 2_000 + TTL_MS],
  ])(
    'reads an attendee back with its version; its expiry runs from the later of version and write (%s)',
    async (_case, offset, expiresIn) => {
      const meetingId = randomUUID();
      const record = attendee();
      await cache.putAttendees(meetingId, [record], clock + offset);

      const read = await cache.read(meetingId, { attendeeId: idOf(record) });

      const expected = { value: record, version: clock + offset, expiresAt: clock + expiresIn };
      expect(read.attendees).toEqual(new Map([[idOf(record), expected]]));
      for (const field of ['ended', 'deleted', 'meeting', 'snapshot', 'lease'] as const) {
        expect(read[field]).toBeUndefined();
      }
    },
  );

  it('reads a meeting back as GetMeeting returned it, with every lookup of its partition', async () => {
    const meetingId = randomUUID();
    const meeting = {
      MeetingId: meetingId,
      MediaRegion: 'eu-west-1',
      MediaPlacement: { AudioHostUrl: 'a.example:3478', SignalingUrl: 'wss://s.example' },
    };
    await cache.putMeeting(meetingId, meeting, clock);

    const read = await cache.read(meetingId, { attendeeId: randomUUID() });

    expect(read.meeting).toEqual({ value: meeting, version: clock, expiresAt: clock + TTL_MS });
    expect(read.attendees).toBeUndefined();
  });

  it('serves records and markers until their expiry and never after it', async () => {
    const meetingId = randomUUID();
    const ended = randomUUID();
    const [kept, deleted] = [attendee(), attendee()];
    await cache.putAttendees(meetingId, [kept], clock);
    await cache.tombstoneAttendee(meetingId, idOf(deleted), clock);
    await cache.putMeeting(meetingId, { MeetingId: meetingId }, clock);
    await cache.markSnapshot(meetingId, clock);
    await cache.endMeeting(ended, clock);
    const what = { attendeeIds: [idOf(kept), idOf(deleted)] };

    clock += TTL_MS - 1;
    const before = await cache.read(meetingId, what);
    expect(before.attendees?.has(idOf(kept))).toBe(true);
    expect(before.deleted).toEqual(new Set([idOf(deleted)]));
    expect(before.meeting).toBeDefined();
    expect(before.snapshot).toEqual({ takenAt: T0, expiresAt: T0 + TTL_MS });
    expect((await cache.read(ended, {})).ended).toBe(true);

    clock += 1;
    expect(await cache.read(meetingId, what)).toEqual({});
    expect(await cache.read(ended, {})).toEqual({});
  });

  it.each([
    ['an older', -1],
    ['an equally old', 0],
  ])('never replaces an attendee with %s write', async (_case, offset) => {
    const meetingId = randomUUID();
    const newer = attendee();
    await cache.putAttendees(meetingId, [newer], clock);

    await cache.putAttendees(meetingId, [attendee({ AttendeeId: idOf(newer) })], clock + offset);

    expect(
      (await cache.read(meetingId, { attendeeId: idOf(newer) })).attendees?.get(idOf(newer)),
    ).toMatchObject({
      value: newer,
      version: clock,
    });
  });

  it('replaces an attendee with a newer write', async () => {
    const meetingId = randomUUID();
    const older = attendee();
    const newer = attendee({ AttendeeId: idOf(older), Capabilities: undefined });
    await cache.putAttendees(meetingId, [older], clock);

    await cache.putAttendees(meetingId, [newer], clock + 1);

    const read = await cache.read(meetingId, { attendeeId: idOf(older) });
    expect(read.attendees?.get(idOf(older))?.version).toBe(clock + 1);
    expect(read.attendees?.get(idOf(older))?.value.JoinToken).toBe(newer.JoinToken);
  });

  it('replaces a meeting with a newer write only', async () => {
    const meetingId = randomUUID();
    await cache.putMeeting(meetingId, { MeetingId: meetingId, MediaRegion: 'us-east-1' }, clock);

    await cache.putMeeting(meetingId, { MeetingId: meetingId, MediaRegion: 'older' }, clock - 1);
    expect((await cache.read(meetingId, {})).meeting?.value.MediaRegion).toBe('us-east-1');

    await cache.putMeeting(meetingId, { MeetingId: meetingId, MediaRegion: 'newer' }, clock + 1);
    expect((await cache.read(meetingId, {})).meeting).toMatchObject({
      value: { MediaRegion: 'newer' },
      version: clock + 1,
    });
  });

  it("lets no write replace an attendee's tombstone, however new", async () => {
    const meetingId = randomUUID();
    const record = attendee();
    await cache.putAttendees(meetingId, [record], clock);
    await cache.tombstoneAttendee(meetingId, idOf(record), clock + 1);

    await cache.putAttendees(meetingId, [record], clock + 60_000);
    await cache.markStale(meetingId, idOf(record), clock + 60_000);

    const read = await cache.read(meetingId, { attendeeId: idOf(record) });
    expect(read.attendees?.has(idOf(record)) ?? false).toBe(false);
    expect(read.deleted).toEqual(new Set([idOf(record)]));
  });

  it('leaves a tombstone for an attendee nothing was cached for, which then blocks writes', async () => {
    const meetingId = randomUUID();
    const record = attendee();
    await cache.tombstoneAttendee(meetingId, idOf(record), clock);

    await cache.putAttendees(meetingId, [record], clock - 1);

    expect((await cache.read(meetingId, { attendeeIds: [idOf(record)] })).deleted).toEqual(
      new Set([idOf(record)]),
    );
  });

  it('reports which of the attendees read are tombstoned, apart from those it has records of', async () => {
    const meetingId = randomUUID();
    const [present, deleted, unknown] = [attendee(), attendee(), attendee()];
    await cache.putAttendees(meetingId, [present, deleted], clock);
    await cache.tombstoneAttendee(meetingId, idOf(deleted), clock + 1);

    const read = await cache.read(meetingId, {
      attendeeIds: [present, deleted, unknown].map(idOf),
    });

    expect([...(read.attendees?.keys() ?? [])]).toEqual([idOf(present)]);
    expect(read.deleted).toEqual(new Set([idOf(deleted)]));
  });

  it('reports the meeting ended once its tombstone is written, and no later putMeeting brings it back', async () => {
    const meetingId = randomUUID();
    await cache.putMeeting(meetingId, { MeetingId: meetingId }, clock);
    await cache.endMeeting(meetingId, clock + 1);

    await cache.putMeeting(meetingId, { MeetingId: meetingId }, clock + 60_000);

    const read = await cache.read(meetingId, {});
    expect(read.ended).toBe(true);
    expect(read.meeting).toBeUndefined();
  });

  it('hides a record behind a stale marker, which older writes cannot replace and a newer one does', async () => {
    const meetingId = randomUUID();
    const record = attendee();
    await cache.putAttendees(meetingId, [record], clock);
    await cache.markStale(meetingId, idOf(record), clock + 10);

    await cache.putAttendees(meetingId, [record], clock + 9);
    const hidden = await cache.read(meetingId, { attendeeId: idOf(record) });
    expect(hidden.attendees).toBeUndefined();
    expect(hidden.deleted).toBeUndefined();

    const updated = attendee({
      AttendeeId: idOf(record),
      Capabilities: { Audio: 'None', Video: 'None', Content: 'None' },
    });
    await cache.putAttendees(meetingId, [updated], clock + 11);
    expect(
      (await cache.read(meetingId, { attendeeId: idOf(record) })).attendees?.get(idOf(record)),
    ).toEqual({
      value: updated,
      version: clock + 11,
      expiresAt: clock + 11 + TTL_MS,
    });
  });

  it('leaves a record that is newer than a stale marker in place', async () => {
    const meetingId = randomUUID();
    const record = attendee();
    await cache.putAttendees(meetingId, [record], clock);

    await cache.markStale(meetingId, idOf(record), clock - 1);

    expect(
      (await cache.read(meetingId, { attendeeId: idOf(record) })).attendees?.get(idOf(record))
        ?.value,
    ).toEqual(record);
  });

  it('replaces a snapshot marker with a newer one only', async () => {
    const meetingId = randomUUID();
    await cache.markSnapshot(meetingId, clock);

    await cache.markSnapshot(meetingId, clock - 1);
    expect((await cache.read(meetingId, {})).snapshot?.takenAt).toBe(clock);

    await cache.markSnapshot(meetingId, clock + 1);
    expect((await cache.read(meetingId, {})).snapshot).toEqual({
      takenAt: clock + 1,
      expiresAt: clock + 1 + TTL_MS,
    });
  });

  it('grants the lease to one of two racing owners, and to another only once it has run out', async () => {
    const meetingId = randomUUID();
    const won = await Promise.all([
      cache.acquireLease(meetingId, 'a', 5000),
      cache.acquireLease(meetingId, 'b', 5000),
    ]);
    expect(won.filter(Boolean)).toHaveLength(1);
    expect((await cache.read(meetingId, {})).lease).toEqual({
      owner: won[0] ? 'a' : 'b',
      until: T0 + 5000,
      failed: false,
    });

    clock = T0 + 4999;
    expect(await cache.acquireLease(meetingId, 'c', 5000)).toBe(false);
    clock = T0 + 5001;
    expect((await cache.read(meetingId, {})).lease).toBeUndefined();
    expect(await cache.acquireLease(meetingId, 'c', 5000)).toBe(true);
    expect((await cache.read(meetingId, {})).lease).toEqual({
      owner: 'c',
      until: T0 + 10_001,
      failed: false,
    });
  });

  it('lets only its owner mark a lease failed, which is read as such and refused until it runs out', async () => {
    const meetingId = randomUUID();
    await cache.acquireLease(meetingId, 'holder', 5000);

    await cache.failLease(meetingId, 'someone-else', T0 + 5000);
    expect((await cache.read(meetingId, {})).lease?.failed).toBe(false);

    await cache.failLease(meetingId, 'holder', T0 + 5000);
    clock = T0 + 4999;
    expect((await cache.read(meetingId, {})).lease).toEqual({
      owner: 'holder',
      until: T0 + 5000,
      failed: true,
    });
    expect(await cache.acquireLease(meetingId, 'next', 5000)).toBe(false);

    clock = T0 + 5001;
    expect((await cache.read(meetingId, {})).lease).toBeUndefined();
    expect(await cache.acquireLease(meetingId, 'next', 5000)).toBe(true);
    expect((await cache.read(meetingId, {})).lease?.failed).toBe(false);
  });

  it('marks no lease failed for an owner that holds none', async () => {
    const meetingId = randomUUID();

    await cache.failLease(meetingId, 'holder', T0 + 5000);

    expect((await cache.read(meetingId, {})).lease).toBeUndefined();
    expect(await cache.acquireLease(meetingId, 'next', 5000)).toBe(true);
  });

  it('ends a meeting: its tombstone stays, every other item of it goes, and it counts those', async () => {
    const meetingId = randomUUID();
    const other = randomUUID();
    const records = [attendee(), attendee(), attendee()];
    const deleted = attendee();
    const elsewhere = attendee();
    await cache.putMeeting(meetingId, { MeetingId: meetingId }, clock);
    await cache.putAttendees(meetingId, records, clock);
    await cache.tombstoneAttendee(meetingId, idOf(deleted), clock);
    await cache.markSnapshot(meetingId, clock);
    await cache.acquireLease(meetingId, 'holder', 5000);
    await cache.putAttendees(other, [elsewhere], clock);

    const removed = await cache.endMeeting(meetingId, clock + 1);

    const read = await cache.read(meetingId, { attendeeIds: [...records, deleted].map(idOf) });
    expect(read).toEqual({ ended: true });
    expect(
      (await cache.read(other, { attendeeId: idOf(elsewhere) })).attendees?.get(idOf(elsewhere))
        ?.value,
    ).toEqual(elsewhere);
    // Three records, a tombstone, the marker and the lease; not the meeting's own item.
    expect(removed).toBe(6);
  });

  it('ends a meeting nothing was cached for with its tombstone alone', async () => {
    const meetingId = randomUUID();

    expect(await cache.endMeeting(meetingId, clock)).toBe(0);

    expect(await cache.read(meetingId, {})).toEqual({ ended: true });
  });
});

describe('the shared cache on DynamoDB', () => {
  let clock: number;
  const now = () => clock;
  let tableName: string;
  let cache: SharedCache;
  type SharedCacheOptions = Parameters<typeof createSharedCache>[0];
  const options = (overrides: Partial<SharedCacheOptions> = {}): SharedCacheOptions => ({
    client: tables.client,
    tableName,
    ttlMs: TTL_MS,
    now,
    ...overrides,
  });

  beforeEach(async () => {
    clock = T0;
    tableName = await tables.newTable();
    cache = createSharedCache(options());
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

  it('keeps an expired record in the table with its TTL at its expiry, yet never serves it', async () => {
    const meetingId = randomUUID();
    const record = attendee();
    await cache.putAttendees(meetingId, [record], clock);

    clock += TTL_MS;

    expect(
      (await cache.read(meetingId, { attendeeId: idOf(record) })).attendees?.get(idOf(record)),
    ).toBeUndefined();
    const { Item } = await tables.client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: `MEETING#${meetingId}` }, sk: { S: `ATTENDEE#${idOf(record)}` } },
      }),
    );
    // DynamoDB deletes lazily: the TTL attribute (epoch seconds) is the expiry, now past.
    expect(Item?.ttl?.N).toBe(String(Math.ceil(clock / 1000)));
    expect(Item?.expiresAt?.N).toBe(String(clock));
  });

  it('keys items by ids only, and writes no more than the marker attributes for a marker', async () => {
    const meetingId = randomUUID();
    const [kept, deleted, stale] = [attendee(), attendee(), attendee()];
    const secrets = [kept, deleted, stale].flatMap((a) => [a.ExternalUserId, a.JoinToken]);
    await cache.putAttendees(meetingId, [kept, deleted, stale], clock);
    await cache.putMeeting(meetingId, { MeetingId: meetingId }, clock);
    await cache.markSnapshot(meetingId, clock);
    await cache.acquireLease(meetingId, 'container-1', 1000);
    await cache.tombstoneAttendee(meetingId, idOf(deleted), clock + 1);
    await cache.markStale(meetingId, idOf(stale), clock + 1);

    const { Items = [] } = await tables.client.send(new ScanCommand({ TableName: tableName }));

    expect(Items).toHaveLength(6);
    for (const item of Items) {
      expect(item.pk?.S).toBe(`MEETING#${meetingId}`);
      expect(item.sk?.S).toMatch(/^(META|SNAPSHOT|LEASE|ATTENDEE#[0-9a-f-]{36})$/);
      for (const secret of secrets) expect(`${item.pk?.S} ${item.sk?.S}`).not.toContain(secret);
    }
    const markers = Items.filter((item) => item.state !== undefined);
    expect(markers.map((item) => item.state?.S).sort()).toEqual(['deleted', 'stale']);
    for (const marker of markers) {
      expect(Object.keys(marker).every((name) => MARKER_ATTRIBUTES.includes(name as never))).toBe(
        true,
      );
    }
  });

  it('writes every record with a conditional PutItem of its own', async () => {
    const meetingId = randomUUID();
    const puts: (string | undefined)[] = [];
    const counting = createSharedCache(
      options({
        client: intercepted((command) => {
          if (command instanceof PutItemCommand) puts.push(command.input.ConditionExpression);
          return undefined;
        }),
      }),
    );

    await counting.putAttendees(
      meetingId,
      Array.from({ length: 30 }, () => attendee()),
      clock,
    );

    expect(puts).toHaveLength(30);
    expect(puts.every((condition) => condition?.includes('#version < :version'))).toBe(true);
    expect(await partition(meetingId)).toHaveLength(30);
  });

  it('throws a SnapshotWriteError when a put fails, having written the others', async () => {
    const meetingId = randomUUID();
    const records = [attendee(), attendee(), attendee()];
    const failing = `ATTENDEE#${idOf(records[1] as CachedAttendee)}`;
    const flaky = createSharedCache(
      options({
        client: intercepted((command) =>
          command instanceof PutItemCommand && command.input.Item?.sk?.S === failing
            ? Promise.reject(
                Object.assign(new Error('Internal server error'), { name: 'InternalServerError' }),
              )
            : undefined,
        ),
      }),
    );

    const write = flaky.putAttendees(meetingId, records, clock);

    await expect(write).rejects.toThrow(SnapshotWriteError);
    await expect(write).rejects.toThrow('1 of 3 writes failed');
    const read = await cache.read(meetingId, { attendeeIds: records.map(idOf) });
    expect([...(read.attendees?.keys() ?? [])].sort()).toEqual(
      [records[0], records[2]].map((a) => idOf(a as CachedAttendee)).sort(),
    );
  });

  it('does not throw when a put only loses its condition to a newer record or a tombstone', async () => {
    const meetingId = randomUUID();
    const [newer, deleted, fresh] = [attendee(), attendee(), attendee()];
    await cache.putAttendees(meetingId, [newer], clock + 5);
    await cache.tombstoneAttendee(meetingId, idOf(deleted), clock + 5);

    await expect(cache.putAttendees(meetingId, [newer, deleted, fresh], clock)).resolves.toBe(
      undefined,
    );

    const read = await cache.read(meetingId, { attendeeIds: [newer, deleted, fresh].map(idOf) });
    expect(read.attendees?.get(idOf(newer))?.version).toBe(clock + 5);
    expect(read.attendees?.get(idOf(fresh))?.version).toBe(clock);
    expect(read.deleted).toEqual(new Set([idOf(deleted)]));
  });

  it('counts an item of the older schema, which has no version, older than any write', async () => {
    const meetingId = randomUUID();
    const record = attendee();
    const key = { pk: { S: `MEETING#${meetingId}` }, sk: { S: `ATTENDEE#${idOf(record)}` } };
    await tables.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          ...key,
          AttendeeId: { S: idOf(record) },
          ExternalUserId: { S: record.ExternalUserId as string },
          fetchedAt: { N: String(clock) },
          expiresAt: { N: String(clock + TTL_MS) },
        },
      }),
    );
    expect(
      (await cache.read(meetingId, { attendeeId: idOf(record) })).attendees?.get(idOf(record))
        ?.version,
    ).toBe(clock);

    await cache.putAttendees(meetingId, [record], clock - 1);

    expect(
      (await cache.read(meetingId, { attendeeId: idOf(record) })).attendees?.get(idOf(record)),
    ).toEqual({
      value: record,
      version: clock - 1,
      expiresAt: clock + TTL_MS,
    });
  });

  it('fails a read that BatchGetItem left keys of, rather than report them missing', async () => {
    const partial = createSharedCache(
      options({
        client: intercepted((command) =>
          command instanceof BatchGetItemCommand
            ? Promise.resolve({
                Responses: { [tableName]: [] },
                UnprocessedKeys: {
                  [tableName]: { Keys: command.input.RequestItems?.[tableName]?.Keys },
                },
                $metadata: {},
              })
            : undefined,
        ),
      }),
    );

    await expect(partial.read(randomUUID(), { attendeeId: randomUUID() })).rejects.toThrow(
      'unprocessed',
    );
  });

  it('ends a meeting with a keys-only Query, page by page, and deletes in batches of 25', async () => {
    const meetingId = randomUUID();
    const queries: { projection?: string; consistent?: boolean }[] = [];
    const batches: number[] = [];
    const watching = createSharedCache(
      options({
        client: intercepted((command) => {
          if (command instanceof QueryCommand) {
            queries.push({
              projection: command.input.ProjectionExpression,
              consistent: command.input.ConsistentRead,
            });
            // Small pages, so that the partition takes several.
            return tables.client.send(new QueryCommand({ ...command.input, Limit: 20 }));
          }
          if (command instanceof BatchWriteItemCommand) {
            batches.push(command.input.RequestItems?.[tableName]?.length ?? 0);
          }
          return undefined;
        }),
      }),
    );
    await cache.putMeeting(meetingId, { MeetingId: meetingId }, clock);
    await cache.putAttendees(
      meetingId,
      Array.from({ length: 45 }, () => attendee()),
      clock,
    );
    await cache.markSnapshot(meetingId, clock);

    expect(await watching.endMeeting(meetingId, clock + 1)).toBe(46);

    // 47 items (the meeting's own included) in pages of 20: three Queries.
    expect(queries).toEqual(Array(3).fill({ projection: '#pk, #sk', consistent: true }));
    expect(batches).toEqual([25, 21]);
    const left = await partition(meetingId);
    expect(left.map((item) => [item.sk?.S, item.state?.S])).toEqual([['META', 'deleted']]);
  });

  it('retries the deletes DynamoDB left unprocessed with a doubling backoff, and gives up with a SnapshotWriteError', async () => {
    const waits: number[] = [];
    let leaveUnprocessed = 2;
    const flaky = () =>
      createSharedCache(
        options({
          sleep: async (ms) => {
            waits.push(ms);
          },
          client: intercepted((command) => {
            if (!(command instanceof BatchWriteItemCommand) || leaveUnprocessed <= 0) {
              return undefined;
            }
            leaveUnprocessed -= 1;
            const [first, ...rest] = command.input.RequestItems?.[tableName] ?? [];
            // DynamoDB took one request of the batch, and hands back the rest.
            return tables.client
              .send(
                new BatchWriteItemCommand({ RequestItems: { [tableName]: first ? [first] : [] } }),
              )
              .then(() => ({ UnprocessedItems: { [tableName]: rest }, $metadata: {} }));
          }),
        }),
      );
    const meetingId = randomUUID();
    await cache.putAttendees(
      meetingId,
      Array.from({ length: 5 }, () => attendee()),
      clock,
    );

    expect(await flaky().endMeeting(meetingId, clock)).toBe(5);
    expect(waits).toEqual([25, 50]);
    expect((await partition(meetingId)).map((item) => item.sk?.S)).toEqual(['META']);

    const stuck = randomUUID();
    await cache.putAttendees(
      stuck,
      Array.from({ length: 10 }, () => attendee()),
      clock,
    );
    leaveUnprocessed = Number.POSITIVE_INFINITY;
    waits.length = 0;
    // Five attempts, each taking one item of ten.
    await expect(flaky().endMeeting(stuck, clock)).rejects.toThrow(SnapshotWriteError);
    expect(waits).toEqual([25, 50, 100, 200]);
    // The tombstone went first: the meeting reads as ended though items are left.
    expect((await cache.read(stuck, {})).ended).toBe(true);
  });

  it('keeps the tombstone of a meeting it could not list, so that the meeting still reads as ended', async () => {
    const meetingId = randomUUID();
    const broken = createSharedCache(
      options({
        client: intercepted((command) =>
          command instanceof QueryCommand
            ? Promise.reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }))
            : undefined,
        ),
      }),
    );

    await expect(broken.endMeeting(meetingId, clock)).rejects.toThrow('throttled');

    expect((await cache.read(meetingId, {})).ended).toBe(true);
  });

  it('passes the read’s abort signal to DynamoDB', async () => {
    const controller = new AbortController();
    controller.abort(new DOMException('The request deadline passed', 'TimeoutError'));

    await expect(
      cache.read(randomUUID(), { attendeeId: randomUUID() }, controller.signal),
    ).rejects.toMatchObject({ name: expect.stringMatching(/AbortError|TimeoutError/) });
  });
});
