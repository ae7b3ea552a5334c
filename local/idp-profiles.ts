/**
 * What the local identity provider reproduces of each real OpenID provider: issuer form, discovery
 * and JWKS paths, `kid` form, and the claims of the token an API verifies (the access token;
 * Google's ID token, since Google access tokens are opaque). Pure data and pure functions: the
 * server and the signing live in identity-provider.ts.
 *
 * Facts common to all profiles:
 * - Discovery URL: the issuer, with a terminating `/` removed, followed by
 *   `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4,
 *   https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationRequest), so
 *   Auth0's `https://TENANT.auth0.com/` is discovered at `https://TENANT.auth0.com/.well-known/...`.
 *   aws-jwt-verify strips the same slash before appending `/.well-known/jwks.json`
 *   (node_modules/aws-jwt-verify/dist/esm/jwt-verifier.js, `withJwksUri`).
 * - The HTTP API JWT authorizer checks `aud`, or `client_id` only when `aud` is absent
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html),
 *   and reads `jwks_uri` from the discovery document; `iss` must equal the configured issuer exactly
 *   (https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-jwt-authorizer-create.html).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { ClaimPath } from '../lambda/attendee/claim-path';
import type { FUNCTION_SETTINGS } from '../lambda/common/config/settings';

/** Function settings by id, as the CDK context keys of the same name set them. */
type SettingValues = Readonly<Partial<Record<keyof typeof FUNCTION_SETTINGS, string>>>;

export type ProfileName = 'dev' | 'cognito' | 'auth0' | 'okta' | 'entra' | 'keycloak' | 'google';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Writes a claim path in the syntax of the Lambda's `IDENTITY_CLAIM`/`MODERATOR_CLAIM`/
 * `TENANT_CLAIM`, bracketing every name that is not a plain identifier (`:` too, so the README
 * and the printed settings show `["cognito:groups"]`), e.g. `["https://chime.example.com/roles"]`.
 */
export function formatClaimPath(segments: ClaimPath): string {
  return segments
    .map((segment, index) => {
      if (IDENTIFIER.test(segment)) return index === 0 ? segment : `.${segment}`;
      return `[${JSON.stringify(segment)}]`;
    })
    .join('');
}

/** Everything a profile needs to build one token's claims. */
interface ClaimInput {
  readonly issuer: string;
  readonly sub: string;
  /** `aud` (or `client_id`) value: the accepted audience, or a wrong one. */
  readonly audience: string;
  /** Drop `aud` and carry the audience in `client_id`, as the authorizer falls back to. */
  readonly clientIdOnly: boolean;
  /** Memberships to put where the provider keeps roles/groups, the moderator's included. */
  readonly memberships: readonly string[];
  readonly tenants: readonly string[];
  readonly email: string | undefined;
  readonly emailVerified: boolean;
  readonly name: string;
  /** Seconds since the epoch. */
  readonly iat: number;
  readonly exp: number;
}

export interface Profile {
  readonly name: ProfileName;
  readonly title: string;
  /** Path of the issuer under the local origin: `http://127.0.0.1:P` + this is `iss`. */
  readonly issuerPath: string;
  /** Path of the JWKS on the local server (the provider's real path shape). */
  readonly jwksPath: string;
  /** Authorization and token endpoints named in discovery (the local server mints directly). */
  readonly endpoints: readonly [authorization: string, token: string];
  /** A key's `kid` in this provider's form, from its public key's DER; absent: the stored kid. */
  readonly kid?: (spkiDer: Buffer) => string;
  /** Header `typ` (default `JWT`; Cognito and Okta set none). */
  readonly typ: 'JWT' | undefined;
  /** Whether JWKS entries carry `alg` (default true; Entra's do not). */
  readonly jwkAlg: boolean;
  readonly audience: { readonly right: string; readonly wrong: string };
  /** `sub` for every provider. */
  readonly identityClaim: ClaimPath;
  /** Where moderators are recognised; null when the provider cannot express it in its token. */
  readonly moderator: { readonly claim: ClaimPath; readonly group: string } | null;
  readonly tenant: { readonly claim: ClaimPath; readonly shape: 'array' | 'string' };
  /** Where the verified display name is, the Lambda's `NAME_CLAIM` (default `name`). */
  readonly nameClaim: ClaimPath;
  /** `email` with `email_verified` (default), `email` alone, or no email at all (null). */
  readonly email: { readonly verifiedClaim: boolean } | null;
  /** `JWT_COGNITO_TOKEN_USE` for Cognito. */
  readonly cognitoTokenUse?: 'access';
  /** CDK context for a real deployment (placeholders for tenant/org), for the README. */
  readonly deployContext: SettingValues | null;
  /** What a reader must know that the data above does not say. */
  readonly notes: readonly string[];
  /** The payload, `iss`/`sub`/`iat`/`exp` included, in this provider's shape. */
  readonly claims: (input: ClaimInput) => JWTPayload;
}

