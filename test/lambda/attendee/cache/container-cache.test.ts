import {
  createContainerCache,
  createTtlCache,
  type Loaded,
} from '../../../../lambda/attendee/cache/container-cache';

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe('the container TTL cache', () => {
  let clock: number;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_700_000_000_000;
  });

  it('loads on a miss and serves the stored value until it expires', async () => {
    const cache = createTtlCache<string>({ maxEntries: 10, now });
    let loads = 0;
    const load = async (): Promise<Loaded<string>> => {
      loads += 1;
      return { value: `v${loads}`, expiresAt: clock + 1000 };
    };
    expect(await cache.get('k', load)).toEqual({ value: 'v1', source: 'load' });
    clock += 999;
    expect(await cache.get('k', load)).toEqual({ value: 'v1', source: 'cache' });
    clock += 1;
    expect(await cache.get('k', load)).toEqual({ value: 'v2', source: 'load' });
    expect(loads).toBe(2);
  });

  it('shares one load among concurrent misses of the same key', async () => {
    const cache = createTtlCache<string>({ maxEntries: 10, now });
    const upstream = deferred<Loaded<string>>();
    let loads = 0;
    const load = () => {
      loads += 1;
      return upstream.promise;
    };
    const answers = Promise.all(Array.from({ length: 20 }, () => cache.get('k', load)));
    upstream.resolve({ value: 'v', expiresAt: clock + 1000 });
    const results = await answers;
    expect(loads).toBe(1);
    expect(results.filter((r) => r.source === 'load')).toHaveLength(1);
    expect(results.filter((r) => r.source === 'flight')).toHaveLength(19);
    expect(new Set(results.map((r) => r.value))).toEqual(new Set(['v']));
  });

  it('gives every waiter the rejection of a failed load and stores nothing', async () => {
    const cache = createTtlCache<string>({ maxEntries: 10, now });
    const upstream = deferred<Loaded<string>>();
    let loads = 0;
    const failing = () => {
      loads += 1;
      return upstream.promise;
    };
    const answers = Array.from({ length: 3 }, () => cache.get('k', failing));
    upstream.reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    for (const answer of answers) await expect(answer).rejects.toThrow('throttled');
    expect(loads).toBe(1);
    expect(cache.peek('k')).toBeUndefined();
    const again = await cache.get('k', async () => ({ value: 'ok', expiresAt: clock + 10 }));
    expect(again.source).toBe('load');
  });

  it('does not store a load without an expiry (an answer not worth caching)', async () => {
    const cache = createTtlCache<string>({ maxEntries: 10, now });
    await cache.get('k', async () => ({ value: 'odd', expiresAt: undefined }));
    expect(cache.peek('k')).toBeUndefined();
  });

  it('does not store the result of a load in flight when the key is deleted meanwhile', async () => {
    const cache = createTtlCache<string>({ maxEntries: 10, now });
    const upstream = deferred<Loaded<string>>();
    const answer = cache.get('k', () => upstream.promise);
    cache.delete('k');
    upstream.resolve({ value: 'stale', expiresAt: clock + 1000 });
    expect((await answer).value).toBe('stale');
    expect(cache.peek('k')).toBeUndefined();
  });

  it('lets a waiter with a live deadline load again when the leader was aborted', async () => {
    const cache = createTtlCache<string>({ maxEntries: 10, now });
    const leader = new AbortController();
    const loads: string[] = [];
    const load = (signal: AbortSignal | undefined) =>
      new Promise<Loaded<string>>((resolve, reject) => {
        loads.push(signal === leader.signal ? 'leader' : 'waiter');
        if (signal === leader.signal) {
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        } else resolve({ value: 'fresh', expiresAt: clock + 1000 });
      });
    const first = cache.get('k', load, leader.signal);
    const second = cache.get('k', load, new AbortController().signal);
    leader.abort(new DOMException('deadline', 'TimeoutError'));
    await expect(first).rejects.toThrow('deadline');
    expect(await second).toEqual({ value: 'fresh', source: 'load' });
    expect(loads).toEqual(['leader', 'waiter']);
  });

  it('keeps a waiter to its own deadline while the shared load goes on', async () => {
    const cache = createTtlCache<string>({ maxEntries: 10, now });
    const upstream = deferred<Loaded<string>>();
    const leader = cache.get('k', () => upstream.promise);
    const impatient = new AbortController();
    const waiter = cache.get('k', () => upstream.promise, impatient.signal);
    impatient.abort(new DOMException('deadline', 'TimeoutError'));
    await expect(waiter).rejects.toThrow('deadline');
    upstream.resolve({ value: 'v', expiresAt: clock + 1000 });
    expect((await leader).value).toBe('v');
  });

  it('evicts the least recently used entry beyond its bound', async () => {
    const cache = createTtlCache<string>({ maxEntries: 2, now });
    cache.set('a', 'A', clock + 1000);
    cache.set('b', 'B', clock + 1000);
    expect(cache.peek('a')).toBe('A');
    cache.set('c', 'C', clock + 1000);
    expect(cache.peek('b')).toBeUndefined();
    expect(cache.peek('a')).toBe('A');
    expect(cache.peek('c')).toBe('C');
  });

  it('drops a meeting together with all its attendees, and nothing of other meetings', () => {
    const cache = createContainerCache<string, string, string>({ maxEntries: 10, now });
    cache.meetings.set('m1', 'meeting', clock + 1000);
    cache.attendees.set(cache.attendeeKey('m1', 'a1'), 'x', clock + 1000);
    cache.attendees.set(cache.attendeeKey('m1', 'a2'), 'y', clock + 1000);
    cache.attendees.set(cache.attendeeKey('m2', 'a1'), 'z', clock + 1000);
    cache.dropMeeting('m1');
    expect(cache.meetings.peek('m1')).toBeUndefined();
    expect(cache.attendees.peek(cache.attendeeKey('m1', 'a1'))).toBeUndefined();
    expect(cache.attendees.peek(cache.attendeeKey('m1', 'a2'))).toBeUndefined();
    expect(cache.attendees.peek(cache.attendeeKey('m2', 'a1'))).toBe('z');
  });
});
