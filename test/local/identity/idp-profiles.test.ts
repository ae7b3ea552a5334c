import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { discoveryUrlOf } from '../../../lambda/attendee/auth/oidc-discovery';
import { resolveClaim as claimAt } from '../../../lambda/attendee/policy/join-token-policy';
import { formatClaimPath } from '../../../lambda/common/config/claim-path';
import { FUNCTION_SETTINGS } from '../../../lambda/common/config/settings';
import { IdentityProvider } from '../../../local/identity/identity-provider';
import { PROFILE_NAMES, PROFILES, type ProfileName } from '../../../local/identity/idp-profiles';

const PROVIDERS = PROFILE_NAMES.filter((name) => name !== 'dev');

/** The issuer path, JWKS path and `kid` form each provider publishes (see idp-profiles.ts). */
const EXPECTED: Record<
  ProfileName,
  { readonly issuerPath: RegExp; readonly jwksPath: string; readonly kid: RegExp }
> = {
  dev: { issuerPath: /^$/, jwksPath: '/.well-known/jwks.json', kid: /^[0-9a-f-]{36}$/ },
  cognito: {
    issuerPath: /^\/us-east-1_[A-Za-z0-9]+$/,
    jwksPath: `${PROFILES.cognito.issuerPath}/.well-known/jwks.json`,
    kid: /^[A-Za-z0-9+/]{43}=$/,
  },
  auth0: { issuerPath: /^\/$/, jwksPath: '/.well-known/jwks.json', kid: /^[A-Za-z0-9_-]{54}$/ },
  okta: {
    issuerPath: /^\/oauth2\/default$/,
    jwksPath: '/oauth2/default/v1/keys',
    kid: /^[A-Za-z0-9_-]{43}$/,
  },
  entra: {
    issuerPath: /^\/[0-9a-f-]{36}\/v2\.0$/,
    jwksPath: `/${PROFILES.entra.issuerPath.split('/')[1]}/discovery/v2.0/keys`,
    kid: /^[A-Za-z0-9_-]{27}$/,
  },
  keycloak: {
    issuerPath: /^\/realms\/[a-z]+$/,
    jwksPath: `${PROFILES.keycloak.issuerPath}/protocol/openid-connect/certs`,
    kid: /^[A-Za-z0-9_-]{43}$/,
  },
  google: { issuerPath: /^$/, jwksPath: '/oauth2/v3/certs', kid: /^[0-9a-f]{40}$/ },
};

const idps = new Map<ProfileName, IdentityProvider>();
const idpOf = (name: ProfileName) => {
  const idp = idps.get(name);
  if (!idp) throw new Error(`no provider ${name}`);
  return idp;
};

beforeAll(async () => {
  for (const name of PROFILE_NAMES) {
    const idp = new IdentityProvider({ profile: name });
    await idp.start(0);
    idps.set(name, idp);
  }
});

afterAll(async () => {
  for (const idp of idps.values()) await idp.stop();
});

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, body: response.ok ? JSON.parse(text) : {} };
}

/** Verifies as a relying party would: keys from the discovered jwks_uri, exact issuer. */
async function verify(idp: IdentityProvider, token: string, audience = idp.audience) {
  const { body: discovery } = await getJson(idp.discoveryUrl);
  const jwks = createRemoteJWKSet(new URL(String(discovery.jwks_uri)));
  const { payload } = await jwtVerify(token, jwks, {
    issuer: String(discovery.issuer),
    algorithms: ['RS256'],
    ...(decodeJwt(token).aud === undefined ? {} : { audience }),
  });
  return payload;
}

