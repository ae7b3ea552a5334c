/**
 * The storm's simulated browsers, run in {@link BROWSER_PROCESSES} child processes so that their
 * timers and the parent's gateway do not queue behind each other. The parent forks this file
 * ({@link runClients}); each child gets the plan of its share of the attendees, runs it, relays
 * its join-info answers (a roster's lookups wait for both attendees' joins) and sends back what it saw.
 * Times are ms after the storm's start, an epoch time every process shares.
 */
import type { ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  DeleteAttendeeCommand,
  UpdateAttendeeCapabilitiesCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { type ApiError, createAttendeeApiClient, createRosterResolver } from '../../client/src';
import { chimeClientFor } from '../../local/chime-emulator';
import { endChild, firstMessage, forkScript } from './children';
import {
  type Arrival,
  displayNameOf,
  type PlannedChange,
  type Presence,
  type StormAttendee,
} from './plan';
import {
  BROWSER_CONNECTIONS,
  BROWSER_PROCESSES,
  CHURN_POLL,
  CLIENT_RETRY,
  UPDATED_CAPABILITIES,
} from './scenarios';
import type { Answer, AppliedChange } from './staleness';

/** One logical join-info fetch of the schedule (a first fetch or a reload) and how it ended. */
export interface FetchOutcome extends Answer {
  readonly reload: boolean;
  /** Scheduled start → answer, retries and their waits included. */
  readonly latencyMs: number;
}

/** HTTP attempts sent (first tries and retries), by status. */
interface Attempts {
  readonly attempts: number;
  readonly statuses: ReadonlyMap<number, number>;
}

export interface StormLoad extends Attempts {
  readonly outcomes: readonly FetchOutcome[];
  /** How late a fetch started against its schedule, at worst (ms). */
  readonly maxStartLagMs: number;
}

export interface ChurnLoad extends Attempts {
  readonly applied: readonly AppliedChange[];
  /** Changes whose call failed (after the SDK's retries): nothing changed, nothing is judged. */
  readonly failed: readonly { readonly kind: PlannedChange['kind']; readonly reason: string }[];
  /** The churned attendees' polls after their change. */
  readonly polls: readonly Answer[];
}

/**
 * `roster`: the client's roster resolver (the adapter amazon-chime-sdk-component-library-react's
 * `meetingManager.getAttendee` takes); `off`: one attendee GET with `as=<own id>` per lookup.
 */
export type LookupAdapter = 'roster' | 'off';

export interface LookupOutcome {
  readonly viewerId: string;
  readonly attendeeId: string;
  /** Its presence event, or later when either attendee's join-info was answered later. */
  readonly scheduledMs: number;
  /** Due → answered. */
  readonly latencyMs: number;
  readonly found: boolean;
  /** Found: its name against the one in its owner's token. */
  readonly name?: 'matched' | 'absent' | 'other';
  /** Not found: why (`unknown` for the resolver's `{}`, an API error code, `deadline`, `not_joined`). */
  readonly code?: string;
}

export interface LookupLoad extends Attempts {
  readonly adapter: LookupAdapter;
  readonly outcomes: readonly LookupOutcome[];
  /** By route (`roster`, `attendee`). */
  readonly routes: ReadonlyMap<string, number>;
  readonly maxStartLagMs: number;
}

/** What the browsers saw, and what their processes used meanwhile. */
export interface ClientsResult {
  readonly load: StormLoad;
  readonly churn: ChurnLoad | undefined;
  readonly lookups: LookupLoad | undefined;
  readonly cpuSeconds: number;
  /** How late the browsers' event loops ran, at worst over the processes (p99, ms). */
  readonly loopDelayP99Ms: number;
}

/** One browser process's share of the storm. */
interface ClientsPlan {
  readonly baseUrl: string;
  readonly emulatorUrl: string;
  readonly tokens: ReadonlyMap<string, string>;
  readonly arrivals: readonly Arrival[];
  readonly changes: readonly PlannedChange[];
  readonly presence: readonly Presence[];
  readonly adapter: LookupAdapter;
  readonly deadlineMs: number;
  /** Whether the processes tell each other of their join-infos (a roster's lookups wait for them). */
  readonly relayJoins?: boolean;
}

type ToChild = { plan: ClientsPlan } | { start: number } | { joined: JoinAnswer };
type FromChild = { ready: true } | { joined: JoinAnswer } | { result: ClientsResult };
/** An attendee's first join-info: when it was answered, undefined when it failed. */
type JoinAnswer = readonly [attendeeId: string, answeredMs: number | undefined];

/** Sums counts, concatenates lists and takes the worst of `max…` figures over the processes. */
function merged<T extends object>(parts: readonly T[]): T {
  const into: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      const was = into[key];
      if (was === undefined) into[key] = value instanceof Map ? new Map(value) : value;
      else if (Array.isArray(value)) into[key] = [...(was as unknown[]), ...value];
      else if (value instanceof Map) {
        const sums = was as Map<unknown, number>;
        for (const [k, n] of value) sums.set(k, (sums.get(k) ?? 0) + n);
      } else if (typeof value === 'object' && value !== null) {
        into[key] = merged([was as object, value]);
      } else if (typeof value === 'number') {
        into[key] = /^max|P99/.test(key) ? Math.max(was as number, value) : (was as number) + value;
      }
    }
  }
  return into as T;
}

