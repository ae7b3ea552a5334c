/**
 * Matrix group C: who may see which attendee, over real HTTP against the Chime emulator, with
 * two meetings, owners, another participant, a stranger and a moderator. A denial must be
 * indistinguishable from a missing attendee, and a JoinToken only ever reaches its owner.
 */
import { randomUUID } from 'node:crypto';
import { CreateMeetingCommand } from '@aws-sdk/client-chime-sdk-meetings';
import type { DevStack } from '../../local/cli/dev-stack';
import { startLocalStack } from '../helpers/local-stack';
import { registerSecret } from '../helpers/log-capture';
import {
  attendeePath,
  bearer,
  comparable,
  createAttendee,
  createMeeting,
  getAttendeeCalls,
  type HttpResponse,
  http,
  LOCAL_ORIGIN,
} from './support';

const JOIN_TOKEN = /^[A-Za-z0-9+/]{2,2048}$/;

let stack: DevStack;
/** Meeting ids by name, attendee ids by `meeting/externalUserId`. */
const meetings: Record<string, string> = {};
const attendees: Record<string, string> = {};
const tokens: Record<string, string> = {};

const ids = (key: string): [string, string] => {
  const [meeting] = key.split('/');
  return [meetings[meeting as string] as string, attendees[key] as string];
};

function get(stackUnderTest: DevStack, token: string, path: string) {
  return http(stackUnderTest.apiUrl, path, {
    headers: { origin: LOCAL_ORIGIN, ...bearer(token) },
  });
}

const read = (who: string, key: string) =>
  get(stack, tokens[who] as string, attendeePath(...ids(key)));

/** A 404 that says nothing about the attendee: no token, no user id, no attendee id. */
function expectDenied(response: HttpResponse, attendeeId?: string) {
  expect(response.status).toBe(404);
  expect(response.body).toMatchObject({ status: 404, code: 'not_found' });
  expect(Object.keys(response.body).sort()).toEqual(
    ['code', 'detail', 'requestId', 'status', 'title', 'type'].sort(),
  );
  expect(response.text).not.toMatch(/JoinToken|ExternalUserId|Attendee/);
  if (attendeeId) expect(response.text).not.toContain(attendeeId);
}

beforeAll(async () => {
  stack = await startLocalStack();
  meetings.m1 = await createMeeting(stack, 'authorization-one');
  meetings.m2 = await createMeeting(stack, 'authorization-two');
  for (const key of ['m1/alice', 'm1/bob', 'm1/alice2', 'm2/alice', 'm2/carol']) {
    const [meeting, user] = key.split('/') as [string, string];
    attendees[key] = await createAttendee(stack, meetings[meeting] as string, user);
  }
  for (const sub of ['alice', 'bob', 'alice2', 'carol', 'mallory']) {
    tokens[sub] = await stack.idp.mint({ sub });
  }
  tokens.maria = await stack.idp.mint({ sub: 'maria', groups: ['moderators'] });
});
afterAll(() => stack.stop());
beforeEach(() => {
  stack.emulator.clearFaults();
  stack.emulator.resetCalls();
});

