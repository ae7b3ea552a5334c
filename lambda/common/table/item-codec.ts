import type { Attendee, Meeting } from '@aws-sdk/client-chime-sdk-meetings';
import type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { CACHE_TABLE_SCHEMA, SORT_KEYS } from './table-schema';

/** An item's attributes as plain values, as `marshall` takes them and `unmarshall` gives them. */
export type Attributes = Record<string, NativeAttributeValue>;

export const PK = CACHE_TABLE_SCHEMA.partitionKey.name;
export const SK = CACHE_TABLE_SCHEMA.sortKey.name;

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

/** `version`: when the Chime call that brought it started (epoch ms); writes need a newer one. */
export interface CachedRecord<T> {
  readonly value: T;
  readonly version: number;
  readonly expiresAt: number;
}

export interface SharedRead {
  /** By lower-case AttendeeId. */
  readonly attendees?: ReadonlyMap<string, CachedRecord<CachedAttendee>>;
  readonly deleted?: ReadonlySet<string>;
  readonly stale?: ReadonlySet<string>;
  readonly names?: ReadonlyMap<string, string>;
  readonly ended?: boolean;
  readonly meeting?: CachedRecord<Meeting>;
  readonly snapshot?: { readonly takenAt: number; readonly expiresAt: number };
  /** `failed`: nobody waits, nor lists again until it runs out (not all into the same fault). */
  readonly lease?: { readonly owner: string; readonly until: number; readonly failed: boolean };
}

/** What a meeting's items hold at `at`: expired ones left out, as TTL deletion is lazy. */
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
  if (attendees.size > 0) read.attendees = attendees;
  if (deleted.size > 0) read.deleted = deleted;
  if (stale.size > 0) read.stale = stale;
  if (names.size > 0) read.names = names;
  return read;
}