/**
 * Runs the storm's browsers in child processes, each attendee (with its arrivals, churn and
 * lookups as viewer) in one of them, round robin over the arrival order.
 */
export async function runClients(plan: ClientsPlan): Promise<ClientsResult> {
  const share = new Map(
    plan.arrivals.map((a, i) => [a.attendee.attendeeId, i % BROWSER_PROCESSES]),
  );
  const children = Array.from({ length: BROWSER_PROCESSES }, () =>
    forkScript(import.meta.filename, {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    }),
  );
  try {
    const send = (child: ChildProcess, message: ToChild) => child.send(message);
    const ready = children.map(async (child, index) => {
      const mine = (attendee: StormAttendee) => share.get(attendee.attendeeId) === index;
      const answer = firstMessage<FromChild>(child, 'browser process', 60_000);
      send(child, {
        plan: {
          ...plan,
          arrivals: plan.arrivals.filter((a) => mine(a.attendee)),
          changes: plan.changes.filter((c) => mine(c.attendee)),
          presence: plan.presence.filter((p) => mine(p.viewer)),
          relayJoins: plan.presence.length > 0,
        },
      });
      await answer;
    });
    await Promise.all(ready);
    const results = children.map(
      (child) =>
        new Promise<ClientsResult>((resolve, reject) => {
          child.on('message', (message: FromChild) => {
            if ('result' in message) resolve(message.result);
            else if ('joined' in message) {
              for (const other of children) if (other !== child) send(other, message);
            }
          });
          child.once('exit', () => reject(new Error('a browser process exited')));
        }),
    );
    const start = performance.timeOrigin + performance.now();
    for (const child of children) send(child, { start });
    return merged(await Promise.all(results));
  } finally {
    await Promise.all(children.map((child) => endChild(child)));
  }
}

/** A fetch that counts HTTP attempts, their statuses and their routes. */
function countingFetch() {
  const counts = { attempts: 0, statuses: new Map<number, number>(), routes: new Map() };
  const counting: typeof fetch = async (input, init) => {
    counts.attempts += 1;
    const url = input instanceof Request ? input.url : String(input);
    const route = /\/(roster|join-info)(?:\?|$)/.exec(url)?.[1] ?? 'attendee';
    counts.routes.set(route, (counts.routes.get(route) ?? 0) + 1);
    const response = await fetch(input, init);
    counts.statuses.set(response.status, (counts.statuses.get(response.status) ?? 0) + 1);
    return response;
  };
  return { fetch: counting, counts };
}

