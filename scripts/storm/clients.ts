import { type ApiError, createAttendeeApiClient } from '../../client/src';
import type { Arrival, PlannedChange, StormAttendee } from './plan';
import { CHURN_POLL, CLIENT_RETRY } from './scenarios';
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

/** A fetch that counts HTTP attempts and their statuses. */
function countingFetch() {
  const statuses = new Map<number, number>();
  let attempts = 0;
  const counting: typeof fetch = async (input, init) => {
    attempts += 1;
    const response = await fetch(input, init);
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    return response;
  };
  return { fetch: counting, statuses, attempts: () => attempts };
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

  const fetchOnce = async (api: Api, arrival: Arrival, scheduledMs: number, reload: boolean) => {
    await at(start, scheduledMs);
    const { attendeeId } = arrival.attendee;
    if (pastDeadline) {
      outcomes.push({
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
      outcomes.push({
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
