import type { ProblemCode } from './problem';

/**
 * How each Chime SDK Meetings error, matched by `error.name`, reaches the client.
 * `retryAfter`: `default` uses the configured delay, `upstream` the clamped `RetryAfterSeconds`.
 */
export interface ChimeErrorRule {
  readonly code: ProblemCode;
  readonly retryAfter?: 'default' | 'upstream';
  /** Error-level logs page someone: our validation or our credentials are wrong. */
  readonly alarm?: boolean;
  /**
   * Raised by the SDK itself, before or instead of a service answer (no `$metadata`): matched
   * by name alone.
   */
  readonly sdk?: boolean;
}

/** Our credentials or signature were refused, or none could be found: an operator must act. */
const CREDENTIALS: ChimeErrorRule = Object.freeze({ code: 'upstream_credentials', alarm: true });
const CREDENTIALS_FROM_SDK: ChimeErrorRule = Object.freeze({ ...CREDENTIALS, sdk: true });

/**
 * Chime's own errors (API reference, "Errors" of GetAttendee), the errors every AWS service
 * answers a bad signature or identity with (API reference "Common Errors"), and the SDK's
 * credential-provider failures (`@smithy/property-provider`).
 */
const CHIME_ERROR_RULES: Readonly<Record<string, ChimeErrorRule>> = Object.freeze({
  NotFoundException: { code: 'not_found' },
  BadRequestException: { code: 'upstream_rejected', alarm: true },
  UnauthorizedException: CREDENTIALS,
  ForbiddenException: CREDENTIALS,
  AccessDeniedException: CREDENTIALS,
  UnrecognizedClientException: CREDENTIALS,
  InvalidClientTokenId: CREDENTIALS,
  InvalidSignatureException: CREDENTIALS,
  SignatureDoesNotMatch: CREDENTIALS,
  IncompleteSignature: CREDENTIALS,
  IncompleteSignatureException: CREDENTIALS,
  MissingAuthenticationToken: CREDENTIALS,
  MissingAuthenticationTokenException: CREDENTIALS,
  ExpiredToken: CREDENTIALS,
  ExpiredTokenException: CREDENTIALS,
  RequestExpired: CREDENTIALS,
  CredentialsProviderError: CREDENTIALS_FROM_SDK,
  TokenProviderError: CREDENTIALS_FROM_SDK,
  ThrottlingException: { code: 'upstream_throttled', retryAfter: 'default' },
  ServiceUnavailableException: { code: 'upstream_unavailable', retryAfter: 'upstream' },
  ServiceFailureException: { code: 'upstream_failure' },
});

/**
 * The rule for an error `name`, or `undefined`. The name comes from upstream (any string, such
 * as `constructor` or `__proto__`), so only the table's own entries count.
 */
export function chimeErrorRule(name: string): ChimeErrorRule | undefined {
  return Object.hasOwn(CHIME_ERROR_RULES, name) ? CHIME_ERROR_RULES[name] : undefined;
}

/** Modeled or unmodeled service errors not in the table. */
export const OTHER_SERVICE_ERROR: ChimeErrorRule = Object.freeze({ code: 'upstream_failure' });
