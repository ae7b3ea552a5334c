import { setTimeout as delay } from 'node:timers/promises';
import type { Meeting } from '@aws-sdk/client-chime-sdk-meetings';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
  type QueryCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import {
  type Attributes,
  type CachedAttendee,
  createItemWriter,
  type Item,
  keyOf,
  MARKER_STATES,
  PK,
  parseItems,
  type SharedRead,
  SK,
  toItem,
} from './item-codec';
import { attendeeSortKey, meetingPartition, nameSortKey, SORT_KEYS } from './table-schema';

/** BatchWriteItem takes at most 25 requests (DynamoDB API Reference, BatchWriteItem). */
const BATCH_WRITE_LIMIT = 25;
/** Attempts of a BatchWriteItem while items stay unprocessed; the backoff doubles each time. */
const BATCH_ATTEMPTS = 5;
const BATCH_BACKOFF_MS = 25;
/** Conditional puts of one page in flight at once (each is its own PutItem). */
const PUTS_IN_FLIGHT = 25;

/**
 * The shared tier: one DynamoDB table (see `table-schema.ts`), or the container's memory when
 * there is no table (`memory-cache.ts`). Every record write is conditional on its version: it
 * replaces only an older record (a stale marker: one of its own millisecond too), never a
 * tombstone. Markers of `version` and records expire `ttlMs` after the later of it and now.
 */
export interface SharedCache {
  /** Reads everything the table holds of a meeting (one Query): the roster's read. */
  readAll(meetingId: string, signal?: AbortSignal): Promise<SharedRead>;
  /**
   * Reads the meeting's record, tombstone, snapshot marker and lease, the attendees asked for
   * (at most 96: one BatchGetItem) and the name of `attendeeId`, at once.
   */
  read(
    meetingId: string,
    what: { readonly attendeeId?: string; readonly attendeeIds?: readonly string[] },
    signal?: AbortSignal,
  ): Promise<SharedRead>;
  /** Throws a {@link SnapshotWriteError} when any write failed but by its condition. */
  putAttendees(
    meetingId: string,
    attendees: readonly CachedAttendee[],
    version: number,
  ): Promise<void>;
  putMeeting(meetingId: string, meeting: Meeting, version: number): Promise<void>;
  /** Records the display name of an attendee's owner. */
  putName(meetingId: string, attendeeId: string, name: string, version: number): Promise<void>;
  /** Marks a complete snapshot taken at `takenAt`. */
  markSnapshot(meetingId: string, takenAt: number): Promise<void>;
  /** Takes the meeting's snapshot lease unless another unexpired one holds; true when taken. */
  acquireLease(meetingId: string, owner: string, durationMs: number): Promise<boolean>;
  /** Marks `owner`'s lease (held until `until`) failed until it runs out (see `Lease`). */
  failLease(meetingId: string, owner: string, until: number): Promise<void>;
  /** Chime deleted the attendee: a tombstone that no record write replaces. */
  tombstoneAttendee(meetingId: string, attendeeId: string, version: number): Promise<void>;
  /** The attendee changed (capabilities): its record goes; older writes cannot bring it back. */
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
  /** Waits between BatchWriteItem attempts. */
  readonly sleep?: (ms: number) => Promise<void>;
}

type Condition = Pick<
  PutItemCommandInput,
  'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
>;

/** The record write's condition (an item of an older schema, without a version, is older). */
const newerThan = (operator: '<' | '<=', version: number): Condition => ({
  ConditionExpression: `attribute_not_exists(#pk) OR ((attribute_not_exists(#version) OR #version ${operator} :version) AND (attribute_not_exists(#state) OR #state <> :deleted))`,
  ExpressionAttributeNames: { '#pk': PK, '#version': 'version', '#state': 'state' },
  ExpressionAttributeValues: marshall({ ':version': version, ':deleted': MARKER_STATES.deleted }),
});

type Table = Required<SharedCacheOptions>;