describe.each(PROFILE_NAMES)('the %s profile', (name) => {
  const profile = PROFILES[name];

  it('serves a discovery document whose issuer is the issuer exactly and whose jwks_uri is the provider path', async () => {
    const idp = idpOf(name);
    const origin = `http://127.0.0.1:${new URL(idp.issuer).port}`;
    expect(idp.issuer.slice(origin.length)).toMatch(EXPECTED[name].issuerPath);
    const { status, body } = await getJson(discoveryUrlOf(idp.issuer));
    expect(status).toBe(200);
    expect(body.issuer).toBe(idp.issuer);
    expect(body.jwks_uri).toBe(`${origin}${EXPECTED[name].jwksPath}`);
    expect(idp.jwksUri).toBe(body.jwks_uri);
  });

  it('publishes keys whose kid has the provider form, and signs with them', async () => {
    const idp = idpOf(name);
    const { status, body } = await getJson(idp.jwksUri);
    expect(status).toBe(200);
    const [jwk] = body.keys as Record<string, unknown>[];
    expect(jwk?.kid).toMatch(EXPECTED[name].kid);
    expect(jwk?.kty).toBe('RSA');
    expect(jwk?.alg).toBe(name === 'entra' ? undefined : 'RS256');
    const token = await idp.mint({ sub: 'alice' });
    expect(decodeProtectedHeader(token).kid).toBe(jwk?.kid);
  });

  it('mints tokens that verify against the served JWKS with the exact issuer', async () => {
    const idp = idpOf(name);
    const payload = await verify(idp, await idp.mint({ sub: 'alice' }));
    expect(payload.iss).toBe(idp.issuer);
    expect(payload.sub).toBe('alice');
  });

  it('puts the audience where the provider does', async () => {
    const idp = idpOf(name);
    const claims = decodeJwt(await idp.mint({ sub: 'alice' }));
    if (name === 'cognito') {
      expect(claims.aud).toBeUndefined();
      expect(claims.client_id).toBe(idp.audience);
      expect(claims.token_use).toBe('access');
    } else if (name === 'auth0') {
      expect(claims.aud).toEqual([idp.audience, `${idp.issuer}userinfo`]);
    } else if (name === 'keycloak') {
      expect(claims.aud).toEqual([idp.audience, 'account']);
    } else {
      expect(claims.aud).toBe(idp.audience);
    }
  });

  it('mints client_id-only tokens without aud, carrying the audience in client_id', async () => {
    const idp = idpOf(name);
    const claims = await verify(idp, await idp.mint({ sub: 'alice', clientIdOnly: true }));
    expect(claims.aud).toBeUndefined();
    expect(claims.client_id).toBe(idp.audience);
  });

  it('mints tokens for the wrong audience that a relying party rejects', async () => {
    const idp = idpOf(name);
    const token = await idp.mint({ sub: 'alice', audience: 'wrong' });
    if (name === 'cognito') {
      expect(decodeJwt(token).client_id).toBe(profile.audience.wrong);
    } else {
      await expect(verify(idp, token)).rejects.toThrow(/aud/);
    }
    const wrongClientId = await idp.mint({ sub: 'alice', audience: 'wrong', clientIdOnly: true });
    expect(decodeJwt(wrongClientId).client_id).toBe(profile.audience.wrong);
  });

  it('mints expired tokens for a negative ttl', async () => {
    const idp = idpOf(name);
    const token = await idp.mint({ sub: 'alice', ttl: -60 });
    const { exp, iat } = decodeJwt(token);
    expect(Number(exp)).toBeLessThan(Math.floor(Date.now() / 1000));
    expect(Number(iat)).toBeLessThan(Number(exp));
    await expect(verify(idp, token)).rejects.toThrow(/exp/);
  });

  it('names in lambdaSettings the claims its tokens carry', async () => {
    const idp = idpOf(name);
    const settings = idp.lambdaSettings();
    expect(settings.JWT_ISSUER).toBe(idp.issuer);
    expect(settings.JWT_AUDIENCE).toBe(idp.audience);
    expect(settings.IDENTITY_CLAIM).toBe('sub');
    expect(settings.TENANT_CLAIM).toBe(formatClaimPath(profile.tenant.claim));
    expect(settings.NAME_CLAIM).toBe(formatClaimPath(profile.nameClaim));
    expect(settings.JWT_COGNITO_TOKEN_USE).toBe(name === 'cognito' ? 'access' : undefined);
    const claims = decodeJwt(
      await idp.mint({ sub: 'alice', tenants: ['acme'], name: 'Ada Lovelace' }),
    );
    expect(claimAt(claims, profile.identityClaim)).toBe('alice');
    const tenants = claimAt(claims, profile.tenant.claim);
    expect(tenants).toEqual(profile.tenant.shape === 'string' ? 'acme' : ['acme']);
    expect(claimAt(claims, profile.nameClaim)).toBe('Ada Lovelace');
  });

  it('names the subject readably when no name is given', async () => {
    const idp = idpOf(name);
    const alice = decodeJwt(await idp.mint({ sub: 'alice' }));
    expect(claimAt(alice, profile.nameClaim)).toBe('Alice');
    const maria = decodeJwt(await idp.mint({ sub: 'maria-2@example.com' }));
    expect(claimAt(maria, profile.nameClaim)).toBe('Maria 2');
  });

  it('serves nothing at the paths of the other providers', async () => {
    const idp = idpOf(name);
    const origin = new URL(idp.issuer).origin;
    const elsewhere = new Set(
      PROFILE_NAMES.map((other) => PROFILES[other].jwksPath).filter((p) => p !== profile.jwksPath),
    );
    for (const path of elsewhere) {
      expect((await fetch(`${origin}${path}`)).status).toBe(404);
    }
  });
});

