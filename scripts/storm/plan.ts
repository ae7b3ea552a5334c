import {
  CHURN_BEFORE_SHARE,
  CHURN_DELAY_MS,
  type Churn,
  RELOAD_DELAY_MS,
  RELOAD_SHARE,
} from './scenarios';

/** One attendee of the storm: where it joins and who it is (its token's `sub`). */
export interface StormAttendee {
  readonly meetingId: string;
  readonly attendeeId: string;
  readonly externalUserId: string;
}

/** One attendee's first fetch (ms after the storm starts) and, maybe, a reload this long after it. */
export interface Arrival {
  readonly attendee: StormAttendee;
  readonly atMs: number;
  readonly reloadAfterMs: number | undefined;
}

/** A seeded PRNG (mulberry32), so that every run sends the same schedule. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

const between = (range: { min: number; max: number }, random: () => number) =>
  range.min + random() * (range.max - range.min);

/**
 * The attendees in a seeded random order (meetings interleaved), arriving evenly over
 * `windowMs`; a seeded `reloadShare` of them reload {@link RELOAD_DELAY_MS} later.
 */
export function arrivalsOf(
  attendees: readonly StormAttendee[],
  windowMs: number,
  { seed = 11, reloadShare = RELOAD_SHARE }: { seed?: number; reloadShare?: number } = {},
): Arrival[] {
  const random = seededRandom(seed);
  const order = shuffled(attendees, random);
  const reloading = new Set(
    shuffled(order, random).slice(0, Math.round(order.length * reloadShare)),
  );
  const step = windowMs / order.length;
  return order.map((attendee, i) => ({
    attendee,
    atMs: i * step,
    reloadAfterMs: reloading.has(attendee) ? between(RELOAD_DELAY_MS, random) : undefined,
  }));
}

export type ChangeKind = 'delete' | 'update';

/** One change of the churn: DeleteAttendee or UpdateAttendeeCapabilities, at `atMs`. */
export interface PlannedChange {
  readonly attendee: StormAttendee;
  readonly kind: ChangeKind;
  readonly atMs: number;
  /** Whether it comes before the attendee's first fetch is scheduled. */
  readonly beforeFirstFetch: boolean;
}

/**
 * A seeded `deleteShare` of the attendees deleted and a disjoint `updateShare` updated, each
 * {@link CHURN_DELAY_MS} after its first fetch is scheduled, or for {@link CHURN_BEFORE_SHARE}
 * of each kind that long before it (not before the storm starts). Ordered by time.
 */
export function churnOf(arrivals: readonly Arrival[], churn: Churn, seed = 29): PlannedChange[] {
  const random = seededRandom(seed);
  const deletes = Math.round(arrivals.length * churn.deleteShare);
  const updates = Math.round(arrivals.length * churn.updateShare);
  const chosen = shuffled(arrivals, random).slice(0, deletes + updates);
  const changes = chosen.map((arrival, i): PlannedChange => {
    const kind = i < deletes ? 'delete' : 'update';
    const [rank, count] = kind === 'delete' ? [i, deletes] : [i - deletes, updates];
    const beforeFirstFetch = rank < Math.round(count * CHURN_BEFORE_SHARE);
    const delay = between(CHURN_DELAY_MS, random);
    const atMs = beforeFirstFetch ? Math.max(0, arrival.atMs - delay) : arrival.atMs + delay;
    return { attendee: arrival.attendee, kind, atMs, beforeFirstFetch };
  });
  return changes.sort((a, b) => a.atMs - b.atMs);
}

/** The display name an attendee's token carries (its `name` claim), unique and not all ASCII. */
export const displayNameOf = (attendee: StormAttendee): string =>
  `Zoë Ångström ${attendee.externalUserId}`;

/** `viewer`'s client learns that `attendee` is in the meeting (and waits for both to have joined). */
export interface Presence {
  readonly viewer: StormAttendee;
  readonly attendee: StormAttendee;
  readonly atMs: number;
}

/**
 * In each meeting, every attendee learns of every other one at the later of their two arrivals
 * plus a seeded delay up to `spreadMs`: an early one of the others as they come, a late one of
 * those already there in a burst, in a random order. Ordered by time.
 */
export function presenceOf(arrivals: readonly Arrival[], spreadMs: number, seed = 37): Presence[] {
  const random = seededRandom(seed);
  const events: Presence[] = [];
  for (const viewer of arrivals) {
    for (const other of arrivals) {
      if (other === viewer || other.attendee.meetingId !== viewer.attendee.meetingId) continue;
      const atMs = Math.max(viewer.atMs, other.atMs) + random() * spreadMs;
      events.push({ viewer: viewer.attendee, attendee: other.attendee, atMs });
    }
  }
  return events.sort((a, b) => a.atMs - b.atMs);
}

/** A seeded sample of `share` of `items` (rounded; all of them for 1), in their order. */
export function sampleOf<T>(items: readonly T[], share: number, seed = 41): T[] {
  if (share >= 1) return [...items];
  const count = Math.round(items.length * share);
  const chosen = new Set(shuffled(items, seededRandom(seed)).slice(0, count));
  return items.filter((item) => chosen.has(item));
}
