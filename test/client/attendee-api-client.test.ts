import {
  ApiError,
  type AttendeeApiClientOptions,
  createAttendeeApiClient,
  PROBLEM_CODES,
  type ProblemCode,
  parseRetryAfter,
} from '../../client/src';
import { ADA, BOB, PIPELINE, ROSTER_MEETING } from '../helpers/roster-fixtures';

const BASE = 'https://api.example.com';
const MEETING = '5b0c6e7a-2d0f-4e0a-9f1c-3a4b5c6d7e8f';
const ATTENDEE = '0f1e2d3c-4b5a-4968-8776-655443322110';
const IDS = { meetingId: MEETING, attendeeId: ATTENDEE };
const ATTENDEE_PATH = `${BASE}/meetings/${MEETING}/attendees/${ATTENDEE}`;
const ROSTER = { Attendees: [ADA, BOB, PIPELINE] };

const STATUS_OF: Record<ProblemCode, number> = {
  invalid_id: 400,
  unauthorized: 401,
  not_found: 404,
  too_many_requests: 429,
  upstream_rejected: 502,
  upstream_credentials: 502,
  upstream_failure: 502,
  upstream_malformed: 502,
  upstream_throttled: 503,
  upstream_unavailable: 503,
  identity_provider_unavailable: 503,
  upstream_timeout: 504,
  internal_error: 500,
};

const attendee = {
  AttendeeId: ATTENDEE,
  ExternalUserId: 'alice',
  JoinToken: 'c2VjcmV0LWpvaW4tdG9rZW4',
  Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'apigw-requestid': 'gw-id', ...headers },
  });

const problem = (code: ProblemCode, headers: Record<string, string> = {}) =>
  new Response(
    JSON.stringify({
      type: `urn:chime-attendee-bff:problem:${code.replaceAll('_', '-')}`,
      title: 'Title',
      status: STATUS_OF[code],
      detail: `Detail of ${code}.`,
      code,
      requestId: 'problem-id',
    }),
    {
      status: STATUS_OF[code],
      headers: {
        'content-type': 'application/problem+json',
        'apigw-requestid': 'problem-id',
        ...headers,
      },
    },
  );

