import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type Attendee,
  type ChimeSDKMeetingsClient,
  GetAttendeeCommand,
  type GetAttendeeCommandOutput,
  GetMeetingCommand,
  type GetMeetingCommandOutput,
  type Meeting,
  NotFoundException,
} from '@aws-sdk/client-chime-sdk-meetings';
import { withSignal } from '../../common/chime/call-scope';
import { isNotFound } from '../../common/chime/not-found';
import type { CacheSettings } from '../../common/config/settings';
import type { CachedAttendee, CachedRecord, SharedRead } from '../../common/table/item-codec';
import {
  listAttendees,
  type MeetingSnapshotOutcome,
  takeMeetingSnapshot,
} from '../../common/table/meeting-snapshot';
import { createSharedCache, type SharedCache } from '../../common/table/shared-cache';
import { createContainerCache, type Loaded, raced, type TtlCache } from './container-cache';
import { createHotMeetings } from './hot-meetings';
import { createMemoryCache } from './memory-cache';
import { type CacheTier, countedCall, type RequestMetrics, recordTier } from './metrics';
import { createSnapshotWaiters } from './snapshot-waiters';

/** An attendee as cached, and the display name its owner's token carried, if recorded. */
export type NamedAttendee = CachedAttendee & { readonly Name?: string };
export type Roster = readonly NamedAttendee[];
export type Value = NamedAttendee | Meeting | undefined;

/** Where a lookup's answer came from; Chime's request id when this request called it. */
export interface Sourced {
  readonly tier: CacheTier;
  readonly chimeRequestId?: string | undefined;
  readonly chimeAttempts?: number | undefined;
}

export type Answer<V> = Loaded<V> & Sourced;

export interface Lookup {
  readonly meetingId: string;
  /** Unset for the meeting itself (or its roster). */
  readonly attendeeId?: string | undefined;
  readonly alongWith?: string | undefined;
  readonly signal: AbortSignal | undefined;
  readonly metrics: RequestMetrics | undefined;
}

/** The table's own settings come in `sharedTable`, or the table is not used. */
export interface AttendeeSourceOptions extends CacheSettings {
  readonly chime: Pick<ChimeSDKMeetingsClient, 'send'>;
  readonly sharedTable?: Omit<Parameters<typeof createSharedCache>[0], 'now'> | undefined;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told the operation and the error's class name of a cache failure (never its message). */
  readonly onCacheError?: (operation: string, errorName: string) => void;
}

/** With the table, how long a container serves what it read: the rest of the freshness bound. */
export const TABLE_RECHECK_MS = 1000;

export function createSourceDeps(options: AttendeeSourceOptions) {
  const { sharedTable: table, now = Date.now, cacheMaxEntries: maxEntries } = options;
  const front = (ttlMs: number) => (table ? Math.min(ttlMs, TABLE_RECHECK_MS) : ttlMs);
  const sharedTier: CacheTier = table ? 'shared' : 'container';
  /** Whether the read holds a snapshot recent enough to prove that a missing attendee is new. */
  const complete = ({ snapshot }: SharedRead) =>
    snapshot !== undefined && now() - snapshot.takenAt < options.cacheSnapshotFreshnessMs;
  return {
    ...options,
    now,
    container: createContainerCache<Value, Value, Roster>({ maxEntries, now }),
    /** The table, or the container's memory standing in for it. */
    shared: table
      ? createSharedCache({ ...table, now })
      : options.cacheAttendeeTtlMs > 0
        ? createMemoryCache({ ttlMs: options.cacheAttendeeTtlMs, maxEntries, now })
        : undefined,
    sharedTier,
    attendeeTtlMs: front(options.cacheAttendeeTtlMs),
    meetingTtlMs: front(options.cacheMeetingTtlMs),
    leaseMs: options.cacheLeaseMs,
    hot: createHotMeetings({
      threshold: options.cacheHotThreshold,
      windowMs: options.cacheHotWindowMs,
      now,
    }),
    waiters: createSnapshotWaiters({
      pollMs: options.cacheLeasePollMs,
      waitMs: options.cacheLeaseWaitMs,
      sleep: options.sleep ?? ((ms) => delay(ms)),
      complete,
      onReadError: (error) => cacheError(options, undefined, 'read', error),
    }),
    complete,
    snapshots: new Map<string, Promise<MeetingSnapshotOutcome>>(),
    owner: randomUUID(),
  };
}

export type SourceDeps = ReturnType<typeof createSourceDeps>;

/** Counts a cache failure; tells its operation and error class, never its message. */
function cacheError(
  deps: Pick<AttendeeSourceOptions, 'onCacheError'>,
  metrics: RequestMetrics | undefined,
  operation: string,
  error: unknown,
): void {
  if (metrics) metrics.cacheErrors += 1;
  const name =
    error instanceof Error ? error.name : typeof error === 'object' ? 'UnknownError' : typeof error;
  deps.onCacheError?.(operation, name);
}

