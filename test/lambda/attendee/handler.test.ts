import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  ChimeSDKMeetingsClient,
  ForbiddenException,
  GetAttendeeCommand,
  type GetAttendeeCommandOutput,
  NotFoundException,
  ServiceFailureException,
  ServiceUnavailableException,
  ThrottlingException,
  UnauthorizedException,
} from '@aws-sdk/client-chime-sdk-meetings';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { PROBLEMS } from '../../../lambda/attendee/errors/problem';
import { later } from '../../helpers/clock';
import { capturedLines, linesSince, registerSecret } from '../../helpers/log-capture';
import {
  ALLOWED_ORIGIN,
  bodyOf,
  headersOf,
  startTestApi,
  type TestApi,
} from '../../helpers/test-api';
import { invalidTokens } from '../../helpers/tokens';

const chime = mockClient(ChimeSDKMeetingsClient);
const MEETING = '2c8f9d5c-3f6e-4b8a-9f2d-1a2b3c4d5e6f';
const ATTENDEE = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const JOIN_TOKEN = registerSecret(`${'QmFzZTY0'.repeat(20)}+/Zz`);
registerSecret('alice#laptop');

function attendee(
  externalUserId = 'alice',
  overrides: Record<string, unknown> = {},
): GetAttendeeCommandOutput {
  return {
    Attendee: {
      AttendeeId: ATTENDEE,
      ExternalUserId: registerSecret(externalUserId),
      JoinToken: JOIN_TOKEN,
      Capabilities: { Audio: 'SendReceive', Video: 'Receive', Content: 'None' },
      ...overrides,
    },
    $metadata: { httpStatusCode: 200, requestId: 'chime-req-1', attempts: 1 },
  } as GetAttendeeCommandOutput;
}

const meta = { $metadata: { httpStatusCode: 400, requestId: 'chime-req-err' } };

/** A response without the parts that differ per request. */
function comparable(response: APIGatewayProxyStructuredResultV2) {
  const { requestId: _r, ...body } = bodyOf(response);
  return { statusCode: response.statusCode, headers: response.headers, body };
}

let api: TestApi;
let owner: string;
let moderator: string;
let stranger: string;

beforeAll(async () => {
  api = await startTestApi();
  owner = await api.idp.mint({ sub: 'alice' });
  moderator = await api.idp.mint({ sub: 'mod', groups: ['moderators'] });
  stranger = await api.idp.mint({ sub: 'mallory' });
});
afterAll(() => api.stop());
beforeEach(() => {
  chime.reset();
  chime.on(GetAttendeeCommand).resolves(attendee());
});

const call = (token: string | undefined, extra: Parameters<TestApi['call']>[0] = {}) =>
  api.call({ meetingId: MEETING, attendeeId: ATTENDEE, token, origin: ALLOWED_ORIGIN, ...extra });

