import { VerifiedTokens } from '../../../lambda/attendee/verified-tokens';

describe('VerifiedTokens', () => {
  let now = 1000;
  const clock = () => now;
  beforeEach(() => {
    now = 1000;
  });

  it('returns the claims of a verified token until its exp, and nothing after', () => {
    const cache = new VerifiedTokens(10, clock);
    cache.set('t', { sub: 'alice', exp: 1060 });
    expect(cache.get('t')).toEqual({ sub: 'alice', exp: 1060 });
    now = 1059.9;
    expect(cache.get('t')).toEqual({ sub: 'alice', exp: 1060 });
    now = 1060;
    expect(cache.get('t')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps nothing for claims without exp, and misses unknown or altered tokens', () => {
    const cache = new VerifiedTokens(10, clock);
    cache.set('no-exp', { sub: 'alice' });
    cache.set('t', { sub: 'alice', exp: 2000 });
    expect(cache.get('no-exp')).toBeUndefined();
    expect(cache.get('t ')).toBeUndefined();
    expect(cache.get('T')).toBeUndefined();
  });

  it('evicts the least recently used token beyond its capacity', () => {
    const cache = new VerifiedTokens(2, clock);
    cache.set('a', { exp: 2000 });
    cache.set('b', { exp: 2000 });
    expect(cache.get('a')).toBeDefined();
    cache.set('c', { exp: 2000 });
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.size).toBe(2);
  });

  it('refuses a capacity below one', () => {
    expect(() => new VerifiedTokens(0)).toThrow(RangeError);
  });
});
