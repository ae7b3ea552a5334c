import type { CallStats, OperationStats } from '../../local/chime-emulator/call-log';
import type { ChurnLoad, StormLoad } from './clients';
import { type Scenario, STALE_AFTER_MS } from './scenarios';
import {
  type AppliedChange,
  CHURN_OPERATIONS,
  isMainFetch,
  isOkFetch,
  judgeChurn,
  type StaleAnswer,
} from './staleness';

/** One mode's line of `storm-results.json`. */
export interface ModeResult {
  /**
   * Logical join-info fetches of the schedule: one per attendee plus the reloads, less those a
   * churned attendee started after its change (judged in `churn`).
   */
  readonly requests: number;
  /**
   * Those that got their join info before the deadline (window + 30 s), or a deleted attendee's
   * 404 when it was deleted while asking.
   */
  readonly ok: number;
  /** Over the successful fetches, scheduled start → answer, retries included. */
  readonly p50_ms: number;
  readonly p99_ms: number;
  /** The function's Chime calls the emulator answered (throttled ones included), seeding excluded. */
  readonly chime_calls: { GetAttendee: number; GetMeeting: number; ListAttendees: number };
  /** The function's Chime calls answered 429. */
  readonly throttled: number;
  /** The function's Chime calls ÷ `ok`, less the GetAttendee calls about changed attendees. */
  readonly calls_per_join: number;
  /** What the churn did and how fresh the answers about the changed attendees were. */
  readonly churn?: ChurnResult;
}

/** The churn's line in `storm-results.json`. */
export interface ChurnResult {
  /** DeleteAttendee and UpdateAttendeeCapabilities calls that took effect, and those that failed. */
  readonly deleted: number;
  readonly updated: number;
  readonly failed: number;
  /** The churned attendees' polls after their change (not in `requests`). */
  readonly polls: number;
  /** Answers about a changed attendee received after its change: polls and later fetches. */
  readonly observed: number;
  readonly correct: number;
  /** The attendee as before (a 200 for a deleted one, the old capabilities), at any time. */
  readonly old: number;
  /** Old answers served more than `stale_after_ms` after the change. */
  readonly stale: number;
  readonly stale_after_ms: number;
  /** 404 for an updated attendee. */
  readonly wrong: number;
  /** No answer, or 429/5xx. */
  readonly errors: number;
  /** Change → first correct answer, at worst. */
  readonly worst_lag_ms: number;
  /** Change → last old answer, at worst. */
  readonly worst_old_ms: number;
  /** Changes that got no correct answer while polled. */
  readonly unresolved: number;
  /** The function's GetAttendee calls about changed attendees after their change. */
  readonly chime_calls_after_change: number;
  /** The backend's own calls (DeleteAttendee, UpdateAttendeeCapabilities), and those throttled. */
  readonly backend_calls: number;
  readonly backend_throttled: number;
  /** Up to 20 stale answers: which attendee, which change, how late. */
  readonly stale_examples: readonly StaleAnswer[];
}

/** The value at quantile `q` (nearest rank) of ascending `sorted`; 0 when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * The figures of one run, from the clients' outcomes, the emulator's call stats and, with churn,
 * what it did and the GetAttendee calls about changed attendees after their change.
 */
export function summarize(
  load: StormLoad,
  chime: CallStats,
  churn?: { readonly load: ChurnLoad; readonly callsAfterChange: number },
): ModeResult {
  const changes = new Map<string, AppliedChange>(
    (churn?.load.applied ?? []).map((change) => [change.attendeeId, change]),
  );
  const main = load.outcomes.filter((outcome) => isMainFetch(outcome, changes));
  const ok = main.filter((outcome) => isOkFetch(outcome, changes));
  const latencies = ok.map((outcome) => outcome.latencyMs).sort((a, b) => a - b);
  const operations: Readonly<Record<string, OperationStats | undefined>> = chime.operations;
  const operation = (name: string) => operations[name];
  const calls = (name: string) => operation(name)?.calls ?? 0;
  const backendCalls = CHURN_OPERATIONS.reduce((sum, name) => sum + calls(name), 0);
  const backendThrottled = CHURN_OPERATIONS.reduce(
    (sum, name) => sum + (operation(name)?.throttled ?? 0),
    0,
  );
  const functionCalls = chime.total.calls - backendCalls - (churn?.callsAfterChange ?? 0);
  const result: ModeResult = {
    requests: main.length,
    ok: ok.length,
    p50_ms: round(quantile(latencies, 0.5), 1),
    p99_ms: round(quantile(latencies, 0.99), 1),
    chime_calls: {
      GetAttendee: calls('GetAttendee'),
      GetMeeting: calls('GetMeeting'),
      ListAttendees: calls('ListAttendees'),
    },
    throttled: chime.total.throttled - backendThrottled,
    calls_per_join: ok.length > 0 ? round(functionCalls / ok.length, 4) : functionCalls,
  };
  if (!churn) return result;
  const applied = churn.load.applied;
  const judged = judgeChurn(applied, [...load.outcomes, ...churn.load.polls], STALE_AFTER_MS);
  return {
    ...result,
    churn: {
      deleted: applied.filter((change) => change.kind === 'delete').length,
      updated: applied.filter((change) => change.kind === 'update').length,
      failed: churn.load.failed.length,
      polls: churn.load.polls.length,
      observed: judged.observed,
      correct: judged.correct,
      old: judged.old,
      stale: judged.stale,
      stale_after_ms: STALE_AFTER_MS,
      wrong: judged.wrong,
      errors: judged.errors,
      worst_lag_ms: round(judged.worstLagMs, 1),
      worst_old_ms: round(judged.worstOldMs, 1),
      unresolved: judged.unresolved,
      chime_calls_after_change: churn.callsAfterChange,
      backend_calls: backendCalls,
      backend_throttled: backendThrottled,
      stale_examples: judged.staleAnswers.map((stale) => ({
        ...stale,
        afterMs: round(stale.afterMs, 1),
      })),
    },
  };
}

/** The targets `result` misses under `targets` (the scenario's own by default), as sentences. */
export function missedTargets(
  scenario: Scenario,
  result: ModeResult,
  targets = scenario.targets,
): string[] {
  const missed: string[] = [];
  const ratio = result.requests > 0 ? result.ok / result.requests : 0;
  if (ratio < targets.okRatio) {
    missed.push(`${scenario.name}: ok ÷ requests ${ratio.toFixed(4)} < ${targets.okRatio}`);
  }
  if (result.p99_ms > targets.p99Ms) {
    missed.push(`${scenario.name}: p99 ${result.p99_ms} ms > ${targets.p99Ms} ms`);
  }
  if (result.calls_per_join > targets.callsPerJoin) {
    missed.push(
      `${scenario.name}: ${result.calls_per_join} Chime calls per join-info > ${targets.callsPerJoin}`,
    );
  }
  const { churn } = result;
  if (targets.staleAnswers !== undefined && churn) {
    if (churn.stale > targets.staleAnswers) {
      missed.push(
        `${scenario.name}: ${churn.stale} stale answers (old, more than ${churn.stale_after_ms} ms after the change) > ${targets.staleAnswers}`,
      );
    }
    if (churn.failed > 0) {
      missed.push(
        `${scenario.name}: ${churn.failed} churn changes failed, so their staleness was not judged`,
      );
    }
  }
  return missed;
}
