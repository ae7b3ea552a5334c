/**
 * `npm run bench`: the attendee function against an SDK-only baseline, measured in one run on
 * Node 22, alternating the two: bundle size, cold start, warm overhead, HTTP throughput and CPU
 * per request, and memory. Prints a markdown table, writes bench-results.json at the repository
 * root and exits 1 when a budget (app ÷ baseline, bench/budgets.ts) is missed.
 *
 * Options: --app-root <dir> (build lambda/ and lib/bundling.ts from a patched copy), --out <file>,
 * --cold <n>, --warm <n>, --warmup <n>, --warm-rounds <n>, --http-seconds <s>, --http-rounds <n>,
 * --http-warmup <s>, --connections <n>, --log-level <INFO|WARN>, --cache-env NAME=VALUE
 * (repeatable: turns the function's cache on for the cache-hit row, see bench/cache-hit.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ATTENDEE_NODE_OPTIONS } from '../lib/bundling';
import { BUDGETS, type BudgetKey, describeLimit, judge, roundRatio, type Verdict } from './budgets';
import { type BundleReport, buildApp, buildBaseline, buildScripts } from './build';
import { cacheEnv } from './cache-hit';
import type { InvokeTarget } from './event';
import { cpuMs, killAll, runToEnd, startService, startServices } from './processes';
import { median, round, summarize } from './stats';
import type { CannedAnswer } from './stub-chime';
import type { WarmOptions, WarmReport } from './warm-runner';

const REPO = path.resolve(import.meta.dirname, '..');
const OUT = path.join(REPO, 'bench', 'dist');
const DEADLINE_MS = 9.5 * 60_000;

const { values: opts } = parseArgs({
  options: {
    'app-root': { type: 'string', default: REPO },
    out: { type: 'string', default: path.join(REPO, 'bench-results.json') },
    cold: { type: 'string', default: '40' },
    warm: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '1000' },
    'warm-rounds': { type: 'string', default: '2' },
    'http-seconds': { type: 'string', default: '5' },
    'http-rounds': { type: 'string', default: '5' },
    'http-warmup': { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    'log-level': { type: 'string', default: 'INFO' },
    'cache-env': { type: 'string', multiple: true, default: [] },
  },
});
const count = (name: keyof typeof opts, min: number): number => {
  const value = Number(opts[name]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be ≥ ${min}`);
  return value;
};
const settings = {
  appRoot: path.resolve(opts['app-root'] as string),
  coldRuns: count('cold', 1),
  warmIterations: count('warm', 1),
  warmup: count('warmup', 0),
  warmRounds: count('warm-rounds', 1),
  httpSeconds: count('http-seconds', 1),
  httpRounds: count('http-rounds', 1),
  httpWarmup: count('http-warmup', 0),
  connections: count('connections', 1),
  // INFO is the stack's default: the app writes its one line per request, the baseline none.
  logLevel: opts['log-level'] as string,
  cacheEnv: cacheEnv(opts['cache-env'] as string[]),
};
const cacheOn = Object.keys(settings.cacheEnv).length > 0;

if (!process.version.startsWith('v22.')) {
  process.stderr.write(`Node 22 is required (this is ${process.version})\n`);
  process.exit(2);
}

const began = performance.now();
const loadAtStart = os.loadavg()[0] ?? 0;
const progress = (line: string) =>
  process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(0)}s] ${line}\n`);

const watchdog = setTimeout(() => {
  progress('over 9.5 minutes: stopping');
  killAll();
  process.exit(3);
}, DEADLINE_MS);
watchdog.unref();
process.on('exit', () => killAll());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

type Kind = 'app' | 'baseline';
/** A B in even rounds, B A in odd ones: neither side always goes first. */
const order = (round: number): Kind[] =>
  round % 2 === 0 ? ['app', 'baseline'] : ['baseline', 'app'];