/** `fetchImpl` with at most `connections` requests under way at once; the others wait in turn. */
function limited(fetchImpl: typeof fetch, connections: number): typeof fetch {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (input, init) => {
    if (active < connections) active += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fetchImpl(input, init);
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}

/** One join-info question: the status, and the capabilities or the error code. */
async function ask(
  api: ReturnType<typeof createAttendeeApiClient>,
  attendee: StormAttendee,
  signal: AbortSignal,
): Promise<Pick<Answer, 'status' | 'code' | 'capabilities'>> {
  try {
    const info = await api.getJoinInfo({ ...attendee, signal });
    return { status: 200, capabilities: info.Attendee.Capabilities };
  } catch (error) {
    if (signal.aborted) return { status: 0, code: 'deadline' };
    const { status } = error as Partial<ApiError>;
    return { status: typeof status === 'number' ? status : 0, code: codeOf(error) };
  }
}

const codeOf = (error: unknown) =>
  String((error as Partial<ApiError>).code ?? (error as Error).name);

type Deferred<T> = { promise: Promise<T>; resolve: (value: T) => void };

/** `Promise.withResolvers` (ES2024; the project's lib is ES2023). */
function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** A child's clock: ms after the start, and every open request aborted at the deadline. */
function stormClock(start: number, deadlineMs: number) {
  // One signal per request: undici warns on a signal shared by more than 1500 listeners.
  const open = new Set<AbortController>();
  const reached = deferred<void>();
  const clock = {
    pastDeadline: false,
    reached: reached.promise,
    now: () => performance.timeOrigin + performance.now() - start,
    at: (ms: number) =>
      new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms - clock.now()))),
    /** Runs `work` with a signal aborted at the deadline. */
    async bounded<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
      const controller = new AbortController();
      open.add(controller);
      try {
        return await work(controller.signal);
      } finally {
        open.delete(controller);
      }
    },
    stop: () => clearTimeout(timer),
  };
  const timer = setTimeout(() => {
    clock.pastDeadline = true;
    reached.resolve();
    for (const controller of open) controller.abort(new Error('past the deadline'));
  }, deadlineMs - clock.now());
  return clock;
}
type Clock = ReturnType<typeof stormClock>;

/**
 * Each attendee is one browser with the typed client (retries as {@link CLIENT_RETRY}) and its
 * own token. A fetch still open at the deadline is aborted and failed; so is a reload that would
 * start after it. Latency counts from the scheduled start, so a late generator shows in it.
 */
async function runArrivals(
  plan: ClientsPlan,
  clock: Clock,
  onJoin: (answer: JoinAnswer) => void,
): Promise<StormLoad> {
  const { fetch, counts } = countingFetch();
  const outcomes: FetchOutcome[] = [];
  let maxStartLagMs = 0;
  const fetchOnce = async (
    api: Api,
    attendee: StormAttendee,
    scheduledMs: number,
    reload: boolean,
  ) => {
    await clock.at(scheduledMs);
    const { attendeeId } = attendee;
    let outcome: FetchOutcome;
    if (clock.pastDeadline) {
      const answeredMs = plan.deadlineMs;
      outcome = {
        attendeeId,
        reload,
        startedMs: scheduledMs,
        answeredMs,
        status: 0,
        code: 'not_started',
        latencyMs: answeredMs - scheduledMs,
      };
    } else {
      const startedMs = clock.now();
      maxStartLagMs = Math.max(maxStartLagMs, startedMs - scheduledMs);
      const answer = await clock.bounded((signal) => ask(api, attendee, signal));
      const answeredMs = clock.now();
      outcome = {
        attendeeId,
        reload,
        startedMs,
        answeredMs,
        latencyMs: answeredMs - scheduledMs,
        ...answer,
      };
    }
    outcomes.push(outcome);
    if (!reload) onJoin([attendeeId, outcome.status === 200 ? outcome.answeredMs : undefined]);
  };
  await Promise.all(
    plan.arrivals.map(async ({ attendee, atMs, reloadAfterMs }) => {
      const api = apiFor(plan, attendee, fetch);
      await fetchOnce(api, attendee, atMs, false);
      if (reloadAfterMs !== undefined) {
        await fetchOnce(api, attendee, clock.now() + reloadAfterMs, true);
      }
    }),
  );
  return { outcomes, attempts: counts.attempts, statuses: counts.statuses, maxStartLagMs };
}

type Api = ReturnType<typeof createAttendeeApiClient>;

const apiFor = (
  plan: ClientsPlan,
  attendee: StormAttendee,
  fetchImpl: typeof fetch,
  retry = true,
) => {
  const token = plan.tokens.get(attendee.externalUserId);
  if (!token) throw new Error('no token for an attendee');
  return createAttendeeApiClient({
    baseUrl: plan.baseUrl,
    getToken: () => token,
    fetch: fetchImpl,
    ...(retry ? { retry: CLIENT_RETRY } : {}),
  });
};