/** A table operation whose failure is counted and gives undefined, unless `signal` aborted. */
export async function quietly<T>(
  deps: SourceDeps,
  { signal, metrics }: Partial<Pick<Lookup, 'signal' | 'metrics'>>,
  operation: string,
  run: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if (signal?.aborted) throw error;
    cacheError(deps, metrics, operation, error);
    return undefined;
  }
}

// Below the container cache: the shared tier, then a hot meeting's snapshot, then Chime.

/** Chime's answer for a record that a tombstone says is gone. */
const gone = (what: string) =>
  new NotFoundException({ message: `The ${what} does not exist.`, $metadata: {} });

const chimeSourced = (output: {
  readonly $metadata?: { readonly requestId?: string; readonly attempts?: number };
}): Sourced => ({
  tier: 'none',
  chimeRequestId: output.$metadata?.requestId,
  chimeAttempts: output.$metadata?.attempts,
});

/** Keeps a record read along with something else in the container, as its own lookup would. */
function keep<V>(
  cache: TtlCache<V>,
  key: string,
  record: Pick<CachedRecord<V>, 'value' | 'expiresAt'>,
  readAt: number,
  ttlMs: number,
): void {
  if (ttlMs > 0) cache.set(key, record.value, Math.min(readAt + ttlMs, record.expiresAt));
}

const ttlOf = (deps: SourceDeps, { attendeeId }: Lookup) =>
  attendeeId === undefined ? deps.meetingTtlMs : deps.attendeeTtlMs;

/** The record a read holds for the lookup, or throws NotFound for a tombstone. */
function recordIn({ attendeeId }: Lookup, read: SharedRead): CachedRecord<Value> | undefined {
  if (read.ended) throw gone('meeting');
  if (attendeeId === undefined) return read.meeting;
  if (read.deleted?.has(attendeeId)) throw gone('attendee');
  return read.attendees?.get(attendeeId);
}

/** Asks Chime; stores what it got in the shared tier when `store`, a tombstone for a NotFound. */
async function fromChime(deps: SourceDeps, lookup: Lookup, store: boolean): Promise<Answer<Value>> {
  const { shared, container } = deps;
  const { meetingId: MeetingId, attendeeId: AttendeeId, signal, metrics } = lookup;
  const startedAt = deps.now();
  const get = (): Promise<Partial<GetMeetingCommandOutput & GetAttendeeCommandOutput>> =>
    AttendeeId === undefined
      ? deps.chime.send(new GetMeetingCommand({ MeetingId }))
      : deps.chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }));
  const operation = AttendeeId === undefined ? 'GetMeeting' : 'GetAttendee';
  const output = await countedCall(metrics, operation, () => withSignal(signal, get)).catch(
    async (error: unknown) => {
      if (isNotFound(error) && shared) {
        if (AttendeeId === undefined) container.dropMeeting(MeetingId);
        else container.attendees.delete(container.attendeeKey(MeetingId, AttendeeId));
        await quietly<unknown>(deps, { metrics }, 'tombstone', () =>
          AttendeeId === undefined
            ? shared.endMeeting(MeetingId, startedAt)
            : shared.tombstoneAttendee(MeetingId, AttendeeId, startedAt),
        );
      }
      throw error;
    },
  );
  const value = AttendeeId === undefined ? output.Meeting : output.Attendee;
  recordTier(metrics, 'none');
  // Only the record asked for may be cached under the lookup's key.
  const id = AttendeeId === undefined ? output.Meeting?.MeetingId : output.Attendee?.AttendeeId;
  const named = AttendeeId === undefined || typeof output.Attendee?.ExternalUserId === 'string';
  if (!(named && typeof id === 'string' && id.toLowerCase() === (AttendeeId ?? MeetingId))) {
    return { value, expiresAt: undefined, ...chimeSourced(output) };
  }
  if (store && shared) {
    await quietly(deps, { metrics }, 'put', () =>
      AttendeeId === undefined
        ? shared.putMeeting(MeetingId, value as Meeting, startedAt)
        : shared.putAttendees(MeetingId, [value as Attendee], startedAt),
    );
  }
  return { value, expiresAt: startedAt + ttlOf(deps, lookup), ...chimeSourced(output) };
}

async function takeSnapshot(deps: SourceDeps, shared: SharedCache, { meetingId, metrics }: Lookup) {
  const { container, attendeeTtlMs } = deps;
  try {
    const outcome = await takeMeetingSnapshot(
      {
        ...deps,
        shared,
        call: (operation, send) => countedCall(metrics, operation, send),
        onCacheError: (operation, error) => cacheError(deps, metrics, operation, error),
        onPage: (page, takenAt) => {
          for (const value of page) {
            const key = container.attendeeKey(meetingId, String(value.AttendeeId).toLowerCase());
            keep(container.attendees, key, { value, expiresAt: Infinity }, takenAt, attendeeTtlMs);
          }
        },
      },
      meetingId,
    );
    if (outcome.kind === 'taken' && outcome.meeting) {
      const record = { value: outcome.meeting, expiresAt: Infinity };
      keep(container.meetings, meetingId, record, outcome.takenAt, deps.meetingTtlMs);
    }
    return outcome;
  } catch (error) {
    if (isNotFound(error)) container.dropMeeting(meetingId);
    throw error;
  }
}

