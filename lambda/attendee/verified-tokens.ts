import { LRUCache } from 'lru-cache';
import type { Claims } from './token-verifier';

/**
 * Tokens this container has verified, with their claims, until their `exp`: a frontend sends
 * the same access token on every call, and an RS256 verification costs more than the rest of
 * the request's own work. Bounded (least recently used out first), and keyed by the whole token,
 * so only a byte-identical token hits. A key removed from the JWKS stops new tokens at once;
 * tokens already verified with it stay accepted until they expire, as in any JWT cache.
 */
export class VerifiedTokens {
  private readonly entries: LRUCache<string, { claims: Claims; exp: number }>;

  constructor(
    capacity = 1000,
    private readonly nowSeconds: () => number = () => Date.now() / 1000,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be ≥ 1');
    this.entries = new LRUCache({ max: capacity });
  }

  /** The claims of `token` if it was verified and has not expired since. */
  get(token: string): Claims | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    // Checked here, not by lru-cache's TTL: a token is refused from the second of its `exp` on.
    if (entry.exp <= this.nowSeconds()) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.claims;
  }

  /** Remembers verified `claims` until their `exp` (without one, nothing is kept). */
  set(token: string, claims: Claims): void {
    const exp = claims.exp;
    if (typeof exp === 'number') this.entries.set(token, { claims, exp });
  }

  get size(): number {
    return this.entries.size;
  }
}
