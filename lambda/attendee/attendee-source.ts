import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type Attendee,
  type ChimeSDKMeetingsClient,
  GetAttendeeCommand,
  GetMeetingCommand,
  type Meeting,
  NotFoundException,
} from '@aws-sdk/client-chime-sdk-meetings';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createContainerCache, type Loaded, raced, type TtlCache } from './cache/container-cache';
import { createHotMeetings } from './cache/hot-meetings';
import {
  listAttendees,
  type MeetingSnapshotOutcome,
  takeMeetingSnapshot,
} from './cache/meeting-snapshot';
import { createMemoryCache } from './cache/memory-cache';
import {
  type CacheTier,
  type ChimeOperation,
  type RequestMetrics,
  recordChimeCall,
  recordTier,
} from './cache/metrics';
import {
  type CachedAttendee,
  type CachedRecord,
  createSharedCache,
  type SharedCache,
  type SharedRead,
} from './cache/shared-cache';
import { createSnapshotWaiters } from './cache/snapshot-waiters';
import { withSignal } from './call-scope';
import { isNotFound } from './chime-errors';

/**
 * With the table, how long a container serves what it read before it reads the table again:
 * the events keep the table true, and this is the rest of the freshness bound (README, "Cache").
 */
export const TABLE_RECHECK_MS = 1000;

/** Plain, typed options; the lead maps configuration onto them. */
export interface AttendeeSourceOptions {
  readonly chime: Pick<ChimeSDKMeetingsClient, 'send'>;
  /**
   * How long this container serves an attendee it read: without the table, the freshness bound;
   * with it, at most {@link TABLE_RECHECK_MS}. 0 turns the container tier off.
   */
  readonly containerAttendeeTtlMs: number;
  /** The same for a meeting. */
  readonly containerMeetingTtlMs: number;
  /** Entries per container cache (meetings, attendees), least recently used dropped first. */
  readonly maxEntries: number;
  /** The shared DynamoDB tier, or none (the container's memory holds snapshots instead). */
  readonly sharedTable?: {
    readonly client: Pick<DynamoDBClient, 'send'>;
    readonly tableName: string;
    /** How long a shared record may be served after it was fetched from Chime. */
    readonly ttlMs: number;
  };
  /** Shared-tier misses of one meeting within `hotWindowMs` that make it hot. */
  readonly hotThreshold: number;
  readonly hotWindowMs: number;
  /** How long a snapshot lease holds. */
  readonly leaseMs: number;
  /** How long after it was taken a snapshot proves that a missing attendee was created later. */
  readonly snapshotFreshnessMs: number;
  /** How often a container that lost the lease reads the table again. */
  readonly leasePollMs: number;
  /**
   * How long a container that lost the lease waits for the snapshot before it asks Chime itself.
   * Keep it well under the request deadline.
   */
  readonly leaseWaitMs: number;
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** Waits `ms`; injected by tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told the operation and the error's class name of a cache failure (never its message). */
  readonly onCacheError?: (operation: string, errorName: string) => void;
}

/** Per-request options of the source's lookups. */
interface LookupOptions {
  readonly abortSignal?: AbortSignal;
  /** This request's counters (see `cache/metrics.ts`). */
  readonly metrics?: RequestMetrics;
}

/** An attendee lookup's options. */
interface AttendeeLookupOptions extends LookupOptions {
  /**
   * Another attendee of the meeting the request asks for next (the caller's own): read in the
   * same table read and kept in the container, so that its lookup costs no read of its own.
   */
  readonly alongWith?: string;
}

/** An attendee as cached, and the display name its owner's token carried, if recorded. */
export type NamedAttendee = CachedAttendee & { readonly Name?: string };

/** Where a lookup's answer came from, and Chime's request id when this request called it. */
export interface Sourced {
  readonly tier: CacheTier;
  readonly chimeRequestId?: string;
  readonly chimeAttempts?: number;
}

/** `Attendee` as Chime gave it: the routes check it (`checkedAttendee`) as before. */
type SourcedAttendee = Sourced & { readonly Attendee: NamedAttendee | undefined };
/** `Meeting` as Chime gave it: the routes check it (`meetingView`) as before. */
type SourcedMeeting = Sourced & { readonly Meeting: Meeting | undefined };