describe('the JoinToken policy, through the real Middy chain', () => {
  it('gives the owner the attendee with its JoinToken, and only the documented fields', async () => {
    chime.on(GetAttendeeCommand).resolves({
      ...attendee(),
      Attendee: { ...attendee().Attendee, Extra: 'x' } as never,
    });
    const response = await call(owner);
    expect(response.statusCode).toBe(200);
    expect(headersOf(response)['content-type']).toBe('application/json');
    expect(bodyOf(response)).toEqual({
      Attendee: {
        AttendeeId: ATTENDEE,
        ExternalUserId: 'alice',
        JoinToken: JOIN_TOKEN,
        Capabilities: { Audio: 'SendReceive', Video: 'Receive', Content: 'None' },
      },
    });
    expect(chime.commandCalls(GetAttendeeCommand)[0]?.args[0].input).toEqual({
      MeetingId: MEETING,
      AttendeeId: ATTENDEE,
    });
  });

  it('strips the JoinToken from the owner under policy never', async () => {
    const strict = await startTestApi({ JOIN_TOKEN_POLICY: 'never' }, api.idp);
    const response = await strict.call({ meetingId: MEETING, attendeeId: ATTENDEE, token: owner });
    await strict.stop();
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).Attendee).not.toHaveProperty('JoinToken');
    expect(response.body).not.toContain(JOIN_TOKEN);
  });

  it('gives a moderator the attendee without its JoinToken', async () => {
    const response = await call(moderator);
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({
      Attendee: {
        AttendeeId: ATTENDEE,
        ExternalUserId: 'alice',
        Capabilities: { Audio: 'SendReceive', Video: 'Receive', Content: 'None' },
      },
    });
  });

  it('answers a stranger exactly like a real not-found, apart from the request id', async () => {
    const denied = await call(stranger);
    chime.on(GetAttendeeCommand).rejects(new NotFoundException({ message: 'gone', ...meta }));
    const missing = await call(owner);
    expect(denied.statusCode).toBe(404);
    expect(comparable(denied)).toEqual(comparable(missing));
    expect(denied.body).not.toContain(JOIN_TOKEN);
    expect(denied.body).not.toContain('alice');
  });

  it('does not let a bare prefix own the attendee', async () => {
    chime.on(GetAttendeeCommand).resolves(attendee('alice2'));
    expect((await call(owner)).statusCode).toBe(404);
  });

  it('lets identity#suffix own the attendee when the separator is configured', async () => {
    chime.on(GetAttendeeCommand).resolves(attendee('alice#laptop'));
    const api2 = await startTestApi({ OWNER_SEPARATOR: '#' }, api.idp);
    const response = await api2.call({ meetingId: MEETING, attendeeId: ATTENDEE, token: owner });
    await api2.stop();
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).Attendee).toHaveProperty('JoinToken', JOIN_TOKEN);
  });

  it('calls Chime with lower-cased IDs when given upper-case GUIDs', async () => {
    const response = await call(owner, {
      meetingId: MEETING.toUpperCase(),
      attendeeId: ATTENDEE.toUpperCase(),
    });
    expect(response.statusCode).toBe(200);
    expect(chime.commandCalls(GetAttendeeCommand)[0]?.args[0].input).toEqual({
      MeetingId: MEETING,
      AttendeeId: ATTENDEE,
    });
  });
});

