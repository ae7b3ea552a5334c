/**
 * `npm start` with JWT_ISSUER and JWT_AUDIENCE: the local stack trusts an external OpenID
 * provider instead of the dev one. Here a third-party-like provider on loopback whose issuer ends
 * with `/` (as Auth0's does) and whose keys are at a path no guess finds (`/v1/keys`).
 */
import { createContainer } from '../../../lambda/attendee/container';
import {
  type ExternalIssuerStack,
  type ExternalIssuerStackOptions,
  startExternalIssuerStack,
} from '../../../local/cli/dev-stack';
import { formatIdentitySummary } from '../../../local/identity/identity-summary';
import { registerSecret } from '../../helpers/log-capture';
import { OidcServer } from '../../helpers/oidc-server';
import { NO_CACHE_ENV } from '../../helpers/test-api';

const AUDIENCE = 'https://chime-api.example.com';
const NAME_CLAIM = 'https://chime.example.com/name';

/** As test/helpers/local-stack.ts builds the handler, on free ports, caches and rates off. */
const start = (env: Record<string, string>, options: Partial<ExternalIssuerStackOptions> = {}) =>
  startExternalIssuerStack({
    ports: { api: 0, emulator: 0 },
    chimeRates: false,
    sharedCache: false,
    env: NO_CACHE_ENV,
    externalIssuer: { env },
    loadHandler: async (lambdaEnv) => {
      const container = createContainer(lambdaEnv);
      await container.warmUp();
      return container.handler;
    },
    ...options,
  });

async function get(stack: ExternalIssuerStack, token: string, path: string) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as {
    Attendee?: Record<string, unknown>;
    Attendees?: Record<string, unknown>[];
    Meeting?: Record<string, unknown>;
  };
  if (typeof body.Attendee?.JoinToken === 'string') registerSecret(body.Attendee.JoinToken);
  return { status: response.status, body };
}

let provider: OidcServer;
beforeAll(async () => {
  provider = new OidcServer({ issuerPath: '/', jwksPath: '/v1/keys' });
  await provider.start();
});
afterAll(() => provider.stop());

