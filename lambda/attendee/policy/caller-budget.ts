import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';

type BudgetCheck =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterSeconds: number };

export type CallerBudget = ReturnType<typeof createCallerBudget>;

type Bucket = { tokens: number; at: number };

const ALLOWED: BudgetCheck = Object.freeze({ allowed: true });

/**
 * A budget of wasted Chime calls (OWASP API4): a token bucket per caller, refilled continuously,
 * in debt at most one minute's budget. Callers are known by an HMAC under a per-container key,
 * never by the identity (which may equal an ExternalUserId); the least recently charged go first.
 */
export function createCallerBudget(options: {
  readonly callsPerMinute: number;
  readonly maxCallers?: number;
  readonly now?: () => number;
}) {
  const { callsPerMinute, maxCallers = 10_000, now = Date.now } = options;
  const key = randomBytes(32);
  const perMs = callsPerMinute / 60_000;
  const buckets = new LRUCache<string, Bucket>({ max: maxCallers });
  // The caller's identity is built only when needed.
  const idOf = (caller: () => string) =>
    createHmac('sha256', key).update(caller()).digest('base64url');
  const refilled = (bucket: Bucket, at: number): number =>
    Math.min(callsPerMinute, bucket.tokens + (at - bucket.at) * perMs);
  return {
    /** Before spending: whether the caller may make the function spend Chime calls now. */
    check(caller: () => string): BudgetCheck {
      // Nobody has wasted a call yet: no identity to hash (the common case).
      if (buckets.size === 0) return ALLOWED;
      const id = idOf(caller);
      // A check is not a charge: it leaves the caller's place in the eviction order.
      const bucket = buckets.peek(id);
      if (!bucket) return ALLOWED;
      const tokens = refilled(bucket, now());
      // A caller whose budget is whole again is forgotten: the table holds recent wasters only.
      if (tokens >= callsPerMinute) buckets.delete(id);
      if (tokens >= 1) return ALLOWED;
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)),
      };
    },
    /** After a denial or a not-found: the Chime calls that request spent for nothing. */
    charge(caller: () => string, chimeCalls: number): void {
      if (!(chimeCalls > 0)) return;
      const id = idOf(caller);
      const at = now();
      const bucket = buckets.peek(id);
      const tokens = bucket ? refilled(bucket, at) : callsPerMinute;
      buckets.set(id, { tokens: Math.max(-callsPerMinute, tokens - chimeCalls), at });
    },
  };
}
