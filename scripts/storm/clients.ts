import { createAttendeeApiClient } from '../../client/src';
import type { Arrival } from './plan';
import { CLIENT_RETRY } from './scenarios';

/** One logical join-info fetch (a first fetch or a reload) and how it ended. */
export interface FetchOutcome {
  readonly reload: boolean;
  readonly ok: boolean;
  /** Scheduled start → answer, retries and their waits included. */
  readonly latencyMs: number;
  /** The error code the client threw (`upstream_throttled`, `network_error`…), if it failed. */
  readonly code?: string;
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

/**
 * Runs the schedule against `baseUrl`: each attendee is one browser with the typed client
 * (client/src, retries as {@link CLIENT_RETRY}: `Retry-After` honoured, at most 3 tries) and its
 * own token, on Node's fetch (undici, keep-alive). A fetch still open at `deadlineMs` is aborted
 * and failed; so is a reload that would start after it. Latency is counted from the scheduled
 * start, so a late generator shows up in it instead of hiding.
 */
export async function runArrivals(options: {
  readonly baseUrl: string;
  readonly arrivals: readonly Arrival[];
  readonly tokens: ReadonlyMap<string, string>;
  readonly deadlineMs: number;
}): Promise<StormLoad> {
  const statuses = new Map<number, number>();
  let attempts = 0;
  let maxStartLagMs = 0;
  const counting: typeof fetch = async (input, init) => {
    attempts += 1;
    const response = await fetch(input, init);
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    return response;
  };
  // One signal per fetch, all aborted at the deadline: one shared signal would carry thousands of
  // listeners, and undici caps a signal it sees crowded at 1500 (warning on every fetch past it).
  const open = new Set<AbortController>();
  let pastDeadline = false;
  const start = performance.now();
  const deadline = setTimeout(() => {
    pastDeadline = true;
    for (const controller of open) controller.abort(new Error('past the deadline'));
  }, options.deadlineMs);
  const outcomes: FetchOutcome[] = [];

  const at = (ms: number) =>
    new Promise<void>((resolve) =>
      setTimeout(resolve, Math.max(0, ms - (performance.now() - start))),
    );

  const fetchOnce = async (
    api: ReturnType<typeof createAttendeeApiClient>,
    arrival: Arrival,
    scheduledMs: number,
    reload: boolean,
  ) => {
    await at(scheduledMs);
    if (!pastDeadline) {
      maxStartLagMs = Math.max(maxStartLagMs, performance.now() - start - scheduledMs);
    } else {
      outcomes.push({
        reload,
        ok: false,
        latencyMs: options.deadlineMs - scheduledMs,
        code: 'not_started',
      });
      return;
    }
    const controller = new AbortController();
    open.add(controller);
    try {
      await api.getJoinInfo({
        meetingId: arrival.attendee.meetingId,
        attendeeId: arrival.attendee.attendeeId,
        signal: controller.signal,
      });
      outcomes.push({ reload, ok: true, latencyMs: performance.now() - start - scheduledMs });
    } catch (error) {
      const code = controller.signal.aborted
        ? 'deadline'
        : String((error as { code?: unknown }).code ?? (error as Error).name);
      outcomes.push({
        reload,
        ok: false,
        latencyMs: performance.now() - start - scheduledMs,
        code,
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
        fetch: counting,
        retry: CLIENT_RETRY,
      });
      await fetchOnce(api, arrival, arrival.atMs, false);
      if (arrival.reloadAfterMs !== undefined) {
        await fetchOnce(api, arrival, performance.now() - start + arrival.reloadAfterMs, true);
      }
    }),
  );
  clearTimeout(deadline);
  return { outcomes, attempts, statuses, maxStartLagMs };
}
