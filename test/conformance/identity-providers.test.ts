/**
 * Conformance of the API with each identity provider it documents: one row per provider, each
 * through the real handler over HTTP (the `npm start` stack, the dev issuer imitating that
 * provider: issuer form, discovery, JWKS path, `kid`, claims). Every row asks the same questions;
 * the row says what the provider can express (moderators, a verified email).
 */
import { randomUUID } from 'node:crypto';
import { CreateAttendeeCommand, CreateMeetingCommand } from '@aws-sdk/client-chime-sdk-meetings';
import type { DevStack } from '../../local/cli/dev-stack';
import { PROFILE_NAMES, PROFILES, type ProfileName } from '../../local/identity/idp-profiles';
import { startLocalStack } from '../helpers/local-stack';
import { registerSecret } from '../helpers/log-capture';

/**
 * What each provider's tokens can say, and so what the API must answer:
 * - `moderators`: whether its tokens can name a moderator group (Google's carry no groups);
 * - `email`: `verified` when the provider asserts `email_verified` (an email identity then owns
 *   only with `true`), `unasserted` when it sends `email` without it (an email identity owns
 *   nothing), `none` when its tokens carry no email (Cognito access tokens).
 */
const TABLE = [
  { profile: 'cognito', moderators: true, email: 'none' },
  { profile: 'auth0', moderators: true, email: 'verified' },
  { profile: 'okta', moderators: true, email: 'unasserted' },
  { profile: 'entra', moderators: true, email: 'unasserted' },
  { profile: 'keycloak', moderators: true, email: 'verified' },
  { profile: 'google', moderators: false, email: 'verified' },
] as const satisfies readonly {
  profile: ProfileName;
  moderators: boolean;
  email: 'verified' | 'unasserted' | 'none';
}[];

type Row = (typeof TABLE)[number];

const JOIN_TOKEN = /^[A-Za-z0-9+/]{2,2048}$/;
const ALICE_EMAIL = 'alice@example.com';
const TENANT = 'acme';
const OTHER_TENANT = 'globex';

interface Deployment {
  readonly stack: DevStack;
  readonly meetingId: string;
  readonly alice: string;
}

/** Both deployments of one provider, and the tokens every test of its row reuses. */
interface Fixture {
  /** Global moderators, identity `sub`: the profile's own settings, as the README gives them. */
  readonly global: Deployment;
  /**
   * MODERATOR_SCOPE=tenant and IDENTITY_CLAIM=email: a meeting of tenant `acme`, with attendees
   * for `alice` (by sub) and `alice@example.com` (by email).
   */
  readonly scoped: Deployment & { readonly aliceByEmail: string };
  readonly tokens: Readonly<Record<string, string>>;
}

async function createAttendee(stack: DevStack, meetingId: string, externalUserId: string) {
  const { Attendee } = await stack.chime.send(
    new CreateAttendeeCommand({ MeetingId: meetingId, ExternalUserId: externalUserId }),
  );
  return Attendee?.AttendeeId as string;
}

