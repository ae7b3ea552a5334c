/**
 * The RFC 9457 problems this API answers with. Clients key on `code`; `title` and `detail` are
 * generic by design: the cause of a problem is logged, never sent.
 */
export const PROBLEMS = Object.freeze({
  invalid_id: {
    status: 400,
    title: 'Bad Request',
    detail: 'meetingId and attendeeId must be Amazon Chime SDK GUIDs.',
  },
  unauthorized: {
    status: 401,
    title: 'Unauthorized',
    detail: 'A valid bearer token is required.',
  },
  not_found: {
    status: 404,
    title: 'Not Found',
    detail: 'The meeting has ended or the attendee does not exist.',
  },
  too_many_requests: {
    status: 429,
    title: 'Too Many Requests',
    detail: 'Too many requests for attendees this caller may not see; retry after Retry-After.',
  },
  upstream_rejected: {
    status: 502,
    title: 'Bad Gateway',
    detail: 'The meeting service rejected the request.',
  },
  upstream_credentials: {
    status: 502,
    title: 'Bad Gateway',
    detail: 'The meeting service is not reachable with this backend’s credentials.',
  },
  upstream_failure: {
    status: 502,
    title: 'Bad Gateway',
    detail: 'The meeting service failed to answer.',
  },
  upstream_malformed: {
    status: 502,
    title: 'Bad Gateway',
    detail: 'The meeting service gave an unexpected answer.',
  },
  upstream_throttled: {
    status: 503,
    title: 'Service Unavailable',
    detail: 'The meeting service is busy. Retry after the given delay.',
  },
  upstream_unavailable: {
    status: 503,
    title: 'Service Unavailable',
    detail: 'The meeting service is unavailable. Retry after the given delay.',
  },
  identity_provider_unavailable: {
    status: 503,
    title: 'Service Unavailable',
    detail: 'Tokens cannot be verified right now. Retry after the given delay.',
  },
  upstream_timeout: {
    status: 504,
    title: 'Gateway Timeout',
    detail: 'The meeting service did not answer in time.',
  },
  internal_error: {
    status: 500,
    title: 'Internal Server Error',
    detail: 'An unexpected error occurred.',
  },
} as const);

export type ProblemCode = keyof typeof PROBLEMS;

/** The body of every error response (`application/problem+json`). */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ProblemCode;
  readonly requestId: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A stable URI per problem code (RFC 9457 `type`). */
function problemType(code: ProblemCode): string {
  return `urn:chime-attendee-bff:problem:${code.replaceAll('_', '-')}`;
}

/** Builds the RFC 9457 body for `code`. */
export function problemBody(code: ProblemCode, requestId: string): ProblemBody {
  const { status, title, detail } = PROBLEMS[code];
  return { type: problemType(code), title, status, detail, code, requestId };
}
