import { LRUCache } from 'lru-cache';

/** `expiresAt` undefined: not stored. */
export interface Loaded<V> {
  readonly value: V;
  readonly expiresAt: number | undefined;
}

/** By name: a DOMException may come from another realm. */
const isAbort = (error: unknown): boolean => {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
};

/** Rejects when `signal` aborts: a waiter keeps its own deadline on a shared promise. */
export function raced<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.finally(() => signal.removeEventListener('abort', onAbort)).then(resolve, reject);
  });
}

/** Own `expiresAt`s: lru-cache's TTL serves an entry at its expiry instant, by a cached clock. */
export function createTtlCache<V>({ maxEntries, now = Date.now }: CacheOptions) {
  const entries = new LRUCache<string, { readonly value: V; readonly expiresAt: number }>({
    max: maxEntries,
  });
  const flights = new Map<string, Promise<Loaded<V>>>();
  const set = (key: string, value: V, expiresAt: number) => {
    if (expiresAt > now()) entries.set(key, { value, expiresAt });
  };
  const peek = (key: string): V | undefined => {
    const entry = entries.get(key);
    if (!entry || entry.expiresAt > now()) return entry?.value;
    entries.delete(key);
    return undefined;
  };
  /** A rejected load is not stored; each waiter gets its rejection but an abort's (loads again). */
  const get = async (
    key: string,
    load: (signal: AbortSignal | undefined) => Promise<Loaded<V>>,
    signal?: AbortSignal,
  ): Promise<{ readonly value: V; readonly source: 'cache' | 'flight' | 'load' }> => {
    for (;;) {
      const cached = peek(key);
      if (cached !== undefined) return { value: cached, source: 'cache' };
      const inFlight = flights.get(key);
      if (inFlight) {
        try {
          return { value: (await raced(inFlight, signal)).value, source: 'flight' };
        } catch (error) {
          if (isAbort(error) && !signal?.aborted) continue;
          throw error;
        }
      }
      const flight = load(signal);
      flights.set(key, flight);
      try {
        const loaded = await flight;
        // Deleted while in flight: not stored.
        if (flights.get(key) === flight && loaded.expiresAt !== undefined) {
          set(key, loaded.value, loaded.expiresAt);
        }
        return { value: loaded.value, source: 'load' };
      } finally {
        if (flights.get(key) === flight) flights.delete(key);
      }
    }
  };
  return {
    get,
    set,
    peek,
    delete: (key: string) => {
      entries.delete(key);
      flights.delete(key);
    },
    deleteWhere: (matches: (key: string) => boolean) => {
      for (const key of [...entries.keys()]) if (matches(key)) entries.delete(key);
      for (const key of [...flights.keys()]) if (matches(key)) flights.delete(key);
    },
  };
}

type CacheOptions = { readonly maxEntries: number; readonly now?: () => number };

export type TtlCache<V> = ReturnType<typeof createTtlCache<V>>;

export function createContainerCache<M, A, R>(options: CacheOptions) {
  const meetings = createTtlCache<M>(options);
  const attendees = createTtlCache<A>(options);
  const rosters = createTtlCache<R>(options);
  const attendeeKey = (meetingId: string, attendeeId: string) => `${meetingId}/${attendeeId}`;
  return {
    meetings,
    attendees,
    rosters,
    attendeeKey,
    dropMeeting(meetingId: string) {
      meetings.delete(meetingId);
      rosters.delete(meetingId);
      attendees.deleteWhere((key) => key.startsWith(`${meetingId}/`));
    },
  };
}