describe('owners, participants and strangers across two meetings', () => {
  it('[C1] gives the owner her attendee with its JoinToken and the documented fields only', async () => {
    const response = await read('alice', 'm1/alice');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      Attendee: {
        AttendeeId: attendees['m1/alice'],
        ExternalUserId: 'alice',
        JoinToken: expect.stringMatching(JOIN_TOKEN),
        Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
      },
    });
  });

  it('[C1][C4] gives an owner of attendees in two meetings each one, with its own token', async () => {
    const first = await read('alice', 'm1/alice');
    const second = await read('alice', 'm2/alice');
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.Attendee.AttendeeId).toBe(attendees['m2/alice']);
    expect(second.body.Attendee.JoinToken).not.toBe(first.body.Attendee.JoinToken);
  });

  it('[C2] answers another participant of the same meeting 404, with nothing of the attendee', async () => {
    expectDenied(await read('bob', 'm1/alice'), attendees['m1/alice']);
    expectDenied(await read('alice', 'm1/bob'), attendees['m1/bob']);
    expectDenied(await read('alice2', 'm1/alice'), attendees['m1/alice']);
  });

  it("[C3] answers 404 for the caller's own attendeeId paired with another meeting", async () => {
    const own = attendees['m1/alice'] as string;
    const other = await get(
      stack,
      tokens.alice as string,
      attendeePath(meetings.m2 as string, own),
    );
    expectDenied(other);
    const unknown = await get(stack, tokens.alice as string, attendeePath(randomUUID(), own));
    expectDenied(unknown);
    expect(getAttendeeCalls(stack).map((c) => c.meetingId)).toEqual([
      meetings.m2,
      expect.any(String),
    ]);
  });

  it('[C4] answers 404 across meetings and to a stranger who attends nothing', async () => {
    expectDenied(await read('alice', 'm2/carol'));
    expectDenied(await read('carol', 'm1/alice'));
    expectDenied(await read('carol', 'm1/bob'));
    for (const key of ['m1/alice', 'm1/bob', 'm2/alice', 'm2/carol']) {
      expectDenied(await read('mallory', key));
    }
  });

  it('[C5] gives a moderator another attendee without the JoinToken', async () => {
    const response = await read('maria', 'm1/alice');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      Attendee: {
        AttendeeId: attendees['m1/alice'],
        ExternalUserId: 'alice',
        Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
      },
    });
    expect(response.text).not.toContain('JoinToken');
    expectDenied(
      await get(stack, tokens.maria as string, attendeePath(meetings.m1 as string, randomUUID())),
    );
  });

  it('[C6] keeps the moderator view from everyone else, and join info from moderators', async () => {
    for (const groups of [['moderator'], ['Moderators'], ['moderators-lite'], ['admins']]) {
      const token = await stack.idp.mint({ sub: 'eve', groups });
      expectDenied(await get(stack, token, attendeePath(...ids('m1/alice'))));
    }
    const joinInfo = `${attendeePath(...ids('m1/alice'))}/join-info`;
    expectDenied(await get(stack, tokens.maria as string, joinInfo));
    expectDenied(await get(stack, tokens.bob as string, joinInfo));
    const own = await get(stack, tokens.alice as string, joinInfo);
    expect(own.status).toBe(200);
    expect(own.body.Attendee.JoinToken).toMatch(JOIN_TOKEN);
  });

  it('[C8] still denies upper-case and mixed-case variants of someone else’s IDs', async () => {
    const [m, a] = ids('m1/alice');
    const variants: [string, string][] = [
      [m.toUpperCase(), a.toUpperCase()],
      [m, a.toUpperCase()],
      [m.toUpperCase(), a],
    ];
    for (const [meeting, attendee] of variants) {
      expectDenied(await get(stack, tokens.bob as string, attendeePath(meeting, attendee)));
    }
  });

  it('[C9] decides on one GetAttendee call and emits no field of a denied attendee', async () => {
    const denied = await read('bob', 'm1/alice');
    expectDenied(denied);
    expect(stack.emulator.calls().map((c) => [c.operation, c.meetingId, c.attendeeId])).toEqual([
      ['GetAttendee', meetings.m1, attendees['m1/alice']],
    ]);
  });
});

describe('the existence oracle', () => {
  it('[C7] answers "exists but not yours" exactly like "does not exist": status, headers and body', async () => {
    const [m1, alice] = ids('m1/alice');
    const cases = {
      denied: attendeePath(m1, alice),
      missingAttendee: attendeePath(m1, randomUUID()),
      missingMeeting: attendeePath(randomUUID(), randomUUID()),
      attendeeOfAnotherMeeting: attendeePath(meetings.m2 as string, alice),
    };
    for (const who of ['bob', 'mallory', 'alice2']) {
      const answers: Record<string, ReturnType<typeof comparable>> = {};
      for (const [name, path] of Object.entries(cases)) {
        answers[name] = comparable(await get(stack, tokens[who] as string, path));
      }
      expect(answers.denied?.status).toBe(404);
      expect({ who, ...answers }).toEqual({
        who,
        denied: answers.denied,
        missingAttendee: answers.denied,
        missingMeeting: answers.denied,
        attendeeOfAnotherMeeting: answers.denied,
      });
    }
    // The same work upstream: one GetAttendee per request, whatever the answer.
    expect(getAttendeeCalls(stack)).toHaveLength(12);
  });

  it('[C7] answers join info "exists but not yours" exactly like "does not exist"', async () => {
    const [m1, alice] = ids('m1/alice');
    const denied = await get(stack, tokens.bob as string, `${attendeePath(m1, alice)}/join-info`);
    const missing = await get(
      stack,
      tokens.bob as string,
      `${attendeePath(m1, randomUUID())}/join-info`,
    );
    expect(denied.status).toBe(404);
    expect(comparable(denied)).toEqual(comparable(missing));
  });
});

