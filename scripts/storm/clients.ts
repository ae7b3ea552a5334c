import { type ApiError, createAttendeeApiClient, createRosterResolver } from '../../client/src';
import {
  type Arrival,
  displayNameOf,
  type PlannedChange,
  type Presence,
  type StormAttendee,
} from './plan';
import { BROWSER_CONNECTIONS, CHURN_POLL, CLIENT_RETRY } from './scenarios';
import type { Answer, AppliedChange } from './staleness';

/** One logical join-info fetch of the schedule (a first fetch or a reload) and how it ended. */
export interface FetchOutcome extends Answer {
  readonly reload: boolean;
  /** Scheduled start → answer, retries and their waits included. */
  readonly latencyMs: number;
}

/** What the load generator saw, besides the outcomes. */
export interface StormLoad {
  readonly outcomes: readonly FetchOutcome[];
  /** HTTP attempts sent (first tries and retries), and their statuses. */
  readonly attempts: number;
  readonly statuses: ReadonlyMap<number, number>;
  /** How late the generator started a fetch against its schedule, at worst (ms). */
  readonly maxStartLagMs: number;
}

type Api = ReturnType<typeof createAttendeeApiClient>;

/** The API route a request URL is for. */
const routeOf = (url: string) =>
  /\/roster(?:\?|$)/.test(url)
    ? 'roster'
    : /\/join-info(?:\?|$)/.test(url)
      ? 'join-info'
      : 'attendee';

/** A fetch that counts HTTP attempts, their statuses and their routes. */
function countingFetch() {
  const statuses = new Map<number, number>();
  const routes = new Map<string, number>();
  let attempts = 0;
  const counting: typeof fetch = async (input, init) => {
    attempts += 1;
    const route = routeOf(input instanceof Request ? input.url : String(input));
    routes.set(route, (routes.get(route) ?? 0) + 1);
    const response = await fetch(input, init);
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    return response;
  };
  return { fetch: counting, statuses, routes, attempts: () => attempts };
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
      // Hand the connection to the next in line, or free it.
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}

/** Resolves `ms` after `start` (a `performance.now()`), at once when that has passed. */
const at = (start: number, ms: number) =>
  new Promise<void>((resolve) =>
    setTimeout(resolve, Math.max(0, ms - (performance.now() - start))),
  );

/** One join-info question: the status, and the capabilities or the error code. */
async function ask(
  api: Api,
  attendee: StormAttendee,
  signal: AbortSignal,
): Promise<Pick<Answer, 'status' | 'code' | 'capabilities'>> {
  try {
    const info = await api.getJoinInfo({
      meetingId: attendee.meetingId,
      attendeeId: attendee.attendeeId,
      signal,
    });
    return { status: 200, capabilities: info.Attendee.Capabilities };
  } catch (error) {
    if (signal.aborted) return { status: 0, code: 'deadline' };
    const { status, code } = error as Partial<ApiError>;
    return {
      status: typeof status === 'number' ? status : 0,
      code: String(code ?? (error as Error).name),
    };
  }
}

/**
 * Runs the schedule against `baseUrl`: each attendee is one browser with the typed client
 * (client/src, retries as {@link CLIENT_RETRY}: `Retry-After` honoured, at most 3 tries) and its
 * own token, on Node's fetch (undici, keep-alive). A fetch still open at `deadlineMs` is aborted
 * and failed; so is a reload that would start after it. Latency is counted from the scheduled
 * start, so a late generator shows up in it instead of hiding. Times are ms after `start`
 * (a `performance.now()`), which the churn shares.
 */