// 1. Bundles -----------------------------------------------------------------------------------
progress(`building (app from ${settings.appRoot})`);
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const bundles: Record<Kind, BundleReport> = {
  app: await buildApp(settings.appRoot, path.join(OUT, 'app')),
  baseline: await buildBaseline(
    path.join(REPO, 'bench', 'baseline', 'index.ts'),
    path.join(OUT, 'baseline'),
  ),
};
const scriptsDir = path.join(OUT, 'scripts');
await buildScripts(
  ['cold-runner', 'warm-runner', 'services', 'api-host'].map((name) =>
    path.join(REPO, 'bench', `${name}.ts`),
  ),
  scriptsDir,
);
const script = (name: string) => path.join(scriptsDir, `${name}.mjs`);
// The functions' stdout under load goes to files: a pipe to this busy process could block them.
mkdirSync(path.join(OUT, 'logs'));
const logFile = (name: string) => path.join(OUT, 'logs', `${name}.log`);

// 2. Services: emulator and identity provider --------------------------------------------------
const services = await startServices(scriptsDir);
const {
  env: stackEnv,
  emulatorUrl,
  routeKey,
  joinInfoRouteKey,
  meetingId,
  attendeeId,
  token,
} = services.report;
/**
 * The function's environment: exactly what local/dev-stack.ts builds, plus the log level and the
 * Node flags the stack deploys the function with (both sides get them; the baseline has no use).
 */
const fnEnv: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  ...stackEnv,
  LOG_LEVEL: settings.logLevel,
  NODE_OPTIONS: ATTENDEE_NODE_OPTIONS,
};
const target: InvokeTarget = {
  routeKey,
  meetingId,
  attendeeId,
  token,
};
const emulatorCalls = async (): Promise<number> => {
  const res = await fetch(`${emulatorUrl}/_emulator/calls`);
  return ((await res.json()) as { calls: unknown[] }).calls.length;
};
const clearEmulatorCalls = async () => {
  await fetch(`${emulatorUrl}/_emulator/calls`, { method: 'DELETE' });
};

// 3. Cold starts -------------------------------------------------------------------------------
interface ColdReport {
  bootMs: number;
  importedMs?: number;
  invokedMs?: number;
  ok?: boolean;
  status?: number;
  rssMb?: number;
}
const cold = { app: [] as number[], baseline: [] as number[], empty: [] as number[] };
const coldParts: Record<Kind, { boot: number[]; init: number[]; invoke: number[]; rss: number[] }> =
  {
    app: { boot: [], init: [], invoke: [], rss: [] },
    baseline: { boot: [], init: [], invoke: [], rss: [] },
  };
const coldLogLines: Record<Kind, number> = { app: 0, baseline: 0 };
const coldOnce = async (kind: Kind | 'empty') => {
  const args =
    kind === 'empty' ? ['empty'] : ['invoke', bundles[kind].file, JSON.stringify(target)];
  const run = await runToEnd<ColdReport>(script('cold-runner'), args, fnEnv, 30_000);
  if (kind !== 'empty' && !run.report.ok) {
    throw new Error(`${kind} cold invocation failed: status ${run.report.status}`);
  }
  return run;
};
progress(`cold starts: ${settings.coldRuns} each, alternating, plus an empty node process`);
for (const kind of ['app', 'baseline', 'empty'] as const) await coldOnce(kind); // page cache
for (let i = 0; i < settings.coldRuns; i += 1) {
  for (const kind of order(i)) {
    const run = await coldOnce(kind);
    const {
      bootMs,
      importedMs = Number.NaN,
      invokedMs = Number.NaN,
      rssMb = Number.NaN,
    } = run.report;
    cold[kind].push(run.reportAfterMs);
    coldParts[kind].boot.push(bootMs);
    coldParts[kind].init.push(importedMs - bootMs);
    coldParts[kind].invoke.push(invokedMs - importedMs);
    coldParts[kind].rss.push(rssMb);
    coldLogLines[kind] += run.stdoutLines;
  }
  cold.empty.push((await coldOnce('empty')).reportAfterMs);
}

