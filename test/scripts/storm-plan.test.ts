import type { CallStats } from '../../local/chime-emulator/call-log';
import type { FetchOutcome } from '../../scripts/storm/clients';
import { arrivalsOf, churnOf, type StormAttendee } from '../../scripts/storm/plan';
import {
  CHURN_DELAY_MS,
  NO_SHARED_CACHE,
  RELOAD_DELAY_MS,
  RELOAD_SHARE,
  SCENARIOS,
} from '../../scripts/storm/scenarios';
import {
  type Answer,
  type AppliedChange,
  callsAfterChanges,
  isMainFetch,
  isOkFetch,
  judgeChurn,
  verdictOf,
} from '../../scripts/storm/staleness';
import { type ChurnResult, missedTargets, summarize } from '../../scripts/storm/summary';

const attendees = (meetings: number, each: number): StormAttendee[] =>
  Array.from({ length: meetings * each }, (_, i) => ({
    meetingId: `m${Math.floor(i / each)}`,
    attendeeId: `a${i}`,
    externalUserId: `user-${i}`,
  }));

describe('the storm schedule', () => {
  it('sends every attendee once, evenly over the window, meetings interleaved, the same every run', () => {
    const all = attendees(40, 250);
    const plan = arrivalsOf(all, 60_000);
    expect(plan).toHaveLength(10_000);
    expect(new Set(plan.map((a) => a.attendee.attendeeId)).size).toBe(10_000);
    expect(plan[0]?.atMs).toBe(0);
    expect(plan.at(-1)?.atMs).toBeCloseTo(60_000 - 6, 5);
    // Interleaved: the first 400 arrivals already touch (nearly) every meeting.
    expect(new Set(plan.slice(0, 400).map((a) => a.attendee.meetingId)).size).toBeGreaterThan(35);
    expect(arrivalsOf(all, 60_000)).toEqual(plan);
  });

  it('reloads the configured share, within the reload delay', () => {
    const plan = arrivalsOf(attendees(1, 250), 5_000);
    const reloads = plan.filter((a) => a.reloadAfterMs !== undefined);
    expect(reloads).toHaveLength(Math.round(250 * RELOAD_SHARE));
    for (const { reloadAfterMs } of reloads) {
      expect(reloadAfterMs).toBeGreaterThanOrEqual(RELOAD_DELAY_MS.min);
      expect(reloadAfterMs).toBeLessThanOrEqual(RELOAD_DELAY_MS.max);
    }
  });
});

describe('the storm verdict', () => {
  const result = {
    requests: 300,
    ok: 300,
    p50_ms: 6,
    p99_ms: 200,
    chime_calls: { GetAttendee: 0, GetMeeting: 1, ListAttendees: 3 },
    throttled: 0,
    calls_per_join: 0.0133,
    lookups: undefined,
    churn: undefined,
  };

  it('passes a run that meets every target, and names each target a run misses', () => {
    expect(missedTargets(SCENARIOS.meeting, result)).toEqual([]);
    expect(
      missedTargets(SCENARIOS.event, { ...result, ok: 290, p99_ms: 10_500, calls_per_join: 0.03 }),
    ).toEqual([
      expect.stringMatching(/ok ÷ requests/),
      expect.stringMatching(/p99 10500 ms > 2000 ms/),
      expect.stringMatching(/0.03 Chime calls per join-info > 0.02/),
    ]);
  });

  it('takes p50 and p99 by nearest rank, 0 without an answer', () => {
    const load = (latencies: number[]) => ({
      outcomes: latencies.map((latencyMs, i) => {
        return { attendeeId: `a${i}`, startedMs: 0, answeredMs: latencyMs, latencyMs, status: 200 };
      }),
      routes: [],
      statuses: [],
      maxStartLagMs: 0,
    });
    const chime: CallStats = { total: { calls: 0, throttled: 0 }, operations: {} };
    const latencies = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize(load(latencies), chime)).toMatchObject({ p50_ms: 50, p99_ms: 99 });
    expect(summarize(load([]), chime)).toMatchObject({ p50_ms: 0, p99_ms: 0 });
  });
});

