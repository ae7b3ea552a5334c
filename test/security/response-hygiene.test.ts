/**
 * Matrix group F: what every response carries, over real HTTP through the local HTTP API
 * stand-in (which, like API Gateway with CORS configured, owns the CORS headers).
 */
import type { FaultSpec } from '../../local/chime-emulator';
import type { DevStack } from '../../local/cli/dev-stack';
import { startLocalStack } from '../helpers/local-stack';
import { capturedLines } from '../helpers/log-capture';
import {
  attendeePath,
  bearer,
  createAttendee,
  createMeeting,
  getAttendeeCalls,
  type HttpResponse,
  http,
  LOCAL_ORIGIN,
  requestLogLines,
  UNKNOWN_ID,
} from './support';

let stack: DevStack;
let meetingId: string;
let aliceAttendee: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  stack = await startLocalStack({
    env: { DEADLINE_MS: '1500', CHIME_REQUEST_TIMEOUT_MS: '300', CHIME_MAX_ATTEMPTS: '1' },
  });
  meetingId = await createMeeting(stack, 'response-hygiene');
  aliceAttendee = await createAttendee(stack, meetingId, 'alice');
  await createAttendee(stack, meetingId, 'bob');
  tokens.alice = await stack.idp.mint({ sub: 'alice' });
  tokens.bob = await stack.idp.mint({ sub: 'bob' });
  tokens.maria = await stack.idp.mint({ sub: 'maria', groups: ['moderators'] });
});
afterAll(() => stack.stop());
beforeEach(() => {
  stack.emulator.clearFaults();
  stack.emulator.resetCalls();
});

const request = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  http(stack.apiUrl, path, { method, headers: { origin: LOCAL_ORIGIN, ...headers } });

const alicePath = () => attendeePath(meetingId, aliceAttendee);

/** Every error the function can answer, produced for real. */
const ERRORS: readonly [string, number, () => Promise<HttpResponse>][] = [
  ['400 invalid_id', 400, () => request(attendeePath('x', 'y'), bearer(tokens.alice as string))],
  ['401 without a token', 401, () => request(alicePath())],
  ['401 with a bad token', 401, () => request(alicePath(), bearer('not-a-jwt'))],
  ['404 denied', 404, () => request(alicePath(), bearer(tokens.bob as string))],
  [
    '404 missing',
    404,
    () => request(attendeePath(meetingId, UNKNOWN_ID), bearer(tokens.alice as string)),
  ],
  ...(
    [
      ['502 upstream_credentials', 502, { type: 'error', name: 'ForbiddenException' }],
      ['502 upstream_rejected', 502, { type: 'error', name: 'BadRequestException' }],
      ['502 upstream_failure', 502, { type: 'error', name: 'ServiceFailureException' }],
      ['502 upstream_malformed', 502, { type: 'malformed', status: 200, body: {} }],
      ['503 upstream_throttled', 503, { type: 'error', name: 'ThrottlingException' }],
      [
        '503 upstream_unavailable',
        503,
        { type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds: 9 },
      ],
      ['504 upstream_timeout', 504, { type: 'hang' }],
    ] as const
  ).map(([name, status, fault]): [string, number, () => Promise<HttpResponse>] => [
    name,
    status,
    () => {
      stack.emulator.injectFault({ operation: 'GetAttendee', fault: fault as FaultSpec });
      return request(alicePath(), bearer(tokens.alice as string));
    },
  ]),
];

describe('successful answers', () => {
  it('[F1] sends no-store, JSON, nosniff, HSTS, a CSP denying framing, DENY and no-referrer with a 200', async () => {
    const response = await request(alicePath(), bearer(tokens.alice as string));
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      'cache-control': 'no-store',
      'content-type': 'application/json',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    });
    expect(response.headers['strict-transport-security']).toMatch(
      /max-age=\d{7,}; includeSubDomains/,
    );
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    for (const name of [
      'set-cookie',
      'x-powered-by',
      'server',
      'location',
      'etag',
      'last-modified',
    ]) {
      expect(response.headers).not.toHaveProperty(name);
    }
  });

  it('[F8] puts the JoinToken in the JSON body only: no header, no redirect', async () => {
    const response = await request(alicePath(), bearer(tokens.alice as string));
    const joinToken = response.body.Attendee.JoinToken as string;
    expect(joinToken).toMatch(/^[A-Za-z0-9+/]{100,}$/);
    expect(response.status).toBe(200);
    for (const [name, value] of Object.entries(response.headers)) {
      expect({ name, leaks: value.includes(joinToken) }).toEqual({ name, leaks: false });
    }
    expect(response.headers).not.toHaveProperty('location');
  });

  it('[F9] answers allow-listed fields only: all four to the owner, no JoinToken to a moderator, nothing to others', async () => {
    const owner = await request(alicePath(), bearer(tokens.alice as string));
    expect(Object.keys(owner.body)).toEqual(['Attendee']);
    expect(Object.keys(owner.body.Attendee).sort()).toEqual([
      'AttendeeId',
      'Capabilities',
      'ExternalUserId',
      'JoinToken',
    ]);
    expect(Object.keys(owner.body.Attendee.Capabilities).sort()).toEqual([
      'Audio',
      'Content',
      'Video',
    ]);
    const moderator = await request(alicePath(), bearer(tokens.maria as string));
    // Moderators identify the attendee they moderate: ExternalUserId, never the JoinToken.
    expect(Object.keys(moderator.body.Attendee).sort()).toEqual([
      'AttendeeId',
      'Capabilities',
      'ExternalUserId',
    ]);
    const other = await request(alicePath(), bearer(tokens.bob as string));
    expect(other.status).toBe(404);
    expect(other.text).not.toMatch(/Attendee|ExternalUserId|alice/);
  });
});

