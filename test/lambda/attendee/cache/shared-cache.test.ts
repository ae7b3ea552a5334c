import { randomBytes, randomUUID } from 'node:crypto';
import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type CachedAttendee,
  createSharedCache,
  SnapshotWriteError,
} from '../../../../lambda/attendee/cache/shared-cache';
import { type LocalTables, startLocalTables } from '../../../helpers/local-dynamodb';
import { registerSecret } from '../../../helpers/log-capture';

const TTL_MS = 60_000;

let tables: LocalTables;
beforeAll(async () => {
  tables = await startLocalTables();
});
afterAll(() => tables.stop());

const attendee = (): CachedAttendee => ({
  AttendeeId: randomUUID(),
  ExternalUserId: registerSecret(`user-${randomUUID()}`),
  JoinToken: registerSecret(randomBytes(48).toString('base64').replace(/=+$/, '')),
  Capabilities: { Audio: 'SendReceive', Video: 'Receive', Content: 'None' },
});

describe('the shared cache on DynamoDB', () => {
  let clock: number;
  const now = () => clock;
  let tableName: string;
  let cache: ReturnType<typeof createSharedCache>;

  beforeEach(async () => {
    clock = 1_700_000_000_000;
    tableName = await tables.newTable();
    cache = createSharedCache({ client: tables.client, tableName, ttlMs: TTL_MS, now });
  });

  const partition = async (meetingId: string) => {
    const { Items } = await tables.client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `MEETING#${meetingId}` } },
      }),
    );
    return Items ?? [];
  };

  it('stores an attendee record and reads it back, with its times', async () => {
    const meetingId = randomUUID();
    const record = attendee();
    await cache.putAttendee(meetingId, record, clock);
    const read = await cache.read(meetingId, { attendeeId: record.AttendeeId as string });
    expect(read.attendee).toEqual({ value: record, fetchedAt: clock, expiresAt: clock + TTL_MS });
    expect(read.snapshot).toBeUndefined();
    expect(read.lease).toBeUndefined();
  });

  it('never serves a record past its expiry, though the table still holds it', async () => {
    const meetingId = randomUUID();
    const record = attendee();
    await cache.putAttendee(meetingId, record, clock);
    await cache.putMeeting(meetingId, { MeetingId: meetingId, MediaRegion: 'us-east-1' }, clock);
    clock += TTL_MS;
    const read = await cache.read(meetingId, {
      attendeeId: record.AttendeeId as string,
      meeting: true,
    });
    expect(read).toEqual({});
    const { Item } = await tables.client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: `MEETING#${meetingId}` }, sk: { S: `ATTENDEE#${record.AttendeeId}` } },
      }),
    );
    // Written at clock - TTL_MS: its TTL attribute (epoch seconds) is its expiry, now.
    expect(Item?.ttl?.N).toBe(String(Math.ceil(clock / 1000)));
  });

  it('stores a meeting as GetMeeting returns it', async () => {
    const meetingId = randomUUID();
    const meeting = {
      MeetingId: meetingId,
      MediaRegion: 'eu-west-1',
      MediaPlacement: { AudioHostUrl: 'a.example:3478', SignalingUrl: 'wss://s.example' },
    };
    await cache.putMeeting(meetingId, meeting, clock);
    const read = await cache.read(meetingId, { meeting: true });
    expect(read.meeting?.value).toEqual(meeting);
  });

  it('keys items by ids only: no ExternalUserId or JoinToken in any key', async () => {
    const meetingId = randomUUID();
    const records = [attendee(), attendee()];
    for (const record of records) await cache.putAttendee(meetingId, record, clock);
    await cache.writeSnapshot(meetingId, { attendees: [attendee()], takenAt: clock });
    await cache.acquireLease(meetingId, 'container-1', 1000);
    const { Items } = await tables.client.send(new ScanCommand({ TableName: tableName }));
    expect(Items?.length).toBe(5);
    for (const item of Items ?? []) {
      expect(item.pk?.S).toBe(`MEETING#${meetingId}`);
      expect(item.sk?.S).toMatch(/^(META|SNAPSHOT|LEASE|ATTENDEE#[0-9a-f-]{36})$/);
    }
  });

  it('deletes one attendee, and a whole meeting with one Query', async () => {
    const meetingId = randomUUID();
    const other = randomUUID();
    const [kept, dropped] = [attendee(), attendee()];
    await cache.putAttendee(meetingId, kept, clock);
    await cache.putAttendee(meetingId, dropped, clock);
    await cache.putAttendee(other, attendee(), clock);
    await cache.deleteAttendee(meetingId, dropped.AttendeeId as string);
    expect((await partition(meetingId)).map((item) => item.sk?.S)).toEqual([
      `ATTENDEE#${kept.AttendeeId}`,
    ]);
    await cache.writeSnapshot(meetingId, {
      attendees: Array.from({ length: 30 }, attendee),
      meeting: { MeetingId: meetingId },
      takenAt: clock,
    });
    await cache.acquireLease(meetingId, 'c', 1000);
    expect(await cache.deleteMeeting(meetingId)).toBe(34);
    expect(await partition(meetingId)).toEqual([]);
    expect(await partition(other)).toHaveLength(1);
  });

  it('grants the lease to one of two racing containers, and again once it has expired', async () => {
    const meetingId = randomUUID();
    const results = await Promise.all([
      cache.acquireLease(meetingId, 'a', 5000),
      cache.acquireLease(meetingId, 'b', 5000),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await cache.read(meetingId, {})).lease?.owner).toBe(results[0] ? 'a' : 'b');
    clock += 4999;
    expect(await cache.acquireLease(meetingId, 'c', 5000)).toBe(false);
    clock += 2;
    expect((await cache.read(meetingId, {})).lease).toBeUndefined();
    expect(await cache.acquireLease(meetingId, 'c', 5000)).toBe(true);
  });

  it('lets only the holder release the lease early', async () => {
    const meetingId = randomUUID();
    await cache.acquireLease(meetingId, 'holder', 5000);
    await cache.releaseLease(meetingId, 'someone-else');
    expect((await cache.read(meetingId, {})).lease?.owner).toBe('holder');
    await cache.releaseLease(meetingId, 'holder');
    expect((await cache.read(meetingId, {})).lease).toBeUndefined();
  });

  it('writes a 260-attendee snapshot in batches of 25, then its marker', async () => {
    const meetingId = randomUUID();
    const sent: number[] = [];
    const counting: Pick<DynamoDBClient, 'send'> = {
      send: ((command: { input: unknown }, options?: unknown) => {
        if (command instanceof BatchWriteItemCommand) {
          sent.push(Object.values(command.input.RequestItems ?? {})[0]?.length ?? 0);
        }
        return tables.client.send(command as never, options as never);
      }) as DynamoDBClient['send'],
    };
    const writer = createSharedCache({ client: counting, tableName, ttlMs: TTL_MS, now });
    const attendees = Array.from({ length: 260 }, attendee);
    await writer.writeSnapshot(meetingId, { attendees, takenAt: clock - 10 });
    expect(sent).toEqual([...Array(10).fill(25), 10]);
    const read = await writer.read(meetingId, { attendeeId: attendees[259]?.AttendeeId as string });
    expect(read.snapshot).toEqual({ takenAt: clock - 10, expiresAt: clock - 10 + TTL_MS });
    expect(read.attendee?.value).toEqual(attendees[259]);
    expect(await partition(meetingId)).toHaveLength(261);
  });

  it('retries unprocessed items with a bounded backoff, and writes no marker if they stay', async () => {
    const meetingId = randomUUID();
    const waits: number[] = [];
    let leaveUnprocessed = 2;
    const flaky: Pick<DynamoDBClient, 'send'> = {
      send: (async (command: { input: unknown }, options?: unknown) => {
        if (command instanceof BatchWriteItemCommand && leaveUnprocessed > 0) {
          leaveUnprocessed -= 1;
          const [table, requests] = Object.entries(command.input.RequestItems ?? {})[0] ?? [];
          const [first, ...rest] = requests ?? [];
          await tables.client.send(
            new BatchWriteItemCommand({
              RequestItems: { [table as string]: first ? [first] : [] },
            }),
          );
          return { UnprocessedItems: { [table as string]: rest }, $metadata: {} };
        }
        return tables.client.send(command as never, options as never);
      }) as DynamoDBClient['send'],
    };
    const options = {
      client: flaky,
      tableName,
      ttlMs: TTL_MS,
      now,
      batchBackoffMs: 10,
      sleep: async (ms: number) => {
        waits.push(ms);
      },
    };
    await createSharedCache(options).writeSnapshot(meetingId, {
      attendees: Array.from({ length: 5 }, attendee),
      takenAt: clock,
    });
    expect(waits).toEqual([10, 20]);
    expect(await partition(meetingId)).toHaveLength(6);

    const stuck = randomUUID();
    leaveUnprocessed = Number.POSITIVE_INFINITY;
    waits.length = 0;
    await expect(
      createSharedCache({ ...options, batchAttempts: 3 }).writeSnapshot(stuck, {
        attendees: Array.from({ length: 5 }, attendee),
        takenAt: clock,
      }),
    ).rejects.toThrow(SnapshotWriteError);
    expect(waits).toEqual([10, 20]);
    expect((await cache.read(stuck, {})).snapshot).toBeUndefined();
  });
});