export async function runArrivals(options: {
  readonly baseUrl: string;
  readonly arrivals: readonly Arrival[];
  readonly tokens: ReadonlyMap<string, string>;
  readonly deadlineMs: number;
  readonly start: number;
  /** Told of every outcome as it comes (the roster's lookups wait for the joins). */
  readonly onOutcome?: (outcome: FetchOutcome) => void;
}): Promise<StormLoad> {
  const counting = countingFetch();
  let maxStartLagMs = 0;
  // One signal per fetch, all aborted at the deadline: one shared signal would carry thousands of
  // listeners, and undici caps a signal it sees crowded at 1500 (warning on every fetch past it).
  const open = new Set<AbortController>();
  let pastDeadline = false;
  const { start } = options;
  const now = () => performance.now() - start;
  const deadline = setTimeout(() => {
    pastDeadline = true;
    for (const controller of open) controller.abort(new Error('past the deadline'));
  }, options.deadlineMs - now());
  const outcomes: FetchOutcome[] = [];
  const record = (outcome: FetchOutcome) => {
    outcomes.push(outcome);
    options.onOutcome?.(outcome);
  };

  const fetchOnce = async (api: Api, arrival: Arrival, scheduledMs: number, reload: boolean) => {
    await at(start, scheduledMs);
    const { attendeeId } = arrival.attendee;
    if (pastDeadline) {
      record({
        attendeeId,
        reload,
        startedMs: scheduledMs,
        answeredMs: options.deadlineMs,
        latencyMs: options.deadlineMs - scheduledMs,
        status: 0,
        code: 'not_started',
      });
      return;
    }
    const startedMs = now();
    maxStartLagMs = Math.max(maxStartLagMs, startedMs - scheduledMs);
    const controller = new AbortController();
    open.add(controller);
    try {
      const answer = await ask(api, arrival.attendee, controller.signal);
      const answeredMs = now();
      record({
        attendeeId,
        reload,
        startedMs,
        answeredMs,
        latencyMs: answeredMs - scheduledMs,
        ...answer,
      });
    } finally {
      open.delete(controller);
    }
  };

  await Promise.all(
    options.arrivals.map(async (arrival) => {
      const token = options.tokens.get(arrival.attendee.externalUserId);
      if (!token) throw new Error('no token for an attendee');
      const api = createAttendeeApiClient({
        baseUrl: options.baseUrl,
        getToken: () => token,
        fetch: counting.fetch,
        retry: CLIENT_RETRY,
      });
      await fetchOnce(api, arrival, arrival.atMs, false);
      if (arrival.reloadAfterMs !== undefined) {
        await fetchOnce(api, arrival, now() + arrival.reloadAfterMs, true);
      }
    }),
  );
  clearTimeout(deadline);
  return {
    outcomes,
    attempts: counting.attempts(),
    statuses: counting.statuses,
    maxStartLagMs,
  };
}

/** What the churn did and saw. */
export interface ChurnLoad {
  readonly applied: readonly AppliedChange[];
  /** Changes whose call failed (after the SDK's retries): nothing changed, nothing is judged. */
  readonly failed: readonly { readonly kind: PlannedChange['kind']; readonly reason: string }[];
  /** The churned attendees' polls after their change. */
  readonly polls: readonly Answer[];
  readonly attempts: number;
  readonly statuses: ReadonlyMap<number, number>;
}

/**
 * The churn, beside the schedule: at each planned time the backend makes its change (`apply`,
 * the SDK call; it resolves with an update's new capabilities), and the changed attendee's
 * browser asks for its join info again every {@link CHURN_POLL}.intervalMs, `count` times, one
 * try each (no retries, so a poll is one observation at one moment), each abandoned after
 * `timeoutMs`. Times are ms after `start`, as in {@link runArrivals}.
 */
