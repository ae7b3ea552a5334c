import { classifyError } from '../../../../lambda/attendee/errors/classify-error';
import { ProblemError, UpstreamResponseError } from '../../../../lambda/attendee/errors/errors';

const RETRY_AFTER = 3;
/** An error as the SDK raises it: a name, and `$metadata` when the service answered. */
const sdkError = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error('upstream text, never logged'), { name, ...extra });
const answered = (name: string, extra: Record<string, unknown> = {}) =>
  sdkError(name, { $fault: 'client', $metadata: { requestId: 'req-1' }, ...extra });

describe('classifyError', () => {
  it.each([
    [
      'a decided problem',
      new ProblemError('not_found', 'not theirs'),
      'not_found',
      'not theirs',
      'info',
    ],
    [
      'a malformed answer',
      new UpstreamResponseError('Attendee is missing'),
      'upstream_malformed',
      'Attendee is missing',
      'error',
    ],
    [
      'NotFound from Chime',
      answered('NotFoundException'),
      'not_found',
      'NotFoundException',
      'info',
    ],
    [
      'a refused signature',
      answered('InvalidSignatureException'),
      'upstream_credentials',
      'InvalidSignatureException',
      'error',
    ],
    [
      'a credentials provider that failed (no answer)',
      sdkError('CredentialsProviderError'),
      'upstream_credentials',
      'CredentialsProviderError',
      'error',
    ],
    [
      'a modeled name without an answer',
      sdkError('NotFoundException'),
      'internal_error',
      'NotFoundException',
      'error',
    ],
    [
      'an unknown service error',
      answered('SomethingNewException'),
      'upstream_failure',
      'SomethingNewException',
      'warn',
    ],
    [
      'a reset socket the SDK calls a timeout',
      sdkError('TimeoutError', { code: 'ECONNRESET' }),
      'upstream_failure',
      'TimeoutError:ECONNRESET',
      'warn',
    ],
    [
      'a deadline',
      new DOMException('deadline', 'AbortError'),
      'upstream_timeout',
      'AbortError',
      'warn',
    ],
    [
      'a per-attempt time-out',
      sdkError('TimeoutError'),
      'upstream_timeout',
      'TimeoutError',
      'warn',
    ],
    ['a bug', new TypeError('x is undefined'), 'internal_error', 'TypeError', 'error'],
    ['something that is not an error', 'boom', 'internal_error', 'UnknownError', 'error'],
  ])('classifies %s', (_case, error, code, cause, level) => {
    expect(classifyError(error, RETRY_AFTER)).toMatchObject({ code, cause, level });
  });

  it('keeps the request id of a Chime answer, for the log', () => {
    expect(classifyError(answered('NotFoundException'), RETRY_AFTER).chimeRequestId).toBe('req-1');
    expect(classifyError(sdkError('TimeoutError'), RETRY_AFTER)).not.toHaveProperty(
      'chimeRequestId',
    );
  });

  it('asks for the configured Retry-After when throttled', () => {
    expect(classifyError(answered('ThrottlingException'), RETRY_AFTER).headers).toEqual({
      'Retry-After': '3',
    });
  });

  it.each([
    [7, '7'],
    ['12', '12'],
    [0, '1'],
    [3600, '60'],
    ['soon', '3'],
    [undefined, '3'],
  ])('passes on an upstream RetryAfterSeconds of %j as %s (1-60)', (upstream, header) => {
    const error = answered('ServiceUnavailableException', { RetryAfterSeconds: upstream });
    expect(classifyError(error, RETRY_AFTER).headers).toEqual({ 'Retry-After': header });
  });

  it('passes the headers of a decided problem on as they are', () => {
    const error = new ProblemError('too_many_requests', 'spent', { 'Retry-After': '9' });
    expect(classifyError(error, RETRY_AFTER).headers).toEqual({ 'Retry-After': '9' });
  });
});
