/**
 * `npx tsx bench/instructions.ts`: instructions per HTTP request of the app and the baseline,
 * counted by valgrind's callgrind (a developer's tool: `apt install valgrind`; nothing in
 * `npm test` or `npm run bench` needs it). Each side's host (`api-host.ts` + its bundle, as the
 * benchmark's HTTP round serves it) runs under callgrind twice, for `--warmup` requests and then
 * `--small` or `--large` more (autocannon, 10 connections); the difference of the two totals
 * over the difference of the counts is the steady-state count per request, warm-up and start-up
 * cancelled. Instructions do not depend on what else the machine is doing, but the host's work
 * per request does depend a little on its own speed (how many requests one event-loop turn
 * takes under 10 connections): runs of the same code differed by up to 15 % here. What it
 * leaves out is the cost of each instruction (cache misses, syscalls), which CPU time has
 * (`profile-http.ts --cpu`).
 *
 * `--cache-sim`: callgrind also simulates the caches and branch predictors (`--cache-sim=yes
 * --branch-sim=yes`: first-level and last-level instruction and data misses, mispredicted
 * conditional and indirect branches), each printed per request the same way: where two sides
 * run the same number of instructions at different speeds, this is where the cycles can go. The
 * simulation is a model of a generic cache hierarchy, not of this CPU: compare sides, not figures.
 *
 * `--syscalls`: instead, each host runs under `strace -c -f` (also a developer's tool), and the
 * system calls per request are printed by name, start-up and warm-up cancelled the same way.
 *
 * Options: --warmup <n> (1500), --small <n> (500), --large <n> (1500), --app-root <dir>,
 * --cache-sim, --syscalls. Under callgrind a request takes ~30 ms: about four minutes on two
 * cores (about twice that with --cache-sim).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ATTENDEE_NODE_OPTIONS } from '../lib/bundling';
import { buildApp, buildBaseline, buildScripts } from './build';
import { killAll, startServices } from './processes';

const REPO = path.resolve(import.meta.dirname, '..');
const OUT = path.join(REPO, 'bench', 'dist', 'instructions');
const { values: opts } = parseArgs({
  options: {
    'app-root': { type: 'string', default: REPO },
    warmup: { type: 'string', default: '1500' },
    small: { type: 'string', default: '500' },
    large: { type: 'string', default: '1500' },
    'cache-sim': { type: 'boolean', default: false },
    syscalls: { type: 'boolean', default: false },
  },
});
const warmup = Number(opts.warmup);
const small = Number(opts.small);
const large = Number(opts.large);
if (!(large > small && small > 0 && warmup >= 0)) throw new Error('need --large > --small > 0');
process.on('exit', () => killAll());

rmSync(OUT, { recursive: true, force: true });
const app = path.join(OUT, 'app', 'index.mjs');
const baseline = path.join(OUT, 'baseline', 'index.mjs');
await buildApp(path.resolve(opts['app-root'] as string), path.dirname(app));
await buildBaseline(path.join(REPO, 'bench', 'baseline', 'index.ts'), path.dirname(baseline));
const scripts = path.join(OUT, 'scripts');
await buildScripts(
  ['services', 'api-host'].map((name) => path.join(REPO, 'bench', `${name}.ts`)),
  scripts,
);
const services = await startServices(scripts);
const { env, meetingId, attendeeId, token } = services.report;

/** The tool's command line around `node api-host.mjs <bundle>`, writing into `dir`. */
const wrapped = (dir: string, bundle: string): [string, string[]] => {
  const host = [process.execPath, path.join(scripts, 'api-host.mjs'), bundle];
  return opts.syscalls
    ? ['strace', ['-c', '-f', '-o', path.join(dir, 'strace.txt'), ...host]]
    : [
        'valgrind',
        [
          '--tool=callgrind',
          // V8 writes machine code at run time: callgrind must see it change.
          '--smc-check=all-non-file',
          ...(opts['cache-sim'] ? ['--cache-sim=yes', '--branch-sim=yes'] : []),
          `--callgrind-out-file=${path.join(dir, 'out.%p')}`,
          ...host,
        ],
      ];
};

/**
 * One host process that served `warmup` + `requests` requests: callgrind's totals by event (`Ir`,
 * instructions, and with `--cache-sim` the misses), or (`--syscalls`) strace's calls by name
 * (the warm-up's included).
 */