export async function runChurn(options: {
  readonly baseUrl: string;
  readonly changes: readonly PlannedChange[];
  readonly tokens: ReadonlyMap<string, string>;
  readonly apply: (change: PlannedChange) => Promise<AppliedChange['capabilities']>;
  readonly start: number;
}): Promise<ChurnLoad> {
  const counting = countingFetch();
  const { start } = options;
  const now = () => performance.now() - start;
  const applied: AppliedChange[] = [];
  const failed: { kind: PlannedChange['kind']; reason: string }[] = [];
  const polls: Answer[] = [];
  await Promise.all(
    options.changes.map(async (change) => {
      const token = options.tokens.get(change.attendee.externalUserId);
      if (!token) throw new Error('no token for an attendee');
      const api = createAttendeeApiClient({
        baseUrl: options.baseUrl,
        getToken: () => token,
        fetch: counting.fetch,
      });
      await at(start, change.atMs);
      const sentMs = now();
      let capabilities: AppliedChange['capabilities'];
      try {
        capabilities = await options.apply(change);
      } catch (error) {
        failed.push({ kind: change.kind, reason: (error as Error).name });
        return;
      }
      const changedMs = now();
      const { attendeeId } = change.attendee;
      applied.push({
        attendeeId,
        kind: change.kind,
        sentMs,
        changedMs,
        ...(capabilities ? { capabilities } : {}),
      });
      for (let poll = 1; poll <= CHURN_POLL.count; poll += 1) {
        await at(start, changedMs + poll * CHURN_POLL.intervalMs);
        const startedMs = now();
        const answer = await ask(api, change.attendee, AbortSignal.timeout(CHURN_POLL.timeoutMs));
        polls.push({ attendeeId, startedMs, answeredMs: now(), ...answer });
      }
    }),
  );
  return {
    applied,
    failed,
    polls,
    attempts: counting.attempts(),
    statuses: counting.statuses,
  };
}

/**
 * How a client resolves the attendees presence tells it of: `roster`, the client's roster
 * resolver (the adapter amazon-chime-sdk-component-library-react's `meetingManager.getAttendee`
 * takes); `off`, one attendee GET with `as=<own attendee id>` per lookup.
 */
export type LookupAdapter = 'roster' | 'off';

/** One attendee looking up another, and how it ended. */
export interface LookupOutcome {
  readonly viewerId: string;
  readonly attendeeId: string;
  /**
   * When it was due: its presence event, or later when either of the two had not joined by then
   * (its join-info answered), ms after the storm started.
   */
  readonly scheduledMs: number;
  /** Due → answered. */
  readonly latencyMs: number;
  /** The answer was the attendee looked up. */
  readonly found: boolean;
  /** Found: whether its name is the one in its owner's token, absent, or another. */
  readonly name?: 'matched' | 'absent' | 'other';
  /** Not found: why (`unknown` for the resolver's `{}`, an API error code, `deadline`, `not_joined`). */
  readonly code?: string;
}

/** What the lookups saw. */
export interface LookupLoad {
  readonly adapter: LookupAdapter;
  readonly outcomes: readonly LookupOutcome[];
  /** HTTP attempts the lookups sent, by status and by route (`roster`, `attendee`). */
  readonly attempts: number;
  readonly statuses: ReadonlyMap<number, number>;
  readonly routes: ReadonlyMap<string, number>;
  /** How late a lookup started against when it was due, at worst (ms). */
  readonly maxStartLagMs: number;
}

/** The name an answer carries against the one its owner's token carries. */
const nameVerdict = (attendee: StormAttendee, name: string | undefined) =>
  name === undefined ? 'absent' : name === displayNameOf(attendee) ? 'matched' : 'other';

/** An error's code, as the storm records it. */
const codeOf = (error: unknown) =>
  String((error as Partial<ApiError>).code ?? (error as Error).name);

/**
 * The lookups of a roster scenario, beside {@link runArrivals}: each attendee is one client with
 * its own token and the typed client (retries as {@link CLIENT_RETRY}, at most
 * {@link BROWSER_CONNECTIONS} requests under way at once, as a browser); at each presence event it
 * looks the other attendee up through `adapter`, once it and the other have joined (`joined`
 * resolves with the time an attendee's join-info was answered, undefined when it failed). A
 * lookup still open at `deadlineMs` fails. Times are ms after `start`.
 */
