import { setTimeout as delay } from 'node:timers/promises';
import type { Meeting } from '@aws-sdk/client-chime-sdk-meetings';
import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type Attributes,
  type CachedAttendee,
  cachedAttendee,
  MARKER_STATES,
  PK,
  readOf,
  type SharedRead,
  SK,
} from './item-codec';
import {
  attendeeSortKey,
  CACHE_TABLE_SCHEMA,
  meetingPartition,
  nameSortKey,
  SORT_KEYS,
} from './table-schema';

const BATCH_WRITE_LIMIT = 25;
/** While items stay unprocessed; the backoff doubles each time. */
const BATCH_ATTEMPTS = 5;
const BATCH_BACKOFF_MS = 25;
/** Conditional PutItems of one page in flight at once. */
const PUTS_IN_FLIGHT = 25;

/** A write of a snapshot or record failed (other than being older than what is there). */
export class SnapshotWriteError extends Error {
  override readonly name = 'SnapshotWriteError';
}

/** A put's condition for DynamoDB, and the same test (`allows`) for the memory tier. */
interface Condition {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Attributes;
  readonly allows: (there: Attributes | undefined) => boolean;
}

/**
 * Over nothing, or an older item but a tombstone (an item without a version is older). AND binds
 * tighter than OR (DynamoDB Developer Guide, "Precedence in conditions"), so the AND needs no
 * parentheses of its own: each level costs dynalite's parser a backtrack on every write.
 */
const newerThan = (version: number, orEqual: boolean): Condition => ({
  expression: `attribute_not_exists(#pk) OR (attribute_not_exists(#version) OR #version ${orEqual ? '<=' : '<'} :version) AND (attribute_not_exists(#state) OR #state <> :deleted)`,
  names: { '#pk': PK, '#version': 'version', '#state': 'state' },
  values: { ':version': version, ':deleted': MARKER_STATES.deleted },
  allows: (there) =>
    there === undefined ||
    (there.state !== MARKER_STATES.deleted &&
      (orEqual ? there.version <= version : there.version < version)),
});

const leaseFree = (at: number): Condition => ({
  expression: 'attribute_not_exists(#pk) OR #until <= :now',
  names: { '#pk': PK, '#until': 'leaseUntil' },
  values: { ':now': at },
  // An unexpired lease is held.
  allows: (there) => there === undefined,
});

const leaseOwner = (owner: string): Condition => ({
  expression: '#owner = :owner',
  names: { '#owner': 'owner' },
  values: { ':owner': owner },
  allows: (there) => there?.owner === owner,
});

interface ItemStore {
  /** False when `condition` failed. */
  put(item: Attributes, condition?: Condition): Promise<boolean>;
  get(meetingId: string, sorts: readonly string[], signal?: AbortSignal): Promise<Attributes[]>;
  query(meetingId: string, signal?: AbortSignal): Promise<Attributes[]>;
  /** Deletes every item of the meeting but its own; returns how many. */
  clear(meetingId: string): Promise<number>;
}

type Wanted = { readonly attendeeId?: string; readonly attendeeIds?: readonly string[] };

function sortKeysOf({ attendeeId, attendeeIds = [] }: Wanted) {
  const asked = attendeeId === undefined ? [] : [attendeeId];
  return [
    SORT_KEYS.meeting,
    SORT_KEYS.snapshot,
    SORT_KEYS.lease,
    ...new Set([...attendeeIds, ...asked].map(attendeeSortKey)),
    ...asked.map(nameSortKey),
  ];
}

/**
 * Over a DynamoDB table or a container's memory (`memory-cache.ts`): a record write replaces only
 * an older record (a stale marker: one as old too), never a tombstone.
 */
