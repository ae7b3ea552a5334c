/**
 * Matrix group E: the retry and time budget, counted on the Chime emulator's call log and on the
 * retry strategy's decisions. Whatever Chime does, retries stay within the configured attempts,
 * the deadline and the container's retry quota, and the client learns what Chime said. Nothing
 * here times a request: how long one takes is the benchmark's business.
 */
import type { FaultRule, FaultSpec } from '../../local/chime-emulator';
import type { DevStack } from '../../local/cli/dev-stack';
import { startLocalStack } from '../helpers/local-stack';
import { capturedLines } from '../helpers/log-capture';
import { type RetryDecision, recordRetryDecisions } from '../helpers/retry-decisions';
import { bodyOf, headersOf, startTestApi, type TestApi } from '../helpers/test-api';
import {
  attendeePath,
  bearer,
  createAttendee,
  createMeeting,
  getAttendeeCalls,
  http,
  LOCAL_ORIGIN,
  requestLogLines,
} from './support';

const DEADLINE_MS = 4000;
const MAX_ATTEMPTS = 2;

let stack: DevStack;
let meetingId: string;
let aliceAttendee: string;
let alice: string;

beforeAll(async () => {
  stack = await startLocalStack({
    env: {
      DEADLINE_MS: String(DEADLINE_MS),
      CHIME_REQUEST_TIMEOUT_MS: '300',
      CHIME_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      CHIME_MAX_RETRY_AFTER_MS: '2000',
    },
  });
  meetingId = await createMeeting(stack, 'retry-budget');
  aliceAttendee = await createAttendee(stack, meetingId, 'alice');
  alice = await stack.idp.mint({ sub: 'alice' });
});
afterAll(() => stack.stop());
let decisions: RetryDecision[];
let stopRecording: () => void;
beforeEach(() => {
  stack.emulator.clearFaults();
  stack.emulator.resetCalls();
  ({ decisions, restore: stopRecording } = recordRetryDecisions());
});
afterEach(() => stopRecording());

function inject(fault: FaultSpec, count: FaultRule['count'] = 'unlimited') {
  stack.emulator.injectFault({ operation: 'GetAttendee', count, fault });
}

const getAlice = () =>
  http(stack.apiUrl, attendeePath(meetingId, aliceAttendee), {
    headers: { origin: LOCAL_ORIGIN, ...bearer(alice) },
  });

/** The real chain in process, with its own Chime client (own retry quota) on the emulator. */
async function withApi<T>(env: Record<string, string>, use: (api: TestApi) => Promise<T>) {
  const api = await startTestApi({ CHIME_ENDPOINT: stack.emulatorUrl, ...env }, stack.idp);
  try {
    return await use(api);
  } finally {
    await api.stop();
  }
}

const callAlice = (api: TestApi) =>
  api.call({ meetingId, attendeeId: aliceAttendee, token: alice });

describe('attempts', () => {
  it.each([
    'BadRequestException',
    'UnauthorizedException',
    'ForbiddenException',
    'NotFoundException',
    'ConflictException',
    'UnprocessableEntityException',
  ] as const)('[E1] tries a request that fails with %s exactly once', async (name) => {
    inject({ type: 'error', name });
    const mark = capturedLines().length;
    const response = await getAlice();
    expect([404, 502]).toContain(response.status);
    expect(getAttendeeCalls(stack)).toHaveLength(1);
    expect(requestLogLines(mark)[0]).toMatchObject({ chimeAttempts: 1 });
  });

  it.each([
    ['ThrottlingException', { type: 'error', name: 'ThrottlingException' }, 503],
    [
      'ServiceUnavailableException',
      { type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds: 0 },
      503,
    ],
    ['ServiceFailureException', { type: 'error', name: 'ServiceFailureException' }, 502],
    ['a reset connection', { type: 'reset' }, 502],
    ['a hang past the per-attempt timeout', { type: 'hang' }, 504],
  ] as const)(
    '[E2] tries a request that fails with %s exactly CHIME_MAX_ATTEMPTS (2) times, and logs the attempts',
    async (_name, fault, status) => {
      inject(fault as FaultSpec);
      const mark = capturedLines().length;
      const response = await getAlice();
      expect(response.status).toBe(status);
      expect(getAttendeeCalls(stack)).toHaveLength(MAX_ATTEMPTS);
      // One retry, then the attempts are spent (or, for the hang, the deadline leaves no room).
      expect(decisions.map((d) => d.outcome)).toEqual(['retry', 'refused']);
      expect(requestLogLines(mark)[0]).toMatchObject({ chimeAttempts: MAX_ATTEMPTS });
    },
  );

  it('[E4] stops retrying once the container’s retry quota is spent, then fails fast', async () => {
    inject({ type: 'error', name: 'ServiceFailureException' });
    await withApi({ CHIME_MAX_ATTEMPTS: '3' }, async (api) => {
      const burst = await Promise.all(Array.from({ length: 20 }, () => callAlice(api)));
      expect(burst.map((r) => r.statusCode)).toEqual(Array(20).fill(502));
      const burstCalls = getAttendeeCalls(stack).length;
      // 20 requests × 3 attempts would be 60 calls; the quota (500 tokens, 14 per retry) allows 35 retries.
      expect(burstCalls).toBeLessThanOrEqual(20 + 35);
      for (let i = 0; i < 3; i += 1) {
        stack.emulator.resetCalls();
        const mark = capturedLines().length;
        expect((await callAlice(api)).statusCode).toBe(502);
        expect(getAttendeeCalls(stack)).toHaveLength(1);
        expect(requestLogLines(mark)[0]).toMatchObject({ chimeAttempts: 1 });
      }
    });
  });
});

