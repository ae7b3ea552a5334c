import { type ApiErrorCode, GATEWAY_CODES, PROBLEM_CODES, type Problem } from './types';

/** What an {@link ApiError} is made of; its flags follow from `status` and `code`. */
export type ApiErrorInit = Pick<ApiError, 'status' | 'code' | 'message'> &
  Partial<Pick<ApiError, 'requestId' | 'retryAfter' | 'problem' | 'cause'>>;

/**
 * Every failure of the client, in one class: `status` and `code` say what happened, the flags
 * say what a UI should do about it (each field, and an example: client/README.md, "Errors").
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** The HTTP status, or 0 when there was no answer (network error, or an ID refused before sending). */
  readonly status: number;
  readonly code: ApiErrorCode;
  /** The problem's `requestId`, or the `apigw-requestid` header: what support needs. */
  readonly requestId: string | undefined;
  /** Seconds to wait before retrying, from `Retry-After`. */
  readonly retryAfter: number | undefined;
  readonly problem: Problem | undefined;
  /** 401: sign in again. */
  readonly needsSignIn: boolean;
  /** 404 `not_found`: the meeting has ended, or the attendee is gone or not the caller's. */
  readonly notFound: boolean;
  /** 429, 503, 504 or no answer: the same request may succeed later. */
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
    this.isRetryable = [429, 503, 504].includes(init.status) || init.code === 'network_error';
  }
}

/** Seconds from a `Retry-After` value: delta-seconds, or an HTTP date (from `now`). */
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

const asString = (value: unknown) => (typeof value === 'string' ? value : undefined);

const isProblem = (body: unknown): body is Problem =>
  isObject(body) && (PROBLEM_CODES as readonly unknown[]).includes(body.code);

/** The body, parsed when the answer's media type is `mediaType` (or any JSON type, if omitted). */
export function jsonBody(response: Response, text: string, mediaType?: string): unknown {
  const type = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType ? type !== mediaType : !type.endsWith('json')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A problem keeps its code, a gateway `{"message"}` gets `gateway_*`, anything else is unexpected. */
export function errorFromResponse(response: Response, text: string): ApiError {
  const { status } = response;
  const base = {
    status,
    requestId: response.headers.get('apigw-requestid') ?? undefined,
    retryAfter: parseRetryAfter(response.headers.get('retry-after')),
  };
  const problem = jsonBody(response, text, 'application/problem+json');
  if (isProblem(problem)) {
    return new ApiError({
      ...base,
      code: problem.code,
      message: asString(problem.detail) ?? `The API answered ${status}.`,
      requestId: asString(problem.requestId) ?? base.requestId,
      problem,
    });
  }
  const gateway = jsonBody(response, text, 'application/json');
  if (isObject(gateway) && typeof gateway.message === 'string') {
    return new ApiError({
      ...base,
      code: GATEWAY_CODES[status as keyof typeof GATEWAY_CODES] ?? 'gateway_error',
      message: `The API gateway answered ${status}: ${gateway.message}`,
    });
  }
  const body = jsonBody(response, text);
  return new ApiError({
    ...base,
    code: 'unexpected_response',
    message: `The API answered ${status} with a body this client does not know.`,
    requestId: (isObject(body) ? asString(body.requestId) : undefined) ?? base.requestId,
  });
}