/** A fetch that answers from a queue (the last answer repeats) and records each call. */
function fakeFetch(...answers: (Response | (() => Response) | Error)[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = jest.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    calls.push({ url: String(input), init });
    const next = answers.length > 1 ? answers.shift() : answers[0];
    if (next instanceof Error) throw next;
    return typeof next === 'function' ? next() : (next as Response).clone();
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

function client(fetch: typeof globalThis.fetch, options: Partial<AttendeeApiClientOptions> = {}) {
  return createAttendeeApiClient({ baseUrl: BASE, getToken: () => 'token-1', fetch, ...options });
}

/** The rejection of `promise`, which must be an ApiError. */
async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}

describe('requests', () => {
  it('GETs the attendee with the bearer token and returns the typed body', async () => {
    const { fetch, calls } = fakeFetch(json(200, { Attendee: attendee }));
    const body = await client(fetch).getAttendee(IDS);
    expect(body.Attendee.JoinToken).toBe(attendee.JoinToken);
    expect(calls).toEqual([
      {
        url: ATTENDEE_PATH,
        init: {
          method: 'GET',
          headers: {
            Authorization: 'Bearer token-1',
            Accept: 'application/json, application/problem+json',
          },
        },
      },
    ]);
  });

  it('GETs join-info, with a token from an async getToken and a base URL with a trailing slash', async () => {
    const info = { Meeting: { MeetingId: MEETING }, Attendee: attendee };
    const { fetch, calls } = fakeFetch(json(200, info));
    const api = client(fetch, { baseUrl: new URL(`${BASE}/`), getToken: async () => 'token-2' });
    expect(await api.getJoinInfo(IDS)).toEqual(info);
    expect(calls[0]?.url).toBe(`${ATTENDEE_PATH}/join-info`);
    expect(calls[0]?.init.headers).toMatchObject({ Authorization: 'Bearer token-2' });
  });

  it('GETs the roster of the meeting', async () => {
    const { fetch, calls } = fakeFetch(json(200, ROSTER));
    expect(await client(fetch).getRoster({ meetingId: ROSTER_MEETING })).toEqual(ROSTER);
    expect(calls).toEqual([
      {
        url: `${BASE}/meetings/${ROSTER_MEETING}/roster`,
        init: {
          method: 'GET',
          headers: {
            Authorization: 'Bearer token-1',
            Accept: 'application/json, application/problem+json',
          },
        },
      },
    ]);
  });

  it('sends `as` of getAttendee as the query parameter', async () => {
    const { fetch, calls } = fakeFetch(json(200, { Attendee: { ...attendee, Name: 'Alice' } }));
    const body = await client(fetch).getAttendee({ ...IDS, as: BOB.AttendeeId });
    expect(body.Attendee.Name).toBe('Alice');
    expect(calls.map((call) => call.url)).toEqual([`${ATTENDEE_PATH}?as=${BOB.AttendeeId}`]);
  });

  it('passes the signal to fetch', async () => {
    const { fetch, calls } = fakeFetch(json(200, { Attendee: attendee }));
    const controller = new AbortController();
    await client(fetch).getAttendee({ ...IDS, signal: controller.signal });
    expect(calls[0]?.init.signal).toBe(controller.signal);
  });

  it.each([
    ['a short meetingId', { meetingId: 'abc' }, 'meetingId'],
    ['a non-hex attendeeId', { attendeeId: 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz' }, 'attendeeId'],
    ['an attendeeId with a path', { attendeeId: `${ATTENDEE}/join-info` }, 'attendeeId'],
    ['a missing meetingId', { meetingId: undefined as unknown as string }, 'meetingId'],
    ['an `as` that is not a GUID', { as: 'me' }, 'as'],
    ['an `as` with a query of its own', { as: `${ATTENDEE}&as=${ATTENDEE}` }, 'as'],
  ])('refuses %s before sending anything', async (_name, ids, field) => {
    const { fetch, calls } = fakeFetch(json(200, { Attendee: attendee }));
    const error = await apiError(client(fetch).getAttendee({ ...IDS, ...ids }));
    expect(error).toMatchObject({ status: 0, code: 'invalid_id' });
    expect(error.message).toContain(field);
    expect(calls).toHaveLength(0);
  });

  it('refuses a roster request for a malformed meetingId before sending anything', async () => {
    const { fetch, calls } = fakeFetch(json(200, ROSTER));
    const error = await apiError(client(fetch).getRoster({ meetingId: `${MEETING}/roster` }));
    expect(error).toMatchObject({
      status: 0,
      code: 'invalid_id',
      message: expect.stringMatching(/^meetingId/),
    });
    expect(calls).toHaveLength(0);
  });

  it('refuses options it cannot use when the client is created', () => {
    const { fetch } = fakeFetch(json(200, {}));
    const bad = [
      { getToken: 'token' as never },
      { retry: { maxRetries: -1, maxDelaySeconds: 5 } },
      { retry: { maxRetries: 1.5, maxDelaySeconds: 5 } },
      { retry: { maxRetries: 1, maxDelaySeconds: Number.NaN } },
    ];
    for (const options of bad) expect(() => client(fetch, options)).toThrow(TypeError);
  });
});

describe('errors', () => {
  it.each(PROBLEM_CODES.map((code) => [code, STATUS_OF[code]] as const))(
    'turns the %s problem (%i) into an ApiError with its code, status, detail and requestId',
    async (code, status) => {
      // 429 (this caller's budget) is busy like 503: Retry-After, retryable.
      const busy = status === 503 || status === 429;
      const { fetch } = fakeFetch(problem(code, busy ? { 'retry-after': '7' } : {}));
      const error = await apiError(client(fetch).getAttendee(IDS));
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({
        name: 'ApiError',
        status,
        code,
        message: `Detail of ${code}.`,
        requestId: 'problem-id',
        retryAfter: busy ? 7 : undefined,
        problem: expect.objectContaining({ code, status }),
        needsSignIn: status === 401,
        notFound: code === 'not_found',
        isRetryable: busy || status === 504,
      });
    },
  );

  it.each([
    [401, 'Unauthorized', 'gateway_unauthorized', { needsSignIn: true }],
    [404, 'Not Found', 'gateway_not_found', { notFound: false }],
    [429, 'Too Many Requests', 'gateway_throttled', { isRetryable: true }],
    [500, 'Internal Server Error', 'gateway_error', { isRetryable: false }],
    [503, 'Service Unavailable', 'gateway_unavailable', { isRetryable: true }],
    [504, 'Endpoint request timed out', 'gateway_timeout', { isRetryable: true }],
    [418, "I'm a teapot", 'gateway_error', { isRetryable: false }],
  ])(
    'gives the gateway’s %i {"message":"%s"} the code %s',
    async (status, message, code, flags) => {
      const { fetch } = fakeFetch(json(status, { message }));
      const error = await apiError(client(fetch).getAttendee(IDS));
      expect(error).toMatchObject({
        status,
        code,
        requestId: 'gw-id',
        problem: undefined,
        ...flags,
      });
    },
  );

  it('calls an answer outside the contract unexpected_response, keeping its status', async () => {
    const html = new Response('<html>Bad Gateway</html>', {
      status: 502,
      headers: { 'content-type': 'text/html', 'apigw-requestid': 'gw-id' },
    });
    const newCode = new Response(JSON.stringify({ code: 'brand_new', requestId: 'p-id' }), {
      status: 409,
      headers: { 'content-type': 'application/problem+json' },
    });
    const { fetch } = fakeFetch(html, newCode);
    const api = client(fetch);
    expect(await apiError(api.getAttendee(IDS))).toMatchObject({
      status: 502,
      code: 'unexpected_response',
      requestId: 'gw-id',
    });
    expect(await apiError(api.getAttendee(IDS))).toMatchObject({
      status: 409,
      code: 'unexpected_response',
      requestId: 'p-id',
    });
  });

  it.each([
    ['not JSON', new Response('{"Attendee":', { headers: { 'content-type': 'application/json' } })],
    ['without Attendee', json(200, { Meeting: {} })],
    ['in another content type', new Response('ok', { headers: { 'content-type': 'text/plain' } })],
  ])('refuses a 200 %s as unexpected_response', async (_name, response) => {
    const { fetch } = fakeFetch(response);
    expect(await apiError(client(fetch).getAttendee(IDS))).toMatchObject({
      status: 200,
      code: 'unexpected_response',
    });
  });

  it.each([
    ['without Attendees', {}],
    ['whose Attendees is not a list', { Attendees: { [ADA.AttendeeId]: ADA } }],
    ['with an entry that is not an object', { Attendees: [ADA, 'bob'] }],
  ])('refuses a 200 roster %s as unexpected_response', async (_name, body) => {
    const { fetch } = fakeFetch(json(200, body));
    expect(await apiError(client(fetch).getRoster({ meetingId: MEETING }))).toMatchObject({
      status: 200,
      code: 'unexpected_response',
    });
  });

  it('turns a failed fetch into network_error, keeping the cause', async () => {
    const cause = new TypeError('fetch failed');
    const { fetch } = fakeFetch(cause);
    const error = await apiError(client(fetch).getJoinInfo(IDS));
    expect(error).toMatchObject({ status: 0, code: 'network_error', isRetryable: true, cause });
  });

  it('reads Retry-After as delta-seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('12', now)).toBe(12);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('-3', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('retries', () => {
  beforeEach(() => {
    // Response bodies are read through microtasks and immediates: only timers are faked.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
  });
  afterEach(() => jest.useRealTimers());

  const retry = { maxRetries: 2, maxDelaySeconds: 5 };

  it('does not retry unless asked to', async () => {
    const { fetch, calls } = fakeFetch(problem('upstream_throttled', { 'retry-after': '1' }));
    const error = await apiError(client(fetch).getAttendee(IDS));
    expect(error.code).toBe('upstream_throttled');
    expect(calls).toHaveLength(1);
  });

  it('waits out Retry-After on a 503, then returns the answer', async () => {
    const { fetch, calls } = fakeFetch(
      problem('upstream_throttled', { 'retry-after': '2' }),
      json(200, { Attendee: attendee }),
    );
    const tokens = ['first', 'second'];
    const result = client(fetch, { retry, getToken: () => tokens.shift() ?? 'none' }).getAttendee(
      IDS,
    );
    await jest.advanceTimersByTimeAsync(1999);
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect((await result).Attendee.AttendeeId).toBe(ATTENDEE);
    expect(calls.map((c) => (c.init.headers as Record<string, string>).Authorization)).toEqual([
      'Bearer first',
      'Bearer second',
    ]);
  });

  it('retries the roster as it retries an attendee', async () => {
    const { fetch, calls } = fakeFetch(
      problem('upstream_throttled', { 'retry-after': '1' }),
      json(200, ROSTER),
    );
    const result = client(fetch, { retry }).getRoster({ meetingId: MEETING });
    await jest.advanceTimersByTimeAsync(1000);
    expect(await result).toEqual(ROSTER);
    expect(calls).toHaveLength(2);
  });

  it('backs off 1 s then 2 s on a 429 without Retry-After, and gives up after maxRetries', async () => {
    const { fetch, calls } = fakeFetch(json(429, { message: 'Too Many Requests' }));
    const result = apiError(client(fetch, { retry }).getAttendee(IDS));
    await jest.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(2000);
    expect(calls).toHaveLength(3);
    expect(await result).toMatchObject({ status: 429, code: 'gateway_throttled' });
  });

  it('throws at once when Retry-After is longer than maxDelaySeconds', async () => {
    const { fetch, calls } = fakeFetch(problem('upstream_unavailable', { 'retry-after': '30' }));
    const error = await apiError(client(fetch, { retry }).getAttendee(IDS));
    expect(error).toMatchObject({ code: 'upstream_unavailable', retryAfter: 30 });
    expect(calls).toHaveLength(1);
  });

  it.each([
    ['a 500', () => problem('internal_error')],
    ['a 502', () => problem('upstream_failure')],
    ['a 504', () => problem('upstream_timeout')],
    ['a 401', () => problem('unauthorized')],
    ['a 404', () => problem('not_found')],
    ['a network error', () => new TypeError('fetch failed')],
  ])('never retries %s', async (_name, answer) => {
    const first = answer();
    const { fetch, calls } = fakeFetch(first, json(200, { Attendee: attendee }));
    await apiError(client(fetch, { retry }).getAttendee(IDS));
    expect(calls).toHaveLength(1);
  });

  it('stops waiting when the signal aborts, rejecting with its reason', async () => {
    const { fetch, calls } = fakeFetch(problem('upstream_throttled', { 'retry-after': '3' }));
    const controller = new AbortController();
    const result = client(fetch, { retry })
      .getAttendee({ ...IDS, signal: controller.signal })
      .catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(1000);
    controller.abort();
    expect(await result).toMatchObject({ name: 'AbortError' });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(1);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const { fetch, calls } = fakeFetch(json(200, { Attendee: attendee }));
    const signal = AbortSignal.abort(new Error('left the page'));
    await expect(client(fetch).getAttendee({ ...IDS, signal })).rejects.toThrow('left the page');
    expect(calls).toHaveLength(0);
  });
});
