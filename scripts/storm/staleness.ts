import type { Capabilities } from '../../client/src';
import type { ChangeKind } from './plan';

/** A change the backend made during the storm, as it happened (ms after the storm started). */
export interface AppliedChange {
  readonly attendeeId: string;
  readonly kind: ChangeKind;
  /** When the call was sent. */
  readonly sentMs: number;
  /** When the emulator answered it: the change's time (the emulator publishes its event then). */
  readonly changedMs: number;
  /** An update's new capabilities. */
  readonly capabilities?: Capabilities;
}

/** One join-info answer a client got (ms after the storm started). */
export interface Answer {
  readonly attendeeId: string;
  readonly startedMs: number;
  readonly answeredMs: number;
  /** The HTTP status; 0 without an answer (network error, abort). */
  readonly status: number;
  /** The problem or client error code, when not 200. */
  readonly code?: string;
  /** The attendee's capabilities, on a 200. */
  readonly capabilities?: Capabilities;
}

/**
 * What an answer after a change says: `correct` (a deleted attendee's 404 `not_found`, an updated
 * one's new capabilities), `old` (the attendee as before: a 200 for a deleted one, other
 * capabilities for an updated one), `wrong` (a 404 for an updated attendee), `error` (no answer,
 * or one that says nothing about the attendee: 429, 5xx).
 */
export type Verdict = 'correct' | 'old' | 'wrong' | 'error';

const sameCapabilities = (a: Capabilities | undefined, b: Capabilities | undefined) =>
  a !== undefined &&
  b !== undefined &&
  a.Audio === b.Audio &&
  a.Video === b.Video &&
  a.Content === b.Content;

/** The verdict on one answer about a changed attendee. */
export function verdictOf(change: AppliedChange, answer: Answer): Verdict {
  if (answer.status === 404 && answer.code === 'not_found') {
    return change.kind === 'delete' ? 'correct' : 'wrong';
  }
  if (answer.status !== 200) return 'error';
  if (change.kind === 'delete') return 'old';
  return sameCapabilities(answer.capabilities, change.capabilities) ? 'correct' : 'old';
}

/** An old answer served past the bound, for the run's log. */
export interface StaleAnswer {
  readonly attendeeId: string;
  readonly kind: ChangeKind;
  /** Change → answer, ms. */
  readonly afterMs: number;
}

/** How the churned attendees' answers fared against the freshness bound. */
export interface ChurnJudgement {
  /** Answers received after their attendee's change. */
  readonly observed: number;
  readonly correct: number;
  readonly old: number;
  /** Old answers served more than `staleAfterMs` after the change: the judged figure. */
  readonly stale: number;
  readonly wrong: number;
  readonly errors: number;
  /** Change → first correct answer, at worst, over the changes that got one; 0 when none did. */
  readonly worstLagMs: number;
  /** Change → last old answer, at worst (0 when none): an old answer after a correct one shows here. */
  readonly worstOldMs: number;
  /** Changes that got no correct answer at all. */
  readonly unresolved: number;
  /** The stale answers, at most 20 of them, for the log. */
  readonly staleAnswers: readonly StaleAnswer[];
}

/**
 * Judges every answer about a changed attendee received after its change (`answeredMs` ≥
 * `changedMs`; one answered while the call was in flight could be either). Pure: the storm's
 * clients record the answers, this counts them.
 *
 * @example
 * judgeChurn([{ attendeeId: 'a', kind: 'delete', sentMs: 0, changedMs: 5 }],
 *   [{ attendeeId: 'a', startedMs: 2900, answeredMs: 2910, status: 200 }], 2000).stale // 1
 */
