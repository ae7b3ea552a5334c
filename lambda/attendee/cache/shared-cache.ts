import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Attendee, Meeting } from '@aws-sdk/client-chime-sdk-meetings';
import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { reuseSigners } from '../sdk-signer';
import { attendeeSortKey, CACHE_TABLE_SCHEMA, meetingPartition, SORT_KEYS } from './table-schema';

type Item = Record<string, AttributeValue>;
type Key = Record<string, AttributeValue>;

const PK = CACHE_TABLE_SCHEMA.partitionKey.name;
const SK = CACHE_TABLE_SCHEMA.sortKey.name;
const TTL = CACHE_TABLE_SCHEMA.timeToLiveAttribute;
/** BatchWriteItem takes at most 25 requests (DynamoDB API Reference, BatchWriteItem). */
export const BATCH_WRITE_LIMIT = 25;

/** An attendee as cached: the fields GetAttendee and ListAttendees return, nothing else. */
export type CachedAttendee = Pick<
  Attendee,
  'AttendeeId' | 'ExternalUserId' | 'JoinToken' | 'Capabilities'
>;

/** A cached record and its times (epoch ms). */
export interface CachedRecord<T> {
  readonly value: T;
  readonly fetchedAt: number;
  readonly expiresAt: number;
}

/** A complete ListAttendees snapshot of a meeting was written at `takenAt`. */
export interface SnapshotMarker {
  readonly takenAt: number;
  readonly expiresAt: number;
}

/** Which container is taking a snapshot, until when (epoch ms). */
export interface Lease {
  readonly owner: string;
  readonly until: number;
}

/** What one read of a meeting's partition found, expired records left out. */
export interface SharedRead {
  readonly attendee?: CachedRecord<CachedAttendee>;
  /** Every attendee record read, by lower-case AttendeeId (with `attendeeIds`). */
  readonly attendees?: ReadonlyMap<string, CachedRecord<CachedAttendee>>;
  readonly meeting?: CachedRecord<Meeting>;
  readonly snapshot?: SnapshotMarker;
  readonly lease?: Lease;
}

/** What a snapshot writes. */
export interface Snapshot {
  readonly attendees: readonly CachedAttendee[];
  /** The meeting, when it was fetched along. */
  readonly meeting?: Meeting;
  /** When the snapshot started (epoch ms): attendees created later may be missing from it. */
  readonly takenAt: number;
}

/** The shared tier: one DynamoDB table (see `table-schema.ts`). */
export interface SharedCache {
  /** Reads the given records of a meeting, its snapshot marker and lease in one BatchGetItem. */
  read(
    meetingId: string,
    what: {
      readonly attendeeId?: string;
      /** More attendees at once (at most 97: one BatchGetItem). */
      readonly attendeeIds?: readonly string[];
      readonly meeting?: boolean;
    },
    signal?: AbortSignal,
  ): Promise<SharedRead>;
  putAttendee(meetingId: string, attendee: CachedAttendee, fetchedAt: number): Promise<void>;
  /** Writes one page of a snapshot's records (no marker: the snapshot is not complete yet). */
  putAttendees(
    meetingId: string,
    attendees: readonly CachedAttendee[],
    fetchedAt: number,
  ): Promise<void>;
  putMeeting(meetingId: string, meeting: Meeting, fetchedAt: number): Promise<void>;
  deleteAttendee(meetingId: string, attendeeId: string): Promise<void>;
  /** Deletes every item of the meeting (records, snapshot marker, lease); returns how many. */
  deleteMeeting(meetingId: string): Promise<number>;
  /**
   * Takes the meeting's snapshot lease for `durationMs` with a conditional write: succeeds when
   * there is no lease or it has expired. True when `owner` holds it now.
   */
  acquireLease(meetingId: string, owner: string, durationMs: number): Promise<boolean>;
  /** Gives the lease back early (after a failed snapshot), only if `owner` still holds it. */
  releaseLease(meetingId: string, owner: string): Promise<void>;
  /**
   * Writes the snapshot's records in batches of 25 (UnprocessedItems retried with a bounded
   * backoff), then the marker: a marker is only ever written over a complete snapshot.
   */
  writeSnapshot(meetingId: string, snapshot: Snapshot): Promise<void>;
}

