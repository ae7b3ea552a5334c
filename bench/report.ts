// The measurements as rows (app, baseline, ratio, budget): the markdown table and bench-results.json.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { type BudgetKey, judge, roundRatio } from './budgets';
import type { BundleReport } from './build';
import type { ColdReport, WarmReport } from './runner';
import type { BenchSettings } from './settings';
import { median, round, summarize } from './stats';

export type Kind = 'app' | 'baseline';

export const both = <T>(of: (kind: Kind) => T): Record<Kind, T> => ({
  app: of('app'),
  baseline: of('baseline'),
});

export type WarmRun = WarmReport & { readonly logLines: number };
/** `cpuUs`: the host process's CPU time over the round ÷ the requests it served. */
type HttpRound = { readonly rps: number; readonly p99Ms: number; readonly cpuUs: number };

export interface Measured {
  readonly bundles: Record<Kind, BundleReport>;
  /** Each cold start's report, the parent's spawn → report time (`ms`) and the lines it logged. */
  readonly cold: Record<Kind | 'empty', (ColdReport & { ms: number; logLines: number })[]>;
  /** `cache-hit` has the app's runs only: its baseline is the baseline's `emulator` runs. */
  readonly warm: Record<'emulator' | 'stub' | 'cache-hit', Record<Kind, WarmRun[]>>;
  readonly http: Record<Kind, { readonly rounds: HttpRound[]; readonly logLines: number }>;
}

/** Label, decimals, each side's figure, budget, ratio (if not app ÷ baseline). */
type RowSpec = [string, number, (kind: Kind) => number, BudgetKey?, number?];

function rowsOf(m: Measured) {
  const cold = both((k) => summarize(m.cold[k].map((run) => run.ms)));
  const floor = median(m.cold.empty.map((run) => run.ms));
  const pooled = (runs: WarmRun[]) => summarize(runs.flatMap((run) => run.samplesUs));
  const warm = both((k) => pooled(m.warm.emulator[k]));
  const stub = both((k) => pooled(m.warm.stub[k]));
  const hit = both((k) => (k === 'app' ? pooled(m.warm['cache-hit'].app) : warm.baseline));
  /** Each side's median, over its runs, of one figure of a run. */
  const medianOf =
    <R>(runs: Record<Kind, R[]>, field: keyof R) =>
    (k: Kind) =>
      median(runs[k].map((run) => Number(run[field])));
  const rounds = both((k) => m.http[k].rounds);
  /** The median round of each side; the ratio, the median of the rounds' own ratios. */
  const byRounds = (label: string, field: keyof HttpRound, budget?: BudgetKey): RowSpec => {
    const of = (k: Kind) => rounds[k].map((r) => r[field]);
    return [label, 0, medianOf(rounds, field), budget, roundRatio(of('app'), of('baseline'))];
  };
  const specs: RowSpec[] = [
    ['Bundle, bytes minified', 0, (k) => m.bundles[k].bytes, 'bundle_bytes'],
    ['Bundle, bytes gzipped', 0, (k) => m.bundles[k].gzipBytes],
    ['Cold start p50, ms (spawn → 1st response)', 1, (k) => cold[k].p50, 'cold_p50'],
    ['Cold start p90, ms', 1, (k) => cold[k].p90],
    ['Cold above the floor (empty node process) p50, ms', 1, (k) => cold[k].p50 - floor],
    ['Cold: module init p50, ms', 1, medianOf(m.cold, 'initMs')],
    ['Cold: first invocation p50, ms', 1, medianOf(m.cold, 'invokeMs')],
    ['Warm p50, µs (emulator over loopback)', 0, (k) => warm[k].p50, 'warm_p50'],
    ['Warm p99, µs (emulator over loopback)', 0, (k) => warm[k].p99, 'warm_p99'],
    ['Warm p50, µs (stubbed http.request)', 0, (k) => stub[k].p50],
    ['Warm p99, µs (stubbed http.request)', 0, (k) => stub[k].p99],
    ['Warm CPU per invocation, µs (stubbed)', 0, medianOf(m.warm.stub, 'cpuUsPerInvocation')],
    [
      'Warm join-info p50, µs, cache hit (baseline: its GetAttendee)',
      0,
      (k) => hit[k].p50,
      'cache_hit_p50',
    ],
    byRounds('HTTP requests/s (ratio: median of rounds)', 'rps'),
    ['HTTP p99, ms', 0, medianOf(rounds, 'p99Ms')],
    byRounds(
      'HTTP CPU per request, µs (host process; ratio: median of rounds)',
      'cpuUs',
      'http_cpu_per_request',
    ),
    ['RSS after init, MB', 1, medianOf(m.warm.emulator, 'rssInitMb')],
    ['RSS after warm loop, MB', 1, medianOf(m.warm.emulator, 'rssAfterMb')],
  ];
  return specs.map(([label, digits, of, budget, ratio = of('app') / of('baseline')]) => ({
    label,
    app: of('app'),
    baseline: of('baseline'),
    digits,
    ratio,
    budget,
  }));
}

