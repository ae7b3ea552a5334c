import { randomUUID } from 'node:crypto';
import {
  CreateAttendeeCommand,
  CreateMeetingCommand,
  DeleteAttendeeCommand,
  DeleteMeetingCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import type { DemoSeed, DevStack } from '../../../local/cli/dev-stack';
import { startLocalStack } from '../../helpers/local-stack';
import { registerSecret } from '../../helpers/log-capture';

const ORIGIN = 'http://localhost:3003';
let stack: DevStack;
let seed: DemoSeed;
const tokens: Record<string, string> = {};

async function get(path: string, token?: string, init: RequestInit = {}) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    ...init,
    headers: {
      origin: ORIGIN,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.headers as Record<string, string>),
    },
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary JSON bodies.
  const body = text ? (JSON.parse(text) as Record<string, any>) : undefined;
  return { status: response.status, headers: response.headers, body };
}

const attendeePath = (attendeeId: string, meetingId = seed.meetingId) =>
  `/meetings/${meetingId}/attendees/${attendeeId}`;

const getAttendeeCalls = () =>
  stack.emulator.calls().filter((call) => call.operation === 'GetAttendee').length;

beforeAll(async () => {
  stack = await startLocalStack({
    env: { CHIME_REQUEST_TIMEOUT_MS: '700', RETRY_AFTER_SECONDS: '2' },
  });
  seed = await stack.seedDemo();
  for (const sub of ['alice', 'bob', 'mallory']) tokens[sub] = await stack.idp.mint({ sub });
  tokens.moderator = await stack.idp.mint({ sub: 'maria', groups: ['moderators'] });
  registerSecret('alice');
});
afterAll(() => stack.stop());
beforeEach(() => {
  stack.emulator.clearFaults();
  stack.emulator.resetCalls();
});

