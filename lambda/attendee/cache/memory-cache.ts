import type { Meeting } from '@aws-sdk/client-chime-sdk-meetings';
import { LRUCache } from 'lru-cache';
import type {
  CachedAttendee,
  CachedRecord,
  Lease,
  SharedCache,
  SharedRead,
  SnapshotMarker,
} from './shared-cache';

/** Options of {@link createMemoryCache}. */
export interface MemoryCacheOptions {
  /** How long a record is served: with no table and no events, the freshness bound itself. */
  readonly ttlMs: number;
  /** Items kept at most; the least recently written goes first. */
  readonly maxEntries: number;
  /** Epoch milliseconds. */
  readonly now?: () => number;
}

type Item =
  | { readonly kind: 'attendee'; readonly record: CachedRecord<CachedAttendee> }
  | { readonly kind: 'meeting'; readonly record: CachedRecord<Meeting> }
  | { readonly kind: 'snapshot'; readonly marker: SnapshotMarker }
  | { readonly kind: 'lease'; readonly lease: Lease }
  | { readonly kind: 'name'; readonly record: CachedRecord<string> }
  | {
      readonly kind: 'deleted' | 'stale';
      readonly version: number;
      readonly expiresAt: number;
    };

const versionOf = (item: Item): number | undefined => {
  if (item.kind === 'attendee' || item.kind === 'meeting' || item.kind === 'name') {
    return item.record.version;
  }
  if (item.kind === 'snapshot') return item.marker.takenAt;
  if (item.kind === 'lease') return undefined;
  return item.version;
};

const expiryOf = (item: Item): number => {
  if (item.kind === 'attendee' || item.kind === 'meeting' || item.kind === 'name') {
    return item.record.expiresAt;
  }
  if (item.kind === 'snapshot') return item.marker.expiresAt;
  if (item.kind === 'lease') return item.lease.until;
  return item.expiresAt;
};

/**
 * The shared tier of a container without the table: the same records, markers, snapshot and
 * lease as the table holds (`shared-cache.ts`), in this container's memory, so that a hot meeting
 * is listed once per container instead of costing a GetAttendee per attendee. Nothing tells it
 * of Chime's changes (there is no table for the events to reach): `ttlMs` is its freshness bound.
 */