/** A put, unless `condition` fails: then false (what is there wins). */
async function put({ client, tableName }: Table, Item: Item, condition?: Condition) {
  try {
    await client.send(new PutItemCommand({ TableName: tableName, Item, ...condition }));
    return true;
  } catch (error) {
    if ((error as { name?: unknown }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** Every item of the meeting's partition, page by page. */
async function query(
  { client, tableName }: Table,
  meetingId: string,
  input: Partial<QueryCommandInput>,
  signal?: AbortSignal,
) {
  const items: Item[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeValues: marshall({ ':pk': meetingPartition(meetingId) }),
        ...input,
        ExclusiveStartKey,
      }),
      signal ? { abortSignal: signal } : {},
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/** Deletes `keys` in batches of 25, retrying what DynamoDB leaves unprocessed. */
async function deleteAll({ client, tableName, sleep }: Table, keys: readonly Item[]) {
  for (let start = 0; start < keys.length; start += BATCH_WRITE_LIMIT) {
    let pending: WriteRequest[] = keys
      .slice(start, start + BATCH_WRITE_LIMIT)
      .map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > BATCH_ATTEMPTS) {
        throw new SnapshotWriteError(`${pending.length} items stayed unprocessed`);
      }
      if (attempt > 1) await sleep(BATCH_BACKOFF_MS * 2 ** (attempt - 2));
      const output = await client.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = output.UnprocessedItems?.[tableName] ?? [];
    }
  }
}

/** Writes each record with a conditional put of its own, 25 in flight. */
async function putAll(table: Table, items: readonly Item[], version: number) {
  let failed = 0;
  for (let start = 0; start < items.length; start += PUTS_IN_FLIGHT) {
    const puts = items.slice(start, start + PUTS_IN_FLIGHT);
    const outcomes = await Promise.allSettled(
      puts.map((item) => put(table, item, newerThan('<', version))),
    );
    failed += outcomes.filter((outcome) => outcome.status === 'rejected').length;
  }
  if (failed > 0) throw new SnapshotWriteError(`${failed} of ${items.length} writes failed`);
}

/**
 * Creates the shared cache over `tableName`. Every read checks `expiresAt` against the clock:
 * DynamoDB's TTL deletion is lazy, so an expired item may still be returned by the table.
 */
export function createSharedCache(options: SharedCacheOptions): SharedCache {
  const table: Table = { now: Date.now, sleep: delay, ...options };
  const { now, ttlMs, tableName } = table;
  // A marker that expired at once would let the record it replaced be read as missing.
  if (!(ttlMs > 0)) throw new RangeError('ttlMs must be positive');
  const write = createItemWriter(ttlMs, now);
  const newer = (item: Attributes, version: number, operator: '<' | '<=' = '<') =>
    put(table, toItem(item), newerThan(operator, version));
  const { deleted, stale } = MARKER_STATES;

  return {
    async readAll(meetingId, signal) {
      const input = { ExpressionAttributeNames: { '#pk': PK } };
      return parseItems(await query(table, meetingId, input, signal), now());
    },
    async read(meetingId, what, signal) {
      const Keys = sortKeysOf(what).map((sort) => toItem(keyOf(meetingId, sort)));
      const output = await table.client.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys } } }),
        { abortSignal: signal },
      );
      if ((output.UnprocessedKeys?.[tableName]?.Keys?.length ?? 0) > 0) {
        throw new Error('BatchGetItem left keys unprocessed');
      }
      return parseItems(output.Responses?.[tableName] ?? [], now());
    },
    async putAttendees(meetingId, attendees, version) {
      const items = attendees.flatMap(({ AttendeeId, ...fields }) =>
        typeof AttendeeId === 'string'
          ? [toItem(write.attendee(meetingId, { ...fields, AttendeeId }, version))]
          : [],
      );
      await putAll(table, items, version);
    },
    async putMeeting(meetingId, meeting, version) {
      await newer(write.meeting(meetingId, meeting, version), version);
    },
    async putName(meetingId, attendeeId, name, version) {
      await newer(write.name(meetingId, attendeeId, name, version), version);
    },
    async markSnapshot(meetingId, takenAt) {
      await newer(write.snapshot(meetingId, takenAt), takenAt);
    },
    acquireLease(meetingId, owner, durationMs) {
      const at = now();
      return put(table, toItem(write.lease(meetingId, owner, at + durationMs)), {
        ConditionExpression: 'attribute_not_exists(#pk) OR #until <= :now',
        ExpressionAttributeNames: { '#pk': PK, '#until': 'leaseUntil' },
        ExpressionAttributeValues: marshall({ ':now': at }),
      });
    },
    async failLease(meetingId, owner, until) {
      await put(table, toItem(write.lease(meetingId, owner, until, 'failed')), {
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: marshall({ ':owner': owner }),
      });
    },
    async tombstoneAttendee(meetingId, attendeeId, version) {
      const sort = attendeeSortKey(attendeeId);
      await put(table, toItem(write.marker(meetingId, sort, deleted, version)));
    },
    async markStale(meetingId, attendeeId, version) {
      const sort = attendeeSortKey(attendeeId);
      await newer(write.marker(meetingId, sort, stale, version), version, '<=');
    },
    async endMeeting(meetingId, version) {
      await put(table, toItem(write.marker(meetingId, SORT_KEYS.meeting, deleted, version)));
      const items = await query(table, meetingId, {
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ProjectionExpression: '#pk, #sk',
        Select: 'SPECIFIC_ATTRIBUTES',
        ConsistentRead: true,
      });
      // Keys only (the projection): each item is its own key.
      const keys = items.filter((item) => item[SK]?.S !== SORT_KEYS.meeting);
      await deleteAll(table, keys);
      return keys.length;
    },
  };
}

/** The sort keys a {@link SharedCache.read} reads: the meeting's own, the attendees', a name. */
export function sortKeysOf({ attendeeId, attendeeIds = [] }: Parameters<SharedCache['read']>[1]) {
  const asked = attendeeId === undefined ? [] : [attendeeId];
  return [
    SORT_KEYS.meeting,
    SORT_KEYS.snapshot,
    SORT_KEYS.lease,
    ...new Set([...attendeeIds, ...asked].map(attendeeSortKey)),
    ...asked.map(nameSortKey),
  ];
}