export async function runLookups(options: {
  readonly baseUrl: string;
  readonly adapter: LookupAdapter;
  readonly presence: readonly Presence[];
  readonly tokens: ReadonlyMap<string, string>;
  readonly joined: (attendeeId: string) => Promise<number | undefined>;
  readonly deadlineMs: number;
  readonly start: number;
}): Promise<LookupLoad> {
  const counting = countingFetch();
  const { start, adapter } = options;
  const now = () => performance.now() - start;
  let maxStartLagMs = 0;
  let pastDeadline = false;
  const open = new Set<AbortController>();
  let reachDeadline: () => void = () => undefined;
  const deadlineReached = new Promise<void>((resolve) => {
    reachDeadline = resolve;
  });
  const deadline = setTimeout(() => {
    pastDeadline = true;
    reachDeadline();
    for (const controller of open) controller.abort(new Error('past the deadline'));
  }, options.deadlineMs - now());
  const outcomes: LookupOutcome[] = [];
  const byViewer = new Map<StormAttendee, Presence[]>();
  for (const event of options.presence) {
    const events = byViewer.get(event.viewer);
    if (events) events.push(event);
    else byViewer.set(event.viewer, [event]);
  }

  await Promise.all(
    [...byViewer].map(async ([viewer, events]) => {
      const token = options.tokens.get(viewer.externalUserId);
      if (!token) throw new Error('no token for an attendee');
      const api = createAttendeeApiClient({
        baseUrl: options.baseUrl,
        getToken: () => token,
        fetch: limited(counting.fetch, BROWSER_CONNECTIONS),
        retry: CLIENT_RETRY,
      });
      const resolver =
        adapter === 'roster'
          ? createRosterResolver({ client: api, meetingId: viewer.meetingId })
          : undefined;
      const ownJoin = options.joined(viewer.attendeeId);

      /** One lookup: what was found, and the name it had. */
      const resolve = async (
        attendee: StormAttendee,
      ): Promise<Pick<LookupOutcome, 'found' | 'name' | 'code'>> => {
        if (resolver) {
          const answer = await Promise.race([
            resolver.getAttendee(attendee.attendeeId, attendee.externalUserId),
            deadlineReached,
          ]);
          if (!answer) return { found: false, code: 'deadline' };
          return answer.externalUserId === attendee.externalUserId
            ? { found: true, name: nameVerdict(attendee, answer.name) }
            : { found: false, code: 'unknown' };
        }
        const controller = new AbortController();
        open.add(controller);
        try {
          const { Attendee } = await api.getAttendee({
            meetingId: attendee.meetingId,
            attendeeId: attendee.attendeeId,
            as: viewer.attendeeId,
            signal: controller.signal,
          });
          return Attendee.AttendeeId === attendee.attendeeId
            ? { found: true, name: nameVerdict(attendee, Attendee.Name) }
            : { found: false, code: 'other_attendee' };
        } finally {
          open.delete(controller);
        }
      };

      const lookUp = async (event: Presence) => {
        const [own, other] = await Promise.all([
          ownJoin,
          options.joined(event.attendee.attendeeId),
        ]);
        const base = { viewerId: viewer.attendeeId, attendeeId: event.attendee.attendeeId };
        const scheduledMs = Math.max(event.atMs, own ?? 0, other ?? 0);
        if (own === undefined || pastDeadline) {
          const code = own === undefined ? 'not_joined' : 'not_started';
          outcomes.push({ ...base, scheduledMs, latencyMs: 0, found: false, code });
          return;
        }
        // Due now: at its presence (the loop below), or as the later join was answered.
        maxStartLagMs = Math.max(maxStartLagMs, now() - scheduledMs);
        let answer: Pick<LookupOutcome, 'found' | 'name' | 'code'>;
        try {
          answer = await resolve(event.attendee);
        } catch (error) {
          answer = { found: false, code: pastDeadline ? 'deadline' : codeOf(error) };
        }
        outcomes.push({ ...base, scheduledMs, latencyMs: now() - scheduledMs, ...answer });
      };

      // Presence events come one after the other; each lookup runs on its own, as a tile would.
      // Those already due go out together: one timer each would take a turn of the event loop
      // apiece, and a late joiner's burst of 249 would start late by hundreds of milliseconds.
      const lookups: Promise<void>[] = [];
      for (const event of events) {
        if (event.atMs > now()) await at(start, event.atMs);
        lookups.push(lookUp(event));
      }
      await Promise.all(lookups);
    }),
  );
  clearTimeout(deadline);
  return {
    adapter,
    outcomes,
    attempts: counting.attempts(),
    statuses: counting.statuses,
    routes: counting.routes,
    maxStartLagMs,
  };
}
