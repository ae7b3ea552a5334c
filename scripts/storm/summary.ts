import { summarize as quantiles } from '../../bench/stats';
import type { CallStats, OperationStats } from '../../local/chime-emulator/call-log';
import type { ChurnLoad, LookupLoad, StormLoad } from './clients';
import { type Scenario, STALE_AFTER_MS, type Targets } from './scenarios';
import {
  type AppliedChange,
  CHURN_OPERATIONS,
  isMainFetch,
  isOkFetch,
  judgeChurn,
} from './staleness';

/** One mode's line of `storm-results.json`. */
export type ModeResult = ReturnType<typeof summarize>;
export type ChurnResult = ReturnType<typeof summarizeChurn>;

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

export const tallyBy = <T>(items: readonly T[], key: (item: T) => string) =>
  Object.fromEntries([...Map.groupBy(items, key)].map(([k, all]) => [k, all.length]));

/** Nearest rank; 0 without values (NaN there). */
const percentiles = (values: readonly number[]) => {
  const { p50, p99 } = quantiles(values);
  return { p50_ms: round(p50 || 0), p99_ms: round(p99 || 0) };
};

type Churn = { readonly load: ChurnLoad; readonly callsAfterChange: number };

interface Lookups {
  readonly load: LookupLoad;
  readonly planned: number;
  readonly sampleShare: number;
}

/**
 * A roster's lookups: planned (every attendee looking up every other one) and made (a seeded
 * `sample_share` of the viewers); found (the attendee looked up), its name against its owner's
 * token; latency due → answered; the run's Chime calls per found; HTTP attempts by route.
 */
function summarizeLookups({ load, planned, sampleShare }: Lookups, calls: number) {
  const found = load.outcomes.filter((outcome) => outcome.found);
  const names = tallyBy(found, (outcome) => outcome.name ?? 'absent');
  const latencies = found.map((outcome) => outcome.latencyMs);
  return {
    adapter: load.adapter,
    planned,
    lookups: load.outcomes.length,
    sample_share: sampleShare,
    found: found.length,
    name_matched: names.matched ?? 0,
    name_absent: names.absent ?? 0,
    name_other: names.other ?? 0,
    ...percentiles(latencies),
    max_ms: round(latencies.reduce((max, ms) => Math.max(max, ms), 0)),
    chime_calls: calls,
    calls_per_lookup: found.length > 0 ? round(calls / found.length, 6) : calls,
    http: tallyBy(load.routes, String),
    failures: tallyBy(
      load.outcomes.filter((outcome) => !outcome.found),
      (outcome) => outcome.code ?? '?',
    ),
  };
}

/**
 * The figures of one run, from the clients' outcomes, the emulator's call stats and, with churn,
 * what it did and the GetAttendee calls about changed attendees after their change; with a
 * roster's lookups, theirs (`planned`: the full set, `sampleShare`: the share made).
 */
export function summarize(load: StormLoad, chime: CallStats, churn?: Churn, lookups?: Lookups) {
  const applied = churn?.load.applied ?? [];
  const changes = new Map<string, AppliedChange>(applied.map((c) => [c.attendeeId, c]));
  const main = load.outcomes.filter((outcome) => isMainFetch(outcome, changes));
  const ok = main.filter((outcome) => isOkFetch(outcome, changes));
  const ops: Readonly<Record<string, OperationStats | undefined>> = chime.operations;
  const calls = (name: string) => ops[name]?.calls ?? 0;
  const backendCalls = CHURN_OPERATIONS.reduce((sum, name) => sum + calls(name), 0);
  const backendThrottled = CHURN_OPERATIONS.reduce((sum, op) => sum + (ops[op]?.throttled ?? 0), 0);
  const functionCalls = chime.total.calls - backendCalls - (churn?.callsAfterChange ?? 0);
  return {
    // Join-info fetches (first and reloads), less those a churned attendee started after its change.
    requests: main.length,
    // Those answered before the deadline, or a deleted attendee's 404 when deleted while asking.
    ok: ok.length,
    // Over the ok fetches, scheduled start → answer, retries included.
    ...percentiles(ok.map((outcome) => outcome.latencyMs)),
    // The function's Chime calls (throttled ones included), seeding and the backend's excluded.
    chime_calls: {
      GetAttendee: calls('GetAttendee'),
      GetMeeting: calls('GetMeeting'),
      ListAttendees: calls('ListAttendees'),
    },
    throttled: chime.total.throttled - backendThrottled,
    // The function's Chime calls ÷ `ok`, less the GetAttendee calls about changed attendees.
    calls_per_join: ok.length > 0 ? round(functionCalls / ok.length, 4) : functionCalls,
    // A roster's lookups (what it is judged on), and the churn; absent (undefined) without.
    lookups: lookups && summarizeLookups(lookups, functionCalls),
    churn: churn && summarizeChurn(load, churn, backendCalls, backendThrottled),
  };
}