describe('authentication', () => {
  const noToken = () => call(undefined);

  it('answers 401 with a bare Bearer challenge when no token is sent, without calling Chime', async () => {
    const response = await noToken();
    expect(response.statusCode).toBe(401);
    expect(headersOf(response)['www-authenticate']).toBe('Bearer realm="chime-attendee-api"');
    expect(bodyOf(response)).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(chime.calls()).toHaveLength(0);
  });

  /** The reason each token is refused, as the log line names it. */
  const expectedCause: Record<string, string> = {
    'malformed (not a JWT)': 'JwtParseError',
    'malformed (two parts)': 'JwtParseError',
    'malformed (four parts)': 'JwtParseError',
    'header not JSON': 'JwtParseError',
    'bad signature': 'JwtInvalidSignatureError',
    'signed by another key': 'JwtInvalidSignatureError',
    'alg none': 'JwtParseError',
    'alg none with kid': 'JwtParseError',
    'HS256 signed with the public key': 'JwtInvalidSignatureAlgorithmError',
    'RS384 (not pinned)': 'JwtInvalidSignatureAlgorithmError',
    expired: 'JwtExpiredError',
    'exp equal to now': 'JwtExpiredError',
    'nbf in the future': 'JwtNotBeforeError',
    'wrong issuer': 'JwtInvalidIssuerError',
    'issuer with a trailing slash': 'JwtInvalidIssuerError',
    'wrong audience': 'JwtInvalidAudienceError',
    'unknown kid': 'KidNotFoundInJwksError',
    'missing kid': 'JwtWithoutValidKidError',
    'missing exp': 'TokenPolicyError',
    'non-numeric exp': 'JwtParseError',
    'Basic scheme': 'not a bearer token',
    'empty bearer': 'not a bearer token',
  };

  it('gives the same 401 body for every invalid token, with error="invalid_token", never calling Chime', async () => {
    const reference = comparable(await noToken()).body;
    const tokens = invalidTokens(api.idp);
    const cases = {
      ...tokens,
      'Basic scheme': undefined,
      'empty bearer': undefined,
    } as Record<string, string | undefined>;
    for (const [name, token] of Object.entries(cases)) {
      const authorization =
        name === 'Basic scheme'
          ? 'Basic YWxpY2U6cHc='
          : name === 'empty bearer'
            ? 'Bearer '
            : `Bearer ${token}`;
      const mark = capturedLines().length;
      const response = await call(undefined, { authorization });
      expect({ name, status: response.statusCode }).toEqual({ name, status: 401 });
      const [line] = linesSince(mark).map((l) => JSON.parse(l));
      expect({ name, cause: line.cause }).toEqual({ name, cause: expectedCause[name] });
      expect({ name, body: comparable(response).body }).toEqual({ name, body: reference });
      expect(headersOf(response)['www-authenticate']).toBe(
        'Bearer realm="chime-attendee-api", error="invalid_token"',
      );
      expect(headersOf(response)['cache-control']).toBe('no-store');
    }
    expect(chime.calls()).toHaveLength(0);
  });

  it('stops accepting a cached, once-verified token as soon as it expires', async () => {
    const shortLived = await api.idp.mint({ sub: 'alice', ttl: 2 });
    expect((await call(shortLived)).statusCode).toBe(200);
    expect((await call(shortLived)).statusCode).toBe(200);
    // Both the verified tokens and aws-jwt-verify read Date.now(): 2.1 s pass without a wait.
    expect((await later(2100, () => call(shortLived))).statusCode).toBe(401);
  });

  it('ignores a token in the query string', async () => {
    const response = await call(undefined, { query: { access_token: owner, token: owner } });
    expect(response.statusCode).toBe(401);
  });

  it('accepts a new signing key after one bounded JWKS refetch', async () => {
    const rotated = await startTestApi({}, api.idp);
    await rotated.verifier.hydrate();
    const before = api.idp.jwksFetchCount;
    await api.idp.rotate();
    const token = await api.idp.mint({ sub: 'alice' });
    const first = await rotated.call({ meetingId: MEETING, attendeeId: ATTENDEE, token });
    const second = await rotated.call({ meetingId: MEETING, attendeeId: ATTENDEE, token });
    await rotated.stop();
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(api.idp.jwksFetchCount - before).toBe(1);
  });

  it('refetches the JWKS at most once for a flood of unknown kids', async () => {
    const flooded = await startTestApi({}, api.idp);
    await flooded.verifier.hydrate();
    const before = api.idp.jwksFetchCount;
    const unknown = Object.entries(invalidTokens(api.idp)).find(([n]) => n === 'unknown kid')?.[1];
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () =>
        flooded.call({ meetingId: MEETING, attendeeId: ATTENDEE, token: unknown }),
      ),
    );
    await flooded.stop();
    expect(statuses.map((r) => r.statusCode)).toEqual(Array(10).fill(401));
    expect(api.idp.jwksFetchCount - before).toBeLessThanOrEqual(1);
  });

  it('answers 503 with Retry-After, not 401, when the JWKS cannot be fetched', async () => {
    const cold = await startTestApi({ RETRY_AFTER_SECONDS: '3' }, api.idp);
    api.idp.setAvailable(false);
    try {
      const response = await cold.call({ meetingId: MEETING, attendeeId: ATTENDEE, token: owner });
      expect(response.statusCode).toBe(503);
      expect(headersOf(response)['retry-after']).toBe('3');
      expect(bodyOf(response)).toMatchObject({
        code: 'identity_provider_unavailable',
        status: 503,
      });
      expect(headersOf(response)).not.toHaveProperty('www-authenticate');
    } finally {
      api.idp.setAvailable(true);
      await cold.stop();
    }
    expect(chime.calls()).toHaveLength(0);
  });
});

describe('path validation', () => {
  it.each([
    ['a short meetingId', { meetingId: 'abc' }],
    ['a non-hex attendeeId', { attendeeId: 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz' }],
    ['a traversal', { meetingId: '..' }],
    ['an encoded slash', { attendeeId: `${ATTENDEE}%2Fx` }],
  ])('answers 400 for %s without calling Chime', async (_name, ids) => {
    const response = await call(owner, ids);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ code: 'invalid_id', status: 400 });
    expect(chime.calls()).toHaveLength(0);
  });

  it('authenticates before validating, so an anonymous caller learns nothing', async () => {
    const response = await call(undefined, { meetingId: 'abc' });
    expect(response.statusCode).toBe(401);
  });
});

