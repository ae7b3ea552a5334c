import type { SupportedSignatureAlgorithm } from 'aws-jwt-verify/jwt-verifier';
import { type ClaimPath, ClaimPathError, parseClaimPath } from './claim-path';
import { ConfigError } from './errors';
import { MODERATOR_SCOPES, type ModeratorScope } from './join-token-policy';

/** What the caller may receive of the attendee's JoinToken when they own it. */
export const JOIN_TOKEN_POLICIES = ['owner', 'never'] as const;
export type JoinTokenPolicyName = (typeof JOIN_TOKEN_POLICIES)[number];

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** The typed, frozen configuration of one Lambda container. */
export interface Config {
  readonly chime: {
    /** The meetings' control region: GetAttendee must be called there. */
    readonly region: string;
    /** Endpoint override, for a local emulator. */
    readonly endpoint: string | undefined;
    readonly maxAttempts: number;
    /** An upstream Retry-After longer than this is returned to the client, not waited out. */
    readonly maxRetryAfterMs: number;
    /** Per attempt; a timeout throws (`throwOnRequestTimeout`). */
    readonly requestTimeoutMs: number;
    readonly connectionTimeoutMs: number;
  };
  /** The overall budget of one request, below the Lambda timeout. */
  readonly deadlineMs: number;
  readonly auth: {
    /** Exactly as configured: `iss` is compared as a string, and Auth0's ends in `/`. */
    readonly issuer: string;
    /** Matched against `aud`, or `client_id` when `aud` is absent (the HTTP API authorizer's rule). */
    readonly audience: readonly string[];
    /** An explicit JWKS URI; without one, `jwks_uri` of the issuer's discovery document. */
    readonly jwksUri: string | undefined;
    readonly algorithms: readonly SupportedSignatureAlgorithm[];
    /** Cognito user pool id when the issuer is a Cognito user pool (then `audience` holds client ids). */
    readonly cognitoUserPoolId: string | undefined;
    /** The `token_use` required: for a Cognito user pool issuer, or when set explicitly. */
    readonly cognitoTokenUse: 'access' | 'id' | undefined;
    readonly graceSeconds: number;
    readonly jwksTimeoutMs: number;
    /** Plain-HTTP JWKS is for a local identity provider only. */
    readonly allowHttpJwks: boolean;
  };
  readonly policy: {
    readonly joinToken: JoinTokenPolicyName;
    readonly identityClaim: ClaimPath;
    readonly ownerSeparator: string | undefined;
    readonly moderatorClaim: ClaimPath;
    readonly moderatorGroup: string;
    readonly moderatorScope: ModeratorScope;
    readonly tenantClaim: ClaimPath | undefined;
  };
  readonly http: {
    readonly allowedOrigins: readonly string[];
    /** Default `Retry-After` (seconds) when upstream gives none. */
    readonly retryAfterSeconds: number;
  };
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

type Env = Readonly<Record<string, string | undefined>>;

const COGNITO_ISSUER =
  /^https:\/\/cognito-idp\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9-]+_[A-Za-z0-9]+)$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function required(env: Env, name: string): string {
  const value = read(env, name);
  if (value === undefined) throw new ConfigError(name, 'is required');
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(name, 'must be "true" or "false"');
}

function list(env: Env, name: string): string[] {
  return (read(env, name) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

function url(name: string, value: string, allowHttp: boolean): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, 'must be an absolute URL');
  }
  if (parsed.protocol !== 'https:' && !(allowHttp && parsed.protocol === 'http:')) {
    throw new ConfigError(name, 'must be an https URL');
  }
  return value;
}

function claimPath(env: Env, name: string, fallback: string): ClaimPath;
function claimPath(env: Env, name: string): ClaimPath | undefined;
function claimPath(env: Env, name: string, fallback?: string): ClaimPath | undefined {
  const raw = read(env, name) ?? fallback;
  if (raw === undefined) return undefined;
  try {
    return parseClaimPath(raw);
  } catch (error) {
    if (error instanceof ClaimPathError) throw new ConfigError(name, error.message);
    throw error;
  }
}