describe('ExternalUserId near collisions', () => {
  it.each([
    ['alice', 'm1/alice2', 'a bare prefix (alice vs alice2)'],
    ['alice2', 'm1/alice', 'a longer identity (alice2 vs alice)'],
  ])('[C10] answers %s reading %s 404: %s does not own', async (who, key) => {
    expectDenied(await read(who, key));
  });

  it.each([
    ['Alice', 'a different case'],
    ['alice ', 'a trailing space'],
    [' alice', 'a leading space'],
    ['\u0430lice', 'a Cyrillic а'],
    ['alice\u200b', 'a zero-width space'],
    ['ALICE', 'upper case'],
  ])('[C10] answers a caller whose sub is %j (%s) 404 for alice’s attendee', async (sub) => {
    const token = await stack.idp.mint({ sub });
    expectDenied(await get(stack, token, attendeePath(...ids('m1/alice'))));
  });

  it('[C10] gives no ownership through other identity claims: a claim named like the identity is ignored', async () => {
    const token = await stack.idp.mint({
      sub: 'mallory',
      claims: { username: 'alice', 'cognito:username': 'alice', email: 'alice' },
    });
    expectDenied(await get(stack, token, attendeePath(...ids('m1/alice'))));
  });
});

describe('with OWNER_SEPARATOR "#"', () => {
  let hashStack: DevStack;
  const hash: Record<string, string> = {};
  let meeting: string;

  beforeAll(async () => {
    hashStack = await startLocalStack({ env: { OWNER_SEPARATOR: '#' } });
    meeting = await createMeeting(hashStack, 'separator');
    for (const externalUserId of [
      'alice',
      'alice#laptop',
      'alice#',
      'alice2#phone',
      'bob#alice',
      'xalice#1',
      '#alice',
      '##',
      'alice#laptop#2',
    ]) {
      hash[externalUserId] = await createAttendee(hashStack, meeting, externalUserId);
    }
  });
  afterAll(() => hashStack.stop());

  const readAs = async (sub: string, externalUserId: string) =>
    get(
      hashStack,
      await hashStack.idp.mint({ sub }),
      attendeePath(meeting, hash[externalUserId] as string),
    );

  it.each(['alice', 'alice#laptop', 'alice#', 'alice#laptop#2'])(
    '[C10] lets alice own %s (her identity, then "#" and any suffix)',
    async (externalUserId) => {
      const response = await readAs('alice', externalUserId);
      expect(response.status).toBe(200);
      expect(response.body.Attendee.JoinToken).toMatch(JOIN_TOKEN);
    },
  );

  it.each([
    ['alice', 'alice2#phone', 'a prefix of the identity before "#"'],
    ['alice', 'bob#alice', 'the identity after "#"'],
    ['alice', 'xalice#1', 'the identity inside another'],
    ['alice', '#alice', 'the identity after a leading "#"'],
    ['alice2', 'alice#laptop', 'a longer identity'],
    ['bob', 'alice#laptop', 'another user'],
    ['Alice', 'alice#laptop', 'a different case'],
    ['', '##', 'an empty identity against "#" + suffix'],
    ['', '#alice', 'an empty identity against "#alice"'],
  ])('[C10] answers sub %j reading %j 404: %s does not own', async (sub, externalUserId) => {
    expectDenied(await readAs(sub, externalUserId));
  });

  it('[C10] reads "#" in an identity as the separator too: identities must never contain it (a documented constraint)', async () => {
    // ExternalUserId "<identity>#<suffix>" is ambiguous when identities may contain "#": user
    // "alice" would own the attendee of a user named "alice#laptop". Only the identity issuer
    // can rule that out (Cognito subs are UUIDs); the threat model records it.
    const response = await readAs('#', '##');
    expect(response.status).toBe(200);
  });

  it('[C10] without a separator, alice does not own alice#laptop', async () => {
    registerSecret('alice#laptop');
    const attendee = await createAttendee(stack, meetings.m1 as string, 'alice#laptop');
    expectDenied(
      await get(stack, tokens.alice as string, attendeePath(meetings.m1 as string, attendee)),
    );
  });
});

describe('group claims as the HTTP API JWT authorizer stringifies them', () => {
  it.each([
    ['a JSON array', ['moderators']],
    ['the gateway form "[moderators]"', '[moderators]'],
    ['the gateway form with other groups', '[admins moderators]'],
    ['a JSON array in a string', '["moderators"]'],
    ['a plain string', 'moderators'],
  ])('[C11] recognises the moderator group in %s', async (_name, groups) => {
    const token = await stack.idp.mint({ sub: 'maria2', claims: { 'cognito:groups': groups } });
    const response = await get(stack, token, attendeePath(...ids('m1/alice')));
    expect(response.status).toBe(200);
    expect(response.body.Attendee).not.toHaveProperty('JoinToken');
  });

  it.each([
    ['"[notmoderators]"', '[notmoderators]'],
    ['"[moderators-x]"', '[moderators-x]'],
    ['"[xmoderators admins]"', '[xmoderators admins]'],
    ['"moderators admins" (one group with a space)', 'moderators admins'],
    ['"[moderators" (unbalanced)', '[moderators'],
    ['["notmoderators"] as JSON', '["notmoderators"]'],
    ['["Moderators"]', ['Moderators']],
    ['a nested array', [['moderators']]],
    ['an object', { moderators: true }],
    ['a number', 1],
    ['true', true],
  ])('[C11] finds no moderator group in %s: 404', async (_name, groups) => {
    const token = await stack.idp.mint({ sub: 'eve', claims: { 'cognito:groups': groups } });
    expectDenied(await get(stack, token, attendeePath(...ids('m1/alice'))));
  });
});

