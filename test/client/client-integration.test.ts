import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { CreateAttendeeCommand } from '@aws-sdk/client-chime-sdk-meetings';
import { MeetingSessionConfiguration } from 'amazon-chime-sdk-js';
import {
  ApiError,
  type AttendeeApiClientOptions,
  createAttendeeApiClient,
  createRosterResolver,
} from '../../client/src';
import type { DemoSeed, DevStack } from '../../local/cli/dev-stack';
import { startLocalStack } from '../helpers/local-stack';
import { registerSecret } from '../helpers/log-capture';

let stack: DevStack;
let seed: DemoSeed;
const tokens = {} as Record<'alice' | 'bob' | 'moderator', string>;
/** The stack's one line per request (method, path, status, latency; never headers or bodies). */
const requestLines: string[] = [];

const api = (token: string, options: Partial<AttendeeApiClientOptions> = {}) =>
  createAttendeeApiClient({ baseUrl: stack.apiUrl, getToken: () => token, ...options });

const alice = () => ({ meetingId: seed.meetingId, attendeeId: seed.attendees.alice });

/** The global fetch, counting its calls. */
function countingFetch() {
  const counter = {
    calls: 0,
    fetch: ((...args: Parameters<typeof fetch>) => {
      counter.calls += 1;
      return fetch(...args);
    }) as typeof fetch,
  };
  return counter;
}

const getAttendeeCalls = () =>
  stack.emulator.calls().filter((call) => call.operation === 'GetAttendee').length;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/**
 * Resolves once the API has logged an answer with `status`: yields to the event loop between
 * looks (no timer; the test timeout bounds it).
 */
async function answered(status: number): Promise<void> {
  while (!requestLines.some((line) => line.startsWith('api ') && line.includes(` ${status} `))) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  stack = await startLocalStack({
    env: { DEADLINE_MS: '2500', CHIME_REQUEST_TIMEOUT_MS: '700', RETRY_AFTER_SECONDS: '1' },
    log: (line) => requestLines.push(line),
  });
  registerSecret('alice');
  seed = await stack.seedDemo();
  for (const sub of ['alice', 'bob'] as const) tokens[sub] = await stack.idp.mint({ sub });
  tokens.moderator = await stack.idp.mint({ sub: 'maria', groups: ['moderators'] });
});
afterAll(() => stack?.stop());
beforeEach(() => {
  stack.emulator.clearFaults();
  stack.emulator.resetCalls();
});

