// `npm run bench`: the attendee function against an SDK-only baseline (bench/README.md).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { ATTENDEE_NODE_OPTIONS } from '../lib/bundling';
import { buildAll } from './build';
import { cpuMs, killAll, runNode } from './processes';
import { both, type Kind, type Measured, report, type WarmRun } from './report';
import type { ColdReport, WarmOptions, WarmReport } from './runner';
import type { Services } from './services';
import { type BenchSettings, parseSettings } from './settings';

const REPO = path.resolve(import.meta.dirname, '..');
const OUT = path.join(REPO, 'bench', 'dist');
const script = (name: string) => path.join(OUT, 'scripts', `${name}.mjs`);
const logFile = (name: string) => path.join(OUT, 'logs', `${name}.log`);

/** A B in even rounds, B A in odd ones: neither side always goes first. */
const order = (round: number): Kind[] =>
  round % 2 === 0 ? ['app', 'baseline'] : ['baseline', 'app'];

async function setUp(settings: BenchSettings) {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(path.join(OUT, 'logs'), { recursive: true });
  const bundles = await buildAll(settings.appRoot, OUT);
  const services = await runNode<Services>(script('services'), ['stack'], {
    env: { PATH: process.env.PATH },
    timeoutMs: 60_000,
    logFile: logFile('services'),
    service: true,
  });
  return {
    settings,
    bundles,
    services: services.report,
    stopServices: services.stop,
    // The dev stack's, plus the log level and the Node flags the stack deploys the function with.
    env: {
      PATH: process.env.PATH,
      ...services.report.env,
      LOG_LEVEL: settings.logLevel,
      NODE_OPTIONS: ATTENDEE_NODE_OPTIONS,
    },
  };
}

type Bench = Awaited<ReturnType<typeof setUp>>;

