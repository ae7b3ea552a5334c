import { randomBytes, randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { createSharedCache } from '../../../lambda/attendee/cache/shared-cache';
import { parseInvalidationConfig } from '../../../lambda/invalidation/config';
import {
  type ChimeMeetingEvent,
  createInvalidationHandler,
  invalidationOf,
} from '../../../lambda/invalidation/handler';
import { type LocalTables, startLocalTables } from '../../helpers/local-dynamodb';
import { capturedLines, linesSince, registerSecret } from '../../helpers/log-capture';

/** An event as the Chime SDK Developer Guide's "Meeting events" examples show it. */
const chimeEvent = (eventType: string, detail: Record<string, unknown>): ChimeMeetingEvent =>
  ({
    version: '0',
    source: 'aws.chime',
    account: '111122223333',
    id: randomUUID(),
    region: 'us-east-1',
    'detail-type': 'Chime Meeting State Change',
    time: new Date(0).toISOString(),
    resources: [],
    detail: {
      version: '0',
      eventType,
      timestamp: 12344566754,
      mediaRegion: 'us-east-1',
      ...detail,
    },
  }) as ChimeMeetingEvent;

let tables: LocalTables;
beforeAll(async () => {
  tables = await startLocalTables();
});
afterAll(() => tables.stop());

describe('the invalidation handler', () => {
  let tableName: string;
  let shared: ReturnType<typeof createSharedCache>;
  const lines: Record<string, unknown>[] = [];
  let handle: ReturnType<typeof createInvalidationHandler>;

  beforeEach(async () => {
    tableName = await tables.newTable();
    shared = createSharedCache({ client: tables.client, tableName, ttlMs: 60_000 });
    lines.length = 0;
    handle = createInvalidationHandler({ shared, log: (fields) => lines.push({ ...fields }) });
  });

  const sortKeys = async (meetingId: string) => {
    const { Items } = await tables.client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `MEETING#${meetingId}` } },
      }),
    );
    return (Items ?? []).map((item) => item.sk?.S).sort();
  };

  const seed = async (meetingId: string, attendeeIds: readonly string[]) => {
    await shared.writeSnapshot(meetingId, {
      attendees: attendeeIds.map((AttendeeId) => ({
        AttendeeId,
        ExternalUserId: registerSecret(`user-${randomUUID()}`),
        JoinToken: registerSecret(randomBytes(32).toString('base64').replace(/=+$/, '')),
        Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
      })),
      meeting: { MeetingId: meetingId },
      takenAt: Date.now(),
    });
  };

  it("deletes only that attendee's record on chime:AttendeeDeleted, logging no ExternalUserId", async () => {
    const meetingId = randomUUID();
    const [gone, kept] = [randomUUID(), randomUUID()];
    await seed(meetingId, [gone, kept]);
    const externalUserId = registerSecret(`user-${randomUUID()}`);
    const outcome = await handle(
      chimeEvent('chime:AttendeeDeleted', {
        meetingId: meetingId.toUpperCase(),
        attendeeId: gone,
        externalUserId,
      }),
    );
    expect(outcome).toEqual({ action: 'deleted-attendee', meetingId, attendeeId: gone });
    expect(await sortKeys(meetingId)).toEqual([`ATTENDEE#${kept}`, 'META', 'SNAPSHOT']);
    expect(JSON.stringify(lines)).not.toContain(externalUserId);
    expect(lines).toEqual([
      {
        eventType: 'chime:AttendeeDeleted',
        action: 'deleted-attendee',
        meetingId,
        attendeeId: gone,
      },
    ]);
  });

  it("deletes all the meeting's records on chime:MeetingEnded", async () => {
    const meetingId = randomUUID();
    const other = randomUUID();
    await seed(
      meetingId,
      Array.from({ length: 30 }, () => randomUUID()),
    );
    await shared.acquireLease(meetingId, 'container', 1000);
    await seed(other, [randomUUID()]);
    const outcome = await handle(chimeEvent('chime:MeetingEnded', { meetingId }));
    expect(outcome).toEqual({ action: 'deleted-meeting', meetingId, items: 33 });
    expect(await sortKeys(meetingId)).toEqual([]);
    expect(await sortKeys(other)).toHaveLength(3);
  });

  it.each([
    ['another event type', chimeEvent('chime:AttendeeJoined', { meetingId: randomUUID() })],
    [
      'another source',
      { ...chimeEvent('chime:MeetingEnded', { meetingId: randomUUID() }), source: 'aws.other' },
    ],
    [
      'another detail type',
      { ...chimeEvent('chime:MeetingEnded', { meetingId: randomUUID() }), 'detail-type': 'x' },
    ],
    [
      'a meetingId that is not a GUID',
      chimeEvent('chime:MeetingEnded', { meetingId: 'MEETING#x' }),
    ],
    [
      'an attendeeId that is not a GUID',
      chimeEvent('chime:AttendeeDeleted', { meetingId: randomUUID(), attendeeId: 5 }),
    ],
    ['no detail at all', { source: 'aws.chime', 'detail-type': 'Chime Meeting State Change' }],
  ] as const)('ignores %s', async (_case, event) => {
    const meetingId = randomUUID();
    await seed(meetingId, [randomUUID()]);
    const outcome = await handle(event as ChimeMeetingEvent);
    expect(outcome.action).toBe('ignored');
    expect(await sortKeys(meetingId)).toHaveLength(3);
    expect(lines[0]).toMatchObject({ action: 'ignored' });
  });

  it('writes one JSON line per event to stdout by default, with ids only', async () => {
    const meetingId = randomUUID();
    const attendeeId = randomUUID();
    const externalUserId = registerSecret(`user-${randomUUID()}`);
    const mark = capturedLines().length;
    await createInvalidationHandler({ shared })(
      chimeEvent('chime:AttendeeDeleted', { meetingId, attendeeId, externalUserId }),
    );
    const written = linesSince(mark).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(written).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'invalidation',
        action: 'deleted-attendee',
        meetingId,
        attendeeId,
      }),
    ]);
    expect(JSON.stringify(written)).not.toContain(externalUserId);
  });

  it('throws when DynamoDB fails, so that EventBridge retries', async () => {
    const failing = createInvalidationHandler({
      shared: {
        deleteAttendee: async () => {
          throw new Error('down');
        },
        deleteMeeting: async () => 0,
      },
      log: () => undefined,
    });
    await expect(
      failing(
        chimeEvent('chime:AttendeeDeleted', { meetingId: randomUUID(), attendeeId: randomUUID() }),
      ),
    ).rejects.toThrow('down');
  });

  it('decides without I/O', () => {
    const meetingId = randomUUID();
    expect(invalidationOf(chimeEvent('chime:MeetingEnded', { meetingId }))).toEqual({
      kind: 'meeting',
      meetingId,
    });
  });
});

