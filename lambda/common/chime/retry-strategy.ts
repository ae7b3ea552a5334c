import { StandardRetryStrategy } from '@smithy/core/retry';
import type {
  RetryErrorInfo,
  RetryStrategyV2,
  RetryToken,
  StandardRetryToken,
} from '@smithy/types';
import { callScope } from './call-scope';

/** Thrown to the SDK's retry middleware, which then surfaces the last service error. */
export class RetryBudgetExceededError extends Error {
  override readonly name = 'RetryBudgetExceededError';
}

/** The largest delay the standard strategy may pick before retry `count` (jitter included). */
function backoffBound(count: number, errorInfo: RetryErrorInfo, now: number): number {
  // @smithy/core: base 100 ms (throttling 500 ms; 50 ms / 1 s with the 2026 retry settings),
  // doubled per retry, capped at 20 s; the larger bases are assumed.
  const base = errorInfo.errorType === 'THROTTLING' ? 1000 : 100;
  const backoff = Math.min(20_000, base * 2 ** count);
  const hint = errorInfo.retryAfterHint;
  return hint instanceof Date ? Math.max(backoff, hint.getTime() - now) : backoff;
}

/**
 * How many attempts one request makes when every attempt lasts its whole `attemptMs` (Chime
 * hangs): the strategy's own rule, a retry only if its largest backoff plus one whole attempt
 * still ends by `deadlineMs`, with timeouts being transient errors. Tells `npm start` how many
 * hangs a 504 takes, so its recipe leaves none queued.
 */
export function attemptsWithinDeadline(
  maxAttempts: number,
  attemptMs: number,
  deadlineMs: number,
): number {
  let attempts = 1;
  let elapsed = attemptMs;
  while (attempts < maxAttempts) {
    const wait = backoffBound(attempts - 1, { errorType: 'TRANSIENT' }, 0);
    if (elapsed + wait + attemptMs > deadlineMs) break;
    elapsed += wait + attemptMs;
    attempts += 1;
  }
  return attempts;
}

/**
 * The SDK's standard retries (the given attempts, exponential backoff with jitter, retry quota),
 * with refusals that hand the last error back to the client instead of a 504:
 * - an upstream `Retry-After` longer than `maxRetryAfterMs` is not waited out inside the Lambda
 *   (the client gets the 503 with that `Retry-After`);
 * - a retry is not started unless its wait plus one whole attempt (`attemptMs`) ends before the
 *   request's deadline (`withDeadline` in `call-scope.ts`);
 * - nor after the call's signal aborted (the error, an `AbortError`, goes back as it is).
 */
export class BoundedRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'standard';
  private readonly inner: StandardRetryStrategy;

  constructor(
    maxAttempts: number,
    private readonly maxRetryAfterMs: number,
    private readonly attemptMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.inner = new StandardRetryStrategy(maxAttempts);
  }

  acquireInitialRetryToken(scope: string): Promise<RetryToken> {
    return this.inner.acquireInitialRetryToken(scope);
  }

  refreshRetryTokenForRetry(
    token: StandardRetryToken,
    errorInfo: RetryErrorInfo,
  ): Promise<RetryToken> {
    const now = this.now();
    const hint = errorInfo.retryAfterHint;
    if (hint instanceof Date && hint.getTime() - now > this.maxRetryAfterMs) {
      return Promise.reject(new RetryBudgetExceededError('Retry-After exceeds the retry budget'));
    }
    const scope = callScope();
    // The call was aborted (its request's deadline, or a snapshot's lease): no retry. The SDK's
    // middleware checks its own `abortSignal` option the same way; the signal travels in the
    // call scope instead (`call-scope.ts`).
    if (scope?.signal?.aborted) {
      return Promise.reject(new RetryBudgetExceededError('the call was aborted'));
    }
    const deadlineAt = scope?.deadlineAt;
    if (deadlineAt !== undefined) {
      const wait = backoffBound(token.getRetryCount(), errorInfo, now);
      if (now + wait + this.attemptMs > deadlineAt) {
        return Promise.reject(new RetryBudgetExceededError('no whole attempt fits the deadline'));
      }
    }
    return this.inner.refreshRetryTokenForRetry(token, errorInfo);
  }

  recordSuccess(token: StandardRetryToken): void {
    this.inner.recordSuccess(token);
  }
}
