import type { BundleReport } from '../../bench/build';
import { type Measured, report, type WarmRun } from '../../bench/report';
import type { BenchSettings } from '../../bench/settings';

const SETTINGS: BenchSettings = {
  appRoot: '/nonexistent',
  out: '/tmp/bench-results.json',
  logLevel: 'INFO',
  cacheEnv: { CACHE_ATTENDEE_TTL_MS: '10000' },
  coldRuns: 2,
  warmIterations: 3,
  warmup: 1,
  warmRounds: 1,
  httpSeconds: 1,
  httpRounds: 3,
  httpWarmup: 0,
  connections: 1,
};

const bundle = (bytes: number): BundleReport => ({
  file: 'index.mjs',
  bytes,
  gzipBytes: bytes / 4,
  topInputs: [{ input: 'index.ts', bytes }],
  banner: false,
});
const cold = (ms: number) => [ms, ms].map(() => ({ initMs: 20, invokeMs: 10, ms, logLines: 1 }));
const warm = (us: number): WarmRun[] => [
  {
    samplesUs: [us, us, us],
    cpuUsPerInvocation: us / 2,
    chimeRequests: undefined,
    rssInitMb: 50,
    rssAfterMb: 55,
    logLines: 4,
  },
];

/** A run where every budget is met, the app's figures equal to the baseline's unless given. */
function measured(
  app: {
    cpuUs?: number[];
    baselineCpuUs?: number[];
    rps?: number[];
    cacheHitUs?: number;
    bytes?: number;
  } = {},
): Measured {
  const rounds = (cpuUs: number[], rps: number[]) =>
    cpuUs.map((cpu, i) => ({ cpuUs: cpu, rps: rps[i] as number, p99Ms: 5 }));
  return {
    bundles: { app: bundle(app.bytes ?? 1000), baseline: bundle(1000) },
    cold: { app: cold(100), baseline: cold(100), empty: cold(40) },
    warm: {
      emulator: { app: warm(400), baseline: warm(400) },
      stub: { app: warm(100), baseline: warm(100) },
      'cache-hit': { app: warm(app.cacheHitUs ?? 100), baseline: [] },
    },
    http: {
      app: {
        rounds: rounds(app.cpuUs ?? [250, 250, 250], app.rps ?? [4000, 4000, 4000]),
        logLines: 12000,
      },
      baseline: {
        rounds: rounds(app.baselineCpuUs ?? [250, 250, 250], [4000, 4000, 4000]),
        logLines: 0,
      },
    },
  };
}
const run = { began: performance.now(), loadAtStart: 0.5 };
const verdictOf = (m: Measured, key: string) =>
  report(SETTINGS, m, run).results.budgets.find((v) => v.key === key);
const tableRow = (m: Measured, label: string) =>
  report(SETTINGS, m, run)
    .table.split('\n')
    .find((line) => line.startsWith(`| ${label}`));

describe('report', () => {
  it('measures a ratio for every budget from the rows, and meets them when the app matches the baseline', () => {
    const { met, results } = report(SETTINGS, measured(), run);
    expect(results.budgets.filter((v) => !Number.isFinite(v.ratio))).toEqual([]);
    expect(met).toBe(true);
  });

  it("judges HTTP CPU per request by the median of the rounds' ratios, not the sides' medians", () => {
    // The rounds' ratios: 3, 1.05 and 1.1 (median 1.1); the sides' medians: 300 ÷ 200 = 1.5.
    const within = measured({ cpuUs: [300, 210, 330], baselineCpuUs: [100, 200, 300] });
    expect(verdictOf(within, 'http_cpu_per_request')?.ratio).toBeCloseTo(1.1);
    expect(tableRow(within, 'HTTP CPU per request')).toMatch(
      /\| 300 \| 200 \| \*\*1\.10\*\* \| ≤ 1\.25 \(stretch ≤ 1\.10\) \| pass \(stretch too\) \|$/,
    );
    // The rounds' ratios: 1.3, 1.3 and 0.83 (median 1.3); the sides' medians: 250 ÷ 200 = 1.25.
    const over = measured({ cpuUs: [130, 260, 250], baselineCpuUs: [100, 200, 300] });
    expect(verdictOf(over, 'http_cpu_per_request')).toMatchObject({ pass: false });
    expect(report(SETTINGS, over, run).met).toBe(false);
  });

  it('misses the run when one budget is missed, and says which in the table', () => {
    const { met, table } = report(SETTINGS, measured({ bytes: 1200 }), run);
    expect(met).toBe(false);
    expect(table).toContain(
      '| Bundle, bytes minified | 1,200 | 1,000 | **1.20** | ≤ 1.15 (stretch ≤ 1.00) | **FAIL** |',
    );
  });

  it('reports requests/s without judging it: a low throughput fails nothing', () => {
    const m = measured({ rps: [1000, 1200, 800] });
    expect(report(SETTINGS, m, run).met).toBe(true);
    expect(tableRow(m, 'HTTP requests/s')).toMatch(/\| 1,000 \| 4,000 \| 0\.25 \| +\| +\|$/);
  });

  it("holds the cache hit to half of the baseline's warm GetAttendee over the emulator", () => {
    expect(verdictOf(measured({ cacheHitUs: 200 }), 'cache_hit_p50')).toMatchObject({
      ratio: 0.5,
      pass: true,
    });
    expect(verdictOf(measured({ cacheHitUs: 210 }), 'cache_hit_p50')).toMatchObject({
      pass: false,
    });
  });
});
