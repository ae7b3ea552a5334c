/**
 * What the local identity provider imitates of each real provider: issuer, discovery and JWKS
 * paths, `kid` form and the claims of the token an API verifies. Sources: docs/identity-providers.md.
 */
import { hash, randomBytes, randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { type ClaimPath, formatClaimPath } from '../../lambda/common/config/claim-path';
import type { FUNCTION_SETTINGS } from '../../lambda/common/config/settings';

type SettingValues = Readonly<Partial<Record<keyof typeof FUNCTION_SETTINGS, string>>>;

export type ProfileName = 'dev' | 'cognito' | 'auth0' | 'okta' | 'entra' | 'keycloak' | 'google';

/** The mint's values by claim name (`undefined`: left out), and `clientIdOnly`. */
type MintValues = JWTPayload & {
  readonly sub: string;
  readonly aud: string;
  readonly groups: readonly string[] | undefined;
};

type Json = string | number | readonly Json[] | { readonly [key: string]: Json };

export interface Profile {
  readonly name: ProfileName;
  readonly title: string;
  readonly issuerPath: string;
  readonly jwksPath: string;
  readonly endpoints: readonly [authorization: string, token: string];
  /** The `kid` from the public key's DER; absent: the stored kid. */
  readonly kid?: (spkiDer: Buffer) => string;
  readonly typ: 'JWT' | undefined;
  readonly jwkAlg: boolean;
  readonly audience: { readonly right: string; readonly wrong: string };
  readonly identityClaim: ClaimPath;
  /** null: the provider's tokens cannot say who moderates. */
  readonly moderator: { readonly claim: ClaimPath; readonly group: string } | null;
  readonly tenant: { readonly claim: ClaimPath; readonly shape: 'array' | 'string' };
  readonly nameClaim: ClaimPath;
  /** The settings, by id, that find the claims in its tokens. */
  readonly claimSettings: SettingValues;
  /** The README's context: the deployed issuer and audience, then `claimSettings`. */
  readonly deployContext: SettingValues | null;
  readonly notes: readonly string[];
  /**
   * The payload's claims in the provider's order, each `claim` or `claim=mint value` (`own` values
   * first). `aud` becomes `client_id` in a client_id-only token; `groups`, `tenants` and `name` go
   * where the profile keeps them.
   */
  readonly claims: string;
  /** The provider's own values, or draws, for the claims it names; the rest come from the mint. */
  readonly own?: Readonly<Record<string, Json | ((mint: MintValues) => Json)>>;
}

type Derived = 'name' | 'identityClaim' | 'claimSettings' | 'deployContext';
type Defaulted = 'typ' | 'jwkAlg' | 'nameClaim';
type ProfileSpec = Omit<Profile, Derived | Defaulted> &
  Partial<Pick<Profile, Defaulted>> & {
    readonly deploy: { readonly issuer: string; readonly audience: string } | null;
  };

function profile(name: ProfileName, { deploy, ...spec }: ProfileSpec): Profile {
  const built = {
    name,
    typ: 'JWT',
    jwkAlg: true,
    identityClaim: ['sub'],
    nameClaim: ['name'],
    ...spec,
  } as const;
  const { moderator } = built;
  const claimSettings = {
    identityClaim: formatClaimPath(built.identityClaim),
    ...(moderator
      ? { moderatorClaim: formatClaimPath(moderator.claim), moderatorGroup: moderator.group }
      : {}),
    tenantClaim: formatClaimPath(built.tenant.claim),
    nameClaim: formatClaimPath(built.nameClaim),
  };
  const context = deploy && { identityIssuer: deploy.issuer, identityAudience: deploy.audience };
  return { ...built, claimSettings, deployContext: context && { ...context, ...claimSettings } };
}

const randomToken = (bytes: number) => randomBytes(bytes).toString('base64url');
/** Lower-case letters and digits. */
const alnum = (length: number) =>
  Array.from(randomBytes(length), (byte) => (byte % 36).toString(36)).join('');
/** A GUID derived from `value`, so one user keeps one `oid` across tokens. */
const stableGuid = (value: string) =>
  hash('sha256', value, 'hex').replace(/^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*/, '$1-$2-4$3-8$4-$5');

/** The payload a token of `profile`'s provider carries, in its claim order. */
export function claimsOf(profile: Profile, mint: MintValues): JWTPayload {
  const placed: Readonly<Record<string, ClaimPath | undefined>> = {
    groups: profile.moderator?.claim,
    tenants: profile.tenant.claim,
    name: profile.nameClaim,
  };
  const entries = profile.claims.split(' ').map((claim) => {
    const [key = claim, from = key] = claim.split('=');
    if (key === 'aud' && mint.clientIdOnly) return ['client_id', mint.aud];
    const own = profile.own?.[key];
    const value = typeof own === 'function' ? own(mint) : (own ?? mint[from]);
    return [placed[key]?.[0] ?? key, value];
  });
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
}

/** Made-up identifiers. */
const ENTRA_TENANT = '3f6c0e2a-9b1d-4c7e-8a5f-2d4b6c8e0a13';
const COGNITO_POOL = 'us-east-1_L0ca1P00l';
const REALM = 'chime';
const NS = 'https://chime.example.com/';
/** What every Keycloak realm gives each user. */
const REALM_DEFAULT_ROLES = ['offline_access', 'uma_authorization', `default-roles-${REALM}`];

const PROFILE_LIST = [
  profile('dev', {
    title: 'Local development issuer',
    issuerPath: '',
    jwksPath: '/.well-known/jwks.json',
    endpoints: ['/authorize', '/token'],
    audience: { right: 'chime-attendee-api-local', wrong: 'someone-else' },
    moderator: { claim: ['cognito:groups'], group: 'moderators' },
    tenant: { claim: ['tenants'], shape: 'array' },
    deploy: null,
    notes: ['Never deployed; its groups claim has the Cognito name so the Lambda defaults apply.'],
    claims: 'iss sub aud iat exp jti groups tenants name email email_verified',
  }),
  // https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
  profile('cognito', {
    title: 'Amazon Cognito user pool',
    issuerPath: `/${COGNITO_POOL}`,
    jwksPath: `/${COGNITO_POOL}/.well-known/jwks.json`,
    endpoints: ['/oauth2/authorize', '/oauth2/token'],
    kid: (der) => hash('sha256', der, 'base64'),
    typ: undefined,
    audience: { right: '5r0lm7pqbfe3q6s2k8d1c4a9hx', wrong: '7n2wq9xkz4c8v1b6m3j5h0g2fd' },
    moderator: { claim: ['cognito:groups'], group: 'moderators' },
    tenant: { claim: ['tenants'], shape: 'array' },
    deploy: {
      issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE',
      audience: '<app client id>',
    },
    notes: [
      'Access tokens have no aud: the authorizer and the Lambda match client_id against the audience.',
      'Access tokens carry no email and no name; use the sub (or username) as identity.',
      'The tenants and name claims are added by a pre token generation trigger (event version 2: Essentials or Plus feature plan).',
    ],
    // Cognito access tokens never carry aud, whatever was asked.
    claims:
      'sub groups iss client_id=aud origin_jti event_id token_use scope auth_time=iat exp iat jti username=sub tenants name',
    own: {
      origin_jti: () => randomUUID(),
      event_id: () => randomUUID(),
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin openid email profile',
    },
  }),
  // https://auth0.com/docs/secure/tokens/access-tokens/validate-access-tokens
  profile('auth0', {
    title: 'Auth0',
    issuerPath: '/',
    jwksPath: '/.well-known/jwks.json',
    endpoints: ['/authorize', '/oauth/token'],
    kid: (der) => Buffer.from(hash('sha1', der, 'hex').toUpperCase()).toString('base64url'),
    audience: { right: 'https://chime-api.example.com', wrong: 'https://other-api.example.com' },
    moderator: { claim: [`${NS}roles`], group: 'moderator' },
    tenant: { claim: [`${NS}tenants`], shape: 'array' },
    nameClaim: [`${NS}name`],
    deploy: { issuer: 'https://TENANT.auth0.com/', audience: 'https://chime-api.example.com' },
    notes: [
      'The issuer ends with "/": configure it with the slash.',
      'Roles, tenants and the display name (event.user.name) come from a post-login Action setting namespaced claims.',
    ],
    claims: 'iss sub aud iat exp scope azp permissions groups tenants name email email_verified',
    own: {
      aud: (mint) => [mint.aud, `${mint.iss}userinfo`],
      scope: 'openid profile email read:attendees',
      azp: 'Xq7Lr2Nw9Kd4Tz6Bm1Vc8Hs3Jf5Gp0Ya',
      permissions: ['read:attendees'],
    },
  }),
  // https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/tag/CustomAS
  profile('okta', {
    title: 'Okta (custom authorization server)',
    issuerPath: '/oauth2/default',
    jwksPath: '/oauth2/default/v1/keys',
    endpoints: ['/oauth2/default/v1/authorize', '/oauth2/default/v1/token'],
    kid: (der) => hash('sha256', der, 'base64url'),
    typ: undefined,
    audience: { right: 'api://default', wrong: 'api://other' },
    moderator: { claim: ['groups'], group: 'moderators' },
    tenant: { claim: ['tenants'], shape: 'array' },
    deploy: { issuer: 'https://ORG.okta.com/oauth2/default', audience: 'api://default' },
    notes: [
      'Add a "groups" claim (and a "tenants" claim) to the authorization server for access tokens.',
      'Add a "name" claim too (expression user.displayName): Okta access tokens carry no name.',
      'The keys are at /oauth2/default/v1/keys, not /.well-known/jwks.json: discovery finds them.',
    ],
    claims: 'ver jti iss aud iat exp cid uid scp auth_time=iat sub groups tenants name email',
    own: {
      ver: 1,
      jti: () => `AT.${randomToken(32)}`,
      cid: '0oa1chime2local3xyz7',
      uid: () => `00u${alnum(17)}`,
      scp: ['openid', 'profile', 'email'],
    },
  }),
  // https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
  profile('entra', {
    title: 'Microsoft Entra ID (v2.0 tokens)',
    issuerPath: `/${ENTRA_TENANT}/v2.0`,
    jwksPath: `/${ENTRA_TENANT}/discovery/v2.0/keys`,
    endpoints: [`/${ENTRA_TENANT}/oauth2/v2.0/authorize`, `/${ENTRA_TENANT}/oauth2/v2.0/token`],
    kid: (der) => hash('sha1', der, 'base64url'),
    jwkAlg: false,
    audience: {
      right: '8d2f6a41-5c3e-4b9a-9e1d-7f0c2b4a6e58',
      wrong: '1b9e7c53-2a4d-4f6e-8c0b-5d3a9e7f1c24',
    },
    moderator: { claim: ['roles'], group: 'Moderator' },
    tenant: { claim: ['extn.tenants'], shape: 'array' },
    deploy: {
      issuer: 'https://login.microsoftonline.com/<tenant id>/v2.0',
      audience: '<API application (client) id>',
    },
    notes: [
      'Set requestedAccessTokenVersion to 2 in the API app manifest, or the issuer is sts.windows.net.',
      'Moderators are an app role (value "Moderator") assigned to users; it arrives in "roles".',
      'Entra asserts no email_verified: an identity claim of email owns nothing.',
      'The name claim is there only when the client also requests the profile scope.',
    ],
    claims:
      'aud iss iat nbf=iat exp aio azp azpacr name oid rh groups scp sub tid uti ver tenants email',
    own: {
      aio: () => randomToken(48),
      azp: 'c4a8e2f0-6b1d-4e3a-9f5c-0d2e4b6a8c17',
      azpacr: '0',
      oid: (mint) => stableGuid(mint.sub),
      rh: () => `1.${randomToken(40)}.`,
      scp: 'access_as_user',
      tid: ENTRA_TENANT,
      uti: () => randomToken(16),
      ver: '2.0',
    },
  }),
  // https://www.keycloak.org/securing-apps/oidc-layers
  profile('keycloak', {
    title: 'Keycloak',
    issuerPath: `/realms/${REALM}`,
    jwksPath: `/realms/${REALM}/protocol/openid-connect/certs`,
    endpoints: [
      `/realms/${REALM}/protocol/openid-connect/auth`,
      `/realms/${REALM}/protocol/openid-connect/token`,
    ],
    kid: (der) => hash('sha256', der, 'base64url'),
    audience: { right: 'chime-attendee-api', wrong: 'other-api' },
    moderator: { claim: ['realm_access', 'roles'], group: 'moderator' },
    tenant: { claim: ['organization'], shape: 'array' },
    deploy: { issuer: 'https://HOST/realms/REALM', audience: 'chime-attendee-api' },
    notes: [
      'Add an audience mapper so aud names your API client; without one aud is only "account".',
      'Moderators hold the realm role "moderator"; tenants are Organizations (organization scope).',
      'The name comes from the profile scope ("full name" mapper): keep it a default scope of the client.',
    ],
    claims:
      'exp iat auth_time=iat jti iss aud sub typ azp sid acr allowed-origins realm_access resource_access scope preferred_username=sub name tenants email email_verified',
    own: {
      aud: (mint) => [mint.aud, 'account'],
      typ: 'Bearer',
      azp: 'chime-web',
      sid: () => randomUUID(),
      acr: '1',
      'allowed-origins': ['http://localhost:3003'],
      realm_access: (mint) => ({ roles: [...REALM_DEFAULT_ROLES, ...(mint.groups ?? [])] }),
      resource_access: {
        account: { roles: ['manage-account', 'manage-account-links', 'view-profile'] },
      },
      scope: 'openid email profile',
    },
  }),
  // https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload
  profile('google', {
    title: 'Google (ID token)',
    issuerPath: '',
    jwksPath: '/oauth2/v3/certs',
    endpoints: ['/o/oauth2/v2/auth', '/token'],
    kid: (der) => hash('sha1', der, 'hex'),
    audience: {
      right: '123456789012-chimelocal0example0client.apps.googleusercontent.com',
      wrong: '987654321098-someoneelse0other0client.apps.googleusercontent.com',
    },
    moderator: null,
    tenant: { claim: ['hd'], shape: 'string' },
    deploy: {
      issuer: 'https://accounts.google.com',
      audience: '<OAuth client id>.apps.googleusercontent.com',
    },
    notes: [
      'The token is the ID token; its aud is the OAuth client id.',
      'Google tokens carry no roles or groups: there are no moderators with Google alone.',
      'hd (the Workspace domain) is the only tenant-like claim, a single string.',
      'The name claim is there only when sign-in requests the profile scope.',
    ],
    claims: 'iss azp=aud aud sub tenants email email_verified name at_hash iat exp',
    own: { at_hash: () => randomToken(16) },
  }),
] as const;

export const PROFILE_NAMES = PROFILE_LIST.map((p) => p.name);

export const PROFILES = Object.freeze(
  Object.fromEntries(PROFILE_LIST.map((p) => [p.name, p])) as Record<ProfileName, Profile>,
);

export const isProfileName = (value: string): value is ProfileName =>
  Object.hasOwn(PROFILES, value);

export function profileNamed(name: string): Profile {
  if (!isProfileName(name)) {
    throw new Error(
      `unknown identity provider profile "${name}" (one of ${PROFILE_NAMES.join(', ')})`,
    );
  }
  return PROFILES[name];
}
