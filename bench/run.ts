/**
 * `npm run bench`: the attendee function against an SDK-only baseline, measured in one run on
 * Node 22, alternating the two: bundle size, cold start, warm overhead, HTTP throughput and CPU
 * per request, and memory. Prints a markdown table, writes bench-results.json at the repository
 * root and exits 1 when a budget (app ÷ baseline, bench/budgets.ts) is missed. Options: README.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { FUNCTION_SETTINGS } from '../lambda/common/config/settings';
import { ATTENDEE_NODE_OPTIONS } from '../lib/bundling';
import { buildApp, buildBaseline, buildScripts } from './build';
import type { ColdReport } from './cold-runner';
import type { InvokeTarget } from './event';
import { cpuMs, killAll, runNode, startService } from './processes';
import { type BenchSettings, both, type Kind, type Measured, report, type WarmRun } from './report';
import type { Services } from './services';
import type { WarmOptions, WarmReport } from './warm-runner';

const REPO = path.resolve(import.meta.dirname, '..');
const OUT = path.join(REPO, 'bench', 'dist');
const script = (name: string) => path.join(OUT, 'scripts', `${name}.mjs`);
/** Under load the functions' stdout goes to files: a pipe to this busy process could block them. */
const logFile = (name: string) => path.join(OUT, 'logs', `${name}.log`);

/** The function's variables that turn its container cache on (the contract's default TTLs). */
const CACHE_ON_ENV = Object.freeze({
  [FUNCTION_SETTINGS.cacheAttendeeTtlMs.env]: String(FUNCTION_SETTINGS.cacheAttendeeTtlMs.default),
  [FUNCTION_SETTINGS.cacheMeetingTtlMs.env]: String(FUNCTION_SETTINGS.cacheMeetingTtlMs.default),
});

/** The numeric settings: option, default, minimum. */
const COUNTS = {
  coldRuns: ['cold', 40, 1],
  warmIterations: ['warm', 5000, 1],
  warmup: ['warmup', 1000, 0],
  warmRounds: ['warm-rounds', 2, 1],
  httpSeconds: ['http-seconds', 5, 1],
  httpRounds: ['http-rounds', 5, 1],
  httpWarmup: ['http-warmup', 3, 0],
  connections: ['connections', 10, 1],
} as const;

function parseSettings(): BenchSettings {
  const { values } = parseArgs({
    options: {
      'app-root': { type: 'string', default: REPO },
      out: { type: 'string', default: path.join(REPO, 'bench-results.json') },
      // INFO is the stack's default: the app writes its one line per request, the baseline none.
      'log-level': { type: 'string', default: 'INFO' },
      'cache-env': { type: 'string', multiple: true, default: [] },
      ...Object.fromEntries(
        Object.values(COUNTS).map(([option, fallback]) => [
          option,
          { type: 'string', default: `${fallback}` },
        ]),
      ),
    },
  });
  const cacheEnv: Record<string, string> = { ...CACHE_ON_ENV };
  for (const pair of values['cache-env'] as string[]) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--cache-env takes NAME=VALUE, not ${pair}`);
    cacheEnv[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const numbers = Object.entries(COUNTS).map(([name, [option, , min]]) => {
    const value = Number((values as Record<string, unknown>)[option]);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${option} must be ≥ ${min}`);
    return [name, value];
  });
  return {
    appRoot: path.resolve(values['app-root'] as string),
    out: path.resolve(values.out as string),
    logLevel: values['log-level'] as string,
    cacheEnv,
    ...(Object.fromEntries(numbers) as Record<keyof typeof COUNTS, number>),
  };
}

/** A B in even rounds, B A in odd ones: neither side always goes first. */
const order = (round: number): Kind[] =>
  round % 2 === 0 ? ['app', 'baseline'] : ['baseline', 'app'];

/** What every measurement runs with: the bundles, the services, the function's target. */
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
    const run = await runNode<ColdReport>(script('cold-runner'), args, { env, timeoutMs: 30_000 });
    if (kind !== 'empty' && !run.report.ok) {
      throw new Error(`${kind} cold invocation failed: status ${run.report.status}`);
    }
    return { ...run.report, ms: run.reportAfterMs, logLines: run.stdoutLines() };
  };
  const runs: Measured['cold'] = { app: [], baseline: [], empty: [] };
  for (const kind of ['app', 'baseline', 'empty'] as const) await once(kind); // page cache
  for (let i = 0; i < settings.coldRuns; i += 1) {
    for (const kind of [...order(i), 'empty' as const]) runs[kind].push(await once(kind));
  }
  return runs;
}

/** One warm measurement: which sides, asking what, in which environment, checked how. */
interface WarmCase {
  readonly name: keyof Measured['warm'];
  readonly kinds: (round: number) => Kind[];
  readonly options: Pick<WarmOptions, 'chime' | 'answer'>;
  readonly target?: InvokeTarget;
  readonly env?: NodeJS.ProcessEnv;
  /** The Chime requests each run must show: in the emulator's log, seen by the runner, timed. */
  readonly expect: Readonly<Partial<Record<'emulator' | 'seen' | 'timed', number>>>;
}