// 4. Warm invocations, over the emulator and with a stubbed request handler --------------------
const recorded = await fetch(`${emulatorUrl}/meetings/${meetingId}/attendees/${attendeeId}`);
const canned: CannedAnswer = {
  origin: emulatorUrl,
  statusCode: recorded.status,
  headers: {
    'content-type': recorded.headers.get('content-type') ?? 'application/json',
    'x-amzn-requestid': recorded.headers.get('x-amzn-requestid') ?? 'stub',
  },
  body: await recorded.text(),
};
const warm = {
  emulator: { app: [] as WarmReport[], baseline: [] as WarmReport[] },
  stub: { app: [] as WarmReport[], baseline: [] as WarmReport[] },
};
const warmLogLines: Record<Kind, number> = { app: 0, baseline: 0 };
for (const variant of ['emulator', 'stub'] as const) {
  progress(
    `warm (${variant}): ${settings.warmRounds} × ${settings.warmIterations} invocations each after ${settings.warmup} to warm up`,
  );
  for (let r = 0; r < settings.warmRounds; r += 1) {
    for (const kind of order(r)) {
      const options: WarmOptions = {
        warmup: settings.warmup,
        iterations: settings.warmIterations,
        ...(variant === 'stub' ? { stub: canned } : {}),
      };
      await clearEmulatorCalls();
      const run = await runToEnd<WarmReport>(
        script('warm-runner'),
        [bundles[kind].file, JSON.stringify(target), JSON.stringify(options)],
        fnEnv,
        180_000,
        { file: logFile(`warm-${variant}-${kind}-${r}`) },
      );
      const expected = settings.warmup + settings.warmIterations;
      const chimeCalls = await emulatorCalls();
      const served = variant === 'stub' ? run.report.stubAnswered : chimeCalls;
      if (run.report.failures > 0 || served !== expected || (variant === 'stub' && chimeCalls)) {
        throw new Error(
          `${kind} warm (${variant}): ${run.report.failures} failures, ${served}/${expected} Chime answers, ${chimeCalls} emulator calls; first failure ${JSON.stringify(run.report.firstFailure)}`,
        );
      }
      warm[variant][kind].push(run.report);
      if (variant === 'emulator') warmLogLines[kind] += run.stdoutLines / expected;
    }
  }
}

// 4b. Cache hit: warm join-info with the function's cache on, no Chime call in the timed loop ----
const cacheHit: WarmReport[] = [];
if (cacheOn) {
  progress(
    `warm join-info, cache hit: ${settings.warmRounds} × ${settings.warmIterations} invocations (${Object.keys(settings.cacheEnv).join(', ')})`,
  );
  for (let r = 0; r < settings.warmRounds; r += 1) {
    const options: WarmOptions = {
      warmup: settings.warmup,
      iterations: settings.warmIterations,
      countOrigin: emulatorUrl,
    };
    const run = await runToEnd<WarmReport>(
      script('warm-runner'),
      [
        bundles.app.file,
        JSON.stringify({ ...target, routeKey: joinInfoRouteKey }),
        JSON.stringify(options),
      ],
      { ...fnEnv, ...settings.cacheEnv },
      180_000,
      { file: logFile(`warm-cache-hit-${r}`) },
    );
    const timed = run.report.chimeRequests?.timed;
    if (run.report.failures > 0 || timed !== 0) {
      throw new Error(
        `cache hit: ${run.report.failures} failures, ${timed} Chime requests in the timed loop (a hit makes none); first failure ${JSON.stringify(run.report.firstFailure)}`,
      );
    }
    cacheHit.push(run.report);
  }
}

// 5. HTTP: the local API in front of each bundle, under autocannon ------------------------------
progress(
  `HTTP: ${settings.httpRounds} rounds × ${settings.httpSeconds}s each, ${settings.connections} connections`,
);
const host = (kind: Kind) =>
  startService<{ url: string }>(script('api-host'), [bundles[kind].file], fnEnv, 60_000, {
    file: logFile(`http-${kind}`),
  });
