import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import type { Attendee, Meeting } from '@aws-sdk/client-chime-sdk-meetings';
import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall, type NativeAttributeValue, unmarshall } from '@aws-sdk/util-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { reuseSigners } from '../sdk-signer';
import {
  attendeeSortKey,
  CACHE_TABLE_SCHEMA,
  meetingPartition,
  nameSortKey,
  SORT_KEYS,
} from './table-schema';

type Item = Record<string, AttributeValue>;
type Key = Record<string, AttributeValue>;
/** An item's attributes as plain values; `marshall` makes strings S, numbers N, objects M. */
type Attributes = Record<string, NativeAttributeValue>;

const PK = CACHE_TABLE_SCHEMA.partitionKey.name;
const SK = CACHE_TABLE_SCHEMA.sortKey.name;
const TTL = CACHE_TABLE_SCHEMA.timeToLiveAttribute;
/** BatchWriteItem takes at most 25 requests (DynamoDB API Reference, BatchWriteItem). */
const BATCH_WRITE_LIMIT = 25;
/** Conditional puts of one page in flight at once (each is its own PutItem). */
const PUTS_IN_FLIGHT = 25;

/** An attendee as cached: the fields GetAttendee and ListAttendees return, nothing else. */
export type CachedAttendee = Pick<
  Attendee,
  'AttendeeId' | 'ExternalUserId' | 'JoinToken' | 'Capabilities'
>;

/**
 * A cached record and its times (epoch ms). `version` is when the Chime call that brought it
 * started: a write only ever replaces an item of a lower version, and never a tombstone.
 */
export interface CachedRecord<T> {
  readonly value: T;
  readonly version: number;
  readonly expiresAt: number;
}

/** A complete ListAttendees snapshot of a meeting was taken at `takenAt`. */
export interface SnapshotMarker {
  readonly takenAt: number;
  readonly expiresAt: number;
}

/**
 * Which container is taking a snapshot, until when (epoch ms). `failed`: its snapshot failed,
 * nobody waits for it, and nobody lists the meeting again until the lease runs out (a cool-down,
 * so that every container does not list the meeting into the same fault).
 */
export interface Lease {
  readonly owner: string;
  readonly until: number;
  readonly failed: boolean;
}

/** What one read of a meeting's partition found, expired items left out. */
export interface SharedRead {
  readonly attendee?: CachedRecord<CachedAttendee>;
  /** Every attendee record read, by lower-case AttendeeId (with `attendeeIds`). */
  readonly attendees?: ReadonlyMap<string, CachedRecord<CachedAttendee>>;
  /** The attendees read that Chime deleted (tombstones), by lower-case AttendeeId. */
  readonly deleted?: ReadonlySet<string>;
  /** The attendees read that changed since their record (stale markers). */
  readonly stale?: ReadonlySet<string>;
  /** Chime ended the meeting: none of its attendees exists any more. */
  readonly ended?: boolean;
  /** Display names recorded by the attendees' owners, by lower-case AttendeeId. */
  readonly names?: ReadonlyMap<string, string>;
  readonly meeting?: CachedRecord<Meeting>;
  readonly snapshot?: SnapshotMarker;
  readonly lease?: Lease;
}

/** The item states a marker leaves in place of a record. */
const MARKER_STATES = { deleted: 'deleted', stale: 'stale' } as const;

/**
 * The shared tier: one DynamoDB table (see `table-schema.ts`), or the container's memory when
 * there is no table (`memory-cache.ts`). Every record write is conditional on its version.
 */
