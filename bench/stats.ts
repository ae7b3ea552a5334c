/** The nearest-rank `p`-th percentile (0 < p ≤ 100) of `values`; NaN when there are none. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] ?? Number.NaN;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export const summarize = (values: readonly number[]) => ({
  p50: percentile(values, 50),
  p90: percentile(values, 90),
  p99: percentile(values, 99),
});

/** Rounds for display and for the results file, keeping `digits` decimals. */
export const round = (value: number, digits = 2): number =>
  Math.round(value * 10 ** digits) / 10 ** digits;
