/**
 * Join storms (`npm run storm`, not part of `npm test`): every attendee of a full meeting, and of
 * a 10,000-person event, asks for its join info within seconds, against the Chime emulator with
 * Chime's API rates on, K separate API processes (like K Lambda containers, one request at a
 * time each) sharing one cache table on a local DynamoDB, behind the local HTTP API gateway.
 * Each scenario runs twice: "app" (the caches, the contract's defaults) and "baseline" (every
 * cache off, as before the caches). During the event the backend deletes 1 % of the attendees
 * and changes the capabilities of another 1 % (the SDK against the emulator) while the others
 * ask; the changed attendees' browsers keep asking for ~4 s, and an answer still showing the
 * attendee as before more than 2 s after its change is a stale answer (the target is none).
 * In the roster (issue 21), 250 attendees of one meeting join within 5 s with tokens carrying
 * their names, and each resolves every other one as presence reports them: "app" through the
 * client's roster resolver, judged on those 62,250 lookups; "baseline" the same backend with the
 * adapter off, one attendee GET (`?as=`) per lookup, reported beside it.
 * Prints a table, writes `storm-results.json`, and exits 1 when "app" misses a target.
 *
 *   npm run storm -- [--scenario meeting|event|roster|all] [--containers K] [--mode app|baseline|both]
 *     [--set CACHE_LEASE_MS=15000]…  (a setting for the app's containers)
 *     [--lead SECONDS]  (how long before the doors open the attendees are created; default 30,
 *                        0: as they open, a cold table)
 *     [--no-churn]  (the event without its churn: nobody deleted or changed while asking)
 *   npm run storm -- --no-shared-cache [--containers K] [--mode …]
 *     (the meeting on K containers, default 4, without the table and the prefetch: the container
 *      tier alone, judged by its own targets)
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { killChildren } from './storm/children';
import type { PoolStats } from './storm/container-pool';
import {
  NO_SHARED_CACHE,
  SCENARIO_NAMES,
  SCENARIOS,
  type ScenarioName,
  type Targets,
} from './storm/scenarios';
import { MODES, type Mode, type RunReport, runScenario, startBench } from './storm/storm-run';
import { judgedFigures, type ModeResult, missedTargets } from './storm/summary';

const USAGE =
  'usage: npm run storm -- [--scenario meeting|event|roster|all] [--containers 1-32] [--mode app|baseline|both] [--set NAME=value]… [--lead 0-600] [--no-churn] [--no-shared-cache]';
/** The last run's results, whichever it was (`sharedCache` and `churn` in it say). */
const RESULTS_FILE = 'storm-results.json';
/**
 * The attendees are created half a minute before the doors open: an event's backend creates them
 * ahead (BatchCreateAttendee), and the prefetch's batching window and paced listings fit in it.
 */
const DEFAULT_LEAD_SECONDS = 30;

function options() {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string' },
      containers: { type: 'string' },
      mode: { type: 'string' },
      set: { type: 'string', multiple: true, default: [] },
      lead: { type: 'string', default: String(DEFAULT_LEAD_SECONDS) },
      'no-churn': { type: 'boolean', default: false },
      'no-shared-cache': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const lead = Number(values.lead);
  if (!Number.isInteger(lead) || lead < 0 || lead > 600) {
    throw new Error(`--lead must be an integer 0-600 (seconds)\n${USAGE}`);
  }
  const sharedCache = !values['no-shared-cache'];
  const containers = Number(values.containers ?? (sharedCache ? 8 : NO_SHARED_CACHE.containers));
  if (!Number.isInteger(containers) || containers < 1 || containers > 32) {
    throw new Error(`--containers must be an integer 1-32\n${USAGE}`);
  }
  const scenario = values.scenario ?? (sharedCache ? 'all' : NO_SHARED_CACHE.scenario);
  if (!sharedCache && scenario !== NO_SHARED_CACHE.scenario) {
    throw new Error(`--no-shared-cache runs the ${NO_SHARED_CACHE.scenario} scenario\n${USAGE}`);
  }
  const names: ScenarioName[] =
    scenario === 'all'
      ? [...SCENARIO_NAMES]
      : (SCENARIO_NAMES as readonly string[]).includes(scenario)
        ? [scenario as ScenarioName]
        : [];
  if (names.length === 0) {
    throw new Error(`--scenario must be meeting, event, roster or all\n${USAGE}`);
  }
  // One mode alone is for looking into it; the judged run has both, side by side. Without the
  // table the baseline is the same as with it: only the app runs unless asked.
  const mode = values.mode ?? (sharedCache ? 'both' : 'app');
  const modes = MODES.filter((name) => mode === 'both' || mode === name);
  if (modes.length === 0) throw new Error(`--mode must be app, baseline or both\n${USAGE}`);
  // `--set NAME=value`: a function setting for the app's containers (trying a value out).
  const settings = new Map<string, string>();
  for (const pair of values.set) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair);
    if (!match) throw new Error(`--set takes NAME=value\n${USAGE}`);
    settings.set(match[1] as string, match[2] as string);
  }
  return {
    names,
    containers,
    modes,
    settings: Object.fromEntries(settings),
    leadMs: lead * 1000,
    sharedCache,
    churn: !values['no-churn'],
  };
}

