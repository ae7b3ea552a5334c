import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import { JwtInvalidAudienceError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtHeader, JwtPayload } from 'aws-jwt-verify/jwt-model';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import { createTtlCache } from '../cache/container-cache';
import type { Config } from '../config';
import { IdpFetcher } from './idp-fetcher';
import { createJwksLocator } from './oidc-discovery';

/** Verified claims of the caller's token. */
export type Claims = Readonly<Record<string, unknown>>;

/** Verifies bearer JWTs; `hydrate` discovers and fetches the JWKS ahead of the first request. */
export interface TokenVerifier {
  verify(token: string): Promise<Claims>;
  /**
   * The claims of `token` if this verifier verified it before and it has not expired since,
   * without waiting: a request with such a token needs no promise for its authentication.
   */
  known(token: string): Claims | undefined;
  hydrate(): Promise<void>;
}

/** Clock skew tolerated between the issuer and this function on `iat`. */
const IAT_SKEW_SECONDS = 60;

/** The token failed a check that aws-jwt-verify leaves optional; treated like any invalid token. */
export class TokenPolicyError extends Error {
  override readonly name = 'TokenPolicyError';
}

/**
 * The audience rule of the HTTP API JWT authorizer in front: "the JWT's aud or client_id claim
 * must match one of the audience entries that's configured for the authorizer. API Gateway
 * validates client_id only if aud is not present. When both aud and client_id are present, API
 * Gateway evaluates aud."
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html,
 * and "Control access to HTTP APIs with JWT authorizers", http-api-jwt-authorizer.html).
 * So a wrong `aud` is refused even when `client_id` is right.
 */
export function assertAudience(payload: JwtPayload, audience: readonly string[]): void {
  if (Object.hasOwn(payload, 'aud')) {
    const values: unknown[] = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (values.some((value) => typeof value === 'string' && audience.includes(value))) return;
    throw new JwtInvalidAudienceError('aud not allowed', payload.aud, [...audience]);
  }
  const clientId = payload.client_id;
  if (typeof clientId === 'string' && audience.includes(clientId)) return;
  throw new JwtInvalidAudienceError('no aud, and client_id not allowed', clientId, [...audience]);
}

/** Tokens remembered verified, least recently used out first. */
const VERIFIED_TOKENS = 1000;

/** The checks aws-jwt-verify leaves to the caller, as the HTTP API authorizer in front makes them. */
function tokenChecks(auth: Config['auth']) {
  const iatSkewSeconds = Math.max(auth.graceSeconds, IAT_SKEW_SECONDS);
  const { audience, cognitoTokenUse } = auth;
  return ({ header, payload }: { header: JwtHeader; payload: JwtPayload }) => {
    if (!auth.algorithms.includes(header.alg as (typeof auth.algorithms)[number])) {
      throw new TokenPolicyError('algorithm not allowed');
    }
    if (typeof payload.exp !== 'number') throw new TokenPolicyError('exp is required');
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + iatSkewSeconds) {
      throw new TokenPolicyError('iat is in the future');
    }
    assertAudience(payload, audience);
    if (cognitoTokenUse !== undefined) {
      // Throws CognitoJwtInvalidTokenUseError; the client id is the audience rule's business.
      validateCognitoJwtFields(payload, { tokenUse: cognitoTokenUse, clientId: null });
    }
  };
}

/**
 * Creates the verifier for the configured issuer, with aws-jwt-verify's generic verifier for
 * every issuer, Cognito user pools included (the README's "Using the generic JWT verifier for
 * Cognito JWTs": `audience: null` and the checks in `customJwtCheck`). The issuer is compared
 * exactly as configured; the JWKS is located by discovery unless `jwksUri` is set. On top of
 * the library: the authorizer's audience rule ({@link assertAudience}), Cognito's `token_use`
 * when configured, `exp` required, `iat` not in the future, the algorithms pinned.
 *
 * A verified token is remembered, with its claims, until its `exp`: a frontend sends the same
 * access token on every call, and an RS256 verification costs more than the rest of the
 * request's own work. Only a byte-identical token hits. A key removed from the JWKS stops new
 * tokens at once; tokens already verified with it stay accepted until they expire, as in any
 * JWT cache.
 */
export function createTokenVerifier(auth: Config['auth']): TokenVerifier {
  const fetcher = new IdpFetcher(auth.jwksTimeoutMs, auth.allowHttpJwks);
  const jwksCache = new SimpleJwksCache({ fetcher });
  const { issuer, jwksUri, allowHttpJwks: allowHttp, graceSeconds } = auth;
  const locator = createJwksLocator({ issuer, jwksUri, allowHttp, fetcher });
  const customJwtCheck = tokenChecks(auth);
  const create = (jwksUri: string) =>
    JwtVerifier.create(
      { issuer, audience: null, jwksUri, graceSeconds, customJwtCheck },
      { jwksCache },
    );
  let verifier: ReturnType<typeof create> | undefined;
  /** The library's verifier, once the JWKS URI is known (discovery is retried until then). */
  const ready = async () => {
    if (verifier) return verifier;
    const found = await locator.jwksUri();
    verifier ??= create(found);
    return verifier;
  };
  const verified = createTtlCache<Claims>({ maxEntries: VERIFIED_TOKENS, now: () => Date.now() });
  return {
    known: (token) => verified.peek(token),
    verify: async (token) => {
      const known = verified.peek(token);
      if (known) return known;
      const claims = (await (await ready()).verify(token)) as Claims;
      // Refused from the second of its `exp` on.
      if (typeof claims.exp === 'number') verified.set(token, claims, claims.exp * 1000);
      return claims;
    },
    hydrate: async () => {
      await (await ready()).hydrate();
    },
  };
}