describe.each(PROVIDERS.filter((name) => PROFILES[name].moderator !== null))(
  'moderators of the %s profile',
  (name) => {
    it('are placed where the provider keeps roles or groups, and strangers are not', async () => {
      const idp = idpOf(name);
      const moderator = PROFILES[name].moderator;
      if (!moderator) throw new Error('unreachable');
      const settings = idp.lambdaSettings();
      expect(settings.MODERATOR_CLAIM).toBe(formatClaimPath(moderator.claim));
      expect(settings.MODERATOR_GROUP).toBe(moderator.group);
      const mod = await verify(idp, await idp.mint({ sub: 'maria', moderator: true }));
      expect(claimAt(mod, moderator.claim)).toEqual(expect.arrayContaining([moderator.group]));
      const stranger = await verify(idp, await idp.mint({ sub: 'mallory' }));
      const held = claimAt(stranger, moderator.claim);
      expect(held === undefined || !(held as unknown[]).includes(moderator.group)).toBe(true);
    });
  },
);

describe('where each provider keeps moderators', () => {
  it.each([
    ['cognito', 'cognito:groups', 'moderators'],
    ['auth0', '["https://chime.example.com/roles"]', 'moderator'],
    ['okta', 'groups', 'moderators'],
    ['entra', 'roles', 'Moderator'],
    ['keycloak', 'realm_access.roles', 'moderator'],
  ] as const)('%s keeps moderators in %s as %s', (name, claim, group) => {
    expect(idpOf(name).lambdaSettings()).toMatchObject({
      MODERATOR_CLAIM: claim,
      MODERATOR_GROUP: group,
    });
  });

  it('Google cannot express moderators, so its settings name none and minting one throws', async () => {
    const google = idpOf('google');
    expect(google.lambdaSettings()).not.toHaveProperty('MODERATOR_CLAIM');
    expect(google.lambdaSettings()).not.toHaveProperty('MODERATOR_GROUP');
    await expect(google.mint({ sub: 'maria', moderator: true })).rejects.toThrow(/moderator/);
    await expect(
      google.mint({ sub: 'maria', tenants: ['a.example', 'b.example'] }),
    ).rejects.toThrow(/one tenant/);
  });
});

describe('where each provider puts the display name', () => {
  it.each([
    ['dev', 'name'],
    ['cognito', 'name'],
    ['auth0', '["https://chime.example.com/name"]'],
    ['okta', 'name'],
    ['entra', 'name'],
    ['keycloak', 'name'],
    ['google', 'name'],
  ] as const)('%s puts it in %s', (name, claim) => {
    expect(idpOf(name).lambdaSettings().NAME_CLAIM).toBe(claim);
  });
});

