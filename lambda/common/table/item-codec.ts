import type { Attendee, Meeting } from '@aws-sdk/client-chime-sdk-meetings';
import type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { CACHE_TABLE_SCHEMA, SORT_KEYS } from './table-schema';

/** An item's attributes as plain values, as `marshall` takes them and `unmarshall` gives them. */
export type Attributes = Record<string, NativeAttributeValue>;

export const PK = CACHE_TABLE_SCHEMA.partitionKey.name;
export const SK = CACHE_TABLE_SCHEMA.sortKey.name;

/** The states a marker leaves in place of a record. */
export const MARKER_STATES = { deleted: 'deleted', stale: 'stale' } as const;

/** An attendee as cached: the fields GetAttendee and ListAttendees return, nothing else. */
export type CachedAttendee = Pick<
  Attendee,
  'AttendeeId' | 'ExternalUserId' | 'JoinToken' | 'Capabilities'
>;

export const cachedAttendee = (attendee: CachedAttendee): CachedAttendee => ({
  AttendeeId: attendee.AttendeeId,
  ExternalUserId: attendee.ExternalUserId,
  JoinToken: attendee.JoinToken,
  Capabilities: attendee.Capabilities,
});

/**
 * A cached record and its times (epoch ms). `version` is when the Chime call that brought it
 * started: a write only ever replaces an item of a lower version, and never a tombstone.
 */
export interface CachedRecord<T> {
  readonly value: T;
  readonly version: number;
  readonly expiresAt: number;
}

/** What one read of a meeting's partition found, expired items left out. */
export interface SharedRead {
  /** Attendee records, tombstones, stale markers and names, by lower-case AttendeeId. */
  readonly attendees?: ReadonlyMap<string, CachedRecord<CachedAttendee>>;
  readonly deleted?: ReadonlySet<string>;
  readonly stale?: ReadonlySet<string>;
  readonly names?: ReadonlyMap<string, string>;
  /** Chime ended the meeting: none of its attendees exists any more. */
  readonly ended?: boolean;
  readonly meeting?: CachedRecord<Meeting>;
  /** A complete ListAttendees snapshot was taken at `takenAt`. */
  readonly snapshot?: { readonly takenAt: number; readonly expiresAt: number };
  /**
   * Who is taking a snapshot. `failed`: nobody waits for it, nor lists the meeting again until
   * the lease runs out (so that every container does not list it into the same fault).
   */
  readonly lease?: { readonly owner: string; readonly until: number; readonly failed: boolean };
}

/** What a meeting's items hold at `at`: expired ones are left out, as TTL deletion is lazy. */
export function readOf(items: Iterable<Attributes>, at: number): SharedRead {
  const read: { -readonly [K in keyof SharedRead]: SharedRead[K] } = {};
  const attendees = new Map<string, CachedRecord<CachedAttendee>>();
  const [deleted, stale] = [new Set<string>(), new Set<string>()];
  const names = new Map<string, string>();
  for (const item of items) {
    const { [SK]: sort, state, expiresAt } = item;
    if (sort === SORT_KEYS.lease) {
      const { owner, leaseUntil: until } = item;
      if (until > at) read.lease = { owner, until, failed: state === 'failed' };
      continue;
    }
    // `fetchedAt`: the version of an item of the older schema.
    const version: number | undefined = item.version ?? item.fetchedAt;
    if (version === undefined || !(expiresAt > at)) continue;
    const id = sort.slice(sort.indexOf('#') + 1); // of `ATTENDEE#<id>` and `NAME#<id>`
    if (sort === SORT_KEYS.snapshot) read.snapshot = { takenAt: version, expiresAt };
    else if (sort === SORT_KEYS.meeting) {
      if (state === MARKER_STATES.deleted) read.ended = true;
      else if (state === undefined && typeof item.Meeting === 'string') {
        read.meeting = { value: JSON.parse(item.Meeting), version, expiresAt };
      }
    } else if (sort.startsWith(SORT_KEYS.namePrefix)) names.set(id, item.Name);
    else if (sort.startsWith(SORT_KEYS.attendeePrefix)) {
      if (state === MARKER_STATES.deleted) deleted.add(id);
      else if (state !== undefined) stale.add(id);
      else attendees.set(id, { value: cachedAttendee(item), version, expiresAt });
    }
  }
  // Only what was found: a read of nothing is `{}`.
  if (attendees.size > 0) read.attendees = attendees;
  if (deleted.size > 0) read.deleted = deleted;
  if (stale.size > 0) read.stale = stale;
  if (names.size > 0) read.names = names;
  return read;
}