export function sharedCacheOver(store: ItemStore, ttlMs: number, now: () => number) {
  // A marker that expired at once would let the record it replaced be read as missing.
  if (!(ttlMs > 0)) throw new RangeError('ttlMs must be positive');
  const itemOf = (meetingId: string, sort: string, attributes: Attributes, expiresAt: number) => ({
    [PK]: meetingPartition(meetingId),
    [SK]: sort,
    ...attributes,
    [CACHE_TABLE_SCHEMA.timeToLiveAttribute]: Math.ceil(expiresAt / 1000),
  });
  const stamped = (meetingId: string, sort: string, version: number, attributes = {}) => {
    const expiresAt = Math.max(version, now()) + ttlMs;
    return itemOf(meetingId, sort, { version, expiresAt, ...attributes }, expiresAt);
  };
  const lease = (meetingId: string, owner: string, until: number, state?: 'failed') =>
    itemOf(meetingId, SORT_KEYS.lease, { owner, leaseUntil: until, state }, until);
  const newer = async (
    meetingId: string,
    sort: string,
    version: number,
    attributes: Attributes = {},
    orEqual = false,
  ) => {
    await store.put(stamped(meetingId, sort, version, attributes), newerThan(version, orEqual));
  };
  const { deleted, stale } = MARKER_STATES;
  return {
    /** The roster's read: one Query. */
    readAll: async (meetingId: string, signal?: AbortSignal): Promise<SharedRead> =>
      readOf(await store.query(meetingId, signal), now()),
    /** The meeting's items, the attendees asked for (96 at most) and the name of `attendeeId`. */
    read: async (meetingId: string, what: Wanted, signal?: AbortSignal): Promise<SharedRead> =>
      readOf(await store.get(meetingId, sortKeysOf(what), signal), now()),
    /** Throws a {@link SnapshotWriteError} when any write failed but by its condition. */
    async putAttendees(meetingId: string, attendees: readonly CachedAttendee[], version: number) {
      const records = attendees.flatMap((attendee) => {
        const AttendeeId = attendee.AttendeeId?.toLowerCase();
        return AttendeeId ? [{ ...cachedAttendee(attendee), AttendeeId }] : [];
      });
      let failed = 0;
      for (let start = 0; start < records.length; start += PUTS_IN_FLIGHT) {
        const puts = records
          .slice(start, start + PUTS_IN_FLIGHT)
          .map((record) => newer(meetingId, attendeeSortKey(record.AttendeeId), version, record));
        const outcomes = await Promise.allSettled(puts);
        failed += outcomes.filter((outcome) => outcome.status === 'rejected').length;
      }
      if (failed > 0) throw new SnapshotWriteError(`${failed} of ${records.length} writes failed`);
    },
    putMeeting: (meetingId: string, meeting: Meeting, version: number) =>
      newer(meetingId, SORT_KEYS.meeting, version, { Meeting: JSON.stringify(meeting) }),
    putName: (meetingId: string, attendeeId: string, Name: string, version: number) =>
      newer(meetingId, nameSortKey(attendeeId), version, { Name }),
    markSnapshot: (meetingId: string, takenAt: number) =>
      newer(meetingId, SORT_KEYS.snapshot, takenAt),
    /** True when no other unexpired lease held the meeting's. */
    acquireLease(meetingId: string, owner: string, durationMs: number): Promise<boolean> {
      const at = now();
      return store.put(lease(meetingId, owner, at + durationMs), leaseFree(at));
    },
    async failLease(meetingId: string, owner: string, until: number) {
      await store.put(lease(meetingId, owner, until, 'failed'), leaseOwner(owner));
    },
    /** Chime deleted the attendee: a tombstone that no record write replaces. */
    async tombstoneAttendee(meetingId: string, attendeeId: string, version: number) {
      await store.put(stamped(meetingId, attendeeSortKey(attendeeId), version, { state: deleted }));
    },
    markStale: (meetingId: string, attendeeId: string, version: number) =>
      newer(meetingId, attendeeSortKey(attendeeId), version, { state: stale }, true),
    /** A tombstone, then the meeting's other items deleted; returns how many. */
    async endMeeting(meetingId: string, version: number): Promise<number> {
      await store.put(stamped(meetingId, SORT_KEYS.meeting, version, { state: deleted }));
      return store.clear(meetingId);
    },
  };
}

/** The shared cache over `tableName`. */
export function createSharedCache(options: {
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  /** How long a record (or a tombstone) may be served after it was written. */
  readonly ttlMs: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}) {
  const { client, tableName, sleep = delay } = options;
  const pages = async (
    meetingId: string,
    input: Partial<QueryCommandInput>,
    signal?: AbortSignal,
  ) => {
    const items: Attributes[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeValues: marshall({ ':pk': meetingPartition(meetingId) }),
          ...input,
          ExclusiveStartKey,
        }),
        { abortSignal: signal },
      );
      items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  };
  const store: ItemStore = {
    async put(attributes, condition) {
      const Item = marshall(attributes, { removeUndefinedValues: true });
      const expression = condition && {
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: condition.names,
        ExpressionAttributeValues: marshall(condition.values),
      };
      try {
        await client.send(new PutItemCommand({ TableName: tableName, Item, ...expression }));
        return true;
      } catch (error) {
        if ((error as { name?: unknown }).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },
    async get(meetingId, sorts, signal) {
      const Keys = sorts.map((sort) => marshall({ [PK]: meetingPartition(meetingId), [SK]: sort }));
      const output = await client.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys } } }),
        { abortSignal: signal },
      );
      if ((output.UnprocessedKeys?.[tableName]?.Keys?.length ?? 0) > 0) {
        throw new Error('BatchGetItem left keys unprocessed');
      }
      return (output.Responses?.[tableName] ?? []).map((item) => unmarshall(item));
    },
    query: (meetingId, signal) =>
      pages(meetingId, { ExpressionAttributeNames: { '#pk': PK } }, signal),
    async clear(meetingId) {
      const items = await pages(meetingId, {
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ProjectionExpression: '#pk, #sk',
        Select: 'SPECIFIC_ATTRIBUTES',
        ConsistentRead: true,
      });
      // Projected to its keys: each item is its own key.
      const keys = items.filter((item) => item[SK] !== SORT_KEYS.meeting);
      for (let start = 0; start < keys.length; start += BATCH_WRITE_LIMIT) {
        let pending: WriteRequest[] = keys
          .slice(start, start + BATCH_WRITE_LIMIT)
          .map((key) => ({ DeleteRequest: { Key: marshall(key) } }));
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
      return keys.length;
    },
  };
  return sharedCacheOver(store, options.ttlMs, options.now ?? Date.now);
}

export type SharedCache = ReturnType<typeof sharedCacheOver>;
