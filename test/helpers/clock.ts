import { FAILURE_MEMORY_MS } from '../../lambda/attendee/idp-fetcher';

/**
 * Runs `call` with `Date.now` moved past the identity provider's failure memory (a failed
 * discovery or JWKS fetch is remembered that long), then restores the clock. No real waiting.
 */
export async function afterFailureMemory<T>(call: () => Promise<T>): Promise<T> {
  const realNow = Date.now.bind(Date);
  const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + FAILURE_MEMORY_MS);
  try {
    return await call();
  } finally {
    clock.mockRestore();
  }
}
