import type { CallStats } from '../../local/chime-emulator/call-log';
import type { StormLoad } from './clients';
import type { Scenario } from './scenarios';

/** One mode's line of `storm-results.json`. */
export interface ModeResult {
  /** Logical join-info fetches the clients made: one per attendee plus the reloads. */
  readonly requests: number;
  /** Those that got their join info before the deadline (window + 30 s). */
  readonly ok: number;
  /** Over the successful fetches, scheduled start → answer, retries included. */
  readonly p50_ms: number;
  readonly p99_ms: number;
  /** Chime calls the emulator answered (throttled ones included), seeding excluded. */
  readonly chime_calls: { GetAttendee: number; GetMeeting: number; ListAttendees: number };
  /** Chime calls answered 429. */
  readonly throttled: number;
  /** Every Chime call ÷ `ok`. */
  readonly calls_per_join: number;
}

/** The value at quantile `q` (nearest rank) of ascending `sorted`; 0 when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** The figures of one run, from the clients' outcomes and the emulator's call stats. */
export function summarize(load: StormLoad, chime: CallStats): ModeResult {
  const ok = load.outcomes.filter((outcome) => outcome.ok);
  const latencies = ok.map((outcome) => outcome.latencyMs).sort((a, b) => a - b);
  const calls = (operation: 'GetAttendee' | 'GetMeeting' | 'ListAttendees') =>
    chime.operations[operation]?.calls ?? 0;
  return {
    requests: load.outcomes.length,
    ok: ok.length,
    p50_ms: round(quantile(latencies, 0.5), 1),
    p99_ms: round(quantile(latencies, 0.99), 1),
    chime_calls: {
      GetAttendee: calls('GetAttendee'),
      GetMeeting: calls('GetMeeting'),
      ListAttendees: calls('ListAttendees'),
    },
    throttled: chime.total.throttled,
    calls_per_join: ok.length > 0 ? round(chime.total.calls / ok.length, 4) : chime.total.calls,
  };
}

/** The targets `result` misses, as sentences; empty when it meets them all. */
export function missedTargets(scenario: Scenario, result: ModeResult): string[] {
  const { targets } = scenario;
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
  return missed;
}
