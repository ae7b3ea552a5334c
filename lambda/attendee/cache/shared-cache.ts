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
  attendeeFields,
  type CachedAttendee,
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
/** Attempts of one BatchWriteItem while items stay unprocessed, the first backoff doubled each time. */
const BATCH_ATTEMPTS = 5;
const BATCH_BACKOFF_MS = 25;
/** Conditional puts of one page in flight at once (each is its own PutItem). */
const PUTS_IN_FLIGHT = 25;

/**
 * The shared tier: one DynamoDB table (see `table-schema.ts`), or the container's memory when
 * there is no table (`memory-cache.ts`). Every record write is conditional on its version.
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
  /** Takes the meeting's snapshot lease unless another unexpired one holds; true when taken. */
  acquireLease(meetingId: string, owner: string, durationMs: number): Promise<boolean>;
  /** Marks `owner`'s lease (held until `until`) failed until it runs out (see `Lease`). */
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
  /** Waits between BatchWriteItem attempts. */
  readonly sleep?: (ms: number) => Promise<void>;
}

type Condition = Pick<
  PutItemCommandInput,
  'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
>;

/**
 * Only over nothing, or over an item of a lower version that is not a tombstone (an item of an
 * older schema, without a version, counts as older). A stale marker (`<=`) also wins over a
 * record of its own millisecond: the change it marks may have come after it.
 */
const newerThan = (operator: '<' | '<=', version: number): Condition => ({
  ConditionExpression: `attribute_not_exists(#pk) OR ((attribute_not_exists(#version) OR #version ${operator} :version) AND (attribute_not_exists(#state) OR #state <> :deleted))`,
  ExpressionAttributeNames: { '#pk': PK, '#version': 'version', '#state': 'state' },
  ExpressionAttributeValues: marshall({ ':version': version, ':deleted': MARKER_STATES.deleted }),
});

