/**
 * `npx tsx bench/profile-http.ts`: where the HTTP round's time goes. Builds the app and the
 * baseline as the benchmark does but unminified (esbuild's module comments then attribute each
 * function to its source file), serves each through `api-host.ts` under `node --cpu-prof`,
 * loads it with autocannon, and prints self time per request by function, module and package.
 * Profiles go to `bench/dist/profiles/`. The profiler samples wall time: time the host spent
 * waiting for a core (other processes on the machine) counts against the frame it waited in.
 *
 * `--cpu`: no profiler; the benchmark's own (minified) bundles behind two hosts, alternating
 * rounds, and each host's CPU time per request (`/proc/<pid>/stat`; user and system apart too),
 * which other work on the machine disturbs far less than requests/s.
 *
 * Options: --app-root <dir>, --variant <dir> (--cpu, repeatable: another app root served beside
 * the app), --seconds <s> (default 10; 3 with --cpu), --rounds <n> (--cpu, 6),
 * --connections <n> (10), --top <n> (25), --only <app|baseline>, --log-level <INFO|WARN>,
 * --stdout <file|drain|null> (where the hosts' stdout goes; see `StdoutSink`).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { type BuildOptions, build } from 'esbuild';
import { ATTENDEE_NODE_OPTIONS } from '../lib/bundling';
import {
  buildApp,
  buildBaseline,
  buildScripts,
  CREATE_REQUIRE_BANNER,
  plainNodejsFunctionOptions,
} from './build';
import { type CpuProfile, moduleMapOf, type SelfTime, summarizeProfile } from './cpu-profile';
import { cpuMs, cpuSplitMs, killAll, startService, startServices } from './processes';
import { median } from './stats';

const REPO = path.resolve(import.meta.dirname, '..');
const OUT = path.join(REPO, 'bench', 'dist', 'profiles');
const { values: opts } = parseArgs({
  options: {
    'app-root': { type: 'string', default: REPO },
    variant: { type: 'string', multiple: true, default: [] },
    seconds: { type: 'string' },
    rounds: { type: 'string', default: '6' },
    cpu: { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'INFO' },
    stdout: { type: 'string', default: 'file' },
    connections: { type: 'string', default: '10' },
    top: { type: 'string', default: '25' },
    only: { type: 'string' },
  },
});
const appRoot = path.resolve(opts['app-root'] as string);
const seconds = Number(opts.seconds ?? (opts.cpu ? 3 : 10));
const top = Number(opts.top);
process.on('exit', () => killAll());

/** What one host serves: the baseline, the app, or (--cpu) the app built from another root. */
interface Side {
  readonly name: string;
  readonly file: string;
}
const baseline: Side = { name: 'baseline', file: path.join(OUT, 'baseline', 'index.mjs') };
const app: Side = { name: 'app', file: path.join(OUT, 'app', 'index.mjs') };
const variants: Side[] = (opts.variant as string[]).map((root, i) => ({
  name: `variant ${i + 1} (${root})`,
  file: path.join(OUT, `variant-${i + 1}`, 'index.mjs'),
}));
const sides = opts.only ? [opts.only === 'app' ? app : baseline] : [app, baseline, ...variants];

rmSync(OUT, { recursive: true, force: true });
const unminified = (options: BuildOptions): BuildOptions => ({ ...options, minify: false });
const bundling = (await import(pathToFileURL(path.join(appRoot, 'lib', 'bundling.ts')).href)) as {
  attendeeEsbuildOptions(projectRoot: string, outdir: string): BuildOptions;
};
if (opts.cpu) {
  await buildApp(appRoot, path.dirname(app.file));
  await buildBaseline(
    path.join(REPO, 'bench', 'baseline', 'index.ts'),
    path.dirname(baseline.file),
  );
  for (const [i, root] of (opts.variant as string[]).entries()) {
    await buildApp(path.resolve(root), path.dirname((variants[i] as Side).file));
  }
} else {
  await build(unminified(bundling.attendeeEsbuildOptions(appRoot, path.dirname(app.file))));
  // The baseline's CommonJS SDK build needs the banner (buildBaseline adds it when it must).
  await build({
    ...unminified(
      plainNodejsFunctionOptions(path.join(REPO, 'bench', 'baseline', 'index.ts'), baseline.file),
    ),
    banner: { js: CREATE_REQUIRE_BANNER },
  });
}
const scripts = path.join(OUT, 'scripts');
await buildScripts(
  ['services', 'api-host'].map((name) => path.join(REPO, 'bench', `${name}.ts`)),
  scripts,
);

const services = await startServices(scripts);
const { env, meetingId, attendeeId, token } = services.report;

const startHost = (side: Side, index: number, extra = '') => {
  const log = path.join(OUT, `host-${index}.log`);
  return startService<{ url: string }>(
    path.join(scripts, 'api-host.mjs'),
    [side.file],
    {
      PATH: process.env.PATH,
      ...env,
      LOG_LEVEL: opts['log-level'],
      NODE_OPTIONS: `${ATTENDEE_NODE_OPTIONS}${extra}`,
    },
    60_000,
    opts.stdout === 'drain' ? { drain: log } : { file: opts.stdout === 'null' ? '/dev/null' : log },
  );
};
const loader =
  (url: string) =>
  (duration: number): Promise<autocannon.Result> =>
    autocannon({
      url: `${url}/meetings/${meetingId}/attendees/${attendeeId}`,
      connections: Number(opts.connections),
      duration,
      headers: { authorization: `Bearer ${token}` },
    });

