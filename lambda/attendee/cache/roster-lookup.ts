import { isNotFound } from '../../common/chime/not-found';
import type { CachedAttendee, SharedRead } from '../../common/table/item-codec';
import { listAttendees } from '../../common/table/meeting-snapshot';
import { countedCall, recordTier } from './metrics';
import { fromChime, snapshotOf } from './record-lookup';
import {
  type Answer,
  chimeSourced,
  complete,
  gone,
  type Lookup,
  quietly,
  type Roster,
  type SourceDeps,
  type Sourced,
} from './source-deps';

/** The attendees with the names recorded for them. */
const named = (attendees: Iterable<CachedAttendee>, names: SharedRead['names']): Roster =>
  Array.from(attendees, (attendee) => {
    const name = names?.get((attendee.AttendeeId ?? '').toLowerCase());
    return name === undefined ? attendee : { ...attendee, Name: name };
  });

/** ListAttendees, for this request alone (not kept). */
async function listed(deps: SourceDeps, lookup: Lookup, names?: SharedRead['names']) {
  let last = {};
  const call: Parameters<typeof listAttendees>[0]['call'] = async (operation, send) => {
    const output = await countedCall(lookup.metrics, operation, send);
    last = output;
    return output;
  };
  const attendees = await listAttendees(
    { chime: deps.chime, call },
    lookup.meetingId,
    lookup.signal,
  );
  recordTier(lookup.metrics, 'none');
  return { value: named(attendees, names), expiresAt: undefined, ...chimeSourced(last) };
}

/** A complete snapshot's roster, the attendees changed since (stale markers) asked again. */
async function rosterIn(
  deps: SourceDeps,
  lookup: Lookup,
  read: SharedRead,
  readAt: number,
): Promise<Answer<Roster>> {
  recordTier(lookup.metrics, deps.sharedTier);
  let sourced: Sourced = { tier: deps.sharedTier };
  const changed = await Promise.all(
    [...(read.stale ?? [])].map(async (attendeeId) => {
      try {
        const answer = await fromChime(deps, { ...lookup, attendeeId }, true);
        sourced = answer;
        return answer.value as CachedAttendee | undefined;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    }),
  );
  const records = Array.from(read.attendees?.values() ?? [], (record) => record.value);
  const value = named(
    [...records, ...changed.filter((attendee) => attendee !== undefined)],
    read.names,
  );
  const { tier, chimeRequestId, chimeAttempts } = sourced;
  return { value, expiresAt: readAt + deps.attendeeTtlMs, tier, chimeRequestId, chimeAttempts };
}

/**
 * The roster below the container cache: a complete snapshot in the shared tier, else this
 * container's own snapshot, else the one another container is taking; a failed or unreadable
 * one is listed again here, and not kept.
 */
export async function loadRoster(deps: SourceDeps, lookup: Lookup): Promise<Answer<Roster>> {
  const { shared } = deps;
  const { meetingId, signal } = lookup;
  const readAt = deps.now();
  const read =
    shared && (await quietly(deps, lookup, 'readAll', () => shared.readAll(meetingId, signal)));
  if (!shared || !read) return listed(deps, lookup);
  if (read.ended) throw gone('meeting');
  let found = complete(deps, read) ? read : undefined;
  if (!found && !read.lease?.failed) {
    const outcome = await snapshotOf(deps, shared, lookup);
    if (outcome.kind === 'taken') {
      recordTier(lookup.metrics, 'none');
      const value = named(outcome.attendees.values(), read.names);
      return { value, expiresAt: outcome.takenAt + deps.attendeeTtlMs, tier: 'none' };
    }
    if (outcome.kind === 'lost') found = await deps.waiters.whole(shared, meetingId, signal);
    if (found?.ended) throw gone('meeting');
  }
  if (!found) return listed(deps, lookup, read.names);
  return rosterIn(deps, lookup, found, readAt);
}
