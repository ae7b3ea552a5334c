/** Percentiles of a sample by the nearest-rank method (no interpolation). */
export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** The nearest-rank `p`-th percentile (0 < p ≤ 100) of `values`; NaN when there are none. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export function summarize(values: readonly number[]): Summary {
  const [p50, p90, p99] = [50, 90, 99].map((p) => percentile(values, p)) as [
    number,
    number,
    number,
  ];
  return { n: values.length, p50, p90, p99 };
}

/** Rounds for display and for the results file, keeping `digits` decimals. */
export const round = (value: number, digits = 2): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};