const isConditionFailed = (error: unknown) =>
  (error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException';

/**
 * Creates the shared cache over `tableName`. Every read checks `expiresAt` against the clock:
 * DynamoDB's TTL deletion is lazy, so an expired item may still be returned by the table.
 */
export function createSharedCache(options: SharedCacheOptions): SharedCache {
  const { client, tableName: TableName, ttlMs, now = Date.now, sleep = delay } = options;
  // A marker that expired at once would let the record it replaced be read as missing.
  if (!(ttlMs > 0)) throw new RangeError('ttlMs must be positive');

  /** A record or marker of `version`, expiring `ttlMs` after the later of it and now. */
  const stamped = (meetingId: string, sort: string, version: number, attributes = {}) => {
    const expiresAt = Math.max(version, now()) + ttlMs;
    return toItem(meetingId, sort, { version, expiresAt, ...attributes }, expiresAt);
  };

  /** A put, unless `condition` fails: then false (what is there wins). */
  const put = async (Item: Item, condition?: Condition): Promise<boolean> => {
    try {
      await client.send(new PutItemCommand({ TableName, Item, ...condition }));
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  };

  /** Every item of the meeting's partition, page by page. */
  const query = async (
    meetingId: string,
    input: Partial<QueryCommandInput>,
    signal?: AbortSignal,
  ) => {
    const items: Item[] = [];
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName,
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
  };

  /** Writes `requests` in batches of 25, retrying what DynamoDB leaves unprocessed. */
  const batchWrite = async (requests: readonly WriteRequest[]) => {
    for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
      let pending: WriteRequest[] = requests.slice(start, start + BATCH_WRITE_LIMIT);
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        if (attempt > BATCH_ATTEMPTS) {
          throw new SnapshotWriteError(`${pending.length} items stayed unprocessed`);
        }
        if (attempt > 1) await sleep(BATCH_BACKOFF_MS * 2 ** (attempt - 2));
        const output = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [TableName]: pending } }),
        );
        pending = output.UnprocessedItems?.[TableName] ?? [];
      }
    }
  };

  const putAttendees: SharedCache['putAttendees'] = async (meetingId, attendees, version) => {
    const items = attendees.flatMap(({ AttendeeId, ...fields }) => {
      if (typeof AttendeeId !== 'string') return [];
      const id = AttendeeId.toLowerCase();
      const attributes = attendeeFields({ ...fields, AttendeeId: id });
      return [stamped(meetingId, attendeeSortKey(id), version, attributes)];
    });
    let failed = 0;
    for (let start = 0; start < items.length; start += PUTS_IN_FLIGHT) {
      const outcomes = await Promise.allSettled(
        items
          .slice(start, start + PUTS_IN_FLIGHT)
          .map((item) => put(item, newerThan('<', version))),
      );
      failed += outcomes.filter((outcome) => outcome.status === 'rejected').length;
    }
    if (failed > 0) throw new SnapshotWriteError(`${failed} of ${items.length} writes failed`);
  };

  const endMeeting: SharedCache['endMeeting'] = async (meetingId, version) => {
    await put(stamped(meetingId, SORT_KEYS.meeting, version, { state: MARKER_STATES.deleted }));
    const items = await query(meetingId, {
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ProjectionExpression: '#pk, #sk',
      Select: 'SPECIFIC_ATTRIBUTES',
      ConsistentRead: true,
    });
    // Keys only (the projection): each item is its own key.
    const keys = items.filter((item) => item[SK]?.S !== SORT_KEYS.meeting);
    await batchWrite(keys.map((Key) => ({ DeleteRequest: { Key } })));
    return keys.length;
  };

  return {
    async readAll(meetingId, signal) {
      const items = await query(meetingId, { ExpressionAttributeNames: { '#pk': PK } }, signal);
      return parseItems(items, now());
    },

    async read(meetingId, what, signal) {
      const sorts: string[] = [SORT_KEYS.meeting, SORT_KEYS.snapshot, SORT_KEYS.lease];
      const ids = new Set(what.attendeeIds);
      if (what.attendeeId !== undefined) ids.add(what.attendeeId);
      for (const attendeeId of ids) sorts.push(attendeeSortKey(attendeeId));
      if (what.attendeeId !== undefined) sorts.push(nameSortKey(what.attendeeId));
      const Keys = sorts.map((sort) => marshall(keyOf(meetingId, sort)));
      const output = await client.send(
        new BatchGetItemCommand({ RequestItems: { [TableName]: { Keys } } }),
        { abortSignal: signal },
      );
      if ((output.UnprocessedKeys?.[TableName]?.Keys?.length ?? 0) > 0) {
        throw new Error('BatchGetItem left keys unprocessed');
      }
      return parseItems(output.Responses?.[TableName] ?? [], now());
    },

    putAttendees,

    async putMeeting(meetingId, meeting, version) {
      const item = stamped(meetingId, SORT_KEYS.meeting, version, {
        Meeting: JSON.stringify(meeting),
      });
      await put(item, newerThan('<', version));
    },

    async putName(meetingId, attendeeId, Name, version) {
      await put(
        stamped(meetingId, nameSortKey(attendeeId), version, { Name }),
        newerThan('<', version),
      );
    },

    async markSnapshot(meetingId, takenAt) {
      await put(stamped(meetingId, SORT_KEYS.snapshot, takenAt), newerThan('<', takenAt));
    },

    async acquireLease(meetingId, owner, durationMs) {
      const at = now();
      const until = at + durationMs;
      return put(toItem(meetingId, SORT_KEYS.lease, { owner, leaseUntil: until }, until), {
        ConditionExpression: 'attribute_not_exists(#pk) OR #until <= :now',
        ExpressionAttributeNames: { '#pk': PK, '#until': 'leaseUntil' },
        ExpressionAttributeValues: marshall({ ':now': at }),
      });
    },

    async failLease(meetingId, owner, until) {
      const attributes = { owner, leaseUntil: until, state: 'failed' };
      await put(toItem(meetingId, SORT_KEYS.lease, attributes, until), {
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: marshall({ ':owner': owner }),
      });
    },

    async tombstoneAttendee(meetingId, attendeeId, version) {
      const state = MARKER_STATES.deleted;
      await put(stamped(meetingId, attendeeSortKey(attendeeId), version, { state }));
    },

    async markStale(meetingId, attendeeId, version) {
      const state = MARKER_STATES.stale;
      const item = stamped(meetingId, attendeeSortKey(attendeeId), version, { state });
      await put(item, newerThan('<=', version));
    },

    endMeeting,
  };
}
