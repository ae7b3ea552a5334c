import type { MiddlewareObj, Request } from '@middy/core';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwksNotAvailableInCacheError,
  JwksValidationError,
  JwkValidationError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DiscoveryError, IssuerMismatchError } from '../auth/oidc-discovery';
import { TokenPolicyError, type TokenVerifier } from '../auth/token-verifier';
import type { AppContext } from '../context';
import { ProblemError } from '../errors/errors';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Errors that mean the identity provider (its discovery document, its JWKS), not the token,
 * failed. Matched by class: the library does not set `name`, and minification renames classes.
 * An issuer mismatch found after init (discovery failed at warm-up) is a configuration error,
 * but still not the caller's fault.
 */
const DEPENDENCY_FAILURES: readonly [string, ErrorClass][] = [
  ['DiscoveryError', DiscoveryError],
  ['IssuerMismatchError', IssuerMismatchError],
  ['FetchError', FetchError],
  ['JwksNotAvailableInCacheError', JwksNotAvailableInCacheError],
  ['JwksValidationError', JwksValidationError],
  ['JwkValidationError', JwkValidationError],
];

/** Why a token was refused, for the log line. */
const TOKEN_FAILURES: readonly [string, ErrorClass][] = [
  ['JwtExpiredError', JwtExpiredError],
  ['JwtNotBeforeError', JwtNotBeforeError],
  ['JwtInvalidIssuerError', JwtInvalidIssuerError],
  ['JwtInvalidAudienceError', JwtInvalidAudienceError],
  ['JwtInvalidSignatureError', JwtInvalidSignatureError],
  ['JwtInvalidSignatureAlgorithmError', JwtInvalidSignatureAlgorithmError],
  ['JwtParseError', JwtParseError],
  ['KidNotFoundInJwksError', KidNotFoundInJwksError],
  ['WaitPeriodNotYetEndedJwkError', WaitPeriodNotYetEndedJwkError],
  ['JwtWithoutValidKidError', JwtWithoutValidKidError],
  ['CognitoJwtInvalidTokenUseError', CognitoJwtInvalidTokenUseError],
  ['CognitoJwtInvalidClientIdError', CognitoJwtInvalidClientIdError],
  ['TokenPolicyError', TokenPolicyError],
];

const labelOf = (error: unknown, table: readonly [string, ErrorClass][]) =>
  table.find(([, type]) => error instanceof type)?.[0];

/** Longest message of an identity-provider failure kept for the log. */
const MAX_REASON = 400;

/**
 * The log's reason for an identity-provider failure: its label and message, which name the
 * URL that failed and why (messages built by aws-jwt-verify and `oidc-discovery.ts`, never a
 * response body, never the caller's token).
 */
const dependencyReason = (label: string, error: unknown) =>
  error instanceof Error && error.message !== ''
    ? `${label}: ${error.message}`.slice(0, MAX_REASON)
    : label;

const BEARER = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i;

type AuthRequest = Request<APIGatewayProxyEventV2, unknown, Error, AppContext>;

export interface AuthenticateOptions {
  readonly verifier: TokenVerifier;
  readonly realm: string;
  readonly retryAfterSeconds: number;
}

/**
 * Verifies `Authorization: Bearer <JWT>` (never a token from the query string) and stores the
 * claims. Every failure gives the same 401; the reason goes to the log only. A discovery
 * document or a JWKS that cannot be fetched is a 503 with `Retry-After`: the caller is not at
 * fault, and a later request tries again.
 */
export function authenticate(
  options: AuthenticateOptions,
): MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, AppContext> {
  const { verifier, realm, retryAfterSeconds } = options;
  if (!realm || /["\\]/.test(realm))
    throw new TypeError('authenticate: realm must be a plain word');
  const challenge = `Bearer realm="${realm}"`;
  const invalid = `${challenge}, error="invalid_token"`;
  const verify = async (request: AuthRequest, token: string) => {
    try {
      request.context.state.claims = await verifier.verify(token);
    } catch (error) {
      const dependency = labelOf(error, DEPENDENCY_FAILURES);
      if (dependency) {
        throw new ProblemError(
          'identity_provider_unavailable',
          dependencyReason(dependency, error),
          {
            headers: { 'Retry-After': String(retryAfterSeconds) },
          },
        );
      }
      const reason = labelOf(error, TOKEN_FAILURES) ?? 'JwtError';
      throw new ProblemError('unauthorized', reason, {
        headers: { 'WWW-Authenticate': invalid },
      });
    }
  };
  return {
    // Not async: a token verified before (the usual case, see `VerifiedTokens`) is settled
    // without a promise; Middy awaits only what returns one.
    before: (request) => {
      const header = request.event.headers?.authorization;
      if (header === undefined || header.trim() === '') {
        throw new ProblemError('unauthorized', 'no bearer token', {
          headers: { 'WWW-Authenticate': challenge },
        });
      }
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) {
        throw new ProblemError('unauthorized', 'not a bearer token', {
          headers: { 'WWW-Authenticate': invalid },
        });
      }
      const known = verifier.known(token);
      if (known) {
        request.context.state.claims = known;
        return;
      }
      return verify(request, token);
    },
  };
}
