import type { Meeting } from '@aws-sdk/client-chime-sdk-meetings';
import { LRUCache } from 'lru-cache';
import type { CachedAttendee, CachedRecord, Lease, SharedRead } from './item-codec';
import type { SharedCache } from './shared-cache';

/** Options of {@link createMemoryCache}. */
export interface MemoryCacheOptions {
  /** How long a record is served: with no table and no events, the freshness bound itself. */
  readonly ttlMs: number;
  /** Items kept at most; the least recently written goes first. */
  readonly maxEntries: number;
  /** Epoch milliseconds. */
  readonly now?: () => number;
}

/** An item as the table holds it: a record (`value`), a marker (`state`), or the lease. */
interface Item {
  readonly version: number;
  readonly expiresAt: number;
  readonly value?: unknown;
  readonly state?: 'deleted' | 'stale';
  readonly lease?: Lease;
}

const MEETING = 'meeting';
const SNAPSHOT = 'snapshot';
const LEASE = 'lease';
const attendeeSort = (attendeeId: string) => `attendee/${attendeeId}`;
const nameSort = (attendeeId: string) => `name/${attendeeId}`;

/** The items of one container, keyed as the table's (meeting, sort key). */
function createItems(maxEntries: number, now: () => number) {
  // Reads use `peek`: only a write moves an item up the eviction order.
  const items = new LRUCache<string, Item>({ max: maxEntries });
  const keyOf = (meetingId: string, sort: string) => `${meetingId}/${sort}`;
  const get = (meetingId: string, sort: string): Item | undefined => {
    const key = keyOf(meetingId, sort);
    const item = items.peek(key);
    if (!item || item.expiresAt > now()) return item;
    items.delete(key);
    return undefined;
  };
  const set = (meetingId: string, sort: string, item: Item) => {
    items.set(keyOf(meetingId, sort), item);
  };
  /** The keys of the meeting's items whose sort key starts with `prefix`, by the rest. */
  const sorted = (meetingId: string, prefix: string) => {
    const start = keyOf(meetingId, prefix);
    return [...items.keys()]
      .filter((key) => key.startsWith(start))
      .map((key) => key.slice(start.length));
  };
  /** Drops the meeting's items but its own; returns how many. */
  const drop = (meetingId: string) => {
    const own = keyOf(meetingId, MEETING);
    const others = sorted(meetingId, '').filter((sort) => keyOf(meetingId, sort) !== own);
    for (const sort of others) items.delete(keyOf(meetingId, sort));
    return others.length;
  };
  return { get, set, sorted, drop };
}

type Items = ReturnType<typeof createItems>;

/**
 * What a read finds of the meeting, of `attendeeIds` and of the names of `nameIds`; records
 * are the items themselves (`value`, `version`, `expiresAt`).
 */
function readOf(
  items: Items,
  meetingId: string,
  attendeeIds: Iterable<string>,
  nameIds: Iterable<string>,
): SharedRead {
  const meeting = items.get(meetingId, MEETING);
  const snapshot = items.get(meetingId, SNAPSHOT);
  const lease = items.get(meetingId, LEASE)?.lease;
  const attendees = new Map<string, CachedRecord<CachedAttendee>>();
  const deleted = new Set<string>();
  const stale = new Set<string>();
  const names = new Map<string, string>();
  for (const attendeeId of attendeeIds) {
    const item = items.get(meetingId, attendeeSort(attendeeId));
    if (item?.state === 'deleted') deleted.add(attendeeId);
    else if (item?.state === 'stale') stale.add(attendeeId);
    else if (item) attendees.set(attendeeId, item as CachedRecord<CachedAttendee>);
  }
  for (const attendeeId of nameIds) {
    const name = items.get(meetingId, nameSort(attendeeId))?.value;
    if (typeof name === 'string') names.set(attendeeId, name);
  }
  return {
    ...(meeting?.state === 'deleted' ? { ended: true } : {}),
    ...(meeting && !meeting.state ? { meeting: meeting as CachedRecord<Meeting> } : {}),
    ...(snapshot ? { snapshot: { takenAt: snapshot.version, expiresAt: snapshot.expiresAt } } : {}),
    ...(lease ? { lease } : {}),
    ...(attendees.size > 0 ? { attendees } : {}),
    ...(deleted.size > 0 ? { deleted } : {}),
    ...(stale.size > 0 ? { stale } : {}),
    ...(names.size > 0 ? { names } : {}),
  };
}

