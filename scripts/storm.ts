/**
 * Join storms (`npm run storm`, not part of `npm test`): every attendee of a full meeting, and of
 * a 10,000-person event, asks for its join info within seconds, against the Chime emulator with
 * Chime's API rates on, K separate API processes (like K Lambda containers, one request at a
 * time each) sharing one cache table on a local DynamoDB, behind the local HTTP API gateway.
 * Each scenario runs twice: "app" (the caches, the contract's defaults) and "baseline" (every
 * cache off, as before the caches). Prints a table, writes `storm-results.json`, and exits 1
 * when "app" misses a target of issue 11.
 *
 *   npm run storm -- [--scenario meeting|event|all] [--containers K] [--mode app|baseline|both]
 *     [--set CACHE_LEASE_MS=15000]…  (a setting for the app's containers)
 *     [--lead SECONDS]  (how long before the doors open the attendees are created; default 30,
 *                        0: as they open, a cold table)
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { killChildren } from './storm/children';
import { SCENARIO_NAMES, SCENARIOS, type ScenarioName } from './storm/scenarios';
import { MODES, type Mode, type RunReport, runScenario, startBench } from './storm/storm-run';
import { type ModeResult, missedTargets } from './storm/summary';

const USAGE =
  'usage: npm run storm -- [--scenario meeting|event|all] [--containers 1-32] [--mode app|baseline|both] [--set NAME=value]… [--lead 0-600]';
const RESULTS_FILE = 'storm-results.json';
/**
 * The attendees are created half a minute before the doors open: an event's backend creates them
 * ahead (BatchCreateAttendee), and the prefetch's batching window and paced listings fit in it.
 */
const DEFAULT_LEAD_SECONDS = 30;

function options() {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'all' },
      containers: { type: 'string', default: '8' },
      mode: { type: 'string', default: 'both' },
      set: { type: 'string', multiple: true, default: [] },
      lead: { type: 'string', default: String(DEFAULT_LEAD_SECONDS) },
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
  const containers = Number(values.containers);
  if (!Number.isInteger(containers) || containers < 1 || containers > 32) {
    throw new Error(`--containers must be an integer 1-32\n${USAGE}`);
  }
  const scenario = values.scenario;
  const names: ScenarioName[] =
    scenario === 'all'
      ? [...SCENARIO_NAMES]
      : (SCENARIO_NAMES as readonly string[]).includes(scenario)
        ? [scenario as ScenarioName]
        : [];
  if (names.length === 0) throw new Error(`--scenario must be meeting, event or all\n${USAGE}`);
  // One mode alone is for looking into it; the judged run has both, side by side.
  const modes = MODES.filter((mode) => values.mode === 'both' || values.mode === mode);
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
  };
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

function table(results: Map<ScenarioName, Map<Mode, ModeResult>>): string {
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
    'calls/join',
    'target',
  ];
  const rows = [header];
  for (const [name, modes] of results) {
    const scenario = SCENARIOS[name];
    for (const [mode, r] of modes) {
      const missed = mode === 'app' ? missedTargets(scenario, r) : [];
      rows.push([
        name,
        mode,
        String(r.requests),
        String(r.ok),
        (r.requests ? r.ok / r.requests : 0).toFixed(4),
        r.p50_ms.toFixed(1),
        r.p99_ms.toFixed(1),
        String(r.chime_calls.GetAttendee),
        String(r.chime_calls.GetMeeting),
        String(r.chime_calls.ListAttendees),
        String(r.throttled),
        r.calls_per_join.toFixed(4),
        mode === 'app' ? (missed.length === 0 ? 'met' : 'MISSED') : '-',
      ]);
    }
    const t = scenario.targets;
    rows.push([
      name,
      'target',
      '',
      '',
      `≥ ${t.okRatio}`,
      '',
      `≤ ${t.p99Ms}`,
      '',
      '',
      '',
      '',
      `≤ ${t.callsPerJoin}`,
      '',
    ]);
  }
  const widths = header.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

function detail(report: RunReport): string {
  const statuses = [...report.load.statuses].map(([status, n]) => `${status}:${n}`).join(' ');
  const codes = new Map<string, number>();
  for (const outcome of report.load.outcomes) {
    if (!outcome.ok) codes.set(outcome.code ?? '?', (codes.get(outcome.code ?? '?') ?? 0) + 1);
  }
  const failures = [...codes].map(([code, n]) => `${code}:${n}`).join(' ') || 'none';
  const { pool } = report;
  return [
    `  ${report.seconds.toFixed(1)} s; HTTP attempts ${report.load.attempts} (${statuses}); failures ${failures}`,
    `  generator: worst start lag ${report.load.maxStartLagMs.toFixed(1)} ms; pool: ${pool.invocations} invocations, ${pool.queued} queued (max ${pool.maxQueue}, longest wait ${pool.maxQueueWaitMs.toFixed(0)} ms), per container ${pool.perContainer.join('/')}`,
    `  storm ${report.stormSeconds.toFixed(1)} s; CPU s used meanwhile: ${Object.entries(report.cpu)
      .map(([role, seconds]) => `${role} ${seconds === undefined ? '?' : seconds.toFixed(1)}`)
      .join(', ')}`,
    `  containers' log lines: ${JSON.stringify(report.containerMetrics)}`,
    ...(report.prefetch
      ? [
          `  prefetch: queue ${JSON.stringify(report.prefetch.queue)}, meetings ${JSON.stringify(report.prefetch.meetings)}`,
        ]
      : []),
  ].join('\n');
}

async function main(): Promise<number> {
  const { names, containers, modes: runModes, settings, leadMs } = options();
  const log = (line: string) => console.error(`[storm] ${line}`);
  if (Object.keys(settings).length > 0) log(`app settings: ${JSON.stringify(settings)}`);
  log(`load average before: ${load()}`);
  const bench = await startBench();
  const results = new Map<ScenarioName, Map<Mode, ModeResult>>();
  const missed: string[] = [];
  try {
    for (const name of names) {
      const modes = new Map<Mode, ModeResult>();
      results.set(name, modes);
      for (const mode of runModes) {
        const report = await runScenario(bench, SCENARIOS[name], mode, {
          containers,
          settings,
          leadMs,
          logRoot: join(process.cwd(), '.local', 'storm'),
          log,
        });
        modes.set(mode, report.result);
        log(`${name}/${mode}: ${JSON.stringify(report.result)}\n${detail(report)}`);
        log(`load average: ${load()}`);
        if (mode === 'app') missed.push(...missedTargets(SCENARIOS[name], report.result));
      }
    }
  } finally {
    await bench.stop();
  }
  const scenarios = Object.fromEntries(
    [...results].map(([name, modes]) => [name, Object.fromEntries(modes)]),
  );
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ scenarios }, null, 2)}\n`);
  console.log(table(results));
  console.log(`\n${containers} containers; load average after: ${load()}; wrote ${RESULTS_FILE}`);
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