/**
 * The backend's change through the SDK (standard retries), DeleteAttendee or
 * UpdateAttendeeCapabilities; resolves with an update's capabilities as Chime answered them.
 */
async function applyChange(
  chime: ReturnType<typeof chimeClientFor>,
  change: PlannedChange,
): Promise<AppliedChange['capabilities']> {
  const ids = { MeetingId: change.attendee.meetingId, AttendeeId: change.attendee.attendeeId };
  if (change.kind === 'delete') {
    await chime.send(new DeleteAttendeeCommand(ids));
    return undefined;
  }
  const { Attendee } = await chime.send(
    new UpdateAttendeeCapabilitiesCommand({ ...ids, Capabilities: { ...UPDATED_CAPABILITIES } }),
  );
  const { Audio, Video, Content } = Attendee?.Capabilities ?? {};
  if (!Audio || !Video || !Content)
    throw new Error('UpdateAttendeeCapabilities answered no capabilities');
  return { Audio, Video, Content };
}

/**
 * The churn: at each planned time the backend makes its change, and the changed attendee's
 * browser asks again every {@link CHURN_POLL}.intervalMs, `count` times, one try each (a poll is
 * one observation at one moment), each abandoned after `timeoutMs`.
 */
async function runChurn(plan: ClientsPlan, clock: Clock): Promise<ChurnLoad> {
  const { fetch, counts } = countingFetch();
  const chime = chimeClientFor(plan.emulatorUrl);
  const applied: AppliedChange[] = [];
  const failed: ChurnLoad['failed'][number][] = [];
  const polls: Answer[] = [];
  await Promise.all(
    plan.changes.map(async (change) => {
      const api = apiFor(plan, change.attendee, fetch, false);
      await clock.at(change.atMs);
      const sentMs = clock.now();
      let capabilities: AppliedChange['capabilities'];
      try {
        capabilities = await applyChange(chime, change);
      } catch (error) {
        failed.push({ kind: change.kind, reason: (error as Error).name });
        return;
      }
      const changedMs = clock.now();
      const { attendeeId } = change.attendee;
      applied.push({
        attendeeId,
        kind: change.kind,
        sentMs,
        changedMs,
        ...(capabilities ? { capabilities } : {}),
      });
      for (let poll = 1; poll <= CHURN_POLL.count; poll += 1) {
        await clock.at(changedMs + poll * CHURN_POLL.intervalMs);
        const startedMs = clock.now();
        const answer = await ask(api, change.attendee, AbortSignal.timeout(CHURN_POLL.timeoutMs));
        polls.push({ attendeeId, startedMs, answeredMs: clock.now(), ...answer });
      }
    }),
  );
  chime.destroy();
  return { applied, failed, polls, attempts: counts.attempts, statuses: counts.statuses };
}

const nameVerdict = (attendee: StormAttendee, name: string | undefined) =>
  name === undefined ? 'absent' : name === displayNameOf(attendee) ? 'matched' : 'other';

type Found = Pick<LookupOutcome, 'found' | 'name' | 'code'>;

/**
 * A roster's lookups: each viewer, with at most {@link BROWSER_CONNECTIONS} requests under way as
 * a browser, looks the other attendee up through the adapter at each presence event, once both
 * have joined (`joined` resolves with when an attendee's join-info was answered).
 */