export function createMemoryCache(options: MemoryCacheOptions): SharedCache {
  const { ttlMs, maxEntries } = options;
  const now = options.now ?? Date.now;
  // Reads use `peek`: only a write moves an item up the eviction order.
  const items = new LRUCache<string, Item>({ max: maxEntries });
  const keyOf = (meetingId: string, sort: string) => `${meetingId}/${sort}`;

  const get = (meetingId: string, sort: string, at: number): Item | undefined => {
    const key = keyOf(meetingId, sort);
    const item = items.peek(key);
    if (item && expiryOf(item) <= at) {
      items.delete(key);
      return undefined;
    }
    return item;
  };

  const set = (meetingId: string, sort: string, item: Item) => {
    items.set(keyOf(meetingId, sort), item);
  };

  /**
   * The conditional write of the table: only over nothing or an older, non-tombstone item (a
   * stale marker also over one of its own millisecond).
   */
  const putNewer = (meetingId: string, sort: string, item: Item) => {
    const there = get(meetingId, sort, now());
    const version = versionOf(item) ?? 0;
    const older = (there && versionOf(there)) ?? 0;
    if (there?.kind === 'deleted') return;
    if (there && (item.kind === 'stale' ? older > version : older >= version)) return;
    set(meetingId, sort, item);
  };

  const expiresAt = (version: number) => Math.max(version, now()) + ttlMs;

  /** What a read finds of the meeting, of `attendeeIds` and of the names of `nameIds`. */
  const readOf = (
    meetingId: string,
    attendeeIds: Iterable<string>,
    nameIds: Iterable<string>,
  ): SharedRead => {
    const at = now();
    const meeting = get(meetingId, 'meeting', at);
    const snapshot = get(meetingId, 'snapshot', at);
    const lease = get(meetingId, 'lease', at);
    const attendees = new Map<string, CachedRecord<CachedAttendee>>();
    const deleted = new Set<string>();
    const stale = new Set<string>();
    const names = new Map<string, string>();
    for (const attendeeId of attendeeIds) {
      const item = get(meetingId, `attendee/${attendeeId}`, at);
      if (item?.kind === 'attendee') attendees.set(attendeeId, item.record);
      if (item?.kind === 'deleted') deleted.add(attendeeId);
      if (item?.kind === 'stale') stale.add(attendeeId);
    }
    for (const attendeeId of nameIds) {
      const item = get(meetingId, `name/${attendeeId}`, at);
      if (item?.kind === 'name') names.set(attendeeId, item.record.value);
    }
    return {
      ...(meeting?.kind === 'meeting' ? { meeting: meeting.record } : {}),
      ...(meeting?.kind === 'deleted' ? { ended: true } : {}),
      ...(snapshot?.kind === 'snapshot' ? { snapshot: snapshot.marker } : {}),
      ...(lease?.kind === 'lease' ? { lease: lease.lease } : {}),
      ...(attendees.size > 0 ? { attendees } : {}),
      ...(deleted.size > 0 ? { deleted } : {}),
      ...(stale.size > 0 ? { stale } : {}),
      ...(names.size > 0 ? { names } : {}),
    };
  };

  /** The ids of the meeting's items of one kind (`attendee/`, `name/`). */
  const idsOf = (meetingId: string, kind: string) => {
    const prefix = keyOf(meetingId, kind);
    return [...items.keys()]
      .filter((key) => key.startsWith(prefix))
      .map((key) => key.slice(prefix.length));
  };

  return {
    async readAll(meetingId) {
      return readOf(meetingId, idsOf(meetingId, 'attendee/'), idsOf(meetingId, 'name/'));
    },

    async read(meetingId, what) {
      const ids = new Set(what.attendeeIds ?? []);
      if (what.attendeeId !== undefined) ids.add(what.attendeeId);
      const named = what.attendeeId === undefined ? [] : [what.attendeeId];
      const read = readOf(meetingId, ids, named);
      const attendee =
        what.attendeeId === undefined ? undefined : read.attendees?.get(what.attendeeId);
      return attendee ? { ...read, attendee } : read;
    },

    async putAttendees(meetingId, attendees, version) {
      for (const attendee of attendees) {
        if (typeof attendee.AttendeeId !== 'string') continue;
        const attendeeId = attendee.AttendeeId.toLowerCase();
        putNewer(meetingId, `attendee/${attendeeId}`, {
          kind: 'attendee',
          record: { value: attendee, version, expiresAt: expiresAt(version) },
        });
      }
    },

    async putMeeting(meetingId, meeting, version) {
      putNewer(meetingId, 'meeting', {
        kind: 'meeting',
        record: { value: meeting, version, expiresAt: expiresAt(version) },
      });
    },

    async putName(meetingId, attendeeId, name, version) {
      putNewer(meetingId, `name/${attendeeId}`, {
        kind: 'name',
        record: { value: name, version, expiresAt: expiresAt(version) },
      });
    },

    async markSnapshot(meetingId, takenAt) {
      putNewer(meetingId, 'snapshot', {
        kind: 'snapshot',
        marker: { takenAt, expiresAt: expiresAt(takenAt) },
      });
    },

    async acquireLease(meetingId, owner, durationMs) {
      if (get(meetingId, 'lease', now())) return false;
      set(meetingId, 'lease', {
        kind: 'lease',
        lease: { owner, until: now() + durationMs, failed: false },
      });
      return true;
    },

    async failLease(meetingId, owner, until) {
      const there = get(meetingId, 'lease', now());
      if (there?.kind === 'lease' && there.lease.owner === owner) {
        set(meetingId, 'lease', { kind: 'lease', lease: { owner, until, failed: true } });
      }
    },

    async tombstoneAttendee(meetingId, attendeeId, version) {
      set(meetingId, `attendee/${attendeeId}`, {
        kind: 'deleted',
        version,
        expiresAt: expiresAt(version),
      });
    },

    async markStale(meetingId, attendeeId, version) {
      putNewer(meetingId, `attendee/${attendeeId}`, {
        kind: 'stale',
        version,
        expiresAt: expiresAt(version),
      });
    },

    async endMeeting(meetingId, version) {
      const prefix = keyOf(meetingId, '');
      const own = keyOf(meetingId, 'meeting');
      let removed = 0;
      for (const key of [...items.keys()]) {
        if (key.startsWith(prefix) && key !== own) {
          items.delete(key);
          removed += 1;
        }
      }
      set(meetingId, 'meeting', { kind: 'deleted', version, expiresAt: expiresAt(version) });
      return removed;
    },
  };
}