describe('the churn plan', () => {
  const arrivals = arrivalsOf(attendees(40, 250), 60_000);
  const plan = churnOf(arrivals, { deleteShare: 0.01, updateShare: 0.01 });
  const firstFetch = new Map(arrivals.map((a) => [a.attendee.attendeeId, a.atMs]));

  it('deletes 1 % and updates another 1 % of the attendees, nobody twice, the same every run', () => {
    expect(plan.filter((c) => c.kind === 'delete')).toHaveLength(100);
    expect(plan.filter((c) => c.kind === 'update')).toHaveLength(100);
    expect(new Set(plan.map((c) => c.attendee.attendeeId)).size).toBe(200);
    expect(churnOf(arrivals, { deleteShare: 0.01, updateShare: 0.01 })).toEqual(plan);
  });

  it('changes three quarters after their first join-info and a quarter before they first ask, spread over the storm, in order', () => {
    for (const kind of ['delete', 'update'] as const) {
      expect(plan.filter((c) => c.kind === kind && c.beforeFirstFetch)).toHaveLength(25);
    }
    for (const change of plan) {
      const first = firstFetch.get(change.attendee.attendeeId) as number;
      const offset = change.atMs - first;
      if (change.beforeFirstFetch) {
        expect(change.atMs).toBeGreaterThanOrEqual(0);
        expect(offset).toBeLessThanOrEqual(-Math.min(first, CHURN_DELAY_MS.min));
        expect(offset).toBeGreaterThanOrEqual(-CHURN_DELAY_MS.max);
      } else {
        expect(offset).toBeGreaterThanOrEqual(CHURN_DELAY_MS.min);
        expect(offset).toBeLessThanOrEqual(CHURN_DELAY_MS.max);
      }
    }
    expect(plan.map((c) => c.atMs)).toEqual([...plan.map((c) => c.atMs)].sort((a, b) => a - b));
    // Spread: every ten seconds of the window have changes.
    for (let from = 0; from < 60_000; from += 10_000) {
      expect(plan.some((c) => c.atMs >= from && c.atMs < from + 10_000)).toBe(true);
    }
  });

  it('plans nothing for shares of 0', () => {
    expect(churnOf(arrivals, { deleteShare: 0, updateShare: 0 })).toEqual([]);
  });
});

