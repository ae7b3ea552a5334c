import type { Claims } from './token-verifier';

/**
 * Tokens this container has verified, with their claims, until their `exp`: a frontend sends
 * the same access token on every call, and an RS256 verification costs more than the rest of
 * the request's own work. Bounded (least recently used out first), and keyed by the whole token,
 * so only a byte-identical token hits. A key removed from the JWKS stops new tokens at once;
 * tokens already verified with it stay accepted until they expire, as in any JWT cache.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { claims: Claims; exp: number }>();

  constructor(
    private readonly capacity = 1000,
    private readonly nowSeconds: () => number = () => Date.now() / 1000,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be ≥ 1');
  }

  /** The claims of `token` if it was verified and has not expired since. */
  get(token: string): Claims | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    this.entries.delete(token);
    if (entry.exp <= this.nowSeconds()) return undefined;
    this.entries.set(token, entry);
    return entry.claims;
  }

  /** Remembers verified `claims` until their `exp` (without one, nothing is kept). */
  set(token: string, claims: Claims): void {
    const exp = claims.exp;
    if (typeof exp !== 'number') return;
    this.entries.delete(token);
    this.entries.set(token, { claims, exp });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