type Defaulted = 'typ' | 'jwkAlg' | 'nameClaim' | 'email';
/** A profile as written below: the deployment's issuer and audience instead of its context. */
type ProfileSpec = Omit<Profile, 'name' | 'identityClaim' | 'deployContext' | Defaulted> &
  Partial<Pick<Profile, Defaulted>> & {
    readonly deploy: { readonly issuer: string; readonly audience: string } | null;
  };

/**
 * The claim settings that accept `profile`'s tokens, by setting id (the CDK context key): the
 * README's `-c` context and, under their variable names, the local Lambda's environment.
 */
export function claimSettings(
  profile: Pick<Profile, 'identityClaim' | 'moderator' | 'tenant' | 'nameClaim'>,
  issuer: string,
  audience: string,
): SettingValues {
  const { moderator } = profile;
  return {
    identityIssuer: issuer,
    identityAudience: audience,
    identityClaim: formatClaimPath(profile.identityClaim),
    ...(moderator
      ? { moderatorClaim: formatClaimPath(moderator.claim), moderatorGroup: moderator.group }
      : {}),
    tenantClaim: formatClaimPath(profile.tenant.claim),
    nameClaim: formatClaimPath(profile.nameClaim),
  };
}

function profile(name: ProfileName, spec: ProfileSpec): Profile {
  const { deploy, ...rest } = spec;
  const built = {
    name,
    typ: 'JWT',
    jwkAlg: true,
    identityClaim: ['sub'],
    nameClaim: ['name'],
    email: { verifiedClaim: true },
    ...rest,
  } as const;
  return {
    ...built,
    deployContext: deploy && claimSettings(built, deploy.issuer, deploy.audience),
  };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();
const sha1 = (data: Buffer) => createHash('sha1').update(data).digest();
const randomToken = (bytes: number) => randomBytes(bytes).toString('base64url');
const alnum = (length: number) => {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(length), (byte) => chars[byte % chars.length]).join('');
};
/** A GUID derived from `value`, so one user keeps one `oid` across tokens. */
const stableGuid = (value: string) => {
  const hex = createHash('sha256').update(value).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};
const nonEmpty = <T>(key: string, values: readonly T[]) =>
  values.length > 0 ? { [key]: [...values] } : {};

/** `aud` or, for a client_id-only token, `client_id` with the same value. */
function audienceClaims(input: ClaimInput, aud: string | readonly string[]): JWTPayload {
  return input.clientIdOnly
    ? { client_id: input.audience }
    : { aud: typeof aud === 'string' ? aud : [...aud] };
}

function emailClaims(input: ClaimInput, verifiedClaim: boolean): JWTPayload {
  if (input.email === undefined) return {};
  return verifiedClaim
    ? { email: input.email, email_verified: input.emailVerified }
    : { email: input.email };
}

/** `iss`, `sub`, `aud` (or `client_id`), `iat`, `exp`, in that order (the dev issuer's, Auth0's). */
const registeredClaims = (input: ClaimInput, aud: string | readonly string[]): JWTPayload => ({
  iss: input.issuer,
  sub: input.sub,
  ...audienceClaims(input, aud),
  iat: input.iat,
  exp: input.exp,
});

/** Groups/roles, tenants, name and email, in that order, under the given claim names. */
const customClaims = (
  input: ClaimInput,
  names: { readonly groups: string; readonly tenants: string; readonly name: string },
  verifiedEmail: boolean,
): JWTPayload => ({
  ...nonEmpty(names.groups, input.memberships),
  ...nonEmpty(names.tenants, input.tenants),
  [names.name]: input.name,
  ...emailClaims(input, verifiedEmail),
});

