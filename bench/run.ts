/**
 * `npm run bench`: the attendee function against an SDK-only baseline, measured in one run on
 * Node 22, alternating the two (what and how: bench/README.md). Prints a markdown table, writes
 * bench-results.json and exits 1 when a budget (app ÷ baseline, bench/budgets.ts) is missed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { ATTENDEE_NODE_OPTIONS } from '../lib/bundling';
import { buildApp, buildBaseline, buildScripts } from './build';
import type { ColdReport } from './cold-runner';
import type { InvokeTarget } from './event';
import { cpuMs, killAll, runNode, startService } from './processes';
import { both, type Kind, type Measured, report, type WarmRun } from './report';
import type { Services } from './services';
import { type BenchSettings, parseSettings } from './settings';
import type { WarmOptions, WarmReport } from './warm-runner';

const REPO = path.resolve(import.meta.dirname, '..');
const OUT = path.join(REPO, 'bench', 'dist');
const script = (name: string) => path.join(OUT, 'scripts', `${name}.mjs`);
const logFile = (name: string) => path.join(OUT, 'logs', `${name}.log`);

/** A B in even rounds, B A in odd ones: neither side always goes first. */
const order = (round: number): Kind[] =>
  round % 2 === 0 ? ['app', 'baseline'] : ['baseline', 'app'];

interface Bench {
  readonly settings: BenchSettings;
  readonly bundles: Measured['bundles'];
  readonly services: Services;
  /** The function's environment (both sides get the same). */
  readonly env: NodeJS.ProcessEnv;
  readonly target: InvokeTarget;
}

async function measureCold({ settings, bundles, env, target }: Bench) {
  const once = async (kind: Kind | 'empty') => {
    const args =
      kind === 'empty' ? ['empty'] : ['invoke', bundles[kind].file, JSON.stringify(target)];
    const options = { env, timeoutMs: 30_000, logFile: logFile(`cold-${kind}`) };
    const run = await runNode<ColdReport>(script('cold-runner'), args, options);
    if (kind !== 'empty' && !run.report.ok) {
      throw new Error(`${kind} cold invocation failed: status ${run.report.status}`);
    }
    return { ...run.report, ms: run.reportAfterMs, logLines: run.logLines() };
  };
  const runs: Measured['cold'] = { app: [], baseline: [], empty: [] };
  for (const kind of ['app', 'baseline', 'empty'] as const) await once(kind); // page cache
  for (let i = 0; i < settings.coldRuns; i += 1) {
    for (const kind of [...order(i), 'empty' as const]) runs[kind].push(await once(kind));
  }
  return runs;
}

/** One warm measurement: which sides, with Chime how, asking what, in which environment. */
interface WarmCase {
  readonly kinds: (round: number) => Kind[];
  readonly options: Pick<WarmOptions, 'chime' | 'answer'>;
  readonly target?: InvokeTarget;
  readonly env?: NodeJS.ProcessEnv;
  /** The Chime requests each run must show: in the emulator's log, seen by the runner, timed. */
  readonly expect: Readonly<Partial<Record<'emulator' | 'seen' | 'timed', number>>>;
}

async function measureWarm(bench: Bench, name: string, c: WarmCase) {
  const { warmup, warmIterations: iterations, warmRounds } = bench.settings;
  const calls = `${bench.services.emulatorUrl}/_emulator/calls`;
  const options = { warmup, iterations, origin: bench.services.emulatorUrl, ...c.options };
  const runs: Record<Kind, WarmRun[]> = { app: [], baseline: [] };
  for (let r = 0; r < warmRounds; r += 1) {
    for (const kind of c.kinds(r)) {
      await fetch(calls, { method: 'DELETE' });
      const args = [bench.bundles[kind].file, JSON.stringify(c.target ?? bench.target)];
      const run = await runNode<WarmReport>(
        script('warm-runner'),
        [...args, JSON.stringify(options)],
        {
          env: c.env ?? bench.env,
          timeoutMs: 180_000,
          logFile: logFile(`warm-${name}-${kind}-${r}`),
        },
      );
      const { failures, firstFailure, chimeRequests: seen } = run.report;
      const counts: Record<string, number | undefined> = {
        emulator: ((await (await fetch(calls)).json()) as { calls: unknown[] }).calls.length,
        seen: (seen?.warmup ?? 0) + (seen?.timed ?? 0),
        timed: seen?.timed,
      };
      if (failures > 0 || Object.entries(c.expect).some(([what, n]) => counts[what] !== n)) {
        const chime = `Chime requests ${JSON.stringify(counts)}, expected ${JSON.stringify(c.expect)}`;
        const first = JSON.stringify(firstFailure);
        throw new Error(
          `${kind} warm (${name}): ${chime}; ${failures} failures, the first ${first}`,
        );
      }
      runs[kind].push({ ...run.report, logLines: run.logLines() });
    }
  }
  return runs;
}

async function warmCases({ settings, services, target, env }: Bench) {
  const expected = settings.warmup + settings.warmIterations;
  const { meetingId, attendeeId } = target;
  const recorded = await fetch(
    `${services.emulatorUrl}/meetings/${meetingId}/attendees/${attendeeId}`,
  );
  const header = (name: string, fallback: string) => recorded.headers.get(name) ?? fallback;
  const answer = {
    statusCode: recorded.status,
    headers: {
      'content-type': header('content-type', 'application/json'),
      'x-amzn-requestid': header('x-amzn-requestid', 'stub'),
    },
    body: await recorded.text(),
  };
  const cases: Record<keyof Measured['warm'], WarmCase> = {
    // One GetAttendee in the emulator's log per invocation.
    emulator: { kinds: order, options: { chime: 'emulator' }, expect: { emulator: expected } },
    // Answered in-process with the emulator's recorded answer: every request stubbed.
    stub: {
      kinds: order,
      options: { chime: 'stub', answer },
      expect: { emulator: 0, seen: expected },
    },
    // Join-info with the function's cache on: no Chime request in the timed loop.
    'cache-hit': {
      kinds: () => ['app'],
      options: { chime: 'count' },
      target: { ...target, routeKey: services.joinInfoRouteKey },
      env: { ...env, ...settings.cacheEnv },
      expect: { timed: 0 },
    },
  };
  return cases;
}

