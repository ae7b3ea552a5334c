import type { MiddlewareObj, Request } from '@middy/core';
import * as jwt from 'aws-jwt-verify/error';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DiscoveryError, IssuerMismatchError } from '../auth/oidc-discovery';
import { TokenPolicyError, type TokenVerifier } from '../auth/token-verifier';
import type { AppContext } from '../context';
import { ProblemError } from '../errors/errors';

/**
 * Failures of the identity provider, not of the token (an issuer mismatch found after init too).
 * Labelled by these keys, matched by class: the library sets no `name`, minification renames.
 */
const DEPENDENCY_FAILURES = Object.entries({
  DiscoveryError,
  IssuerMismatchError,
  FetchError: jwt.FetchError,
  JwksNotAvailableInCacheError: jwt.JwksNotAvailableInCacheError,
  JwksValidationError: jwt.JwksValidationError,
  JwkValidationError: jwt.JwkValidationError,
});

/** Why a token was refused, for the log line. */
const TOKEN_FAILURES = Object.entries({
  JwtExpiredError: jwt.JwtExpiredError,
  JwtNotBeforeError: jwt.JwtNotBeforeError,
  JwtInvalidIssuerError: jwt.JwtInvalidIssuerError,
  JwtInvalidAudienceError: jwt.JwtInvalidAudienceError,
  JwtInvalidSignatureError: jwt.JwtInvalidSignatureError,
  JwtInvalidSignatureAlgorithmError: jwt.JwtInvalidSignatureAlgorithmError,
  JwtParseError: jwt.JwtParseError,
  KidNotFoundInJwksError: jwt.KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError: jwt.WaitPeriodNotYetEndedJwkError,
  JwtWithoutValidKidError: jwt.JwtWithoutValidKidError,
  CognitoJwtInvalidTokenUseError: jwt.CognitoJwtInvalidTokenUseError,
  CognitoJwtInvalidClientIdError: jwt.CognitoJwtInvalidClientIdError,
  TokenPolicyError,
});

const labelOf = (error: unknown, table: [string, abstract new (...args: never[]) => Error][]) =>
  table.find(([, type]) => error instanceof type)?.[0];

const BEARER = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i;

type AuthRequest = Request<APIGatewayProxyEventV2, unknown, Error, AppContext>;

/**
 * Verifies `Authorization: Bearer <JWT>` (never a query string's): every failure the same 401, its
 * reason logged only; an identity provider that cannot be reached, 503 with `Retry-After`.
 */
export function authenticate(options: {
  readonly verifier: TokenVerifier;
  readonly retryAfterSeconds: number;
}): MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, AppContext> {
  const { verifier, retryAfterSeconds } = options;
  const challenge = { 'WWW-Authenticate': 'Bearer realm="chime-attendee-api"' };
  const invalid = { 'WWW-Authenticate': `${challenge['WWW-Authenticate']}, error="invalid_token"` };
  const verify = async (request: AuthRequest, token: string) => {
    try {
      request.context.state.claims = await verifier.verify(token);
    } catch (error) {
      const dependency = labelOf(error, DEPENDENCY_FAILURES);
      if (dependency) {
        // The messages of aws-jwt-verify and oidc-discovery.ts name the URL and why, never a token.
        const why = error instanceof Error && error.message !== '' ? `: ${error.message}` : '';
        throw new ProblemError(
          'identity_provider_unavailable',
          `${dependency}${why}`.slice(0, 400),
          { 'Retry-After': String(retryAfterSeconds) },
        );
      }
      throw new ProblemError('unauthorized', labelOf(error, TOKEN_FAILURES) ?? 'JwtError', invalid);
    }
  };
  return {
    // Not async: a token verified before settles without a promise (Middy awaits only those).
    before: (request) => {
      const header = request.event.headers?.authorization;
      if (header === undefined || header.trim() === '') {
        throw new ProblemError('unauthorized', 'no bearer token', challenge);
      }
      const token = BEARER.exec(header)?.[1];
      if (token === undefined)
        throw new ProblemError('unauthorized', 'not a bearer token', invalid);
      const known = verifier.known(token);
      if (!known) return verify(request, token);
      request.context.state.claims = known;
    },
  };
}