/** Made-up identifiers of the local tenants (not real ones). */
const ENTRA_TENANT = '3f6c0e2a-9b1d-4c7e-8a5f-2d4b6c8e0a13';
const COGNITO_POOL = 'us-east-1_L0ca1P00l';
const REALM = 'chime';
const NS = 'https://chime.example.com/';

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
    claims: (input) => ({
      ...registeredClaims(input, input.audience),
      jti: randomUUID(),
      ...customClaims(input, { groups: 'cognito:groups', tenants: 'tenants', name: 'name' }, true),
    }),
  }),

  /*
   * Amazon Cognito user pool, access token.
   * - Issuer `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`, JWKS at
   *   `<issuer>/.well-known/jwks.json`:
   *   https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
   * - Access token: no `aud`; `client_id`, `token_use: "access"`, `scope` (space-separated),
   *   `username`, `cognito:groups` (array, only when the user is in a group), `origin_jti`,
   *   `event_id`, `auth_time`, `jti`; no email; header `kid` like `"1234example="` (base64):
   *   https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
   * - Custom access-token claims (our `tenants`, and `name`: the access token carries none) need a
   *   pre token generation trigger of event version 2, which user pools on the Essentials or Plus
   *   feature plan can send (its response's
   *   `claimsAndScopeOverrideDetails.accessTokenGeneration.claimsToAddOrOverride`):
   *   https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
   */
  profile('cognito', {
    title: 'Amazon Cognito user pool',
    issuerPath: `/${COGNITO_POOL}`,
    jwksPath: `/${COGNITO_POOL}/.well-known/jwks.json`,
    endpoints: ['/oauth2/authorize', '/oauth2/token'],
    kid: (der) => sha256(der).toString('base64'),
    typ: undefined,
    audience: { right: '5r0lm7pqbfe3q6s2k8d1c4a9hx', wrong: '7n2wq9xkz4c8v1b6m3j5h0g2fd' },
    moderator: { claim: ['cognito:groups'], group: 'moderators' },
    tenant: { claim: ['tenants'], shape: 'array' },
    email: null,
    cognitoTokenUse: 'access',
    deploy: {
      issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE',
      audience: '<app client id>',
    },
    notes: [
      'Access tokens have no aud: the authorizer and the Lambda match client_id against the audience.',
      'Access tokens carry no email and no name; use the sub (or username) as identity.',
      'The tenants and name claims are added by a pre token generation trigger (event version 2: Essentials or Plus feature plan).',
    ],
    claims: (input) => ({
      sub: input.sub,
      ...nonEmpty('cognito:groups', input.memberships),
      iss: input.issuer,
      // Cognito access tokens never carry aud, whatever was asked.
      client_id: input.audience,
      origin_jti: randomUUID(),
      event_id: randomUUID(),
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin openid email profile',
      auth_time: input.iat,
      exp: input.exp,
      iat: input.iat,
      jti: randomUUID(),
      username: input.sub,
      ...nonEmpty('tenants', input.tenants),
      name: input.name,
    }),
  }),

  /*
   * Auth0, access token for a custom API.
   * - Issuer `https://TENANT.auth0.com/` (trailing slash), JWKS at `/.well-known/jwks.json`:
   *   https://auth0.com/docs/secure/tokens/json-web-tokens/json-web-key-sets
   * - `aud` is the API identifier, or an array with it and `https://TENANT.auth0.com/userinfo`
   *   when `openid` was requested; `scope` space-separated; `azp` the client:
   *   https://auth0.com/docs/secure/tokens/access-tokens/validate-access-tokens
   * - `permissions` (array) with RBAC "Add Permissions in the Access Token":
   *   https://auth0.com/docs/get-started/apis/enable-role-based-access-control-for-apis
   * - Roles and tenants are namespaced custom claims set by a post-login Action
   *   (`api.accessToken.setCustomClaim`); OIDC profile claims (`email`, `email_verified`) may be
   *   added to access tokens: https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims
   *   The same page: OpenID standard claims (`name`) "cannot be customized or modified", and only
   *   specified profile claims reach access tokens; so the Action sets the display name namespaced
   *   too (`api.accessToken.setCustomClaim('https://chime.example.com/name', event.user.name)`).
   * - `kid`: an opaque string; older tenants' are base64url of a hex thumbprint (reproduced here).
   */
  profile('auth0', {
    title: 'Auth0',
    issuerPath: '/',
    jwksPath: '/.well-known/jwks.json',
    endpoints: ['/authorize', '/oauth/token'],
    kid: (der) => Buffer.from(sha1(der).toString('hex').toUpperCase()).toString('base64url'),
    audience: { right: 'https://chime-api.example.com', wrong: 'https://other-api.example.com' },
    moderator: { claim: [`${NS}roles`], group: 'moderator' },
    tenant: { claim: [`${NS}tenants`], shape: 'array' },
    nameClaim: [`${NS}name`],
    deploy: { issuer: 'https://TENANT.auth0.com/', audience: 'https://chime-api.example.com' },
    notes: [
      'The issuer ends with "/": configure it with the slash.',
      'Roles, tenants and the display name (event.user.name) come from a post-login Action setting namespaced claims.',
    ],
    claims: (input) => ({
      ...registeredClaims(input, [input.audience, `${input.issuer}userinfo`]),
      scope: 'openid profile email read:attendees',
      azp: 'Xq7Lr2Nw9Kd4Tz6Bm1Vc8Hs3Jf5Gp0Ya',
      permissions: ['read:attendees'],
      ...customClaims(
        input,
        { groups: `${NS}roles`, tenants: `${NS}tenants`, name: `${NS}name` },
        true,
      ),
    }),
  }),

  /*
   * Okta, custom authorization server `default`.
   * - Issuer `https://ORG.okta.com/oauth2/default`, keys at `/oauth2/default/v1/keys`, metadata at
   *   `/oauth2/default/.well-known/openid-configuration`:
   *   https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/tag/CustomAS
   * - The default server's audience is `api://default`:
   *   https://developer.okta.com/docs/reference/api/authorization-servers/
   * - Access token: `ver: 1`, `jti: "AT.…"`, `aud`, `cid` (client), `uid` (user id), `scp` (array),
   *   `auth_time`, `sub` (the login); `kid` 43 base64url characters (a token of Okta's observed
   *   in https://groups.google.com/g/rabbitmq-users/c/O3GdCKf8soM).
   * - `groups` (array) is a claim you add to the authorization server:
   *   https://developer.okta.com/docs/guides/customize-tokens-groups-claim/main/
   *   `tenants`, `email` and `name` are custom claims with expressions (`user.email`,
   *   `user.displayName`); Okta asserts no `email_verified` in access tokens. `name` is not among
   *   the access token's reserved claims (auth_time, cid, exp, iat, iss, jti, scp, uid, ver):
   *   https://developer.okta.com/docs/reference/api/oidc/#reserved-claims-in-the-payload-section
   */
  profile('okta', {
    title: 'Okta (custom authorization server)',
    issuerPath: '/oauth2/default',
    jwksPath: '/oauth2/default/v1/keys',
    endpoints: ['/oauth2/default/v1/authorize', '/oauth2/default/v1/token'],
    kid: (der) => sha256(der).toString('base64url'),
    typ: undefined,
    audience: { right: 'api://default', wrong: 'api://other' },
    moderator: { claim: ['groups'], group: 'moderators' },
    tenant: { claim: ['tenants'], shape: 'array' },
    email: { verifiedClaim: false },
    deploy: { issuer: 'https://ORG.okta.com/oauth2/default', audience: 'api://default' },
    notes: [
      'Add a "groups" claim (and a "tenants" claim) to the authorization server for access tokens.',
      'Add a "name" claim too (expression user.displayName): Okta access tokens carry no name.',
      'The keys are at /oauth2/default/v1/keys, not /.well-known/jwks.json: discovery finds them.',
    ],
    claims: (input) => ({
      ver: 1,
      jti: `AT.${randomToken(32)}`,
      iss: input.issuer,
      ...audienceClaims(input, input.audience),
      iat: input.iat,
      exp: input.exp,
      cid: '0oa1chime2local3xyz7',
      uid: `00u${alnum(17)}`,
      scp: ['openid', 'profile', 'email'],
      auth_time: input.iat,
      sub: input.sub,
      ...customClaims(input, { groups: 'groups', tenants: 'tenants', name: 'name' }, false),
    }),
  }),

  /*
   * Microsoft Entra ID, v2.0 access token for your API.
   * - Issuer `https://login.microsoftonline.com/<tenantId>/v2.0`; discovery at
   *   `<issuer>/.well-known/openid-configuration`; keys at `/<tenant>/discovery/v2.0/keys`:
   *   https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc
   * - Claims: `aud` (v2.0: always the API's client id), `azp`, `scp` (space-separated), `roles`
   *   (app roles, array), `groups` (object ids), `oid`, `tid`, `ver: "2.0"`, `nbf`; header `kid`
   *   is the key's thumbprint (x5t-like, 27 base64url characters):
   *   https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
   *   The API's manifest needs `requestedAccessTokenVersion: 2`, or Entra issues v1.0 tokens whose
   *   issuer is `https://sts.windows.net/<tenantId>/`. The same page: `name`, "a human-readable value
   *   that identifies the subject of the token", for display only; the `profile` scope is required.
   * - `email` is an optional claim, and Entra asserts no `email_verified`:
   *   https://learn.microsoft.com/entra/identity-platform/optional-claims-reference
   * - Tenants: a directory extension attribute emitted as an optional claim, `extn.tenants`:
   *   https://learn.microsoft.com/entra/identity-platform/schema-extensions
   * - JWKS entries carry `kty`, `use`, `kid`, `n`, `e` (and x5t/x5c) but no `alg`.
   */
  profile('entra', {
    title: 'Microsoft Entra ID (v2.0 tokens)',
    issuerPath: `/${ENTRA_TENANT}/v2.0`,
    jwksPath: `/${ENTRA_TENANT}/discovery/v2.0/keys`,
    endpoints: [`/${ENTRA_TENANT}/oauth2/v2.0/authorize`, `/${ENTRA_TENANT}/oauth2/v2.0/token`],
    kid: (der) => sha1(der).toString('base64url'),
    jwkAlg: false,
    audience: {
      right: '8d2f6a41-5c3e-4b9a-9e1d-7f0c2b4a6e58',
      wrong: '1b9e7c53-2a4d-4f6e-8c0b-5d3a9e7f1c24',
    },
    moderator: { claim: ['roles'], group: 'Moderator' },
    tenant: { claim: ['extn.tenants'], shape: 'array' },
    email: { verifiedClaim: false },
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
    claims: (input) => ({
      ...audienceClaims(input, input.audience),
      iss: input.issuer,
      iat: input.iat,
      nbf: input.iat,
      exp: input.exp,
      aio: randomToken(48),
      azp: 'c4a8e2f0-6b1d-4e3a-9f5c-0d2e4b6a8c17',
      azpacr: '0',
      name: input.name,
      oid: stableGuid(input.sub),
      rh: `1.${randomToken(40)}.`,
      ...nonEmpty('roles', input.memberships),
      scp: 'access_as_user',
      sub: input.sub,
      tid: ENTRA_TENANT,
      uti: randomToken(16),
      ver: '2.0',
      ...nonEmpty('extn.tenants', input.tenants),
      ...emailClaims(input, false),
    }),
  }),

  /*
   * Keycloak, access token of a realm.
   * - Issuer `https://HOST/realms/<realm>`; discovery at `<issuer>/.well-known/openid-configuration`;
   *   keys at `<issuer>/protocol/openid-connect/certs`:
   *   https://www.keycloak.org/securing-apps/oidc-layers
   * - Claims: `aud` is `account` unless an audience mapper adds your API's client
   *   (https://www.keycloak.org/docs/latest/server_admin/#audience-support); `azp` the client;
   *   `typ: "Bearer"`; `realm_access.roles`; `resource_access.<client>.roles`; `scope`
   *   (space-separated); `email`, `email_verified`, `preferred_username` and `name` (the `profile`
   *   scope's "full name" mapper, added to access tokens by default) from the default scopes
   *   (example payload: https://gist.github.com/phacman/bd288c7abac1d3fc1694b7e191e27e4c).
   *   `kid`: 43 base64url characters.
   * - Tenants: Keycloak 26 Organizations, the `organization` claim (array of aliases by default):
   *   https://www.keycloak.org/docs/latest/server_admin/#_managing_organizations
   */
  profile('keycloak', {
    title: 'Keycloak',
    issuerPath: `/realms/${REALM}`,
    jwksPath: `/realms/${REALM}/protocol/openid-connect/certs`,
    endpoints: [
      `/realms/${REALM}/protocol/openid-connect/auth`,
      `/realms/${REALM}/protocol/openid-connect/token`,
    ],
    kid: (der) => sha256(der).toString('base64url'),
    audience: { right: 'chime-attendee-api', wrong: 'other-api' },
    moderator: { claim: ['realm_access', 'roles'], group: 'moderator' },
    tenant: { claim: ['organization'], shape: 'array' },
    deploy: { issuer: 'https://HOST/realms/REALM', audience: 'chime-attendee-api' },
    notes: [
      'Add an audience mapper so aud names your API client; without one aud is only "account".',
      'Moderators hold the realm role "moderator"; tenants are Organizations (organization scope).',
      'The name comes from the profile scope ("full name" mapper): keep it a default scope of the client.',
    ],
    claims: (input) => ({
      exp: input.exp,
      iat: input.iat,
      auth_time: input.iat,
      jti: randomUUID(),
      iss: input.issuer,
      ...audienceClaims(input, [input.audience, 'account']),
      sub: input.sub,
      typ: 'Bearer',
      azp: 'chime-web',
      sid: randomUUID(),
      acr: '1',
      'allowed-origins': ['http://localhost:3003'],
      realm_access: {
        roles: [
          'offline_access',
          'uma_authorization',
          `default-roles-${REALM}`,
          ...input.memberships,
        ],
      },
      resource_access: {
        account: { roles: ['manage-account', 'manage-account-links', 'view-profile'] },
      },
      scope: 'openid email profile',
      preferred_username: input.sub,
      name: input.name,
      ...nonEmpty('organization', input.tenants),
      ...emailClaims(input, true),
    }),
  }),

  /*
   * Google, ID token (Google access tokens are opaque, so APIs verify the ID token).
   * - Issuer `https://accounts.google.com` (tokens may also say `accounts.google.com`); discovery at
   *   `https://accounts.google.com/.well-known/openid-configuration`; keys at
   *   `https://www.googleapis.com/oauth2/v3/certs` (another host; locally the same server):
   *   https://developers.google.com/identity/openid-connect/openid-connect#discovery
   * - Claims: `aud` = your OAuth client id, `azp`, `sub` (numeric string), `email`,
   *   `email_verified`, `hd` (the Google Workspace domain, a single string), `at_hash`, `iat`, `exp`,
   *   and `name` ("the user's full name, in a displayable form") when the request's scope included
   *   `profile`; `kid` 40 hex characters:
   *   https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload
   * - No roles, groups or custom claims: moderators are not expressible in a Google token.
   */
  profile('google', {
    title: 'Google (ID token)',
    issuerPath: '',
    jwksPath: '/oauth2/v3/certs',
    endpoints: ['/o/oauth2/v2/auth', '/token'],
    kid: (der) => sha1(der).toString('hex'),
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
    claims: (input) => ({
      iss: input.issuer,
      azp: input.audience,
      ...audienceClaims(input, input.audience),
      sub: input.sub,
      ...(input.tenants[0] !== undefined ? { hd: input.tenants[0] } : {}),
      ...emailClaims(input, true),
      name: input.name,
      at_hash: randomToken(16),
      iat: input.iat,
      exp: input.exp,
    }),
  }),
] as const;

export const PROFILE_NAMES = PROFILE_LIST.map((p) => p.name);

/** Every profile by name. Read it with `profileNamed` when the name comes from outside. */
export const PROFILES = Object.freeze(
  Object.fromEntries(PROFILE_LIST.map((p) => [p.name, p])) as Record<ProfileName, Profile>,
);

/** True when `value` names a profile (for `--idp <profile>` and `IDP_PROFILE`). */
export const isProfileName = (value: string): value is ProfileName =>
  Object.hasOwn(PROFILES, value);

/** The profile called `name`; throws, listing the names, for anything else. */
export function profileNamed(name: string): Profile {
  if (!isProfileName(name)) {
    throw new Error(
      `unknown identity provider profile "${name}" (one of ${PROFILE_NAMES.join(', ')})`,
    );
  }
  return PROFILES[name];
}

/** `<issuer>/.well-known/openid-configuration`, a terminating `/` of the issuer removed first. */
export function discoveryUrlOf(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
}