const fmt = (value: number, digits = 1) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const limit = (value: number) => `≤ ${value.toFixed(2)}`;

/** The results file, the markdown table, and whether every budget was met. */
export function report(s: BenchSettings, m: Measured, run: { began: number; loadAtStart: number }) {
  const rows = rowsOf(m);
  const verdicts = judge(Object.fromEntries(rows.map((r) => [r.budget, r.ratio])));
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    arch: process.arch,
    os: `${os.type()} ${os.release()}`,
    memory_gb: round(os.totalmem() / 2 ** 30, 1),
    // Other work on the machine during the run (1-minute load average), at the start and the end.
    load_avg: [round(run.loadAtStart), round(os.loadavg()[0] ?? 0)],
  };
  const git = ['rev-parse', '--short', 'HEAD'];
  const floor = summarize(m.cold.empty.map((r) => r.ms));
  const lines = (runs: readonly { logLines: number }[]) =>
    runs.reduce((sum, r) => sum + r.logLines, 0);
  const results = {
    node: process.version,
    machine,
    date: new Date().toISOString(),
    commit: spawnSync('git', git, { cwd: s.appRoot, encoding: 'utf8' }).stdout?.trim() || undefined,
    settings: {
      ...s,
      cacheEnv: Object.keys(s.cacheEnv),
      baselineBanner: m.bundles.baseline.banner,
    },
    figures: rows.map(({ label, app, baseline, ratio }) => ({
      label,
      app: round(app, 3),
      baseline: round(baseline, 3),
      ratio: round(ratio, 3),
    })),
    budgets: verdicts,
    cold_floor_ms: { p50: round(floor.p50), p90: round(floor.p90) },
    http_rounds: both((kind) =>
      m.http[kind].rounds.map((r) => ({
        rps: round(r.rps, 0),
        p99_ms: r.p99Ms,
        cpu_us: round(r.cpuUs, 0),
      })),
    ),
    log_lines_per_request: both((kind) => ({
      cold: lines(m.cold[kind]) / s.coldRuns,
      warm: round(lines(m.warm.emulator[kind]) / (s.warmRounds * (s.warmup + s.warmIterations)), 3),
      http_total: m.http[kind].logLines,
    })),
    top_inputs: both((kind) => m.bundles[kind].topInputs),
    duration_s: round((performance.now() - run.began) / 1000, 1),
  };
  const line = (r: (typeof rows)[number]) => {
    const v = verdicts.find((verdict) => verdict.key === r.budget);
    const result = v?.pass ? (v.stretchPass ? 'pass (stretch too)' : 'pass') : '**FAIL**';
    const judged = v
      ? `**${fmt(r.ratio, 2)}** | ${limit(v.limit)} (stretch ${limit(v.stretch)}) | ${result}`
      : `${fmt(r.ratio, 2)} | | `;
    return `| ${r.label} | ${fmt(r.app, r.digits)} | ${fmt(r.baseline, r.digits)} | ${judged} |`;
  };
  const { app, baseline } = m.bundles;
  const input = (i?: { input: string; bytes: number }) =>
    i ? `${i.input} | ${fmt(i.bytes, 0)}` : ' | ';
  const table = [
    '',
    `## Attendee function vs SDK-only baseline — ${process.version}, ${machine.cpu} × ${machine.cores}, ${machine.arch}, load ${machine.load_avg.join(' → ')}, ${results.date}`,
    '',
    `LOG_LEVEL=${s.logLevel} (the app writes one line per request, the baseline none). Cold: ${s.coldRuns} fresh processes each (an empty node process: p50 ${fmt(floor.p50)} ms, p90 ${fmt(floor.p90)} ms); warm: ${s.warmRounds * s.warmIterations} invocations each (${s.warmRounds} processes); HTTP: ${s.httpRounds} × ${s.httpSeconds}s rounds each, ${s.connections} connections, medians of rounds.`,
    '',
    '| Figure | App | Baseline | App ÷ baseline | Budget | Result |',
    '| --- | ---: | ---: | ---: | --- | --- |',
    ...rows.map(line),
    '',
    '| Largest inputs, app (bytes in output) | Bytes | Largest inputs, baseline | Bytes |',
    '| --- | ---: | --- | ---: |',
    ...app.topInputs.map((i, n) => `| ${input(i)} | ${input(baseline.topInputs[n])} |`),
    '',
    `Budgets: ${verdicts.filter((v) => v.pass).length}/${verdicts.length} met (${verdicts.filter((v) => v.stretchPass).length} stretch). Results: ${path.relative(process.cwd(), s.out)}; ${results.duration_s}s.`,
    '',
  ].join('\n');
  return { results, table, met: verdicts.every((v) => v.pass) };
}