/** The local API in front of each bundle under autocannon, in rounds, with the host's CPU time. */
async function measureHttp({ settings, bundles, services, env }: Bench) {
  const host = (kind: Kind) =>
    startService<{ url: string }>(script('api-host'), [bundles[kind].file], {
      env,
      timeoutMs: 60_000,
      logFile: logFile(`http-${kind}`),
    });
  const hosts = { app: await host('app'), baseline: await host('baseline') };
  const route = `/meetings/${services.meetingId}/attendees/${services.attendeeId}`;
  const load = (kind: Kind, duration: number) =>
    autocannon({
      url: `${hosts[kind].report.url}${route}`,
      connections: settings.connections,
      duration,
      headers: { authorization: `Bearer ${services.token}` },
    });
  // Both hosts start with a cold JIT: without this, round 0 would hold whichever goes first to it.
  if (settings.httpWarmup > 0) for (const kind of order(0)) await load(kind, settings.httpWarmup);
  const rounds = both((): Measured['http'][Kind]['rounds'] => []);
  for (let r = 0; r < settings.httpRounds; r += 1) {
    for (const kind of order(r)) {
      await load(kind, 1); // warm-up, discarded
      const cpuBefore = cpuMs(hosts[kind].pid);
      const result = await load(kind, settings.httpSeconds);
      const cpuUs = ((cpuMs(hosts[kind].pid) - cpuBefore) * 1000) / result.requests.total;
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(`${kind} HTTP: ${result.non2xx} non-2xx, ${result.errors} errors`);
      }
      rounds[kind].push({ rps: result.requests.average, p99Ms: result.latency.p99, cpuUs });
    }
  }
  const http = both((kind) => ({ rounds: rounds[kind], logLines: hosts[kind].logLines() }));
  await Promise.all([hosts.app.stop(), hosts.baseline.stop()]);
  return http;
}

async function main(settings: BenchSettings, progress: (line: string) => void): Promise<Measured> {
  progress(`building (app from ${settings.appRoot})`);
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(path.join(OUT, 'logs'), { recursive: true });
  const bundles = {
    app: await buildApp(settings.appRoot, path.join(OUT, 'app')),
    baseline: await buildBaseline(
      path.join(REPO, 'bench', 'baseline', 'index.ts'),
      path.join(OUT, 'baseline'),
    ),
  };
  const entries = ['cold-runner', 'warm-runner', 'services', 'api-host'];
  await buildScripts(
    entries.map((name) => path.join(REPO, 'bench', `${name}.ts`)),
    path.join(OUT, 'scripts'),
  );
  const services = await startService<Services>(script('services'), [], {
    env: { PATH: process.env.PATH },
    timeoutMs: 60_000,
    logFile: logFile('services'),
  });
  const { env: stackEnv, routeKey, meetingId, attendeeId, token } = services.report;
  const bench: Bench = {
    settings,
    bundles,
    services: services.report,
    // The dev stack's, plus the log level and the Node flags the stack deploys the function with.
    env: {
      PATH: process.env.PATH,
      ...stackEnv,
      LOG_LEVEL: settings.logLevel,
      NODE_OPTIONS: ATTENDEE_NODE_OPTIONS,
    },
    target: { routeKey, meetingId, attendeeId, token },
  };
  progress(`cold starts: ${settings.coldRuns} each, alternating, plus an empty node process`);
  const cold = await measureCold(bench);
  const warm: Partial<Measured['warm']> = {};
  for (const [name, c] of Object.entries(await warmCases(bench))) {
    progress(
      `warm (${name}): ${settings.warmRounds} × ${settings.warmIterations} invocations each after ${settings.warmup} to warm up`,
    );
    warm[name as keyof Measured['warm']] = await measureWarm(bench, name, c);
  }
  progress(
    `HTTP: ${settings.httpRounds} rounds × ${settings.httpSeconds}s each, ${settings.connections} connections`,
  );
  const http = await measureHttp(bench);
  await services.stop();
  return { bundles, cold, warm: warm as Measured['warm'], http };
}

if (!process.version.startsWith('v22.')) {
  process.stderr.write(`Node 22 is required (this is ${process.version})\n`);
  process.exit(2);
}
const settings = parseSettings(process.argv.slice(2), REPO);
const began = performance.now();
const loadAtStart = os.loadavg()[0] ?? 0;
const progress = (line: string) =>
  process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(0)}s] ${line}\n`);
const stop = (code: number) => {
  killAll();
  process.exit(code);
};
const watchdog = setTimeout(() => {
  progress('over 9.5 minutes: stopping');
  stop(3);
}, 9.5 * 60_000).unref();
process.on('exit', killAll);
process.on('SIGINT', () => stop(130)).on('SIGTERM', () => stop(130));

const measured = await main(settings, progress);
const { results, table, met } = report(settings, measured, { began, loadAtStart });
writeFileSync(settings.out, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(table);
clearTimeout(watchdog);
process.exitCode = met ? 0 : 1;
