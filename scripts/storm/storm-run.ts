import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDynamoDbClient, createSharedCache } from '../../lambda/attendee/cache/shared-cache';
import { FUNCTION_SETTINGS } from '../../lambda/attendee/function-settings';
import { createInvalidationHandler } from '../../lambda/invalidation/handler';
import {
  type ChimeEmulator,
  type ChimeMeetingEvent,
  createChimeEmulator,
} from '../../local/chime-emulator';
import type { CallStats } from '../../local/chime-emulator/call-log';
import type { SeededMeeting } from '../../local/chime-emulator/seed';
import { DEFAULT_LOCAL_ORIGINS, localCors, routesFor } from '../../local/dev-stack';
import { createCacheTable, LOCAL_CREDENTIALS } from '../../local/dynamodb';
import { HttpApiGateway } from '../../local/http-api-gateway';
import { IdentityProvider } from '../../local/identity-provider';
import { cpuSecondsOf, endChild, firstMessage, forkScript } from './children';
import { runArrivals, type StormLoad } from './clients';
import { type PoolStats, startContainerPool } from './container-pool';
import { arrivalsOf, type StormAttendee } from './plan';
import { GRACE_MS, type Scenario } from './scenarios';
import { type ModeResult, summarize } from './summary';

/** `app`: the caches with the contract's defaults; `baseline`: every cache off (today). */
export const MODES = ['app', 'baseline'] as const;
export type Mode = (typeof MODES)[number];

const TABLE = 'chime-attendee-cache-storm';
const S = FUNCTION_SETTINGS;

/** The parts that live for the whole storm: the emulator (rates on) and the identity provider. */
export interface StormBench {
  readonly emulatorUrl: string;
  readonly idp: IdentityProvider;
  readonly emulator: ChimeEmulator;
  /** Where the emulator's meeting events go now (the invalidation handler of the current run). */
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

async function mintTokens(bench: StormBench, attendees: readonly StormAttendee[]): Promise<void> {
  for (const { externalUserId } of attendees) {
    if (!bench.tokens.has(externalUserId)) {
      bench.tokens.set(externalUserId, await bench.idp.mint({ sub: externalUserId, ttl: 7200 }));
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
  });
  await createCacheTable(client, TABLE);
  mkdirSync(logDir, { recursive: true });
  return { child, client, endpoint };
}

/** What one run measured, and what explains it. */
export interface RunReport {
  readonly result: ModeResult;
  readonly load: StormLoad;
  readonly chime: CallStats;
  readonly pool: PoolStats;
  /** Sums of the numeric metric fields of the containers' request log lines. */
  readonly containerMetrics: Readonly<Record<string, number>>;
  readonly events: unknown;
  readonly seconds: number;
  /** CPU seconds used during the storm itself, by role (undefined without /proc). */
  readonly cpu: Readonly<Record<'parent' | 'dynamodb' | 'containers', number | undefined>>;
  /** The storm's wall time, arrivals to the last answer (s). */
  readonly stormSeconds: number;
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
     * Diagnostic, off in the judged run: before the storm, one join-info per meeting, one after
     * another, so that every meeting's snapshot is in the table when the doors open (its Chime
     * calls are then cleared from the count).
     */
    readonly prewarm?: boolean;
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
    const { meetings } = await admin<{ meetings: SeededMeeting[] }>(bench, 'POST', '/seed', {
      meetings: scenario.meetings,
      attendeesPerMeeting: scenario.attendeesPerMeeting,
    });
    const attendees = meetings.flatMap((meeting) =>
      meeting.Attendees.map((attendee) => ({
        meetingId: meeting.MeetingId,
        attendeeId: attendee.AttendeeId,
        externalUserId: attendee.ExternalUserId,
      })),
    );
    await mintTokens(bench, attendees);

    let table: Awaited<ReturnType<typeof startTable>> | undefined;
    if (mode === 'app') {
      table = await startTable(logDir);
      const { child, client } = table;
      stops.push(async () => {
        client.destroy();
        await endChild(child as ChildProcess);
      });
      const invalidate = createInvalidationHandler({
        shared: createSharedCache({ client, tableName: TABLE, ttlMs: 0 }),
        log: () => undefined,
      });
      bench.onEvent = async (event) => {
        await invalidate(event);
      };
      stops.push(async () => {
        bench.onEvent = undefined;
      });
    }
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
      ...(table
        ? {
            [S.cacheTableName.env]: TABLE,
            [S.dynamodbEndpoint.env]: table.endpoint,
            ...options.settings,
          }
        : { [S.cacheAttendeeTtlMs.env]: '0', [S.cacheMeetingTtlMs.env]: '0' }),
    };
    const pool = await startContainerPool({ count: options.containers, env, logDir });
    stops.push(() => pool.stop());
    const gateway = new HttpApiGateway({
      routes: routesFor(pool.handler),
      cors: localCors(DEFAULT_LOCAL_ORIGINS),
    });
    const { url } = await gateway.start(0);
    stops.push(() => gateway.stop());

    if (options.prewarm) {
      let warmed = 0;
      for (const meeting of meetings) {
        const attendee = attendees.find((a) => a.meetingId === meeting.MeetingId);
        if (!attendee) continue;
        const warm = await runArrivals({
          baseUrl: url,
          arrivals: [{ attendee, atMs: 0, reloadAfterMs: undefined }],
          tokens: bench.tokens,
          deadlineMs: 30_000,
        });
        if (warm.outcomes[0]?.ok) warmed += 1;
      }
      options.log(`prewarmed ${warmed} of ${meetings.length} meetings`);
    }
    // Warm-up calls (JWKS) went to the identity provider, never Chime; start from zero anyway.
    await admin(bench, 'DELETE', '/calls');
    await admin(bench, 'POST', '/rates/refill');
    options.log(
      `${scenario.name}/${mode}: ${attendees.length} attendees, ${options.containers} containers`,
    );
    const cpuBefore = cpuNow(table?.child.pid, pool.pids());
    const stormStart = performance.now();
    const load = await runArrivals({
      baseUrl: url,
      arrivals: arrivalsOf(attendees, scenario.windowMs),
      tokens: bench.tokens,
      deadlineMs: scenario.windowMs + GRACE_MS,
    });
    const stormSeconds = (performance.now() - stormStart) / 1000;
    const cpuAfter = cpuNow(table?.child.pid, pool.pids());
    const delta = (key: keyof typeof cpuAfter) => {
      const [after, before] = [cpuAfter[key], cpuBefore[key]];
      return after === undefined || before === undefined ? undefined : after - before;
    };
    await bench.emulator.drainEvents();
    const chime = await admin<CallStats>(bench, 'GET', '/calls/stats');
    const events = await admin<unknown>(bench, 'GET', '/events');
    // The call log (ids, operations, statuses; never a JoinToken or an ExternalUserId), to look into.
    const { calls } = await admin<{ calls: unknown[] }>(bench, 'GET', '/calls');
    writeFileSync(join(logDir, 'chime-calls.json'), `${JSON.stringify(calls)}\n`);
    const poolStats = pool.stats();
    for (const stop of stops.splice(0).reverse()) await stop();
    return {
      result: summarize(load, chime),
      load,
      chime,
      pool: poolStats,
      containerMetrics: containerMetricsOf(logDir),
      events,
      seconds: (performance.now() - began) / 1000,
      cpu: {
        parent: delta('parent'),
        dynamodb: delta('dynamodb'),
        containers: delta('containers'),
      },
      stormSeconds,
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
