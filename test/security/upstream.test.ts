/**
 * Matrix group D: every way Chime can fail, injected in the emulator and seen over real HTTP
 * (or, for the client's own failures, through the real chain in process). The client gets a
 * generic problem with the right status; the log gets the cause at the right level.
 */
import { createServer } from 'node:net';
import { createTokenVerifier } from '../../lambda/attendee/auth/token-verifier';
import { createHandler } from '../../lambda/attendee/handler';
import { createLogger } from '../../lambda/attendee/logger';
import { parseConfig } from '../../lambda/common/config/settings';
import type { FaultRule, FaultSpec } from '../../local/chime-emulator';
import type { DevStack } from '../../local/cli/dev-stack';
import { attendeeEvent, lambdaContext } from '../helpers/events';
import { startLocalStack } from '../helpers/local-stack';
import { capturedLines, registerSecret } from '../helpers/log-capture';
import { recordRetryDecisions } from '../helpers/retry-decisions';
import { bodyOf, headersOf, startTestApi, testEnv } from '../helpers/test-api';
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
} from './support';

const DEADLINE_MS = 4000;
const FAKE_TOKEN = registerSecret(`${'RmFrZVRva2Vu'.repeat(10)}+/Q`);

let stack: DevStack;
let meetingId: string;
let aliceAttendee: string;
let alice: string;

// One container for the file: its Chime client's retry quota (500 tokens, 14 per transient
// retry, 5 per throttling one) is shared by these tests, which spend about 300 of it; a test that
// counts retries would see fewer attempts once it runs out (that is [E4]).
beforeAll(async () => {
  stack = await startLocalStack({
    env: {
      DEADLINE_MS: String(DEADLINE_MS),
      CHIME_REQUEST_TIMEOUT_MS: '500',
      RETRY_AFTER_SECONDS: '2',
    },
  });
  meetingId = await createMeeting(stack, 'upstream-faults');
  aliceAttendee = await createAttendee(stack, meetingId, 'alice');
  alice = await stack.idp.mint({ sub: 'alice' });
});
afterAll(() => stack.stop());
beforeEach(() => {
  stack.emulator.clearFaults();
  stack.emulator.resetCalls();
});

function inject(fault: FaultSpec, count: FaultRule['count'] = 'unlimited') {
  stack.emulator.injectFault({
    operation: 'GetAttendee',
    count,
    match: { attendeeId: aliceAttendee },
    fault,
  });
}

const getAlice = () =>
  http(stack.apiUrl, attendeePath(meetingId, aliceAttendee), {
    headers: { origin: LOCAL_ORIGIN, ...bearer(alice) },
  });

/** A generic problem: the status, the code, no-store, nothing from upstream. */
function expectProblem(response: HttpResponse, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers).not.toHaveProperty('www-authenticate');
  expect(response.body).toMatchObject({ status, code });
  expect(response.text).not.toMatch(/Exception|arn:|Message|RequestId|stack|<html>/);
}

/** An attendee body as Chime would send it, with overrides. */
const attendeeBody = (overrides: Record<string, unknown> = {}) => ({
  Attendee: {
    AttendeeId: aliceAttendee,
    ExternalUserId: 'alice',
    JoinToken: FAKE_TOKEN,
    Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
    ...overrides,
  },
});

