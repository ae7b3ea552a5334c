import { ApiError, errorFromResponse, isObject, jsonBody } from './api-error';
import { type AttendeeResponse, GUID_PATTERN, type JoinInfo, type RosterResponse } from './types';

/** Opt-in retries of 503 and 429, bounded (client/README.md, "Retries"). */
export interface RetryOptions {
  /** Retries after the first attempt (0 = none). */
  readonly maxRetries: number;
  /** A `Retry-After` longer than this is not waited out: the error is thrown at once. */
  readonly maxDelaySeconds: number;
}

export interface AttendeeApiClientOptions {
  /** The API's base URL, e.g. `https://abc.execute-api.us-east-1.amazonaws.com`. */
  readonly baseUrl: string | URL;
  /** The bearer JWT, asked again for every attempt (so a refreshed token is used). */
  readonly getToken: () => string | Promise<string>;
  /** Defaults to the global `fetch`. */
  readonly fetch?: typeof fetch;
  readonly retry?: RetryOptions;
}

export interface MeetingRequest {
  readonly meetingId: string;
  /** Aborts the request and any wait between retries; the promise rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

export interface AttendeeRequest extends MeetingRequest {
  readonly attendeeId: string;
}

export interface GetAttendeeRequest extends AttendeeRequest {
  /** The caller's own attendee ID in the meeting: reads `attendeeId` as a participant. */
  readonly as?: string;
}

export interface AttendeeApiClient {
  /** The attendee; `Attendee.JoinToken` only when the caller owns it. */
  getAttendee(request: GetAttendeeRequest): Promise<AttendeeResponse>;
  /** The meeting and the caller's own attendee, for `MeetingSessionConfiguration`. */
  getJoinInfo(request: AttendeeRequest): Promise<JoinInfo>;
  /** Every attendee of the meeting, for its participants and moderators; never a JoinToken. */
  getRoster(request: MeetingRequest): Promise<RosterResponse>;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      if (signal?.aborted) reject(signal.reason);
      else resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function checkId(name: string, value: unknown): string {
  if (typeof value === 'string' && GUID_PATTERN.test(value)) return value;
  const message = `${name} must be an Amazon Chime SDK GUID.`;
  throw new ApiError({ status: 0, code: 'invalid_id', message });
}

const meetingPath = (request: MeetingRequest) =>
  `/meetings/${checkId('meetingId', request.meetingId)}`;

const attendeePath = (request: AttendeeRequest) =>
  `${meetingPath(request)}/attendees/${checkId('attendeeId', request.attendeeId)}`;

/**
 * A typed client of the attendee API, for browsers and Node 22. IDs are checked before anything
 * is sent; every failure is an {@link ApiError}, except an abort, which rejects with the
 * signal's reason like `fetch` does.
 *
 * @example
 * const api = createAttendeeApiClient({ baseUrl, getToken: () => auth.accessToken() });
 * const { Meeting, Attendee } = await api.getJoinInfo({ meetingId, attendeeId });
 */
export function createAttendeeApiClient(options: AttendeeApiClientOptions): AttendeeApiClient {
  const { getToken, retry, fetch: fetchImpl = globalThis.fetch } = options;
  const refuse = (what: string) => {
    throw new TypeError(`createAttendeeApiClient: ${what}`);
  };
  if (typeof getToken !== 'function') refuse('getToken must be a function');
  if (retry && !(Number.isInteger(retry.maxRetries) && retry.maxRetries >= 0)) {
    refuse('retry.maxRetries must be an integer ≥ 0');
  }
  if (retry && !(Number.isFinite(retry.maxDelaySeconds) && retry.maxDelaySeconds >= 0)) {
    refuse('retry.maxDelaySeconds must be a number ≥ 0');
  }
  if (typeof fetchImpl !== 'function') refuse('no fetch available; pass options.fetch');
  const baseUrl = String(options.baseUrl).replace(/\/+$/, '');

  /** Seconds to wait before retrying after `error`, or undefined to give up. */
  const retryDelay = (error: ApiError, retries: number): number | undefined => {
    if (!retry || retries >= retry.maxRetries || ![429, 503].includes(error.status)) return;
    if (error.retryAfter === undefined) return Math.min(2 ** retries, retry.maxDelaySeconds);
    return error.retryAfter <= retry.maxDelaySeconds ? error.retryAfter : undefined;
  };

  const attempt = async (url: string, signal: AbortSignal | undefined) => {
    const token = await getToken();
    signal?.throwIfAborted();
    try {
      const response = await fetchImpl(url, {
        method: 'GET',
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json, application/problem+json',
        },
        ...(signal ? { signal } : {}),
      });
      return { response, text: await response.text() };
    } catch (cause) {
      if (signal?.aborted) throw signal.reason;
      const message = 'The API could not be reached.';
      throw new ApiError({ status: 0, code: 'network_error', message, cause });
    }
  };

  /** GETs `path` (IDs already checked), retrying as configured, until `isExpected` or an error. */
  const get = async <T>(
    path: string,
    signal: AbortSignal | undefined,
    isExpected: (body: Record<string, unknown>) => boolean,
  ): Promise<T> => {
    for (let retries = 0; ; retries += 1) {
      signal?.throwIfAborted();
      const { response, text } = await attempt(`${baseUrl}${path}`, signal);
      if (response.status === 200) {
        const body = jsonBody(response, text, 'application/json');
        if (isObject(body) && isExpected(body)) return body as T;
        throw new ApiError({
          status: 200,
          code: 'unexpected_response',
          message: 'The API answered 200 with a body this client does not know.',
          requestId: response.headers.get('apigw-requestid') ?? undefined,
        });
      }
      const error = errorFromResponse(response, text);
      const delay = retryDelay(error, retries);
      if (delay === undefined) throw error;
      await sleep(delay * 1000, signal);
    }
  };

  // Async, so that an ID refused by checkId rejects the promise rather than throwing.
  return {
    getAttendee: async (request) => {
      const path = attendeePath(request);
      const query = request.as === undefined ? '' : `?as=${checkId('as', request.as)}`;
      return get(`${path}${query}`, request.signal, (body) => isObject(body.Attendee));
    },
    getJoinInfo: async (request) =>
      get(
        `${attendeePath(request)}/join-info`,
        request.signal,
        (body) => isObject(body.Meeting) && isObject(body.Attendee),
      ),
    getRoster: async (request) =>
      get(
        `${meetingPath(request)}/roster`,
        request.signal,
        (body) => Array.isArray(body.Attendees) && body.Attendees.every(isObject),
      ),
  };
}
