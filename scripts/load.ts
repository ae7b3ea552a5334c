/**
 * Load run against the local stack (`npm run load`, not part of `npm test`; docs/security.md#load):
 * the HTTP API stand-in, the real chain and the Chime emulator in this process. Every request
 * class of CLASSES at once on bounded connections, after a warm-up; exits 1 when an answer falls
 * outside its class's contract, a log line holds a JWT or a JoinToken, or RSS grows by more than
 * 10 %. Run with `--expose-gc` (the npm script does), so RSS is read after a collection.
 *
 *   LOAD_DURATION=20 LOAD_CONNECTIONS=20 LOAD_WARMUP=60 npm run load
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { createContainer } from '../lambda/attendee/container';
import type { FaultSpec } from '../local/chime-emulator/faults';
import { type DevStack, startDevStack } from '../local/cli/dev-stack';

const DURATION_S = Number(process.env.LOAD_DURATION ?? 20);
/** RSS climbs for ~20 s of load before it plateaus: the warm-up outlasts the climb. */
const WARMUP_S = Number(process.env.LOAD_WARMUP ?? 60);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 20);
/** Idle seconds before each RSS reading: each request's deadline timer stays pending until it fires. */
const SETTLE_S = Number(process.env.LOAD_SETTLE ?? 8);
const MAX_RSS_GROWTH = 0.1;
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/;
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'] as const;
type User = (typeof USERS)[number];
type Caller = User | 'mallory' | 'maria';

/** Recurring faults, each on one attendee's GetAttendee. */
const STANDING_FAULTS: Readonly<Partial<Record<User, FaultSpec>>> = {
  carol: { type: 'error', name: 'ForbiddenException' },
  dave: { type: 'error', name: 'ServiceFailureException' },
  erin: { type: 'malformed', status: 200, body: {} },
};

/**
 * The request mix: name, the attendee asked for, who asks (`forged`: alice's token with its
 * signature altered), the statuses its contract allows, and whether the answer may carry a
 * JoinToken (`token`) or comes before Chime is reached (`local`). One that reaches Chime may also
 * meet the injected resets: a 502 once the container's retry quota is spent.
 */
const CLASSES: readonly (readonly [
  name: string,
  target: User | 'bob, upper-case' | 'missing' | 'not-a-guid',
  caller: Caller | 'forged' | 'none',
  statuses: readonly number[],
  kind?: 'token' | 'local',
])[] = [
  ['owner', 'alice', 'alice', [200], 'token'],
  ['owner (upper-case ids)', 'bob, upper-case', 'bob', [200], 'token'],
  ['other participant', 'alice', 'bob', [404]],
  ['stranger', 'bob', 'mallory', [404]],
  ['stranger, missing attendee', 'missing', 'mallory', [404]],
  ['moderator', 'alice', 'maria', [200]],
  ['forged token', 'alice', 'forged', [401], 'local'],
  ['no token', 'alice', 'none', [401], 'local'],
  ['invalid id', 'not-a-guid', 'alice', [400], 'local'],
  ['Chime refuses our credentials', 'carol', 'carol', [502]],
  ['Chime fails', 'dave', 'dave', [502]],
  ['Chime answers no attendee', 'erin', 'erin', [502]],
  ['Chime throttles sometimes', 'frank', 'frank', [200, 503], 'token'],
];
type RequestClass = (typeof CLASSES)[number];

/** What the contract checks found (only the first 20 violations are listed). */
const tally = {
  byStatus: new Map<number, number>(),
  byClass: new Map<string, number>(),
  violations: [] as string[],
  violationCount: 0,
  joinTokens: new Set<string>(),
};

function violation(text: string): void {
  tally.violationCount += 1;
  if (tally.violations.length < 20) tally.violations.push(text);
}

const increment = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

function check(c: RequestClass, status: number, body: string, headers: Record<string, unknown>) {
  const [name, , , statuses, kind] = c;
  increment(tally.byStatus, status);
  increment(tally.byClass, name);
  if (![...statuses, ...(kind === 'local' ? [] : [502])].includes(status)) {
    violation(`${name}: status ${status}`);
  }
  const cacheControl = Object.entries(headers).find(([key]) => /^cache-control$/i.test(key));
  if (cacheControl?.[1] !== 'no-store') violation(`${name}: no Cache-Control: no-store`);
  const joinToken = /"JoinToken":"([^"]+)"/.exec(body)?.[1];
  if (joinToken && kind !== 'token') violation(`${name}: a JoinToken`);
  if (joinToken && tally.joinTokens.size < 10) tally.joinTokens.add(joinToken);
}

