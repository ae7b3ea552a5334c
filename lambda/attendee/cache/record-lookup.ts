import {
  type Attendee,
  GetAttendeeCommand,
  GetMeetingCommand,
  type Meeting,
} from '@aws-sdk/client-chime-sdk-meetings';
import { withSignal } from '../../common/chime/call-scope';
import { isNotFound } from '../../common/chime/not-found';
import type { CachedAttendee, CachedRecord, SharedRead } from '../../common/table/item-codec';
import type { SharedCache } from '../../common/table/shared-cache';
import { countedCall, recordTier } from './metrics';
import {
  type Answer,
  chimeSourced,
  complete,
  gone,
  type Lookup,
  quietly,
  remember,
  type SourceDeps,
  type Sourced,
  snapshotOf,
  tableRead,
  type Value,
} from './source-deps';

/*
 * The one lookup path of both record kinds, an attendee (`attendeeId` set) and its meeting,
 * below the container cache: the shared tier, then a hot meeting's snapshot (this container's
 * own, or another's waited for), then Chime. The kinds differ only in the few lines below.
 */

const ttlOf = (deps: SourceDeps, { attendeeId }: Lookup) =>
  attendeeId === undefined ? deps.meetingTtlMs : deps.attendeeTtlMs;

/** GetAttendee or GetMeeting: the record, and Chime's request id. */
async function getFromChime(deps: SourceDeps, lookup: Lookup): Promise<[Value, Sourced]> {
  const { meetingId: MeetingId, attendeeId: AttendeeId, signal, metrics } = lookup;
  if (AttendeeId === undefined) {
    const output = await countedCall(metrics, 'GetMeeting', () =>
      withSignal(signal, () => deps.chime.send(new GetMeetingCommand({ MeetingId }))),
    );
    return [output.Meeting, chimeSourced(output)];
  }
  const output = await countedCall(metrics, 'GetAttendee', () =>
    withSignal(signal, () => deps.chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }))),
  );
  return [output.Attendee, chimeSourced(output)];
}

/** An answer that may be cached under the lookup's key: the record asked for. */
function cacheable({ meetingId, attendeeId }: Lookup, value: Value): boolean {
  if (attendeeId === undefined) {
    const id = (value as Meeting | undefined)?.MeetingId;
    return typeof id === 'string' && id.toLowerCase() === meetingId;
  }
  const attendee = value as CachedAttendee | undefined;
  return (
    typeof attendee?.AttendeeId === 'string' &&
    attendee.AttendeeId.toLowerCase() === attendeeId &&
    typeof attendee.ExternalUserId === 'string'
  );
}

/** The record a read holds for the lookup, or throws NotFound for a tombstone. */
function recordIn({ attendeeId }: Lookup, read: SharedRead): CachedRecord<Value> | undefined {
  if (read.ended) throw gone('meeting');
  if (attendeeId === undefined) return read.meeting;
  if (read.deleted?.has(attendeeId)) throw gone('attendee');
  return read.attendees?.get(attendeeId);
}

/** Chime answered NotFound: the record leaves the container, and its tombstone the table. */
async function forget(deps: SourceDeps, shared: SharedCache, lookup: Lookup, version: number) {
  const { meetingId, attendeeId, metrics } = lookup;
  if (attendeeId === undefined) deps.container.dropMeeting(meetingId);
  else deps.container.dropAttendee(meetingId, attendeeId);
  await quietly(deps, metrics, 'tombstone', () =>
    attendeeId === undefined
      ? shared.endMeeting(meetingId, version)
      : shared.tombstoneAttendee(meetingId, attendeeId, version),
  );
}

/** Asks Chime; stores what it got in the shared tier when `store`. */
export async function fromChime(
  deps: SourceDeps,
  lookup: Lookup,
  store: boolean,
): Promise<Answer<Value>> {
  const { shared } = deps;
  const { meetingId, attendeeId, metrics } = lookup;
  const startedAt = deps.now();
  let got: [Value, Sourced];
  try {
    got = await getFromChime(deps, lookup);
  } catch (error) {
    if (isNotFound(error) && shared) await forget(deps, shared, lookup, startedAt);
    throw error;
  }
  const [value, sourced] = got;
  recordTier(metrics, 'none');
  if (!cacheable(lookup, value)) return { value, expiresAt: undefined, ...sourced };
  if (store && shared) {
    await quietly(deps, metrics, 'put', () =>
      attendeeId === undefined
        ? shared.putMeeting(meetingId, value as Meeting, startedAt)
        : shared.putAttendees(meetingId, [value as Attendee], startedAt),
    );
  }
  return { value, expiresAt: startedAt + ttlOf(deps, lookup), ...sourced };
}