describe('the error table', () => {
  const timeout = Object.assign(new Error('socket hang'), {
    name: 'TimeoutError',
    $metadata: { attempts: 3 },
  });
  const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
  const reset = Object.assign(new Error('read ECONNRESET'), {
    code: 'ECONNRESET',
    $metadata: { attempts: 3 },
  });
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const conflict = Object.assign(new Error('conflict'), {
    name: 'ConflictException',
    $fault: 'client',
    $metadata: {},
  });
  const unknown = new TypeError('boom');

  it.each([
    [
      'NotFoundException',
      new NotFoundException({ message: 'm', ...meta }),
      404,
      'not_found',
      undefined,
    ],
    [
      'BadRequestException',
      new BadRequestException({ message: 'm', ...meta }),
      502,
      'upstream_rejected',
      undefined,
    ],
    [
      'UnauthorizedException',
      new UnauthorizedException({ message: 'm', ...meta }),
      502,
      'upstream_credentials',
      undefined,
    ],
    [
      'ForbiddenException',
      new ForbiddenException({ message: 'm', ...meta }),
      502,
      'upstream_credentials',
      undefined,
    ],
    [
      'ThrottlingException',
      new ThrottlingException({ message: 'm', ...meta }),
      503,
      'upstream_throttled',
      '1',
    ],
    [
      'ServiceUnavailableException with Retry-After 7',
      new ServiceUnavailableException({ message: 'm', RetryAfterSeconds: '7', ...meta }),
      503,
      'upstream_unavailable',
      '7',
    ],
    [
      'ServiceUnavailableException with Retry-After 86400',
      new ServiceUnavailableException({ message: 'm', RetryAfterSeconds: '86400', ...meta }),
      503,
      'upstream_unavailable',
      '60',
    ],
    [
      'ServiceUnavailableException with Retry-After 0',
      new ServiceUnavailableException({ message: 'm', RetryAfterSeconds: '0', ...meta }),
      503,
      'upstream_unavailable',
      '1',
    ],
    [
      'ServiceUnavailableException with an HTTP-date',
      new ServiceUnavailableException({
        message: 'm',
        RetryAfterSeconds: 'Wed, 21 Oct 2026 07:28:00 GMT',
        ...meta,
      }),
      503,
      'upstream_unavailable',
      '1',
    ],
    [
      'ServiceUnavailableException without Retry-After',
      new ServiceUnavailableException({ message: 'm', ...meta }),
      503,
      'upstream_unavailable',
      '1',
    ],
    [
      'ServiceFailureException',
      new ServiceFailureException({ message: 'm', ...meta }),
      502,
      'upstream_failure',
      undefined,
    ],
    ['another modeled error', conflict, 502, 'upstream_failure', undefined],
    ['a timeout', timeout, 504, 'upstream_timeout', undefined],
    ['an abort', abort, 504, 'upstream_timeout', undefined],
    ['a reset connection', reset, 502, 'upstream_failure', undefined],
    ['a refused connection', refused, 502, 'upstream_failure', undefined],
    ['an unknown error', unknown, 500, 'internal_error', undefined],
    [
      'a credentials provider failure',
      Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' }),
      502,
      'upstream_credentials',
      undefined,
    ],
    [
      'an expired session token',
      Object.assign(new Error('expired'), {
        name: 'ExpiredTokenException',
        $fault: 'client',
        ...meta,
      }),
      502,
      'upstream_credentials',
      undefined,
    ],
    [
      'a bad signature',
      Object.assign(new Error('sig'), {
        name: 'InvalidSignatureException',
        $fault: 'client',
        ...meta,
      }),
      502,
      'upstream_credentials',
      undefined,
    ],
  ])('%s → %i %s', async (_name, error, status, code, retryAfter) => {
    chime.on(GetAttendeeCommand).rejects(error);
    const mark = capturedLines().length;
    const response = await call(owner);
    const headers = headersOf(response);
    expect(response.statusCode).toBe(status);
    expect(headers['content-type']).toBe('application/problem+json');
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['x-content-type-options']).toBe('nosniff');
    // CORS is API Gateway's (see the stack): the function sends none.
    expect(headers).not.toHaveProperty('access-control-allow-origin');
    expect(headers['retry-after']).toBe(retryAfter);
    expect(headers).not.toHaveProperty('www-authenticate');
    const body = bodyOf(response);
    expect(body).toEqual({
      type: `urn:chime-attendee-bff:problem:${code.replaceAll('_', '-')}`,
      title: PROBLEMS[code as keyof typeof PROBLEMS].title,
      status,
      detail: PROBLEMS[code as keyof typeof PROBLEMS].detail,
      code,
      requestId: expect.any(String),
    });
    expect(response.body).not.toMatch(/m"|arn:|stack|boom|ECONN/);
    const [line] = linesSince(mark).map((l) => JSON.parse(l));
    expect(line).toMatchObject({ message: 'request', status, code });
  });

  it.each([
    ['no Attendee', { $metadata: {} }],
    ['a different AttendeeId', attendee('alice', { AttendeeId: randomUUID() })],
    ['a non-string AttendeeId', attendee('alice', { AttendeeId: 42 })],
    ['no ExternalUserId', attendee('alice', { ExternalUserId: undefined })],
    ['no JoinToken for the owner', attendee('alice', { JoinToken: undefined })],
    ['a malformed JoinToken', attendee('alice', { JoinToken: 'not a token!' })],
    [
      'unknown capabilities',
      attendee('alice', { Capabilities: { Audio: 'Loud', Video: 'None', Content: 'None' } }),
    ],
  ])('answers 502 upstream_malformed when Chime returns 200 with %s', async (_name, output) => {
    chime.on(GetAttendeeCommand).resolves(output as never);
    const response = await call(owner);
    expect(response.statusCode).toBe(502);
    expect(bodyOf(response)).toMatchObject({ code: 'upstream_malformed' });
  });
});