/** Options of {@link createSharedCache}. */
export interface SharedCacheOptions {
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  /** How long a record may be served after it was fetched from Chime. */
  readonly ttlMs: number;
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** Attempts of one BatchWriteItem while items stay unprocessed (default 5). */
  readonly batchAttempts?: number;
  /** The first backoff before retrying unprocessed items, doubled each time (default 25 ms). */
  readonly batchBackoffMs?: number;
  /** Waits `ms`; injected by tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The snapshot could not be written completely. */
export class SnapshotWriteError extends Error {
  override readonly name = 'SnapshotWriteError';
}

const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });

function str(item: Item, name: string): string | undefined {
  const value = item[name];
  return value && 'S' in value && typeof value.S === 'string' ? value.S : undefined;
}

function num(item: Item, name: string): number | undefined {
  const value = item[name];
  if (!(value && 'N' in value && typeof value.N === 'string')) return undefined;
  const parsed = Number(value.N);
  return Number.isFinite(parsed) ? parsed : undefined;
}

const ttlOf = (expiresAt: number) => Math.ceil(expiresAt / 1000);

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function capabilitiesItem(capabilities: Attendee['Capabilities']): AttributeValue | undefined {
  if (!capabilities) return undefined;
  const map: Record<string, AttributeValue> = {};
  for (const field of ['Audio', 'Video', 'Content'] as const) {
    const value = capabilities[field];
    if (typeof value === 'string') map[field] = s(value);
  }
  return { M: map };
}

function capabilitiesOf(item: Item): Attendee['Capabilities'] {
  const value = item.Capabilities;
  if (!(value && 'M' in value && value.M)) return undefined;
  const map = value.M;
  const field = (name: string) => {
    const entry = map[name];
    return entry && 'S' in entry ? entry.S : undefined;
  };
  return {
    Audio: field('Audio'),
    Video: field('Video'),
    Content: field('Content'),
  } as Attendee['Capabilities'];
}

/**
 * Creates the shared cache over `tableName`. Every read checks `expiresAt` against the clock:
 * DynamoDB's TTL deletion is lazy, so an expired item may still be returned by the table.
 */
