import { median } from './stats';

/**
 * The budgets of the attendee function against the SDK-only baseline, as ratios measured in the
 * same run (app ÷ baseline): each ratio must not exceed its limit. What the bench only reports
 * (HTTP requests/s, p99, RSS…) has no entry here.
 */
export const BUDGETS = Object.freeze([
  { key: 'bundle_bytes', label: 'bundle bytes (minified)', limit: 1.15, stretch: 1.0 },
  { key: 'cold_p50', label: 'cold start p50', limit: 1.1, stretch: 1.05 },
  { key: 'warm_p50', label: 'warm p50 (emulator)', limit: 1.45, stretch: 1.25 },
  { key: 'warm_p99', label: 'warm p99 (emulator)', limit: 1.5, stretch: 1.3 },
  // The host process's CPU time per request served under HTTP load, judged by the median of the
  // rounds' own ratios (roundRatio). Other work on the shared machine moves requests/s far more
  // than it moves CPU per request, and requests/s follows it: the host is the bottleneck.
  {
    key: 'http_cpu_per_request',
    label: 'HTTP CPU per request (host process)',
    limit: 1.25,
    stretch: 1.1,
  },
  // Issue 11: warm join-info served from the container cache (no Chime call) ÷ the baseline's
  // warm GetAttendee over the emulator. Judged only with the cache on (bench/cache-hit.ts).
  {
    key: 'cache_hit_p50',
    label: 'warm join-info p50, cache hit',
    limit: 0.5,
    stretch: 0.5,
    needsCache: true,
  },
] as const);

export type BudgetKey = (typeof BUDGETS)[number]['key'];
type Budget = (typeof BUDGETS)[number];

export interface Verdict {
  readonly key: BudgetKey;
  readonly ratio: number;
  readonly limit: number;
  readonly stretch: number;
  readonly pass: boolean;
  readonly stretchPass: boolean;
}

const within = (ratio: number, limit: number) => Number.isFinite(ratio) && ratio <= limit;

const needsCache = (budget: Budget): boolean => 'needsCache' in budget && budget.needsCache;

/**
 * The median of the rounds' own app ÷ baseline ratios, round `i` of `app` against round `i` of
 * `baseline`. Each round runs both sides back to back, so this cancels load that other work on
 * the machine puts on some rounds and not others. `NaN` when a round has no counterpart.
 *
 * @example
 * roundRatio([300, 260, 250], [250, 250, 200]) // 1.2: the ratios are 1.2, 1.04, 1.25
 */
export function roundRatio(app: readonly number[], baseline: readonly number[]): number {
  if (app.length !== baseline.length) return Number.NaN;
  return median(app.map((value, i) => value / (baseline[i] as number)));
}

/**
 * Judges each measured ratio against its budget and stretch goal; a missing ratio fails. A
 * budget that needs the function's cache is left out (pending) unless `cacheOn`.
 */
export function judge(
  ratios: Readonly<Partial<Record<BudgetKey, number>>>,
  { cacheOn = false }: { readonly cacheOn?: boolean } = {},
): Verdict[] {
  return BUDGETS.filter((budget) => cacheOn || !needsCache(budget)).map(
    ({ key, limit, stretch }) => ({
      key,
      ratio: ratios[key] ?? Number.NaN,
      limit,
      stretch,
      pass: within(ratios[key] ?? Number.NaN, limit),
      stretchPass: within(ratios[key] ?? Number.NaN, stretch),
    }),
  );
}

/** `≤ 1.15`, as the table shows a budget. */
export const describeLimit = (value: number): string => `≤ ${value.toFixed(2)}`;