describe('a local stack trusting an external issuer', () => {
  let stack: ExternalIssuerStack;
  let seed: Awaited<ReturnType<ExternalIssuerStack['seedDemo']>>;
  beforeAll(async () => {
    stack = await start({
      JWT_ISSUER: provider.issuer,
      JWT_AUDIENCE: AUDIENCE,
      JWT_ALLOW_HTTP_JWKS: 'true',
      MODERATOR_CLAIM: 'realm_access.roles',
      MODERATOR_GROUP: 'moderator',
      NAME_CLAIM: `["${NAME_CLAIM}"]`,
      // The stack's own CHIME_ENDPOINT wins.
      CHIME_ENDPOINT: 'http://127.0.0.1:9',
    });
    seed = await stack.seedDemo();
  });
  afterAll(() => stack.stop());

  it('keeps the issuer exactly, trailing slash included, and finds the keys by discovery', () => {
    expect(provider.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(stack.idp).toBeUndefined();
    expect(stack.identity).toEqual({
      issuer: provider.issuer,
      audience: [AUDIENCE],
      discoveryUrl: `${provider.origin}/.well-known/openid-configuration`,
      jwksUri: `${provider.origin}/v1/keys`,
      claims: {
        IDENTITY_CLAIM: 'sub',
        MODERATOR_CLAIM: 'realm_access.roles',
        MODERATOR_GROUP: 'moderator',
        MODERATOR_SCOPE: 'global',
        NAME_CLAIM: `["${NAME_CLAIM}"]`,
      },
    });
    expect(stack.env.JWT_ISSUER).toBe(provider.issuer);
    expect(stack.env.CHIME_ENDPOINT).toBe(stack.emulatorUrl);
  });

  it('prints which issuer, discovery document, JWKS and claim settings it uses', () => {
    const text = formatIdentitySummary(stack.identity);
    expect(text).toContain(`Issuer           ${provider.issuer}\n`);
    expect(text).toContain(`JWKS             ${provider.origin}/v1/keys  (discovered)`);
    expect(text).toContain('MODERATOR_CLAIM  realm_access.roles');
  });

  it("serves the owner's join info to the provider's token, over HTTP", async () => {
    const token = provider.token({ sub: 'alice', aud: AUDIENCE });
    const { status, body } = await get(
      stack,
      token,
      `/meetings/${seed.meetingId}/attendees/${seed.attendees.alice}/join-info`,
    );
    expect(status).toBe(200);
    expect(body.Meeting?.MeetingId).toBe(seed.meetingId);
    expect(body.Attendee?.AttendeeId).toBe(seed.attendees.alice);
    expect(body.Attendee?.JoinToken).toEqual(expect.any(String));
  });

  it('reads the display name through the configured NAME_CLAIM, and shows it in the roster', async () => {
    const token = provider.token({
      sub: 'alice',
      aud: AUDIENCE,
      name: 'Not This',
      [NAME_CLAIM]: 'Ada Lovelace',
    });
    const meeting = `/meetings/${seed.meetingId}`;
    const own = await get(stack, token, `${meeting}/attendees/${seed.attendees.alice}`);
    expect(own.status).toBe(200);
    const { status, body } = await get(stack, token, `${meeting}/roster`);
    expect(status).toBe(200);
    expect(body.Attendees).toContainEqual(
      expect.objectContaining({ AttendeeId: seed.attendees.alice, Name: 'Ada Lovelace' }),
    );
  });

  it('reads its moderators through the configured nested claim, and refuses a token of another audience', async () => {
    const path = `/meetings/${seed.meetingId}/attendees/${seed.attendees.alice}`;
    const moderator = provider.token({
      sub: 'maria',
      aud: AUDIENCE,
      realm_access: { roles: ['moderator'] },
    });
    const answer = await get(stack, moderator, path);
    expect(answer.status).toBe(200);
    expect(answer.body.Attendee).not.toHaveProperty('JoinToken');
    expect((await get(stack, provider.token({ sub: 'alice', aud: 'other' }), path)).status).toBe(
      401,
    );
  });
});

describe('the external issuer settings', () => {
  it('use an explicit JWT_JWKS_URI instead of discovery', async () => {
    const before = provider.discoveryFetches;
    const stack = await start({
      JWT_ISSUER: provider.issuer,
      JWT_AUDIENCE: AUDIENCE,
      JWT_ALLOW_HTTP_JWKS: 'true',
      JWT_JWKS_URI: provider.jwksUri,
    });
    try {
      expect(stack.identity.discoveryUrl).toBeUndefined();
      expect(stack.identity.jwksUri).toBe(provider.jwksUri);
      expect(formatIdentitySummary(stack.identity)).toContain('(JWT_JWKS_URI)');
      const seed = await stack.seedDemo();
      const { status } = await get(
        stack,
        provider.token({ sub: 'alice', aud: AUDIENCE }),
        `/meetings/${seed.meetingId}/attendees/${seed.attendees.alice}/join-info`,
      );
      expect(status).toBe(200);
      expect(provider.discoveryFetches).toBe(before);
    } finally {
      await stack.stop();
    }
  });

  it('refuse a plain-http issuer unless JWT_ALLOW_HTTP_JWKS is true, at start', async () => {
    await expect(start({ JWT_ISSUER: provider.issuer, JWT_AUDIENCE: AUDIENCE })).rejects.toThrow(
      /JWT_ISSUER.*must be https/,
    );
  });

  it('refuse an issuer that differs from its discovery document, naming both', async () => {
    const withoutSlash = provider.issuer.replace(/\/$/, '');
    await expect(
      start({ JWT_ISSUER: withoutSlash, JWT_AUDIENCE: AUDIENCE, JWT_ALLOW_HTTP_JWKS: 'true' }),
    ).rejects.toThrow(
      new RegExp(
        `"${withoutSlash}" differs from the issuer "${provider.issuer}"`.replace(/\./g, '\\.'),
      ),
    );
  });

  it('need both JWT_ISSUER and JWT_AUDIENCE', async () => {
    await expect(start({ JWT_ISSUER: provider.issuer })).rejects.toThrow(
      'an external issuer needs JWT_AUDIENCE',
    );
  });
});
