/** One partition per meeting (items: docs/security.md, "Shared table"); keys hold Chime ids. */
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

/** The invalidation function's role may name only these: no JoinToken read, no record write. */
export const MARKER_ATTRIBUTES = Object.freeze([
  CACHE_TABLE_SCHEMA.partitionKey.name,
  CACHE_TABLE_SCHEMA.sortKey.name,
  'version',
  'state',
  'expiresAt',
  CACHE_TABLE_SCHEMA.timeToLiveAttribute,
] as const);