async function fixtureOf(row: Row): Promise<Fixture> {
  const global = await startLocalStack({ idpProfile: row.profile });
  const seed = await global.seedDemo();
  const scopedStack = await startLocalStack({
    idpProfile: row.profile,
    env: { MODERATOR_SCOPE: 'tenant', IDENTITY_CLAIM: 'email' },
  });
  const { Meeting } = await scopedStack.chime.send(
    new CreateMeetingCommand({
      ClientRequestToken: randomUUID(),
      ExternalMeetingId: `${row.profile}-tenant-meeting`,
      MediaRegion: 'us-east-1',
      TenantIds: [TENANT],
    }),
  );
  const meetingId = Meeting?.MeetingId as string;
  const idp = global.idp;
  const scopedIdp = scopedStack.idp;
  const audience = PROFILES[row.profile].audience;
  const tokens: Record<string, string> = {
    alice: await idp.mint({ sub: 'alice' }),
    bob: await idp.mint({ sub: 'bob' }),
    stranger: await idp.mint({ sub: 'mallory' }),
    expired: await idp.mint({ sub: 'alice', ttl: -60 }),
    wrongAudience: await idp.mint({ sub: 'alice', audience: 'wrong' }),
    clientIdOnly: await idp.mint({ sub: 'alice', clientIdOnly: true }),
    wrongClientIdOnly: await idp.mint({ sub: 'alice', clientIdOnly: true, audience: 'wrong' }),
    // aud present and wrong, client_id right: the authorizer evaluates aud only.
    wrongAudRightClientId: await idp.mint({
      sub: 'alice',
      claims: { aud: audience.wrong, client_id: idp.audience },
    }),
  };
  if (row.moderators) {
    tokens.moderator = await idp.mint({ sub: 'maria', moderator: true });
    tokens.tenantModerator = await scopedIdp.mint({
      sub: 'maria',
      moderator: true,
      tenants: [TENANT],
    });
    tokens.otherTenantModerator = await scopedIdp.mint({
      sub: 'maria',
      moderator: true,
      tenants: [OTHER_TENANT],
    });
  } else {
    // What a forged-looking Google token could claim: groups and roles in the usual places.
    const claimed = { groups: ['moderators'], roles: ['moderators', 'Moderator'] };
    tokens.claimedModerator = await idp.mint({ sub: 'maria', claims: claimed });
    tokens.claimedTenantModerator = await scopedIdp.mint({
      sub: 'maria',
      tenants: [TENANT],
      claims: claimed,
    });
  }
  if (row.email === 'none') {
    tokens.aliceWithoutEmail = await scopedIdp.mint({ sub: 'alice' });
  } else {
    tokens.verifiedEmail = await scopedIdp.mint({ sub: 'a-1', email: ALICE_EMAIL });
    tokens.unverifiedEmail = await scopedIdp.mint({
      sub: 'a-2',
      email: ALICE_EMAIL,
      emailVerified: false,
    });
  }
  for (const token of Object.values(tokens)) registerSecret(token);
  return {
    global: { stack: global, meetingId: seed.meetingId, alice: seed.attendees.alice },
    scoped: {
      stack: scopedStack,
      meetingId,
      alice: await createAttendee(scopedStack, meetingId, 'alice'),
      aliceByEmail: await createAttendee(scopedStack, meetingId, ALICE_EMAIL),
    },
    tokens,
  };
}

interface Answer {
  readonly status: number;
  readonly body: {
    readonly code?: string;
    readonly Attendee?: Record<string, unknown>;
    readonly Meeting?: Record<string, unknown>;
  };
}

