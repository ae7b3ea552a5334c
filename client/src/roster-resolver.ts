import type { AttendeeApiClient } from './attendee-api-client';
import type { RosterAttendee } from './types';

/**
 * What `meetingManager.getAttendee` resolves (`{}` for an attendee not in the roster). A type
 * alias, not an interface, so that it also fits an index signature of `unknown`.
 */
export type ResolvedAttendee = {
  readonly name?: string;
  readonly externalUserId?: string;
  /** A media pipeline (roster `Service: true`), not a person. */
  readonly service?: boolean;
};

export interface RosterResolverOptions {
  readonly client: Pick<AttendeeApiClient, 'getRoster'>;
  readonly meetingId: string;
  /** The least time between the starts of two roster fetches. Default 1000. */
  readonly minIntervalMs?: number;
  /** How long a person listed without a name waits for a newer roster. Default 500. */
  readonly nameWaitMs?: number;
  /** Ends the resolver: aborts the fetch under way, and every later lookup rejects with its reason. */
  readonly signal?: AbortSignal;
}

export interface RosterResolver {
  /** A drop-in `meetingManager.getAttendee`; rejects with the `ApiError` of the fetch it waited on. */
  readonly getAttendee: (
    chimeAttendeeId: string,
    externalUserId?: string,
  ) => Promise<ResolvedAttendee>;
  /** Fetches the roster again, as soon as the limits allow, and returns it. */
  readonly refresh: () => Promise<readonly RosterAttendee[]>;
}

type Roster = ReadonlyMap<string, RosterAttendee>;

/**
 * Answers attendee lookups from the meeting's roster: a meeting's worth of attendees appearing at
 * once costs one `getRoster` (how: client/README.md, "Names in the React component library").
 * @example
 * const resolver = createRosterResolver({ client: api, meetingId });
 * meetingManager.getAttendee = resolver.getAttendee;
 */
export function createRosterResolver(options: RosterResolverOptions): RosterResolver {
  const { client, meetingId, minIntervalMs = 1000, nameWaitMs = 500, signal } = options;
  if (!Number.isFinite(minIntervalMs) || minIntervalMs < 0) {
    throw new TypeError('createRosterResolver: minIntervalMs must be a number ≥ 0');
  }
  let latest: Roster | undefined;
  let inFlight: Promise<Roster> | undefined;
  /** Ends `minIntervalMs` after the last fetch started. */
  let coolingDown: Promise<void> | undefined;
  /** A fetch asked for while another was under way or too recent. */
  let queued: Promise<Roster> | undefined;

  const fetchRoster = (): Promise<Roster> => {
    coolingDown = new Promise((resolve) => setTimeout(resolve, minIntervalMs)).then(() => {
      coolingDown = undefined;
    });
    const roster = client
      .getRoster({ meetingId, ...(signal ? { signal } : {}) })
      .then(({ Attendees }): Roster => {
        latest = new Map(Attendees.map((attendee) => [attendee.AttendeeId, attendee]));
        return latest;
      });
    inFlight = roster;
    const settled = () => {
      inFlight = undefined;
    };
    roster.then(settled, settled);
    return roster;
  };

  /** A roster whose fetch starts no earlier than now. */
  const newerRoster = (): Promise<Roster> => {
    if (!inFlight && !coolingDown) return fetchRoster();
    queued ??= Promise.all([inFlight?.catch(() => {}), coolingDown]).then(() => {
      queued = undefined;
      return fetchRoster();
    });
    return queued;
  };

  const resolved = (attendee: RosterAttendee | undefined): ResolvedAttendee =>
    attendee === undefined
      ? {}
      : {
          ...(attendee.Name === undefined ? {} : { name: attendee.Name }),
          externalUserId: attendee.ExternalUserId,
          service: attendee.Service === true,
        };

  return {
    getAttendee: async (chimeAttendeeId) => {
      signal?.throwIfAborted();
      const known = latest?.get(chimeAttendeeId);
      // Named (or a service) in the latest roster: nothing newer adds to it, even mid-fetch.
      if (known?.Name !== undefined || known?.Service === true) return resolved(known);
      if (!known) {
        const found = inFlight ? (await inFlight).get(chimeAttendeeId) : undefined;
        return resolved(found ?? (await newerRoster()).get(chimeAttendeeId));
      }
      // Its owner may have checked in (recording the name) since: ask a newer roster, briefly.
      const newer = (inFlight ?? newerRoster()).then(
        (roster) => roster.get(chimeAttendeeId) ?? known,
        () => known,
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waited = new Promise<RosterAttendee>((resolve) => {
        timer = setTimeout(() => resolve(known), nameWaitMs);
      });
      try {
        return resolved(await Promise.race([newer, waited]));
      } finally {
        clearTimeout(timer);
      }
    },
    refresh: async () => [...(await newerRoster()).values()],
  };
}
