/** A join storm: how many meetings and attendees, over how long, and what "app" must meet. */
export interface Scenario {
  readonly name: ScenarioName;
  readonly meetings: number;
  readonly attendeesPerMeeting: number;
  /** Arrivals are spread evenly over this window. */
  readonly windowMs: number;
  readonly targets: Targets;
  /** Attendees deleted and given new capabilities while the others ask; none when absent. */
  readonly churn?: Churn;
  /**
   * Every attendee resolves every other through the roster as presence reports them; the
   * scenario is then judged on those lookups, not on the join-infos.
   */
  readonly roster?: RosterLookups;
}

/** How the attendees of a roster scenario learn of each other. */
interface RosterLookups {
  /**
   * Presence of an attendee reaches each other one this long at most (uniform) after the later
   * of their two join-infos: a random order, over the window and a little after it.
   */
  readonly presenceSpreadMs: number;
  /**
   * With the adapter off (one attendee GET per lookup), the share of the attendees whose lookups
   * are made: a seeded sample, each of them making every one of its lookups at its time; 1: all.
   * Not all: 62,250 GETs within ~7 s are far more than the local gateway and containers on two
   * cores serve before the deadline.
   */
  readonly adapterOffShare: number;
}

/** Shares of the attendees whose backend changes them during the storm (disjoint). */
export interface Churn {
  readonly deleteShare: number;
  readonly updateShare: number;
}

/**
 * What the cached run ("app") must meet; the baseline is shown beside it, never judged. A
 * request is a join-info, or in a roster scenario a lookup of another attendee.
 */
export interface Targets {
  /** ok ÷ requests (roster: lookups that found the attendee ÷ lookups), at least. */
  readonly okRatio: number;
  /** p99 latency of a request (retries included), at most. */
  readonly p99Ms: number;
  /** Chime calls ÷ successful requests, at most. */
  readonly callsPerRequest: number;
  /**
   * Answers of a churned attendee that still showed it as before, served more than
   * {@link STALE_AFTER_MS} after its change, at most (scenarios with churn only).
   */
  readonly staleAnswers?: number;
}

export const SCENARIO_NAMES = ['meeting', 'event', 'roster'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/**
 * Issue 11's two storms and issue 21's roster, and their targets. In the roster the baseline is
 * the same backend with the client's roster adapter off: one attendee GET (`?as=`) per lookup.
 */
export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = Object.freeze({
  meeting: {
    name: 'meeting',
    meetings: 1,
    attendeesPerMeeting: 250,
    windowMs: 5_000,
    targets: { okRatio: 1, p99Ms: 1_000, callsPerRequest: 0.05 },
  },
  event: {
    name: 'event',
    meetings: 40,
    attendeesPerMeeting: 250,
    windowMs: 60_000,
    targets: { okRatio: 0.999, p99Ms: 2_000, callsPerRequest: 0.02, staleAnswers: 0 },
    churn: { deleteShare: 0.01, updateShare: 0.01 },
  },
  roster: {
    name: 'roster',
    meetings: 1,
    attendeesPerMeeting: 250,
    windowMs: 5_000,
    targets: { okRatio: 1, p99Ms: 1_000, callsPerRequest: 0.02 },
    roster: { presenceSpreadMs: 2_000, adapterOffShare: 0.1 },
  },
});

/**
 * `--no-shared-cache`: the meeting storm on containers without the table (and so without the
 * prefetch), each listing the hot meeting into its own memory. Lambda runs as many containers as
 * there are requests at once: 50 arrivals a second of ~10 ms requests keep half a container busy,
 * and the first requests of the meeting wait a few hundred ms for its listing, so a handful carry
 * the storm. Each container lists the meeting once (3 ListAttendees pages and a GetMeeting), so
 * the 0.1 calls per join-info (30 for 300 join-infos) would allow about 7. Measured on the 2-core
 * machine (2026-12-07): at most 3 requests in flight with 4 containers (16 calls, 0.053); with 8,
 * at most 5, but every container listed the meeting (34 calls, 0.113).
 */
export const NO_SHARED_CACHE = Object.freeze({
  scenario: 'meeting' as ScenarioName,
  containers: 4,
  targets: { okRatio: 1, p99Ms: 2_000, callsPerRequest: 0.1 } satisfies Targets,
});

/** Share of attendees who fetch their join info a second time (a reload; none in a roster). */
export const RELOAD_SHARE = 0.2;
/** A reload comes this long after the attendee's first fetch ended (uniform in the range). */
export const RELOAD_DELAY_MS = Object.freeze({ min: 1_000, max: 3_000 });
/** A fetch counts as ok only when it succeeded this long after the arrival window at the latest. */
export const GRACE_MS = 30_000;
/**
 * Requests a roster client has under way at once, as a browser's HTTP/1.1 connections to one
 * origin (with the adapter off, each looked-up attendee is its own request).
 */
export const BROWSER_CONNECTIONS = 6;
/**
 * Child processes the simulated browsers run in: beside the parent (the gateway and the pool),
 * so that neither's timers queue behind the other's on two cores.
 */
export const BROWSER_PROCESSES = 2;
/** The typed client's retries as the storm's clients use them: at most 3 tries. */
export const CLIENT_RETRY = Object.freeze({ maxRetries: 2, maxDelaySeconds: 5 });

/**
 * The churn's timing: a change comes this long after its attendee's first fetch was scheduled
 * (its join info served and cached by then), or, for {@link CHURN_BEFORE_SHARE} of them, this long
 * before it (the attendee first asks after the change, against the prefetched snapshot).
 */
export const CHURN_DELAY_MS = Object.freeze({ min: 1_000, max: 3_000 });
export const CHURN_BEFORE_SHARE = 0.25;
/** What an updated attendee gets: audio SendReceive → Receive (the seeded default is SendReceive). */
export const UPDATED_CAPABILITIES = Object.freeze({
  Audio: 'Receive',
  Video: 'SendReceive',
  Content: 'SendReceive',
} as const);
/**
 * A churned attendee's client asks again after the change: every `intervalMs`, `count` times (the
 * first `intervalMs` after it), one try each, abandoned after `timeoutMs`.
 */
export const CHURN_POLL = Object.freeze({ intervalMs: 400, count: 10, timeoutMs: 6_000 });
/** The freshness bound the churn is judged by: an old answer served later than this is stale. */
export const STALE_AFTER_MS = 2_000;
