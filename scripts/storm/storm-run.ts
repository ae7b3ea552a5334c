import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ChimeSDKMeetingsClient,
  DeleteAttendeeCommand,
  UpdateAttendeeCapabilitiesCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { FUNCTION_SETTINGS } from '../../lambda/common/config/settings';
import { createDynamoDbClient } from '../../lambda/common/table/dynamodb-client';
import { createSharedCache } from '../../lambda/common/table/shared-cache';
import { parseInvalidationConfig } from '../../lambda/invalidation/config';
import { createInvalidationHandler } from '../../lambda/invalidation/handler';
import { createCacheTable, LOCAL_CREDENTIALS } from '../../local/aws/dynamodb';
import type { LocalEventQueue, LocalEventQueueStats } from '../../local/aws/event-queue';
import { HttpApiGateway } from '../../local/aws/http-api-gateway';
import { routeMeetingEvents } from '../../local/aws/meeting-events';
import { startLocalPrefetch } from '../../local/aws/prefetch';
import {
  type ChimeEmulator,
  type ChimeMeetingEvent,
  chimeClientFor,
  createChimeEmulator,
} from '../../local/chime-emulator';
import type { CallRecord, CallStats } from '../../local/chime-emulator/call-log';
import type { SeededMeeting } from '../../local/chime-emulator/seed';
import { DEFAULT_LOCAL_ORIGINS, localCors, routesFor } from '../../local/cli/dev-stack';
import { IdentityProvider } from '../../local/identity/identity-provider';
import { cpuSecondsOf, endChild, firstMessage, forkScript } from './children';
import {
  type ChurnLoad,
  type FetchOutcome,
  type LookupLoad,
  runArrivals,
  runChurn,
  runLookups,
  type StormLoad,
} from './clients';
import { type PoolStats, startContainerPool } from './container-pool';
import {
  arrivalsOf,
  churnOf,
  displayNameOf,
  type PlannedChange,
  presenceOf,
  type StormAttendee,
  sampleOf,
} from './plan';
import { GRACE_MS, type Scenario, UPDATED_CAPABILITIES } from './scenarios';
import { callsAfterChanges } from './staleness';
import { type ModeResult, summarize } from './summary';

/**
 * `app`: the caches with the contract's defaults; `baseline`: every cache off (today). In a
 * roster scenario both run the app's backend, and the baseline is the client's roster adapter
 * off: one attendee GET per lookup.
 */
export const MODES = ['app', 'baseline'] as const;
export type Mode = (typeof MODES)[number];

const TABLE = 'chime-attendee-cache-storm';
const S = FUNCTION_SETTINGS;

/** The parts that live for the whole storm: the emulator (rates on) and the identity provider. */
export interface StormBench {
  readonly emulatorUrl: string;
  readonly idp: IdentityProvider;
  readonly emulator: ChimeEmulator;
  /** Where the emulator's meeting events go now (the current run's two rules). */
  onEvent: ((event: ChimeMeetingEvent) => Promise<void>) | undefined;
  /** Minted tokens by ExternalUserId (the same ids are seeded in every run). */
  readonly tokens: Map<string, string>;
  stop(): Promise<void>;
}

/** Starts the emulator with Chime's default rates on and the dev identity provider. */
export async function startBench(): Promise<StormBench> {
  const bench: StormBench = {
    emulatorUrl: '',
    idp: new IdentityProvider(),
    emulator: createChimeEmulator({
      // As EventBridge delivers Chime's meeting events to the invalidation function.
      onEvent: (event) => bench.onEvent?.(event),
    }),
    onEvent: undefined,
    tokens: new Map(),
    stop: async () => {
      await bench.emulator.stop();
      await bench.idp.stop();
    },
  };
  const { url } = await bench.emulator.start(0);
  (bench as { emulatorUrl: string }).emulatorUrl = url;
  await bench.idp.start(0);
  return bench;
}

