/**
 * The storm's simulated browsers (this file is also the browser process {@link runClients} forks).
 * Times are ms after the storm's start, an epoch time every process shares.
 */
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** One join-info fetch (first or reload); latency: scheduled start → answer, retries included. */
export type FetchOutcome = Answer & { readonly latencyMs: number };

export type StormLoad = Awaited<ReturnType<typeof runArrivals>>;
export type ChurnLoad = Awaited<ReturnType<typeof runChurn>>;
export type LookupLoad = Awaited<ReturnType<typeof runLookups>>;

/**
 * `roster`: the client's roster resolver (the adapter amazon-chime-sdk-component-library-react's
 * `meetingManager.getAttendee` takes); `off`: one attendee GET with `as=<own id>` per lookup.
 */
type LookupAdapter = 'roster' | 'off';

export interface LookupOutcome {
  readonly attendeeId: string;
  /** From its presence event, or later when either attendee's join-info was answered later. */
  readonly latencyMs: number;
  readonly found: boolean;
  /** Found: its name against the one in its owner's token. */
  readonly name?: 'matched' | 'absent' | 'other';
  /** Not found: why (`unknown` for the resolver's `{}`, an API error code, `deadline`, `not_joined`). */
  readonly code?: string;
}

export interface ClientsResult {
  readonly load: StormLoad;
  readonly churn: ChurnLoad | undefined;
  readonly lookups: LookupLoad | undefined;
  /** The browser processes' CPU during the storm and worst event-loop p99 (none in the parent). */
  readonly cpuSeconds?: number;
  readonly loopDelayP99Ms?: number;
}

interface ClientsPlan {
  readonly baseUrl: string;
  readonly emulatorUrl: string;
  readonly tokens: ReadonlyMap<string, string>;
  readonly arrivals: readonly Arrival[];
  readonly changes: readonly PlannedChange[];
  readonly presence: readonly Presence[];
  readonly adapter: LookupAdapter;
  readonly deadlineMs: number;
}

/** An attendee's first join-info: when it was answered, undefined when it failed. */
type Joined = readonly [attendeeId: string, answeredMs: number | undefined];
type Message =
  | { plan: ClientsPlan }
  | { ready: true }
  | { start: number }
  | { joined: Joined }
  | { result: ClientsResult };

/** Sums counts, concatenates lists and takes the worst of `max…`/`…P99…` figures. */
function merged<T extends object>(parts: readonly T[]): T {
  const into: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      const was = into[key];
      if (was === undefined) into[key] = value;
      else if (Array.isArray(value)) into[key] = [...(was as unknown[]), ...value];
      else if (typeof value === 'object' && value !== null) {
        into[key] = merged([was as object, value]);
      } else if (typeof value === 'number') {
        into[key] = /^max|P99/.test(key) ? Math.max(was as number, value) : (was as number) + value;
      }
    }
  }
  return into as T;
}

/**
 * Runs the plan. A roster's 62,250 lookups need the browsers in child processes, each attendee
 * (arrivals, churn, lookups as viewer) in one, so that their timers and the gateway's do not queue
 * behind each other; the children relay their join-infos, which a lookup waits for. The join
 * storms' requests alone run in the parent, which costs less CPU than child processes and their
 * messages (the event's 10,000 attendees: 7 CPU-seconds more in 66 s).
 */
