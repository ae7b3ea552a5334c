import type { ProblemCode } from './problem';

/**
 * How a Chime error reaches the client. `retryAfter`: the configured delay or the clamped
 * `RetryAfterSeconds`; `alarm`: an error-level log, which pages; `sdk`: raised by the SDK itself
 * (no `$metadata`), matched by name alone.
 */
export interface ChimeErrorRule {
  readonly code: ProblemCode;
  readonly retryAfter?: 'default' | 'upstream';
  readonly alarm?: boolean;
  readonly sdk?: boolean;
}

/** Our credentials or signature were refused, or none could be found: an operator must act. */
const CREDENTIALS: ChimeErrorRule = Object.freeze({ code: 'upstream_credentials', alarm: true });
const CREDENTIALS_FROM_SDK: ChimeErrorRule = Object.freeze({ ...CREDENTIALS, sdk: true });

/** Chime's errors, AWS's "Common Errors" of signature and identity, SDK credential failures. */
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

/** The rule for an upstream `name` (any string, `__proto__` too): own entries only. */
export function chimeErrorRule(name: string): ChimeErrorRule | undefined {
  return Object.hasOwn(CHIME_ERROR_RULES, name) ? CHIME_ERROR_RULES[name] : undefined;
}
