import type { CallStats, OperationStats } from '../../local/chime-emulator/call-log';
import type { ChurnLoad, LookupAdapter, LookupLoad, StormLoad } from './clients';
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
  /** The roster scenario's lookups: what it is judged on. */
  readonly lookups?: LookupResult;
}

/** The lookups' line in `storm-results.json`. */
interface LookupResult {
  /** `roster`: the client's roster resolver; `off`: one attendee GET (`?as=`) per lookup. */
  readonly adapter: LookupAdapter;
  /** Every attendee looking up every other one (n × (n − 1) a meeting). */
  readonly planned: number;
  /** Those made: all of them, or those of a seeded `sample_share` of the attendees. */
  readonly lookups: number;
  readonly sample_share: number;
  /** Lookups whose answer was the attendee looked up (before the deadline). */
  readonly found: number;
  /** Of those: the name in its owner's token, no name, another name. */
  readonly name_matched: number;
  readonly name_absent: number;
  readonly name_other: number;
  /** Over the found, due (presence, both joined) → answered. */
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  /** The function's Chime calls over the whole run (join-infos included), and ÷ `found`. */
  readonly chime_calls: number;
  readonly calls_per_lookup: number;
  /** HTTP attempts the lookups sent, by route. */
  readonly http: Readonly<Record<string, number>>;
  /** Lookups that found nothing, by why. */
  readonly failures: Readonly<Record<string, number>>;
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

const tallyBy = <T>(items: readonly T[], key: (item: T) => string): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
};

/** The lookups' figures, with `functionCalls` Chime calls in the run. */
function summarizeLookups(
  lookups: { readonly load: LookupLoad; readonly planned: number; readonly sampleShare: number },
  functionCalls: number,
): LookupResult {
  const { outcomes } = lookups.load;
  const found = outcomes.filter((outcome) => outcome.found);
  const latencies = found.map((outcome) => outcome.latencyMs).sort((a, b) => a - b);
  const names = tallyBy(found, (outcome) => outcome.name ?? 'absent');
  return {
    adapter: lookups.load.adapter,
    planned: lookups.planned,
    lookups: outcomes.length,
    sample_share: lookups.sampleShare,
    found: found.length,
    name_matched: names.matched ?? 0,
    name_absent: names.absent ?? 0,
    name_other: names.other ?? 0,
    p50_ms: round(quantile(latencies, 0.5), 1),
    p99_ms: round(quantile(latencies, 0.99), 1),
    max_ms: round(latencies.at(-1) ?? 0, 1),
    chime_calls: functionCalls,
    calls_per_lookup: found.length > 0 ? round(functionCalls / found.length, 6) : functionCalls,
    http: Object.fromEntries(lookups.load.routes),
    failures: tallyBy(
      outcomes.filter((outcome) => !outcome.found),
      (outcome) => outcome.code ?? '?',
    ),
  };
}

/**
 * The figures of one run, from the clients' outcomes, the emulator's call stats and, with churn,
 * what it did and the GetAttendee calls about changed attendees after their change; with a
 * roster's lookups, theirs (`planned`: the full set, `sampleShare`: the share made).
 */
export function summarize(
  load: StormLoad,
  chime: CallStats,
  churn?: { readonly load: ChurnLoad; readonly callsAfterChange: number },
  lookups?: { readonly load: LookupLoad; readonly planned: number; readonly sampleShare: number },
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
    ...(lookups ? { lookups: summarizeLookups(lookups, functionCalls) } : {}),
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

/** The figures a scenario is judged on: its join-infos, or a roster's lookups. */
interface JudgedFigures {
  readonly unit: 'join-info' | 'lookup';
  readonly requests: number;
  readonly ok: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly callsPerRequest: number;
}

/** What `result` is judged on in `scenario`: a roster's lookups, every other's join-infos. */
export function judgedFigures(scenario: Scenario, result: ModeResult): JudgedFigures {
  if (scenario.roster) {
    const lookups = result.lookups;
    return {
      unit: 'lookup',
      requests: lookups?.lookups ?? 0,
      ok: lookups?.found ?? 0,
      p50_ms: lookups?.p50_ms ?? 0,
      p99_ms: lookups?.p99_ms ?? 0,
      callsPerRequest: lookups?.calls_per_lookup ?? 0,
    };
  }
  return {
    unit: 'join-info',
    requests: result.requests,
    ok: result.ok,
    p50_ms: result.p50_ms,
    p99_ms: result.p99_ms,
    callsPerRequest: result.calls_per_join,
  };
}

/** The targets `result` misses under `targets` (the scenario's own by default), as sentences. */
export function missedTargets(
  scenario: Scenario,
  result: ModeResult,
  targets = scenario.targets,
): string[] {
  const missed: string[] = [];
  const judged = judgedFigures(scenario, result);
  const { unit } = judged;
  const ratio = judged.requests > 0 ? judged.ok / judged.requests : 0;
  if (ratio < targets.okRatio) {
    missed.push(
      unit === 'lookup'
        ? `${scenario.name}: found ÷ lookups ${ratio.toFixed(4)} (${judged.ok} of ${judged.requests}) < ${targets.okRatio}`
        : `${scenario.name}: ok ÷ requests ${ratio.toFixed(4)} < ${targets.okRatio}`,
    );
  }
  if (judged.p99_ms > targets.p99Ms) {
    missed.push(`${scenario.name}: ${unit} p99 ${judged.p99_ms} ms > ${targets.p99Ms} ms`);
  }
  if (judged.callsPerRequest > targets.callsPerRequest) {
    missed.push(
      `${scenario.name}: ${judged.callsPerRequest} Chime calls per ${unit} > ${targets.callsPerRequest}`,
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
