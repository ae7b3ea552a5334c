import { LRUCache } from 'lru-cache';
import { type Attributes, PK, SK } from '../../common/table/item-codec';
import { sharedCacheOver } from '../../common/table/shared-cache';
import { meetingPartition, SORT_KEYS } from '../../common/table/table-schema';

/** The table's items and conditional writes in memory; no event reaches it: `ttlMs` bounds it. */
export function createMemoryCache(options: {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}) {
  const { now = Date.now } = options;
  // Reads use `peek`: only a write moves an item up the eviction order.
  const items = new LRUCache<string, Attributes>({ max: options.maxEntries });
  const keyOf = (meetingId: string, sort: string) => `${meetingPartition(meetingId)}\n${sort}`;
  const live = (key: string) => {
    const item = items.peek(key);
    if (item && !((item.expiresAt ?? item.leaseUntil) > now())) items.delete(key);
    else return item;
  };
  const partition = (meetingId: string) => {
    const start = keyOf(meetingId, '');
    return [...items.keys()].filter((key) => key.startsWith(start));
  };
  return sharedCacheOver(
    {
      async put(item, condition) {
        const key = `${item[PK]}\n${item[SK]}`;
        if (condition && !condition.allows(live(key))) return false;
        items.set(key, item);
        return true;
      },
      get: async (meetingId, sorts) => sorts.flatMap((sort) => live(keyOf(meetingId, sort)) ?? []),
      query: async (meetingId) => partition(meetingId).flatMap((key) => live(key) ?? []),
      async clear(meetingId) {
        const meeting = keyOf(meetingId, SORT_KEYS.meeting);
        const others = partition(meetingId).filter((key) => key !== meeting);
        for (const key of others) items.delete(key);
        return others.length;
      },
    },
    options.ttlMs,
    now,
  );
}