async function measureWarm(bench: Bench, c: WarmCase): Promise<Record<Kind, WarmRun[]>> {
  const { warmup, warmIterations: iterations, warmRounds } = bench.settings;
  const origin = bench.services.emulatorUrl;
  const options: WarmOptions = { warmup, iterations, origin, ...c.options };
  const runs: Record<Kind, WarmRun[]> = { app: [], baseline: [] };
  for (let r = 0; r < warmRounds; r += 1) {
    for (const kind of c.kinds(r)) {
      await fetch(`${origin}/_emulator/calls`, { method: 'DELETE' });
      const run = await runNode<WarmReport>(
        script('warm-runner'),
        [
          bench.bundles[kind].file,
          JSON.stringify(c.target ?? bench.target),
          JSON.stringify(options),
        ],
        {
          env: c.env ?? bench.env,
          timeoutMs: 180_000,
          logFile: logFile(`warm-${c.name}-${kind}-${r}`),
        },
      );
      const { failures, firstFailure, chimeRequests: seen } = run.report;
      const log = (await (await fetch(`${origin}/_emulator/calls`)).json()) as { calls: unknown[] };
      const actual = {
        emulator: log.calls.length,
        seen: (seen?.warmup ?? 0) + (seen?.timed ?? 0),
        timed: seen?.timed,
      };
      const wrong = Object.entries(c.expect).flatMap(([what, n]) =>
        actual[what as keyof typeof actual] === n
          ? []
          : [`${actual[what as keyof typeof actual]} Chime requests (${what}), not ${n}`],
      );
      if (failures > 0)
        wrong.push(`${failures} failures, the first ${JSON.stringify(firstFailure)}`);
      if (wrong.length > 0) throw new Error(`${kind} warm (${c.name}): ${wrong.join('; ')}`);
      runs[kind].push({ ...run.report, logLines: run.stdoutLines() });
    }
  }
  return runs;
}

/**
 * The warm cases: over the emulator (one GetAttendee in its log per invocation); with Chime
 * answered in-process by the emulator's recorded answer (every request stubbed, none in its
 * log); the cache hit, join-info with the function's cache on (no Chime request timed).
 */
async function warmCases({ settings, services, target, env }: Bench): Promise<WarmCase[]> {
  const expected = settings.warmup + settings.warmIterations;
  const recorded = await fetch(
    `${services.emulatorUrl}/meetings/${target.meetingId}/attendees/${target.attendeeId}`,
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
  return [
    {
      name: 'emulator',
      kinds: order,
      options: { chime: 'emulator' },
      expect: { emulator: expected },
    },
    {
      name: 'stub',
      kinds: order,
      options: { chime: 'stub', answer },
      expect: { emulator: 0, seen: expected },
    },
    {
      name: 'cache-hit',
      kinds: () => ['app'],
      options: { chime: 'count' },
      target: { ...target, routeKey: services.joinInfoRouteKey },
      env: { ...env, ...settings.cacheEnv },
      expect: { timed: 0 },
    },
  ];
}

/**
 * The local API in front of each bundle under autocannon, in rounds, with each host process's
 * CPU time (user + system) per request served: what each side costs, which other work on the
 * machine disturbs far less than requests/s (the HTTP budget).
 */
async function measureHttp({ settings, bundles, services, env }: Bench) {
  const host = (kind: Kind) =>
    startService<{ url: string }>(script('api-host'), [bundles[kind].file], {
      env,
      timeoutMs: 60_000,
      logFile: logFile(`http-${kind}`),
    });
  const hosts = { app: await host('app'), baseline: await host('baseline') };
  const load = (kind: Kind, duration: number) =>
    autocannon({
      url: `${hosts[kind].report.url}/meetings/${services.meetingId}/attendees/${services.attendeeId}`,
      connections: settings.connections,
      duration,
      headers: { authorization: `Bearer ${services.token}` },
    });
  // Both hosts start with a cold JIT: warm each up before the first round, so that round 0 does
  // not hold whichever side goes first to its unoptimised code.
  if (settings.httpWarmup > 0) for (const kind of order(0)) await load(kind, settings.httpWarmup);
  const rounds: Record<Kind, Measured['http'][Kind]['rounds']> = { app: [], baseline: [] };
  for (let r = 0; r < settings.httpRounds; r += 1) {
    for (const kind of order(r)) {
      await load(kind, 1); // warm-up, discarded
      const cpuBefore = cpuMs(hosts[kind].pid);
      const result = await load(kind, settings.httpSeconds);
      const cpuUsed = cpuMs(hosts[kind].pid) - cpuBefore;
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(`${kind} HTTP: ${result.non2xx} non-2xx, ${result.errors} errors`);
      }
      rounds[kind].push({
        rps: result.requests.average,
        p99Ms: result.latency.p99,
        cpuUs: (cpuUsed * 1000) / result.requests.total,
      });
    }
  }
  const http = both((kind) => ({ rounds: rounds[kind], logLines: hosts[kind].stdoutLines() }));
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
  // The emulator and the identity provider, in a process of their own.
  const services = await startService<Services>(script('services'), [], {
    env: { PATH: process.env.PATH },
    timeoutMs: 60_000,
  });
  const { env: stackEnv, routeKey, meetingId, attendeeId, token } = services.report;
  const bench: Bench = {
    settings,
    bundles,
    services: services.report,
    // Exactly what local/cli/dev-stack.ts builds, plus the log level and the Node flags the stack
    // deploys the function with (both sides get them; the baseline has no use for them).
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
  for (const c of await warmCases(bench)) {
    progress(
      `warm (${c.name}): ${settings.warmRounds} × ${settings.warmIterations} invocations each after ${settings.warmup} to warm up`,
    );
    warm[c.name] = await measureWarm(bench, c);
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
const settings = parseSettings();
const began = performance.now();
const loadAtStart = os.loadavg()[0] ?? 0;
const progress = (line: string) =>
  process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(0)}s] ${line}\n`);
const watchdog = setTimeout(() => {
  progress('over 9.5 minutes: stopping');
  killAll();
  process.exit(3);
}, 9.5 * 60_000);
watchdog.unref();
process.on('exit', () => killAll());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

const measured = await main(settings, progress);
const { results, table, met } = report(settings, measured, { began, loadAtStart });
writeFileSync(settings.out, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(table);
clearTimeout(watchdog);
process.exitCode = met ? 0 : 1;
