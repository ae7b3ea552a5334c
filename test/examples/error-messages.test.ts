import { ApiError, type ApiErrorInit } from '../../client/src';
import {
  AUTO_RETRY,
  autoRetryDelay,
  errorDetails,
  rosterMessage,
  userMessage,
} from '../../examples/web/src/error-messages';

const apiError = (init: Partial<ApiErrorInit> & Pick<ApiErrorInit, 'status' | 'code'>) =>
  new ApiError({ message: 'detail', ...init });

describe('the example page’s error messages', () => {
  it.each([
    [
      '401 unauthorized',
      apiError({ status: 401, code: 'unauthorized' }),
      'Your session has expired — sign in again.',
    ],
    [
      '401 gateway_unauthorized',
      apiError({ status: 401, code: 'gateway_unauthorized' }),
      'Your session has expired — sign in again.',
    ],
    [
      '404 not_found',
      apiError({ status: 404, code: 'not_found' }),
      'This meeting has ended or you are not a participant.',
    ],
    [
      '503 upstream_unavailable (Retry-After 7)',
      apiError({ status: 503, code: 'upstream_unavailable', retryAfter: 7 }),
      'The meeting service is busy — try again in 7 s.',
    ],
    [
      '503 upstream_throttled',
      apiError({ status: 503, code: 'upstream_throttled' }),
      'The meeting service is busy — try again in a moment.',
    ],
    [
      '429 gateway_throttled (Retry-After 2)',
      apiError({ status: 429, code: 'gateway_throttled', retryAfter: 2 }),
      'The meeting service is busy — try again in 2 s.',
    ],
    [
      '503 identity_provider_unavailable (Retry-After 1)',
      apiError({ status: 503, code: 'identity_provider_unavailable', retryAfter: 1 }),
      'Sign-in is briefly unavailable — try again in 1 s.',
    ],
    [
      '502 upstream_failure',
      apiError({ status: 502, code: 'upstream_failure' }),
      'The meeting service is having problems — try again later.',
    ],
    [
      '502 upstream_credentials',
      apiError({ status: 502, code: 'upstream_credentials' }),
      'The meeting service is having problems — try again later.',
    ],
    [
      '504 upstream_timeout',
      apiError({ status: 504, code: 'upstream_timeout' }),
      'The meeting service did not answer in time — try again.',
    ],
    [
      '504 gateway_timeout',
      apiError({ status: 504, code: 'gateway_timeout' }),
      'The meeting service did not answer in time — try again.',
    ],
    [
      '0 network_error',
      apiError({ status: 0, code: 'network_error' }),
      'The meeting service cannot be reached — check your connection and try again.',
    ],
    [
      '0 invalid_id',
      apiError({ status: 0, code: 'invalid_id' }),
      'This meeting link is not valid — check the link you were sent.',
    ],
    [
      '404 gateway_not_found',
      apiError({ status: 404, code: 'gateway_not_found' }),
      'This app is not set up correctly — please tell the people who run it.',
    ],
    [
      '500 internal_error',
      apiError({ status: 500, code: 'internal_error' }),
      'Something went wrong on our side — try again later.',
    ],
    [
      'a bug in the page',
      new TypeError('boom'),
      'Something went wrong in this page — reload it and try again.',
    ],
  ])('words %s in a sentence the user can act on', (_case, error, message) => {
    expect(userMessage(error)).toBe(message);
  });

  it('tells whoever may not see the roster who may, and words its other errors as any other', () => {
    expect(rosterMessage(apiError({ status: 404, code: 'not_found' }))).toBe(
      'Only participants and moderators see the roster — you are neither, or the meeting has ended.',
    );
    const expired = apiError({ status: 401, code: 'unauthorized' });
    expect(rosterMessage(expired)).toBe(userMessage(expired));
  });

  it('counts down while an automatic retry is pending', () => {
    const busy = apiError({ status: 503, code: 'upstream_unavailable', retryAfter: 3 });
    expect(userMessage(busy, 2)).toBe('The meeting service is busy — retrying in 2 s.');
  });

  it('gives support the status, code, Retry-After and request id', () => {
    const busy = apiError({
      status: 503,
      code: 'upstream_unavailable',
      retryAfter: 3,
      requestId: 'req-1',
    });
    expect(errorDetails(busy)).toBe(
      'HTTP 503 · upstream_unavailable · Retry-After 3 s · reference req-1',
    );
    expect(errorDetails(apiError({ status: 0, code: 'network_error' }))).toMatch(
      /^no HTTP answer · network_error · or a CORS refusal/,
    );
  });

  const busy = (retryAfter?: number) =>
    apiError({ status: 503, code: 'upstream_unavailable', retryAfter });

  it.each([
    ['retries after 3 s', 'a short Retry-After on 503', busy(3), 0, 3],
    [
      'retries after 1 s',
      'a short Retry-After on 429',
      apiError({ status: 429, code: 'gateway_throttled', retryAfter: 1 }),
      0,
      1,
    ],
    ['does not retry', 'the last automatic retry', busy(3), AUTO_RETRY.maxRetries, undefined],
    ['does not retry', 'a long Retry-After', busy(30), 0, undefined],
    ['does not retry', 'a 503 without Retry-After', busy(), 0, undefined],
    ['does not retry', 'a 504', apiError({ status: 504, code: 'upstream_timeout' }), 0, undefined],
    [
      'does not retry',
      'a network error',
      apiError({ status: 0, code: 'network_error' }),
      0,
      undefined,
    ],
  ])('%s by itself after %s', (_outcome, _after, error, retries, delay) => {
    expect(autoRetryDelay(error, retries)).toBe(delay);
  });
});
