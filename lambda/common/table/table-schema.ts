/**
 * The shared cache table's schema (for the functions, the stack and the local table). One
 * partition per meeting, so one Query finds all its items:
 *
 * | pk                  | sk                      | holds                                   |
 * | ------------------- | ----------------------- | --------------------------------------- |
 * | `MEETING#<id>`      | `META`                  | the Meeting object as GetMeeting gives it |
 * | `MEETING#<id>`      | `ATTENDEE#<attendeeId>` | one attendee (ExternalUserId, JoinToken, Capabilities) |
 * | `MEETING#<id>`      | `SNAPSHOT`              | when a complete ListAttendees snapshot was taken |
 * | `MEETING#<id>`      | `LEASE`                 | which container is taking that snapshot, until when |
 * | `MEETING#<id>`      | `NAME#<attendeeId>`     | the display name the attendee's owner's token carried |
 *
 * Keys hold Chime ids only: never an ExternalUserId, a name or a JoinToken.
 */
export const CACHE_TABLE_SCHEMA = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  /** Epoch seconds; DynamoDB deletes expired items lazily, so reads check `expiresAt` too. */
  timeToLiveAttribute: 'ttl',
} as const;

export const SORT_KEYS = {
  meeting: 'META',
  snapshot: 'SNAPSHOT',
  lease: 'LEASE',
  attendeePrefix: 'ATTENDEE#',
  namePrefix: 'NAME#',
} as const;

export const meetingPartition = (meetingId: string): string => `MEETING#${meetingId}`;

export const attendeeSortKey = (attendeeId: string): string =>
  `${SORT_KEYS.attendeePrefix}${attendeeId}`;

export const nameSortKey = (attendeeId: string): string => `${SORT_KEYS.namePrefix}${attendeeId}`;

/**
 * All the invalidation function's markers may name: its role is limited to them
 * (lib/attendee-cache.ts), so it can neither read a JoinToken nor write a record.
 */
export const MARKER_ATTRIBUTES = Object.freeze([
  CACHE_TABLE_SCHEMA.partitionKey.name,
  CACHE_TABLE_SCHEMA.sortKey.name,
  'version',
  'state',
  'expiresAt',
  CACHE_TABLE_SCHEMA.timeToLiveAttribute,
] as const);
