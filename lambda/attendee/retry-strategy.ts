import { StandardRetryStrategy } from '@smithy/core/retry';
import type {
  RetryErrorInfo,
  RetryStrategyV2,
  RetryToken,
  StandardRetryToken,
} from '@smithy/types';

/** Thrown to the SDK's retry middleware, which then surfaces the last service error. */
export class RetryBudgetExceededError extends Error {
  override readonly name = 'RetryBudgetExceededError';
}

/**
 * The SDK's standard retries (the given attempts, exponential backoff with jitter, retry quota),
 * except that an upstream `Retry-After` longer than `maxRetryAfterMs` is not waited out inside
 * the Lambda: the error goes back at once, and the client gets the 503 with that `Retry-After`.
 * Without this, a `Retry-After: 5` turns three attempts into a 504 at the deadline.
 */
export class BoundedRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'standard';
  private readonly inner: StandardRetryStrategy;

  constructor(
    maxAttempts: number,
    private readonly maxRetryAfterMs: number,
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
    const hint = errorInfo.retryAfterHint;
    if (hint instanceof Date && hint.getTime() - this.now() > this.maxRetryAfterMs) {
      return Promise.reject(new RetryBudgetExceededError('Retry-After exceeds the retry budget'));
    }
    return this.inner.refreshRetryTokenForRetry(token, errorInfo);
  }

  recordSuccess(token: StandardRetryToken): void {
    this.inner.recordSuccess(token);
  }
}