export function judgeChurn(
  changes: readonly AppliedChange[],
  answers: readonly Answer[],
  staleAfterMs: number,
): ChurnJudgement {
  const byAttendee = new Map<string, Answer[]>();
  for (const answer of answers) {
    const list = byAttendee.get(answer.attendeeId);
    if (list) list.push(answer);
    else byAttendee.set(answer.attendeeId, [answer]);
  }
  const counts = { observed: 0, correct: 0, old: 0, stale: 0, wrong: 0, errors: 0 };
  let worstLagMs = 0;
  let worstOldMs = 0;
  let unresolved = 0;
  const staleAnswers: StaleAnswer[] = [];
  for (const change of changes) {
    let firstCorrectMs: number | undefined;
    for (const answer of byAttendee.get(change.attendeeId) ?? []) {
      if (answer.answeredMs < change.changedMs) continue;
      const afterMs = answer.answeredMs - change.changedMs;
      const verdict = verdictOf(change, answer);
      counts.observed += 1;
      if (verdict === 'correct') {
        counts.correct += 1;
        firstCorrectMs = Math.min(firstCorrectMs ?? afterMs, afterMs);
      } else if (verdict === 'old') {
        counts.old += 1;
        worstOldMs = Math.max(worstOldMs, afterMs);
        if (afterMs > staleAfterMs) {
          counts.stale += 1;
          if (staleAnswers.length < 20) {
            staleAnswers.push({ attendeeId: change.attendeeId, kind: change.kind, afterMs });
          }
        }
      } else if (verdict === 'wrong') {
        counts.wrong += 1;
      } else {
        counts.errors += 1;
      }
    }
    if (firstCorrectMs === undefined) unresolved += 1;
    else worstLagMs = Math.max(worstLagMs, firstCorrectMs);
  }
  return { ...counts, worstLagMs, worstOldMs, unresolved, staleAnswers };
}

/**
 * Whether a fetch of the main schedule counts in the main figures (ok, p99): every fetch of an
 * attendee nobody changed, and a churned attendee's fetches started before its change was sent.
 * Those started later ask about a changed attendee: they are judged by {@link judgeChurn} only.
 */
export function isMainFetch(
  answer: Pick<Answer, 'attendeeId' | 'startedMs'>,
  changes: ReadonlyMap<string, AppliedChange>,
): boolean {
  const change = changes.get(answer.attendeeId);
  return change === undefined || answer.startedMs < change.sentMs;
}

/**
 * Whether a main fetch got a right answer: its join info, or a 404 `not_found` for an attendee
 * deleted while it was asking (the answer a deleted attendee must get).
 */
export function isOkFetch(answer: Answer, changes: ReadonlyMap<string, AppliedChange>): boolean {
  if (answer.status === 200) return true;
  const change = changes.get(answer.attendeeId);
  return (
    change?.kind === 'delete' &&
    answer.status === 404 &&
    answer.code === 'not_found' &&
    answer.answeredMs >= change.sentMs
  );
}

/** A call of the emulator's call log, as far as the churn's accounting reads it. */
export interface LoggedCall {
  readonly operation: string;
  readonly attendeeId?: string;
  readonly status: number | null;
}

/** The backend's own calls (the churn), which are not the function's. */
export const CHURN_OPERATIONS = Object.freeze(['DeleteAttendee', 'UpdateAttendeeCapabilities']);

/**
 * The function's GetAttendee calls about an attendee after its change (the call log is in
 * arrival order: after the change's own successful call). They answer the churned attendees' later
 * questions, which the main figures leave out, so the calls per join-info leave them out too;
 * GetMeeting and ListAttendees name no attendee and all stay in.
 */
export function callsAfterChanges(calls: readonly LoggedCall[]): number {
  const changed = new Set<string>();
  let after = 0;
  for (const call of calls) {
    if (call.attendeeId === undefined) continue;
    if ((CHURN_OPERATIONS as readonly string[]).includes(call.operation)) {
      if (call.status !== null && call.status < 300) changed.add(call.attendeeId);
    } else if (call.operation === 'GetAttendee' && changed.has(call.attendeeId)) {
      after += 1;
    }
  }
  return after;
}