const hosts = { app: await host('app'), baseline: await host('baseline') };
const load = (kind: Kind, seconds: number) =>
  autocannon({
    url: `${hosts[kind].report.url}/meetings/${meetingId}/attendees/${attendeeId}`,
    connections: settings.connections,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
  });
const http = { app: [] as autocannon.Result[], baseline: [] as autocannon.Result[] };
// CPU time (user + system) of each host process per request served, per round: what each side
// costs, which other work on the machine disturbs far less than requests/s (the HTTP budget).
const httpCpu = { app: [] as number[], baseline: [] as number[] };
// Both hosts start with a cold JIT: warm each up before the first round, so that round 0 does
// not hold whichever side goes first to its unoptimised code.
if (settings.httpWarmup > 0) {
  for (const kind of order(0)) await load(kind, settings.httpWarmup);
}
for (let r = 0; r < settings.httpRounds; r += 1) {
  for (const kind of order(r)) {
    await clearEmulatorCalls();
    await load(kind, 1); // warm-up, discarded
    const cpuBefore = cpuMs(hosts[kind].child.pid);
    const result = await load(kind, settings.httpSeconds);
    const cpuUsed = cpuMs(hosts[kind].child.pid) - cpuBefore;
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`${kind} HTTP: ${result.non2xx} non-2xx, ${result.errors} errors`);
    }
    http[kind].push(result);
    httpCpu[kind].push((cpuUsed * 1000) / result.requests.total);
  }
}
const httpLogLines = {
  app: hosts.app.stdoutLines(),
  baseline: hosts.baseline.stdoutLines(),
};
await hosts.app.stop();
await hosts.baseline.stop();
await services.stop();

// 6. Figures, budgets, table, results file -----------------------------------------------------
const pooled = (reports: WarmReport[]) => summarize(reports.flatMap((r) => r.samplesUs));
const coldSummary = {
  app: summarize(cold.app),
  baseline: summarize(cold.baseline),
  empty: summarize(cold.empty),
};
const warmSummary = {
  app: pooled(warm.emulator.app),
  baseline: pooled(warm.emulator.baseline),
};
const stubSummary = { app: pooled(warm.stub.app), baseline: pooled(warm.stub.baseline) };
const cpuPerInvocation = (reports: WarmReport[]) =>
  median(reports.map((r) => r.cpuUsPerInvocation));
const stubCpu = {
  app: cpuPerInvocation(warm.stub.app),
  baseline: cpuPerInvocation(warm.stub.baseline),
};
const cacheHitSummary = cacheOn ? pooled(cacheHit) : undefined;
const rps = {
  app: median(http.app.map((r) => r.requests.average)),
  baseline: median(http.baseline.map((r) => r.requests.average)),
};
const httpRoundRatios = http.app.map(
  (r, i) => r.requests.average / (http.baseline[i]?.requests.average ?? Number.NaN),
);
// A figure, not a budget: CPU per request is judged instead.
const rpsRatio = median(httpRoundRatios);
const httpCpuPerRequest = { app: median(httpCpu.app), baseline: median(httpCpu.baseline) };
const httpCpuRatio = roundRatio(httpCpu.app, httpCpu.baseline);
const httpP99 = {
  app: median(http.app.map((r) => r.latency.p99)),
  baseline: median(http.baseline.map((r) => r.latency.p99)),
};
const rss = (kind: Kind, field: 'rssInitMb' | 'rssAfterMb') =>
  median(warm.emulator[kind].map((r) => r[field]));

