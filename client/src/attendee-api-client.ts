import { ApiError, errorFromResponse, isObject, jsonBody } from './api-error';
import { type AttendeeResponse, GUID_PATTERN, type JoinInfo, type RosterResponse } from './types';

/** Opt-in retries of 503 and 429, bounded. */
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
  /** Off unless given. */
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
  /**
   * The caller's own attendee ID in the same meeting: reads `attendeeId` as a participant of
   * that meeting (never a JoinToken). Sent as the `as` query parameter.
   */
  readonly as?: string;
}

export interface AttendeeApiClient {
  /**
   * The attendee; `Attendee.JoinToken` only when the caller owns it (policy `owner`). A moderator,
   * or a participant naming their own attendee in `as`, gets it without.
   */
  getAttendee(request: GetAttendeeRequest): Promise<AttendeeResponse>;
  /** The meeting and the caller's own attendee, for `MeetingSessionConfiguration`. */
  getJoinInfo(request: AttendeeRequest): Promise<JoinInfo>;
  /** Every attendee of the meeting, for its participants and moderators; never a JoinToken. */
  getRoster(request: MeetingRequest): Promise<RosterResponse>;
}

const ACCEPT = 'application/json, application/problem+json';
const RETRIED_STATUSES = new Set([429, 503]);

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function checkId(name: string, value: unknown): string {
  if (typeof value !== 'string' || !GUID_PATTERN.test(value)) {
    throw new ApiError({
      status: 0,
      code: 'invalid_id',
      message: `${name} must be an Amazon Chime SDK GUID.`,
    });
  }
  return value;
}

const meetingPath = (request: MeetingRequest) =>
  `/meetings/${checkId('meetingId', request.meetingId)}`;

const attendeePath = (request: AttendeeRequest) =>
  `${meetingPath(request)}/attendees/${checkId('attendeeId', request.attendeeId)}`;

function checkOptions(options: AttendeeApiClientOptions): typeof fetch {
  if (typeof options.getToken !== 'function') {
    throw new TypeError('createAttendeeApiClient: getToken must be a function');
  }
  const retry = options.retry;
  if (retry !== undefined) {
    if (!Number.isInteger(retry.maxRetries) || retry.maxRetries < 0) {
      throw new TypeError('createAttendeeApiClient: retry.maxRetries must be an integer ≥ 0');
    }
    if (!Number.isFinite(retry.maxDelaySeconds) || retry.maxDelaySeconds < 0) {
      throw new TypeError('createAttendeeApiClient: retry.maxDelaySeconds must be a number ≥ 0');
    }
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') {
    throw new TypeError('createAttendeeApiClient: no fetch available; pass options.fetch');
  }
  return fetchImpl;
}

/**
 * A typed client of the attendee API, for browsers and Node 22. IDs are checked before anything
 * is sent; every failure is an {@link ApiError}, except an abort, which rejects with the
 * signal's reason like `fetch` does.
 *
 * @example
 * const api = createAttendeeApiClient({ baseUrl, getToken: () => auth.accessToken(),
 *   retry: { maxRetries: 2, maxDelaySeconds: 5 } });
 * const { Meeting, Attendee } = await api.getJoinInfo({ meetingId, attendeeId });
 * const configuration = new MeetingSessionConfiguration(Meeting, Attendee);
 */
export function createAttendeeApiClient(options: AttendeeApiClientOptions): AttendeeApiClient {
  const fetchImpl = checkOptions(options);
  const { getToken, retry } = options;
  const baseUrl = String(options.baseUrl).replace(/\/+$/, '');

  /** Seconds to wait before retrying after `error`, or undefined to give up. */
  const retryDelay = (error: ApiError, retries: number): number | undefined => {
    if (!retry || retries >= retry.maxRetries || !RETRIED_STATUSES.has(error.status)) {
      return undefined;
    }
    if (error.retryAfter !== undefined) {
      return error.retryAfter <= retry.maxDelaySeconds ? error.retryAfter : undefined;
    }
    return Math.min(2 ** retries, retry.maxDelaySeconds);
  };

  /** One attempt: the answer's status, headers and text, or a network error. */
  const attempt = async (url: string, signal: AbortSignal | undefined) => {
    const token = await getToken();
    signal?.throwIfAborted();
    try {
      const response = await fetchImpl(url, {
        method: 'GET',
        headers: { Authorization: `Bearer ${token}`, Accept: ACCEPT },
        ...(signal ? { signal } : {}),
      });
      return { response, text: await response.text() };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new ApiError({
        status: 0,
        code: 'network_error',
        message: 'The API could not be reached.',
        cause: error,
      });
    }
  };

  /** GETs `path` (IDs already checked), retrying as configured, until `isExpected` or an error. */
  const get = async <T>(
    path: string,
    signal: AbortSignal | undefined,
    isExpected: (body: unknown) => body is T,
  ): Promise<T> => {
    const url = `${baseUrl}${path}`;
    for (let retries = 0; ; retries += 1) {
      signal?.throwIfAborted();
      const { response, text } = await attempt(url, signal);
      if (response.status === 200) {
        const body = jsonBody(response, text);
        if (isExpected(body)) return body;
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
      return get(
        `${path}${query}`,
        request.signal,
        (body): body is AttendeeResponse => isObject(body) && isObject(body.Attendee),
      );
    },
    getJoinInfo: async (request) =>
      get(
        `${attendeePath(request)}/join-info`,
        request.signal,
        (body): body is JoinInfo =>
          isObject(body) && isObject(body.Meeting) && isObject(body.Attendee),
      ),
    getRoster: async (request) =>
      get(
        `${meetingPath(request)}/roster`,
        request.signal,
        (body): body is RosterResponse =>
          isObject(body) && Array.isArray(body.Attendees) && body.Attendees.every(isObject),
      ),
  };
}
