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

/** One attendee's part of the schedule. */
export interface Arrival {
  readonly attendee: StormAttendee;
  /** When its first fetch starts, ms after the storm starts. */
  readonly atMs: number;
  /** How long after its first fetch ends it fetches again; undefined: no reload. */
  readonly reloadAfterMs: number | undefined;
}

/** A small seeded PRNG (mulberry32), so that every run sends the same schedule. */
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

/**
 * The arrival schedule: the attendees in a seeded random order (meetings interleaved), arriving
 * evenly over `windowMs`; a seeded `reloadShare` of them ({@link RELOAD_SHARE} unless given)
 * reload a little later.
 */
export function arrivalsOf(
  attendees: readonly StormAttendee[],
  windowMs: number,
  { seed = 11, reloadShare = RELOAD_SHARE }: { seed?: number; reloadShare?: number } = {},
): Arrival[] {
  const random = seededRandom(seed);
  const order = shuffled(attendees, random);
  const reloads = Math.round(order.length * reloadShare);
  const reloading = new Set(shuffled(order, random).slice(0, reloads));
  const step = order.length > 0 ? windowMs / order.length : 0;
  return order.map((attendee, i) => ({
    attendee,
    atMs: i * step,
    reloadAfterMs: reloading.has(attendee)
      ? RELOAD_DELAY_MS.min + random() * (RELOAD_DELAY_MS.max - RELOAD_DELAY_MS.min)
      : undefined,
  }));
}

/** What the backend does to a churned attendee: DeleteAttendee, or UpdateAttendeeCapabilities. */
export type ChangeKind = 'delete' | 'update';

/** One change of the churn, as planned. */
export interface PlannedChange {
  readonly attendee: StormAttendee;
  readonly kind: ChangeKind;
  /** When the backend makes the call, ms after the storm starts. */
  readonly atMs: number;
  /** Whether it comes before the attendee's first fetch is scheduled. */
  readonly beforeFirstFetch: boolean;
}

/**
 * The churn: a seeded `deleteShare` of the attendees deleted and a disjoint `updateShare` given
 * new capabilities, each {@link CHURN_DELAY_MS} after its first fetch is scheduled (its join info
 * already served), or for {@link CHURN_BEFORE_SHARE} of them that long before it (not before the
 * storm starts). Ordered by time.
 */
export function churnOf(arrivals: readonly Arrival[], churn: Churn, seed = 29): PlannedChange[] {
  const random = seededRandom(seed);
  const chosen = shuffled(arrivals, random);
  const deletes = Math.round(arrivals.length * churn.deleteShare);
  const updates = Math.round(arrivals.length * churn.updateShare);
  const changes = chosen.slice(0, deletes + updates).map((arrival, i): PlannedChange => {
    const kind = i < deletes ? 'delete' : 'update';
    const count = kind === 'delete' ? deletes : updates;
    const rank = kind === 'delete' ? i : i - deletes;
    const beforeFirstFetch = rank < Math.round(count * CHURN_BEFORE_SHARE);
    const delay = CHURN_DELAY_MS.min + random() * (CHURN_DELAY_MS.max - CHURN_DELAY_MS.min);
    return {
      attendee: arrival.attendee,
      kind,
      atMs: beforeFirstFetch ? Math.max(0, arrival.atMs - delay) : arrival.atMs + delay,
      beforeFirstFetch,
    };
  });
  return changes.sort((a, b) => a.atMs - b.atMs);
}

/** The display name an attendee's token carries (its `name` claim), unique and not all ASCII. */
export const displayNameOf = (attendee: StormAttendee): string =>
  `Zoë Ångström ${attendee.externalUserId}`;

/** One presence event: `viewer`'s client learns that `attendee` is in the meeting. */
export interface Presence {
  readonly viewer: StormAttendee;
  readonly attendee: StormAttendee;
  /** When, ms after the storm starts, as planned (the client also waits for both to have joined). */
  readonly atMs: number;
}

/**
 * Presence as the attendees' clients receive it: in each meeting, every attendee learns of every
 * other one at the later of their two scheduled arrivals plus a seeded delay up to `spreadMs`.
 * So an early attendee learns of the others as they come, one arriving late learns of those
 * already there in a burst, each in a random order, over the window and up to `spreadMs` after
 * it. Ordered by time.
 */
export function presenceOf(arrivals: readonly Arrival[], spreadMs: number, seed = 37): Presence[] {
  const random = seededRandom(seed);
  const events: Presence[] = [];
  for (const viewer of arrivals) {
    for (const other of arrivals) {
      if (other === viewer || other.attendee.meetingId !== viewer.attendee.meetingId) continue;
      events.push({
        viewer: viewer.attendee,
        attendee: other.attendee,
        atMs: Math.max(viewer.atMs, other.atMs) + random() * spreadMs,
      });
    }
  }
  return events.sort((a, b) => a.atMs - b.atMs);
}

/** A seeded sample of `share` of `items` (rounded; all of them for 1), in their order. */
export function sampleOf<T>(items: readonly T[], share: number, seed = 41): T[] {
  if (share >= 1) return [...items];
  const chosen = new Set(
    shuffled(items, seededRandom(seed)).slice(0, Math.round(items.length * share)),
  );
  return items.filter((item) => chosen.has(item));
}