describe('the client against the local API, over the real fetch', () => {
  it('gives the owner join info that MeetingSessionConfiguration takes as it is', async () => {
    const { Meeting, Attendee } = await api(tokens.alice).getJoinInfo(alice());
    registerSecret(Attendee.JoinToken ?? '');
    const configuration = new MeetingSessionConfiguration(Meeting, Attendee);
    expect(configuration.meetingId).toBe(seed.meetingId);
    expect(configuration.credentials?.attendeeId).toBe(seed.attendees.alice);
    expect(configuration.credentials?.joinToken).toBe(Attendee.JoinToken);
    expect(configuration.urls?.signalingURL).toMatch(/^wss:/);
  });

  it('gives a moderator the attendee without its JoinToken', async () => {
    const { Attendee } = await api(tokens.moderator).getAttendee(alice());
    expect(Attendee.AttendeeId).toBe(seed.attendees.alice);
    expect(Attendee).not.toHaveProperty('JoinToken');
  });

  it('tells a stranger the attendee is not found, as for a meeting that has ended', async () => {
    const error = await rejection(api(tokens.bob).getJoinInfo(alice()));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found', notFound: true });
    expect((error as ApiError).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('asks for a new sign-in when the token is refused', async () => {
    const expired = await stack.idp.mint({ sub: 'alice', ttl: -60 });
    const error = await rejection(api(expired).getAttendee(alice()));
    expect(error).toMatchObject({ status: 401, code: 'unauthorized', needsSignIn: true });
  });

  it('refuses a malformed ID without calling the API', async () => {
    const error = await rejection(
      api(tokens.alice).getAttendee({ meetingId: 'meeting-1', attendeeId: randomUUID() }),
    );
    expect(error).toMatchObject({ status: 0, code: 'invalid_id' });
    expect(stack.emulator.calls()).toEqual([]);
  });

  it('reports the retry delay of a throttled request when retries are off', async () => {
    stack.emulator.injectFault({
      operation: 'GetAttendee',
      count: 'unlimited',
      fault: { type: 'error', name: 'ThrottlingException' },
    });
    const error = await rejection(api(tokens.alice).getAttendee(alice()));
    expect(error).toMatchObject({
      status: 503,
      code: 'upstream_throttled',
      retryAfter: 1,
      isRetryable: true,
    });
  });

  it('retries a throttled request after Retry-After and returns the attendee', async () => {
    // The Lambda tries Chime three times; the fourth call, the client's retry, succeeds.
    stack.emulator.injectFault({
      operation: 'GetAttendee',
      count: 3,
      fault: { type: 'error', name: 'ThrottlingException' },
    });
    const client = api(tokens.alice, { retry: { maxRetries: 1, maxDelaySeconds: 2 } });
    const { Attendee } = await client.getAttendee(alice());
    registerSecret(Attendee.JoinToken ?? '');
    expect(Attendee.JoinToken).toEqual(expect.any(String));
    expect(getAttendeeCalls()).toBe(4);
  });

  it('does not wait out a Retry-After beyond maxDelaySeconds', async () => {
    stack.emulator.injectFault({
      operation: 'GetAttendee',
      count: 'unlimited',
      fault: { type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds: 30 },
    });
    const client = api(tokens.alice, { retry: { maxRetries: 3, maxDelaySeconds: 5 } });
    const error = await rejection(client.getAttendee(alice()));
    expect(error).toMatchObject({ status: 503, code: 'upstream_unavailable', retryAfter: 30 });
    expect(getAttendeeCalls()).toBe(1);
  });

  it('aborts a request that hangs when the signal fires', async () => {
    stack.emulator.injectFault({
      operation: 'GetAttendee',
      count: 'unlimited',
      fault: { type: 'hang' },
    });
    const error = await rejection(
      api(tokens.alice).getAttendee({ ...alice(), signal: AbortSignal.timeout(200) }),
    );
    expect(error).toMatchObject({ name: 'TimeoutError' });
    // The API still answers 504 at its deadline; wait for it so nothing outlives the file.
    await answered(504);
  });

  it("names the gateway's 404 when the base URL is wrong", async () => {
    const client = api(tokens.alice, { baseUrl: `${stack.apiUrl}/v1` });
    const error = await rejection(client.getAttendee(alice()));
    expect(error).toMatchObject({ status: 404, code: 'gateway_not_found', notFound: false });
    expect((error as ApiError).requestId).toEqual(expect.any(String));
  });

  it('reports a network error when nothing answers', async () => {
    const client = api(tokens.alice, { baseUrl: `http://127.0.0.1:${await closedPort()}` });
    const error = await rejection(client.getAttendee(alice()));
    expect(error).toMatchObject({ status: 0, code: 'network_error', isRetryable: true });
  });
});

describe('the roster, for a participant', () => {
  it('lists every attendee of the meeting, without JoinTokens', async () => {
    const { Attendees } = await api(tokens.bob).getRoster({ meetingId: seed.meetingId });
    expect(Attendees.map((attendee) => attendee.AttendeeId).sort()).toEqual(
      [seed.attendees.alice, seed.attendees.bob].sort(),
    );
    for (const attendee of Attendees) expect(attendee).not.toHaveProperty('JoinToken');
  });

  it('gives a participant who names their own attendee in `as` another attendee, without its JoinToken', async () => {
    const { Attendee } = await api(tokens.bob).getAttendee({ ...alice(), as: seed.attendees.bob });
    expect(Attendee).toMatchObject({ AttendeeId: seed.attendees.alice, ExternalUserId: 'alice' });
    expect(Attendee).not.toHaveProperty('JoinToken');
  });

  it('resolves a burst of meetingManager.getAttendee lookups with one roster request, and a newcomer with one more', async () => {
    const counter = countingFetch();
    const resolver = createRosterResolver({
      client: api(tokens.bob, { fetch: counter.fetch }),
      meetingId: seed.meetingId,
      minIntervalMs: 0,
    });
    const { alice: aliceId, bob: bobId } = seed.attendees;
    const burst = await Promise.all(
      [aliceId, bobId, aliceId].map((id) => resolver.getAttendee(id)),
    );
    expect(burst).toEqual([
      expect.objectContaining({ externalUserId: 'alice', service: false }),
      expect.objectContaining({ externalUserId: 'bob', service: false }),
      expect.objectContaining({ externalUserId: 'alice', service: false }),
    ]);
    expect(counter.calls).toBe(1);

    const { Attendee } = await stack.chime.send(
      new CreateAttendeeCommand({ MeetingId: seed.meetingId, ExternalUserId: 'carol' }),
    );
    registerSecret('carol');
    const newcomer = await resolver.getAttendee(Attendee?.AttendeeId as string);
    expect(newcomer).toMatchObject({ externalUserId: 'carol', service: false });
    expect(await resolver.getAttendee(randomUUID())).toEqual({});
    expect(counter.calls).toBe(3);
  });

  it('rejects lookups with the ApiError of the roster request, here for a meeting that has ended', async () => {
    const resolver = createRosterResolver({ client: api(tokens.alice), meetingId: randomUUID() });
    const error = await rejection(resolver.getAttendee(seed.attendees.alice));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
  });
});

describe('names, with the caches on as deployed', () => {
  let cached: DevStack;
  beforeAll(async () => {
    cached = await startLocalStack({
      sharedCache: true,
      env: { CACHE_ATTENDEE_TTL_MS: '10000', CACHE_MEETING_TTL_MS: '10000' },
    });
  });
  afterAll(() => cached?.stop());

  it('shows participants the name an attendee’s owner signed in with, once the owner has fetched join info', async () => {
    const demo = await cached.seedDemo();
    const client = (token: string) =>
      createAttendeeApiClient({ baseUrl: cached.apiUrl, getToken: () => token });
    const ada = await cached.idp.mint({ sub: 'alice', name: 'Ada Lovelace' });
    const bob = await cached.idp.mint({ sub: 'bob' });
    const { Attendee } = await client(ada).getJoinInfo({
      meetingId: demo.meetingId,
      attendeeId: demo.attendees.alice,
    });
    registerSecret(Attendee.JoinToken ?? '');

    const resolver = createRosterResolver({ client: client(bob), meetingId: demo.meetingId });
    expect(await resolver.getAttendee(demo.attendees.alice)).toEqual({
      name: 'Ada Lovelace',
      externalUserId: 'alice',
      service: false,
    });
    const seen = await client(bob).getAttendee({
      meetingId: demo.meetingId,
      attendeeId: demo.attendees.alice,
      as: demo.attendees.bob,
    });
    expect(seen.Attendee.Name).toBe('Ada Lovelace');
  });
});
