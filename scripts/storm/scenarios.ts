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
}

/** Shares of the attendees whose backend changes them during the storm (disjoint). */
export interface Churn {
  readonly deleteShare: number;
  readonly updateShare: number;
}

/** What the cached run ("app") must meet; the baseline is shown beside it, never judged. */
export interface Targets {
  /** ok ÷ requests, at least. */
  readonly okRatio: number;
  /** p99 latency of a join-info (retries included), at most. */
  readonly p99Ms: number;
  /** Chime calls ÷ successful join-infos, at most. */
  readonly callsPerJoin: number;
  /**
   * Answers of a churned attendee that still showed it as before, served more than
   * {@link STALE_AFTER_MS} after its change, at most (scenarios with churn only).
   */
  readonly staleAnswers?: number;
}

export const SCENARIO_NAMES = ['meeting', 'event'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Issue 11's two storms and their targets. */
export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = Object.freeze({
  meeting: {
    name: 'meeting',
    meetings: 1,
    attendeesPerMeeting: 250,
    windowMs: 5_000,
    targets: { okRatio: 1, p99Ms: 1_000, callsPerJoin: 0.05 },
  },
  event: {
    name: 'event',
    meetings: 40,
    attendeesPerMeeting: 250,
    windowMs: 60_000,
    targets: { okRatio: 0.999, p99Ms: 2_000, callsPerJoin: 0.02, staleAnswers: 0 },
    churn: { deleteShare: 0.01, updateShare: 0.01 },
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
  targets: { okRatio: 1, p99Ms: 2_000, callsPerJoin: 0.1 } satisfies Targets,
});

/** Share of attendees who fetch their join info a second time (a reload). */
export const RELOAD_SHARE = 0.2;
/** A reload comes this long after the attendee's first fetch ended (uniform in the range). */
export const RELOAD_DELAY_MS = Object.freeze({ min: 1_000, max: 3_000 });
/** A fetch counts as ok only when it succeeded this long after the arrival window at the latest. */
export const GRACE_MS = 30_000;
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