export async function runClients(plan: ClientsPlan): Promise<ClientsResult> {
  if (plan.presence.length === 0) {
    const start = performance.timeOrigin + performance.now();
    return runPlan(plan, stormClock(start, plan.deadlineMs), () => {});
  }
  const share = new Map(plan.arrivals.map((a, i) => [a.attendee, i % BROWSER_PROCESSES]));
  const children = Array.from({ length: BROWSER_PROCESSES }, () =>
    forkScript(import.meta.filename, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    }),
  );
  try {
    const ready = children.map((child, index) => {
      const mine = ({ attendee, viewer }: { attendee: StormAttendee; viewer?: StormAttendee }) =>
        share.get(viewer ?? attendee) === index;
      child.send({
        plan: {
          ...plan,
          arrivals: plan.arrivals.filter(mine),
          changes: plan.changes.filter(mine),
          presence: plan.presence.filter(mine),
        },
      } satisfies Message);
      return firstMessage(child, 'a browser process', 60_000);
    });
    await Promise.all(ready);
    const results = children.map(
      (child) =>
        new Promise<ClientsResult>((resolve, reject) => {
          child.on('message', (message: Message) => {
            if ('result' in message) resolve(message.result);
            for (const other of children)
              if (other !== child && 'joined' in message) other.send(message);
          });
          child.once('exit', () => reject(new Error('a browser process exited')));
        }),
    );
    const start = performance.timeOrigin + performance.now();
    for (const child of children) child.send({ start } satisfies Message);
    return merged(await Promise.all(results));
  } finally {
    await Promise.all(children.map((child) => endChild(child)));
  }
}