/** An issuer is an https URL without query or fragment (OpenID Connect Discovery §3, `issuer`). */
function issuerUrl(env: Env, allowHttp: boolean): string {
  const issuer = url('JWT_ISSUER', required(env, 'JWT_ISSUER'), allowHttp);
  if (/[?#]/.test(issuer)) throw new ConfigError('JWT_ISSUER', 'must have no query or fragment');
  return issuer;
}

function origins(env: Env): string[] {
  const values = list(env, 'CORS_ALLOWED_ORIGINS');
  for (const origin of values) {
    if (origin === '*' || origin === 'null') {
      throw new ConfigError('CORS_ALLOWED_ORIGINS', `must list exact origins, not "${origin}"`);
    }
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError('CORS_ALLOWED_ORIGINS', `"${origin}" is not an origin`);
    }
    if (parsed.origin !== origin) {
      throw new ConfigError(
        'CORS_ALLOWED_ORIGINS',
        `"${origin}" is not an origin (scheme://host[:port])`,
      );
    }
  }
  return values;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Reads and validates the environment once, at init. Throws a {@link ConfigError} naming the
 * offending variable.
 *
 * @example
 * const config = parseConfig(process.env);
 */
export function parseConfig(env: Env): Config {
  const allowHttpJwks = boolean(env, 'JWT_ALLOW_HTTP_JWKS', false);
  const region = required(env, 'CHIME_REGION');
  if (!REGION.test(region)) throw new ConfigError('CHIME_REGION', `"${region}" is not a region`);
  const endpointRaw = read(env, 'CHIME_ENDPOINT');
  const endpoint = endpointRaw === undefined ? undefined : url('CHIME_ENDPOINT', endpointRaw, true);

  // Never normalised: tokens carry `iss` exactly, and the discovery document must repeat it.
  const issuer = issuerUrl(env, allowHttpJwks);
  const audience = list(env, 'JWT_AUDIENCE');
  if (audience.length === 0) throw new ConfigError('JWT_AUDIENCE', 'is required');
  const jwksUriRaw = read(env, 'JWT_JWKS_URI');
  const jwksUri =
    jwksUriRaw === undefined ? undefined : url('JWT_JWKS_URI', jwksUriRaw, allowHttpJwks);
  const algorithms = list(env, 'JWT_ALGORITHMS');
  for (const alg of algorithms) {
    if (!(ALGORITHMS as readonly string[]).includes(alg)) {
      throw new ConfigError('JWT_ALGORITHMS', `"${alg}" is not one of ${ALGORITHMS.join(', ')}`);
    }
  }
  const cognito = COGNITO_ISSUER.exec(issuer);

  const deadlineMs = integer(env, 'DEADLINE_MS', 6000, 100, 29000);
  const requestTimeoutMs = integer(env, 'CHIME_REQUEST_TIMEOUT_MS', 2000, 50, 29000);
  if (requestTimeoutMs > deadlineMs) {
    throw new ConfigError('CHIME_REQUEST_TIMEOUT_MS', 'must not exceed DEADLINE_MS');
  }

  const moderatorScope = oneOf(env, 'MODERATOR_SCOPE', MODERATOR_SCOPES, 'global');
  const tenantClaim = claimPath(env, 'TENANT_CLAIM');
  if (moderatorScope === 'tenant' && tenantClaim === undefined) {
    throw new ConfigError('TENANT_CLAIM', 'is required when MODERATOR_SCOPE is tenant');
  }

  const separator = read(env, 'OWNER_SEPARATOR');
  if (separator !== undefined && separator.length !== 1) {
    throw new ConfigError('OWNER_SEPARATOR', 'must be a single character');
  }

  return deepFreeze<Config>({
    chime: {
      region,
      endpoint,
      maxAttempts: integer(env, 'CHIME_MAX_ATTEMPTS', 3, 1, 10),
      maxRetryAfterMs: integer(env, 'CHIME_MAX_RETRY_AFTER_MS', 1000, 0, 29000),
      requestTimeoutMs,
      connectionTimeoutMs: integer(env, 'CHIME_CONNECTION_TIMEOUT_MS', 1000, 50, 29000),
    },
    deadlineMs,
    auth: {
      issuer,
      audience,
      jwksUri,
      algorithms: (algorithms.length > 0 ? algorithms : ['RS256']) as SupportedSignatureAlgorithm[],
      cognitoUserPoolId: cognito?.[2],
      cognitoTokenUse:
        cognito || read(env, 'JWT_COGNITO_TOKEN_USE') !== undefined
          ? oneOf(env, 'JWT_COGNITO_TOKEN_USE', ['access', 'id'] as const, 'access')
          : undefined,
      graceSeconds: integer(env, 'JWT_GRACE_SECONDS', 0, 0, 300),
      jwksTimeoutMs: integer(env, 'JWT_JWKS_TIMEOUT_MS', 1500, 100, 10000),
      allowHttpJwks,
    },
    policy: {
      joinToken: oneOf(env, 'JOIN_TOKEN_POLICY', JOIN_TOKEN_POLICIES, 'owner'),
      identityClaim: claimPath(env, 'IDENTITY_CLAIM', 'sub'),
      ownerSeparator: separator,
      moderatorClaim: claimPath(env, 'MODERATOR_CLAIM', 'cognito:groups'),
      moderatorGroup: read(env, 'MODERATOR_GROUP') ?? 'moderators',
      moderatorScope,
      tenantClaim,
    },
    http: {
      allowedOrigins: origins(env),
      retryAfterSeconds: integer(env, 'RETRY_AFTER_SECONDS', 1, 1, 60),
    },
    logLevel: oneOf(env, 'LOG_LEVEL', ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const, 'INFO'),
  });
}