/** The autocannon requests of CLASSES, their answers checked as they come. */
function requestsOf(meetingId: string, ids: Record<User, string>, tokens: Record<Caller, string>) {
  const attendeeIds = {
    ...ids,
    'bob, upper-case': ids.bob.toUpperCase(),
    missing: randomUUID(),
    'not-a-guid': 'not-a-guid',
  };
  const forged = `${tokens.alice.slice(0, -8)}AAAAAAAA`;
  const authorizations: Record<string, string | undefined> = { ...tokens, forged };
  return CLASSES.map((c) => {
    const authorization = authorizations[c[2]];
    return {
      method: 'GET' as const,
      path: `/meetings/${meetingId}/attendees/${attendeeIds[c[1]]}`,
      headers: { origin: 'http://localhost:3003', ...(authorization ? { authorization } : {}) },
      onResponse: (status: number, body: string, _: object, headers?: Record<string, unknown>) =>
        check(c, status, body, headers ?? {}),
    };
  });
}

/**
 * Swallows the function's JSON log lines (WARN and above; lambda/common/log-line.ts writes each
 * with one stdout write), checking each for a JWT or a JoinToken and counting `status code
 * (cause)` outcomes; anything else passes through.
 */
function captureLogs() {
  const counts = {
    lines: 0,
    leaks: 0,
    outcomes: new Map<string, { count: number; maxMs: number }>(),
  };
  const read = (line: string) => {
    counts.lines += 1;
    const outcome = /"status":(\d+),"code":"(\w+)","cause":"([^"]*)"/.exec(line);
    if (outcome) {
      const key = `${outcome[1]} ${outcome[2]} (${outcome[3]})`;
      const latency = Number(/"latencyMs":([\d.]+)/.exec(line)?.[1] ?? 0);
      const seen = counts.outcomes.get(key) ?? { count: 0, maxMs: 0 };
      counts.outcomes.set(key, { count: seen.count + 1, maxMs: Math.max(seen.maxMs, latency) });
    }
    if (JWT.test(line) || [...tally.joinTokens].some((token) => line.includes(token))) {
      counts.leaks += 1;
      violation('a log line holds a JWT or a JoinToken');
    }
  };
  const { write } = process.stdout;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'string' || !chunk.startsWith('{"level"')) {
      return (write as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    }
    read(chunk);
    return true;
  }) as typeof write;
  return { counts, restore: () => (process.stdout.write = write) };
}

/** The stack without Chime's rates and caches (every request reaches Chime), or a caller budget. */
const startStack = () =>
  startDevStack({
    ports: { api: 0, emulator: 0, idp: 0 },
    chimeRates: false,
    sharedCache: false,
    env: {
      LOG_LEVEL: 'WARN',
      CALLER_BUDGET_PER_MINUTE: '10000',
      CACHE_ATTENDEE_TTL_MS: '0',
      CACHE_MEETING_TTL_MS: '0',
    },
    loadHandler: async (env) => {
      // The SDK reads its (dummy) credentials from the process, as in a Lambda.
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) {
        process.env[name] ??= env[name];
      }
      process.env.AWS_EC2_METADATA_DISABLED = 'true';
      const container = createContainer(env);
      await container.warmUp();
      return container.handler;
    },
  });

/** A meeting with USERS as attendees, and their tokens (and a stranger's and a moderator's). */
async function seed(stack: DevStack) {
  const [meeting] = stack.emulator.seed({ meetings: 1, attendeesPerMeeting: USERS.length });
  if (!meeting) throw new Error('the emulator seeded no meeting');
  const mint = async (sub: string, groups?: string[]) =>
    `Bearer ${await stack.idp.mint({ sub, ...(groups ? { groups } : {}) })}`;
  const ids = {} as Record<User, string>;
  const tokens = { mallory: await mint('mallory'), maria: await mint('maria', ['moderators']) };
  for (const [i, { AttendeeId, ExternalUserId }] of meeting.Attendees.entries()) {
    const user = USERS[i] as User;
    ids[user] = AttendeeId;
    Object.assign(tokens, { [user]: await mint(ExternalUserId) });
  }
  return { meetingId: meeting.MeetingId, ids, tokens: tokens as Record<Caller, string> };
}

/**
 * Keeps the faults coming: frank's throttle re-armed as soon as it is consumed, and at most one
 * reset pending (none pile up while the load pauses). Counts the Chime calls as it goes.
 */
function disturb(stack: DevStack, frank: string) {
  const calls = { chime: 0, resets: 0 };
  const drain = () => {
    const logged = stack.emulator.calls();
    calls.chime += logged.length;
    calls.resets += logged.filter((call) => call.fault === 'reset').length;
    stack.emulator.resetCalls();
    return { ...calls };
  };
  const throttle = { type: 'error', name: 'ThrottlingException' } as const;
  const timers = [
    setInterval(() => {
      drain();
      if (stack.emulator.faults().some((f) => f.match?.attendeeId === frank)) return;
      const match = { attendeeId: frank };
      stack.emulator.injectFault({ operation: 'GetAttendee', count: 2, fault: throttle, match });
    }, 100),
    setInterval(() => {
      if (stack.emulator.faults().some((f) => f.fault.type === 'reset')) return;
      stack.emulator.injectFault({ operation: 'GetAttendee', count: 1, fault: { type: 'reset' } });
    }, 500),
  ];
  return { drain, stop: () => timers.forEach(clearInterval) };
}

