/**
 * Join storms (`npm run storm -- --help`; not part of `npm test`): the scenarios of
 * scripts/storm/scenarios.ts against the Chime emulator with Chime's rates on, K API processes
 * (Lambda containers) sharing one cache table (none with `--no-shared-cache`), behind the local
 * HTTP API gateway; each in "app" (the caches, `--set` settings) and "baseline" mode (every cache
 * off; in the roster, the client's adapter off). Prints a table, writes `storm-results.json`,
 * exits 1 when "app" misses a target. How it measures: docs/measurements.md.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { killAll } from '../bench/processes';
import type { PoolStats } from './storm/container-pool';
import {
  NO_SHARED_CACHE,
  SCENARIO_NAMES,
  SCENARIOS,
  type ScenarioName,
  type Targets,
} from './storm/scenarios';
import { log, MODES, type Mode, type RunReport, runScenario, startBench } from './storm/storm-run';
import { judgedFigures, type ModeResult, missedTargets } from './storm/summary';

const USAGE =
  'usage: npm run storm -- [--scenario meeting|event|roster|all] [--containers 1-32] [--mode app|baseline|both] [--set NAME=value]… [--lead 0-600] [--no-churn] [--no-shared-cache]';
const RESULTS_FILE = 'storm-results.json';

function options() {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string' },
      containers: { type: 'string' },
      mode: { type: 'string' },
      set: { type: 'string', multiple: true, default: [] },
      // An event's backend creates its attendees ahead; the prefetch works in this lead.
      lead: { type: 'string', default: '30' },
      'no-churn': { type: 'boolean', default: false },
      'no-shared-cache': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const fail = (message: string): never => {
    throw new Error(`${message}\n${USAGE}`);
  };
  const lead = Number(values.lead);
  if (!Number.isInteger(lead) || lead < 0 || lead > 600)
    fail('--lead must be an integer 0-600 (seconds)');
  const sharedCache = !values['no-shared-cache'];
  const containers = Number(values.containers ?? (sharedCache ? 8 : NO_SHARED_CACHE.containers));
  if (!Number.isInteger(containers) || containers < 1 || containers > 32)
    fail('--containers must be an integer 1-32');
  const scenario = values.scenario ?? (sharedCache ? 'all' : NO_SHARED_CACHE.scenario);
  if (!sharedCache && scenario !== NO_SHARED_CACHE.scenario) {
    fail(`--no-shared-cache runs the ${NO_SHARED_CACHE.scenario} scenario`);
  }
  const names = SCENARIO_NAMES.filter((name) => scenario === 'all' || scenario === name);
  if (names.length === 0) fail('--scenario must be meeting, event, roster or all');
  // Without the table the baseline is the same as with it: only the app runs unless asked.
  const mode = values.mode ?? (sharedCache ? 'both' : 'app');
  const modes = MODES.filter((name) => mode === 'both' || mode === name);
  if (modes.length === 0) fail('--mode must be app, baseline or both');
  const settings: Record<string, string> = {};
  for (const pair of values.set) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair);
    if (!match) return fail('--set takes NAME=value');
    settings[match[1] as string] = match[2] as string;
  }
  const churn = !values['no-churn'];
  return { names, containers, modes, settings, leadMs: lead * 1000, sharedCache, churn };
}

/** Why `--no-shared-cache` runs few containers, and what the run needed. */
const whyFewContainers = (containers: number, pool: PoolStats | undefined) =>
  [
    `Why ${NO_SHARED_CACHE.containers} containers by default: Lambda runs as many containers as there are requests in`,
    'flight, and each container that serves the meeting lists it once (~4 Chime calls): 0.1 calls',
    'per join-info (30) allows ~7 (scripts/storm/scenarios.ts, NO_SHARED_CACHE).',
    ...(pool
      ? [
          `This run: at most ${pool.maxInFlight} requests in flight at once (${pool.maxBusy} of ${containers} containers busy, ${pool.queued} requests waited, at most ${pool.maxQueueWaitMs.toFixed(0)} ms): Lambda would have run ${pool.maxInFlight} containers.`,
        ]
      : []),
  ].join('\n');

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

const targetsOf = (name: ScenarioName, sharedCache: boolean): Targets =>
  sharedCache ? SCENARIOS[name].targets : NO_SHARED_CACHE.targets;

function modeLabel(name: ScenarioName, mode: Mode, sharedCache: boolean): string {
  if (SCENARIOS[name].roster) return mode === 'app' ? 'app, resolver' : 'adapter off';
  return mode === 'app' && !sharedCache ? 'app, no table' : mode;
}

const COLUMNS = [
  'scenario',
  'mode',
  'requests',
  'ok',
  'ok÷req',
  'p50 ms',
  'p99 ms',
  'GetAttendee',
  'GetMeeting',
  'ListAttendees',
  'throttled',
  'calls/req',
  'stale',
  'worst lag ms',
  'names',
  'target',
] as const;
type Row = Partial<Record<(typeof COLUMNS)[number], string>>;

