import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMs } from '../../bench/processes';
import { FUNCTION_SETTINGS as S } from '../../lambda/common/config/settings';
import { routeMeetingEvents } from '../../local/aws/meeting-events';
import { startLocalPrefetch } from '../../local/aws/prefetch';
import { type ChimeMeetingEvent, createChimeEmulator } from '../../local/chime-emulator';
import { emulatorEnv, openCacheTable, startApi } from '../../local/cli/dev-stack';
import { IdentityProvider } from '../../local/identity/identity-provider';
import { endChild, firstMessage, forkScript } from './children';
import { type ClientsResult, runClients } from './clients';
import { startContainerPool } from './container-pool';
import {
  arrivalsOf,
  churnOf,
  displayNameOf,
  presenceOf,
  type StormAttendee,
  sampleOf,
} from './plan';
import { GRACE_MS, type Scenario } from './scenarios';
import { callsAfterChanges } from './staleness';
import { summarize, tallyBy } from './summary';

/**
 * `app`: the caches with the contract's defaults; `baseline`: every cache off. In a roster both
 * run the app's backend, and the baseline is the client's roster adapter off.
 */
export const MODES = ['app', 'baseline'] as const;
export type Mode = (typeof MODES)[number];

const TABLE = 'chime-attendee-cache-storm';
const LOG_ROOT = join(process.cwd(), '.local', 'storm');

export const log = (line: string) => console.error(`[storm] ${line}`);

/** What lives for the whole storm: the emulator (Chime's rates on), the identity provider, tokens. */
export async function startBench() {
  const bench = {
    idp: new IdentityProvider(),
    // As EventBridge delivers Chime's meeting events: to the current run's two rules.
    onEvent: undefined as ((event: ChimeMeetingEvent) => Promise<void>) | undefined,
    emulator: createChimeEmulator({
      onEvent: (event): Promise<void> | undefined => bench.onEvent?.(event),
    }),
    emulatorUrl: '',
    /** Minted tokens by ExternalUserId (the same ids are seeded in every run). */
    tokens: new Map<string, string>(),
    async stop() {
      await bench.emulator.stop();
      await bench.idp.stop();
    },
  };
  bench.emulatorUrl = (await bench.emulator.start(0)).url;
  await bench.idp.start(0);
  return bench;
}
type StormBench = Awaited<ReturnType<typeof startBench>>;

/** What one run measured, and what explains it. */
export type RunReport = Awaited<ReturnType<typeof runScenario>>;

interface RunOptions {
  readonly containers: number;
  /** Function settings for the app's containers, over the contract's defaults. */
  readonly settings: Readonly<Record<string, string>>;
  /** How long before the doors open the attendees are created (ms); the prefetch works in it. */
  readonly leadMs: number;
  /** false: the app's containers run without the table, the prefetch and the invalidation. */
  readonly sharedCache: boolean;
  readonly churn: boolean;
}

type Stops = (() => Promise<void>)[];