if (opts.cpu) {
  const hosts = await Promise.all(sides.map((side, i) => startHost(side, i)));
  const cpu = sides.map(() => [] as number[]);
  // The same CPU, user and system apart (the log line's write, the sockets' syscalls).
  const split = sides.map(() => [] as [number, number][]);
  const rps = sides.map(() => [] as number[]);
  // CPU per request of the load generator (this process) and of the emulator.
  const others = sides.map(() => [] as [number, number][]);
  const indices = sides.map((_, i) => i);
  for (let r = 0; r < Number(opts.rounds); r += 1) {
    // Each round in another order (rotated, reversed every other round).
    const rotated = [...indices.slice(r % sides.length), ...indices.slice(0, r % sides.length)];
    for (const i of r % 2 === 0 ? rotated : rotated.reverse()) {
      const host = hosts[i] as (typeof hosts)[number];
      const load = loader(host.report.url);
      await load(1);
      const before = cpuMs(host.child.pid);
      const splitBefore = cpuSplitMs(host.child.pid);
      const servicesBefore = cpuMs(services.child.pid);
      const loaderBefore = process.cpuUsage();
      const result = await load(seconds);
      const used = cpuMs(host.child.pid) - before;
      const splitAfter = cpuSplitMs(host.child.pid);
      split[i]?.push([
        ((splitAfter.user - splitBefore.user) * 1000) / result.requests.total,
        ((splitAfter.system - splitBefore.system) * 1000) / result.requests.total,
      ]);
      const loaderUsed = process.cpuUsage(loaderBefore);
      others[i]?.push([
        (loaderUsed.user + loaderUsed.system) / result.requests.total,
        ((cpuMs(services.child.pid) - servicesBefore) * 1000) / result.requests.total,
      ]);
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${sides[i]?.name}: errors`);
      cpu[i]?.push((used * 1000) / result.requests.total);
      rps[i]?.push(result.requests.average);
    }
  }
  const base = sides.indexOf(baseline);
  for (const [i, side] of sides.entries()) {
    const ratio = (table: number[][]) =>
      median((table[i] as number[]).map((v, r) => v / (table[base]?.[r] ?? Number.NaN)));
    process.stdout.write(
      `${side.name}: CPU µs/request ${cpu[i]?.map((v) => v.toFixed(0)).join(' ')} (median ${median(cpu[i] as number[]).toFixed(0)}: user ${median((split[i] ?? []).map(([u]) => u)).toFixed(0)}, system ${median((split[i] ?? []).map(([, y]) => y)).toFixed(0)}); requests/s ${rps[i]?.map((v) => v.toFixed(0)).join(' ')}; load generator ${median((others[i] ?? []).map(([a]) => a)).toFixed(0)} µs, emulator ${median((others[i] ?? []).map(([, e]) => e)).toFixed(0)} µs per request${base >= 0 && i !== base ? `; ÷ baseline (medians of rounds): CPU ${ratio(cpu).toFixed(3)}, requests/s ${ratio(rps).toFixed(3)}` : ''}\n`,
    );
  }
  await Promise.all(hosts.map((host) => host.stop()));
  await services.stop();
  process.exit(0);
}

const perRequest = (rows: readonly SelfTime[], requests: number) =>
  rows.map(
    (r) =>
      `${((r.ms * 1000) / requests).toFixed(1).padStart(7)} µs ${(r.share * 100).toFixed(1).padStart(5)} %  ${r.key}`,
  );

for (const [index, side] of sides.entries()) {
  const kind = side.name;
  const dir = path.join(OUT, `profile-${kind}`);
  const host = await startHost(side, index, ` --cpu-prof --cpu-prof-dir=${dir}`);
  const load = loader(host.report.url);
  const warmUp = await load(2);
  const result = await load(seconds);
  await host.stop();
  const profileFile = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!profileFile) throw new Error(`${kind}: no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(path.join(dir, profileFile), 'utf8')) as CpuProfile;
  const bundles = new Map(
    [side.file, path.join(scripts, 'api-host.mjs')].map((file) => [
      pathToFileURL(file).href,
      moduleMapOf(readFileSync(file, 'utf8')),
    ]),
  );
  const summary = summarizeProfile(profile, bundles, top);
  // The profile spans the warm-up too: per request is over every request the host served.
  const requests = warmUp.requests.total + result.requests.total;
  const lines = [
    `## ${kind}: ${Math.round(result.requests.average)} requests/s, non-2xx ${result.non2xx}; busy ${summary.busyMs.toFixed(0)} of ${summary.totalMs.toFixed(0)} ms, ≈ ${((summary.busyMs * 1000) / requests).toFixed(0)} µs CPU per request (${path.join(dir, profileFile)})`,
    '',
    '### self time by package (per request, share of busy)',
    ...perRequest(summary.byPackage, requests),
    '',
    '### by module',
    ...perRequest(summary.byModule, requests),
    '',
    '### by function',
    ...perRequest(summary.byFunction, requests),
    '',
    '### native frames by their JavaScript caller',
    ...perRequest(summary.nativeByCaller, requests),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
await services.stop();