/** RSS and heap in MB after SETTLE_S idle seconds and a collection. */
async function memory() {
  await sleep(SETTLE_S * 1000);
  (globalThis as { gc?: () => void }).gc?.();
  const mb = (bytes: number) => bytes / 1024 / 1024;
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  return { rss: mb(rss), heap: mb(heapUsed), heapTotal: mb(heapTotal), external: mb(external) };
}

type Memory = Awaited<ReturnType<typeof memory>>;
type Calls = ReturnType<ReturnType<typeof disturb>['drain']>;
const pairs = (entries: Iterable<[unknown, unknown]>, sep = '  ') =>
  [...entries].map(([key, value]) => `${key}: ${value}`).join(sep);

function reportLines(
  result: autocannon.Result,
  chime: { warm: Calls; total: Calls },
  logs: ReturnType<typeof captureLogs>['counts'],
  before: Memory,
  after: Memory,
): string[] {
  const inbound = result.requests.total;
  const calls = chime.total.chime - chime.warm.chime;
  const growth = (after.rss - before.rss) / before.rss;
  const mb = (of: (m: Memory) => number) => `${of(before).toFixed(1)} → ${of(after).toFixed(1)}`;
  const statuses = Object.entries(result.statusCodeStats ?? {}).map(([s, { count }]) => [s, count]);
  const outcomes = [...logs.outcomes]
    .sort(([, a], [, b]) => b.count - a.count)
    .map(([o, { count, maxMs }]) => [o, `${count}, ${Math.round(maxMs)} ms`]);
  return [
    '',
    `date: ${new Date().toISOString()}  node: ${process.version}  connections: ${CONNECTIONS}  duration: ${DURATION_S} s (after ${WARMUP_S} s warm-up)`,
    `requests: ${inbound}  (${result.requests.average.toFixed(0)} req/s average)`,
    `latency: p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  max ${result.latency.max} ms`,
    `by status (measured run): ${pairs(statuses as [string, number][])}`,
    `by status (warm-up included): ${pairs([...tally.byStatus].sort(([a], [b]) => a - b))}`,
    `by class (whole run): ${pairs(tally.byClass, '; ')}`,
    `Chime calls: ${calls} for ${inbound} requests (${(calls / Math.max(1, inbound)).toFixed(2)} per request)`,
    `Chime calls reset by the injected fault: ${chime.total.resets - chime.warm.resets} (warm-up included: ${chime.total.resets})`,
    `socket errors: ${result.errors}  timeouts: ${result.timeouts}`,
    `function log lines (WARN and above): ${logs.lines}, with a secret: ${logs.leaks}`,
    `logged outcomes (count, slowest): ${pairs(outcomes as [string, string][], '; ')}`,
    `RSS after warm-up: ${before.rss.toFixed(1)} MB  after the run: ${after.rss.toFixed(1)} MB  (${(growth * 100).toFixed(1)} %, each read after ${SETTLE_S} s idle and a GC);` +
      `  heap used: ${mb((m) => m.heap)} MB (of ${mb((m) => m.heapTotal)})  external: ${mb((m) => m.external)} MB`,
    `contract violations: ${tally.violationCount}`,
    ...tally.violations.map((v) => `  - ${v}`),
    ...(growth > MAX_RSS_GROWTH ? [`RSS grew by more than ${MAX_RSS_GROWTH * 100} %`] : []),
  ];
}

async function main(): Promise<void> {
  const stack = await startStack();
  const { meetingId, ids, tokens } = await seed(stack);
  for (const [user, fault] of Object.entries(STANDING_FAULTS)) {
    const match = { attendeeId: ids[user as User] };
    stack.emulator.injectFault({ operation: 'GetAttendee', count: 'unlimited', match, fault });
  }
  const requests = requestsOf(meetingId, ids, tokens);
  const faults = disturb(stack, ids.frank);
  const logs = captureLogs();
  const run = (duration: number) =>
    autocannon({ url: stack.apiUrl, connections: CONNECTIONS, duration, requests });
  let pass = false;
  try {
    process.stderr.write(
      `warm-up ${WARMUP_S} s, then ${DURATION_S} s on ${CONNECTIONS} connections…\n`,
    );
    await run(WARMUP_S);
    const warm = faults.drain();
    const before = await memory();
    const result = await run(DURATION_S);
    const total = faults.drain();
    const after = await memory();
    const lines = reportLines(result, { warm, total }, logs.counts, before, after);
    process.stderr.write(`${lines.join('\n')}\n`);
    pass =
      tally.violationCount === 0 &&
      result.errors === 0 &&
      result.timeouts === 0 &&
      (after.rss - before.rss) / before.rss <= MAX_RSS_GROWTH;
  } finally {
    faults.stop();
    // Requests autocannon abandoned may still be in their retry backoff: let them finish.
    await sleep(1000);
    await stack.stop();
    logs.restore();
  }
  process.stderr.write(pass ? 'PASS\n' : 'FAIL\n');
  process.exitCode = pass ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