/** One snapshot per meeting per container; each waiter keeps its own deadline. */
function snapshotOf(deps: SourceDeps, shared: SharedCache, lookup: Lookup) {
  const { meetingId, signal } = lookup;
  let flight = deps.snapshots.get(meetingId);
  if (!flight) {
    flight = takeSnapshot(deps, shared, lookup).finally(() => {
      if (deps.snapshots.get(meetingId) === flight) deps.snapshots.delete(meetingId);
    });
    // Handled here too: the requests that wait for it may all have given up by its end.
    flight.catch(() => undefined);
    deps.snapshots.set(meetingId, flight);
  }
  return raced(flight, signal);
}

function hit(deps: SourceDeps, lookup: Lookup, record: CachedRecord<Value>, readAt: number) {
  recordTier(lookup.metrics, deps.sharedTier);
  const expiresAt = Math.min(readAt + ttlOf(deps, lookup), record.expiresAt);
  return { value: record.value, expiresAt, tier: deps.sharedTier };
}

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
  if (changed || deps.complete(read) || read.lease?.failed || !deps.hot.recordMiss(meetingId)) {
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
    const waited = await deps.waiters.wait(shared, meetingId, attendeeId, signal);
    const found = waited && recordIn(lookup, waited);
    if (found) return hit(deps, lookup, found, waitedAt);
  }
  return fromChime(deps, lookup, true);
}

export async function loadRecord(deps: SourceDeps, lookup: Lookup): Promise<Answer<Value>> {
  const { shared, container } = deps;
  const { meetingId, attendeeId, alongWith, signal } = lookup;
  if (!shared) return fromChime(deps, lookup, false);
  const readAt = deps.now();
  const what = { attendeeId, attendeeIds: alongWith ? [alongWith] : [] };
  const read = await quietly(deps, lookup, 'read', () => shared.read(meetingId, what, signal));
  if (!read) return fromChime(deps, lookup, false);
  // The meeting came with the attendee (one BatchGetItem): join-info's next lookup is served.
  if (attendeeId !== undefined && read.meeting) {
    keep(container.meetings, meetingId, read.meeting, readAt, deps.meetingTtlMs);
  }
  if (alongWith !== undefined) {
    const key = container.attendeeKey(meetingId, alongWith);
    const along = read.attendees?.get(alongWith);
    if (read.deleted?.has(alongWith)) container.attendees.delete(key);
    else if (along) keep(container.attendees, key, along, readAt, deps.attendeeTtlMs);
  }
  const answer = await fromRead(deps, shared, lookup, read, readAt);
  const name = attendeeId === undefined ? undefined : read.names?.get(attendeeId);
  if (name === undefined || answer.value === undefined) return answer;
  return { ...answer, value: { ...(answer.value as CachedAttendee), Name: name } };
}

const named = (attendees: Iterable<CachedAttendee>, names: SharedRead['names']): Roster =>
  Array.from(attendees, (attendee) => {
    const name = names?.get((attendee.AttendeeId ?? '').toLowerCase());
    return name === undefined ? attendee : { ...attendee, Name: name };
  });

/** ListAttendees for this request alone (not kept). */
async function listed(deps: SourceDeps, lookup: Lookup, names?: SharedRead['names']) {
  const { meetingId, signal, metrics } = lookup;
  let last = {};
  const call: Parameters<typeof listAttendees>[0]['call'] = async (operation, send) => {
    const output = await countedCall(metrics, operation, send);
    last = output;
    return output;
  };
  const attendees = await listAttendees({ chime: deps.chime, call }, meetingId, signal);
  recordTier(metrics, 'none');
  return { value: named(attendees, names), expiresAt: undefined, ...chimeSourced(last) };
}

/** A complete snapshot, else this container's or another's; failing those, a listing not kept. */
export async function loadRoster(deps: SourceDeps, lookup: Lookup): Promise<Answer<Roster>> {
  const { shared } = deps;
  const { meetingId, signal } = lookup;
  const readAt = deps.now();
  const read =
    shared && (await quietly(deps, lookup, 'readAll', () => shared.readAll(meetingId, signal)));
  if (!shared || !read) return listed(deps, lookup);
  if (read.ended) throw gone('meeting');
  let found = deps.complete(read) ? read : undefined;
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
  // The complete snapshot's roster, the attendees changed since (stale markers) asked again.
  recordTier(lookup.metrics, deps.sharedTier);
  let sourced: Sourced = { tier: deps.sharedTier };
  const changed = await Promise.all(
    [...(found.stale ?? [])].map(async (attendeeId) => {
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
  const records = Array.from(found.attendees?.values() ?? [], (record) => record.value);
  const value = named([...records, ...changed.filter((a) => a !== undefined)], found.names);
  return { ...sourced, value, expiresAt: readAt + deps.attendeeTtlMs };
}
