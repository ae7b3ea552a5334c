import { FAILURE_MEMORY_MS } from '../../lambda/attendee/auth/idp-fetcher';

/**
 * Runs `call` with `Date.now` moved `ms` ahead, then restores the clock: timers and I/O stay
 * real, so nothing waits. Whatever reads `Date.now()` as it runs (aws-jwt-verify, the verified
 * tokens, the identity provider's failure memory) sees the later time.
 */
export function later<T>(ms: number, call: () => Promise<T>): Promise<T> {
  const realNow = Date.now.bind(Date);
  return withClock(() => realNow() + ms, call);
}

/** Runs `call` with `Date.now` stopped at `time` (epoch ms), then restores the clock. */
export const at = <T>(time: number, call: () => Promise<T>): Promise<T> =>
  withClock(() => time, call);

async function withClock<T>(now: () => number, call: () => Promise<T>): Promise<T> {
  const clock = jest.spyOn(Date, 'now').mockImplementation(now);
  try {
    return await call();
  } finally {
    clock.mockRestore();
  }
}

/** Runs `call` past the identity provider's failure memory (a failed fetch is kept that long). */
export const afterFailureMemory = <T>(call: () => Promise<T>): Promise<T> =>
  later(FAILURE_MEMORY_MS, call);