describe('the claims each provider issues', () => {
  it('Okta access tokens carry cid, uid, an scp array, ver 1 and the api://default audience', async () => {
    const claims = decodeJwt(await idpOf('okta').mint({ sub: 'alice@example.com' }));
    expect(claims).toMatchObject({ ver: 1, aud: 'api://default', sub: 'alice@example.com' });
    expect(claims.cid).toEqual(expect.any(String));
    expect(claims.uid).toMatch(/^00u/);
    expect(claims.scp).toEqual(expect.arrayContaining(['openid']));
    expect(String(claims.jti)).toMatch(/^AT\./);
  });

  it('Entra v2.0 access tokens carry tid, oid, ver 2.0, a space-separated scp, a roles array and nbf', async () => {
    const claims = decodeJwt(await idpOf('entra').mint({ sub: 'alice', moderator: true }));
    expect(claims).toMatchObject({ ver: '2.0', roles: ['Moderator'] });
    expect(claims.tid).toBe(idpOf('entra').issuer.split('/')[3]);
    expect(claims.oid).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof claims.scp).toBe('string');
    expect(claims.nbf).toBe(claims.iat);
  });

  it('Keycloak access tokens carry typ Bearer, azp, realm and client roles, and a scope string', async () => {
    const claims = decodeJwt(await idpOf('keycloak').mint({ sub: 'alice', moderator: true }));
    expect(claims).toMatchObject({
      typ: 'Bearer',
      azp: 'chime-web',
      scope: 'openid email profile',
    });
    expect(claimAt(claims, ['realm_access', 'roles'])).toEqual(
      expect.arrayContaining(['offline_access', 'moderator']),
    );
    expect(claimAt(claims, ['resource_access', 'account', 'roles'])).toEqual(
      expect.arrayContaining(['view-profile']),
    );
  });

  it('Auth0 access tokens carry a scope string, a permissions array, azp, and namespaced roles and tenants', async () => {
    const claims = decodeJwt(
      await idpOf('auth0').mint({ sub: 'auth0|alice', moderator: true, tenants: ['acme'] }),
    );
    expect(typeof claims.scope).toBe('string');
    expect(claims.permissions).toEqual(expect.any(Array));
    expect(claims.azp).toEqual(expect.any(String));
    expect(claims['https://chime.example.com/roles']).toEqual(['moderator']);
    expect(claims['https://chime.example.com/tenants']).toEqual(['acme']);
  });

  it('Cognito access tokens carry cognito:groups only for members, a username, and never an email', async () => {
    const cognito = idpOf('cognito');
    expect(decodeJwt(await cognito.mint({ sub: 'alice' }))).not.toHaveProperty('cognito:groups');
    const claims = decodeJwt(await cognito.mint({ sub: 'maria', groups: ['moderators'] }));
    expect(claims).toMatchObject({ 'cognito:groups': ['moderators'], username: 'maria' });
    await expect(cognito.mint({ sub: 'alice', email: 'alice@example.com' })).rejects.toThrow(
      /email/,
    );
  });

  it('Google ID tokens carry the client id in aud and azp, and the Workspace domain in hd', async () => {
    const google = idpOf('google');
    const claims = decodeJwt(await google.mint({ sub: '1234567890', tenants: ['example.com'] }));
    expect(claims).toMatchObject({ aud: google.audience, azp: google.audience, hd: 'example.com' });
  });
});

describe('email placement', () => {
  it.each(['dev', 'auth0', 'keycloak', 'google'] as const)(
    '%s asserts email_verified as minted',
    async (name) => {
      const idp = idpOf(name);
      const verified = decodeJwt(await idp.mint({ sub: 'alice', email: 'alice@example.com' }));
      expect(verified).toMatchObject({ email: 'alice@example.com', email_verified: true });
      const unverified = decodeJwt(
        await idp.mint({ sub: 'mallory', email: 'alice@example.com', emailVerified: false }),
      );
      expect(unverified).toMatchObject({ email: 'alice@example.com', email_verified: false });
    },
  );

  it.each(['okta', 'entra'] as const)(
    '%s carries an email but never email_verified',
    async (name) => {
      const claims = decodeJwt(
        await idpOf(name).mint({ sub: 'alice', email: 'alice@example.com' }),
      );
      expect(claims.email).toBe('alice@example.com');
      expect(claims).not.toHaveProperty('email_verified');
    },
  );
});

describe('the issuer with a trailing slash (Auth0)', () => {
  it('is discovered without a doubled slash, as the spec and aws-jwt-verify build the URL', async () => {
    const auth0 = idpOf('auth0');
    expect(auth0.issuer.endsWith('/')).toBe(true);
    expect(auth0.discoveryUrl).toBe(`${auth0.issuer}.well-known/openid-configuration`);
    expect((await fetch(`${auth0.issuer}/.well-known/openid-configuration`)).status).toBe(404);
  });

  it('is rejected without its slash by an exact issuer check', async () => {
    const auth0 = idpOf('auth0');
    const jwks = createRemoteJWKSet(new URL(auth0.jwksUri));
    const token = await auth0.mint({ sub: 'alice' });
    await expect(
      jwtVerify(token, jwks, { issuer: auth0.issuer.slice(0, -1), audience: auth0.audience }),
    ).rejects.toThrow(/iss/);
  });
});

