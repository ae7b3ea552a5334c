import { STATUS_CODES } from 'node:http';

const problem = (status: number, detail: string) => ({
  status,
  title: STATUS_CODES[status] as string,
  detail,
});

/** The RFC 9457 problems. Clients key on `code`; `detail` is generic: the cause is only logged. */
export const PROBLEMS = Object.freeze({
  invalid_id: problem(400, 'meetingId and attendeeId must be Amazon Chime SDK GUIDs.'),
  unauthorized: problem(401, 'A valid bearer token is required.'),
  not_found: problem(404, 'The meeting has ended or the attendee does not exist.'),
  too_many_requests: problem(
    429,
    'Too many requests for attendees this caller may not see; retry after Retry-After.',
  ),
  upstream_rejected: problem(502, 'The meeting service rejected the request.'),
  upstream_credentials: problem(
    502,
    'The meeting service is not reachable with this backend’s credentials.',
  ),
  upstream_failure: problem(502, 'The meeting service failed to answer.'),
  upstream_malformed: problem(502, 'The meeting service gave an unexpected answer.'),
  upstream_throttled: problem(503, 'The meeting service is busy. Retry after the given delay.'),
  upstream_unavailable: problem(
    503,
    'The meeting service is unavailable. Retry after the given delay.',
  ),
  identity_provider_unavailable: problem(
    503,
    'Tokens cannot be verified right now. Retry after the given delay.',
  ),
  upstream_timeout: problem(504, 'The meeting service did not answer in time.'),
  internal_error: problem(500, 'An unexpected error occurred.'),
});

export type ProblemCode = keyof typeof PROBLEMS;

/** The RFC 9457 body of `code`, with a stable URI per code as its `type`. */
export function problemBody(code: ProblemCode, requestId: string) {
  const { status, title, detail } = PROBLEMS[code];
  const type = `urn:chime-attendee-bff:problem:${code.replaceAll('_', '-')}`;
  return { type, title, status, detail, code, requestId };
}
