import { LRUCache } from 'lru-cache';

/** Options of {@link createTtlCache}. */
export interface TtlCacheOptions {
  /** Entries kept at most; the least recently used goes first. */
  readonly maxEntries: number;
  /** Epoch milliseconds. */
  readonly now?: () => number;
}

/** What a load returns: the value, and until when (epoch ms) it may be served; none: not stored. */
export interface Loaded<V> {
  readonly value: V;
  readonly expiresAt: number | undefined;
}

/** A bounded in-memory TTL cache with single flight. */
export interface TtlCache<V> {
  /**
   * The unexpired value of `key` (`cache`), or the result of `load`: this caller's (`load`), or
   * the one another caller had in flight (`flight`). A rejected load is not stored, and each
   * waiter gets its rejection, except that a waiter whose own signal is still live loads again
   * when the leader's load was aborted.
   */
  get(
    key: string,
    load: (signal: AbortSignal | undefined) => Promise<Loaded<V>>,
    signal?: AbortSignal,
  ): Promise<{ readonly value: V; readonly source: 'cache' | 'flight' | 'load' }>;
  /** Stores `value` until `expiresAt` (epoch ms). */
  set(key: string, value: V, expiresAt: number): void;
  /** The unexpired value of `key`, without loading. */
  peek(key: string): V | undefined;
  /** Drops `key`, and makes a load in flight for it not store its result. */
  delete(key: string): void;
  /** Drops every key for which `matches` is true (and their loads in flight). */
  deleteWhere(matches: (key: string) => boolean): void;
}

/** An abort or a deadline, by name (a DOMException may come from another realm). */
const isAbort = (error: unknown): boolean => {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
};

/** Rejects when `signal` aborts, so a waiter keeps its own deadline on a shared promise. */
export function raced<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.finally(() => signal.removeEventListener('abort', onAbort)).then(resolve, reject);
  });
}

/**
 * Creates a TTL cache bounded to `maxEntries` (least recently used out first). Keys are built
 * from Chime ids only. Each entry keeps its own `expiresAt`, checked against `now`: lru-cache's
 * own TTL counts an entry fresh at its expiry instant and reads a clock it caches, while a
 * record must never be served at or past its freshness bound.
 */
export function createTtlCache<V>({ maxEntries, now = Date.now }: TtlCacheOptions): TtlCache<V> {
  const entries = new LRUCache<string, Loaded<V> & { readonly expiresAt: number }>({
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

  const get: TtlCache<V>['get'] = async (key, load, signal) => {
    for (;;) {
      const cached = peek(key);
      if (cached !== undefined) return { value: cached, source: 'cache' };
      const inFlight = flights.get(key);
      if (inFlight) {
        try {
          return { value: (await raced(inFlight, signal)).value, source: 'flight' };
        } catch (error) {
          // The leader's deadline is not ours: load again under our own signal.
          if (isAbort(error) && !signal?.aborted) continue;
          throw error;
        }
      }
      const flight = load(signal);
      flights.set(key, flight);
      try {
        const loaded = await flight;
        // A delete while in flight removed the flight: its result must not be stored.
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
    delete: (key) => {
      entries.delete(key);
      flights.delete(key);
    },
    deleteWhere: (matches) => {
      for (const key of [...entries.keys()]) if (matches(key)) entries.delete(key);
      for (const key of [...flights.keys()]) if (matches(key)) flights.delete(key);
    },
  };
}

/** The container's caches: meetings and rosters by MeetingId, attendees by both ids. */
export function createContainerCache<M, A, R>(options: TtlCacheOptions) {
  const meetings = createTtlCache<M>(options);
  const attendees = createTtlCache<A>(options);
  const rosters = createTtlCache<R>(options);
  const attendeeKey = (meetingId: string, attendeeId: string) => `${meetingId}/${attendeeId}`;
  return {
    meetings,
    attendees,
    rosters,
    attendeeKey,
    /** Drops a meeting, its roster and all its attendees. */
    dropMeeting(meetingId: string) {
      meetings.delete(meetingId);
      rosters.delete(meetingId);
      attendees.deleteWhere((key) => key.startsWith(`${meetingId}/`));
    },
    dropAttendee: (meetingId: string, attendeeId: string) =>
      attendees.delete(attendeeKey(meetingId, attendeeId)),
  };
}

export type ContainerCache<M, A, R> = ReturnType<typeof createContainerCache<M, A, R>>;