describe('time', () => {
  it('[E3] waits out a short upstream Retry-After within the budget, then succeeds', async () => {
    inject({ type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds: 1 }, 1);
    const response = await getAlice();
    expect(response.status).toBe(200);
    expect(getAttendeeCalls(stack).map((c) => c.status)).toEqual([503, 200]);
    // One retry, scheduled no earlier than the 1 s Retry-After (less the few ms since the answer).
    expect(decisions).toEqual([{ outcome: 'retry', delayMs: expect.any(Number) }]);
    expect((decisions[0] as { delayMs: number }).delayMs).toBeGreaterThan(900);
    expect((decisions[0] as { delayMs: number }).delayMs).toBeLessThanOrEqual(1000);
  });

  it('[E3] returns an upstream Retry-After longer than CHIME_MAX_RETRY_AFTER_MS at once instead of waiting', async () => {
    inject({ type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds: 5 });
    const response = await getAlice();
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(getAttendeeCalls(stack)).toHaveLength(1);
    expect(decisions).toEqual([
      { outcome: 'refused', reason: 'Retry-After exceeds the retry budget' },
    ]);
  });

  it('[E3] answers a persistent throttle with 503 and Retry-After, not 504, when the backoff would outlast the deadline', async () => {
    // The configuration of test/local/cli/api-integration.test.ts. With the largest jittered backoff
    // (smithy's throttling base 1 s: ~1 s then ~2 s) three attempts need ~3 s, past the 2.5 s
    // deadline: were the second retry started, the abort would fire during its backoff and the
    // ThrottlingException would be lost. The strategy refuses it instead.
    inject({ type: 'error', name: 'ThrottlingException' });
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.99);
    try {
      await withApi({ DEADLINE_MS: '2500', CHIME_REQUEST_TIMEOUT_MS: '700' }, async (api) => {
        const response = await callAlice(api);
        expect(decisions.map((d) => d.outcome)).toEqual(['retry', 'refused']);
        expect(decisions[1]).toEqual({
          outcome: 'refused',
          reason: 'no whole attempt fits the deadline',
        });
        expect(getAttendeeCalls(stack)).toHaveLength(2);
        expect({ status: response.statusCode, code: bodyOf(response).code }).toEqual({
          status: 503,
          code: 'upstream_throttled',
        });
        expect(headersOf(response)['retry-after']).toBe('1');
      });
    } finally {
      random.mockRestore();
    }
  });

  it('[E5] gives up on a slow attempt at CHIME_REQUEST_TIMEOUT_MS (TimeoutError) and retries', async () => {
    inject({ type: 'hang', ms: 1500 }, 1);
    const mark = capturedLines().length;
    const response = await getAlice();
    expect(response.status).toBe(200);
    // The second attempt was answered while the first still hung: it was given up, not awaited.
    expect(getAttendeeCalls(stack).map((c) => c.status)).toEqual([null, 200]);
    expect(decisions.map((d) => d.outcome)).toEqual(['retry']);
    expect(requestLogLines(mark)[0]).toMatchObject({ status: 200, chimeAttempts: 2 });
  });

  it('[E6] aborts the in-flight call at the deadline and answers 504', async () => {
    inject({ type: 'hang' });
    await withApi({ DEADLINE_MS: '800', CHIME_REQUEST_TIMEOUT_MS: '800' }, async (api) => {
      const mark = capturedLines().length;
      const response = await callAlice(api);
      expect(response.statusCode).toBe(504);
      expect(bodyOf(response)).toMatchObject({ code: 'upstream_timeout' });
      // Aborted by the deadline (AbortError), not by the per-attempt timeout (TimeoutError),
      // and never retried.
      expect(requestLogLines(mark)[0]).toMatchObject({ cause: 'AbortError' });
      expect(decisions).toEqual([]);
      // One attempt, which the client abandoned: the emulator never answered it.
      expect(getAttendeeCalls(stack).map((c) => c.status)).toEqual([null]);
    });
  });
});