export interface SharedCache {
  /** Reads everything the table holds of a meeting (one Query): the roster's read. */
  readAll(meetingId: string, signal?: AbortSignal): Promise<SharedRead>;
  /**
   * Reads the given records of a meeting, its tombstone, snapshot marker and lease at once, and
   * the name of `attendeeId`.
   */
  read(
    meetingId: string,
    what: {
      readonly attendeeId?: string;
      /** More attendees at once (at most 96: one BatchGetItem). */
      readonly attendeeIds?: readonly string[];
    },
    signal?: AbortSignal,
  ): Promise<SharedRead>;
  /**
   * Writes attendee records of `version`, each only over an older one and never over a
   * tombstone; throws a {@link SnapshotWriteError} when any write failed otherwise.
   */
  putAttendees(
    meetingId: string,
    attendees: readonly CachedAttendee[],
    version: number,
  ): Promise<void>;
  putMeeting(meetingId: string, meeting: Meeting, version: number): Promise<void>;
  /** Records the display name of an attendee's owner (only over an older one). */
  putName(meetingId: string, attendeeId: string, name: string, version: number): Promise<void>;
  /** Marks a complete snapshot taken at `takenAt` (only over an older marker). */
  markSnapshot(meetingId: string, takenAt: number): Promise<void>;
  /**
   * Takes the meeting's snapshot lease for `durationMs` with a conditional write: succeeds when
   * there is no lease or it has expired. True when `owner` holds it now.
   */
  acquireLease(meetingId: string, owner: string, durationMs: number): Promise<boolean>;
  /** Marks `owner`'s lease (held until `until`) failed until it runs out (see {@link Lease}). */
  failLease(meetingId: string, owner: string, until: number): Promise<void>;
  /** Chime deleted the attendee: a tombstone that no record write replaces. */
  tombstoneAttendee(meetingId: string, attendeeId: string, version: number): Promise<void>;
  /** The attendee changed (capabilities): its record goes, and older writes cannot bring it back. */
  markStale(meetingId: string, attendeeId: string, version: number): Promise<void>;
  /** Chime ended the meeting: a tombstone, then its other items deleted; returns how many. */
  endMeeting(meetingId: string, version: number): Promise<number>;
}

/** A write of a snapshot or record failed (other than being older than what is there). */
export class SnapshotWriteError extends Error {
  override readonly name = 'SnapshotWriteError';
}

/** Options of {@link createSharedCache}. */
export interface SharedCacheOptions {
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  /** How long a record (or a tombstone) may be served after it was written. */
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

/** Undefined attributes are left out of the item (an attendee without a JoinToken has none). */
const toItem = (attributes: Attributes): Item =>
  marshall(attributes, { removeUndefinedValues: true });

/** A string attribute as read, or undefined (absent, or of another type). */
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** A number attribute as read, or undefined (absent, or not a finite number). */
const finite = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

const ttlOf = (expiresAt: number) => Math.ceil(expiresAt / 1000);

const isConditionFailed = (error: unknown) =>
  (error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException';

/** The three capabilities, strings only: stored as a map of strings, read back the same way. */
function capabilitiesOf(value: unknown): Attendee['Capabilities'] {
  if (typeof value !== 'object' || value === null) return undefined;
  const { Audio, Video, Content } = value as Record<string, unknown>;
  const capabilities = { Audio: text(Audio), Video: text(Video), Content: text(Content) };
  return capabilities as Attendee['Capabilities'];
}

/**
 * A record write: only over nothing, or over an item of a lower version that is not a
 * tombstone (an item of an older schema, without a version, counts as older). A stale marker
 * also wins over a record of its own millisecond: the change it marks may have come after it.
 */
const newerThan = (operator: '<' | '<=') => ({
  ConditionExpression: `attribute_not_exists(#pk) OR ((attribute_not_exists(#version) OR #version ${operator} :version) AND (attribute_not_exists(#state) OR #state <> :deleted))`,
  names: { '#pk': PK, '#version': 'version', '#state': 'state' },
  values: (version: number) => marshall({ ':version': version, ':deleted': MARKER_STATES.deleted }),
});
const NEWER_RECORD = newerThan('<');
const NEWER_MARKER = newerThan('<=');

/**
 * Creates the shared cache over `tableName`. Every read checks `expiresAt` against the clock:
 * DynamoDB's TTL deletion is lazy, so an expired item may still be returned by the table.
 */
export function createSharedCache(options: SharedCacheOptions): SharedCache {
  const { client, tableName: TableName, ttlMs } = options;
  // A marker that expired at once would let the record it replaced be read as missing.
  if (!(ttlMs > 0)) throw new RangeError('ttlMs must be positive');
  const now = options.now ?? Date.now;
  const batchAttempts = options.batchAttempts ?? 5;
  const batchBackoffMs = options.batchBackoffMs ?? 25;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));

  const keyOf = (meetingId: string, sort: string): Attributes => ({
    [PK]: meetingPartition(meetingId),
    [SK]: sort,
  });
  const key = (meetingId: string, sort: string): Key => marshall(keyOf(meetingId, sort));

  /** The attributes every item carries: its key, version and expiry. */
  const base = (meetingId: string, sort: string, version: number): Attributes => {
    const expiresAt = Math.max(version, now()) + ttlMs;
    return { ...keyOf(meetingId, sort), version, expiresAt, [TTL]: ttlOf(expiresAt) };
  };