/** Why `--no-shared-cache` runs few containers, and what the run needed, under its table. */
function whyFewContainers(containers: number, pool: PoolStats | undefined): string {
  return [
    `Why ${NO_SHARED_CACHE.containers} containers by default: Lambda runs as many containers as there are requests in`,
    'flight. 250 attendees in 5 s (+20 % reloads) are ~60 requests a second of ~10 ms each once a',
    'container holds the meeting: under one container busy on average; only the first requests,',
    "waiting for a container's listing, stack up. Each container that serves the meeting lists it",
    'once (~4 Chime calls), so every extra container costs ~4 calls: 0.1 per join-info (30) allows ~7.',
    ...(pool
      ? [
          `This run: at most ${pool.maxInFlight} requests in flight at once (${pool.maxBusy} of ${containers} containers busy, ${pool.queued} requests waited, at most ${pool.maxQueueWaitMs.toFixed(0)} ms): Lambda would have run ${pool.maxInFlight} containers.`,
        ]
      : []),
  ].join('\n');
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/** The targets "app" is judged by: the scenario's, or those of the container tier alone. */
const targetsOf = (name: ScenarioName, sharedCache: boolean): Targets =>
  sharedCache ? SCENARIOS[name].targets : NO_SHARED_CACHE.targets;

/** A mode's label in the table. */
function modeLabel(name: ScenarioName, mode: Mode, sharedCache: boolean): string {
  if (SCENARIOS[name].roster) return mode === 'app' ? 'app, resolver' : 'adapter off';
  return mode === 'app' && !sharedCache ? 'app, no table' : mode;
}

function table(results: Map<ScenarioName, Map<Mode, ModeResult>>, sharedCache: boolean): string {
  const header = [
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
  ];
  const rows = [header];
  for (const [name, modes] of results) {
    const scenario = SCENARIOS[name];
    const targets = targetsOf(name, sharedCache);
    for (const [mode, r] of modes) {
      const missed = mode === 'app' ? missedTargets(scenario, r, targets) : [];
      const judged = judgedFigures(scenario, r);
      rows.push([
        judged.unit === 'lookup' ? `${name} (lookups)` : name,
        modeLabel(name, mode, sharedCache),
        String(judged.requests),
        String(judged.ok),
        (judged.requests ? judged.ok / judged.requests : 0).toFixed(4),
        judged.p50_ms.toFixed(1),
        judged.p99_ms.toFixed(1),
        String(r.chime_calls.GetAttendee),
        String(r.chime_calls.GetMeeting),
        String(r.chime_calls.ListAttendees),
        String(r.throttled),
        judged.callsPerRequest.toFixed(4),
        r.churn ? String(r.churn.stale) : '-',
        r.churn
          ? `${r.churn.worst_lag_ms.toFixed(0)}${r.churn.unresolved > 0 ? ` (${r.churn.unresolved} never)` : ''}`
          : '-',
        r.lookups ? `${r.lookups.name_matched} matched` : '-',
        mode === 'app' ? (missed.length === 0 ? 'met' : 'MISSED') : '-',
      ]);
    }
    rows.push([
      name,
      'target',
      '',
      '',
      `≥ ${targets.okRatio}`,
      '',
      `≤ ${targets.p99Ms}`,
      '',
      '',
      '',
      '',
      `≤ ${targets.callsPerRequest}`,
      targets.staleAnswers === undefined ? '' : `≤ ${targets.staleAnswers}`,
      '',
      '',
      '',
    ]);
  }
  const widths = header.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

const counts = (map: ReadonlyMap<number | string, number>) =>
  [...map].map(([key, n]) => `${key}:${n}`).join(' ') || 'none';

/** `a ÷ b` as a factor, or why there is none. */
const ratio = (a: number, b: number) => (b > 0 ? `×${(a / b).toFixed(1)}` : 'n/a (app: 0)');

/**
 * The roster's lines under the table: what its requests are, the names, its join-infos, and the
 * adapter-off comparison (reported, not judged).
 */
function rosterNotes(modes: ReadonlyMap<Mode, ModeResult>): string[] {
  const app = modes.get('app');
  const off = modes.get('baseline');
  const lines: string[] = [];
  for (const [mode, r] of modes) {
    const l = r.lookups;
    if (!l) continue;
    lines.push(
      `roster, ${mode === 'app' ? 'resolver' : 'adapter off'}: ${l.lookups} of ${l.planned} lookups${l.sample_share < 1 ? ` (those of a seeded ${l.sample_share} of the attendees)` : ''}, ${l.found} found, slowest ${l.max_ms.toFixed(1)} ms; names ${l.name_matched} matched, ${l.name_absent} absent, ${l.name_other} other; HTTP ${JSON.stringify(l.http)}; join-infos ${r.ok} of ${r.requests} ok, p99 ${r.p99_ms.toFixed(1)} ms`,
    );
  }
  if (app?.lookups && off?.lookups) {
    const [a, o] = [app.lookups, off.lookups];
    const httpPerLookup = (l: typeof a) =>
      l.lookups > 0 ? Object.values(l.http).reduce((sum, n) => sum + n, 0) / l.lookups : 0;
    lines.push(
      `roster, adapter off vs resolver (reported, not judged): lookup p99 ${o.p99_ms.toFixed(1)} vs ${a.p99_ms.toFixed(1)} ms (${ratio(o.p99_ms, a.p99_ms)}); Chime calls per lookup ${o.calls_per_lookup} vs ${a.calls_per_lookup} (${ratio(o.calls_per_lookup, a.calls_per_lookup)}; ${o.chime_calls} calls over ${o.found} found vs ${a.chime_calls} over ${a.found}); HTTP requests per lookup ${httpPerLookup(o).toFixed(4)} vs ${httpPerLookup(a).toFixed(4)} (${ratio(httpPerLookup(o), httpPerLookup(a))})` +
        (o.sample_share < 1
          ? `; the adapter off made the lookups of a seeded ${o.sample_share} of the attendees (${o.lookups} of ${o.planned}), each at its time, not every lookup: a lighter load than the resolver's`
          : `; the adapter off made every lookup (${o.lookups})`),
    );
  }
  return lines;
}

function detail(report: RunReport): string {
  const codes = new Map<string, number>();
  for (const outcome of report.load.outcomes) {
    if (outcome.status !== 200) {
      codes.set(outcome.code ?? '?', (codes.get(outcome.code ?? '?') ?? 0) + 1);
    }
  }
  const { pool, churn, lookups } = report;
  const churnResult = report.result.churn;
  const lookupResult = report.result.lookups;
  return [
    `  ${report.seconds.toFixed(1)} s; HTTP attempts ${report.load.attempts} (${counts(report.load.statuses)}); answers other than 200 (churned attendees' included) ${counts(codes)}`,
    `  generator: worst start lag ${report.load.maxStartLagMs.toFixed(1)} ms; pool: ${pool.invocations} invocations, at most ${pool.maxBusy} busy and ${pool.maxInFlight} in flight at once, ${pool.queued} queued (max ${pool.maxQueue}, longest wait ${pool.maxQueueWaitMs.toFixed(0)} ms), per container ${pool.perContainer.join('/')}`,
    `  storm ${report.stormSeconds.toFixed(1)} s; CPU s used meanwhile: ${Object.entries(report.cpu)
      .map(([role, seconds]) => `${role} ${seconds === undefined ? '?' : seconds.toFixed(1)}`)
      .join(
        ', ',
      )}; the gateway's event loop late by ${report.eventLoopDelay.p99Ms.toFixed(0)} ms at p99, ${report.eventLoopDelay.maxMs.toFixed(0)} ms at worst, the browsers' by ${report.eventLoopDelay.browsersP99Ms.toFixed(0)} ms at p99`,
    `  containers' log lines: ${JSON.stringify(report.containerMetrics)}`,
    ...(report.prefetch
      ? [
          `  prefetch: queue ${JSON.stringify(report.prefetch.queue)}, meetings ${JSON.stringify(report.prefetch.meetings)}`,
        ]
      : []),
    ...(churn && churnResult
      ? [
          `  churn: ${churnResult.deleted} deleted, ${churnResult.updated} updated, ${churnResult.failed} failed (${[...new Set(churn.failed.map((f) => f.reason))].join(', ') || 'none'}); backend calls ${churnResult.backend_calls} (${churnResult.backend_throttled} throttled); ${churnResult.polls} polls, HTTP ${counts(churn.statuses)}`,
          `  churn answers after the change: ${churnResult.observed} (correct ${churnResult.correct}, old ${churnResult.old}, stale ${churnResult.stale}, wrong ${churnResult.wrong}, errors ${churnResult.errors}); change → first correct answer at worst ${churnResult.worst_lag_ms.toFixed(0)} ms, ${churnResult.unresolved} never; change → last old answer at worst ${churnResult.worst_old_ms.toFixed(0)} ms; GetAttendee about changed attendees after the change ${churnResult.chime_calls_after_change} (not in calls/join)`,
          ...(churnResult.stale_examples.length > 0
            ? [`  stale answers (first 20): ${JSON.stringify(churnResult.stale_examples)}`]
            : []),
        ]
      : []),
    ...(lookups && lookupResult
      ? [
          `  lookups (adapter ${lookups.adapter}): ${lookupResult.lookups} of ${lookupResult.planned}, found ${lookupResult.found}, not found ${JSON.stringify(lookupResult.failures)}; HTTP attempts ${lookups.attempts} (${counts(lookups.statuses)}; by route ${counts(lookups.routes)}); worst start lag ${lookups.maxStartLagMs.toFixed(1)} ms`,
        ]
      : []),
  ].join('\n');
}

async function main(): Promise<number> {
  const { names, containers, modes: runModes, settings, leadMs, sharedCache, churn } = options();
  const log = (line: string) => console.error(`[storm] ${line}`);
  if (Object.keys(settings).length > 0) log(`app settings: ${JSON.stringify(settings)}`);
  if (!sharedCache) {
    log(
      `no shared table: the app's ${containers} containers run the container tier alone (no CACHE_TABLE_NAME, no prefetch, no invalidation)`,
    );
  }
  log(`load average before: ${load()}`);
  const bench = await startBench();
  const results = new Map<ScenarioName, Map<Mode, ModeResult>>();
  const missed: string[] = [];
  let appPool: PoolStats | undefined;
  try {
    for (const name of names) {
      const modes = new Map<Mode, ModeResult>();
      results.set(name, modes);
      for (const mode of runModes) {
        const report = await runScenario(bench, SCENARIOS[name], mode, {
          containers,
          settings,
          leadMs,
          sharedCache,
          churn,
          logRoot: join(process.cwd(), '.local', 'storm'),
          log,
        });
        modes.set(mode, report.result);
        log(`${name}/${mode}: ${JSON.stringify(report.result)}\n${detail(report)}`);
        log(`load average: ${load()}`);
        if (mode === 'app') {
          appPool = report.pool;
          missed.push(
            ...missedTargets(SCENARIOS[name], report.result, targetsOf(name, sharedCache)),
          );
        }
      }
    }
  } finally {
    await bench.stop();
  }
  const scenarios = Object.fromEntries(
    [...results].map(([name, modes]) => [name, Object.fromEntries(modes)]),
  );
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify({ containers, sharedCache, churn, scenarios }, null, 2)}\n`,
  );
  console.log(table(results, sharedCache));
  const roster = [...results].filter(([name]) => SCENARIOS[name].roster);
  for (const [, modes] of roster) for (const line of rosterNotes(modes)) console.log(line);
  console.log(
    `\n${containers} containers${sharedCache ? '' : ', no shared table'}; load average after: ${load()}; wrote ${RESULTS_FILE}`,
  );
  if (!sharedCache) console.log(whyFewContainers(containers, appPool));
  for (const line of missed) console.log(`missed: ${line}`);
  return missed.length === 0 ? 0 : 1;
}

process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killChildren();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    killChildren();
    process.exit(2);
  },
);