/**
 * The shared tier of a container without the table: the same records, markers, snapshot and
 * lease as the table holds (`shared-cache.ts`), in this container's memory, so that a hot meeting
 * is listed once per container instead of costing a GetAttendee per attendee. Nothing tells it
 * of Chime's changes (there is no table for the events to reach): `ttlMs` is its freshness bound.
 */
export function createMemoryCache(options: MemoryCacheOptions): SharedCache {
  const { ttlMs, now = Date.now } = options;
  const items = createItems(options.maxEntries, now);
  const stamp = (version: number, value?: unknown, state?: Item['state']): Item => ({
    value,
    version,
    expiresAt: Math.max(version, now()) + ttlMs,
    ...(state ? { state } : {}),
  });
  /** The table's conditional write: over nothing, or an older item that is not a tombstone. */
  const putNewer = (meetingId: string, sort: string, item: Item) => {
    const there = items.get(meetingId, sort);
    if (there?.state === 'deleted') return;
    if (
      there &&
      (item.state === 'stale' ? there.version > item.version : there.version >= item.version)
    )
      return;
    items.set(meetingId, sort, item);
  };
  const lease = (meetingId: string, owner: string, until: number, failed: boolean) =>
    items.set(meetingId, LEASE, { version: 0, expiresAt: until, lease: { owner, until, failed } });

  return {
    async readAll(meetingId) {
      const ids = (prefix: string) => items.sorted(meetingId, prefix);
      return readOf(items, meetingId, ids(attendeeSort('')), ids(nameSort('')));
    },
    async read(meetingId, { attendeeId, attendeeIds = [] }) {
      const asked = attendeeId === undefined ? [] : [attendeeId];
      return readOf(items, meetingId, new Set([...attendeeIds, ...asked]), asked);
    },
    async putAttendees(meetingId, attendees, version) {
      for (const attendee of attendees) {
        if (typeof attendee.AttendeeId !== 'string') continue;
        putNewer(
          meetingId,
          attendeeSort(attendee.AttendeeId.toLowerCase()),
          stamp(version, attendee),
        );
      }
    },
    async putMeeting(meetingId, meeting, version) {
      putNewer(meetingId, MEETING, stamp(version, meeting));
    },
    async putName(meetingId, attendeeId, name, version) {
      putNewer(meetingId, nameSort(attendeeId), stamp(version, name));
    },
    async markSnapshot(meetingId, takenAt) {
      putNewer(meetingId, SNAPSHOT, stamp(takenAt));
    },
    async acquireLease(meetingId, owner, durationMs) {
      if (items.get(meetingId, LEASE)) return false;
      lease(meetingId, owner, now() + durationMs, false);
      return true;
    },
    async failLease(meetingId, owner, until) {
      if (items.get(meetingId, LEASE)?.lease?.owner === owner) lease(meetingId, owner, until, true);
    },
    async tombstoneAttendee(meetingId, attendeeId, version) {
      items.set(meetingId, attendeeSort(attendeeId), stamp(version, undefined, 'deleted'));
    },
    async markStale(meetingId, attendeeId, version) {
      putNewer(meetingId, attendeeSort(attendeeId), stamp(version, undefined, 'stale'));
    },
    async endMeeting(meetingId, version) {
      const removed = items.drop(meetingId);
      items.set(meetingId, MEETING, stamp(version, undefined, 'deleted'));
      return removed;
    },
  };
}