/** The attendees and meetings the routes read, through the cache tiers. */
export interface AttendeeSource {
  /** The attendee, as GetAttendee returns it; throws Chime's errors (NotFoundException…). */
  getAttendee(
    meetingId: string,
    attendeeId: string,
    options?: AttendeeLookupOptions,
  ): Promise<SourcedAttendee>;
  /** The meeting, as GetMeeting returns it; throws Chime's errors. */
  getMeeting(meetingId: string, options?: LookupOptions): Promise<SourcedMeeting>;
  /**
   * Every attendee of the meeting, as ListAttendees returns them, with their names: from a
   * complete snapshot (taken, or waited for, if there is none). Throws Chime's errors.
   */
  getRoster(
    meetingId: string,
    options?: LookupOptions,
  ): Promise<Sourced & { readonly Attendees: readonly NamedAttendee[] }>;
  /** Records the display name of an attendee's owner, for the others to see. */
  recordName(
    meetingId: string,
    attendeeId: string,
    name: string,
    options?: LookupOptions,
  ): Promise<void>;
}

/** One lookup: which record, and the request's signal, counters and trace. */
interface Lookup {
  readonly meetingId: string;
  /** Set for an attendee; unset for the meeting itself (or its roster). */
  readonly attendeeId: string | undefined;
  readonly alongWith?: string | undefined;
  readonly signal: AbortSignal | undefined;
  readonly metrics: RequestMetrics | undefined;
  /** Where the answer came from (mutable: set by whichever step answers). */
  readonly trace: { tier: CacheTier; chimeRequestId?: string; chimeAttempts?: number };
}

type Value = NamedAttendee | Meeting | undefined;
type Roster = readonly NamedAttendee[];

const errorName = (error: unknown) =>
  error instanceof Error ? error.name : typeof error === 'object' ? 'UnknownError' : typeof error;

/** Chime's answer for a record that a tombstone says is gone. */
const gone = (what: string) =>
  new NotFoundException({ message: `The ${what} does not exist.`, $metadata: {} });

/** An answer that may be cached under the lookup's key: the record asked for. */
function cacheable(lookup: Lookup, value: Value): boolean {
  if (value === undefined) return false;
  if (lookup.attendeeId === undefined) {
    const meeting = value as Meeting;
    return (
      typeof meeting.MeetingId === 'string' && meeting.MeetingId.toLowerCase() === lookup.meetingId
    );
  }
  const attendee = value as CachedAttendee;
  return (
    typeof attendee.AttendeeId === 'string' &&
    attendee.AttendeeId.toLowerCase() === lookup.attendeeId &&
    typeof attendee.ExternalUserId === 'string'
  );
}

/**
 * Creates the attendee source of a container: container cache, then the shared table (or,
 * without one, the container's own snapshots), then Chime, each lookup single-flight. When a
 * meeting turns hot, one container takes the lease and pages ListAttendees into the table; the
 * others read the table. Tombstones and the meeting's end answer NotFound as Chime would. The
 * cache never decides anything: the routes apply the policy to what it returns, per request. A
 * cache failure never fails a request: it falls back to Chime and counts a cache error.
 *
 * IDs must be lower-case (as `parseAttendeeIds` returns them).
 */