async function measure(bundle: string, requests: number): Promise<Map<string, number>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'callgrind-'));
  const [command, args] = wrapped(dir, bundle);
  const host = spawn(command, args, {
    env: {
      PATH: process.env.PATH,
      ...env,
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: ATTENDEE_NODE_OPTIONS,
    },
    stdio: ['pipe', openSync('/dev/null', 'w'), 'pipe', 'pipe'],
  });
  let stderr = '';
  host.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => host.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let report = '';
    host.stdio[3]?.on('data', (chunk: Buffer) => {
      report += chunk.toString();
      try {
        resolve((JSON.parse(report) as { url: string }).url);
      } catch {
        // the report is not complete yet
      }
    });
    host.once('exit', () => reject(new Error(`host exited before its report:\n${stderr}`)));
  });
  const load = (amount: number) =>
    autocannon({
      url: `${url}/meetings/${meetingId}/attendees/${attendeeId}`,
      connections: 10,
      amount,
      timeout: 60,
      headers: { authorization: `Bearer ${token}` },
    });
  for (const amount of [warmup, requests].filter((n) => n > 0)) {
    const result = await load(amount);
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${bundle}: errors under load`);
  }
  host.stdin?.end();
  await exited;
  const calls = new Map<string, number>();
  if (opts.syscalls) {
    // strace -c: "% time  seconds  usecs/call  calls  [errors]  syscall", then a total line.
    for (const line of readFileSync(path.join(dir, 'strace.txt'), 'utf8').split('\n')) {
      const fields = line.trim().split(/\s+/);
      const name = fields.at(-1) ?? '';
      if (/^\d/.test(fields[0] ?? '') && /^[a-z_0-9]+$/.test(name) && name !== 'total') {
        calls.set(name, Number(fields[3]));
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
  if (opts.syscalls) return calls;
  // callgrind's summary on stderr: `Events : Ir Dr …` then `Collected : <n> <n> …`, in order.
  const events = /Events\s*:\s*([A-Za-z0-9 ]+)\n/.exec(stderr)?.[1]?.trim().split(/\s+/);
  const totals = /Collected\s*:\s*([\d ]+)\n/.exec(stderr)?.[1]?.trim().split(/\s+/);
  if (!events || !totals || events[0] !== 'Ir') {
    throw new Error(`no callgrind totals:\n${stderr.slice(-2000)}`);
  }
  return new Map(events.map((event, i) => [event, Number(totals[i])]));
}

/** Each count of `many` less that of `few`, per request of the difference. */
const steadyState = (few: Map<string, number>, many: Map<string, number>) =>
  new Map([...many].map(([key, n]) => [key, (n - (few.get(key) ?? 0)) / (large - small)]));

const perRequest: Record<string, Map<string, number>> = {};
for (const [name, bundle] of [
  ['app', app],
  ['baseline', baseline],
] as const) {
  // Two cores: the two runs of a side at once (instruction and call counts do not mind).
  const [few, many] = await Promise.all([measure(bundle, small), measure(bundle, large)]);
  const counts = steadyState(few, many);
  perRequest[name] = counts;
  if (opts.syscalls) {
    const rows = [...counts].sort((a, b) => b[1] - a[1]);
    const total = rows.reduce((sum, [, n]) => sum + n, 0);
    const shown = rows.filter(([, n]) => n >= 0.01);
    process.stdout.write(
      `${name}: ${total.toFixed(2)} system calls per request, steady state (${shown.map(([call, n]) => `${call} ${n.toFixed(2)}`).join(', ')})\n`,
    );
    continue;
  }
  const others = [...counts].filter(([event]) => event !== 'Ir');
  process.stdout.write(
    `${name}: ${Math.round(counts.get('Ir') ?? 0).toLocaleString('en-US')} instructions per request (host process, steady state)${others.length ? `; ${others.map(([event, n]) => `${event} ${Math.round(n).toLocaleString('en-US')}`).join(', ')}` : ''}\n`,
  );
}
const { app: appCounts, baseline: baselineCounts } = perRequest;
const sum = (counts: Map<string, number> | undefined) =>
  [...(counts ?? [])].reduce((total, [, n]) => total + n, 0);
const ratio = (event: string) =>
  ((appCounts?.get(event) ?? Number.NaN) / (baselineCounts?.get(event) ?? Number.NaN)).toFixed(3);
process.stdout.write(
  opts.syscalls
    ? `system calls, app ÷ baseline: ${(sum(appCounts) / sum(baselineCounts)).toFixed(3)}\n`
    : `app ÷ baseline: ${[...(appCounts?.keys() ?? [])].map((event) => `${event} ${ratio(event)}`).join(', ')}\n`,
);
await services.stop();
process.exit(0);