function table(results: Map<ScenarioName, Map<Mode, ModeResult>>, sharedCache: boolean): string {
  const rows: Row[] = [];
  for (const [name, modes] of results) {
    const targets = targetsOf(name, sharedCache);
    for (const [mode, r] of modes) {
      const missed = missedTargets(SCENARIOS[name], r, targets).length > 0;
      const judged = judgedFigures(SCENARIOS[name], r);
      const { churn } = r;
      const never = churn?.unresolved ? ` (${churn.unresolved} never)` : '';
      rows.push({
        scenario: judged.unit === 'lookup' ? `${name} (lookups)` : name,
        mode: modeLabel(name, mode, sharedCache),
        requests: String(judged.requests),
        ok: String(judged.ok),
        'ok÷req': (judged.requests ? judged.ok / judged.requests : 0).toFixed(4),
        'p50 ms': judged.p50_ms.toFixed(1),
        'p99 ms': judged.p99_ms.toFixed(1),
        GetAttendee: String(r.chime_calls.GetAttendee),
        GetMeeting: String(r.chime_calls.GetMeeting),
        ListAttendees: String(r.chime_calls.ListAttendees),
        throttled: String(r.throttled),
        'calls/req': judged.callsPerRequest.toFixed(4),
        stale: churn ? String(churn.stale) : '-',
        'worst lag ms': churn ? `${churn.worst_lag_ms.toFixed(0)}${never}` : '-',
        names: r.lookups ? `${r.lookups.name_matched} matched` : '-',
        target: mode === 'app' ? (missed ? 'MISSED' : 'met') : '-',
      });
    }
    rows.push({
      scenario: name,
      mode: 'target',
      'ok÷req': `≥ ${targets.okRatio}`,
      'p99 ms': `≤ ${targets.p99Ms}`,
      'calls/req': `≤ ${targets.callsPerRequest}`,
      stale: targets.staleAnswers === undefined ? '' : `≤ ${targets.staleAnswers}`,
    });
  }
  const cells = [[...COLUMNS], ...rows.map((row) => COLUMNS.map((column) => row[column] ?? ''))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '))
    .join('\n');
}

/** `value:count`, in the order first seen. */
const counts = (values: readonly (number | string)[]) =>
  [...Map.groupBy(values, String)].map(([key, all]) => `${key}:${all.length}`).join(' ') || 'none';

const ratio = (a: number, b: number) => (b > 0 ? `×${(a / b).toFixed(1)}` : 'n/a (app: 0)');

/** The roster's lines under the table, and the adapter-off comparison (reported, not judged). */
function rosterNotes(modes: ReadonlyMap<Mode, ModeResult>): string[] {
  const lines: string[] = [];
  for (const [mode, r] of modes) {
    const l = r.lookups;
    if (!l) continue;
    lines.push(
      `roster, ${mode === 'app' ? 'resolver' : 'adapter off'}: ${l.lookups} of ${l.planned} lookups${l.sample_share < 1 ? ` (those of a seeded ${l.sample_share} of the attendees)` : ''}, ${l.found} found, slowest ${l.max_ms.toFixed(1)} ms; names ${l.name_matched} matched, ${l.name_absent} absent, ${l.name_other} other; HTTP ${JSON.stringify(l.http)}; join-infos ${r.ok} of ${r.requests} ok, p99 ${r.p99_ms.toFixed(1)} ms`,
    );
  }
  const [a, o] = [modes.get('app')?.lookups, modes.get('baseline')?.lookups];
  if (!a || !o) return lines;
  const perLookup = (l: typeof a) =>
    l.lookups > 0 ? Object.values(l.http).reduce((sum, n) => sum + n, 0) / l.lookups : 0;
  lines.push(
    `roster, adapter off vs resolver (reported, not judged): lookup p99 ${o.p99_ms.toFixed(1)} vs ${a.p99_ms.toFixed(1)} ms (${ratio(o.p99_ms, a.p99_ms)}); Chime calls per lookup ${o.calls_per_lookup} vs ${a.calls_per_lookup} (${ratio(o.calls_per_lookup, a.calls_per_lookup)}; ${o.chime_calls} calls over ${o.found} found vs ${a.chime_calls} over ${a.found}); HTTP requests per lookup ${perLookup(o).toFixed(4)} vs ${perLookup(a).toFixed(4)} (${ratio(perLookup(o), perLookup(a))})` +
      (o.sample_share < 1
        ? `; the adapter off made the lookups of a seeded ${o.sample_share} of the attendees (${o.lookups} of ${o.planned}), each at its time, not every lookup: a lighter load than the resolver's`
        : `; the adapter off made every lookup (${o.lookups})`),
  );
  return lines;
}

/** The lines under a run's JSON in the log: what explains its figures. */
function detail({ load, pool, churn, lookups, result, ...report }: RunReport): string {
  const codes = load.outcomes.flatMap(({ status, code }) => (status === 200 ? [] : [code ?? '?']));
  const cpu = Object.entries(report.cpu)
    .filter(([role, s]) => role !== 'browsers' || s !== undefined)
    .map(([role, s]) => `${role} ${s === undefined ? '?' : s.toFixed(1)}`);
  const loop = report.eventLoopDelay;
  const browsersLoop =
    loop.browsersP99Ms === undefined
      ? ''
      : `, the browsers' by ${loop.browsersP99Ms.toFixed(0)} ms at p99`;
  const c = result.churn;
  const l = result.lookups;
  return [
    `  ${report.seconds.toFixed(1)} s; HTTP attempts ${load.routes.length} (${counts(load.statuses)}); answers other than 200 (churned attendees' included) ${counts(codes)}`,
    `  generator: worst start lag ${load.maxStartLagMs.toFixed(1)} ms; pool: ${pool.invocations} invocations, at most ${pool.maxBusy} busy and ${pool.maxInFlight} in flight at once, ${pool.queued} queued (max ${pool.maxQueue}, longest wait ${pool.maxQueueWaitMs.toFixed(0)} ms), per container ${pool.perContainer.join('/')}`,
    `  storm ${report.stormSeconds.toFixed(1)} s; CPU s used meanwhile: ${cpu.join(', ')}; the gateway's event loop late by ${loop.p99Ms.toFixed(0)} ms at p99, ${loop.maxMs.toFixed(0)} ms at worst${browsersLoop}`,
    `  containers' log lines: ${JSON.stringify(report.containerMetrics)}`,
    ...(report.prefetch
      ? [
          `  prefetch: queue ${JSON.stringify(report.prefetch.queue)}, meetings ${JSON.stringify(report.prefetch.meetings)}`,
        ]
      : []),
    ...(churn && c
      ? [
          `  churn: ${c.deleted} deleted, ${c.updated} updated, ${c.failed} failed (${[...new Set(churn.failed.map((f) => f.reason))].join(', ') || 'none'}); backend calls ${c.backend_calls} (${c.backend_throttled} throttled); ${c.polls} polls, HTTP ${counts(churn.statuses)}`,
          `  churn answers after the change: ${c.observed} (correct ${c.correct}, old ${c.old}, stale ${c.stale}, wrong ${c.wrong}, errors ${c.errors}); change → first correct answer at worst ${c.worst_lag_ms.toFixed(0)} ms, ${c.unresolved} never; change → last old answer at worst ${c.worst_old_ms.toFixed(0)} ms; GetAttendee about changed attendees after the change ${c.chime_calls_after_change} (not in calls/join)`,
          ...(c.stale_examples.length > 0
            ? [`  stale answers (first 20): ${JSON.stringify(c.stale_examples)}`]
            : []),
        ]
      : []),
    ...(lookups && l
      ? [
          `  lookups (adapter ${lookups.adapter}): ${l.lookups} of ${l.planned}, found ${l.found}, not found ${JSON.stringify(l.failures)}; HTTP attempts ${lookups.routes.length} (${counts(lookups.statuses)}; by route ${counts(lookups.routes)}); worst start lag ${lookups.maxStartLagMs.toFixed(1)} ms`,
        ]
      : []),
  ].join('\n');
}

async function main(): Promise<number> {
  const run = options();
  const { names, containers, sharedCache, churn } = run;
  if (Object.keys(run.settings).length > 0) log(`app settings: ${JSON.stringify(run.settings)}`);
  if (!sharedCache) {
    log(
      `no shared table: the app's ${containers} containers run the container tier alone (no CACHE_TABLE_NAME, no prefetch, no invalidation)`,
    );
  }
  log(`load average before: ${load()}`);
  const bench = await startBench();
  const results = new Map<ScenarioName, Map<Mode, ModeResult>>();
  let appPool: PoolStats | undefined;
  try {
    for (const name of names) {
      const modes = new Map<Mode, ModeResult>();
      results.set(name, modes);
      for (const mode of run.modes) {
        const report = await runScenario(bench, SCENARIOS[name], mode, run);
        modes.set(mode, report.result);
        log(`${name}/${mode}: ${JSON.stringify(report.result)}\n${detail(report)}`);
        log(`load average: ${load()}`);
        if (mode === 'app') appPool = report.pool;
      }
    }
  } finally {
    await bench.stop();
  }
  const missed = [...results].flatMap(([name, modes]) => {
    const app = modes.get('app');
    return app ? missedTargets(SCENARIOS[name], app, targetsOf(name, sharedCache)) : [];
  });
  const scenarios = Object.fromEntries(
    [...results].map(([name, m]) => [name, Object.fromEntries(m)]),
  );
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify({ containers, sharedCache, churn, scenarios }, null, 2)}\n`,
  );
  console.log(table(results, sharedCache));
  for (const [name, modes] of results)
    if (SCENARIOS[name].roster) console.log(rosterNotes(modes).join('\n'));
  console.log(
    `\n${containers} containers${sharedCache ? '' : ', no shared table'}; load average after: ${load()}; wrote ${RESULTS_FILE}`,
  );
  if (!sharedCache) console.log(whyFewContainers(containers, appPool));
  for (const line of missed) console.log(`missed: ${line}`);
  return missed.length === 0 ? 0 : 1;
}

// process.exit emits 'exit': every path below ends the children.
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
