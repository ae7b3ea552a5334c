import type { Attendee, Meeting } from '@aws-sdk/client-chime-sdk-meetings';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, type NativeAttributeValue, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  attendeeSortKey,
  CACHE_TABLE_SCHEMA,
  meetingPartition,
  nameSortKey,
  SORT_KEYS,
} from './table-schema';

export type Item = Record<string, AttributeValue>;
/** An item's attributes as plain values; `marshall` makes strings S, numbers N, objects M. */
export type Attributes = Record<string, NativeAttributeValue>;

export const PK = CACHE_TABLE_SCHEMA.partitionKey.name;
export const SK = CACHE_TABLE_SCHEMA.sortKey.name;

/** The item states a marker leaves in place of a record. */
export const MARKER_STATES = { deleted: 'deleted', stale: 'stale' } as const;

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
interface SnapshotMarker {
  readonly takenAt: number;
  readonly expiresAt: number;
}

/**
 * Which container is taking a snapshot, until when (epoch ms). `failed`: its snapshot failed,
 * nobody waits for it, and nobody lists the meeting again until the lease runs out (a cool-down,
 * so that every container does not list the meeting into the same fault).
 */
interface Lease {
  readonly owner: string;
  readonly until: number;
  readonly failed: boolean;
}

/** What one read of a meeting's partition found, expired items left out. */
export interface SharedRead {
  /** The attendee records read, by lower-case AttendeeId. */
  readonly attendees?: ReadonlyMap<string, CachedRecord<CachedAttendee>>;
  /** The attendees read that Chime deleted (tombstones). */
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

type Found = {
  -readonly [K in keyof SharedRead]: SharedRead[K];
} & {
  attendees?: Map<string, CachedRecord<CachedAttendee>>;
  deleted?: Set<string>;
  stale?: Set<string>;
  names?: Map<string, string>;
};

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

const finite = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** The three capabilities, strings only: stored as a map of strings, read back the same way. */
function capabilitiesOf(value: unknown): Attendee['Capabilities'] {
  if (typeof value !== 'object' || value === null) return undefined;
  const { Audio, Video, Content } = value as Record<string, unknown>;
  return {
    Audio: text(Audio),
    Video: text(Video),
    Content: text(Content),
  } as Attendee['Capabilities'];
}

/** The fields of an attendee record, as written and as read back. */
const attendeeFields = (attendee: Record<string, unknown>): CachedAttendee => ({
  AttendeeId: text(attendee.AttendeeId),
  ExternalUserId: text(attendee.ExternalUserId),
  JoinToken: text(attendee.JoinToken),
  Capabilities: capabilitiesOf(attendee.Capabilities),
});

export const keyOf = (meetingId: string, sort: string): Attributes => ({
  [PK]: meetingPartition(meetingId),
  [SK]: sort,
});

/** An item's attributes: its key, what it holds, and its TTL (epoch seconds). */
const itemOf = (
  meetingId: string,
  sort: string,
  attributes: Attributes,
  expiresAt: number,
): Attributes => ({
  ...keyOf(meetingId, sort),
  ...attributes,
  [CACHE_TABLE_SCHEMA.timeToLiveAttribute]: Math.ceil(expiresAt / 1000),
});

/**
 * The items of both tiers, the table and the memory standing in for it: a record or marker of
 * `version` expires `ttlMs` after the later of it and now.
 */
export function createItemWriter(ttlMs: number, now: () => number) {
  const stamped = (meetingId: string, sort: string, version: number, attributes = {}) => {
    const expiresAt = Math.max(version, now()) + ttlMs;
    return itemOf(meetingId, sort, { version, expiresAt, ...attributes }, expiresAt);
  };
  return {
    attendee(
      meetingId: string,
      attendee: CachedAttendee & { AttendeeId: string },
      version: number,
    ) {
      const AttendeeId = attendee.AttendeeId.toLowerCase();
      const fields = attendeeFields({ ...attendee, AttendeeId });
      return stamped(meetingId, attendeeSortKey(AttendeeId), version, fields);
    },
    meeting: (meetingId: string, meeting: Meeting, version: number) =>
      stamped(meetingId, SORT_KEYS.meeting, version, { Meeting: JSON.stringify(meeting) }),
    name: (meetingId: string, attendeeId: string, Name: string, version: number) =>
      stamped(meetingId, nameSortKey(attendeeId), version, { Name }),
    snapshot: (meetingId: string, takenAt: number) =>
      stamped(meetingId, SORT_KEYS.snapshot, takenAt),
    /** A tombstone or stale marker in place of the record at `sort`. */
    marker: (meetingId: string, sort: string, state: string, version: number) =>
      stamped(meetingId, sort, version, { state }),
    lease: (meetingId: string, owner: string, until: number, state?: 'failed') =>
      itemOf(meetingId, SORT_KEYS.lease, { owner, leaseUntil: until, state }, until),
  };
}

function addLease(read: Found, item: Record<string, unknown>, at: number): void {
  const owner = text(item.owner);
  const until = finite(item.leaseUntil);
  if (owner !== undefined && until !== undefined && until > at) {
    read.lease = { owner, until, failed: text(item.state) === 'failed' };
  }
}

/** An unexpired item's version, expiry and marker state, if it has one. */
interface Stamp {
  readonly version: number;
  readonly expiresAt: number;
  readonly state: string | undefined;
}

function addMeeting(read: Found, item: Record<string, unknown>, stamp: Stamp): void {
  if (stamp.state === MARKER_STATES.deleted) read.ended = true;
  const json = text(item.Meeting);
  if (stamp.state !== undefined || json === undefined) return;
  try {
    const meeting: unknown = JSON.parse(json);
    if (typeof meeting === 'object' && meeting !== null) {
      read.meeting = {
        value: meeting as Meeting,
        version: stamp.version,
        expiresAt: stamp.expiresAt,
      };
    }
  } catch {
    // An unreadable record is a miss.
  }
}

function addAttendee(read: Found, item: Record<string, unknown>, id: string, stamp: Stamp): void {
  if (stamp.state === MARKER_STATES.deleted) {
    read.deleted ??= new Set();
    read.deleted.add(id);
  } else if (stamp.state !== undefined) {
    read.stale ??= new Set();
    read.stale.add(id);
  } else {
    read.attendees ??= new Map();
    const { version, expiresAt } = stamp;
    read.attendees.set(id, { value: attendeeFields(item), version, expiresAt });
  }
}

function addItem(read: Found, item: Record<string, unknown>, at: number): void {
  const sort = text(item[SK]) ?? '';
  if (sort === SORT_KEYS.lease) {
    addLease(read, item, at);
    return;
  }
  const expiresAt = finite(item.expiresAt);
  // `fetchedAt`: the version of an item of the older schema.
  const version = finite(item.version) ?? finite(item.fetchedAt);
  if (expiresAt === undefined || version === undefined || expiresAt <= at) return;
  const stamp = { version, expiresAt, state: text(item.state) };
  if (sort === SORT_KEYS.snapshot) read.snapshot = { takenAt: version, expiresAt };
  else if (sort === SORT_KEYS.meeting) addMeeting(read, item, stamp);
  else if (sort.startsWith(SORT_KEYS.attendeePrefix)) {
    addAttendee(read, item, sort.slice(SORT_KEYS.attendeePrefix.length), stamp);
  } else if (sort.startsWith(SORT_KEYS.namePrefix) && typeof item.Name === 'string') {
    read.names ??= new Map();
    read.names.set(sort.slice(SORT_KEYS.namePrefix.length), item.Name);
  }
}

/**
 * What items of a meeting's partition hold at `at` (as plain attributes): expired items are
 * left out, as DynamoDB's TTL deletion is lazy.
 */
export function readOf(items: Iterable<Record<string, unknown>>, at: number): SharedRead {
  const read: Found = {};
  for (const item of items) addItem(read, item, at);
  return read;
}

/** A DynamoDB item, undefined attributes left out (an attendee without a JoinToken has none). */
export const toItem = (attributes: Attributes): Item =>
  marshall(attributes, { removeUndefinedValues: true });

export const parseItems = (items: readonly Item[], at: number): SharedRead =>
  readOf(
    items.map((item) => unmarshall(item)),
    at,
  );
