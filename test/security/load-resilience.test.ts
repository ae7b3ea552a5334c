/**
 * Matrix group H, the parts that fit in a test run: short bursts over real HTTP against the
 * emulator. The sustained run with figures and a memory check is `npm run load`
 * (scripts/load.ts); the rows that need a deployed stage are marked not applicable.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import type { DevStack } from '../../local/cli/dev-stack';
import { startLocalStack } from '../helpers/local-stack';
import { startTestApi } from '../helpers/test-api';
import {
  attendeePath,
  bearer,
  CONTRACT_STATUSES,
  createAttendee,
  createMeeting,
  getAttendeeCalls,
  type HttpResponse,
  http,
  LOCAL_ORIGIN,
} from './support';

const DEADLINE_MS = 4000;

let stack: DevStack;
let meetingId: string;
const attendees: Record<string, string> = {};
const tokens: Record<string, string> = {};

beforeAll(async () => {
  stack = await startLocalStack({
    env: { DEADLINE_MS: String(DEADLINE_MS), CHIME_REQUEST_TIMEOUT_MS: '1000', LOG_LEVEL: 'WARN' },
  });
  meetingId = await createMeeting(stack, 'load-resilience');
  for (const user of ['alice', 'bob', 'faulty']) {
    attendees[user] = await createAttendee(stack, meetingId, user);
    tokens[user] = await stack.idp.mint({ sub: user });
  }
  tokens.mallory = await stack.idp.mint({ sub: 'mallory' });
  tokens.maria = await stack.idp.mint({ sub: 'maria', groups: ['moderators'] });
});
afterAll(() => stack.stop());
beforeEach(() => {
  stack.emulator.clearFaults();
  stack.emulator.resetCalls();
});

const get = (who: string, attendeeId: string) =>
  http(stack.apiUrl, attendeePath(meetingId, attendeeId), {
    headers: { origin: LOCAL_ORIGIN, ...bearer(tokens[who] as string) },
  });

it('[H1] keeps every answer in contract under a short steady mix of owners, strangers, a moderator and a failing attendee', async () => {
  stack.emulator.injectFault({
    operation: 'GetAttendee',
    count: 'unlimited',
    match: { attendeeId: attendees.faulty as string },
    fault: { type: 'error', name: 'ServiceFailureException' },
  });
  const violations: string[] = [];
  const statuses: Record<number, number> = {};
  const spec = (name: string, who: string, attendee: string, expected: number[]) => ({
    method: 'GET' as const,
    path: attendeePath(meetingId, attendees[attendee] as string),
    headers: { origin: LOCAL_ORIGIN, ...bearer(tokens[who] as string) },
    onResponse: (
      status: number,
      body: string,
      _context: object,
      headers: autocannon.Request['headers'],
    ) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (!expected.includes(status)) violations.push(`${name}: ${status}`);
      const cacheControl = Object.entries(headers ?? {}).find(
        ([k]) => k.toLowerCase() === 'cache-control',
      );
      if (cacheControl?.[1] !== 'no-store') violations.push(`${name}: no no-store`);
      if (who !== attendee && body.includes('JoinToken')) violations.push(`${name}: JoinToken`);
    },
  });
  const result = await autocannon({
    url: stack.apiUrl,
    connections: 8,
    // A fixed amount, not a duration: what is asserted is every answer, never the throughput.
    amount: 200,
    requests: [
      spec('owner', 'alice', 'alice', [200]),
      spec('participant', 'bob', 'alice', [404]),
      spec('stranger', 'mallory', 'bob', [404]),
      spec('moderator', 'maria', 'alice', [200]),
      spec('failing attendee', 'faulty', 'faulty', [502]),
    ],
  });
  expect(violations.slice(0, 10)).toEqual([]);
  expect(result.errors + result.timeouts).toBe(0);
  expect(Object.keys(statuses).map(Number).sort()).toEqual([200, 404, 502]);
  expect(result.requests.total).toBe(200);
});

it('[H3] exposes nothing to one principal enumerating attendee IDs', async () => {
  const guesses = [
    ...Array.from({ length: 150 }, () => randomUUID()),
    ...Object.values(attendees),
    ...Object.values(attendees).map((id) => id.toUpperCase()),
  ];
  const answers: HttpResponse[] = [];
  for (let i = 0; i < guesses.length; i += 25) {
    answers.push(...(await Promise.all(guesses.slice(i, i + 25).map((id) => get('mallory', id)))));
  }
  expect(new Set(answers.map((a) => a.status))).toEqual(new Set([404]));
  expect(new Set(answers.map((a) => JSON.stringify({ ...a.body, requestId: 0 }))).size).toBe(1);
  expect(answers.some((a) => a.text.includes('JoinToken'))).toBe(false);
});

it('[H4] answers 200 or 503 with Retry-After when ~30 % of Chime calls are throttled, within (1 + retries) calls per request', async () => {
  const inbound = 60;
  stack.emulator.injectFault({
    operation: 'GetAttendee',
    count: 18,
    fault: { type: 'error', name: 'ThrottlingException' },
  });
  const answers = await Promise.all(
    Array.from({ length: inbound }, () => get('alice', attendees.alice as string)),
  );
  const statuses = answers.map((a) => a.status);
  expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
  for (const answer of answers.filter((a) => a.status === 503)) {
    expect(answer.headers['retry-after']).toMatch(/^\d+$/);
  }
  expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(inbound - 18);
  expect(getAttendeeCalls(stack).length).toBeLessThanOrEqual(3 * inbound);
});

it('[H5] answers 504 within the attempt budget, never a 5xx of its own, when Chime is 3 s slower', async () => {
  stack.emulator.injectFault({
    operation: 'GetAttendee',
    count: 'unlimited',
    fault: { type: 'hang', ms: 3000 },
  });
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => get('alice', attendees.alice as string)),
  );
  expect(new Set(answers.map((a) => a.status))).toEqual(new Set([504]));
  // Each request gave up after at most CHIME_MAX_ATTEMPTS (3) timed-out attempts.
  const calls = getAttendeeCalls(stack).length;
  expect(calls).toBeGreaterThanOrEqual(20);
  expect(calls).toBeLessThanOrEqual(3 * 20);
  for (const answer of answers) {
    expect(CONTRACT_STATUSES).toContain(answer.status);
    expect(answer.body).toMatchObject({ code: 'upstream_timeout' });
  }
});

it('[H6] fetches the JWKS once for a cold burst of 100 concurrent requests, with no JWKS wait errors', async () => {
  const cold = await startTestApi({ CHIME_ENDPOINT: stack.emulatorUrl }, stack.idp);
  try {
    const before = stack.idp.jwksFetchCount;
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        cold.call({ meetingId, attendeeId: attendees.alice as string, token: tokens.alice }),
      ),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(100).fill(200));
    expect(stack.idp.jwksFetchCount - before).toBe(1);
  } finally {
    await cold.stop();
  }
});
