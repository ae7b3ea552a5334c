/**
 * The shared cache table's schema: one partition per meeting, so one Query finds all its items
 * (each item: docs/security.md, "Shared table"). Keys hold Chime ids only.
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
