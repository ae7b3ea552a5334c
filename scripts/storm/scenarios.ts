/** A join storm: how many meetings and attendees, over how long, and what "app" must meet. */
export interface Scenario {
  readonly name: ScenarioName;
  readonly meetings: number;
  readonly attendeesPerMeeting: number;
  /** Arrivals are spread evenly over this window. */
  readonly windowMs: number;
  readonly targets: Targets;
}

/** What the cached run ("app") must meet; the baseline is shown beside it, never judged. */
export interface Targets {
  /** ok ÷ requests, at least. */
  readonly okRatio: number;
  /** p99 latency of a join-info (retries included), at most. */
  readonly p99Ms: number;
  /** Chime calls ÷ successful join-infos, at most. */
  readonly callsPerJoin: number;
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
    targets: { okRatio: 0.999, p99Ms: 2_000, callsPerJoin: 0.02 },
  },
});

/** Share of attendees who fetch their join info a second time (a reload). */
export const RELOAD_SHARE = 0.2;
/** A reload comes this long after the attendee's first fetch ended (uniform in the range). */
export const RELOAD_DELAY_MS = Object.freeze({ min: 1_000, max: 3_000 });
/** A fetch counts as ok only when it succeeded this long after the arrival window at the latest. */
export const GRACE_MS = 30_000;
/** The typed client's retries as the storm's clients use them: at most 3 tries. */
export const CLIENT_RETRY = Object.freeze({ maxRetries: 2, maxDelaySeconds: 5 });