describe('with MODERATOR_SCOPE tenant', () => {
  const TENANT_CLAIM = '["https://example.com/tenants"]';
  let tenantStack: DevStack;
  const ids: Record<string, [string, string]> = {};

  /** A meeting of `tenantIds` (none when empty) with alice's attendee. */
  async function meetingOf(name: string, tenantIds: string[]): Promise<[string, string]> {
    const { Meeting } = await tenantStack.chime.send(
      new CreateMeetingCommand({
        ClientRequestToken: `${name}-${randomUUID()}`.slice(0, 64),
        ExternalMeetingId: name,
        MediaRegion: 'us-east-1',
        ...(tenantIds.length > 0 ? { TenantIds: tenantIds } : {}),
      }),
    );
    const meetingId = Meeting?.MeetingId as string;
    return [meetingId, await createAttendee(tenantStack, meetingId, 'alice')];
  }

  const moderatorOf = (tenants: unknown) =>
    tenantStack.idp.mint({
      sub: 'maria',
      groups: ['moderators'],
      claims: tenants === undefined ? {} : { 'https://example.com/tenants': tenants },
    });

  const readAs = (token: string, [meetingId, attendeeId]: [string, string], suffix = '') =>
    get(tenantStack, token, `${attendeePath(meetingId, attendeeId)}${suffix}`);

  const operations = () => tenantStack.emulator.calls().map((call) => call.operation);

  beforeAll(async () => {
    tenantStack = await startLocalStack({
      env: { MODERATOR_SCOPE: 'tenant', TENANT_CLAIM },
    });
    ids.a = await meetingOf('tenant-a', ['tenant-a']);
    ids.ab = await meetingOf('tenant-a-and-b', ['tenant-b', 'tenant-a']);
    ids.none = await meetingOf('no-tenant', []);
  });
  afterAll(() => tenantStack.stop());
  beforeEach(() => tenantStack.emulator.resetCalls());

  it.each([
    ['its tenant (a list)', ['tenant-a'], 'a'],
    ['its tenant (a single string)', 'tenant-a', 'a'],
    ['one of the meeting’s tenants', ['tenant-x', 'tenant-b'], 'ab'],
  ])(
    '[C5] gives a moderator of %s the attendee without its JoinToken, after one GetMeeting',
    async (_name, tenants, meeting) => {
      const response = await readAs(await moderatorOf(tenants), ids[meeting] as [string, string]);
      expect(response.status).toBe(200);
      expect(response.body.Attendee).not.toHaveProperty('JoinToken');
      expect(operations()).toEqual(['GetAttendee', 'GetMeeting']);
    },
  );

  it.each([
    ['another tenant', ['tenant-b'], 'a'],
    ['a tenant differing in case', ['Tenant-A'], 'a'],
    ['a tenant, for a meeting without tenants', ['tenant-a'], 'none'],
  ])(
    '[C6] answers a moderator of %s exactly like a missing attendee',
    async (_name, tenants, meeting) => {
      const token = await moderatorOf(tenants);
      const denied = await readAs(token, ids[meeting] as [string, string]);
      expectDenied(denied);
      const [meetingId] = ids[meeting] as [string, string];
      const missing = await readAs(token, [meetingId, randomUUID()]);
      expect(comparable(denied)).toEqual(comparable(missing));
    },
  );

  it.each([
    ['no tenant claim', undefined],
    ['an empty tenant list', []],
  ])('[C6] denies a moderator with %s without a GetMeeting', async (_name, tenants) => {
    expectDenied(await readAs(await moderatorOf(tenants), ids.a as [string, string]));
    expect(operations()).toEqual(['GetAttendee']);
  });

  it('[C1] leaves the owner unaffected: her attendee and JoinToken, without a GetMeeting', async () => {
    const response = await readAs(
      await tenantStack.idp.mint({ sub: 'alice' }),
      ids.a as [string, string],
    );
    expect(response.status).toBe(200);
    expect(response.body.Attendee.JoinToken).toMatch(JOIN_TOKEN);
    expect(operations()).toEqual(['GetAttendee']);
  });

  it('[C6] keeps join info from a moderator of the same tenant, without a GetMeeting', async () => {
    expectDenied(
      await readAs(await moderatorOf(['tenant-a']), ids.a as [string, string], '/join-info'),
    );
    expect(operations()).toEqual(['GetAttendee']);
  });
});
