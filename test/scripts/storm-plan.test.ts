import { arrivalsOf, type StormAttendee } from '../../scripts/storm/plan';
import { RELOAD_DELAY_MS, RELOAD_SHARE, SCENARIOS } from '../../scripts/storm/scenarios';
import { missedTargets, quantile } from '../../scripts/storm/summary';

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

  it('takes quantiles by nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(50);
    expect(quantile(sorted, 0.99)).toBe(99);
    expect(quantile([], 0.99)).toBe(0);
  });
});
