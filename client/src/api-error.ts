import {
  type ApiErrorCode,
  GATEWAY_CODES,
  type GatewayCode,
  PROBLEM_CODES,
  type Problem,
} from './types';

export interface ApiErrorInit {
  /** The HTTP status, or 0 when there was no answer (network error, or an ID refused before sending). */
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly message: string;
  readonly requestId?: string | undefined;
  readonly retryAfter?: number | undefined;
  readonly problem?: Problem | undefined;
  readonly cause?: unknown;
}

/**
 * Every failure of the client, in one class: `status` and `code` say what happened, the flags
 * say what a UI should do about it.
 *
 * @example
 * catch (error) {
 *   if (!(error instanceof ApiError)) throw error;
 *   if (error.needsSignIn) return signIn();
 *   if (error.notFound) return show('The meeting has ended.');
 *   if (error.retryAfter !== undefined) return show(`Busy: retry in ${error.retryAfter} s.`);
 * }
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** The HTTP status, or 0 when there was no answer. */
  readonly status: number;
  /** The problem `code`, a `gateway_*` code, `network_error`, or `unexpected_response`. */
  readonly code: ApiErrorCode;
  /** What support needs to find the request: the problem's `requestId`, or `apigw-requestid`. */
  readonly requestId: string | undefined;
  /** Seconds to wait before retrying, from `Retry-After`. */
  readonly retryAfter: number | undefined;
  /** The RFC 9457 body, when the function answered one. */
  readonly problem: Problem | undefined;
  /** 401: the token is missing, expired or refused; sign in again. */
  readonly needsSignIn: boolean;
  /** 404 `not_found`: the meeting has ended, or the attendee is gone or not the caller's. */
  readonly notFound: boolean;
  /**
   * The same request may succeed later: 429, 503, 504 or no answer at all. Only 429 and 503
   * are retried by the client (opt-in), since they say how long to wait.
   */
  readonly isRetryable: boolean;

  constructor(init: ApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
    this.problem = init.problem;
    this.needsSignIn = init.status === 401;
    this.notFound = init.code === 'not_found';
    this.isRetryable =
      init.status === 429 ||
      init.status === 503 ||
      init.status === 504 ||
      init.code === 'network_error';
  }
}

/**
 * Seconds from a `Retry-After` value: delta-seconds, or an HTTP date (from `now`). Anything
 * else is `undefined`.
 */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  const text = value?.trim() ?? '';
  if (/^\d+$/.test(text)) return Number(text);
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const mediaTypeOf = (response: Response) =>
  response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const PROBLEM_CODE_SET: ReadonlySet<string> = new Set(PROBLEM_CODES);

function isProblem(body: unknown): body is Problem {
  return isObject(body) && typeof body.code === 'string' && PROBLEM_CODE_SET.has(body.code);
}

/**
 * The error for a non-200 answer whose body is `text`: a problem keeps its code, a gateway
 * `{"message"}` gets a `gateway_*` code by status, anything else (a problem code this client
 * does not know, an HTML error page) is `unexpected_response`, still with its status.
 */
export function errorFromResponse(response: Response, text: string): ApiError {
  const { status } = response;
  const headerRequestId = response.headers.get('apigw-requestid') ?? undefined;
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  const mediaType = mediaTypeOf(response);
  const body = mediaType.endsWith('json') ? parseJson(text) : undefined;
  if (mediaType === 'application/problem+json' && isProblem(body)) {
    return new ApiError({
      status,
      code: body.code,
      message: typeof body.detail === 'string' ? body.detail : `The API answered ${status}.`,
      requestId: typeof body.requestId === 'string' ? body.requestId : headerRequestId,
      retryAfter,
      problem: body,
    });
  }
  if (mediaType === 'application/json' && isObject(body) && typeof body.message === 'string') {
    const code: GatewayCode =
      GATEWAY_CODES[status as keyof typeof GATEWAY_CODES] ?? 'gateway_error';
    return new ApiError({
      status,
      code,
      message: `The API gateway answered ${status}: ${body.message}`,
      requestId: headerRequestId,
      retryAfter,
    });
  }
  const bodyRequestId = isObject(body) ? body.requestId : undefined;
  return new ApiError({
    status,
    code: 'unexpected_response',
    message: `The API answered ${status} with a body this client does not know.`,
    requestId: typeof bodyRequestId === 'string' ? bodyRequestId : headerRequestId,
    retryAfter,
  });
}

/** The body of a 200, if it is JSON. */
export function jsonBody(response: Response, text: string): unknown {
  return mediaTypeOf(response) === 'application/json' ? parseJson(text) : undefined;
}