/** A fetch that notes each HTTP attempt's route and each answer's status. */
function countingFetch() {
  const counts = { routes: [] as string[], statuses: [] as number[] };
  const counting: typeof fetch = async (input, init) => {
    counts.routes.push(/\/(roster|join-info)(?:\?|$)/.exec(String(input))?.[1] ?? 'attendee');
    const response = await fetch(input, init);
    counts.statuses.push(response.status);
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

type Api = ReturnType<typeof createAttendeeApiClient>;

const apiFor = (plan: ClientsPlan, who: StormAttendee, fetchImpl: typeof fetch, retry = true) => {
  const token = plan.tokens.get(who.externalUserId);
  if (!token) throw new Error('no token for an attendee');
  const options = { baseUrl: plan.baseUrl, getToken: () => token, fetch: fetchImpl };
  return createAttendeeApiClient(retry ? { ...options, retry: CLIENT_RETRY } : options);
};

const codeOf = (error: unknown) =>
  String((error as Partial<ApiError>).code ?? (error as Error).name);

/** One join-info question: the status, and the capabilities or the error code. */
async function ask(api: Api, attendee: StormAttendee, signal: AbortSignal) {
  try {
    const info = await api.getJoinInfo({ ...attendee, signal });
    return { status: 200, capabilities: info.Attendee.Capabilities };
  } catch (error) {
    if (signal.aborted) return { status: 0, code: 'deadline' };
    const { status } = error as Partial<ApiError>;
    return { status: typeof status === 'number' ? status : 0, code: codeOf(error) };
  }
}

/** A child's clock: ms after the start, and the deadline every open request is aborted at. */
function stormClock(start: number, deadlineMs: number) {
  const now = () => performance.timeOrigin + performance.now() - start;
  const deadline = new AbortController();
  // One signal per request: undici warns when one signal has more than 1500 listeners.
  const open = new Set<AbortController>();
  setTimeout(() => {
    deadline.abort();
    for (const controller of open) controller.abort(new Error('past the deadline'));
  }, deadlineMs - now()).unref();
  return {
    now,
    at: (ms: number) => sleep(Math.max(0, ms - now())),
    deadline: deadline.signal,
    reached: once(deadline.signal, 'abort').then(() => undefined),
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
  };
}
type Clock = ReturnType<typeof stormClock>;

/**
 * Each attendee is one browser with the typed client and its own token. A fetch still open at the
 * deadline fails, and so does a reload that would start after it. Latency counts from the
 * scheduled start, so a late generator shows in it.
 */
async function runArrivals(plan: ClientsPlan, clock: Clock, onJoin: (joined: Joined) => void) {
  const { fetch, counts } = countingFetch();
  const outcomes: FetchOutcome[] = [];
  let maxStartLagMs = 0;
  const fetchOnce = async (api: Api, attendee: StormAttendee, atMs: number, reload: boolean) => {
    await clock.at(atMs);
    const late = clock.deadline.aborted;
    const startedMs = late ? atMs : clock.now();
    maxStartLagMs = Math.max(maxStartLagMs, startedMs - atMs);
    const answer = late
      ? { status: 0, code: 'not_started' }
      : await clock.bounded((signal) => ask(api, attendee, signal));
    const answeredMs = late ? plan.deadlineMs : clock.now();
    const { attendeeId } = attendee;
    outcomes.push({ attendeeId, startedMs, answeredMs, latencyMs: answeredMs - atMs, ...answer });
    if (!reload) onJoin([attendeeId, answer.status === 200 ? answeredMs : undefined]);
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
  return { outcomes, ...counts, maxStartLagMs };
}

/** The backend's change (SDK retries); resolves with an update's capabilities as Chime answered. */
async function applyChange(
  chime: ReturnType<typeof chimeClientFor>,
  { attendee, kind }: Pick<PlannedChange, 'attendee' | 'kind'>,
) {
  const ids = { MeetingId: attendee.meetingId, AttendeeId: attendee.attendeeId };
  if (kind === 'delete') {
    await chime.send(new DeleteAttendeeCommand(ids));
    return undefined;
  }
  const { Attendee } = await chime.send(
    new UpdateAttendeeCapabilitiesCommand({ ...ids, Capabilities: { ...UPDATED_CAPABILITIES } }),
  );
  const { Audio, Video, Content } = Attendee?.Capabilities ?? {};
  if (!Audio || !Video || !Content) throw new Error('UpdateAttendeeCapabilities: no capabilities');
  return { Audio, Video, Content };
}

/**
 * The churn: at each planned time the backend makes its change, and the changed attendee's
 * browser asks again every {@link CHURN_POLL}.intervalMs, `count` times, each one observation
 * abandoned after `timeoutMs`.
 */
async function runChurn(plan: ClientsPlan, clock: Clock) {
  const { fetch, counts } = countingFetch();
  const chime = chimeClientFor(plan.emulatorUrl);
  const applied: AppliedChange[] = [];
  const failed: { kind: PlannedChange['kind']; reason: string }[] = [];
  const polls: Answer[] = [];
  await Promise.all(
    plan.changes.map(async ({ attendee, kind, atMs }) => {
      const api = apiFor(plan, attendee, fetch, false);
      await clock.at(atMs);
      const sentMs = clock.now();
      let capabilities: AppliedChange['capabilities'];
      try {
        capabilities = await applyChange(chime, { attendee, kind });
      } catch (error) {
        failed.push({ kind, reason: (error as Error).name });
        return;
      }
      const changedMs = clock.now();
      const { attendeeId } = attendee;
      applied.push({ attendeeId, kind, sentMs, changedMs, ...(capabilities && { capabilities }) });
      for (let poll = 1; poll <= CHURN_POLL.count; poll += 1) {
        await clock.at(changedMs + poll * CHURN_POLL.intervalMs);
        const startedMs = clock.now();
        const answer = await ask(api, attendee, AbortSignal.timeout(CHURN_POLL.timeoutMs));
        polls.push({ attendeeId, startedMs, answeredMs: clock.now(), ...answer });
      }
    }),
  );
  chime.destroy();
  return { applied, failed, polls, ...counts };
}

type Found = Pick<LookupOutcome, 'found' | 'name' | 'code'>;

const named = (attendee: StormAttendee, name: string | undefined): Found => ({
  found: true,
  name: name === undefined ? 'absent' : name === displayNameOf(attendee) ? 'matched' : 'other',
});

/**
 * A roster's lookups: at each presence event, once both have joined (`joined`), the viewer looks
 * the other attendee up through the adapter, with at most {@link BROWSER_CONNECTIONS} requests
 * under way as a browser. Each lookup runs on its own, as a tile would.
 */
async function runLookups(
  plan: ClientsPlan,
  clock: Clock,
  joined: (attendeeId: string) => Promise<number | undefined>,
) {
  const { fetch, counts } = countingFetch();
  const outcomes: LookupOutcome[] = [];
  let maxStartLagMs = 0;
  const byViewer = Map.groupBy(plan.presence, ({ viewer }) => viewer);
  const browse = async (viewer: StormAttendee, events: readonly Presence[]) => {
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
          ? named(attendee, answer.name)
          : { found: false, code: 'unknown' };
      }
      const { Attendee } = await clock.bounded((signal) =>
        api.getAttendee({ ...attendee, as: viewer.attendeeId, signal }),
      );
      return Attendee.AttendeeId === attendee.attendeeId
        ? named(attendee, Attendee.Name)
        : { found: false, code: 'other_attendee' };
    };
    const lookUp = async (event: Presence) => {
      const own = await joined(viewer.attendeeId);
      const other = await joined(event.attendee.attendeeId);
      const { attendeeId } = event.attendee;
      const scheduledMs = Math.max(event.atMs, own ?? 0, other ?? 0);
      if (own === undefined || clock.deadline.aborted) {
        const code = own === undefined ? 'not_joined' : 'not_started';
        outcomes.push({ attendeeId, latencyMs: 0, found: false, code });
        return;
      }
      maxStartLagMs = Math.max(maxStartLagMs, clock.now() - scheduledMs);
      const answer = await resolve(event.attendee).catch(
        (error: unknown): Found => ({
          found: false,
          code: clock.deadline.aborted ? 'deadline' : codeOf(error),
        }),
      );
      outcomes.push({ attendeeId, latencyMs: clock.now() - scheduledMs, ...answer });
    };
    // Those already due go out together: a timer each would start a late joiner's burst of 249
    // late by hundreds of ms.
    const lookups: Promise<void>[] = [];
    for (const event of events) {
      if (event.atMs > clock.now()) await clock.at(event.atMs);
      lookups.push(lookUp(event));
    }
    await Promise.all(lookups);
  };
  await Promise.all([...byViewer].map(([viewer, events]) => browse(viewer, events)));
  return { adapter: plan.adapter, outcomes, ...counts, maxStartLagMs };
}

/** The child: takes its plan, answers ready, runs it from the start it is sent, sends the result. */
async function child(): Promise<void> {
  const send = (message: Message) => process.send?.(message);
  // One promise per attendee: `events.once` would add an 'error' listener per waiting lookup.
  const joins = new Map<string, PromiseWithResolvers<number | undefined>>();
  const joinOf = (id: string) => {
    if (!joins.has(id)) joins.set(id, Promise.withResolvers());
    return joins.get(id) as PromiseWithResolvers<number | undefined>;
  };
  const learn = ([id, answeredMs]: Joined) => joinOf(id).resolve(answeredMs);
  // Registered first: a sibling's join may come in the same read as the start.
  process.on('message', (message: Message) => 'joined' in message && learn(message.joined));
  process.on('disconnect', () => process.exit(0));
  const [{ plan }] = (await once(process, 'message')) as [{ plan: ClientsPlan }];
  send({ ready: true });
  const [{ start }] = (await once(process, 'message')) as [{ start: number }];
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  const onJoin = (answer: Joined) => {
    learn(answer);
    send({ joined: answer });
  };
  const clock = stormClock(start, plan.deadlineMs);
  const result = await runPlan(plan, clock, onJoin, (id) => joinOf(id).promise);
  const { user, system } = process.cpuUsage(cpuBefore);
  const loopDelayP99Ms = loopDelay.percentile(99) / 1e6;
  send({ result: { ...result, cpuSeconds: (user + system) / 1e6, loopDelayP99Ms } });
}

/** The plan's arrivals, churn and (with a `joined` lookup) roster lookups, side by side. */
async function runPlan(
  plan: ClientsPlan,
  clock: Clock,
  onJoin: (joined: Joined) => void,
  joined?: (id: string) => Promise<number | undefined>,
): Promise<ClientsResult> {
  const [load, churn, lookups] = await Promise.all([
    runArrivals(plan, clock, onJoin),
    plan.changes.length > 0 ? runChurn(plan, clock) : undefined,
    joined && plan.presence.length > 0 ? runLookups(plan, clock, joined) : undefined,
  ]);
  return { load, churn, lookups };
}

if (process.argv[1] === import.meta.filename && process.send) await child();