  const attendeeItem = (meetingId: string, attendee: CachedAttendee, version: number) => {
    const attendeeId = (attendee.AttendeeId ?? '').toLowerCase();
    return {
      ...base(meetingId, attendeeSortKey(attendeeId), version),
      AttendeeId: attendeeId,
      ExternalUserId: text(attendee.ExternalUserId),
      JoinToken: text(attendee.JoinToken),
      Capabilities: capabilitiesOf(attendee.Capabilities),
    };
  };

  /** A conditional put of a newer record; false when what is there is newer (or a tombstone). */
  const putNewer = async (attributes: Attributes, version: number): Promise<boolean> => {
    try {
      await client.send(
        new PutItemCommand({
          TableName,
          Item: toItem(attributes),
          ConditionExpression: NEWER_RECORD.ConditionExpression,
          ExpressionAttributeNames: NEWER_RECORD.names,
          ExpressionAttributeValues: NEWER_RECORD.values(version),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  };

  const parse = (items: readonly Item[], at: number): SharedRead => {
    const read: {
      -readonly [K in keyof SharedRead]: SharedRead[K];
    } & {
      attendees?: Map<string, CachedRecord<CachedAttendee>>;
      deleted?: Set<string>;
      stale?: Set<string>;
      names?: Map<string, string>;
    } = {};
    for (const raw of items) {
      const item: Record<string, unknown> = unmarshall(raw);
      const sort = text(item[SK]) ?? '';
      if (sort === SORT_KEYS.lease) {
        const owner = text(item.owner);
        const until = finite(item.leaseUntil);
        if (owner !== undefined && until !== undefined && until > at) {
          read.lease = { owner, until, failed: text(item.state) === 'failed' };
        }
        continue;
      }
      const expiresAt = finite(item.expiresAt);
      const version = finite(item.version) ?? finite(item.fetchedAt);
      if (expiresAt === undefined || version === undefined || expiresAt <= at) continue;
      const state = text(item.state);
      if (sort === SORT_KEYS.snapshot) {
        read.snapshot = { takenAt: version, expiresAt };
      } else if (sort === SORT_KEYS.meeting) {
        if (state === MARKER_STATES.deleted) {
          read.ended = true;
          continue;
        }
        const json = text(item.Meeting);
        if (state !== undefined || json === undefined) continue;
        try {
          const meeting: unknown = JSON.parse(json);
          if (typeof meeting === 'object' && meeting !== null) {
            read.meeting = { value: meeting as Meeting, version, expiresAt };
          }
        } catch {
          // An unreadable record is a miss.
        }
      } else if (sort.startsWith(SORT_KEYS.namePrefix)) {
        const name = text(item.Name);
        if (name === undefined) continue;
        read.names ??= new Map();
        read.names.set(sort.slice(SORT_KEYS.namePrefix.length), name);
      } else if (sort.startsWith(SORT_KEYS.attendeePrefix)) {
        const attendeeId = sort.slice(SORT_KEYS.attendeePrefix.length);
        if (state === MARKER_STATES.deleted) {
          read.deleted ??= new Set();
          read.deleted.add(attendeeId);
          continue;
        }
        if (state !== undefined) {
          read.stale ??= new Set();
          read.stale.add(attendeeId);
          continue;
        }
        const record = {
          value: {
            AttendeeId: text(item.AttendeeId),
            ExternalUserId: text(item.ExternalUserId),
            JoinToken: text(item.JoinToken),
            Capabilities: capabilitiesOf(item.Capabilities),
          },
          version,
          expiresAt,
        };
        read.attendee = record;
        read.attendees ??= new Map();
        read.attendees.set(attendeeId, record);
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

  /** A marker (tombstone or stale) in place of whatever is there; markers name nothing else. */
  const putMarker = async (
    meetingId: string,
    sort: string,
    state: string,
    version: number,
    condition?: typeof NEWER_RECORD,
  ) => {
    try {
      await client.send(
        new PutItemCommand({
          TableName,
          Item: toItem({ ...base(meetingId, sort, version), state }),
          ...(condition
            ? {
                ConditionExpression: condition.ConditionExpression,
                ExpressionAttributeNames: condition.names,
                ExpressionAttributeValues: condition.values(version),
              }
            : {}),
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  };

  return {
    async readAll(meetingId, signal) {
      const items: Item[] = [];
      let ExclusiveStartKey: Key | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': PK },
            ExpressionAttributeValues: marshall({ ':pk': meetingPartition(meetingId) }),
            ExclusiveStartKey,
          }),
          { abortSignal: signal },
        );
        items.push(...(page.Items ?? []));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return parse(items, now());
    },

    async read(meetingId, what, signal) {
      const keys: Key[] = [
        key(meetingId, SORT_KEYS.meeting),
        key(meetingId, SORT_KEYS.snapshot),
        key(meetingId, SORT_KEYS.lease),
      ];
      const ids = new Set(what.attendeeIds ?? []);
      if (what.attendeeId !== undefined) ids.add(what.attendeeId);
      for (const attendeeId of ids) keys.push(key(meetingId, attendeeSortKey(attendeeId)));
      if (what.attendeeId !== undefined) keys.push(key(meetingId, nameSortKey(what.attendeeId)));
      const output = await client.send(
        new BatchGetItemCommand({ RequestItems: { [TableName]: { Keys: keys } } }),
        { abortSignal: signal },
      );
      if ((output.UnprocessedKeys?.[TableName]?.Keys?.length ?? 0) > 0) {
        throw new Error('BatchGetItem left keys unprocessed');
      }
      const read = parse(output.Responses?.[TableName] ?? [], now());
      // `attendee` is the one asked for, not whichever record came last.
      return what.attendeeId === undefined
        ? { ...read, attendee: undefined }
        : { ...read, attendee: read.attendees?.get(what.attendeeId) };
    },

    async putAttendees(meetingId, attendees, version) {
      const items = attendees
        .filter((attendee) => typeof attendee.AttendeeId === 'string')
        .map((attendee) => attendeeItem(meetingId, attendee, version));
      let failed = 0;
      for (let start = 0; start < items.length; start += PUTS_IN_FLIGHT) {
        const outcomes = await Promise.allSettled(
          items.slice(start, start + PUTS_IN_FLIGHT).map((item) => putNewer(item, version)),
        );
        failed += outcomes.filter((outcome) => outcome.status === 'rejected').length;
      }
      if (failed > 0) throw new SnapshotWriteError(`${failed} of ${items.length} writes failed`);
    },

    async putMeeting(meetingId, meeting, version) {
      await putNewer(
        {
          ...base(meetingId, SORT_KEYS.meeting, version),
          Meeting: JSON.stringify(meeting),
        },
        version,
      );
    },

    async putName(meetingId, attendeeId, name, version) {
      await putNewer({ ...base(meetingId, nameSortKey(attendeeId), version), Name: name }, version);
    },

    async markSnapshot(meetingId, takenAt) {
      await putNewer(base(meetingId, SORT_KEYS.snapshot, takenAt), takenAt);
    },

    async acquireLease(meetingId, owner, durationMs) {
      const at = now();
      const until = at + durationMs;
      try {
        await client.send(
          new PutItemCommand({
            TableName,
            Item: toItem({
              ...keyOf(meetingId, SORT_KEYS.lease),
              owner,
              leaseUntil: until,
              [TTL]: ttlOf(until),
            }),
            ConditionExpression: 'attribute_not_exists(#pk) OR #until <= :now',
            ExpressionAttributeNames: { '#pk': PK, '#until': 'leaseUntil' },
            ExpressionAttributeValues: marshall({ ':now': at }),
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailed(error)) return false;
        throw error;
      }
    },

    async failLease(meetingId, owner, until) {
      try {
        await client.send(
          new PutItemCommand({
            TableName,
            Item: toItem({
              ...keyOf(meetingId, SORT_KEYS.lease),
              owner,
              leaseUntil: until,
              state: 'failed',
              [TTL]: ttlOf(until),
            }),
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: marshall({ ':owner': owner }),
          }),
        );
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    },

    async tombstoneAttendee(meetingId, attendeeId, version) {
      await putMarker(meetingId, attendeeSortKey(attendeeId), MARKER_STATES.deleted, version);
    },

    async markStale(meetingId, attendeeId, version) {
      await putMarker(
        meetingId,
        attendeeSortKey(attendeeId),
        MARKER_STATES.stale,
        version,
        NEWER_MARKER,
      );
    },

    async endMeeting(meetingId, version) {
      await putMarker(meetingId, SORT_KEYS.meeting, MARKER_STATES.deleted, version);
      const keys: Key[] = [];
      let ExclusiveStartKey: Key | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
            ExpressionAttributeValues: marshall({ ':pk': meetingPartition(meetingId) }),
            ProjectionExpression: '#pk, #sk',
            Select: 'SPECIFIC_ATTRIBUTES',
            ConsistentRead: true,
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) {
          if (item[SK]?.S === SORT_KEYS.meeting) continue;
          keys.push({ [PK]: item[PK] as AttributeValue, [SK]: item[SK] as AttributeValue });
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      await batchWrite(keys.map((Key) => ({ DeleteRequest: { Key } })));
      return keys.length;
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