describe('the policy over real HTTP, against the emulator', () => {
  it('gives alice her attendee with its JoinToken', async () => {
    const { status, headers, body } = await get(attendeePath(seed.attendees.alice), tokens.alice);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json');
    expect(headers.get('cache-control')).toBe('no-store');
    expect(headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(body?.Attendee).toEqual({
      AttendeeId: seed.attendees.alice,
      ExternalUserId: 'alice',
      JoinToken: expect.stringMatching(/^[A-Za-z0-9+/]{100,}$/),
      Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
    });
    registerSecret(body?.Attendee.JoinToken);
  });

  it('gives a moderator the attendee without the JoinToken', async () => {
    const { status, body } = await get(attendeePath(seed.attendees.alice), tokens.moderator);
    expect(status).toBe(200);
    expect(body?.Attendee).not.toHaveProperty('JoinToken');
    expect(body?.Attendee.AttendeeId).toBe(seed.attendees.alice);
  });

  it('answers bob, a participant of the same meeting, exactly like a missing attendee', async () => {
    const denied = await get(attendeePath(seed.attendees.alice), tokens.bob);
    const missing = await get(attendeePath(randomUUID()), tokens.bob);
    expect(denied.status).toBe(404);
    const strip = (r: typeof denied) => ({
      status: r.status,
      headers: [...r.headers].filter(([n]) => !['date', 'apigw-requestid'].includes(n)),
      body: { ...r.body, requestId: undefined },
    });
    expect(strip(denied)).toEqual(strip(missing));
  });

  it('denies a stranger and an ID pair across two meetings', async () => {
    const { Meeting } = await stack.chime.send(
      new CreateMeetingCommand({
        ClientRequestToken: randomUUID(),
        ExternalMeetingId: 'other',
        MediaRegion: 'us-east-1',
      }),
    );
    const other = Meeting?.MeetingId as string;
    expect((await get(attendeePath(seed.attendees.alice), tokens.mallory)).status).toBe(404);
    expect((await get(attendeePath(seed.attendees.alice, other), tokens.alice)).status).toBe(404);
    const { Attendee } = await stack.chime.send(
      new CreateAttendeeCommand({ MeetingId: other, ExternalUserId: 'alice' }),
    );
    const own = await get(attendeePath(Attendee?.AttendeeId as string, other), tokens.alice);
    expect(own.status).toBe(200);
    registerSecret(own.body?.Attendee.JoinToken);
    expect(
      (await get(attendeePath(Attendee?.AttendeeId as string, other), tokens.bob)).status,
    ).toBe(404);
  });

  it('answers 401 without a token and 400 for a malformed id, never calling Chime', async () => {
    const anonymous = await get(attendeePath(seed.attendees.alice));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="chime-attendee-api"');
    const malformed = await get(attendeePath('not-a-guid'), tokens.alice);
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'invalid_id' });
    expect(getAttendeeCalls()).toBe(0);
  });

  it('answers like the gateway for unknown routes, other methods and preflights', async () => {
    expect((await get('/meetings', tokens.alice)).status).toBe(404);
    expect((await get(`${attendeePath(seed.attendees.alice)}/`, tokens.alice)).status).toBe(404);
    expect(
      (await get(attendeePath(seed.attendees.alice), tokens.alice, { method: 'DELETE' })).status,
    ).toBe(404);
    const preflight = await get(attendeePath(seed.attendees.alice), undefined, {
      method: 'OPTIONS',
      headers: {
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization');
    expect(getAttendeeCalls()).toBe(0);
  });

  it('answers 404 once the attendee is deleted, and once the meeting has ended', async () => {
    const { Attendee } = await stack.chime.send(
      new CreateAttendeeCommand({ MeetingId: seed.meetingId, ExternalUserId: 'carol' }),
    );
    const carol = await stack.idp.mint({ sub: 'carol' });
    const id = Attendee?.AttendeeId as string;
    expect((await get(attendeePath(id), carol)).status).toBe(200);
    await stack.chime.send(
      new DeleteAttendeeCommand({ MeetingId: seed.meetingId, AttendeeId: id }),
    );
    expect((await get(attendeePath(id), carol)).status).toBe(404);

    const { Meeting } = await stack.chime.send(
      new CreateMeetingCommand({
        ClientRequestToken: randomUUID(),
        ExternalMeetingId: 'ending',
        MediaRegion: 'us-east-1',
      }),
    );
    const ending = Meeting?.MeetingId as string;
    const { Attendee: a } = await stack.chime.send(
      new CreateAttendeeCommand({ MeetingId: ending, ExternalUserId: 'carol' }),
    );
    await stack.chime.send(new DeleteMeetingCommand({ MeetingId: ending }));
    expect((await get(attendeePath(a?.AttendeeId as string, ending), carol)).status).toBe(404);
  });
});

describe('upstream faults injected in the emulator', () => {
  it.each([
    ['NotFoundException', 404, 'not_found', null, 1],
    ['BadRequestException', 502, 'upstream_rejected', null, 1],
    ['UnauthorizedException', 502, 'upstream_credentials', null, 1],
    ['ForbiddenException', 502, 'upstream_credentials', null, 1],
    ['ThrottlingException', 503, 'upstream_throttled', '2', 3],
    // The emulator sends Retry-After: 1 on a 503, as AWS does; upstream's value wins.
    ['ServiceUnavailableException', 503, 'upstream_unavailable', '1', 3],
    ['ServiceFailureException', 502, 'upstream_failure', null, 3],
  ])('%s → %i %s', async (name, status, code, retryAfter, attempts) => {
    stack.emulator.injectFault({
      operation: 'GetAttendee',
      count: 'unlimited',
      fault: { type: 'error', name: name as never },
    });
    const response = await get(attendeePath(seed.attendees.alice), tokens.alice);
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ status, code });
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('retry-after')).toBe(retryAfter);
    expect(response.headers.get('www-authenticate')).toBeNull();
    expect(JSON.stringify(response.body)).not.toMatch(/Exception|arn:/);
    // Non-retryable errors are tried once; retryable ones the configured 3 attempts.
    expect(getAttendeeCalls()).toBe(attempts);
  });

  it('returns a long upstream Retry-After to the client at once instead of waiting it out', async () => {
    stack.emulator.injectFault({
      operation: 'GetAttendee',
      count: 'unlimited',
      fault: { type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds: 30 },
    });
    const response = await get(attendeePath(seed.attendees.alice), tokens.alice);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(getAttendeeCalls()).toBe(1);
  });

  it('recovers when a throttle clears before the attempts run out', async () => {
    stack.emulator.injectFault({
      operation: 'GetAttendee',
      count: 1,
      fault: { type: 'error', name: 'ThrottlingException' },
    });
    const response = await get(attendeePath(seed.attendees.alice), tokens.alice);
    expect(response.status).toBe(200);
    registerSecret(response.body?.Attendee.JoinToken);
    expect(getAttendeeCalls()).toBe(2);
  });

  it('answers 504 after the per-attempt timeouts, before the deadline, when Chime hangs', async () => {
    stack.emulator.injectFault({
      operation: 'GetAttendee',
      count: 'unlimited',
      fault: { type: 'hang' },
    });
    const response = await get(attendeePath(seed.attendees.alice), tokens.alice);
    expect(response.status).toBe(504);
    expect(response.body).toMatchObject({ code: 'upstream_timeout' });
    // Three attempts, each given up at its 700 ms timeout: the 6 s deadline never had to cut in.
    expect(getAttendeeCalls()).toBe(3);
  });

  it('answers 502 when the connection is reset on every attempt', async () => {
    stack.emulator.injectFault({
      operation: 'GetAttendee',
      count: 'unlimited',
      fault: { type: 'reset' },
    });
    const response = await get(attendeePath(seed.attendees.alice), tokens.alice);
    expect(response.status).toBe(502);
    expect(response.body).toMatchObject({ code: 'upstream_failure' });
    expect(getAttendeeCalls()).toBe(3);
  });

  it('answers 502 when Chime answers a non-JSON 5xx on every attempt', async () => {
    stack.emulator.injectFault({
      operation: 'GetAttendee',
      count: 'unlimited',
      fault: {
        type: 'malformed',
        status: 502,
        rawBody: '<html>Bad Gateway</html>',
        headers: { 'content-type': 'text/html' },
      },
    });
    const response = await get(attendeePath(seed.attendees.alice), tokens.alice);
    expect(response.status).toBe(502);
    expect(response.body).toMatchObject({ code: 'upstream_failure' });
  });

  it.each([
    ['no Attendee', { $metadata: 'x' }],
    [
      'another AttendeeId',
      {
        Attendee: {
          AttendeeId: randomUUID(),
          ExternalUserId: 'alice',
          JoinToken: 'abcd',
          Capabilities: { Audio: 'None', Video: 'None', Content: 'None' },
        },
      },
    ],
  ])('answers 502 when Chime returns 200 with %s', async (_name, body) => {
    stack.emulator.injectFault({
      operation: 'GetAttendee',
      fault: { type: 'malformed', status: 200, body },
    });
    const response = await get(attendeePath(seed.attendees.alice), tokens.alice);
    expect(response.status).toBe(502);
    expect(response.body).toMatchObject({ code: 'upstream_malformed' });
  });
});

