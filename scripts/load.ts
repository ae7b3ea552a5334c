/**
 * Load run against the local stack (`npm run load`): the HTTP API stand-in, the real Middy chain
 * and the Chime emulator, in this process on free ports. Owners, another participant, a stranger,
 * a moderator, bad tokens and IDs, and attendees whose Chime calls always or sometimes fail, all
 * at once on bounded connections for a fixed time, after a warm-up.
 *
 * It prints requests/s, latency p50/p99, counts by status and by request class, the Chime calls
 * per request and the RSS after warm-up and after the run, and exits 1 when any answer falls
 * outside the contract of its class (status, `Cache-Control: no-store`, a JoinToken where none may
 * be), a log line holds a JWT or a JoinToken, or RSS grows by more than 10 %.
 *
 *   LOAD_DURATION=20 LOAD_CONNECTIONS=20 LOAD_WARMUP=60 npm run load
 *
 * Run with `--expose-gc` (the npm script does) so RSS is measured after a collection.
 */
import { randomUUID } from 'node:crypto';
import { CreateAttendeeCommand, CreateMeetingCommand } from '@aws-sdk/client-chime-sdk-meetings';
import autocannon from 'autocannon';
import { createContainer } from '../lambda/attendee/container';
import { type DevStack, startDevStack } from '../local/cli/dev-stack';

const DURATION_S = Number(process.env.LOAD_DURATION ?? 20);
/**
 * RSS climbs for the first ~20 s of load and then stays flat (V8 and the allocator reach their
 * high-water mark: in a 60 s run, 226-227 MB for the last 40 s, heap used unchanged), so the
 * warm-up outlasts that climb and the 10 % check then catches real growth.
 */
const WARMUP_S = Number(process.env.LOAD_WARMUP ?? 60);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 20);
/**
 * Idle seconds before each RSS reading: every request leaves its deadline timer
 * (`AbortSignal.timeout`, DEADLINE_MS, 6 s by default) pending until it fires, so memory is read
 * once those have run out, after a collection.
 */
const SETTLE_S = Number(process.env.LOAD_SETTLE ?? 8);
const MAX_RSS_GROWTH = 0.1;
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/;

/** One kind of request and what the contract allows it to get. */
interface RequestClass {
  readonly name: string;
  readonly path: string;
  readonly authorization?: string;
  readonly statuses: readonly number[];
  /** Whether the answer may carry a JoinToken (the owner's own attendee). */
  readonly mayCarryToken: boolean;
  /**
   * Whether the request reaches Chime, where the intermittent resets can hit it: retried while
   * the container's retry quota lasts, a 502 once the failing attendees have spent it.
   */
  readonly reachesChime: boolean;
}

interface Tally {
  readonly byStatus: Map<number, number>;
  readonly byClass: Map<string, number>;
  readonly violations: string[];
  violationCount: number;
}

const newTally = (): Tally => ({
  byStatus: new Map(),
  byClass: new Map(),
  violations: [],
  violationCount: 0,
});

function violation(tally: Tally, text: string): void {
  tally.violationCount += 1;
  if (tally.violations.length < 20) tally.violations.push(text);
}

/**
 * Swallows the function's JSON log lines (LOG_LEVEL=WARN still logs every 5xx; errors go to
 * stderr), checking each for a JWT or a JoinToken. `report` writes past the capture.
 */