describe('the provider, whatever its profile', () => {
  it('keeps serving the dev JWKS at /.well-known/jwks.json, and a discovery document', async () => {
    const dev = idpOf('dev');
    expect(dev.jwksUri).toBe(`${dev.issuer}/.well-known/jwks.json`);
    const { body } = await getJson(`${dev.issuer}/.well-known/openid-configuration`);
    expect(body).toMatchObject({ issuer: dev.issuer, jwks_uri: dev.jwksUri });
  });

  it('rotates to a key of the profile form and keeps the old one published', async () => {
    const idp = new IdentityProvider({ profile: 'entra' });
    await idp.start(0);
    try {
      const old = idp.signingKey.kid;
      const kid = await idp.rotate();
      expect(kid).toMatch(EXPECTED.entra.kid);
      const { body } = await getJson(idp.jwksUri);
      expect((body.keys as { kid: string }[]).map((k) => k.kid)).toEqual([kid, old]);
      expect(idp.jwksFetchCount).toBe(1);
      await verify(idp, await idp.mint({ sub: 'alice' }));
    } finally {
      await idp.stop();
    }
  });

  it('answers 503 for discovery and keys while unavailable', async () => {
    const idp = new IdentityProvider({ profile: 'okta' });
    await idp.start(0);
    try {
      idp.setAvailable(false);
      expect((await fetch(idp.discoveryUrl)).status).toBe(503);
      expect((await fetch(idp.jwksUri)).status).toBe(503);
      idp.setAvailable(true);
      expect((await fetch(idp.discoveryUrl)).status).toBe(200);
    } finally {
      await idp.stop();
    }
  });

  it('mints, without serving, for an origin given in advance (npm run token)', async () => {
    const idp = new IdentityProvider({ profile: 'keycloak', origin: 'http://127.0.0.1:3002' });
    const claims = decodeJwt(await idp.mint({ sub: 'alice' }));
    expect(claims.iss).toBe('http://127.0.0.1:3002/realms/chime');
    expect(idp.lambdaSettings().JWT_ISSUER).toBe('http://127.0.0.1:3002/realms/chime');
  });

  it('mints iat now and exp ttl seconds later', async () => {
    const idp = new IdentityProvider({ profile: 'okta' });
    const { iat, exp } = decodeJwt(await idp.mint({ sub: 'alice', ttl: 300 }));
    expect(Number(exp) - Number(iat)).toBe(300);
    expect(Math.abs(Number(iat) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('refuses a fixed issuer for a profile other than dev', () => {
    expect(() => new IdentityProvider({ profile: 'auth0', issuer: 'http://x' })).toThrow(/origin/);
  });
});

describe('claim paths', () => {
  it.each([
    [['sub'], 'sub'],
    [['realm_access', 'roles'], 'realm_access.roles'],
    [['https://chime.example.com/roles'], '["https://chime.example.com/roles"]'],
    [['extn.tenants'], '["extn.tenants"]'],
    [['cognito:groups'], 'cognito:groups'],
    [['resource_access', 'chime-web', 'roles'], 'resource_access.chime-web.roles'],
  ])('the path %j is written %s', (segments, written) => {
    expect(formatClaimPath(segments)).toBe(written);
  });
});

describe('deploy context for the README', () => {
  it.each(PROVIDERS)('%s names an https issuer and the claims its local tokens carry', (name) => {
    const { identityIssuer, identityAudience, ...claims } = PROFILES[name].deployContext ?? {};
    expect(identityIssuer).toMatch(/^https:\/\//);
    expect(identityAudience).toBeTruthy();
    const local = idpOf(name).lambdaSettings();
    for (const [id, value] of Object.entries(claims)) {
      expect(local[FUNCTION_SETTINGS[id as keyof typeof FUNCTION_SETTINGS].env]).toBe(value);
    }
  });

  it('keeps the Auth0 issuer slash and each real issuer path shape', () => {
    expect(PROFILES.auth0.deployContext?.identityIssuer).toBe('https://TENANT.auth0.com/');
    expect(PROFILES.okta.deployContext?.identityIssuer).toMatch(/\/oauth2\/default$/);
    expect(PROFILES.entra.deployContext?.identityIssuer).toMatch(
      /^https:\/\/login\.microsoftonline\.com\/.+\/v2\.0$/,
    );
    expect(PROFILES.keycloak.deployContext?.identityIssuer).toMatch(/\/realms\/[^/]+$/);
    expect(PROFILES.google.deployContext?.identityIssuer).toBe('https://accounts.google.com');
    expect(PROFILES.cognito.deployContext?.identityIssuer).toMatch(
      /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9-]+_[A-Za-z0-9]+$/,
    );
  });
});
