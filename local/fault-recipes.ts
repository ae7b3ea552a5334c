/**
 * The fault-injection recipes `npm start` prints: for each error status, the one emulator rule
 * that makes the next API request answer it, and that this request uses up entirely (so the
 * request after it is served normally and nothing stays queued).
 *
 * With the caches on, an attendee read once is served from them and reaches Chime no more, so
 * each recipe has a meeting of its own that nothing has read yet. On a fresh meeting with the
 * shared table, a request (a hot miss) has the snapshot list the attendees and read the meeting,
 * then asks GetAttendee itself: the rule matches every operation of that meeting.
 */
import { attemptsWithinDeadline } from '../lambda/attendee/retry-strategy';
import type { FaultRule } from './chime-emulator';

/** The function's settings that decide how many Chime calls one request makes. */
export interface RecipeSettings {
  readonly deadlineMs: number;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
  readonly maxRetryAfterMs: number;
  /** Whether the function has the shared table (its first miss of a meeting then lists it). */
  readonly sharedCache: boolean;
}

/** The never-read meeting each recipe faults (see the module comment). */
export type RecipeMeetings = Readonly<Record<FaultRecipe['status'], string>>;

export interface FaultRecipe {
  readonly status: 502 | 503 | 504;
  readonly description: string;
  readonly rule: FaultRule;
}

/** The 503, 502 and 504 recipes for a function configured with `settings`. */
export function faultRecipes(
  settings: RecipeSettings,
  meetings: RecipeMeetings,
): readonly FaultRecipe[] {
  // Shared table: ListAttendees and GetMeeting (the snapshot, in parallel), then GetAttendee.
  const calls = settings.sharedCache ? 3 : 1;
  const scope = (status: FaultRecipe['status']) =>
    ({
      operation: settings.sharedCache ? '*' : 'GetAttendee',
      match: { meetingId: meetings[status] },
    }) as const;
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
        ...scope(503),
        count: calls,
        fault: { type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds },
      },
    },
    {
      status: 502,
      description: '502: ForbiddenException (the API’s own credentials refused), not retried',
      rule: { ...scope(502), count: calls, fault: { type: 'error', name: 'ForbiddenException' } },
    },
    {
      status: 504,
      description: `504: Chime hangs on each of the ${hangs} attempt(s) the deadline allows`,
      // With the table: the snapshot's ListAttendees and GetMeeting each hang that many
      // attempts, then GetAttendee hangs once more, until the deadline.
      rule: {
        ...scope(504),
        count: settings.sharedCache ? 2 * hangs + 1 : hangs,
        fault: { type: 'hang' },
      },
    },
  ];
}