async function get(
  deployment: Deployment,
  token: string | undefined,
  attendeeId: string,
  suffix = '',
): Promise<Answer> {
  const response = await fetch(
    `${deployment.stack.apiUrl}/meetings/${deployment.meetingId}/attendees/${attendeeId}${suffix}`,
    token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
  const body = (await response.json()) as Answer['body'];
  if (typeof body.Attendee?.JoinToken === 'string') registerSecret(body.Attendee.JoinToken);
  return { status: response.status, body };
}

/** The meeting's roster, as the token's holder sees it. */
async function roster(deployment: Deployment, token: string) {
  const response = await fetch(
    `${deployment.stack.apiUrl}/meetings/${deployment.meetingId}/roster`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  const text = await response.text();
  expect(text).not.toContain('JoinToken');
  const body = JSON.parse(text) as { Attendees?: { AttendeeId: string }[] };
  return { status: response.status, attendees: body.Attendees ?? [] };
}

const expectOwner = (answer: Answer, attendeeId: string) => {
  expect(answer.status).toBe(200);
  expect(answer.body.Attendee?.AttendeeId).toBe(attendeeId);
  expect(answer.body.Attendee?.JoinToken).toMatch(JOIN_TOKEN);
};
const expectModerator = (answer: Answer, attendeeId: string) => {
  expect(answer.status).toBe(200);
  expect(answer.body.Attendee?.AttendeeId).toBe(attendeeId);
  expect(answer.body.Attendee).not.toHaveProperty('JoinToken');
};
const expectNotFound = (answer: Answer) => {
  expect(answer.status).toBe(404);
  expect(answer.body.code).toBe('not_found');
  expect(JSON.stringify(answer.body)).not.toContain('JoinToken');
};
const expectUnauthorized = (answer: Answer) => {
  expect(answer.status).toBe(401);
  expect(answer.body.code).toBe('unauthorized');
};

it('has one row for every provider profile (all but the dev issuer)', () => {
  expect(TABLE.map((row) => row.profile).sort()).toEqual(
    PROFILE_NAMES.filter((name) => name !== 'dev').sort(),
  );
  for (const row of TABLE) {
    expect(row.moderators).toBe(PROFILES[row.profile].moderator !== null);
  }
});

describe.each(TABLE)('with $profile tokens', (row) => {
  let fixture: Fixture;
  const token = (name: string) => {
    const value = fixture.tokens[name];
    if (value === undefined) throw new Error(`no ${name} token for ${row.profile}`);
    return value;
  };

  beforeAll(async () => {
    fixture = await fixtureOf(row);
  });
  afterAll(async () => {
    await fixture?.global.stack.stop();
    await fixture?.scoped.stack.stop();
  });

  it('discovers the keys where the provider publishes them, with the issuer exactly as it writes it', () => {
    const { stack } = fixture.global;
    expect(stack.identity.issuer).toBe(stack.idp.issuer);
    expect(stack.identity.jwksUri).toBe(stack.idp.jwksUri);
    expect(stack.env.JWT_JWKS_URI).toBeUndefined();
  });

  it('gives the owner her attendee with its JoinToken, and her join info', async () => {
    const { global } = fixture;
    expectOwner(await get(global, token('alice'), global.alice), global.alice);
    const joinInfo = await get(global, token('alice'), global.alice, '/join-info');
    expectOwner(joinInfo, global.alice);
    expect(joinInfo.body.Meeting?.MeetingId).toBe(global.meetingId);
  });

  if (row.moderators) {
    it('gives a moderator the attendee without its JoinToken, and no join info', async () => {
      const { global } = fixture;
      expectModerator(await get(global, token('moderator'), global.alice), global.alice);
      expectNotFound(await get(global, token('moderator'), global.alice, '/join-info'));
    });

    it('gives a tenant-scoped moderator the meeting of its tenant, and another tenant’s the stranger’s 404', async () => {
      const { scoped } = fixture;
      expectModerator(await get(scoped, token('tenantModerator'), scoped.alice), scoped.alice);
      expectNotFound(await get(scoped, token('otherTenantModerator'), scoped.alice));
    });
  } else {
    it('has no moderators: a token claiming moderator groups or roles gets the stranger’s 404', async () => {
      const { global, scoped } = fixture;
      expectNotFound(await get(global, token('claimedModerator'), global.alice));
      expectNotFound(await get(scoped, token('claimedTenantModerator'), scoped.alice));
    });
  }

  it('records the name the token carries where the provider puts it, and shows it in the roster', async () => {
    const { global } = fixture;
    // Minted without a name: the local provider names alice "Alice", in the profile's claim.
    expectOwner(await get(global, token('alice'), global.alice), global.alice);
    const { status, attendees } = await roster(global, token('alice'));
    expect(status).toBe(200);
    expect(attendees.find((attendee) => attendee.AttendeeId === global.alice)).toMatchObject({
      ExternalUserId: 'alice',
      Name: 'Alice',
    });
    expect((await roster(global, token('stranger'))).status).toBe(404);
  });

  it('answers another participant and a stranger exactly like a missing attendee', async () => {
    const { global } = fixture;
    expectNotFound(await get(global, token('bob'), global.alice));
    expectNotFound(await get(global, token('stranger'), global.alice));
    expectNotFound(await get(global, token('stranger'), global.alice, '/join-info'));
  });

  it('refuses an expired token and a token for another audience with 401', async () => {
    const { global } = fixture;
    expectUnauthorized(await get(global, token('expired'), global.alice));
    expectUnauthorized(await get(global, token('wrongAudience'), global.alice));
    expectUnauthorized(await get(global, undefined, global.alice));
  });

  it('treats client_id as the HTTP API authorizer does: the audience when aud is absent, never over a wrong aud', async () => {
    const { global } = fixture;
    expectOwner(await get(global, token('clientIdOnly'), global.alice), global.alice);
    expectUnauthorized(await get(global, token('wrongClientIdOnly'), global.alice));
    expectUnauthorized(await get(global, token('wrongAudRightClientId'), global.alice));
  });

  if (row.email === 'verified') {
    it('lets an email identity own an attendee only with email_verified true', async () => {
      const { scoped } = fixture;
      expectOwner(
        await get(scoped, token('verifiedEmail'), scoped.aliceByEmail),
        scoped.aliceByEmail,
      );
      expectNotFound(await get(scoped, token('unverifiedEmail'), scoped.aliceByEmail));
    });
  } else if (row.email === 'unasserted') {
    it('lets no email identity own anything: the provider asserts no email_verified', async () => {
      const { scoped } = fixture;
      expectNotFound(await get(scoped, token('verifiedEmail'), scoped.aliceByEmail));
      expectNotFound(await get(scoped, token('unverifiedEmail'), scoped.aliceByEmail));
    });
  } else {
    it('lets no email identity own anything: its tokens carry no email', async () => {
      const { scoped } = fixture;
      expectNotFound(await get(scoped, token('aliceWithoutEmail'), scoped.aliceByEmail));
      expectNotFound(await get(scoped, token('aliceWithoutEmail'), scoped.alice));
    });
  }
});
