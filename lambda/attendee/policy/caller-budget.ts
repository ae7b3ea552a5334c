import { createHmac, randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** Options of {@link createCallerBudget}. */
export interface CallerBudgetOptions {
  /** Chime calls per minute a caller may spend on attendees it turns out not to own or moderate. */
  readonly callsPerMinute: number;
  /** Callers tracked at most; the least recently charged is forgotten first. */
  readonly maxCallers?: number;
  /** Epoch milliseconds. */
  readonly now?: () => number;
}

/** Whether a caller may make the function spend Chime calls now. */
type BudgetCheck =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterSeconds: number };

/** A caller's identity text, or a function that builds it (called only when it is needed). */
type CallerRef = string | (() => string);

/** A per-caller budget of wasted Chime calls (OWASP API4). */
export interface CallerBudget {
  /** Before spending: `too_many_requests` with `retryAfterSeconds` when the caller is over. */
  check(caller: CallerRef): BudgetCheck;
  /** After a denial or a not-found: the Chime calls that request spent for nothing. */
  charge(caller: CallerRef, chimeCalls: number): void;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MINUTE_MS = 60_000;

const ALLOWED: BudgetCheck = Object.freeze({ allowed: true });

/** The caller's identity text, built only when it is needed (see {@link CallerRef}). */
const callerText = (caller: CallerRef): string => (typeof caller === 'string' ? caller : caller());

/**
 * Creates a token bucket per caller: `callsPerMinute` tokens, refilled continuously, spent by
 * {@link CallerBudget.charge}. Callers are known by an HMAC-SHA256 of their identity under a
 * per-container random key, never by the identity (which may equal an ExternalUserId); the
 * table is bounded, the least recently charged out first. A caller charged past zero waits
 * until the bucket holds a token again (debt is bounded by one minute's budget).
 */
export function createCallerBudget(options: CallerBudgetOptions): CallerBudget {
  const { callsPerMinute, maxCallers = 10_000 } = options;
  const now = options.now ?? Date.now;
  const key = randomBytes(32);
  const perMs = callsPerMinute / MINUTE_MS;
  const buckets = new LRUCache<string, Bucket>({ max: maxCallers });

  const idOf = (caller: string) => createHmac('sha256', key).update(caller).digest('base64url');

  const refilled = (bucket: Bucket, at: number): number =>
    Math.min(callsPerMinute, bucket.tokens + (at - bucket.at) * perMs);

  return {
    check(caller) {
      // Nobody has wasted a call yet: no identity to hash (the common case, every request).
      if (buckets.size === 0) return ALLOWED;
      const id = idOf(callerText(caller));
      // A check is not a charge: it leaves the caller's place in the eviction order as it is.
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
    charge(caller, chimeCalls) {
      if (!(chimeCalls > 0)) return;
      const id = idOf(callerText(caller));
      const at = now();
      const bucket = buckets.peek(id);
      const tokens = bucket ? refilled(bucket, at) : callsPerMinute;
      buckets.set(id, { tokens: Math.max(-callsPerMinute, tokens - chimeCalls), at });
    },
  };
}