describe('the invalidation configuration', () => {
  it('reads CACHE_TABLE_NAME, DYNAMODB_ENDPOINT and the region', () => {
    expect(
      parseInvalidationConfig({
        CACHE_TABLE_NAME: 'attendee-cache',
        DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
        AWS_REGION: 'eu-west-1',
      }),
    ).toEqual({
      tableName: 'attendee-cache',
      endpoint: 'http://127.0.0.1:4567',
      region: 'eu-west-1',
    });
    expect(
      parseInvalidationConfig({ CACHE_TABLE_NAME: 'attendee-cache' }).endpoint,
    ).toBeUndefined();
  });

  it.each([
    [{}, 'CACHE_TABLE_NAME'],
    [{ CACHE_TABLE_NAME: 'a b' }, 'CACHE_TABLE_NAME'],
    [{ CACHE_TABLE_NAME: 'ok-table', DYNAMODB_ENDPOINT: 'not a url' }, 'DYNAMODB_ENDPOINT'],
    [{ CACHE_TABLE_NAME: 'ok-table', DYNAMODB_ENDPOINT: 'file:///tmp/x' }, 'DYNAMODB_ENDPOINT'],
  ])('refuses %j, naming %s', (env, variable) => {
    expect(() => parseInvalidationConfig(env)).toThrow(variable);
  });
});