function hit(
  deps: SourceDeps,
  lookup: Lookup,
  record: CachedRecord<Value>,
  readAt: number,
): Answer<Value> {
  recordTier(lookup.metrics, deps.sharedTier);
  const expiresAt = Math.min(readAt + ttlOf(deps, lookup), record.expiresAt);
  return { value: record.value, expiresAt, tier: deps.sharedTier };
}

/** The answer from what the table read found, else from a snapshot, else from Chime. */
async function fromRead(
  deps: SourceDeps,
  shared: SharedCache,
  lookup: Lookup,
  read: SharedRead,
  readAt: number,
): Promise<Answer<Value>> {
  const { meetingId, attendeeId, signal } = lookup;
  const record = recordIn(lookup, read);
  if (record) return hit(deps, lookup, record, readAt);
  // Missing from a complete snapshot (created after it, or never), changed since (a stale
  // marker: only this attendee is asked again), or its snapshot failed.
  const changed = attendeeId !== undefined && read.stale?.has(attendeeId);
  if (changed || complete(deps, read) || read.lease?.failed || !deps.hot.recordMiss(meetingId)) {
    return fromChime(deps, lookup, true);
  }
  const outcome = await snapshotOf(deps, shared, lookup);
  if (outcome.kind === 'taken') {
    const value = attendeeId === undefined ? outcome.meeting : outcome.attendees.get(attendeeId);
    if (!value) return fromChime(deps, lookup, true);
    recordTier(lookup.metrics, 'none');
    return { value, expiresAt: outcome.takenAt + ttlOf(deps, lookup), tier: 'none' };
  }
  if (outcome.kind === 'lost') {
    const waitedAt = deps.now();
    const wanted = attendeeId === undefined ? { meeting: true as const } : { attendeeId };
    const waited = await deps.waiters.wait(shared, meetingId, wanted, signal);
    const found = waited && recordIn(lookup, waited);
    if (found) return hit(deps, lookup, found, waitedAt);
  }
  return fromChime(deps, lookup, true);
}

/** Keeps the attendee read along with the one asked (`alongWith`), as its own lookup would. */
function rememberAlong(deps: SourceDeps, lookup: Lookup, read: SharedRead, readAt: number) {
  const { meetingId, alongWith } = lookup;
  if (alongWith === undefined) return;
  const key = deps.container.attendeeKey(meetingId, alongWith);
  const record = read.attendees?.get(alongWith);
  if (read.deleted?.has(alongWith)) deps.container.attendees.delete(key);
  else if (record && deps.attendeeTtlMs > 0) {
    const expiresAt = Math.min(readAt + deps.attendeeTtlMs, record.expiresAt);
    deps.container.attendees.set(key, record.value, expiresAt);
  }
}

/** An attendee or a meeting, below the container cache. */
export async function loadRecord(deps: SourceDeps, lookup: Lookup): Promise<Answer<Value>> {
  const { shared } = deps;
  const { meetingId, attendeeId, alongWith, signal } = lookup;
  const readAt = deps.now();
  const what =
    attendeeId === undefined ? {} : { attendeeId, attendeeIds: alongWith ? [alongWith] : [] };
  const read =
    shared && (await tableRead(deps, lookup, 'read', () => shared.read(meetingId, what, signal)));
  if (!shared || !read) return fromChime(deps, lookup, false);
  // The meeting came with the attendee (one BatchGetItem): join-info's next lookup is served.
  if (attendeeId !== undefined && read.meeting) remember(deps, meetingId, read.meeting, readAt);
  rememberAlong(deps, lookup, read, readAt);
  const answer = await fromRead(deps, shared, lookup, read, readAt);
  const name = attendeeId === undefined ? undefined : read.names?.get(attendeeId);
  if (name === undefined || answer.value === undefined) return answer;
  return { ...answer, value: { ...(answer.value as CachedAttendee), Name: name } };
}
