import { randomUUID } from 'node:crypto';
import { CreateAttendeeCommand, CreateMeetingCommand } from '@aws-sdk/client-chime-sdk-meetings';
import type { FaultRule } from '../../local/chime-emulator';
import type { DemoSeed, DevStack } from '../../local/cli/dev-stack';
import { afterFailureMemory } from '../helpers/clock';
import { startLocalStack } from '../helpers/local-stack';
import { registerSecret } from '../helpers/log-capture';
import {
  loadContract,
  type ObservedResponse,
  type Outcome,
  observe,
} from '../helpers/openapi-conformance';
import { invalidTokens } from '../helpers/tokens';

/**
 * Every status the API can give, provoked over real HTTP against the local stack (Chime
 * emulator, identity provider, HTTP API stand-in) and checked against openapi.yaml. The last
 * test checks the other direction: every outcome the document lists was seen here, bar the
 * gateway's own answers, which only a deployed gateway gives.
 */
const ATTENDEE_ROUTE = '/meetings/{meetingId}/attendees/{attendeeId}';
const JOIN_INFO_ROUTE = '/meetings/{meetingId}/attendees/{attendeeId}/join-info';
const ROSTER_ROUTE = '/meetings/{meetingId}/roster';
/** The routes of one attendee. */
const ROUTES = [ATTENDEE_ROUTE, JOIN_INFO_ROUTE] as const;
const ALL_ROUTES = [...ROUTES, ROSTER_ROUTE] as const;
type Route = (typeof ALL_ROUTES)[number];

const contract = loadContract();
let stack: DevStack;
let seed: DemoSeed;
/** A meeting created with every optional field join-info passes on. */
let featured: { meetingId: string; attendeeId: string };
const tokens = {} as Record<'alice' | 'bob' | 'mallory' | 'moderator', string>;

interface Answer extends ObservedResponse {
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary JSON bodies.
  readonly json: Record<string, any> | undefined;
}

function pathOf(route: Route, meetingId: string, attendeeId: string): string {
  return route.replace('{meetingId}', meetingId).replace('{attendeeId}', attendeeId);
}

/** GETs `path` and registers what a 200 reveals as secrets for the log check. */
async function get(path: string, authorization?: string, method = 'GET'): Promise<Answer> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: authorization ? { authorization } : {},
  });
  const body = await response.text();
  let json: Answer['json'];
  try {
    json = body ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }
  if (typeof json?.Attendee?.JoinToken === 'string') registerSecret(json.Attendee.JoinToken);
  if (typeof json?.Attendee?.ExternalUserId === 'string') {
    registerSecret(json.Attendee.ExternalUserId);
  }
  for (const entry of Array.isArray(json?.Attendees) ? json.Attendees : []) {
    if (typeof entry?.ExternalUserId === 'string') registerSecret(entry.ExternalUserId);
  }
  return { status: response.status, headers: response.headers, body, json };
}

/**
 * GETs `route` for the given IDs (alice's attendee by default), with `?as=` when given, and
 * checks the answer.
 */
async function call(
  route: Route,
  token: string | undefined,
  ids: { meetingId?: string; attendeeId?: string; as?: string } = {},
): Promise<Answer> {
  const path = pathOf(
    route,
    ids.meetingId ?? seed.meetingId,
    ids.attendeeId ?? seed.attendees.alice,
  );
  const query = ids.as === undefined ? '' : `?as=${ids.as}`;
  const answer = await get(`${path}${query}`, token === undefined ? undefined : `Bearer ${token}`);
  contract.assertConforms('GET', route, answer);
  return answer;
}

function inject(rule: FaultRule): void {
  stack.emulator.injectFault(rule);
}

