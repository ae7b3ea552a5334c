/**
 * For each error status, the emulator rule that the next API request for a fresh meeting answers
 * with and uses up entirely (docs/local.md#error-ux-on-demand-fault-injection). With a cache, that
 * first request lists the meeting (ListAttendees and GetMeeting), then asks GetAttendee.
 */

import { attemptsWithinDeadline } from '../../lambda/common/chime/retry-strategy';
import type { Config } from '../../lambda/common/config/settings';
import type { FaultRule, FaultSpec } from '../chime-emulator';

export type RecipeSettings = ReturnType<typeof recipeSettingsOf>;

export interface FaultRecipe {
  readonly status: 502 | 503 | 504;
  readonly description: string;
  readonly rule: FaultRule;
}

export function recipeSettingsOf(config: Config) {
  const { deadlineMs, chimeRequestTimeoutMs: requestTimeoutMs } = config;
  const { chimeMaxAttempts: maxAttempts, chimeMaxRetryAfterMs: maxRetryAfterMs } = config;
  // A hot threshold of 1 snapshots on the first miss, with the shared table or the container's.
  const cached = config.cacheTableName !== undefined || config.cacheAttendeeTtlMs > 0;
  const snapshotOnFirstMiss = cached && config.cacheHotThreshold <= 1;
  return { deadlineMs, requestTimeoutMs, maxAttempts, maxRetryAfterMs, snapshotOnFirstMiss };
}

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

export const MEETING_ID_PLACEHOLDER = 'MEETING_ID';

/** `fault RULE` (bash, zsh): a fresh meeting with alice, RULE queued for it, alice's request. */
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

export const faultCommand = (recipe: FaultRecipe): string =>
  `fault '${JSON.stringify(recipe.rule)}'`;