const ratios: Partial<Record<BudgetKey, number>> = {
  bundle_bytes: bundles.app.bytes / bundles.baseline.bytes,
  cold_p50: coldSummary.app.p50 / coldSummary.baseline.p50,
  warm_p50: warmSummary.app.p50 / warmSummary.baseline.p50,
  warm_p99: warmSummary.app.p99 / warmSummary.baseline.p99,
  http_cpu_per_request: httpCpuRatio,
  // Against the baseline's warm GetAttendee over the emulator: the call the hit saves.
  ...(cacheHitSummary ? { cache_hit_p50: cacheHitSummary.p50 / warmSummary.baseline.p50 } : {}),
};
const verdicts = judge(ratios, { cacheOn });

const git = (...args: string[]) => {
  try {
    return execFileSync('git', args, { cwd: settings.appRoot, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
};
const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model ?? 'unknown',
  cores: cpus.length,
  arch: process.arch,
  os: `${os.type()} ${os.release()}`,
  memory_gb: round(os.totalmem() / 2 ** 30, 1),
  // Other work on the machine during the run (1-minute load average), at the start and the end.
  load_avg: [round(loadAtStart), round(os.loadavg()[0] ?? 0)],
};
const parts = (kind: Kind) => ({
  node_boot_p50: round(median(coldParts[kind].boot)),
  init_p50: round(median(coldParts[kind].init)),
  first_invoke_p50: round(median(coldParts[kind].invoke)),
  rss_mb_p50: round(median(coldParts[kind].rss), 1),
});
const topOf = (report: BundleReport) => ({
  inputs: report.topInputs,
  packages: report.topPackages,
});
const results = {
  node: process.version,
  machine,
  date: new Date().toISOString(),
  commit: git('rev-parse', '--short', 'HEAD'),
  app_root: settings.appRoot,
  settings: {
    log_level: settings.logLevel,
    cold_runs: settings.coldRuns,
    warm_iterations_per_round: settings.warmIterations,
    warm_rounds: settings.warmRounds,
    warmup: settings.warmup,
    http_seconds: settings.httpSeconds,
    http_rounds: settings.httpRounds,
    connections: settings.connections,
    baseline_banner: bundles.baseline.banner,
    http_warmup_s: settings.httpWarmup,
    cache_env: Object.keys(settings.cacheEnv),
  },
  bundle_bytes: {
    app: bundles.app.bytes,
    baseline: bundles.baseline.bytes,
    app_gzip: bundles.app.gzipBytes,
    baseline_gzip: bundles.baseline.gzipBytes,
  },
  cold_ms: {
    app_p50: round(coldSummary.app.p50),
    app_p90: round(coldSummary.app.p90),
    baseline_p50: round(coldSummary.baseline.p50),
    baseline_p90: round(coldSummary.baseline.p90),
    empty_p50: round(coldSummary.empty.p50),
    empty_p90: round(coldSummary.empty.p90),
    runs: settings.coldRuns,
  },
  cold_parts_ms: { app: parts('app'), baseline: parts('baseline') },
  warm_us: {
    app_p50: round(warmSummary.app.p50, 1),
    app_p99: round(warmSummary.app.p99, 1),
    baseline_p50: round(warmSummary.baseline.p50, 1),
    baseline_p99: round(warmSummary.baseline.p99, 1),
    samples: warmSummary.app.n,
  },
  warm_stub_us: {
    app_p50: round(stubSummary.app.p50, 1),
    app_p99: round(stubSummary.app.p99, 1),
    baseline_p50: round(stubSummary.baseline.p50, 1),
    baseline_p99: round(stubSummary.baseline.p99, 1),
    samples: stubSummary.app.n,
    app_cpu_per_invocation: round(stubCpu.app, 1),
    baseline_cpu_per_invocation: round(stubCpu.baseline, 1),
  },
  cache_hit_us: cacheHitSummary
    ? {
        app_join_info_p50: round(cacheHitSummary.p50, 1),
        app_join_info_p99: round(cacheHitSummary.p99, 1),
        baseline_get_attendee_p50: round(warmSummary.baseline.p50, 1),
        samples: cacheHitSummary.n,
        chime_requests_in_warmup: cacheHit.map((r) => r.chimeRequests?.warmup ?? 0),
      }
    : 'pending: the function cache is off (bench/cache-hit.ts)',
  http_rps: { app: round(rps.app, 0), baseline: round(rps.baseline, 0), ratio: round(rpsRatio, 3) },
  http_p99_ms: { app: httpP99.app, baseline: httpP99.baseline },
  http_cpu_us_per_request: {
    app: round(httpCpuPerRequest.app, 0),
    baseline: round(httpCpuPerRequest.baseline, 0),
    ratio: round(httpCpuRatio, 3),
    rounds_app: httpCpu.app.map((v) => round(v, 0)),
    rounds_baseline: httpCpu.baseline.map((v) => round(v, 0)),
  },
  http_rounds_rps: {
    app: http.app.map((r) => round(r.requests.average, 0)),
    baseline: http.baseline.map((r) => round(r.requests.average, 0)),
    ratios: httpRoundRatios.map((ratio) => round(ratio, 3)),
  },
  rss_mb: {
    app_init: round(rss('app', 'rssInitMb'), 1),
    app_after: round(rss('app', 'rssAfterMb'), 1),
    baseline_init: round(rss('baseline', 'rssInitMb'), 1),
    baseline_after: round(rss('baseline', 'rssAfterMb'), 1),
  },
  log_lines_per_request: {
    app_cold: coldLogLines.app / settings.coldRuns,
    baseline_cold: coldLogLines.baseline / settings.coldRuns,
    app_warm: round(warmLogLines.app / settings.warmRounds, 3),
    baseline_warm: round(warmLogLines.baseline / settings.warmRounds, 3),
    app_http_lines: httpLogLines.app,
    baseline_http_lines: httpLogLines.baseline,
  },
  ratios: Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, round(v, 3)])),
  budgets: verdicts,
  top_inputs: { app: topOf(bundles.app), baseline: topOf(bundles.baseline) },
  duration_s: round((performance.now() - began) / 1000, 1),
};
writeFileSync(opts.out as string, `${JSON.stringify(results, null, 2)}\n`);

