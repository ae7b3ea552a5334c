import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import { JwtInvalidAudienceError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtHeader, JwtPayload } from 'aws-jwt-verify/jwt-model';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import type { Config } from '../../common/config/settings';
import { createTtlCache } from '../cache/container-cache';
import { IdpFetcher } from './idp-fetcher';
import { createJwksLocator } from './oidc-discovery';

export type Claims = Readonly<Record<string, unknown>>;

export type TokenVerifier = ReturnType<typeof createTokenVerifier>;

/** The token failed a check that aws-jwt-verify leaves optional; treated like any invalid token. */
export class TokenPolicyError extends Error {
  override readonly name = 'TokenPolicyError';
}

/**
 * The HTTP API JWT authorizer's audience rule: `client_id` counts only when there is no `aud`
 * (http-api-troubleshooting-jwt.html), so a wrong `aud` is refused even with the right one.
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

/**
 * aws-jwt-verify's generic verifier, Cognito included (`audience: null`), plus the authorizer's
 * checks. A verified token is remembered until its `exp` (RS256 costs more than the rest of a
 * request): a key removed from the JWKS stops only new tokens, as in any JWT cache.
 */
export function createTokenVerifier(auth: Config) {
  const { identityIssuer: issuer, identityJwksUri: jwksUri, allowHttpJwks: allowHttp } = auth;
  const { jwtGraceSeconds: graceSeconds, identityAudience: audience, jwtAlgorithms } = auth;
  const fetcher = new IdpFetcher(auth.jwksTimeoutMs, allowHttp);
  const jwksCache = new SimpleJwksCache({ fetcher });
  const locator = createJwksLocator({ issuer, jwksUri, allowHttp, fetcher });
  const iatSkewSeconds = Math.max(graceSeconds, 60);
  const customJwtCheck = ({ header, payload }: { header: JwtHeader; payload: JwtPayload }) => {
    if (!jwtAlgorithms.includes(header.alg as (typeof jwtAlgorithms)[number])) {
      throw new TokenPolicyError('algorithm not allowed');
    }
    if (typeof payload.exp !== 'number') throw new TokenPolicyError('exp is required');
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + iatSkewSeconds) {
      throw new TokenPolicyError('iat is in the future');
    }
    assertAudience(payload, audience);
    if (auth.cognitoTokenUse !== undefined) {
      // The client id is the audience rule's business.
      validateCognitoJwtFields(payload, { tokenUse: auth.cognitoTokenUse, clientId: null });
    }
  };
  const create = (jwksUri: string) =>
    JwtVerifier.create(
      { issuer, audience: null, jwksUri, graceSeconds, customJwtCheck },
      { jwksCache },
    );
  let verifier: ReturnType<typeof create> | undefined;
  const ready = async () => {
    if (verifier) return verifier;
    const found = await locator.jwksUri();
    verifier ??= create(found);
    return verifier;
  };
  const verified = createTtlCache<Claims>({ maxEntries: 1000, now: () => Date.now() });
  return {
    /** The claims of a token verified before and not expired since, without a promise. */
    known: (token: string) => verified.peek(token),
    verify: async (token: string) => {
      const known = verified.peek(token);
      if (known) return known;
      const claims = (await (await ready()).verify(token)) as Claims;
      // Refused from the second of its `exp` on.
      if (typeof claims.exp === 'number') verified.set(token, claims, claims.exp * 1000);
      return claims;
    },
    /** Discovers and fetches the JWKS ahead of the first request. */
    hydrate: async (): Promise<void> => (await ready()).hydrate(),
  };
}
