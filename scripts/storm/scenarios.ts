/** A join storm, and what "app" must meet (the baseline is shown beside it, never judged). */
export interface Scenario {
  readonly name: ScenarioName;
  readonly meetings: number;
  readonly attendeesPerMeeting: number;
  /** Arrivals are spread evenly over this window. */
  readonly windowMs: number;
  readonly targets: Targets;
  /** Shares of the attendees the backend deletes, and gives new capabilities, while they ask. */
  readonly churn?: Churn;
  /** Every attendee resolves every other as presence reports them; judged on those lookups. */
  readonly roster?: {
    /** Presence reaches each attendee up to this long (uniform) after the later of the two joins. */
    readonly presenceSpreadMs: number;
    /**
     * With the adapter off, the share of the attendees whose lookups are made (seeded): 62,250
     * GETs are far more than the local stack serves on two cores before the deadline.
     */
    readonly adapterOffShare: number;
  };
}

export interface Churn {
  readonly deleteShare: number;
  readonly updateShare: number;
}

/** A request is a join-info, or in a roster a lookup of another attendee. */
export interface Targets {
  /** ok ÷ requests (roster: found ÷ lookups), at least. */
  readonly okRatio: number;
  /** p99 latency (retries included), at most. */
  readonly p99Ms: number;
  /** Chime calls ÷ successful requests, at most. */
  readonly callsPerRequest: number;
  /** Old answers served more than {@link STALE_AFTER_MS} after their change, at most. */
  readonly staleAnswers?: number;
}

export const SCENARIO_NAMES = ['meeting', 'event', 'roster'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Issue 11's two storms and issue 21's roster. */
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
 * `--no-shared-cache`: the meeting on containers that each list it into their own memory; 50
 * arrivals a second of ~10 ms requests keep few busy (why 4: storm.ts prints it). Measured: at
 * most 3 requests in flight on 4 containers (0.053 calls per join-info); on 8, 0.113.
 */
export const NO_SHARED_CACHE = Object.freeze({
  scenario: 'meeting' as ScenarioName,
  containers: 4,
  targets: { okRatio: 1, p99Ms: 2_000, callsPerRequest: 0.1 } satisfies Targets,
});

/** Share of attendees who fetch their join info again (none in a roster), this long after. */
export const RELOAD_SHARE = 0.2;
export const RELOAD_DELAY_MS = Object.freeze({ min: 1_000, max: 3_000 });
/** A fetch counts as ok only when answered this long after the arrival window at the latest. */
export const GRACE_MS = 30_000;
/** A roster client's requests under way at once, as a browser's HTTP/1.1 connections. */
export const BROWSER_CONNECTIONS = 6;
/** The browsers' processes, beside the parent's gateway and pool (their timers apart). */
export const BROWSER_PROCESSES = 2;
/** The typed client's retries: at most 3 tries. */
export const CLIENT_RETRY = Object.freeze({ maxRetries: 2, maxDelaySeconds: 5 });

/**
 * A change comes this long after its attendee's first fetch is scheduled, or for
 * {@link CHURN_BEFORE_SHARE} of them this long before it (against the prefetched snapshot).
 */
export const CHURN_DELAY_MS = Object.freeze({ min: 1_000, max: 3_000 });
export const CHURN_BEFORE_SHARE = 0.25;
/** An updated attendee's audio: SendReceive (seeded) → Receive. */
export const UPDATED_CAPABILITIES = Object.freeze({
  Audio: 'Receive',
  Video: 'SendReceive',
  Content: 'SendReceive',
} as const);
/** A churned attendee's client asks again every `intervalMs`, `count` times, each for `timeoutMs`. */
export const CHURN_POLL = Object.freeze({ intervalMs: 400, count: 10, timeoutMs: 6_000 });
/** The freshness bound: an old answer served later than this after the change is stale. */
export const STALE_AFTER_MS = 2_000;