// The table ------------------------------------------------------------------------------------
const fmt = (value: number, digits = 1) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const verdictOf = (key: BudgetKey): Verdict | undefined => verdicts.find((v) => v.key === key);
const budgetCells = (key: BudgetKey | undefined, ratio: number) => {
  if (!key) return `${fmt(ratio, 2)} | | `;
  const verdict = verdictOf(key);
  const budget = BUDGETS.find((b) => b.key === key) as (typeof BUDGETS)[number];
  if (!verdict) return `— | ${describeLimit(budget.limit)} | pending (cache off)`;
  const mark = verdict.pass ? (verdict.stretchPass ? 'pass (stretch too)' : 'pass') : '**FAIL**';
  return `**${fmt(ratio, 2)}** | ${describeLimit(budget.limit)} (stretch ${describeLimit(budget.stretch)}) | ${mark}`;
};
const row = (
  label: string,
  app: number,
  base: number,
  digits: number,
  key?: BudgetKey,
  ratio = app / base,
) => `| ${label} | ${fmt(app, digits)} | ${fmt(base, digits)} | ${budgetCells(key, ratio)} |`;
const lines = [
  '',
  `## Attendee function vs SDK-only baseline — ${process.version}, ${machine.cpu} × ${machine.cores}, ${machine.arch}, load ${machine.load_avg.join(' → ')}, ${results.date}`,
  '',
  `LOG_LEVEL=${settings.logLevel} (the app writes one line per request, the baseline none). Cold: ${settings.coldRuns} fresh processes each; warm: ${warmSummary.app.n} invocations each (${settings.warmRounds} processes); HTTP: ${settings.httpRounds} × ${settings.httpSeconds}s rounds each, ${settings.connections} connections, medians of rounds.`,
  '',
  '| Figure | App | Baseline | App ÷ baseline | Budget | Result |',
  '| --- | ---: | ---: | ---: | --- | --- |',
  row('Bundle, bytes minified', bundles.app.bytes, bundles.baseline.bytes, 0, 'bundle_bytes'),
  row('Bundle, bytes gzipped', bundles.app.gzipBytes, bundles.baseline.gzipBytes, 0),
  row(
    'Cold start p50, ms (spawn → 1st response)',
    coldSummary.app.p50,
    coldSummary.baseline.p50,
    1,
    'cold_p50',
  ),
  row('Cold start p90, ms', coldSummary.app.p90, coldSummary.baseline.p90, 1),
  `| Empty node process p50 / p90, ms (floor) | ${fmt(coldSummary.empty.p50)} / ${fmt(coldSummary.empty.p90)} | | | | |`,
  row(
    'Cold above the floor p50, ms',
    coldSummary.app.p50 - coldSummary.empty.p50,
    coldSummary.baseline.p50 - coldSummary.empty.p50,
    1,
  ),
  row('Cold: module init p50, ms', median(coldParts.app.init), median(coldParts.baseline.init), 1),
  row(
    'Cold: first invocation p50, ms',
    median(coldParts.app.invoke),
    median(coldParts.baseline.invoke),
    1,
  ),
  row(
    'Warm p50, µs (emulator over loopback)',
    warmSummary.app.p50,
    warmSummary.baseline.p50,
    0,
    'warm_p50',
  ),
  row(
    'Warm p99, µs (emulator over loopback)',
    warmSummary.app.p99,
    warmSummary.baseline.p99,
    0,
    'warm_p99',
  ),
  row('Warm p50, µs (stubbed http.request)', stubSummary.app.p50, stubSummary.baseline.p50, 0),
  row('Warm p99, µs (stubbed http.request)', stubSummary.app.p99, stubSummary.baseline.p99, 0),
  row('Warm CPU per invocation, µs (stubbed)', stubCpu.app, stubCpu.baseline, 0),
  cacheHitSummary
    ? row(
        'Warm join-info p50, µs, cache hit (baseline: its GetAttendee)',
        cacheHitSummary.p50,
        warmSummary.baseline.p50,
        0,
        'cache_hit_p50',
      )
    : `| Warm join-info p50, µs, cache hit (baseline: its GetAttendee) | | ${fmt(warmSummary.baseline.p50, 0)} | ${budgetCells('cache_hit_p50', Number.NaN)} |`,
  row('HTTP requests/s (ratio: median of rounds)', rps.app, rps.baseline, 0, undefined, rpsRatio),
  row('HTTP p99, ms', httpP99.app, httpP99.baseline, 0),
  row(
    'HTTP CPU per request, µs (host process; ratio: median of rounds)',
    httpCpuPerRequest.app,
    httpCpuPerRequest.baseline,
    0,
    'http_cpu_per_request',
    httpCpuRatio,
  ),
  row('RSS after init, MB', rss('app', 'rssInitMb'), rss('baseline', 'rssInitMb'), 1),
  row('RSS after warm loop, MB', rss('app', 'rssAfterMb'), rss('baseline', 'rssAfterMb'), 1),
  '',
  '| Largest inputs, app (bytes in output) | Bytes | Largest inputs, baseline | Bytes |',
  '| --- | ---: | --- | ---: |',
  ...bundles.app.topInputs.map((input, i) => {
    const other = bundles.baseline.topInputs[i];
    return `| ${input.input} | ${fmt(input.bytes, 0)} | ${other?.input ?? ''} | ${other ? fmt(other.bytes, 0) : ''} |`;
  }),
  '',
  `Budgets: ${verdicts.filter((v) => v.pass).length}/${verdicts.length} met (${verdicts.filter((v) => v.stretchPass).length} stretch). Results: ${path.relative(process.cwd(), opts.out as string)}; ${results.duration_s}s.`,
  '',
];
process.stdout.write(lines.join('\n'));
clearTimeout(watchdog);
process.exitCode = verdicts.every((v) => v.pass) ? 0 : 1;
