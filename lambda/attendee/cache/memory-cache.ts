import { LRUCache } from 'lru-cache';
import {
  type Attributes,
  createItemWriter,
  MARKER_STATES,
  PK,
  readOf,
  SK,
} from '../../common/table/item-codec';
import { type SharedCache, sortKeysOf } from '../../common/table/shared-cache';
import { attendeeSortKey, meetingPartition, SORT_KEYS } from '../../common/table/table-schema';

/** Options of {@link createMemoryCache}. */
export interface MemoryCacheOptions {
  /** How long a record is served: with no table and no events, the freshness bound itself. */
  readonly ttlMs: number;
  /** Items kept at most; the least recently written goes first. */
  readonly maxEntries: number;
  /** Epoch milliseconds. */
  readonly now?: () => number;
}

const keyOf = (meetingId: string, sort: string) => `${meetingPartition(meetingId)}\n${sort}`;
const keyOfItem = (item: Attributes) => `${item[PK]}\n${item[SK]}`;

/**
 * The shared tier of a container without the table: the items the table would hold
 * (`item-codec.ts`), with its conditional writes, in this container's memory, so that a hot
 * meeting is listed once per container instead of costing a GetAttendee per attendee. Nothing
 * tells it of Chime's changes (there is no table for the events to reach): `ttlMs` is its
 * freshness bound, and an expired item is gone, not merely hidden.
 */
export function createMemoryCache({ ttlMs, maxEntries, now = Date.now }: MemoryCacheOptions) {
  // Reads use `peek`: only a write moves an item up the eviction order.
  const items = new LRUCache<string, Attributes>({ max: maxEntries });
  const write = createItemWriter(ttlMs, now);
  const live = (key: string) => {
    const item = items.peek(key);
    if (item && !((item.expiresAt ?? item.leaseUntil) > now())) items.delete(key);
    else return item;
  };
  const set = (item: Attributes) => {
    items.set(keyOfItem(item), item);
  };
  /** The table's conditional record write: over nothing, or an older item but a tombstone. */
  const putNewer = (item: Attributes, orEqual = false) => {
    const there = live(keyOfItem(item));
    if (there?.state === MARKER_STATES.deleted) return;
    if (there && !(orEqual ? there.version <= item.version : there.version < item.version)) return;
    set(item);
  };
  /** The keys of the meeting's items, the meeting's own first. */
  const keysOf = (meetingId: string) => {
    const start = keyOf(meetingId, '');
    return [...items.keys()].filter((key) => key.startsWith(start));
  };
  const found = (keys: readonly string[]) =>
    readOf(
      keys.flatMap((key) => live(key) ?? []),
      now(),
    );

  const cache: SharedCache = {
    readAll: async (meetingId) => found(keysOf(meetingId)),
    read: async (meetingId, what) => found(sortKeysOf(what).map((sort) => keyOf(meetingId, sort))),
    async putAttendees(meetingId, attendees, version) {
      for (const { AttendeeId, ...fields } of attendees) {
        if (typeof AttendeeId === 'string') {
          putNewer(write.attendee(meetingId, { ...fields, AttendeeId }, version));
        }
      }
    },
    putMeeting: async (meetingId, meeting, version) =>
      putNewer(write.meeting(meetingId, meeting, version)),
    putName: async (meetingId, attendeeId, name, version) =>
      putNewer(write.name(meetingId, attendeeId, name, version)),
    markSnapshot: async (meetingId, takenAt) => putNewer(write.snapshot(meetingId, takenAt)),
    async acquireLease(meetingId, owner, durationMs) {
      if (live(keyOf(meetingId, SORT_KEYS.lease))) return false;
      set(write.lease(meetingId, owner, now() + durationMs));
      return true;
    },
    async failLease(meetingId, owner, until) {
      if (live(keyOf(meetingId, SORT_KEYS.lease))?.owner === owner) {
        set(write.lease(meetingId, owner, until, 'failed'));
      }
    },
    tombstoneAttendee: async (meetingId, attendeeId, version) =>
      set(write.marker(meetingId, attendeeSortKey(attendeeId), MARKER_STATES.deleted, version)),
    markStale: async (meetingId, attendeeId, version) =>
      putNewer(
        write.marker(meetingId, attendeeSortKey(attendeeId), MARKER_STATES.stale, version),
        true,
      ),
    async endMeeting(meetingId, version) {
      const own = keyOf(meetingId, SORT_KEYS.meeting);
      const others = keysOf(meetingId).filter((key) => key !== own);
      for (const key of others) items.delete(key);
      set(write.marker(meetingId, SORT_KEYS.meeting, MARKER_STATES.deleted, version));
      return others.length;
    },
  };
  return cache;
}