function captureLogs(tally: Tally, joinTokens: Set<string>) {
  const counts = {
    lines: 0,
    leaks: 0,
    /** `status code (cause)` → how many, and the slowest, in ms. */
    outcomes: new Map<string, { count: number; maxMs: number }>(),
  };
  const originals = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text =
        typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : '';
      if (!text.startsWith('{"level"')) return write(chunk, ...rest);
      for (const line of text.split('\n').filter((l) => l !== '')) {
        counts.lines += 1;
        const outcome = /"status":(\d+),"code":"(\w+)","cause":"([^"]*)"/.exec(line);
        if (outcome) {
          const key = `${outcome[1]} ${outcome[2]} (${outcome[3]})`;
          const latency = Number(/"latencyMs":([\d.]+)/.exec(line)?.[1] ?? 0);
          const seen = counts.outcomes.get(key) ?? { count: 0, maxMs: 0 };
          counts.outcomes.set(key, { count: seen.count + 1, maxMs: Math.max(seen.maxMs, latency) });
        }
        if (JWT.test(line) || [...joinTokens].some((token) => line.includes(token))) {
          counts.leaks += 1;
          violation(tally, 'a log line holds a JWT or a JoinToken');
        }
      }
      return true;
    }) as typeof stream.write;
    return { stream, write };
  });
  return {
    counts,
    restore: () => {
      for (const { stream, write } of originals) stream.write = write as typeof stream.write;
    },
  };
}

async function seed(stack: DevStack) {
  const { Meeting } = await stack.chime.send(
    new CreateMeetingCommand({
      ClientRequestToken: `load-${Date.now()}`,
      ExternalMeetingId: 'load-run',
      MediaRegion: 'us-east-1',
    }),
  );
  const meetingId = Meeting?.MeetingId as string;
  const attendees: Record<string, string> = {};
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) {
    const { Attendee } = await stack.chime.send(
      new CreateAttendeeCommand({ MeetingId: meetingId, ExternalUserId: user }),
    );
    attendees[user] = Attendee?.AttendeeId as string;
  }
  return { meetingId, attendees };
}

/** RSS and heap in MB after SETTLE_S idle seconds and a collection (with `--expose-gc`). */
async function memory() {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_S * 1000));
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  const mb = (bytes: number) => bytes / 1024 / 1024;
  return { rss: mb(rss), heap: mb(heapUsed), heapTotal: mb(heapTotal), external: mb(external) };
}