/** What the churn did, and its answers after each change by verdict (staleness.ts). */
function summarizeChurn(
  load: StormLoad,
  churn: Churn,
  backendCalls: number,
  backendThrottled: number,
) {
  const { applied, failed, polls } = churn.load;
  const { staleAnswers, worstLagMs, worstOldMs, ...judged } = judgeChurn(
    applied,
    [...load.outcomes, ...polls],
    STALE_AFTER_MS,
  );
  const deleted = applied.filter((change) => change.kind === 'delete').length;
  return {
    deleted,
    updated: applied.length - deleted,
    failed: failed.length,
    polls: polls.length,
    ...judged,
    stale_after_ms: STALE_AFTER_MS,
    worst_lag_ms: round(worstLagMs),
    worst_old_ms: round(worstOldMs),
    /** The function's GetAttendee calls about changed attendees after their change. */
    chime_calls_after_change: churn.callsAfterChange,
    /** The backend's own calls (DeleteAttendee, UpdateAttendeeCapabilities), and those throttled. */
    backend_calls: backendCalls,
    backend_throttled: backendThrottled,
    stale_examples: staleAnswers.map((stale) => ({ ...stale, afterMs: round(stale.afterMs) })),
  };
}

/** What a scenario is judged on: a roster's lookups, every other's join-infos. */
export function judgedFigures(scenario: Scenario, result: ModeResult) {
  if (!scenario.roster) {
    const { requests, ok, p50_ms, p99_ms, calls_per_join } = result;
    return { unit: 'join-info', requests, ok, p50_ms, p99_ms, callsPerRequest: calls_per_join };
  }
  const l = result.lookups ?? { lookups: 0, found: 0, p50_ms: 0, p99_ms: 0, calls_per_lookup: 0 };
  const { lookups: requests, found: ok, p50_ms, p99_ms, calls_per_lookup: callsPerRequest } = l;
  return { unit: 'lookup', requests, ok, p50_ms, p99_ms, callsPerRequest };
}

/** The targets `result` misses under `targets` (the scenario's own by default), as sentences. */
export function missedTargets(
  scenario: Scenario,
  result: ModeResult,
  targets: Targets = scenario.targets,
): string[] {
  const { name } = scenario;
  const { unit, requests, ok, p99_ms, callsPerRequest } = judgedFigures(scenario, result);
  const missed: string[] = [];
  const share = requests > 0 ? ok / requests : 0;
  if (share < targets.okRatio) {
    missed.push(
      unit === 'lookup'
        ? `${name}: found ÷ lookups ${share.toFixed(4)} (${ok} of ${requests}) < ${targets.okRatio}`
        : `${name}: ok ÷ requests ${share.toFixed(4)} < ${targets.okRatio}`,
    );
  }
  if (p99_ms > targets.p99Ms)
    missed.push(`${name}: ${unit} p99 ${p99_ms} ms > ${targets.p99Ms} ms`);
  if (callsPerRequest > targets.callsPerRequest) {
    missed.push(`${name}: ${callsPerRequest} Chime calls per ${unit} > ${targets.callsPerRequest}`);
  }
  const { churn } = result;
  if (targets.staleAnswers !== undefined && churn) {
    if (churn.stale > targets.staleAnswers) {
      missed.push(
        `${name}: ${churn.stale} stale answers (old, more than ${churn.stale_after_ms} ms after the change) > ${targets.staleAnswers}`,
      );
    }
    if (churn.failed > 0) {
      missed.push(
        `${name}: ${churn.failed} churn changes failed, so their staleness was not judged`,
      );
    }
  }
  return missed;
}