/** A fresh local DynamoDB in its own process with the cache table, and the two rules' targets. */
async function startTable(bench: StormBench, env: Record<string, string>, stops: Stops) {
  const child = forkScript(join(import.meta.dirname, 'dynamodb-process.ts'), {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  stops.push(() => endChild(child));
  const { endpoint } = await firstMessage<{ endpoint: string }>(child, 'dynalite', 60_000);
  Object.assign(env, { [S.cacheTableName.env]: TABLE, [S.dynamodbEndpoint.env]: endpoint });
  const { client, invalidate } = await openCacheTable(endpoint, TABLE, env);
  stops.push(async () => client.destroy());
  const actions: string[] = [];
  const prefetch = startLocalPrefetch({
    env,
    dynamodb: client,
    log: (fields) => {
      actions.push(String(fields.action));
      if (fields.action === 'retry') log(`prefetch ${JSON.stringify(fields)}`);
    },
    logFailure: log,
  });
  stops.push(() => prefetch.stop());
  bench.onEvent = routeMeetingEvents({ invalidate, prefetch: prefetch.queue });
  stops.push(async () => {
    bench.onEvent = undefined;
  });
  return { pid: child.pid, queue: prefetch.queue, actions };
}

/** The backend creating the attendees (each a chime:AttendeeAdded event), and their tokens. */
async function seedAttendees(bench: StormBench, scenario: Scenario): Promise<StormAttendee[]> {
  const { meetings, attendeesPerMeeting } = scenario;
  const attendees = bench.emulator.seed({ meetings, attendeesPerMeeting }).flatMap((meeting) =>
    meeting.Attendees.map((attendee) => ({
      meetingId: meeting.MeetingId,
      attendeeId: attendee.AttendeeId,
      externalUserId: attendee.ExternalUserId,
    })),
  );
  for (const attendee of attendees) {
    const [sub, name] = [attendee.externalUserId, displayNameOf(attendee)];
    if (!bench.tokens.has(sub))
      bench.tokens.set(sub, await bench.idp.mint({ sub, name, ttl: 7200 }));
  }
  return attendees;
}

/** Who asks what, when: the arrivals, the churn, a roster's presence (a sample of it, adapter off). */
function planOf(scenario: Scenario, mode: Mode, attendees: StormAttendee[], churn: boolean) {
  // A roster's attendees join once: a reload would be a new session with a new resolver.
  const arrivals = arrivalsOf(
    attendees,
    scenario.windowMs,
    scenario.roster ? { reloadShare: 0 } : {},
  );
  const allPresence = scenario.roster ? presenceOf(arrivals, scenario.roster.presenceSpreadMs) : [];
  const sampleShare = scenario.roster && mode === 'baseline' ? scenario.roster.adapterOffShare : 1;
  const viewers = new Set(sampleOf(attendees, sampleShare));
  return {
    arrivals,
    changes: scenario.churn && churn ? churnOf(arrivals, scenario.churn) : [],
    presence: allPresence.filter((event) => viewers.has(event.viewer)),
    planned: allPresence.length,
    sampleShare,
    viewers: viewers.size,
  };
}

/**
 * Runs the storm, measuring how late the parent's event loop (the gateway and the pool) ran and
 * the CPU seconds each role used meanwhile (undefined without /proc): the parent, the browsers,
 * the DynamoDB process and the containers (`pids`, the first DynamoDB's).
 */
async function measured(pids: (number | undefined)[], storm: () => Promise<ClientsResult>) {
  const cpuNow = () => {
    const { user, system } = process.cpuUsage();
    const [dynamodb, ...containers] = pids.map((pid) => (pid ? cpuMs(pid) / 1000 : 0));
    return [(user + system) / 1e6, dynamodb ?? 0, containers.reduce((a, s) => a + s, 0)];
  };
  const before = cpuNow();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const start = performance.now();
  const clients = await storm();
  const stormSeconds = (performance.now() - start) / 1000;
  loopDelay.disable();
  const [parent, dynamodb, containers] = cpuNow().map((after, i) => {
    const used = after - (before[i] ?? 0);
    return Number.isNaN(used) ? undefined : used;
  });
  return {
    clients,
    stormSeconds,
    cpu: { parent, browsers: clients.cpuSeconds, dynamodb, containers },
    eventLoopDelay: {
      p99Ms: loopDelay.percentile(99) / 1e6,
      maxMs: loopDelay.max / 1e6,
      browsersP99Ms: clients.loopDelayP99Ms,
    },
  };
}

/**
 * Tallies the containers' request log lines: statuses, problem codes and causes, cold starts,
 * the slowest request, and sums of every numeric field named like a cache or Chime counter.
 */
function containerMetricsOf(logDir: string): Record<string, number> {
  const sums = new Map<string, number>();
  const add = (key: string, value: number) => sums.set(key, (sums.get(key) ?? 0) + value);
  for (const file of readdirSync(logDir).filter((name) => name.endsWith('.log'))) {
    for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      let fields: Record<string, unknown>;
      try {
        fields = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // the last line of a container killed mid-write
      }
      add(`lines.${String(fields.level)}`, 1);
      if (typeof fields.status === 'number') add(`status.${fields.status}`, 1);
      if (typeof fields.code === 'string') add(`code.${fields.code}`, 1);
      if (typeof fields.cause === 'string') add(`cause.${fields.cause}`, 1);
      if (fields.coldStart === true) add('coldStarts', 1);
      if (typeof fields.latencyMs === 'number') {
        sums.set('maxLatencyMs', Math.max(sums.get('maxLatencyMs') ?? 0, fields.latencyMs));
      }
      for (const [key, value] of Object.entries(fields)) {
        if (typeof value === 'number' && /chime|throttl|hit|miss|cache/i.test(key)) add(key, value);
      }
    }
  }
  return Object.fromEntries([...sums].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * One scenario in one mode, from fresh state: the emulator reset, its call log cleared and its
 * buckets refilled; a fresh table (app); K fresh containers behind a fresh gateway.
 */
export async function runScenario(
  bench: StormBench,
  scenario: Scenario,
  mode: Mode,
  options: RunOptions,
) {
  const logDir = join(LOG_ROOT, `${scenario.name}-${mode}`);
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const stops: Stops = [];
  const began = performance.now();
  try {
    // Every Chime call from here on counts: the prefetch's as much as the requests'.
    bench.emulator.reset();
    bench.emulator.refillRates();
    // A roster's baseline is the same backend, the client's adapter off.
    const app = mode === 'app' || scenario.roster !== undefined;
    // The app's (the table joins it once started), or every cache off.
    const env: Record<string, string> = {
      ...emulatorEnv(bench.emulatorUrl),
      ...bench.idp.lambdaSettings(),
      [S.allowHttpJwks.env]: 'true',
      [S.logLevel.env]: 'INFO',
      ...(app
        ? options.settings
        : { [S.cacheAttendeeTtlMs.env]: '0', [S.cacheMeetingTtlMs.env]: '0' }),
    };
    const table = app && options.sharedCache ? await startTable(bench, env, stops) : undefined;
    const attendees = await seedAttendees(bench, scenario);
    const seededAt = performance.now();
    const pool = await startContainerPool({ count: options.containers, env, logDir });
    stops.push(() => pool.stop());
    const { gateway, url } = await startApi(pool.handler, { port: 0 });
    stops.push(() => gateway.stop());

    // Without the table nothing reads the events, and the buckets are full either way.
    const leadMs = table ? options.leadMs : 0;
    await sleep(Math.max(0, leadMs - (performance.now() - seededAt)));
    const plan = planOf(scenario, mode, attendees, options.churn);
    const deletes = plan.changes.filter((c) => c.kind === 'delete').length;
    const listed = table?.actions.filter((action) => action === 'listed').length;
    log(
      `${scenario.name}/${mode}: ${attendees.length} attendees, ${options.containers} containers; doors open ${(Math.max(leadMs, performance.now() - seededAt) / 1000).toFixed(1)} s after the attendees were created` +
        (table ? `; prefetch listed ${listed} of ${scenario.meetings} meetings by then` : '') +
        (app && !table ? ', no shared table' : '') +
        (deletes > 0
          ? `; churn: ${deletes} deleted, ${plan.changes.length - deletes} updated`
          : '') +
        (scenario.roster
          ? `; ${plan.presence.length} of ${plan.planned} lookups${plan.sampleShare < 1 ? ` (those of a seeded ${plan.viewers} of ${attendees.length} attendees)` : ''}, adapter ${mode === 'app' ? 'roster' : 'off'}`
          : ''),
    );
    const { clients, ...measures } = await measured([table?.pid, ...pool.pids()], () =>
      runClients({
        ...plan,
        baseUrl: url,
        emulatorUrl: bench.emulatorUrl,
        tokens: bench.tokens,
        adapter: mode === 'app' ? 'roster' : 'off',
        deadlineMs: scenario.windowMs + GRACE_MS,
      }),
    );
    // Not the prefetch queue's drain: a failed batch would come back only after its visibility
    // timeout (12 min); what it did is in its stats and lines, and stop() ends it.
    await bench.emulator.drainEvents();
    const calls = bench.emulator.calls();
    // The call log (ids, operations, statuses; never a JoinToken or an ExternalUserId), to look into.
    writeFileSync(join(logDir, 'chime-calls.json'), `${JSON.stringify(calls)}\n`);
    const poolStats = pool.stats();
    for (const stop of stops.splice(0).reverse()) await stop();
    const { load, churn, lookups } = clients;
    return {
      result: summarize(
        load,
        bench.emulator.stats(),
        churn && { load: churn, callsAfterChange: callsAfterChanges(calls) },
        lookups && { load: lookups, planned: plan.planned, sampleShare: plan.sampleShare },
      ),
      load,
      churn,
      lookups,
      pool: poolStats,
      containerMetrics: containerMetricsOf(logDir),
      prefetch: table && { queue: table.queue.stats(), meetings: tallyBy(table.actions, String) },
      seconds: (performance.now() - began) / 1000,
      ...measures,
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