beforeAll(async () => {
  stack = await startLocalStack({
    // Two Chime attempts keep retried faults well inside the deadline.
    env: {
      DEADLINE_MS: '2500',
      CHIME_REQUEST_TIMEOUT_MS: '700',
      CHIME_MAX_ATTEMPTS: '2',
      RETRY_AFTER_SECONDS: '2',
    },
  });
  registerSecret('alice');
  seed = await stack.seedDemo();
  const { Meeting } = await stack.chime.send(
    new CreateMeetingCommand({
      ClientRequestToken: randomUUID(),
      ExternalMeetingId: 'featured-meeting',
      MeetingHostId: 'host-7',
      MediaRegion: 'eu-central-1',
      PrimaryMeetingId: seed.meetingId,
      TenantIds: ['tenant-a'],
      MeetingFeatures: {
        Audio: { EchoReduction: 'AVAILABLE' },
        Video: { MaxResolution: 'FHD' },
        Content: { MaxResolution: 'UHD' },
        Attendee: { MaxCount: 10 },
      },
    }),
  );
  const meetingId = Meeting?.MeetingId as string;
  const { Attendee } = await stack.chime.send(
    new CreateAttendeeCommand({
      MeetingId: meetingId,
      ExternalUserId: 'alice',
      Capabilities: { Audio: 'SendReceive', Video: 'Receive', Content: 'None' },
    }),
  );
  featured = { meetingId, attendeeId: Attendee?.AttendeeId as string };
  for (const sub of ['alice', 'bob', 'mallory'] as const)
    tokens[sub] = await stack.idp.mint({ sub });
  tokens.moderator = await stack.idp.mint({ sub: 'maria', groups: ['moderators'] });
});
afterAll(() => stack?.stop());
beforeEach(() => stack.emulator.clearFaults());

describe.each(ROUTES)('%s, for who the caller is', (route) => {
  const joinInfo = route === JOIN_INFO_ROUTE;

  it('answers the owner 200 with the JoinToken', async () => {
    const { status, json } = await call(route, tokens.alice);
    expect(status).toBe(200);
    expect(json?.Attendee.JoinToken).toEqual(expect.any(String));
  });

  it(`answers a moderator ${joinInfo ? '404' : '200 without the JoinToken'}`, async () => {
    const { status, json } = await call(route, tokens.moderator);
    expect(status).toBe(joinInfo ? 404 : 200);
    if (!joinInfo) expect(json?.Attendee).not.toHaveProperty('JoinToken');
  });

  it('answers a participant of the same meeting the 404 of a missing attendee', async () => {
    const denied = await call(route, tokens.bob);
    const missing = await call(route, tokens.bob, { attendeeId: randomUUID() });
    expect([denied.json?.code, missing.json?.code]).toEqual(['not_found', 'not_found']);
  });

  it.each([
    ['no Authorization header', undefined],
    ['a Basic credential', 'Basic YWxpY2U6cGFzc3dvcmQ='],
    ['a token that is not a JWT', 'Bearer not-a-jwt'],
  ])('answers 401 with a Bearer challenge for %s', async (_name, authorization) => {
    const path = pathOf(route, seed.meetingId, seed.attendees.alice);
    const answer = await get(path, authorization);
    contract.assertConforms('GET', route, answer);
    expect(answer.json?.code).toBe('unauthorized');
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
  });

  it('answers 401 for an expired, a forged and a foreign token alike', async () => {
    const invalid = invalidTokens(stack.idp);
    for (const name of ['expired', 'signed by another key', 'wrong audience', 'alg none']) {
      const { json } = await call(route, invalid[name]);
      expect(json?.code).toBe('unauthorized');
    }
  });

  it('answers 400 invalid_id for a malformed meetingId or attendeeId', async () => {
    for (const ids of [{ meetingId: 'not-a-guid' }, { attendeeId: `${seed.attendees.alice}x` }]) {
      const { json } = await call(route, tokens.alice, ids);
      expect(json?.code).toBe('invalid_id');
    }
  });
});