describe('the stale-answer verdict', () => {
  const NEW = { Audio: 'Receive', Video: 'SendReceive', Content: 'SendReceive' } as const;
  const OLD = { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' } as const;
  const deleted: AppliedChange = { attendeeId: 'd', kind: 'delete', sentMs: 995, changedMs: 1000 };
  const updated: AppliedChange = {
    attendeeId: 'u',
    kind: 'update',
    sentMs: 995,
    changedMs: 1000,
    capabilities: NEW,
  };
  const answer = (attendeeId: string, answeredMs: number, rest: Partial<Answer>): Answer => ({
    attendeeId,
    startedMs: answeredMs - 5,
    answeredMs,
    status: 200,
    ...rest,
  });

  it.each([
    {
      what: 'a deleted attendee’s 404 not_found',
      change: deleted,
      rest: { status: 404, code: 'not_found' },
      verdict: 'correct',
    },
    {
      what: 'a 200 for a deleted attendee',
      change: deleted,
      rest: { capabilities: OLD },
      verdict: 'old',
    },
    {
      what: 'an updated attendee’s new capabilities',
      change: updated,
      rest: { capabilities: NEW },
      verdict: 'correct',
    },
    {
      what: 'an updated attendee’s old capabilities',
      change: updated,
      rest: { capabilities: OLD },
      verdict: 'old',
    },
    {
      what: 'a 404 for an updated attendee',
      change: updated,
      rest: { status: 404, code: 'not_found' },
      verdict: 'wrong',
    },
    {
      what: 'a 503',
      change: deleted,
      rest: { status: 503, code: 'upstream_unavailable' },
      verdict: 'error',
    },
    {
      what: 'no answer',
      change: updated,
      rest: { status: 0, code: 'network_error' },
      verdict: 'error',
    },
  ] as const)('calls $what "$verdict"', ({ change, rest, verdict }) => {
    expect(verdictOf(change, answer(change.attendeeId, 1500, rest))).toBe(verdict);
  });

  it('counts old answers served more than 2 s after the change as stale, and the lag to the first correct one', () => {
    const judged = judgeChurn(
      [deleted, updated],
      [
        answer('d', 900, { capabilities: OLD }), // before the change: not judged
        answer('d', 1400, { capabilities: OLD }), // old, within the bound
        answer('d', 3000, { capabilities: OLD }), // exactly 2 s: not past it
        answer('d', 3400, { capabilities: OLD }), // stale
        answer('d', 3800, { status: 404, code: 'not_found' }), // first correct: lag 2.8 s
        answer('u', 1400, { capabilities: NEW }), // first correct: lag 0.4 s
        answer('u', 3600, { capabilities: OLD }), // stale again, from another container
        answer('u', 4000, { status: 503, code: 'upstream_unavailable' }),
        answer('x', 9000, { capabilities: OLD }), // nobody changed x
      ],
      2000,
    );
    expect(judged).toMatchObject({
      observed: 7,
      correct: 2,
      old: 4,
      stale: 2,
      wrong: 0,
      errors: 1,
      worstLagMs: 2800,
      worstOldMs: 2600,
      unresolved: 0,
    });
    expect(judged.staleAnswers).toEqual([
      { attendeeId: 'd', kind: 'delete', afterMs: 2400 },
      { attendeeId: 'u', kind: 'update', afterMs: 2600 },
    ]);
  });

  it('counts a change that never got a correct answer as unresolved, and nothing stale without old answers', () => {
    const judged = judgeChurn(
      [deleted, updated],
      [answer('d', 1200, { status: 404, code: 'not_found' })],
      2000,
    );
    expect(judged).toMatchObject({ stale: 0, worstLagMs: 200, unresolved: 1 });
  });

  it('leaves out of the main figures what a churned attendee asks after its change was sent', () => {
    const changes = new Map([[deleted.attendeeId, deleted]]);
    expect(isMainFetch({ attendeeId: 'd', startedMs: 994 }, changes)).toBe(true);
    expect(isMainFetch({ attendeeId: 'd', startedMs: 995 }, changes)).toBe(false);
    expect(isMainFetch({ attendeeId: 'other', startedMs: 5000 }, changes)).toBe(true);
    // Asked before the deletion, answered after it: the 404 is the right answer.
    expect(isOkFetch(answer('d', 1001, { status: 404, code: 'not_found' }), changes)).toBe(true);
    expect(isOkFetch(answer('d', 900, { status: 404, code: 'not_found' }), changes)).toBe(false);
    expect(isOkFetch(answer('other', 900, { status: 404, code: 'not_found' }), changes)).toBe(
      false,
    );
  });

  it('attributes the GetAttendee calls about an attendee after its successful change to the churn', () => {
    expect(
      callsAfterChanges([
        { operation: 'GetAttendee', attendeeId: 'd', status: 200 },
        { operation: 'DeleteAttendee', attendeeId: 'd', status: 429 },
        { operation: 'GetAttendee', attendeeId: 'd', status: 200 },
        { operation: 'DeleteAttendee', attendeeId: 'd', status: 204 },
        { operation: 'GetAttendee', attendeeId: 'd', status: 404 },
        { operation: 'ListAttendees', status: 200 },
        { operation: 'UpdateAttendeeCapabilities', attendeeId: 'u', status: 200 },
        { operation: 'GetAttendee', attendeeId: 'u', status: 200 },
        { operation: 'GetAttendee', attendeeId: 'x', status: 200 },
      ]),
    ).toBe(2);
  });
});

describe('the storm summary with churn', () => {
  const OLD = { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' } as const;
  const outcome = (attendeeId: string, startedMs: number, rest: Partial<FetchOutcome> = {}) => ({
    attendeeId,
    startedMs,
    answeredMs: startedMs + 10,
    latencyMs: 10,
    status: 200,
    capabilities: OLD,
    ...rest,
  });
  const chime: CallStats = {
    total: { calls: 12, throttled: 1 },
    operations: {
      GetMeeting: { calls: 1, throttled: 0 },
      ListAttendees: { calls: 3, throttled: 0 },
      GetAttendee: { calls: 4, throttled: 0 },
      DeleteAttendee: { calls: 3, throttled: 1 },
      UpdateAttendeeCapabilities: { calls: 1, throttled: 0 },
    },
  };
  const load = {
    outcomes: [
      outcome('a', 0),
      outcome('b', 100),
      outcome('d', 200),
      // Asked after its deletion: judged, not a main figure.
      outcome('d', 5000, { latencyMs: 9000 }),
    ],
    routes: ['join-info', 'join-info', 'join-info', 'join-info'],
    statuses: [200, 200, 200, 200],
    maxStartLagMs: 0,
  };
  const churn = {
    load: {
      applied: [{ attendeeId: 'd', kind: 'delete' as const, sentMs: 1000, changedMs: 1005 }],
      failed: [],
      polls: [
        { attendeeId: 'd', startedMs: 1400, answeredMs: 1410, status: 200 },
        { attendeeId: 'd', startedMs: 1800, answeredMs: 1810, status: 404, code: 'not_found' },
      ],
      routes: ['join-info', 'join-info'],
      statuses: [200, 404],
    },
    callsAfterChange: 2,
  };

  it('keeps the churn out of the main figures and the backend’s calls out of the calls per join-info', () => {
    const result = summarize(load, chime, churn);
    expect(result).toMatchObject({
      requests: 3,
      ok: 3,
      p99_ms: 10,
      throttled: 0,
      // 12 calls − 4 of the backend − 2 GetAttendee after the change, over 3 join-infos.
      calls_per_join: 2,
      chime_calls: { GetAttendee: 4, GetMeeting: 1, ListAttendees: 3 },
    });
    expect(result.churn).toMatchObject({
      deleted: 1,
      updated: 0,
      failed: 0,
      polls: 2,
      observed: 3,
      correct: 1,
      old: 2,
      stale: 1,
      worst_lag_ms: 805,
      backend_calls: 4,
      backend_throttled: 1,
      chime_calls_after_change: 2,
    });
  });

  it('misses the event’s target on one stale answer, and when a change failed', () => {
    const result = summarize(load, chime, churn);
    const fine = { ...result, calls_per_join: 0.01 };
    expect(missedTargets(SCENARIOS.event, fine)).toEqual([
      expect.stringMatching(/1 stale answers .* > 0/),
    ]);
    const clean = { ...fine, churn: { ...(fine.churn as ChurnResult), stale: 0, failed: 2 } };
    expect(missedTargets(SCENARIOS.event, clean)).toEqual([
      expect.stringMatching(/2 churn changes failed/),
    ]);
    expect(
      missedTargets(SCENARIOS.event, { ...clean, churn: { ...clean.churn, failed: 0 } }),
    ).toEqual([]);
  });

  it('judges the container tier alone by its own targets', () => {
    const result = { ...summarize(load, chime), p99_ms: 1_500, calls_per_join: 0.08 };
    expect(missedTargets(SCENARIOS.meeting, result, NO_SHARED_CACHE.targets)).toEqual([]);
    expect(missedTargets(SCENARIOS.meeting, result)).toHaveLength(2);
  });
});