async function main(): Promise<void> {
  const stack = await startDevStack({
    ports: { api: 0, emulator: 0, idp: 0 },
    // Our throughput, not Chime's rates (those are `npm run storm`'s subject).
    chimeRates: false,
    // Its strangers are a steady part of the mix, not an attack: no caller budget in the way.
    env: { LOG_LEVEL: 'WARN', CALLER_BUDGET_PER_MINUTE: '10000' },
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
  const { meetingId, attendees } = await seed(stack);
  const token = async (sub: string, groups?: string[]) =>
    `Bearer ${await stack.idp.mint({ sub, ...(groups ? { groups } : {}) })}`;
  const path = (attendeeId: string) => `/meetings/${meetingId}/attendees/${attendeeId}`;
  const [alice, bob, carol, dave, erin, frank, mallory, maria] = await Promise.all([
    token('alice'),
    token('bob'),
    token('carol'),
    token('dave'),
    token('erin'),
    token('frank'),
    token('mallory'),
    token('maria', ['moderators']),
  ]);

  // Recurring faults, each on one attendee: credentials refused, failing service, a 200 without
  // an attendee; and an intermittent throttle on frank's, re-armed as soon as it is consumed.
  const on = (attendeeId: string) => ({ attendeeId });
  stack.emulator.injectFault({
    operation: 'GetAttendee',
    count: 'unlimited',
    match: on(attendees.carol as string),
    fault: { type: 'error', name: 'ForbiddenException' },
  });
  stack.emulator.injectFault({
    operation: 'GetAttendee',
    count: 'unlimited',
    match: on(attendees.dave as string),
    fault: { type: 'error', name: 'ServiceFailureException' },
  });
  stack.emulator.injectFault({
    operation: 'GetAttendee',
    count: 'unlimited',
    match: on(attendees.erin as string),
    fault: { type: 'malformed', status: 200, body: {} },
  });

  const classes: RequestClass[] = [
    {
      name: 'owner',
      path: path(attendees.alice as string),
      authorization: alice,
      statuses: [200],
      mayCarryToken: true,
      reachesChime: true,
    },
    {
      name: 'owner (upper-case ids)',
      path: path((attendees.bob as string).toUpperCase()),
      authorization: bob,
      statuses: [200],
      mayCarryToken: true,
      reachesChime: true,
    },
    {
      name: 'other participant',
      path: path(attendees.alice as string),
      authorization: bob,
      statuses: [404],
      mayCarryToken: false,
      reachesChime: true,
    },
    {
      name: 'stranger',
      path: path(attendees.bob as string),
      authorization: mallory,
      statuses: [404],
      mayCarryToken: false,
      reachesChime: true,
    },
    {
      name: 'stranger, missing attendee',
      path: path(randomUUID()),
      authorization: mallory,
      statuses: [404],
      mayCarryToken: false,
      reachesChime: true,
    },
    {
      name: 'moderator',
      path: path(attendees.alice as string),
      authorization: maria,
      statuses: [200],
      mayCarryToken: false,
      reachesChime: true,
    },
    {
      name: 'forged token',
      path: path(attendees.alice as string),
      authorization: `${alice.slice(0, -8)}AAAAAAAA`,
      statuses: [401],
      mayCarryToken: false,
      reachesChime: false,
    },
    {
      name: 'no token',
      path: path(attendees.alice as string),
      statuses: [401],
      mayCarryToken: false,
      reachesChime: false,
    },
    {
      name: 'invalid id',
      path: path('not-a-guid'),
      authorization: alice,
      statuses: [400],
      mayCarryToken: false,
      reachesChime: false,
    },
    {
      name: 'Chime refuses our credentials',
      path: path(attendees.carol as string),
      authorization: carol,
      statuses: [502],
      mayCarryToken: false,
      reachesChime: true,
    },
    {
      name: 'Chime fails',
      path: path(attendees.dave as string),
      authorization: dave,
      statuses: [502],
      mayCarryToken: false,
      reachesChime: true,
    },
    {
      name: 'Chime answers no attendee',
      path: path(attendees.erin as string),
      authorization: erin,
      statuses: [502],
      mayCarryToken: false,
      reachesChime: true,
    },
    {
      name: 'Chime throttles sometimes',
      path: path(attendees.frank as string),
      authorization: frank,
      statuses: [200, 503],
      mayCarryToken: true,
      reachesChime: true,
    },
  ];

  const tally = newTally();
  const joinTokens = new Set<string>();
  const requests = classes.map((c) => ({
    method: 'GET' as const,
    path: c.path,
    headers: {
      origin: 'http://localhost:3003',
      ...(c.authorization ? { authorization: c.authorization } : {}),
    },
    onResponse: (
      status: number,
      body: string,
      _context: object,
      headers: autocannon.Request['headers'],
    ) => {
      tally.byStatus.set(status, (tally.byStatus.get(status) ?? 0) + 1);
      tally.byClass.set(c.name, (tally.byClass.get(c.name) ?? 0) + 1);
      const allowed = c.reachesChime ? [...c.statuses, 502] : c.statuses;
      if (!allowed.includes(status)) violation(tally, `${c.name}: status ${status}`);
      const cacheControl = Object.entries(headers ?? {}).find(
        ([name]) => name.toLowerCase() === 'cache-control',
      );
      if (cacheControl?.[1] !== 'no-store')
        violation(tally, `${c.name}: no Cache-Control: no-store`);
      const joinToken = /"JoinToken":"([^"]+)"/.exec(body)?.[1];
      if (joinToken && !c.mayCarryToken) violation(tally, `${c.name}: a JoinToken`);
      if (joinToken && joinTokens.size < 10) joinTokens.add(joinToken);
    },
  }));

  let chimeCalls = 0;
  let resetCalls = 0;
  const drainCalls = () => {
    const calls = stack.emulator.calls();
    chimeCalls += calls.length;
    resetCalls += calls.filter((call) => call.fault === 'reset').length;
    stack.emulator.resetCalls();
  };
  const background = setInterval(() => {
    drainCalls();
    const flakyArmed = stack.emulator.faults().some((f) => f.match?.attendeeId === attendees.frank);
    if (!flakyArmed) {
      stack.emulator.injectFault({
        operation: 'GetAttendee',
        count: 2,
        match: on(attendees.frank as string),
        fault: { type: 'error', name: 'ThrottlingException' },
      });
    }
  }, 100);
  // At most one reset pending, so none pile up while the load pauses.
  const resets = setInterval(() => {
    if (!stack.emulator.faults().some((f) => f.fault.type === 'reset')) {
      stack.emulator.injectFault({ operation: 'GetAttendee', count: 1, fault: { type: 'reset' } });
    }
  }, 500);

  const logs = captureLogs(tally, joinTokens);
  const run = (duration: number) =>
    autocannon({ url: stack.apiUrl, connections: CONNECTIONS, duration, requests });
  let exitCode = 0;
  try {
    process.stderr.write(
      `warm-up ${WARMUP_S} s, then ${DURATION_S} s on ${CONNECTIONS} connections…\n`,
    );
    await run(WARMUP_S);
    drainCalls();
    const warm = { chime: chimeCalls, resets: resetCalls };
    const before = await memory();
    const result = await run(DURATION_S);
    drainCalls();
    const after = await memory();
    const growth = (after.rss - before.rss) / before.rss;
    const inbound = result.requests.total;

    const lines = [
      '',
      `date: ${new Date().toISOString()}  node: ${process.version}  connections: ${CONNECTIONS}  duration: ${DURATION_S} s (after ${WARMUP_S} s warm-up)`,
      `requests: ${inbound}  (${result.requests.average.toFixed(0)} req/s average)`,
      `latency: p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  max ${result.latency.max} ms`,
      `by status (measured run): ${Object.entries(result.statusCodeStats ?? {})
        .map(([s, { count }]) => `${s}: ${count}`)
        .join('  ')}`,
      `by status (warm-up included): ${[...tally.byStatus]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}: ${n}`)
        .join('  ')}`,
      `by class (whole run): ${[...tally.byClass].map(([c, n]) => `${c}: ${n}`).join('; ')}`,
      `Chime calls: ${chimeCalls - warm.chime} for ${inbound} requests (${((chimeCalls - warm.chime) / Math.max(1, inbound)).toFixed(2)} per request)`,
      `Chime calls reset by the injected fault: ${resetCalls - warm.resets} (warm-up included: ${resetCalls})`,
      `socket errors: ${result.errors}  timeouts: ${result.timeouts}`,
      `function log lines (WARN and above): ${logs.counts.lines}, with a secret: ${logs.counts.leaks}`,
      `logged outcomes (count, slowest): ${[...logs.counts.outcomes]
        .sort(([, a], [, b]) => b.count - a.count)
        .map(([o, { count, maxMs }]) => `${o}: ${count}, ${Math.round(maxMs)} ms`)
        .join('; ')}`,
      `RSS after warm-up: ${before.rss.toFixed(1)} MB  after the run: ${after.rss.toFixed(1)} MB  (${(growth * 100).toFixed(1)} %, each read after ${SETTLE_S} s idle and a GC);` +
        `  heap used: ${before.heap.toFixed(1)} → ${after.heap.toFixed(1)} MB (of ${before.heapTotal.toFixed(1)} → ${after.heapTotal.toFixed(1)})` +
        `  external: ${before.external.toFixed(1)} → ${after.external.toFixed(1)} MB`,
      `contract violations: ${tally.violationCount}`,
      ...tally.violations.map((v) => `  - ${v}`),
    ];
    process.stderr.write(`${lines.join('\n')}\n`);
    if (tally.violationCount > 0 || result.errors > 0 || result.timeouts > 0) exitCode = 1;
    if (growth > MAX_RSS_GROWTH) {
      process.stderr.write(`RSS grew by more than ${MAX_RSS_GROWTH * 100} %\n`);
      exitCode = 1;
    }
  } finally {
    clearInterval(background);
    clearInterval(resets);
    // Requests autocannon abandoned at the end may still be in their retry backoff (they had
    // SETTLE_S seconds already): let them finish against a live emulator before stopping.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await stack.stop();
    logs.restore();
  }
  process.stderr.write(exitCode === 0 ? 'PASS\n' : 'FAIL\n');
  process.exitCode = exitCode;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
