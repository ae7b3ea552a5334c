import { StandardRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, StandardRetryToken } from '@smithy/types';
import { callScope } from './call-scope';

/** The SDK's retry middleware then surfaces the last service error. */
export class RetryBudgetExceededError extends Error {
  override readonly name = 'RetryBudgetExceededError';
}

/** The largest delay the standard strategy may pick before retry `count` (jitter included). */
function backoffBound(count: number, errorInfo: RetryErrorInfo, now: number): number {
  // @smithy/core's bases (100 ms, throttling 500 ms or 1 s), doubled per retry, capped at 20 s.
  const base = errorInfo.errorType === 'THROTTLING' ? 1000 : 100;
  const backoff = Math.min(20_000, base * 2 ** count);
  const hint = errorInfo.retryAfterHint;
  return hint instanceof Date ? Math.max(backoff, hint.getTime() - now) : backoff;
}

/** Attempts of a request whose every attempt hangs `attemptMs`: what the 504 recipe queues. */
export function attemptsWithinDeadline(maxAttempts: number, attemptMs: number, deadlineMs: number) {
  let elapsed = attemptMs;
  for (let attempts = 1; attempts < maxAttempts; attempts += 1) {
    elapsed += backoffBound(attempts - 1, { errorType: 'TRANSIENT' }, 0) + attemptMs;
    if (elapsed > deadlineMs) return attempts;
  }
  return maxAttempts;
}

/**
 * The standard retries, refusing (the last error reaches the client, not a 504) one after a
 * `Retry-After` above `maxRetryAfterMs`, past the call scope's deadline, or after its abort.
 */
export class BoundedRetryStrategy extends StandardRetryStrategy {
  constructor(
    maxAttempts: number,
    private readonly maxRetryAfterMs: number,
    private readonly attemptMs: number,
    private readonly now: () => number = Date.now,
  ) {
    super(maxAttempts);
  }
  override refreshRetryTokenForRetry(
    token: StandardRetryToken,
    errorInfo: RetryErrorInfo,
  ): Promise<StandardRetryToken> {
    const now = this.now();
    const hint = errorInfo.retryAfterHint;
    if (hint instanceof Date && hint.getTime() - now > this.maxRetryAfterMs) {
      return Promise.reject(new RetryBudgetExceededError('Retry-After exceeds the retry budget'));
    }
    const scope = callScope();
    if (scope?.signal?.aborted) {
      return Promise.reject(new RetryBudgetExceededError('the call was aborted'));
    }
    const wait = backoffBound(token.getRetryCount(), errorInfo, now);
    if (now + wait + this.attemptMs > (scope?.deadlineAt ?? Infinity)) {
      return Promise.reject(new RetryBudgetExceededError('no whole attempt fits the deadline'));
    }
    return super.refreshRetryTokenForRetry(token, errorInfo);
  }
}
