import type { RetryErrorInfo } from '@smithy/types';
import { withDeadline, withSignal } from '../../../../lambda/common/chime/call-scope';
import {
  BoundedRetryStrategy,
  RetryBudgetExceededError,
} from '../../../../lambda/common/chime/retry-strategy';

const transient: RetryErrorInfo = { errorType: 'TRANSIENT' };

async function freshToken(strategy: BoundedRetryStrategy) {
  return (await strategy.acquireInitialRetryToken('chime')) as never;
}

describe('BoundedRetryStrategy', () => {
  it('retries a transient error like the standard strategy when nothing bounds it', async () => {
    const strategy = new BoundedRetryStrategy(3, 1000, 2000);
    const next = await strategy.refreshRetryTokenForRetry(await freshToken(strategy), transient);
    expect(next.getRetryCount()).toBe(1);
  });

  it('stops after the configured attempts', async () => {
    const strategy = new BoundedRetryStrategy(2, 1000, 2000);
    const second = await strategy.refreshRetryTokenForRetry(await freshToken(strategy), transient);
    await expect(strategy.refreshRetryTokenForRetry(second as never, transient)).rejects.toThrow();
  });

  it('hands back an upstream Retry-After longer than the bound instead of waiting it out', async () => {
    const strategy = new BoundedRetryStrategy(3, 1000, 2000);
    const info: RetryErrorInfo = {
      errorType: 'THROTTLING',
      retryAfterHint: new Date(Date.now() + 5000),
    };
    await expect(
      strategy.refreshRetryTokenForRetry(await freshToken(strategy), info),
    ).rejects.toBeInstanceOf(RetryBudgetExceededError);
  });

  it('refuses a retry whose backoff plus one whole attempt would end after the request deadline', async () => {
    const strategy = new BoundedRetryStrategy(3, 1000, 2000);
    const token = await freshToken(strategy);
    await expect(
      withDeadline(Date.now() + 2050, () => strategy.refreshRetryTokenForRetry(token, transient)),
    ).rejects.toBeInstanceOf(RetryBudgetExceededError);
    const next = await withDeadline(Date.now() + 2500, () =>
      strategy.refreshRetryTokenForRetry(token, transient),
    );
    expect(next.getRetryCount()).toBe(1);
  });

  it('refuses any retry once the signal of the call scope aborted, with the deadline still ahead', async () => {
    const strategy = new BoundedRetryStrategy(3, 1000, 2000);
    const token = await freshToken(strategy);
    const request = new AbortController();
    const retry = () =>
      withDeadline(Date.now() + 60_000, () =>
        withSignal(request.signal, () => strategy.refreshRetryTokenForRetry(token, transient)),
      );
    expect((await retry()).getRetryCount()).toBe(1);
    request.abort();
    await expect(retry()).rejects.toThrow('the call was aborted');
  });
});