describe('modeled Chime errors', () => {
  it.each([
    [
      '[D1] NotFoundException → 404 not_found, tried once',
      'NotFoundException',
      404,
      'not_found',
      undefined,
      1,
      'INFO',
    ],
    [
      '[D2] BadRequestException → 502 upstream_rejected, tried once, logged at error level',
      'BadRequestException',
      502,
      'upstream_rejected',
      undefined,
      1,
      'ERROR',
    ],
    [
      '[D3] UnauthorizedException → 502 upstream_credentials without WWW-Authenticate, tried once',
      'UnauthorizedException',
      502,
      'upstream_credentials',
      undefined,
      1,
      'ERROR',
    ],
    [
      '[D4] ForbiddenException → 502 upstream_credentials, tried once, logged at error level',
      'ForbiddenException',
      502,
      'upstream_credentials',
      undefined,
      1,
      'ERROR',
    ],
    [
      '[D5] ThrottlingException, persistent → 503 upstream_throttled + the default Retry-After, after all 3 attempts',
      'ThrottlingException',
      503,
      'upstream_throttled',
      '2',
      3,
      'WARN',
    ],
    [
      '[D7] ServiceUnavailableException, persistent (Retry-After 1) → 503 with the upstream Retry-After, after all 3 attempts',
      'ServiceUnavailableException',
      503,
      'upstream_unavailable',
      '1',
      3,
      'WARN',
    ],
    [
      '[D9] ServiceFailureException, persistent → 502 upstream_failure, after all 3 attempts',
      'ServiceFailureException',
      502,
      'upstream_failure',
      undefined,
      3,
      'WARN',
    ],
  ] as const)('%s', async (_title, name, status, code, retryAfter, attempts, level) => {
    inject({ type: 'error', name, message: 'arn:aws:chime:us-east-1:123456789012:meeting/secret' });
    const mark = capturedLines().length;
    const response = await getAlice();
    expectProblem(response, status, code);
    expect(response.headers['retry-after']).toBe(retryAfter);
    expect(getAttendeeCalls(stack)).toHaveLength(attempts);
    const [line] = requestLogLines(mark);
    expect(line).toMatchObject({ level, status, code, cause: name, chimeAttempts: attempts });
    expect(JSON.stringify(line)).not.toContain('arn:');
  });

  it('[D6] recovers from one ThrottlingException: 200 on the second attempt', async () => {
    inject({ type: 'error', name: 'ThrottlingException' }, 1);
    const response = await getAlice();
    expect(response.status).toBe(200);
    expect(response.body.Attendee.JoinToken).toMatch(/^[A-Za-z0-9+/]+$/);
    expect(getAttendeeCalls(stack).map((c) => c.status)).toEqual([429, 200]);
  });

  it('[D7] answers a persistent ServiceUnavailableException with Retry-After 7 with 503 and Retry-After 7 at once', async () => {
    inject({ type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds: 7 });
    const response = await getAlice();
    expectProblem(response, 503, 'upstream_unavailable');
    expect(response.headers['retry-after']).toBe('7');
    expect(getAttendeeCalls(stack)).toHaveLength(1);
  });

  it.each([
    ['86400 seconds', '86400', '60'],
    ['0 seconds', '0', '1'],
    ['a word', 'abc', '2'],
    ['a negative number', '-5', '2'],
    ['a fraction', '1.5', '2'],
    ['an HTTP-date', new Date(Date.now() + 3_600_000).toUTCString(), '2'],
  ])(
    '[D8] clamps an upstream Retry-After of %s to 1–60 s or the default',
    async (_name, value, expected) => {
      inject({
        type: 'malformed',
        status: 503,
        headers: {
          'content-type': 'application/json',
          'x-amzn-ErrorType': 'ServiceUnavailableException',
          'retry-after': value,
        },
        body: { Code: 'ServiceUnavailable', Message: 'busy' },
      });
      const { decisions, restore } = recordRetryDecisions();
      try {
        const response = await getAlice();
        expectProblem(response, 503, 'upstream_unavailable');
        expect(response.headers['retry-after']).toBe(expected);
        // Whatever the header says, no retry waited longer than CHIME_MAX_RETRY_AFTER_MS (1 s).
        const waits = decisions.flatMap((d) => (d.outcome === 'retry' ? [d.delayMs] : []));
        expect(waits.filter((ms) => ms > 1000)).toEqual([]);
      } finally {
        restore();
      }
    },
  );

  it.each([
    ['ConflictException', 1],
    ['UnprocessableEntityException', 1],
    ['ResourceNotFoundException', 1],
    ['TooManyTagsException', 1],
    // The SDK lists LimitExceededException among its throttling codes, so it is retried.
    ['LimitExceededException', 3],
  ] as const)(
    '[D10] answers %s with 502 upstream_failure, after %i attempt(s)',
    async (name, attempts) => {
      inject({ type: 'error', name });
      expectProblem(await getAlice(), 502, 'upstream_failure');
      expect(getAttendeeCalls(stack)).toHaveLength(attempts);
    },
  );

  it.each([
    [
      'an unmodeled client error',
      400,
      { 'x-amzn-ErrorType': 'BrandNewException', 'content-type': 'application/json' },
      '{"Message":"new"}',
    ],
    [
      'an unmodeled server error',
      500,
      { 'x-amzn-ErrorType': 'InternalWidgetException', 'content-type': 'application/json' },
      '{"Message":"widget"}',
    ],
    [
      'an HTML 502 page from a proxy',
      502,
      { 'content-type': 'text/html' },
      '<html>Bad Gateway</html>',
    ],
    ['an HTML 200 page', 200, { 'content-type': 'text/html' }, '<html>Welcome</html>'],
    [
      'a truncated JSON 200',
      200,
      { 'content-type': 'application/json' },
      '{"Attendee":{"AttendeeId":',
    ],
    ['an empty 503', 503, {}, ''],
  ])('[D11] answers %s with 502', async (_name, status, headers, rawBody) => {
    inject({ type: 'malformed', status, headers, rawBody });
    const response = await getAlice();
    expect([502]).toContain(response.status);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.text).not.toMatch(/BrandNew|Widget|html|Welcome/i);
  });
});

