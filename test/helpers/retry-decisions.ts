import type { RetryErrorInfo, StandardRetryToken } from '@smithy/types';
import { BoundedRetryStrategy } from '../../lambda/common/chime/retry-strategy';

/** What the function's retry strategy decided after a failed attempt. */
export type RetryDecision =
  | {
      readonly outcome: 'retry';
      /** The wait before the next attempt (slept by the strategy or by the SDK's middleware). */
      readonly delayMs: number;
    }
  | { readonly outcome: 'refused'; readonly reason: string };

/**
 * Records every decision of every {@link BoundedRetryStrategy} in this process, in order, so a
 * test asserts what was decided (retry after how long, or give up and why) instead of timing it.
 * Call `restore()` (or `jest.restoreAllMocks()`) afterwards.
 */
export function recordRetryDecisions(): { decisions: RetryDecision[]; restore(): void } {
  const decisions: RetryDecision[] = [];
  const original = BoundedRetryStrategy.prototype.refreshRetryTokenForRetry;
  const spy = jest
    .spyOn(BoundedRetryStrategy.prototype, 'refreshRetryTokenForRetry')
    .mockImplementation(function (
      this: BoundedRetryStrategy,
      token: StandardRetryToken,
      errorInfo: RetryErrorInfo,
    ): Promise<StandardRetryToken> {
      const decided = original.call(this, token, errorInfo);
      decided.then(
        // @smithy/core's standard strategy sleeps before it returns the token and notes the wait
        // in `$retryLog.acquisitionDelay`; the middleware adds it to the token's own delay.
        (next) => {
          const slept = (next as { $retryLog?: { acquisitionDelay?: number } }).$retryLog;
          decisions.push({
            outcome: 'retry',
            delayMs: (slept?.acquisitionDelay ?? 0) + next.getRetryDelay(),
          });
        },
        (error: unknown) =>
          decisions.push({
            outcome: 'refused',
            reason: error instanceof Error ? error.message : String(error),
          }),
      );
      return decided;
    });
  return { decisions, restore: () => spy.mockRestore() };
}