async function measureCold({ settings, bundles, env, services }: Bench) {
  const event = JSON.stringify(services.events.attendee);
  const once = async (kind: Kind | 'empty') => {
    const args = kind === 'empty' ? ['empty'] : ['cold', bundles[kind].file, event];
    const options = { env, timeoutMs: 30_000, logFile: logFile(`cold-${kind}`) };
    const run = await runNode<ColdReport>(script('runner'), args, options);
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
interface WarmCase extends Pick<WarmOptions, 'chime' | 'answer'> {
  readonly kinds: (round: number) => Kind[];
  readonly event?: keyof Services['events'];
  readonly env?: NodeJS.ProcessEnv;
  /** The Chime requests each run must show: in the emulator's log, seen by the runner, timed. */
  readonly expect: Readonly<Partial<Record<'emulator' | 'seen' | 'timed', number>>>;
}

async function measureWarm(bench: Bench, name: string, c: WarmCase) {
  const { warmup, warmIterations: iterations, warmRounds } = bench.settings;
  const calls = `${bench.services.emulatorUrl}/_emulator/calls`;
  const origin = bench.services.emulatorUrl;
  const options: WarmOptions = { warmup, iterations, origin, chime: c.chime, answer: c.answer };
  const runs = both((): WarmRun[] => []);
  for (let r = 0; r < warmRounds; r += 1) {
    for (const kind of c.kinds(r)) {
      await fetch(calls, { method: 'DELETE' });
      const event = JSON.stringify(bench.services.events[c.event ?? 'attendee']);
      const args = ['warm', bench.bundles[kind].file, event, JSON.stringify(options)];
      const run = await runNode<WarmReport>(script('runner'), args, {
        env: c.env ?? bench.env,
        timeoutMs: 180_000,
        logFile: logFile(`warm-${name}-${kind}-${r}`),
      });
      const logged = ((await (await fetch(calls)).json()) as { calls: unknown[] }).calls.length;
      const counts: Record<string, number> = { emulator: logged, ...run.report.chimeRequests };
      if (Object.entries(c.expect).some(([what, n]) => counts[what] !== n)) {
        const chime = `${JSON.stringify(counts)}, expected ${JSON.stringify(c.expect)}`;
        throw new Error(`${kind} warm (${name}): Chime requests ${chime}`);
      }
      runs[kind].push({ ...run.report, logLines: run.logLines() });
    }
  }
  return runs;
}

async function warmCases({ settings, services, env }: Bench) {
  const expected = settings.warmup + settings.warmIterations;
  const recorded = await fetch(`${services.emulatorUrl}${services.events.attendee.rawPath}`);
  const replayed = ['content-type', 'x-amzn-requestid'];
  const answer = {
    statusCode: recorded.status,
    headers: Object.fromEntries([...recorded.headers].filter(([h]) => replayed.includes(h))),
    body: await recorded.text(),
  };
  return {
    // One GetAttendee in the emulator's log per invocation.
    emulator: { kinds: order, chime: 'emulator', expect: { emulator: expected } },
    // Answered in-process with the emulator's recorded answer: every request stubbed.
    stub: { kinds: order, chime: 'stub', answer, expect: { emulator: 0, seen: expected } },
    // Join-info with the function's cache on: no Chime request in the timed loop.
    'cache-hit': {
      kinds: () => ['app'],
      chime: 'count',
      event: 'joinInfo',
      env: { ...env, ...settings.cacheEnv },
      expect: { timed: 0 },
    },
  } satisfies Record<keyof Measured['warm'], WarmCase>;
}

/** The local API in front of each bundle under autocannon, in rounds, with the host's CPU time. */
async function measureHttp({ settings, bundles, services, env }: Bench) {
  const host = (kind: Kind) =>
    runNode<{ url: string }>(script('services'), ['api', bundles[kind].file], {
      env,
      timeoutMs: 60_000,
      logFile: logFile(`http-${kind}`),
      service: true,
    });
  const hosts = { app: await host('app'), baseline: await host('baseline') };
  const { rawPath, headers } = services.events.attendee;
  const load = (kind: Kind, duration: number) =>
    autocannon({
      url: `${hosts[kind].report.url}${rawPath}`,
      connections: settings.connections,
      duration,
      headers: { authorization: String(headers.authorization) },
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

if (!process.version.startsWith('v22.')) {
  process.stderr.write(`Node 22 is required (this is ${process.version})\n`);
  process.exit(2);
}
const settings = parseSettings(process.argv.slice(2), REPO);
const began = performance.now();
const loadAtStart = os.loadavg()[0] ?? 0;
const progress = (line: string) =>
  process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(0)}s] ${line}\n`);
const watchdog = setTimeout(() => {
  progress('over 9.5 minutes: stopping');
  process.exit(3);
}, 9.5 * 60_000).unref();
// Every exit, the watchdog's and the signals' too, kills the processes still running.
process.on('exit', killAll);
process.on('SIGINT', () => process.exit(130)).on('SIGTERM', () => process.exit(130));

const { warmRounds, warmIterations, warmup, httpRounds, httpSeconds, connections } = settings;
progress(`building (app from ${settings.appRoot})`);
const bench = await setUp(settings);
progress(`cold starts: ${settings.coldRuns} each, alternating, plus an empty node process`);
const cold = await measureCold(bench);
const warm: Partial<Measured['warm']> = {};
for (const [name, c] of Object.entries(await warmCases(bench))) {
  progress(
    `warm (${name}): ${warmRounds} × ${warmIterations} invocations each after ${warmup} to warm up`,
  );
  warm[name as keyof Measured['warm']] = await measureWarm(bench, name, c);
}
progress(`HTTP: ${httpRounds} rounds × ${httpSeconds}s each, ${connections} connections`);
const http = await measureHttp(bench);
await bench.stopServices();
const measured = { bundles: bench.bundles, cold, warm: warm as Measured['warm'], http };
const { results, table, met } = report(settings, measured, { began, loadAtStart });
writeFileSync(settings.out, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(table);
clearTimeout(watchdog);
process.exitCode = met ? 0 : 1;