describe('join info over real HTTP', () => {
  it('gives alice the meeting and her attendee in one call', async () => {
    const { status, body } = await get(
      `${attendeePath(seed.attendees.alice)}/join-info`,
      tokens.alice,
    );
    expect(status).toBe(200);
    registerSecret(body?.Attendee.JoinToken);
    expect(body?.Meeting).toMatchObject({
      MeetingId: seed.meetingId,
      MediaRegion: 'us-east-1',
      MediaPlacement: {
        AudioHostUrl: expect.any(String),
        SignalingUrl: expect.stringMatching(/^wss:/),
      },
    });
    expect(body?.Attendee).toMatchObject({
      AttendeeId: seed.attendees.alice,
      JoinToken: expect.any(String),
    });
    const operations = stack.emulator
      .calls()
      .map((c) => c.operation)
      .sort();
    expect(operations).toEqual(['GetAttendee', 'GetMeeting']);
  });

  it('answers a moderator 404: join info is for joining', async () => {
    expect(
      (await get(`${attendeePath(seed.attendees.alice)}/join-info`, tokens.moderator)).status,
    ).toBe(404);
  });

  it('translates a GetMeeting fault for the owner', async () => {
    stack.emulator.injectFault({
      operation: 'GetMeeting',
      count: 'unlimited',
      fault: { type: 'error', name: 'ForbiddenException' },
    });
    const response = await get(`${attendeePath(seed.attendees.alice)}/join-info`, tokens.alice);
    expect(response.status).toBe(502);
    expect(response.body).toMatchObject({ code: 'upstream_credentials' });
  });
});
