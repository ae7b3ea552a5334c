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
}

export const CHIME_ERRORS: Readonly<Record<string, ChimeErrorRule>> = Object.freeze({
  NotFoundException: { code: 'not_found' },
  BadRequestException: { code: 'upstream_rejected', alarm: true },
  UnauthorizedException: { code: 'upstream_credentials', alarm: true },
  ForbiddenException: { code: 'upstream_credentials', alarm: true },
  ThrottlingException: { code: 'upstream_throttled', retryAfter: 'default' },
  ServiceUnavailableException: { code: 'upstream_unavailable', retryAfter: 'upstream' },
  ServiceFailureException: { code: 'upstream_failure' },
});

/**
 * The rule for an error `name`, or `undefined`. The name comes from upstream (any string, such
 * as `constructor` or `__proto__`), so only the table's own entries count.
 */
export function chimeErrorRule(name: string): ChimeErrorRule | undefined {
  return Object.hasOwn(CHIME_ERRORS, name) ? CHIME_ERRORS[name] : undefined;
}

/** Modeled or unmodeled service errors not in the table. */
export const OTHER_SERVICE_ERROR: ChimeErrorRule = Object.freeze({ code: 'upstream_failure' });