async function runLookups(
  plan: ClientsPlan,
  clock: Clock,
  joined: (attendeeId: string) => Promise<number | undefined>,
): Promise<LookupLoad> {
  const { fetch, counts } = countingFetch();
  const outcomes: LookupOutcome[] = [];
  let maxStartLagMs = 0;
  const byViewer = new Map<StormAttendee, Presence[]>();
  for (const event of plan.presence) {
    byViewer.set(event.viewer, [...(byViewer.get(event.viewer) ?? []), event]);
  }

  await Promise.all(
    [...byViewer].map(async ([viewer, events]) => {
      const api = apiFor(plan, viewer, limited(fetch, BROWSER_CONNECTIONS));
      const resolver =
        plan.adapter === 'roster'
          ? createRosterResolver({ client: api, meetingId: viewer.meetingId })
          : undefined;
      const resolve = async (attendee: StormAttendee): Promise<Found> => {
        if (resolver) {
          const answer = await Promise.race([
            resolver.getAttendee(attendee.attendeeId, attendee.externalUserId),
            clock.reached,
          ]);
          if (!answer) return { found: false, code: 'deadline' };
          return answer.externalUserId === attendee.externalUserId
            ? { found: true, name: nameVerdict(attendee, answer.name) }
            : { found: false, code: 'unknown' };
        }
        const { Attendee } = await clock.bounded((signal) =>
          api.getAttendee({ ...attendee, as: viewer.attendeeId, signal }),
        );
        return Attendee.AttendeeId === attendee.attendeeId
          ? { found: true, name: nameVerdict(attendee, Attendee.Name) }
          : { found: false, code: 'other_attendee' };
      };
      const lookUp = async (event: Presence) => {
        const [own, other] = await Promise.all([
          joined(viewer.attendeeId),
          joined(event.attendee.attendeeId),
        ]);
        const base = { viewerId: viewer.attendeeId, attendeeId: event.attendee.attendeeId };
        const scheduledMs = Math.max(event.atMs, own ?? 0, other ?? 0);
        if (own === undefined || clock.pastDeadline) {
          const code = own === undefined ? 'not_joined' : 'not_started';
          outcomes.push({ ...base, scheduledMs, latencyMs: 0, found: false, code });
          return;
        }
        maxStartLagMs = Math.max(maxStartLagMs, clock.now() - scheduledMs);
        let answer: Found;
        try {
          answer = await resolve(event.attendee);
        } catch (error) {
          answer = { found: false, code: clock.pastDeadline ? 'deadline' : codeOf(error) };
        }
        outcomes.push({ ...base, scheduledMs, latencyMs: clock.now() - scheduledMs, ...answer });
      };
      // Each lookup runs on its own, as a tile would; those already due go out together (a timer
      // each would start a late joiner's burst of 249 late by hundreds of ms).
      const lookups: Promise<void>[] = [];
      for (const event of events) {
        if (event.atMs > clock.now()) await clock.at(event.atMs);
        lookups.push(lookUp(event));
      }
      await Promise.all(lookups);
    }),
  );
  const { attempts, statuses, routes } = counts;
  return { adapter: plan.adapter, outcomes, attempts, statuses, routes, maxStartLagMs };
}

/** The child: receives its plan, answers ready, runs it from the start it is sent. */
async function child(): Promise<void> {
  const send = (message: FromChild) => process.send?.(message);
  const joins = new Map<string, Deferred<number | undefined>>();
  const joinOf = (id: string) => {
    if (!joins.has(id)) joins.set(id, deferred());
    return joins.get(id) as Deferred<number | undefined>;
  };
  let plan: ClientsPlan | undefined;
  const start = deferred<number>();
  process.on('message', (message: ToChild) => {
    if ('plan' in message) {
      plan = message.plan;
      send({ ready: true });
    } else if ('start' in message) start.resolve(message.start);
    else joinOf(message.joined[0]).resolve(message.joined[1]);
  });
  process.on('disconnect', () => process.exit(0));
  const clock = stormClock(await start.promise, (plan as ClientsPlan).deadlineMs);
  const ready = plan as ClientsPlan;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  const onJoin = (answer: JoinAnswer) => {
    joinOf(answer[0]).resolve(answer[1]);
    if (ready.relayJoins) send({ joined: answer });
  };
  const [load, churn, lookups] = await Promise.all([
    runArrivals(ready, clock, onJoin),
    ready.changes.length > 0 ? runChurn(ready, clock) : undefined,
    ready.presence.length > 0 ? runLookups(ready, clock, (id) => joinOf(id).promise) : undefined,
  ]);
  clock.stop();
  const { user, system } = process.cpuUsage(cpuBefore);
  send({
    result: {
      load,
      churn,
      lookups,
      cpuSeconds: (user + system) / 1e6,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    },
  });
}

if (process.argv[1] === import.meta.filename && process.send) await child();