export function createSharedCache(options: SharedCacheOptions): SharedCache {
  const { client, tableName: TableName, ttlMs } = options;
  const now = options.now ?? Date.now;
  const batchAttempts = options.batchAttempts ?? 5;
  const batchBackoffMs = options.batchBackoffMs ?? 25;
  const sleep = options.sleep ?? defaultSleep;

  const key = (meetingId: string, sort: string): Key => ({
    [PK]: s(meetingPartition(meetingId)),
    [SK]: s(sort),
  });

  const attendeeItem = (meetingId: string, attendee: CachedAttendee, fetchedAt: number): Item => {
    const attendeeId = (attendee.AttendeeId ?? '').toLowerCase();
    const expiresAt = fetchedAt + ttlMs;
    const item: Item = {
      ...key(meetingId, attendeeSortKey(attendeeId)),
      MeetingId: s(meetingId),
      AttendeeId: s(attendeeId),
      fetchedAt: n(fetchedAt),
      expiresAt: n(expiresAt),
      [TTL]: n(ttlOf(expiresAt)),
    };
    if (typeof attendee.ExternalUserId === 'string')
      item.ExternalUserId = s(attendee.ExternalUserId);
    if (typeof attendee.JoinToken === 'string') item.JoinToken = s(attendee.JoinToken);
    const capabilities = capabilitiesItem(attendee.Capabilities);
    if (capabilities) item.Capabilities = capabilities;
    return item;
  };

  const meetingItem = (meetingId: string, meeting: Meeting, fetchedAt: number): Item => {
    const expiresAt = fetchedAt + ttlMs;
    return {
      ...key(meetingId, SORT_KEYS.meeting),
      MeetingId: s(meetingId),
      Meeting: s(JSON.stringify(meeting)),
      fetchedAt: n(fetchedAt),
      expiresAt: n(expiresAt),
      [TTL]: n(ttlOf(expiresAt)),
    };
  };

  const fresh = (item: Item, at: number) => {
    const expiresAt = num(item, 'expiresAt');
    const fetchedAt = num(item, 'fetchedAt');
    return expiresAt !== undefined && fetchedAt !== undefined && expiresAt > at
      ? { expiresAt, fetchedAt }
      : undefined;
  };

  const parse = (items: readonly Item[], at: number): SharedRead => {
    const read: {
      attendee?: CachedRecord<CachedAttendee>;
      attendees?: Map<string, CachedRecord<CachedAttendee>>;
      meeting?: CachedRecord<Meeting>;
      snapshot?: SnapshotMarker;
      lease?: Lease;
    } = {};
    for (const item of items) {
      const sort = str(item, SK) ?? '';
      if (sort === SORT_KEYS.lease) {
        const owner = str(item, 'owner');
        const until = num(item, 'leaseUntil');
        if (owner !== undefined && until !== undefined && until > at) read.lease = { owner, until };
        continue;
      }
      const times = fresh(item, at);
      if (!times) continue;
      if (sort === SORT_KEYS.snapshot) {
        read.snapshot = { takenAt: times.fetchedAt, expiresAt: times.expiresAt };
      } else if (sort === SORT_KEYS.meeting) {
        const text = str(item, 'Meeting');
        if (text === undefined) continue;
        try {
          const meeting: unknown = JSON.parse(text);
          if (typeof meeting === 'object' && meeting !== null) {
            read.meeting = { value: meeting as Meeting, ...times };
          }
        } catch {
          // An unreadable record is a miss.
        }
      } else if (sort.startsWith(SORT_KEYS.attendeePrefix)) {
        const record = {
          value: {
            AttendeeId: str(item, 'AttendeeId'),
            ExternalUserId: str(item, 'ExternalUserId'),
            JoinToken: str(item, 'JoinToken'),
            Capabilities: capabilitiesOf(item),
          },
          ...times,
        };
        read.attendee = record;
        read.attendees ??= new Map();
        read.attendees.set(sort.slice(SORT_KEYS.attendeePrefix.length), record);
      }
    }
    return read;
  };

  /** Writes `requests` in batches of 25, retrying what DynamoDB leaves unprocessed. */
  const batchWrite = async (requests: readonly WriteRequest[]) => {
    for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
      let pending: WriteRequest[] = requests.slice(start, start + BATCH_WRITE_LIMIT);
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        if (attempt > batchAttempts) {
          throw new SnapshotWriteError(`${pending.length} items stayed unprocessed`);
        }
        if (attempt > 1) await sleep(batchBackoffMs * 2 ** (attempt - 2));
        const output = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [TableName]: pending } }),
        );
        pending = output.UnprocessedItems?.[TableName] ?? [];
      }
    }
  };

  return {
    async read(meetingId, what, signal) {
      const keys: Key[] = [key(meetingId, SORT_KEYS.snapshot), key(meetingId, SORT_KEYS.lease)];
      if (what.attendeeId !== undefined)
        keys.push(key(meetingId, attendeeSortKey(what.attendeeId)));
      for (const attendeeId of what.attendeeIds ?? []) {
        keys.push(key(meetingId, attendeeSortKey(attendeeId)));
      }
      if (what.meeting) keys.push(key(meetingId, SORT_KEYS.meeting));
      const output = await client.send(
        new BatchGetItemCommand({ RequestItems: { [TableName]: { Keys: keys } } }),
        { abortSignal: signal },
      );
      if ((output.UnprocessedKeys?.[TableName]?.Keys?.length ?? 0) > 0) {
        throw new Error('BatchGetItem left keys unprocessed');
      }
      return parse(output.Responses?.[TableName] ?? [], now());
    },

    async putAttendee(meetingId, attendee, fetchedAt) {
      await client.send(
        new PutItemCommand({ TableName, Item: attendeeItem(meetingId, attendee, fetchedAt) }),
      );
    },

    async putAttendees(meetingId, attendees, fetchedAt) {
      const items = attendees
        .filter((attendee) => typeof attendee.AttendeeId === 'string')
        .map((attendee) => attendeeItem(meetingId, attendee, fetchedAt));
      await batchWrite(items.map((Item) => ({ PutRequest: { Item } })));
    },

    async putMeeting(meetingId, meeting, fetchedAt) {
      await client.send(
        new PutItemCommand({ TableName, Item: meetingItem(meetingId, meeting, fetchedAt) }),
      );
    },

    async deleteAttendee(meetingId, attendeeId) {
      await client.send(
        new DeleteItemCommand({ TableName, Key: key(meetingId, attendeeSortKey(attendeeId)) }),
      );
    },

    async deleteMeeting(meetingId) {
      const keys: Key[] = [];
      let ExclusiveStartKey: Key | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
            ExpressionAttributeValues: { ':pk': s(meetingPartition(meetingId)) },
            ProjectionExpression: '#pk, #sk',
            ConsistentRead: true,
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) {
          keys.push({ [PK]: item[PK] as AttributeValue, [SK]: item[SK] as AttributeValue });
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      await batchWrite(keys.map((Key) => ({ DeleteRequest: { Key } })));
      return keys.length;
    },

    async acquireLease(meetingId, owner, durationMs) {
      const at = now();
      const until = at + durationMs;
      try {
        await client.send(
          new PutItemCommand({
            TableName,
            Item: {
              ...key(meetingId, SORT_KEYS.lease),
              owner: s(owner),
              leaseUntil: n(until),
              [TTL]: n(ttlOf(until)),
            },
            ConditionExpression: 'attribute_not_exists(#pk) OR #until < :now',
            ExpressionAttributeNames: { '#pk': PK, '#until': 'leaseUntil' },
            ExpressionAttributeValues: { ':now': n(at) },
          }),
        );
        return true;
      } catch (error) {
        if ((error as { name?: unknown }).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },

    async releaseLease(meetingId, owner) {
      try {
        await client.send(
          new DeleteItemCommand({
            TableName,
            Key: key(meetingId, SORT_KEYS.lease),
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': s(owner) },
          }),
        );
      } catch (error) {
        if ((error as { name?: unknown }).name !== 'ConditionalCheckFailedException') throw error;
      }
    },

    async writeSnapshot(meetingId, snapshot) {
      const { takenAt } = snapshot;
      const items = snapshot.attendees
        .filter((attendee) => typeof attendee.AttendeeId === 'string')
        .map((attendee) => attendeeItem(meetingId, attendee, takenAt));
      if (snapshot.meeting) items.push(meetingItem(meetingId, snapshot.meeting, takenAt));
      await batchWrite(items.map((Item) => ({ PutRequest: { Item } })));
      const expiresAt = takenAt + ttlMs;
      await client.send(
        new PutItemCommand({
          TableName,
          Item: {
            ...key(meetingId, SORT_KEYS.snapshot),
            MeetingId: s(meetingId),
            attendeeCount: n(items.length),
            fetchedAt: n(takenAt),
            expiresAt: n(expiresAt),
            [TTL]: n(ttlOf(expiresAt)),
          },
        }),
      );
    },
  };
}

/** Options of {@link createDynamoDbClient}. */
export interface DynamoDbClientOptions {
  readonly region: string;
  /** `DYNAMODB_ENDPOINT`: a local server, DynamoDB Local, or none for the regional endpoint. */
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Per attempt; the cache must never hold a request long (default 500 ms). */
  readonly requestTimeoutMs?: number;
  /** Attempts per call (default 2: a cache that fails falls back to Chime anyway). */
  readonly maxAttempts?: number;
}

/** The one DynamoDB client of a container: short timeouts, kept-alive sockets, one signer. */
export function createDynamoDbClient(options: DynamoDbClientOptions): DynamoDBClient {
  const requestTimeout = options.requestTimeoutMs ?? 500;
  const client = new DynamoDBClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
    maxAttempts: options.maxAttempts ?? 2,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: requestTimeout,
      requestTimeout,
      throwOnRequestTimeout: true,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 50 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 50 }),
    }),
  });
  reuseSigners(client.config);
  return client;
}