describe('network faults', () => {
  it('[D12] answers a hanging Chime with 504 after the per-attempt timeouts, before the deadline', async () => {
    inject({ type: 'hang' });
    const mark = capturedLines().length;
    const response = await getAlice();
    expectProblem(response, 504, 'upstream_timeout');
    // Three attempts each given up at the per-attempt timeout (TimeoutError), none cut short by
    // the deadline (that would be an AbortError).
    expect(getAttendeeCalls(stack).map((call) => call.status)).toEqual([null, null, null]);
    expect(requestLogLines(mark)[0]).toMatchObject({ cause: 'TimeoutError', chimeAttempts: 3 });
  });

  it('[D14] recovers from one reset connection: 200 on the second attempt', async () => {
    inject({ type: 'reset' }, 1);
    const response = await getAlice();
    expect(response.status).toBe(200);
    expect(getAttendeeCalls(stack)).toHaveLength(2);
  });

  it('[D14] answers 502 when every attempt is reset, after all 3 attempts', async () => {
    inject({ type: 'reset' });
    expectProblem(await getAlice(), 502, 'upstream_failure');
    expect(getAttendeeCalls(stack)).toHaveLength(3);
  });

  it('[D14] answers a reset as the SDK raises it in Lambda (TimeoutError with code ECONNRESET or EPIPE) with 502, not 504', async () => {
    // @smithy/node-http-handler renames ECONNRESET, EPIPE and ETIMEDOUT socket errors to
    // TimeoutError, keeping `code` (scripts/load.ts sees these in a real process). Over HTTP under
    // Jest the SDK wraps Node's errors, which come from another realm, and `code` is lost: so the
    // error is thrown here exactly as the SDK throws it outside Jest.
    const config = parseConfig(testEnv(stack.idp));
    const verifier = createTokenVerifier(config);
    const answer = async (error: Error) => {
      const handler = createHandler({
        config,
        chime: {
          send: async () => {
            throw error;
          },
        },
        verifier,
        logger: createLogger(config),
      });
      const event = attendeeEvent({ meetingId, attendeeId: aliceAttendee, token: alice });
      return (await handler(event, lambdaContext())).statusCode;
    };
    const sdkError = (message: string, code?: string) =>
      Object.assign(new Error(message), {
        name: 'TimeoutError',
        ...(code ? { code } : {}),
        $metadata: { attempts: 3 },
      });
    expect({
      ECONNRESET: await answer(sdkError('socket hang up', 'ECONNRESET')),
      EPIPE: await answer(sdkError('write EPIPE', 'EPIPE')),
      'per-attempt timeout (no code)': await answer(sdkError('requestTimeout exceeded')),
    }).toEqual({ ECONNRESET: 502, EPIPE: 502, 'per-attempt timeout (no code)': 504 });
  });

  it.each([
    ['a refused connection (ECONNREFUSED)', 'refused'],
    ['an unknown host (ENOTFOUND / EAI_AGAIN)', 'unknown-host'],
  ])('[D13] answers %s with 502 after retrying', async (_name, kind) => {
    let endpoint = 'http://chime-emulator.invalid:3001';
    if (kind === 'refused') {
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const { port } = probe.address() as { port: number };
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      endpoint = `http://127.0.0.1:${port}`;
    }
    const api = await startTestApi({ CHIME_ENDPOINT: endpoint }, stack.idp);
    try {
      const mark = capturedLines().length;
      const response = await api.call({ meetingId, attendeeId: aliceAttendee, token: alice });
      expect(response.statusCode).toBe(502);
      expect(bodyOf(response)).toMatchObject({ code: 'upstream_failure' });
      expect(requestLogLines(mark)[0]).toMatchObject({ chimeAttempts: 3 });
    } finally {
      await api.stop();
    }
  });

  it('[D15] answers a credentials-provider failure with 502 upstream_credentials (the alarm), without calling Chime', async () => {
    const saved = {
      id: process.env.AWS_ACCESS_KEY_ID,
      secret: process.env.AWS_SECRET_ACCESS_KEY,
      profile: process.env.AWS_PROFILE,
      file: process.env.AWS_SHARED_CREDENTIALS_FILE,
      config: process.env.AWS_CONFIG_FILE,
    };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    const api = await startTestApi({ CHIME_ENDPOINT: stack.emulatorUrl }, stack.idp);
    try {
      const mark = capturedLines().length;
      const responses = [];
      for (let i = 0; i < 3; i += 1) {
        responses.push(await api.call({ meetingId, attendeeId: aliceAttendee, token: alice }));
      }
      for (const response of responses) {
        expect(response.statusCode).toBe(502);
        expect(headersOf(response)).toMatchObject({
          'content-type': 'application/problem+json',
          'cache-control': 'no-store',
        });
        expect(bodyOf(response)).toMatchObject({ status: 502, code: 'upstream_credentials' });
      }
      expect(requestLogLines(mark)[0]).toMatchObject({
        level: 'ERROR',
        cause: 'CredentialsProviderError',
      });
      expect(stack.emulator.calls()).toEqual([]);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      for (const [name, value] of [
        ['AWS_SHARED_CREDENTIALS_FILE', saved.file],
        ['AWS_CONFIG_FILE', saved.config],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await api.stop();
    }
  });
});

describe('200 answers that are not what was asked', () => {
  it.each([
    ['an empty object', {}],
    ['a null Attendee', { Attendee: null }],
    ['no JoinToken for the owner', attendeeBody({ JoinToken: undefined })],
    ['a null JoinToken', attendeeBody({ JoinToken: null })],
    ['an empty JoinToken', attendeeBody({ JoinToken: '' })],
    ['a JoinToken that is not base64', attendeeBody({ JoinToken: 'not a token; <script>' })],
    ['a JoinToken over 2048 characters', attendeeBody({ JoinToken: 'A'.repeat(2049) })],
    ['no ExternalUserId', attendeeBody({ ExternalUserId: undefined })],
    ['no Capabilities', attendeeBody({ Capabilities: undefined })],
  ])(
    '[D16] answers 502 upstream_malformed, never 200, when Chime returns 200 with %s',
    async (_name, body) => {
      inject({ type: 'malformed', status: 200, body });
      const response = await getAlice();
      expectProblem(response, 502, 'upstream_malformed');
      expect(getAttendeeCalls(stack)).toHaveLength(1);
    },
  );

  it.each([
    [
      'another AttendeeId',
      () => attendeeBody({ AttendeeId: '11111111-2222-4333-8444-555555555555' }),
    ],
    ['no AttendeeId', () => attendeeBody({ AttendeeId: undefined })],
    [
      'the AttendeeId of another meeting’s attendee, upper-cased',
      () => attendeeBody({ AttendeeId: meetingId.toUpperCase() }),
    ],
  ])('[D17] answers 502 upstream_malformed when Chime returns 200 with %s', async (_name, body) => {
    inject({ type: 'malformed', status: 200, body: body() });
    expectProblem(await getAlice(), 502, 'upstream_malformed');
  });

  it('[D17] drops fields Chime adds beyond the documented ones', async () => {
    inject({
      type: 'malformed',
      status: 200,
      body: {
        ...attendeeBody({ Extra: 'x', Internal: { arn: 'arn:aws:chime:…' } }),
        Unexpected: true,
      },
    });
    const response = await getAlice();
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      Attendee: {
        AttendeeId: aliceAttendee,
        ExternalUserId: 'alice',
        JoinToken: FAKE_TOKEN,
        Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
      },
    });
  });
});

describe('the function’s own budget', () => {
  it('[D18] answers 504 problem+json (not 408, not a bare 500) when the Lambda is about to time out', async () => {
    inject({ type: 'hang' });
    const api = await startTestApi(
      { CHIME_ENDPOINT: stack.emulatorUrl, DEADLINE_MS: String(DEADLINE_MS) },
      stack.idp,
    );
    // Fake timers: only Middy's early timeout (700 - 250 ms) is due when 450 ms have passed; the
    // per-attempt timeout (2 s) and the deadline (4 s) are not, and the emulator never answers.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      // 700 ms left in the Lambda: Middy answers 250 ms before.
      const answer = api.call({ meetingId, attendeeId: aliceAttendee, token: alice }, 700);
      await jest.advanceTimersByTimeAsync(450);
      const response = await answer;
      expect(response.statusCode).toBe(504);
      expect(headersOf(response)).toMatchObject({
        'content-type': 'application/problem+json',
        'cache-control': 'no-store',
      });
      expect(bodyOf(response)).toMatchObject({ status: 504, code: 'upstream_timeout' });
    } finally {
      jest.useRealTimers();
      await api.stop();
    }
  });
});
