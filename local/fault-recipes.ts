/**
 * The fault-injection recipes `npm start` prints: for each error status, the one emulator rule
 * that makes the next API request answer it, and that this request uses up entirely (so the
 * request after it is served normally and nothing stays queued).
 */
import { attemptsWithinDeadline } from '../lambda/attendee/retry-strategy';
import type { FaultRule } from './chime-emulator';

/** The function's settings that decide how many Chime calls one request makes. */
export interface RecipeSettings {
  readonly deadlineMs: number;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
  readonly maxRetryAfterMs: number;
}

export interface FaultRecipe {
  readonly status: 502 | 503 | 504;
  readonly description: string;
  readonly rule: FaultRule;
}

/** The 503, 502 and 504 recipes for a function configured with `settings`. */
export function faultRecipes(settings: RecipeSettings): readonly FaultRecipe[] {
  // A Retry-After longer than CHIME_MAX_RETRY_AFTER_MS is handed back at once: one call.
  const retryAfterSeconds = Math.max(5, Math.floor(settings.maxRetryAfterMs / 1000) + 1);
  const hangs = attemptsWithinDeadline(
    settings.maxAttempts,
    settings.requestTimeoutMs,
    settings.deadlineMs,
  );
  return [
    {
      status: 503,
      description: `503 with Retry-After ${retryAfterSeconds}: ServiceUnavailableException, not retried`,
      rule: {
        operation: 'GetAttendee',
        count: 1,
        fault: { type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds },
      },
    },
    {
      status: 502,
      description: '502: ForbiddenException (the API’s own credentials refused), not retried',
      rule: {
        operation: 'GetAttendee',
        count: 1,
        fault: { type: 'error', name: 'ForbiddenException' },
      },
    },
    {
      status: 504,
      description: `504: Chime hangs on each of the ${hangs} attempt(s) the deadline allows`,
      rule: { operation: 'GetAttendee', count: hangs, fault: { type: 'hang' } },
    },
  ];
}