describe('error answers', () => {
  it.each(ERRORS)(
    '[F2] answers %s with an RFC 9457 problem whose status matches, and nothing else',
    async (_name, status, send) => {
      const response = await send();
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(Object.keys(response.body).sort()).toEqual([
        'code',
        'detail',
        'requestId',
        'status',
        'title',
        'type',
      ]);
      expect(response.body.status).toBe(status);
      expect(response.body.type).toBe(
        `urn:chime-attendee-bff:problem:${response.body.code.replaceAll('_', '-')}`,
      );
      // The request id is the gateway's: what a user can quote to support.
      expect(response.body.requestId).toBe(response.headers['apigw-requestid']);
      expect(response.text).not.toMatch(/Exception|arn:|\bat \w|\.ts:|stack|Message|127\.0\.0\.1/);
    },
  );

  it.each(ERRORS)(
    '[F3] answers %s with Cache-Control: no-store and the security headers',
    async (_name, _status, send) => {
      const response = await send();
      expect(response.headers).toMatchObject({
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
      });
    },
  );

  it('[F4] challenges with WWW-Authenticate on 401 only: never on a 502 for Chime’s 401/403', async () => {
    const seen: Record<string, string | undefined> = {};
    for (const [name, , send] of ERRORS) seen[name] = (await send()).headers['www-authenticate'];
    expect(seen).toEqual({
      '400 invalid_id': undefined,
      '401 without a token': 'Bearer realm="chime-attendee-api"',
      '401 with a bad token': 'Bearer realm="chime-attendee-api", error="invalid_token"',
      '404 denied': undefined,
      '404 missing': undefined,
      '502 upstream_credentials': undefined,
      '502 upstream_rejected': undefined,
      '502 upstream_failure': undefined,
      '502 upstream_malformed': undefined,
      '503 upstream_throttled': undefined,
      '503 upstream_unavailable': undefined,
      '504 upstream_timeout': undefined,
    });
    stack.emulator.injectFault({
      operation: 'GetAttendee',
      fault: { type: 'error', name: 'UnauthorizedException' },
    });
    const upstream401 = await request(alicePath(), bearer(tokens.alice as string));
    expect(upstream401.status).toBe(502);
    expect(upstream401.headers).not.toHaveProperty('www-authenticate');
  });

  it('[F5] sends Retry-After on 503 and exposes it to the allowed origin', async () => {
    for (const [name, status, send] of ERRORS.filter(([, s]) => s === 503)) {
      const response = await send();
      expect({ name, status: response.status }).toEqual({ name, status });
      expect(response.headers['retry-after']).toMatch(/^\d+$/);
      expect(response.headers['access-control-allow-origin']).toBe(LOCAL_ORIGIN);
      expect(
        response.headers['access-control-expose-headers']?.toLowerCase().split(/,\s*/),
      ).toContain('retry-after');
    }
  });
});

describe('CORS', () => {
  const preflight = (origin: string) =>
    http(stack.apiUrl, alicePath(), {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });

  it('[F6] answers a preflight from the allowed origin with 204 and exact CORS headers, without invoking the function', async () => {
    const mark = capturedLines().length;
    const response = await preflight(LOCAL_ORIGIN);
    expect(response.status).toBe(204);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': LOCAL_ORIGIN,
      'access-control-allow-methods': 'GET',
      'access-control-allow-headers': 'authorization',
      'access-control-max-age': '600',
    });
    expect(response.headers).not.toHaveProperty('access-control-allow-credentials');
    expect(requestLogLines(mark)).toEqual([]);
    expect(getAttendeeCalls(stack)).toEqual([]);
  });

  it.each([
    'https://evil.example.com',
    'null',
    `${LOCAL_ORIGIN}.evil.example.com`,
    `${LOCAL_ORIGIN}/`,
    LOCAL_ORIGIN.toUpperCase(),
    LOCAL_ORIGIN.replace('http:', 'https:'),
    'http://localhost:3004',
    '*',
  ])(
    '[F7] gives the origin %s no Access-Control-Allow-Origin, on a preflight or a GET',
    async (origin) => {
      const answers = [
        await preflight(origin),
        await http(stack.apiUrl, alicePath(), {
          headers: { origin, ...bearer(tokens.alice as string) },
        }),
        await http(stack.apiUrl, alicePath(), { headers: { origin } }),
      ];
      for (const response of answers) {
        expect(response.headers).not.toHaveProperty('access-control-allow-origin');
        expect(response.headers).not.toHaveProperty('access-control-allow-credentials');
      }
    },
  );
});

describe('gateway answers', () => {
  it('[F10] answers unknown routes with the gateway shape {"message"}, not problem+json, which clients must also parse', async () => {
    const response = await request('/meetings', bearer(tokens.alice as string));
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toEqual({ message: 'Not Found' });
    expect(response.headers['access-control-allow-origin']).toBe(LOCAL_ORIGIN);
  });
});