export function createAttendeeSource(options: AttendeeSourceOptions): AttendeeSource {
  const { chime, hotThreshold, hotWindowMs, leaseMs, snapshotFreshnessMs } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const owner = randomUUID();
  const table = options.sharedTable;
  const frontTtl = (ttlMs: number) => (table ? Math.min(ttlMs, TABLE_RECHECK_MS) : ttlMs);
  const attendeeTtlMs = frontTtl(options.containerAttendeeTtlMs);
  const meetingTtlMs = frontTtl(options.containerMeetingTtlMs);
  const container = createContainerCache<Value, Value, Roster>({
    maxEntries: options.maxEntries,
    now,
  });
  const hot = createHotMeetings({ threshold: hotThreshold, windowMs: hotWindowMs, now });
  const shared: SharedCache | undefined = table
    ? createSharedCache({
        client: table.client,
        tableName: table.tableName,
        ttlMs: table.ttlMs,
        now,
      })
    : options.containerAttendeeTtlMs > 0
      ? createMemoryCache({
          ttlMs: options.containerAttendeeTtlMs,
          maxEntries: options.maxEntries,
          now,
        })
      : undefined;
  /** A hit in `shared` is the table's, or (without one) the container's own. */
  const sharedTier: CacheTier = table ? 'shared' : 'container';
  const snapshots = new Map<string, Promise<MeetingSnapshotOutcome>>();

  const cacheError = (metrics: RequestMetrics | undefined, operation: string, error: unknown) => {
    if (metrics) metrics.cacheErrors += 1;
    options.onCacheError?.(operation, errorName(error));
  };

  const complete = (read: SharedRead) =>
    read.snapshot !== undefined && now() - read.snapshot.takenAt < snapshotFreshnessMs;

  const waiters = createSnapshotWaiters({
    pollMs: options.leasePollMs,
    waitMs: options.leaseWaitMs,
    sleep,
    complete,
    onReadError: (error) => cacheError(undefined, 'read', error),
  });

  /** Runs a shared-tier write; a failure is counted, never thrown. */
  const quietly = async (
    metrics: RequestMetrics | undefined,
    operation: string,
    write: () => Promise<unknown>,
  ) => {
    try {
      await write();
    } catch (error) {
      cacheError(metrics, operation, error);
    }
  };

  const call = async <T extends { $metadata?: { requestId?: string; attempts?: number } }>(
    operation: ChimeOperation,
    send: () => Promise<T>,
    lookup: Pick<Lookup, 'metrics'> & Partial<Pick<Lookup, 'trace'>>,
  ): Promise<T> => {
    try {
      const output = await send();
      recordChimeCall(lookup.metrics, operation, output, false);
      const { trace } = lookup;
      if (trace && output.$metadata?.requestId) trace.chimeRequestId = output.$metadata.requestId;
      if (trace && output.$metadata?.attempts) trace.chimeAttempts = output.$metadata.attempts;
      return output;
    } catch (error) {
      recordChimeCall(lookup.metrics, operation, error, true);
      throw error;
    }
  };

  const answered = (lookup: Lookup, tier: CacheTier) => {
    lookup.trace.tier = tier;
    recordTier(lookup.metrics, tier);
  };

  const ttlOf = (lookup: Lookup) =>
    lookup.attendeeId === undefined ? meetingTtlMs : attendeeTtlMs;

  /** GetAttendee or GetMeeting; a NotFound leaves its tombstone. Stores what it got. */
  const fromChime = async (lookup: Lookup, store: boolean): Promise<Loaded<Value>> => {
    const { meetingId, attendeeId, signal } = lookup;
    const startedAt = now();
    let value: Value;
    try {
      value =
        attendeeId === undefined
          ? (
              await call(
                'GetMeeting',
                () =>
                  withSignal(signal, () =>
                    chime.send(new GetMeetingCommand({ MeetingId: meetingId })),
                  ),
                lookup,
              )
            ).Meeting
          : (
              await call(
                'GetAttendee',
                () =>
                  withSignal(signal, () =>
                    chime.send(
                      new GetAttendeeCommand({ MeetingId: meetingId, AttendeeId: attendeeId }),
                    ),
                  ),
                lookup,
              )
            ).Attendee;
    } catch (error) {
      if (isNotFound(error) && shared) {
        if (attendeeId === undefined) container.dropMeeting(meetingId);
        else container.dropAttendee(meetingId, attendeeId);
        await quietly(lookup.metrics, 'tombstone', () =>
          attendeeId === undefined
            ? shared.endMeeting(meetingId, startedAt)
            : shared.tombstoneAttendee(meetingId, attendeeId, startedAt),
        );
      }
      throw error;
    }
    answered(lookup, 'none');
    if (!cacheable(lookup, value)) return { value, expiresAt: undefined };
    if (store && shared && value) {
      await quietly(lookup.metrics, 'put', () =>
        attendeeId === undefined
          ? shared.putMeeting(meetingId, value as Meeting, startedAt)
          : shared.putAttendees(meetingId, [value as Attendee], startedAt),
      );
    }
    return { value, expiresAt: startedAt + ttlOf(lookup) };
  };

  /** The record a read holds for the lookup, or throws NotFound for a tombstone. */
  const recordIn = (lookup: Lookup, read: SharedRead): CachedRecord<Value> | undefined => {
    if (read.ended) throw gone('meeting');
    if (lookup.attendeeId === undefined) return read.meeting;
    if (read.deleted?.has(lookup.attendeeId)) throw gone('attendee');
    return read.attendees?.get(lookup.attendeeId);
  };

  /** Keeps a meeting record read along with something else, as its own lookup would. */
  const remember = (meetingId: string, record: CachedRecord<Meeting>, readAt: number) => {
    if (meetingTtlMs <= 0) return;
    container.meetings.set(
      meetingId,
      record.value,
      Math.min(readAt + meetingTtlMs, record.expiresAt),
    );
  };

  /** Keeps an attendee read along with another one, as its own lookup would. */
  const rememberAttendee = (
    meetingId: string,
    attendeeId: string,
    read: SharedRead,
    at: number,
  ) => {
    const key = container.attendeeKey(meetingId, attendeeId);
    const record = read.attendees?.get(attendeeId);
    if (read.deleted?.has(attendeeId)) container.attendees.delete(key);
    else if (record && attendeeTtlMs > 0) {
      container.attendees.set(key, record.value, Math.min(at + attendeeTtlMs, record.expiresAt));
    }
  };

  const hit = (lookup: Lookup, record: CachedRecord<Value>, readAt: number): Loaded<Value> => {
    answered(lookup, sharedTier);
    return { value: record.value, expiresAt: Math.min(readAt + ttlOf(lookup), record.expiresAt) };
  };

  /**
   * Takes the lease and the snapshot of a hot meeting (cache/meeting-snapshot.ts), one per
   * meeting per container. Its pages also go into this container's cache as they arrive.
   */
  const takeSnapshot = async (
    sharedCache: SharedCache,
    meetingId: string,
    metrics: RequestMetrics | undefined,
  ) => {
    const onPage = (page: readonly CachedAttendee[], takenAt: number) => {
      for (const attendee of page) {
        const attendeeId = attendee.AttendeeId?.toLowerCase();
        if (attendeeId && typeof attendee.ExternalUserId === 'string') {
          container.attendees.set(
            container.attendeeKey(meetingId, attendeeId),
            attendee,
            takenAt + attendeeTtlMs,
          );
        }
      }
    };
    try {
      const outcome = await takeMeetingSnapshot(
        {
          chime,
          shared: sharedCache,
          owner,
          leaseMs,
          withMeeting: true,
          now,
          call: (operation, send) => call(operation, send, { metrics }),
          onCacheError: (operation, error) => cacheError(metrics, operation, error),
          onPage,
        },
        meetingId,
      );
      if (outcome.kind === 'taken' && outcome.meeting) {
        const { takenAt } = outcome;
        remember(
          meetingId,
          { value: outcome.meeting, version: takenAt, expiresAt: Infinity },
          takenAt,
        );
      }
      return outcome;
    } catch (error) {
      if (isNotFound(error)) container.dropMeeting(meetingId);
      throw error;
    }
  };

  /** The meeting's snapshot, single flight per container; waiters keep their own deadline. */
  const snapshotOf = (sharedCache: SharedCache, lookup: Lookup) => {
    const { meetingId } = lookup;
    let flight = snapshots.get(meetingId);
    if (!flight) {
      const started = takeSnapshot(sharedCache, meetingId, lookup.metrics).finally(() => {
        if (snapshots.get(meetingId) === started) snapshots.delete(meetingId);
      });
      // Handled here too: the requests that wait for it may all have given up by its end.
      started.catch(() => undefined);
      snapshots.set(meetingId, started);
      flight = started;
    }
    return raced(flight, lookup.signal);
  };

  /** The one lookup path of both record kinds, below the container cache. */
  const load = async (lookup: Lookup): Promise<Loaded<Value>> => {
    if (!shared) return fromChime(lookup, false);
    const { meetingId, attendeeId, alongWith, signal } = lookup;
    const readAt = now();
    let read: SharedRead;
    try {
      read = await shared.read(
        meetingId,
        attendeeId === undefined ? {} : { attendeeId, attendeeIds: alongWith ? [alongWith] : [] },
        signal,
      );
    } catch (error) {
      if (signal?.aborted) throw error;
      cacheError(lookup.metrics, 'read', error);
      return fromChime(lookup, false);
    }
    // The meeting came with the attendee (one BatchGetItem): join-info's next lookup is served.
    if (attendeeId !== undefined && read.meeting) remember(meetingId, read.meeting, readAt);
    if (alongWith) rememberAttendee(meetingId, alongWith, read, readAt);
    const loaded = await fromRead(shared, lookup, read, readAt);
    const name = attendeeId === undefined ? undefined : read.names?.get(attendeeId);
    if (name === undefined || loaded.value === undefined) return loaded;
    return { ...loaded, value: { ...(loaded.value as CachedAttendee), Name: name } };
  };

  /** The answer to a lookup, from what the table read found, or else from Chime. */
  const fromRead = async (
    tier: SharedCache,
    lookup: Lookup,
    read: SharedRead,
    readAt: number,
  ): Promise<Loaded<Value>> => {
    const { meetingId, attendeeId, signal } = lookup;
    const record = recordIn(lookup, read);
    if (record) return hit(lookup, record, readAt);
    // Missing from a complete snapshot (created after it, or never), changed since (a stale
    // marker: only this attendee is asked again), or its snapshot failed.
    const changed = attendeeId !== undefined && read.stale?.has(attendeeId);
    if (changed || complete(read) || read.lease?.failed || !hot.recordMiss(meetingId)) {
      return fromChime(lookup, true);
    }
    const outcome = await snapshotOf(tier, lookup);
    if (outcome.kind === 'taken') {
      const value = attendeeId === undefined ? outcome.meeting : outcome.attendees.get(attendeeId);
      if (!value) return fromChime(lookup, true);
      answered(lookup, 'none');
      return { value, expiresAt: outcome.takenAt + ttlOf(lookup) };
    }
    if (outcome.kind === 'lost') {
      const waitedAt = now();
      const waited = await waiters.wait(
        tier,
        meetingId,
        attendeeId === undefined ? { meeting: true } : { attendeeId },
        signal,
      );
      const found = waited && recordIn(lookup, waited);
      if (found) return hit(lookup, found, waitedAt);
    }
    return fromChime(lookup, true);
  };

  /** The attendees with the names recorded for them. */
  const named = (attendees: Iterable<CachedAttendee>, names: SharedRead['names']): Roster =>
    Array.from(attendees, (attendee) => {
      const name = names?.get((attendee.AttendeeId ?? '').toLowerCase());
      return name === undefined ? attendee : { ...attendee, Name: name };
    });

  /** A complete snapshot's roster; the attendees changed since (stale markers) asked again. */
  const rosterIn = async (lookup: Lookup, read: SharedRead): Promise<Roster> => {
    const changed = await Promise.all(
      [...(read.stale ?? [])].map((attendeeId) =>
        fromChime({ ...lookup, attendeeId }, true).then(
          ({ value }) => value as CachedAttendee | undefined,
          (error: unknown) => {
            if (isNotFound(error)) return undefined;
            throw error;
          },
        ),
      ),
    );
    const records = Array.from(read.attendees?.values() ?? [], (record) => record.value);
    return named([...records, ...changed.filter((value) => value !== undefined)], read.names);
  };

  /** Reads the table until another container's snapshot is complete, or its lease is gone. */
  const snapshotWaitedFor = async (tier: SharedCache, lookup: Lookup) => {
    const until = now() + options.leaseWaitMs;
    while (now() < until) {
      await raced(sleep(options.leasePollMs), lookup.signal);
      const read = await tier.readAll(lookup.meetingId, lookup.signal);
      if (read.ended) throw gone('meeting');
      if (complete(read)) return read;
      if (!read.lease || read.lease.failed) return undefined;
    }
    return undefined;
  };

  /**
   * The roster below the container cache: a complete snapshot in the table (or the container's
   * memory), else this container's own snapshot, else the one another container is taking; a
   * failed or unreadable one is listed again here, and not kept.
   */
  const loadRoster = async (lookup: Lookup): Promise<Loaded<Roster>> => {
    const { meetingId, signal } = lookup;
    const listed = async (names?: SharedRead['names']): Promise<Loaded<Roster>> => {
      const attendees = await listAttendees(
        { chime, call: (operation, send) => call(operation, send, lookup) },
        meetingId,
        signal,
      );
      answered(lookup, 'none');
      const listable = attendees.filter(
        (attendee) =>
          typeof attendee.AttendeeId === 'string' && typeof attendee.ExternalUserId === 'string',
      );
      return { value: named(listable, names), expiresAt: undefined };
    };
    if (!shared) return listed();
    const readAt = now();
    let read: SharedRead;
    try {
      read = await shared.readAll(meetingId, signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      cacheError(lookup.metrics, 'readAll', error);
      return listed();
    }
    if (read.ended) throw gone('meeting');
    let found = complete(read) ? read : undefined;
    if (!found && !read.lease?.failed) {
      const outcome = await snapshotOf(shared, lookup);
      if (outcome.kind === 'taken') {
        answered(lookup, 'none');
        const value = named(outcome.attendees.values(), read.names);
        return { value, expiresAt: outcome.takenAt + attendeeTtlMs };
      }
      if (outcome.kind === 'lost') found = await snapshotWaitedFor(shared, lookup);
    }
    if (!found) return listed(read.names);
    answered(lookup, sharedTier);
    return { value: await rosterIn(lookup, found), expiresAt: readAt + attendeeTtlMs };
  };

  /** Through a container cache (single flight), unless it is off. */
  const through = async <V>(
    cache: TtlCache<V> | undefined,
    key: string,
    load: (signal: AbortSignal | undefined, trace: Lookup['trace']) => Promise<Loaded<V>>,
    { abortSignal, metrics }: LookupOptions,
  ): Promise<{ value: V } & Sourced> => {
    const trace: Lookup['trace'] = { tier: 'none' };
    const loadUnder = (signal: AbortSignal | undefined) => load(signal, trace);
    if (!cache) return { value: (await loadUnder(abortSignal)).value, ...trace };
    const got = await cache.get(key, loadUnder, abortSignal);
    if (got.source === 'load') return { value: got.value, ...trace };
    recordTier(metrics, 'container');
    return { value: got.value, tier: 'container' };
  };

  return {
    async getAttendee(meetingId, attendeeId, lookup = {}) {
      const { value, ...sourced } = await through(
        attendeeTtlMs > 0 ? container.attendees : undefined,
        container.attendeeKey(meetingId, attendeeId),
        (signal, trace) =>
          load({ ...lookup, meetingId, attendeeId, signal, trace, metrics: lookup.metrics }),
        lookup,
      );
      return { Attendee: value as NamedAttendee | undefined, ...sourced };
    },
    async getMeeting(meetingId, lookup = {}) {
      const { value, ...sourced } = await through(
        meetingTtlMs > 0 ? container.meetings : undefined,
        meetingId,
        (signal, trace) =>
          load({ meetingId, attendeeId: undefined, signal, trace, metrics: lookup.metrics }),
        lookup,
      );
      return { Meeting: value as Meeting | undefined, ...sourced };
    },
    async getRoster(meetingId, lookup = {}) {
      const { value, ...sourced } = await through(
        attendeeTtlMs > 0 ? container.rosters : undefined,
        meetingId,
        (signal, trace) =>
          loadRoster({ meetingId, attendeeId: undefined, signal, trace, metrics: lookup.metrics }),
        lookup,
      );
      return { Attendees: value, ...sourced };
    },
    async recordName(meetingId, attendeeId, name, { metrics } = {}) {
      if (!shared) return;
      await quietly(metrics, 'putName', () => shared.putName(meetingId, attendeeId, name, now()));
      // Read again (with the name) by the owner's next request.
      container.attendees.delete(container.attendeeKey(meetingId, attendeeId));
    },
  };
}
