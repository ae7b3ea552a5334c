import type { CallStats } from '../../local/chime-emulator/call-log';
import type { LookupLoad, LookupOutcome } from '../../scripts/storm/clients';
import {
  arrivalsOf,
  displayNameOf,
  presenceOf,
  type StormAttendee,
  sampleOf,
} from '../../scripts/storm/plan';
import { SCENARIOS } from '../../scripts/storm/scenarios';
import { judgedFigures, missedTargets, summarize } from '../../scripts/storm/summary';

const attendees = (meetings: number, each: number): StormAttendee[] =>
  Array.from({ length: meetings * each }, (_, i) => ({
    meetingId: `m${Math.floor(i / each)}`,
    attendeeId: `a${i}`,
    externalUserId: `user-${i}`,
  }));

describe('the roster presence plan', () => {
  const { roster } = SCENARIOS;
  const spreadMs = roster.roster?.presenceSpreadMs ?? 0;
  const arrivals = arrivalsOf(attendees(1, 250), roster.windowMs, { reloadShare: 0 });
  const presence = presenceOf(arrivals, spreadMs);
  const arrivalOf = new Map(arrivals.map((a) => [a.attendee.attendeeId, a.atMs]));

  it('has every attendee learn of every other one once, and never of itself', () => {
    expect(arrivals.every((a) => a.reloadAfterMs === undefined)).toBe(true);
    expect(presence).toHaveLength(250 * 249);
    const pairs = new Set(presence.map((p) => `${p.viewer.attendeeId}>${p.attendee.attendeeId}`));
    expect(pairs.size).toBe(250 * 249);
    expect(presence.some((p) => p.viewer === p.attendee)).toBe(false);
  });

  it('brings each presence after both arrivals, within the spread, ordered by time, the same every run', () => {
    const outside = presence.filter((p) => {
      const later = Math.max(
        arrivalOf.get(p.viewer.attendeeId) as number,
        arrivalOf.get(p.attendee.attendeeId) as number,
      );
      return p.atMs < later || p.atMs >= later + spreadMs;
    });
    expect(outside).toEqual([]);
    expect(presence.map((p) => p.atMs)).toEqual(
      [...presence.map((p) => p.atMs)].sort((a, b) => a - b),
    );
    expect(presenceOf(arrivals, spreadMs)).toEqual(presence);
  });

  it('tells the first attendee of the others in another order than they arrived', () => {
    const first = arrivals[0]?.attendee;
    const learned = presence.filter((p) => p.viewer === first).map((p) => p.attendee);
    const arrived = arrivals.map((a) => a.attendee).filter((a) => a !== first);
    expect(learned).toHaveLength(249);
    expect(learned).not.toEqual(arrived);
  });

  it('pairs attendees of the same meeting only', () => {
    const two = presenceOf(arrivalsOf(attendees(2, 3), 1_000), 100);
    expect(two).toHaveLength(2 * 3 * 2);
    expect(two.every((p) => p.viewer.meetingId === p.attendee.meetingId)).toBe(true);
  });

  it('samples a seeded share in order, and everything for a share of 1', () => {
    const sample = sampleOf(arrivals, 0.1);
    expect(sample).toHaveLength(25);
    expect(sample.map((a) => a.atMs)).toEqual([...sample.map((a) => a.atMs)].sort((a, b) => a - b));
    expect(sampleOf(arrivals, 0.1)).toEqual(sample);
    expect(sampleOf(arrivals, 1)).toEqual(arrivals);
  });

  it('names every attendee differently, within the 128 characters the API records', () => {
    const names = attendees(1, 250).map(displayNameOf);
    expect(new Set(names).size).toBe(250);
    expect(names.every((name) => name.length <= 128)).toBe(true);
  });
});

describe('the roster verdict', () => {
  const lookup = (i: number, rest: Partial<LookupOutcome> = {}): LookupOutcome => ({
    attendeeId: `a${i}`,
    latencyMs: 5,
    found: true,
    name: 'matched',
    ...rest,
  });
  const lookupLoad = (outcomes: LookupOutcome[]): LookupLoad => ({
    adapter: 'roster',
    outcomes,
    statuses: [200, 200, 200],
    routes: ['roster', 'roster', 'roster'],
    maxStartLagMs: 1,
  });
  const joinLoad = {
    outcomes: [
      {
        attendeeId: 'a1',
        startedMs: 0,
        answeredMs: 8,
        latencyMs: 8,
        status: 200,
      },
    ],
    routes: ['join-info'],
    statuses: [200],
    maxStartLagMs: 0,
  };
  const chime: CallStats = {
    total: { calls: 4, throttled: 0 },
    operations: {
      GetMeeting: { calls: 1, throttled: 0 },
      ListAttendees: { calls: 3, throttled: 0 },
    },
  };
  const outcomes = Array.from({ length: 200 }, (_, i) =>
    lookup(i, {
      latencyMs: i < 197 ? 5 : 1_500,
      ...(i === 3 ? { name: 'absent' as const } : {}),
    }),
  );

  it('judges a roster on its lookups: found, p99 and Chime calls per lookup, with the names beside', () => {
    const result = summarize(joinLoad, chime, undefined, {
      load: lookupLoad(outcomes),
      planned: 200,
      sampleShare: 1,
    });
    expect(result.lookups).toMatchObject({
      lookups: 200,
      found: 200,
      name_matched: 199,
      name_absent: 1,
      p99_ms: 1_500,
      calls_per_lookup: 0.02,
      http: { roster: 3 },
      failures: {},
    });
    expect(judgedFigures(SCENARIOS.roster, result)).toMatchObject({
      unit: 'lookup',
      requests: 200,
      ok: 200,
      callsPerRequest: 0.02,
    });
    // The join-info's own figures stay what they are, and judge the other scenarios.
    expect(judgedFigures(SCENARIOS.meeting, result)).toMatchObject({ unit: 'join-info', ok: 1 });
    expect(missedTargets(SCENARIOS.roster, result)).toEqual([
      expect.stringMatching(/roster: lookup p99 1500 ms > 1000 ms/),
    ]);
  });

  it('misses the roster when one lookup found nothing, and when Chime was called too often', () => {
    const missing = [...outcomes.slice(0, 199), lookup(199, { found: false, code: 'unknown' })];
    const result = summarize(joinLoad, { ...chime, total: { calls: 9, throttled: 0 } }, undefined, {
      load: lookupLoad(missing.map((o) => ({ ...o, latencyMs: 5 }))),
      planned: 200,
      sampleShare: 1,
    });
    expect(result.lookups?.failures).toEqual({ unknown: 1 });
    expect(missedTargets(SCENARIOS.roster, result)).toEqual([
      expect.stringMatching(/found ÷ lookups 0.9950 \(199 of 200\) < 1/),
      expect.stringMatching(/0.045226 Chime calls per lookup > 0.02/),
    ]);
  });

  it('misses the roster when it has no lookups at all', () => {
    expect(missedTargets(SCENARIOS.roster, summarize(joinLoad, chime))).toEqual([
      expect.stringMatching(/found ÷ lookups 0.0000/),
    ]);
  });
});