describe.each(ROUTES)('%s, when Chime GetAttendee fails', (route) => {
  it.each([
    ['NotFoundException', 404, 'not_found'],
    ['BadRequestException', 502, 'upstream_rejected'],
    ['UnauthorizedException', 502, 'upstream_credentials'],
    ['ForbiddenException', 502, 'upstream_credentials'],
    ['ServiceFailureException', 502, 'upstream_failure'],
    ['ConflictException', 502, 'upstream_failure'],
    ['ThrottlingException', 503, 'upstream_throttled'],
    ['ServiceUnavailableException', 503, 'upstream_unavailable'],
  ] as const)('answers %s with %i %s', async (name, status, code) => {
    inject({ operation: 'GetAttendee', count: 'unlimited', fault: { type: 'error', name } });
    const { status: actual, json, headers } = await call(route, tokens.alice);
    expect([actual, json?.code]).toEqual([status, code]);
    if (status === 503) expect(headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('answers 503 with the Retry-After Chime asked for when it is too long to wait out', async () => {
    inject({
      operation: 'GetAttendee',
      count: 'unlimited',
      fault: { type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds: 30 },
    });
    const { headers, json } = await call(route, tokens.alice);
    expect([json?.code, headers.get('retry-after')]).toEqual(['upstream_unavailable', '30']);
  });

  it('answers 504 upstream_timeout when Chime hangs', async () => {
    inject({ operation: 'GetAttendee', count: 'unlimited', fault: { type: 'hang' } });
    expect((await call(route, tokens.alice)).json?.code).toBe('upstream_timeout');
  });

  it.each([
    ['the connection is reset', { type: 'reset' }],
    [
      'a non-JSON 5xx comes back',
      { type: 'malformed', status: 502, rawBody: '<html>Bad Gateway</html>' },
    ],
    [
      'a non-JSON 200 comes back',
      {
        type: 'malformed',
        status: 200,
        rawBody: 'not json',
        headers: { 'content-type': 'application/json' },
      },
    ],
  ] as const)('answers 502 upstream_failure when %s', async (_name, fault) => {
    inject({ operation: 'GetAttendee', count: 'unlimited', fault });
    expect((await call(route, tokens.alice)).json?.code).toBe('upstream_failure');
  });

  const capabilities = { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' };
  it.each([
    ['no Attendee', () => ({})],
    [
      'another AttendeeId',
      () => ({
        Attendee: { AttendeeId: randomUUID(), ExternalUserId: 'alice', Capabilities: capabilities },
      }),
    ],
    [
      'no ExternalUserId',
      () => ({ Attendee: { AttendeeId: seed.attendees.alice, Capabilities: capabilities } }),
    ],
    [
      'an unknown capability',
      () => ({
        Attendee: {
          AttendeeId: seed.attendees.alice,
          ExternalUserId: 'alice',
          JoinToken: 'abcd',
          Capabilities: { ...capabilities, Video: 'Maybe' },
        },
      }),
    ],
    [
      'a malformed JoinToken',
      () => ({
        Attendee: {
          AttendeeId: seed.attendees.alice,
          ExternalUserId: 'alice',
          JoinToken: 'not base64!',
          Capabilities: capabilities,
        },
      }),
    ],
  ])('answers 502 upstream_malformed when Chime returns 200 with %s', async (_name, body) => {
    inject({ operation: 'GetAttendee', fault: { type: 'malformed', status: 200, body: body() } });
    expect((await call(route, tokens.alice)).json?.code).toBe('upstream_malformed');
  });

  it('answers a documented problem when Chime returns 200 with a non-string AttendeeId', async () => {
    // Today a 500 internal_error (a TypeError in checkedAttendee), where upstream_malformed is meant.
    const Attendee = { AttendeeId: 42, ExternalUserId: 'alice', Capabilities: capabilities };
    inject({
      operation: 'GetAttendee',
      fault: { type: 'malformed', status: 200, body: { Attendee } },
    });
    expect([500, 502]).toContain((await call(route, tokens.alice)).status);
  });
});

describe.each(ALL_ROUTES)('%s, when the identity provider is down', (route) => {
  it('answers 503 identity_provider_unavailable when a new signing key cannot be fetched', async () => {
    await stack.idp.rotate();
    const rotated = await stack.idp.mint({ sub: 'alice' });
    stack.idp.setAvailable(false);
    try {
      const { json, headers } = await call(route, rotated);
      expect([json?.code, headers.get('retry-after')]).toEqual([
        'identity_provider_unavailable',
        '2',
      ]);
    } finally {
      stack.idp.setAvailable(true);
    }
    // A failed fetch is remembered for FAILURE_MEMORY_MS: the first request after it recovers.
    expect((await afterFailureMemory(() => call(route, rotated))).status).toBe(200);
  });
});

describe(`${ATTENDEE_ROUTE}?as=, for a participant`, () => {
  it('answers a participant who names their own attendee 200 without the JoinToken', async () => {
    const { status, json } = await call(ATTENDEE_ROUTE, tokens.bob, { as: seed.attendees.bob });
    expect(status).toBe(200);
    expect(json?.Attendee.AttendeeId).toBe(seed.attendees.alice);
    expect(json?.Attendee).not.toHaveProperty('JoinToken');
  });

  it('answers as without `as` when the named attendee is not the caller’s', async () => {
    const bob = await call(ATTENDEE_ROUTE, tokens.bob, { as: seed.attendees.alice });
    const mallory = await call(ATTENDEE_ROUTE, tokens.mallory, { as: seed.attendees.bob });
    const owner = await call(ATTENDEE_ROUTE, tokens.alice, { as: seed.attendees.bob });
    expect([bob.json?.code, mallory.json?.code]).toEqual(['not_found', 'not_found']);
    expect(owner.json?.Attendee.JoinToken).toEqual(expect.any(String));
  });

  it('answers 400 invalid_id for an `as` that is not a GUID', async () => {
    const { json } = await call(ATTENDEE_ROUTE, tokens.bob, { as: `${seed.attendees.bob}x` });
    expect(json?.code).toBe('invalid_id');
  });
});

describe(`${ROSTER_ROUTE}, for who the caller is`, () => {
  const listed = (answer: Answer) =>
    ((answer.json?.Attendees ?? []) as { AttendeeId: string }[])
      .map((entry) => entry.AttendeeId)
      .sort();

  it('answers a participant and a moderator 200 with every attendee of the meeting', async () => {
    const everyone = [seed.attendees.alice, seed.attendees.bob].sort();
    for (const token of [tokens.bob, tokens.moderator]) {
      const answer = await call(ROSTER_ROUTE, token);
      expect(answer.status).toBe(200);
      expect(listed(answer)).toEqual(everyone);
    }
  });

  it('answers a stranger the 404 of a meeting that does not exist', async () => {
    const denied = await call(ROSTER_ROUTE, tokens.mallory);
    const missing = await call(ROSTER_ROUTE, tokens.alice, { meetingId: randomUUID() });
    expect([denied.json?.code, missing.json?.code]).toEqual(['not_found', 'not_found']);
  });

  it('answers 401 with a Bearer challenge without a token', async () => {
    const { json, headers } = await call(ROSTER_ROUTE, undefined);
    expect(json?.code).toBe('unauthorized');
    expect(headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
  });

  it('answers 400 invalid_id for a malformed meetingId', async () => {
    const { json } = await call(ROSTER_ROUTE, tokens.bob, { meetingId: 'not-a-guid' });
    expect(json?.code).toBe('invalid_id');
  });
});

describe(`${ROSTER_ROUTE}, when Chime ListAttendees fails`, () => {
  it.each([
    ['NotFoundException', 404, 'not_found'],
    ['BadRequestException', 502, 'upstream_rejected'],
    ['ForbiddenException', 502, 'upstream_credentials'],
    ['ServiceFailureException', 502, 'upstream_failure'],
    ['ThrottlingException', 503, 'upstream_throttled'],
    ['ServiceUnavailableException', 503, 'upstream_unavailable'],
  ] as const)('answers %s with %i %s', async (name, status, code) => {
    inject({ operation: 'ListAttendees', count: 'unlimited', fault: { type: 'error', name } });
    const { status: actual, json, headers } = await call(ROSTER_ROUTE, tokens.bob);
    expect([actual, json?.code]).toEqual([status, code]);
    if (status === 503) expect(headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('answers 504 upstream_timeout when Chime hangs', async () => {
    inject({ operation: 'ListAttendees', count: 'unlimited', fault: { type: 'hang' } });
    expect((await call(ROSTER_ROUTE, tokens.bob)).json?.code).toBe('upstream_timeout');
  });

  it('answers 502 upstream_malformed when Chime lists an attendee with an unknown capability', async () => {
    const capabilities = { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' };
    const Attendees = [
      { AttendeeId: seed.attendees.alice, ExternalUserId: 'alice', Capabilities: capabilities },
      {
        AttendeeId: seed.attendees.bob,
        ExternalUserId: 'bob',
        Capabilities: { ...capabilities, Video: 'Maybe' },
      },
    ];
    inject({
      operation: 'ListAttendees',
      fault: { type: 'malformed', status: 200, body: { Attendees } },
    });
    expect((await call(ROSTER_ROUTE, tokens.bob)).json?.code).toBe('upstream_malformed');
  });
});

describe(`${JOIN_INFO_ROUTE}, for the meeting`, () => {
  it('gives the owner every documented field of a meeting created with all of them', async () => {
    const { status, json } = await call(JOIN_INFO_ROUTE, tokens.alice, featured);
    expect(status).toBe(200);
    expect(Object.keys(json?.Meeting ?? {}).sort()).toEqual(
      Object.keys(contract.document.components.schemas.Meeting.properties).sort(),
    );
    expect(json?.Attendee.Capabilities).toEqual({
      Audio: 'SendReceive',
      Video: 'Receive',
      Content: 'None',
    });
  });

  it.each([
    ['NotFoundException', 404, 'not_found'],
    ['ForbiddenException', 502, 'upstream_credentials'],
    ['ThrottlingException', 503, 'upstream_throttled'],
  ] as const)('answers a GetMeeting %s with %i %s', async (name, status, code) => {
    inject({ operation: 'GetMeeting', count: 'unlimited', fault: { type: 'error', name } });
    const { status: actual, json } = await call(JOIN_INFO_ROUTE, tokens.alice);
    expect([actual, json?.code]).toEqual([status, code]);
  });

  it('answers 504 when GetMeeting hangs', async () => {
    inject({ operation: 'GetMeeting', count: 'unlimited', fault: { type: 'hang' } });
    expect((await call(JOIN_INFO_ROUTE, tokens.alice)).json?.code).toBe('upstream_timeout');
  });

  it.each([
    [
      'no MediaPlacement',
      () => ({ Meeting: { MeetingId: seed.meetingId, MediaRegion: 'us-east-1' } }),
    ],
    [
      'another MeetingId',
      () => ({
        Meeting: {
          MeetingId: randomUUID(),
          MediaRegion: 'us-east-1',
          MediaPlacement: { AudioHostUrl: 'a', SignalingUrl: 'b' },
        },
      }),
    ],
  ])('answers 502 upstream_malformed when GetMeeting returns 200 with %s', async (_name, body) => {
    inject({ operation: 'GetMeeting', fault: { type: 'malformed', status: 200, body: body() } });
    expect((await call(JOIN_INFO_ROUTE, tokens.alice)).json?.code).toBe('upstream_malformed');
  });

  it('answers a stranger 404 even when GetMeeting fails: the attendee is judged first', async () => {
    inject({
      operation: 'GetMeeting',
      count: 'unlimited',
      fault: { type: 'error', name: 'ThrottlingException' },
    });
    expect((await call(JOIN_INFO_ROUTE, tokens.mallory)).json?.code).toBe('not_found');
  });
});

describe('paths the gateway has no route for', () => {
  it.each([
    ['GET', '/meetings'],
    ['GET', '/'],
    ['GET', `/meetings/${randomUUID()}/attendees`],
    ['GET', `/meetings/${randomUUID()}/attendees/${randomUUID()}/`],
    ['GET', `/meetings/${randomUUID()}/attendees/${randomUUID()}/join-info/extra`],
    ['DELETE', `/meetings/${randomUUID()}/attendees/${randomUUID()}`],
    ['POST', `/meetings/${randomUUID()}/attendees/${randomUUID()}/join-info`],
  ])("answer %s %s with the gateway's documented 404", async (method, path) => {
    const answer = await get(path, `Bearer ${tokens.alice}`, method);
    contract.assertConformsToComponent('NotFound', answer);
    expect(answer.json).toEqual({ message: 'Not Found' });
  });
});

describe('under JOIN_TOKEN_POLICY=never', () => {
  let never: DevStack;
  let neverSeed: DemoSeed;
  let alice: string;
  beforeAll(async () => {
    never = await startLocalStack({ env: { JOIN_TOKEN_POLICY: 'never' } });
    neverSeed = await never.seedDemo();
    alice = await never.idp.mint({ sub: 'alice' });
  });
  afterAll(() => never?.stop());

  it.each(ROUTES)('answers the owner 200 without the JoinToken on %s', async (route) => {
    const path = pathOf(route, neverSeed.meetingId, neverSeed.attendees.alice);
    const response = await fetch(`${never.apiUrl}${path}`, {
      headers: { authorization: `Bearer ${alice}` },
    });
    const answer = await observe(response);
    contract.assertConforms('GET', route, answer);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).Attendee).not.toHaveProperty('JoinToken');
  });
});

// Runs last and relies on the tests above having run: under a `-t` filter, filter it out too.
describe.each(ALL_ROUTES)('%s, for a caller over its budget', (route) => {
  let budgeted: DevStack;

  beforeAll(async () => {
    budgeted = await startLocalStack({ env: { CALLER_BUDGET_PER_MINUTE: '1' } });
  });
  afterAll(() => budgeted.stop());

  it('answers 429 too_many_requests with Retry-After once a stranger spent its Chime calls', async () => {
    const demo = await budgeted.seedDemo();
    const mallory = await budgeted.idp.mint({ sub: 'mallory' });
    const ask = async () => {
      const response = await fetch(
        `${budgeted.apiUrl}${pathOf(route, demo.meetingId, demo.attendees.alice)}`,
        { headers: { authorization: `Bearer ${mallory}` } },
      );
      const answer = {
        status: response.status,
        headers: response.headers,
        body: await response.text(),
      };
      contract.assertConforms('GET', route, answer);
      return answer;
    };
    expect((await ask()).status).toBe(404);
    const refused = await ask();
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'too_many_requests', status: 429 });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The owner (on the roster, a participant) is a different caller, with a budget of its own.
    const alice = await budgeted.idp.mint({ sub: 'alice' });
    const own = await fetch(
      `${budgeted.apiUrl}${pathOf(route, demo.meetingId, demo.attendees.alice)}`,
      { headers: { authorization: `Bearer ${alice}` } },
    );
    expect(own.status).toBe(200);
  });
});

describe('coverage of the document', () => {
  /**
   * Not provoked here: the gateway's own `{"message"}` answers of the operations (only a
   * deployed HTTP API throttles, authorizes or times out; the local stand-in's unknown-route
   * 404 is checked above against components.responses.NotFound), and `internal_error`, which
   * only an unexpected exception gives (handler.test.ts covers it in process).
   */
  const notProvokable = (outcome: Outcome) =>
    (outcome.mediaType === 'application/json' && outcome.status !== 200) ||
    outcome.code === 'internal_error';

  const key = (o: Outcome) => `${o.operation} ${o.status} ${o.mediaType} ${o.code ?? ''}`.trim();

  it('saw every status, media type and problem code the document lists for each operation', () => {
    const seen = new Set(contract.observedOutcomes().map(key));
    const missing = contract
      .documentedOutcomes()
      .filter((outcome) => !notProvokable(outcome))
      .map(key)
      .filter((outcome) => !seen.has(outcome));
    expect(missing).toEqual([]);
  });
});
