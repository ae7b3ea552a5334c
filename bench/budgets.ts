import { median } from './stats';

/** App ÷ baseline, measured in the same run, must not exceed `limit`; `stretch` is reported. */
export const BUDGETS = Object.freeze({
  bundle_bytes: { limit: 1.15, stretch: 1.0 },
  cold_p50: { limit: 1.1, stretch: 1.05 },
  warm_p50: { limit: 1.45, stretch: 1.25 },
  warm_p99: { limit: 1.5, stretch: 1.3 },
  // Judged by roundRatio: other work on the shared machine moves requests/s far more than this.
  http_cpu_per_request: { limit: 1.25, stretch: 1.1 },
  // Issue 11: a join-info served from the container cache ÷ the baseline's warm GetAttendee.
  cache_hit_p50: { limit: 0.5, stretch: 0.5 },
});

export type BudgetKey = keyof typeof BUDGETS;

/**
 * The median of the rounds' own app ÷ baseline ratios, which cancels load other work puts on some
 * rounds only; `NaN` when the rounds differ. `roundRatio([300, 260, 250], [250, 250, 200])`: 1.2.
 */
export function roundRatio(app: readonly number[], baseline: readonly number[]): number {
  if (app.length !== baseline.length) return Number.NaN;
  return median(app.map((value, i) => value / (baseline[i] as number)));
}

const within = (ratio: number, limit: number) => Number.isFinite(ratio) && ratio <= limit;

/** Judges each budget's measured ratio against its limit and stretch goal; a missing one fails. */
export function judge(ratios: Readonly<Partial<Record<BudgetKey, number>>>) {
  return (Object.keys(BUDGETS) as BudgetKey[]).map((key) => {
    const { limit, stretch } = BUDGETS[key];
    const ratio = ratios[key] ?? Number.NaN;
    return {
      key,
      ratio,
      limit,
      stretch,
      pass: within(ratio, limit),
      stretchPass: within(ratio, stretch),
    };
  });
}
