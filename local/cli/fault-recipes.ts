/**
 * The fault-injection recipes (`npm start` prints them, the example page's buttons use them):
 * for each error status, the one emulator rule that makes the next API request for a meeting
 * answer it, and that this request uses up entirely (so nothing stays queued).
 *
 * A cache is a copy of Chime: an attendee read once is served from it, and a Chime fault shows
 * only on a request that reaches Chime. So each use of a recipe faults a fresh meeting that
 * nothing has read yet. With a cache (the shared table, or without it the container's own), the
 * first request for a fresh meeting (a hot miss) has the snapshot list the attendees and read the
 * meeting, in parallel; when that fails it asks GetAttendee itself at once. The rule matches
 * every operation of that meeting.
 */
import type { Config } from '../../lambda/attendee/config';
import { attemptsWithinDeadline } from '../../lambda/common/chime/retry-strategy';
import type { FaultRule, FaultSpec } from '../chime-emulator';

/** The function's settings that decide how many Chime calls one request makes. */
export interface RecipeSettings {
  readonly deadlineMs: number;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
  readonly maxRetryAfterMs: number;
  /** Whether a meeting's first request lists it (ListAttendees + GetMeeting) before GetAttendee. */
  readonly snapshotOnFirstMiss: boolean;
}

export interface FaultRecipe {
  readonly status: 502 | 503 | 504;
  readonly description: string;
  readonly rule: FaultRule;
}

/** The recipe settings of a function configured with `config` (its own `parseConfig`). */
export function recipeSettingsOf({ deadlineMs, chime, cache }: Config): RecipeSettings {
  const { requestTimeoutMs, maxAttempts, maxRetryAfterMs } = chime;
  // A hot threshold of 1 snapshots on the first miss, with the shared table or the container's.
  const cached = cache.tableName !== undefined || cache.containerAttendeeTtlMs > 0;
  const snapshotOnFirstMiss = cached && cache.hotThreshold <= 1;
  return { deadlineMs, requestTimeoutMs, maxAttempts, maxRetryAfterMs, snapshotOnFirstMiss };
}

/** The 503, 502 and 504 recipes for a function configured with `settings`, on `meetingId`. */
export function faultRecipes(settings: RecipeSettings, meetingId: string): readonly FaultRecipe[] {
  const snapshot = settings.snapshotOnFirstMiss;
  const rule = (count: number, fault: FaultSpec): FaultRule => ({
    operation: snapshot ? '*' : 'GetAttendee',
    match: { meetingId },
    count,
    fault,
  });
  // The snapshot's ListAttendees and GetMeeting (in parallel), then GetAttendee.
  const calls = snapshot ? 3 : 1;
  // A Retry-After longer than CHIME_MAX_RETRY_AFTER_MS is handed back at once: one call.
  const retryAfterSeconds = Math.max(5, Math.floor(settings.maxRetryAfterMs / 1000) + 1);
  const { maxAttempts, requestTimeoutMs, deadlineMs } = settings;
  const hangs = attemptsWithinDeadline(maxAttempts, requestTimeoutMs, deadlineMs);
  return [
    {
      status: 503,
      description: `503 with Retry-After ${retryAfterSeconds}: ServiceUnavailableException, not retried by the API`,
      rule: rule(calls, { type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds }),
    },
    {
      status: 502,
      description:
        '502: ForbiddenException (the API’s own credentials refused), not retried by the API',
      rule: rule(calls, { type: 'error', name: 'ForbiddenException' }),
    },
    {
      status: 504,
      description: `504: Chime hangs on each of the ${hangs} attempt(s) the deadline allows`,
      // With a snapshot: its ListAttendees and GetMeeting each hang that many attempts, then
      // GetAttendee hangs once more, until the deadline.
      rule: rule(snapshot ? 2 * hangs + 1 : hangs, { type: 'hang' }),
    },
  ];
}

/** What a printed rule holds in place of the fresh meeting's id; the shell helper fills it in. */
export const MEETING_ID_PLACEHOLDER = 'MEETING_ID';

/**
 * The shell function `npm start` prints (bash and zsh): `fault RULE` creates a fresh meeting
 * with an attendee for alice on the emulator (CreateMeetingWithAttendees, as a backend would),
 * queues RULE with {@link MEETING_ID_PLACEHOLDER} replaced by its id, and asks the API for that
 * attendee with `$<tokenVariable>`, printing the answer. Each call is a fresh meeting, so a
 * recipe works every time.
 *
 * @example
 * faultShell({ apiUrl: 'http://127.0.0.1:3000', emulatorUrl: 'http://127.0.0.1:3001', tokenVariable: 'ALICE_TOKEN' })
 */
export function faultShell(urls: {
  readonly apiUrl: string;
  readonly emulatorUrl: string;
  readonly tokenVariable: string;
}): string {
  const { apiUrl, emulatorUrl, tokenVariable } = urls;
  const json = "-H 'content-type: application/json'";
  const meeting = `'{"ClientRequestToken":"fault-'$RANDOM$RANDOM'","ExternalMeetingId":"fault-demo","MediaRegion":"us-east-1","Attendees":[{"ExternalUserId":"alice"}]}'`;
  const ids = `node -p 'const r=JSON.parse(require("fs").readFileSync(0,"utf8"));r.Meeting.MeetingId+" "+r.Attendees[0].AttendeeId'`;
  return [
    'fault() {',
    `  local ids; ids=$(curl -s -X POST '${emulatorUrl}/meetings?operation=create-attendees' ${json} -d ${meeting} | ${ids})`,
    `  curl -s -o /dev/null -X POST ${emulatorUrl}/_emulator/faults ${json} -d "\${1//${MEETING_ID_PLACEHOLDER}/\${ids% *}}"`,
    `  curl -i -H "Authorization: Bearer $${tokenVariable}" "${apiUrl}/meetings/\${ids% *}/attendees/\${ids#* }"; echo`,
    '}',
  ].join('\n');
}

/** The line that runs `recipe` through {@link faultShell}'s `fault` function. */
export const faultCommand = (recipe: FaultRecipe): string =>
  `fault '${JSON.stringify(recipe.rule)}'`;