async function admin<T>(
  bench: StormBench,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${bench.emulatorUrl}/_emulator${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} /_emulator${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Mints each attendee's token once a storm, with its display name ({@link displayNameOf}). */
async function mintTokens(bench: StormBench, attendees: readonly StormAttendee[]): Promise<void> {
  for (const attendee of attendees) {
    const { externalUserId } = attendee;
    if (!bench.tokens.has(externalUserId)) {
      bench.tokens.set(
        externalUserId,
        await bench.idp.mint({ sub: externalUserId, name: displayNameOf(attendee), ttl: 7200 }),
      );
    }
  }
}

/** A fresh local DynamoDB in its own process, with the cache table; undefined for the baseline. */
async function startTable(logDir: string) {
  const child = forkScript(join(import.meta.dirname, 'dynamodb-process.ts'), {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const { endpoint } = await firstMessage<{ endpoint: string }>(child, 'dynalite', 60_000);
  const client = createDynamoDbClient({
    region: 'us-east-1',
    endpoint,
    credentials: LOCAL_CREDENTIALS,
    requestTimeoutMs: 2000,
    maxAttempts: 2,
  });
  await createCacheTable(client, TABLE);
  mkdirSync(logDir, { recursive: true });
  return { child, client, endpoint };
}

/** What one run measured, and what explains it. */
export interface RunReport {
  readonly result: ModeResult;
  readonly load: StormLoad;
  /** What the churn did and saw (scenarios with churn, unless it was turned off). */
  readonly churn: ChurnLoad | undefined;
  /** What the lookups saw (roster scenarios). */
  readonly lookups: LookupLoad | undefined;
  readonly chime: CallStats;
  readonly pool: PoolStats;
  /** Sums of the numeric metric fields of the containers' request log lines. */
  readonly containerMetrics: Readonly<Record<string, number>>;
  readonly events: unknown;
  /** The prefetch queue's deliveries and what the prefetch did per meeting (app only). */
  readonly prefetch:
    | { readonly queue: LocalEventQueueStats; readonly meetings: Readonly<Record<string, number>> }
    | undefined;
  readonly seconds: number;
  /** CPU seconds used during the storm itself, by role (undefined without /proc). */
  readonly cpu: Readonly<Record<'parent' | 'dynamodb' | 'containers', number | undefined>>;
  /** The storm's wall time, arrivals to the last answer (s). */
  readonly stormSeconds: number;
  /**
   * How late this process's event loop ran during the storm (ms): the clients, the gateway and
   * the pool share it, so a late loop shows in every latency.
   */
  readonly eventLoopDelay: { readonly p99Ms: number; readonly maxMs: number };
}

/**
 * The backend's change, through the SDK as a backend makes it (standard retries, 3 attempts):
 * DeleteAttendee, or UpdateAttendeeCapabilities to {@link UPDATED_CAPABILITIES}; resolves with an
 * update's new capabilities as Chime answered them.
 */
async function applyChange(chime: ChimeSDKMeetingsClient, change: PlannedChange) {
  const ids = { MeetingId: change.attendee.meetingId, AttendeeId: change.attendee.attendeeId };
  if (change.kind === 'delete') {
    await chime.send(new DeleteAttendeeCommand(ids));
    return undefined;
  }
  const { Attendee } = await chime.send(
    new UpdateAttendeeCapabilitiesCommand({ ...ids, Capabilities: { ...UPDATED_CAPABILITIES } }),
  );
  const capabilities = Attendee?.Capabilities;
  if (!capabilities?.Audio || !capabilities.Video || !capabilities.Content) {
    throw new Error('UpdateAttendeeCapabilities answered no capabilities');
  }
  return {
    Audio: capabilities.Audio,
    Video: capabilities.Video,
    Content: capabilities.Content,
  };
}

/** Counts the prefetch's per-meeting lines by action. */
function tally(lines: readonly Record<string, string | number>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { action } of lines) counts[String(action)] = (counts[String(action)] ?? 0) + 1;
  return counts;
}

/** CPU seconds of the parent, the DynamoDB process and the containers, now. */
function cpuNow(dynamodbPid: number | undefined, containerPids: (number | undefined)[]) {
  const containers = containerPids.map(cpuSecondsOf);
  const { user, system } = process.cpuUsage();
  return {
    parent: (user + system) / 1e6,
    dynamodb: dynamodbPid === undefined ? 0 : cpuSecondsOf(dynamodbPid),
    containers: containers.every((value) => value !== undefined)
      ? containers.reduce((sum, value) => sum + value, 0)
      : undefined,
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
        continue;
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
 * One scenario in one mode, from fresh state: the emulator reset and reseeded, its call log
 * cleared and buckets refilled; a fresh table (app); K fresh containers behind a fresh gateway.
 */
export async function runScenario(
  bench: StormBench,
  scenario: Scenario,
  mode: Mode,
  options: {
    readonly containers: number;
    /** Function settings for the app's containers, over the contract's defaults. */
    readonly settings?: Readonly<Record<string, string>>;
    /**
     * How long before the doors open the attendees are created (ms): the prefetch queue's
     * batching window and its paced listings happen in it. 0: created as the doors open.
     */
    readonly leadMs: number;
    /**
     * false: the app's containers run without the table (and so without the prefetch and the
     * invalidation function), the container tier only. Default true.
     */
    readonly sharedCache?: boolean;
    /** false: no churn even where the scenario has one. Default true. */
    readonly churn?: boolean;
    readonly logRoot: string;
    readonly log: (line: string) => void;
  },
): Promise<RunReport> {
  const logDir = join(options.logRoot, `${scenario.name}-${mode}`);
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const began = performance.now();
  try {
    await admin(bench, 'POST', '/reset');
    // Every Chime call from here on counts: the prefetch's as much as the requests'.
    await admin(bench, 'DELETE', '/calls');
    await admin(bench, 'POST', '/rates/refill');

    // A roster's baseline is the same backend, the client's adapter off.
    const backend = scenario.roster ? 'app' : mode;
    let table: Awaited<ReturnType<typeof startTable>> | undefined;
    if (backend === 'app' && options.sharedCache !== false) table = await startTable(logDir);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      [S.chimeRegion.env]: 'us-east-1',
      [S.chimeEndpoint.env]: bench.emulatorUrl,
      ...bench.idp.lambdaSettings(),
      [S.allowHttpJwks.env]: 'true',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      [S.logLevel.env]: 'INFO',
      ...(backend === 'app'
        ? {
            ...(table
              ? { [S.cacheTableName.env]: TABLE, [S.dynamodbEndpoint.env]: table.endpoint }
              : {}),
            ...options.settings,
          }
        : { [S.cacheAttendeeTtlMs.env]: '0', [S.cacheMeetingTtlMs.env]: '0' }),
    };
    let prefetchQueue: LocalEventQueue | undefined;
    const prefetchLines: Record<string, string | number>[] = [];
    if (table) {
      const { child, client } = table;
      stops.push(async () => {
        client.destroy();
        await endChild(child as ChildProcess);
      });
      // The two rules' targets, as deployed: the invalidation function, and the prefetch
      // function behind its queue, configured from the containers' own environment.
      const invalidate = createInvalidationHandler({
        shared: createSharedCache({
          client,
          tableName: TABLE,
          ttlMs: parseInvalidationConfig({ ...env, [FUNCTION_SETTINGS.cacheTableName.env]: TABLE })
            .cacheSharedTtlMs,
        }),
        log: () => undefined,
      });
      const prefetch = startLocalPrefetch({
        env,
        dynamodb: client,
        log: (fields) => {
          prefetchLines.push({ ...fields });
          if (fields.action === 'retry') options.log(`prefetch ${JSON.stringify(fields)}`);
        },
        logFailure: options.log,
      });
      prefetchQueue = prefetch.queue;
      stops.push(() => prefetch.stop());
      bench.onEvent = routeMeetingEvents({ invalidate, prefetch: prefetch.queue });
      stops.push(async () => {
        bench.onEvent = undefined;
      });
    }

    // The backend creating the event's attendees (each a chime:AttendeeAdded event).
    const { meetings } = await admin<{ meetings: SeededMeeting[] }>(bench, 'POST', '/seed', {
      meetings: scenario.meetings,
      attendeesPerMeeting: scenario.attendeesPerMeeting,
    });
    const seededAt = performance.now();
    const attendees = meetings.flatMap((meeting) =>
      meeting.Attendees.map((attendee) => ({
        meetingId: meeting.MeetingId,
        attendeeId: attendee.AttendeeId,
        externalUserId: attendee.ExternalUserId,
      })),
    );
    await mintTokens(bench, attendees);

    const pool = await startContainerPool({ count: options.containers, env, logDir });
    stops.push(() => pool.stop());
    const gateway = new HttpApiGateway({
      routes: routesFor(pool.handler),
      cors: localCors(DEFAULT_LOCAL_ORIGINS),
    });
    const { url } = await gateway.start(0);
    stops.push(() => gateway.stop());

    // The baseline has nothing that reads the events, and its buckets are full either way.
    const leadMs = prefetchQueue ? options.leadMs : 0;
    const doorsOpenIn = leadMs - (performance.now() - seededAt);
    if (doorsOpenIn > 0) await sleep(doorsOpenIn);
    const listed = prefetchLines.filter((line) => line.action === 'listed').length;
    options.log(
      `${scenario.name}/${mode}: ${attendees.length} attendees, ${options.containers} containers; doors open ${(Math.max(leadMs, performance.now() - seededAt) / 1000).toFixed(1)} s after the attendees were created` +
        (prefetchQueue ? `; prefetch listed ${listed} of ${meetings.length} meetings by then` : ''),
    );
    // A roster's attendees join once: a reload would be a new session with a new resolver.
    const arrivals = arrivalsOf(
      attendees,
      scenario.windowMs,
      scenario.roster ? { reloadShare: 0 } : {},
    );
    const allPresence = scenario.roster
      ? presenceOf(arrivals, scenario.roster.presenceSpreadMs)
      : [];
    const sampleShare =
      scenario.roster && mode === 'baseline' ? scenario.roster.adapterOffShare : 1;
    const viewers = new Set(sampleOf(attendees, sampleShare));
    const presence = allPresence.filter((event) => viewers.has(event.viewer));
    // Each attendee's join-info answer, for the lookups: when (undefined when it failed).
    const joins = new Map<string, (answeredMs: number | undefined) => void>();
    const joined = new Map(
      attendees.map((attendee) => [
        attendee.attendeeId,
        new Promise<number | undefined>((resolve) => joins.set(attendee.attendeeId, resolve)),
      ]),
    );
    const onOutcome = (outcome: FetchOutcome) => {
      if (!outcome.reload) {
        joins.get(outcome.attendeeId)?.(outcome.status === 200 ? outcome.answeredMs : undefined);
      }
    };
    const changes =
      scenario.churn && options.churn !== false ? churnOf(arrivals, scenario.churn) : [];
    const chime = chimeClientFor(bench.emulatorUrl);
    stops.push(async () => chime.destroy());
    options.log(
      `${scenario.name}/${mode}: ${attendees.length} attendees, ${options.containers} containers` +
        (table ? '' : backend === 'app' ? ', no shared table' : '') +
        (changes.length > 0
          ? `; churn: ${changes.filter((c) => c.kind === 'delete').length} deleted, ${changes.filter((c) => c.kind === 'update').length} updated`
          : '') +
        (scenario.roster
          ? `; ${presence.length} of ${allPresence.length} lookups${sampleShare < 1 ? ` (those of a seeded ${viewers.size} of ${attendees.length} attendees)` : ''}, adapter ${mode === 'app' ? 'roster' : 'off'}`
          : ''),
    );
    const cpuBefore = cpuNow(table?.child.pid, pool.pids());
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const stormStart = performance.now();
    const deadlineMs = scenario.windowMs + GRACE_MS;
    const [load, churn, lookups] = await Promise.all([
      runArrivals({
        baseUrl: url,
        arrivals,
        tokens: bench.tokens,
        deadlineMs,
        start: stormStart,
        onOutcome,
      }),
      changes.length > 0
        ? runChurn({
            baseUrl: url,
            changes,
            tokens: bench.tokens,
            apply: (change) => applyChange(chime, change),
            start: stormStart,
          })
        : undefined,
      presence.length > 0
        ? runLookups({
            baseUrl: url,
            adapter: mode === 'app' ? 'roster' : 'off',
            presence,
            tokens: bench.tokens,
            joined: (attendeeId) => joined.get(attendeeId) ?? Promise.resolve(undefined),
            deadlineMs,
            start: stormStart,
          })
        : undefined,
    ]);
    const stormSeconds = (performance.now() - stormStart) / 1000;
    loopDelay.disable();
    const cpuAfter = cpuNow(table?.child.pid, pool.pids());
    const delta = (key: keyof typeof cpuAfter) => {
      const [after, before] = [cpuAfter[key], cpuBefore[key]];
      return after === undefined || before === undefined ? undefined : after - before;
    };
    // Not the prefetch queue's drain: a failed batch would come back only after the queue's
    // visibility timeout (12 min); what it did is in its stats and lines, and stop() ends it.
    await bench.emulator.drainEvents();
    const chimeStats = await admin<CallStats>(bench, 'GET', '/calls/stats');
    const events = await admin<unknown>(bench, 'GET', '/events');
    // The call log (ids, operations, statuses; never a JoinToken or an ExternalUserId), to look into.
    const { calls } = await admin<{ calls: CallRecord[] }>(bench, 'GET', '/calls');
    writeFileSync(join(logDir, 'chime-calls.json'), `${JSON.stringify(calls)}\n`);
    const poolStats = pool.stats();
    for (const stop of stops.splice(0).reverse()) await stop();
    return {
      result: summarize(
        load,
        chimeStats,
        churn && { load: churn, callsAfterChange: callsAfterChanges(calls) },
        lookups && { load: lookups, planned: allPresence.length, sampleShare },
      ),
      load,
      churn,
      lookups,
      chime: chimeStats,
      pool: poolStats,
      containerMetrics: containerMetricsOf(logDir),
      events,
      prefetch: prefetchQueue
        ? { queue: prefetchQueue.stats(), meetings: tally(prefetchLines) }
        : undefined,
      seconds: (performance.now() - began) / 1000,
      cpu: {
        parent: delta('parent'),
        dynamodb: delta('dynamodb'),
        containers: delta('containers'),
      },
      stormSeconds,
      eventLoopDelay: {
        p99Ms: loopDelay.percentile(99) / 1e6,
        maxMs: loopDelay.max / 1e6,
      },
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
