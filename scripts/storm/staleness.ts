import type { Capabilities } from '../../client/src';
import type { ChangeKind } from './plan';

/** A change the backend made during the storm: sent, and answered by the emulator (its event then). */
export interface AppliedChange {
  readonly attendeeId: string;
  readonly kind: ChangeKind;
  readonly sentMs: number;
  readonly changedMs: number;
  /** An update's new capabilities. */
  readonly capabilities?: Capabilities;
}

/** One join-info answer a client got. */
export interface Answer {
  readonly attendeeId: string;
  readonly startedMs: number;
  readonly answeredMs: number;
  /** The HTTP status; 0 without an answer (network error, abort). */
  readonly status: number;
  /** The problem or client error code, when not 200. */
  readonly code?: string;
  readonly capabilities?: Capabilities;
}

/**
 * What an answer after a change says: `correct` (a deleted attendee's 404 `not_found`, an updated
 * one's new capabilities), `old` (the attendee as before), `wrong` (a 404 for an updated one),
 * `error` (no answer, or one that says nothing about the attendee: 429, 5xx).
 */
export type Verdict = 'correct' | 'old' | 'wrong' | 'error';

export function verdictOf(change: AppliedChange, answer: Answer): Verdict {
  if (answer.status === 404 && answer.code === 'not_found') {
    return change.kind === 'delete' ? 'correct' : 'wrong';
  }
  if (answer.status !== 200) return 'error';
  if (change.kind === 'delete') return 'old';
  const [a, b] = [answer.capabilities, change.capabilities];
  const same = a && b && a.Audio === b.Audio && a.Video === b.Video && a.Content === b.Content;
  return same ? 'correct' : 'old';
}

/**
 * Judges every answer about a changed attendee received after its change (one answered while the
 * call was in flight could be either): counts by verdict, `stale` the old ones served more than
 * `staleAfterMs` after the change (at most 20 listed, with how late); change → first correct
 * answer at worst (`unresolved`: changes without one), and → last old answer at worst.
 *
 * @example
 * judgeChurn([{ attendeeId: 'a', kind: 'delete', sentMs: 0, changedMs: 5 }],
 *   [{ attendeeId: 'a', startedMs: 2900, answeredMs: 2910, status: 200 }], 2000).stale // 1
 */
export function judgeChurn(
  changes: readonly AppliedChange[],
  answers: readonly Answer[],
  staleAfterMs: number,
) {
  const counts = { observed: 0, correct: 0, old: 0, stale: 0, wrong: 0, errors: 0 };
  let [worstLagMs, worstOldMs, unresolved] = [0, 0, 0];
  const staleAnswers: { attendeeId: string; kind: ChangeKind; afterMs: number }[] = [];
  for (const change of changes) {
    let firstCorrectMs = Number.POSITIVE_INFINITY;
    for (const answer of answers) {
      if (answer.attendeeId !== change.attendeeId || answer.answeredMs < change.changedMs) continue;
      const afterMs = answer.answeredMs - change.changedMs;
      const verdict = verdictOf(change, answer);
      counts.observed += 1;
      counts[verdict === 'error' ? 'errors' : verdict] += 1;
      if (verdict === 'correct') firstCorrectMs = Math.min(firstCorrectMs, afterMs);
      if (verdict === 'old') worstOldMs = Math.max(worstOldMs, afterMs);
      if (verdict === 'old' && afterMs > staleAfterMs) {
        counts.stale += 1;
        if (staleAnswers.length < 20)
          staleAnswers.push({ attendeeId: change.attendeeId, kind: change.kind, afterMs });
      }
    }
    if (firstCorrectMs === Number.POSITIVE_INFINITY) unresolved += 1;
    else worstLagMs = Math.max(worstLagMs, firstCorrectMs);
  }
  return { ...counts, worstLagMs, worstOldMs, unresolved, staleAnswers };
}

/**
 * Whether a fetch counts in the main figures (ok, p99): every fetch of an attendee nobody changed,
 * and a churned attendee's started before its change was sent (later ones: {@link judgeChurn}).
 */
export function isMainFetch(
  answer: Pick<Answer, 'attendeeId' | 'startedMs'>,
  changes: ReadonlyMap<string, AppliedChange>,
): boolean {
  const change = changes.get(answer.attendeeId);
  return change === undefined || answer.startedMs < change.sentMs;
}

/** A main fetch's right answer: its join info, or a 404 for an attendee deleted while it asked. */
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

/** The backend's own calls (the churn), which are not the function's. */
export const CHURN_OPERATIONS = Object.freeze(['DeleteAttendee', 'UpdateAttendeeCapabilities']);

/**
 * The function's GetAttendee calls about an attendee after its change's own successful call (the
 * log is in arrival order): they answer questions the main figures leave out, so the calls per
 * join-info leave them out too.
 */
export function callsAfterChanges(
  calls: readonly { operation: string; attendeeId?: string; status: number | null }[],
): number {
  const changed = new Set<string>();
  let after = 0;
  for (const { operation, attendeeId, status } of calls) {
    if (attendeeId === undefined) continue;
    if (CHURN_OPERATIONS.includes(operation)) {
      if (status !== null && status < 300) changed.add(attendeeId);
    } else if (operation === 'GetAttendee' && changed.has(attendeeId)) {
      after += 1;
    }
  }
  return after;
}