describe('the Lambda deadline', () => {
  it("answers 504 problem+json through Middy's early timeout when the invocation is about to time out", async () => {
    chime.on(GetAttendeeCommand).callsFake(() => new Promise(() => undefined));
    const response = await api.call(
      { meetingId: MEETING, attendeeId: ATTENDEE, token: owner, origin: ALLOWED_ORIGIN },
      600,
    );
    expect(response.statusCode).toBe(504);
    expect(bodyOf(response)).toMatchObject({ code: 'upstream_timeout', status: 504 });
    expect(headersOf(response)).toMatchObject({
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
    });
  });
});

describe('headers on every response', () => {
  it.each([
    ['200', () => call(owner)],
    ['400', () => call(owner, { meetingId: 'x' })],
    ['401', () => call(undefined)],
    ['404', () => call(stranger)],
  ])(
    '%s carries no-store, nosniff and frame denial, and no CORS header (API Gateway adds those)',
    async (_s, send) => {
      const headers = headersOf(await send());
      expect(headers).toMatchObject({
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
      });
      expect(Object.keys(headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
      expect(headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(headers['content-security-policy']).toContain("default-src 'none'");
    },
  );

  it('allows no origin itself, whatever the request says', async () => {
    const response = await call(owner, { origin: 'https://evil.example.com' });
    expect(headersOf(response)).not.toHaveProperty('access-control-allow-origin');
  });
});

describe('the request log', () => {
  it('writes one JSON line per request with status, code, latency, cold start and Chime request id', async () => {
    const mark = capturedLines().length;
    await call(owner);
    const lines = linesSince(mark).map((line) => JSON.parse(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      message: 'request',
      status: 200,
      code: 'ok',
      role: 'owner',
      coldStart: false,
      chimeRequestId: 'chime-req-1',
      latencyMs: expect.any(Number),
    });
  });

  it('logs upstream credential failures at error level with their cause, not their message', async () => {
    chime
      .on(GetAttendeeCommand)
      .rejects(new ForbiddenException({ message: 'secret-ish detail', ...meta }));
    const mark = capturedLines().length;
    await call(owner);
    const [line] = linesSince(mark);
    expect(JSON.parse(line ?? '{}')).toMatchObject({
      level: 'ERROR',
      code: 'upstream_credentials',
      cause: 'ForbiddenException',
      chimeRequestId: 'chime-req-err',
    });
    expect(line).not.toContain('secret-ish');
  });

  it('never writes the token, the JoinToken or the ExternalUserId', async () => {
    const mark = capturedLines().length;
    await call(owner);
    await call(moderator);
    await call('garbage');
    const text = linesSince(mark).join('\n');
    expect(text).not.toContain(owner);
    expect(text).not.toContain(JOIN_TOKEN);
    expect(text).not.toContain('"alice"');
  });
});
