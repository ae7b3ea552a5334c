import { randomUUID } from 'node:crypto';
import {
  type ChimeSDKMeetingsClient,
  GetAttendeeCommand,
  GetMeetingCommand,
  type Meeting,
} from '@aws-sdk/client-chime-sdk-meetings';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createContainerCache, isAbort, raced } from './cache/container-cache';
import { createHotMeetings } from './cache/hot-meetings';
import { type MeetingSnapshotOutcome, takeMeetingSnapshot } from './cache/meeting-snapshot';
import {
  type CacheTier,
  type ChimeOperation,
  type RequestMetrics,
  recordChimeCall,
  recordTier,
} from './cache/metrics';
import {
  type CachedAttendee,
  createSharedCache,
  type SharedCache,
  type SharedRead,
} from './cache/shared-cache';
import { withSignal } from './call-scope';
import { isNotFound } from './chime-errors';

export { LIST_ATTENDEES_PAGE } from './cache/meeting-snapshot';

/** Plain, typed options; the lead maps configuration onto them. */
export interface AttendeeSourceOptions {
  readonly chime: Pick<ChimeSDKMeetingsClient, 'send'>;
  /** How long this container serves an attendee it fetched; 0 turns the container tier off. */
  readonly containerAttendeeTtlMs: number;
  /** How long this container serves a meeting it fetched; 0 turns the container tier off. */
  readonly containerMeetingTtlMs: number;
  /** Entries per container cache (meetings, attendees), least recently used dropped first. */
  readonly maxEntries: number;
  /** The shared DynamoDB tier, or none (container cache only). */
  readonly sharedTable?: {
    readonly client: Pick<DynamoDBClient, 'send'>;
    readonly tableName: string;
    /** How long a shared record may be served after it was fetched from Chime. */
    readonly ttlMs: number;
  };
  /** Shared-tier misses of one meeting within `hotWindowMs` that make it hot. */
  readonly hotThreshold: number;
  readonly hotWindowMs: number;
  /** How long a snapshot lease holds; the others wait for the snapshot at most this long. */
  readonly leaseMs: number;
  /** How long after it was taken a snapshot proves that a missing attendee was created later. */
  readonly snapshotFreshnessMs: number;
  /** How often a container that lost the lease reads the table again (default 50 ms). */
  readonly leasePollMs?: number;
  /**
   * How long a container that lost the lease waits for the snapshot before it asks Chime itself
   * (default `leaseMs`). Keep it well under the request deadline: a wait cut by the deadline
   * fails the request instead of falling back.
   */
  readonly leaseWaitMs?: number;
  /** Whether the snapshot fetches the meeting too (one GetMeeting), for join-info (default true). */
  readonly snapshotMeeting?: boolean;
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** Waits `ms` unless `signal` aborts first; injected by tests. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told the operation and the error's class name of a cache failure (never its message). */
  readonly onCacheError?: (operation: string, errorName: string) => void;
}

/** Per-request options of the source's lookups. */
export interface LookupOptions {
  readonly abortSignal?: AbortSignal;
  /** This request's counters (see `cache/metrics.ts`). */
  readonly metrics?: RequestMetrics;
}

/** Where a lookup's answer came from, and Chime's request id when this request called it. */
export interface Sourced {
  readonly tier: CacheTier;
  readonly chimeRequestId?: string;
  readonly chimeAttempts?: number;
}

/** `Attendee` as Chime gave it: the routes check it (`checkedAttendee`) as before. */
export type SourcedAttendee = Sourced & { readonly Attendee: CachedAttendee | undefined };
/** `Meeting` as Chime gave it: the routes check it (`meetingView`) as before. */
export type SourcedMeeting = Sourced & { readonly Meeting: Meeting | undefined };

/** The attendees and meetings the routes read, through the cache tiers. */
export interface AttendeeSource {
  /** The attendee, as GetAttendee returns it; throws Chime's errors (NotFoundException…). */
  getAttendee(
    meetingId: string,
    attendeeId: string,
    options?: LookupOptions,
  ): Promise<SourcedAttendee>;
  /** The meeting, as GetMeeting returns it; throws Chime's errors. */
  getMeeting(meetingId: string, options?: LookupOptions): Promise<SourcedMeeting>;
  /** Drops what this container holds of an attendee (the shared tier is the handler's). */
  forgetAttendee(meetingId: string, attendeeId: string): void;
  forgetMeeting(meetingId: string): void;
}

interface Trace {
  tier: CacheTier;
  chimeRequestId?: string;
  chimeAttempts?: number;
}

interface Found<V> {
  readonly value: V;
  /** Until when it may be served; undefined: not cacheable. */
  readonly expiresAt: number | undefined;
}

/** The key under which a waiter for the meeting record (not an attendee) is registered. */
const MEETING = '#meeting';

/** The waiters of one meeting's snapshot in this container, by wanted record. */
interface MeetingWait {
  readonly wanted: Map<string, ((read: SharedRead | undefined) => void)[]>;
}

type SnapshotOutcome = MeetingSnapshotOutcome;

const errorName = (error: unknown) =>
  error instanceof Error ? error.name : typeof error === 'object' ? 'UnknownError' : typeof error;

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An attendee answer that may be cached under (meetingId, attendeeId): the one asked for. */
const cacheableAttendee = (attendee: CachedAttendee | undefined, attendeeId: string) =>
  attendee !== undefined &&
  typeof attendee.AttendeeId === 'string' &&
  attendee.AttendeeId.toLowerCase() === attendeeId &&
  typeof attendee.ExternalUserId === 'string';

const cacheableMeeting = (meeting: Meeting | undefined, meetingId: string) =>
  meeting !== undefined &&
  typeof meeting.MeetingId === 'string' &&
  meeting.MeetingId.toLowerCase() === meetingId;

/**
 * Creates the attendee source of a container: container cache, then the shared table (when
 * configured), then Chime, each lookup single-flight. When a meeting turns hot, one container
 * takes the lease and pages ListAttendees into the table; the others read the table. The cache
 * never decides anything: the routes apply the policy to what it returns, per request. A cache
 * failure never fails a request: it falls back to Chime and counts a cache error.
 *
 * IDs must be lower-case (as `parseAttendeeIds` returns them).
 */
export function createAttendeeSource(options: AttendeeSourceOptions): AttendeeSource {
  const { chime, hotThreshold, hotWindowMs, leaseMs, snapshotFreshnessMs } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const pollMs = options.leasePollMs ?? 50;
  const waitMs = options.leaseWaitMs ?? leaseMs;
  const snapshotMeeting = options.snapshotMeeting ?? true;
  const owner = randomUUID();
  const container = createContainerCache<Meeting | undefined, CachedAttendee | undefined>({
    maxEntries: options.maxEntries,
    now,
  });
  const hot = createHotMeetings({ threshold: hotThreshold, windowMs: hotWindowMs, now });
  const sharedTtlMs = options.sharedTable?.ttlMs ?? 0;
  const shared: SharedCache | undefined = options.sharedTable
    ? createSharedCache({
        client: options.sharedTable.client,
        tableName: options.sharedTable.tableName,
        ttlMs: sharedTtlMs,
        now,
      })
    : undefined;
  const snapshots = new Map<string, Promise<SnapshotOutcome>>();
  const waiting = new Map<string, MeetingWait>();

  const cacheError = (metrics: RequestMetrics | undefined, operation: string, error: unknown) => {
    if (metrics) metrics.cacheErrors += 1;
    options.onCacheError?.(operation, errorName(error));
  };

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

  const send = async <T extends { $metadata?: { requestId?: string; attempts?: number } }>(
    operation: ChimeOperation,
    call: () => Promise<T>,
    metrics: RequestMetrics | undefined,
    trace: Trace | undefined,
  ): Promise<T> => {
    try {
      const output = await call();
      recordChimeCall(metrics, operation, output, false);
      if (trace && output.$metadata?.requestId) trace.chimeRequestId = output.$metadata.requestId;
      if (trace && output.$metadata?.attempts) trace.chimeAttempts = output.$metadata.attempts;
      return output;
    } catch (error) {
      recordChimeCall(metrics, operation, error, true);
      throw error;
    }
  };

  const dropAttendee = async (meetingId: string, attendeeId: string, metrics?: RequestMetrics) => {
    container.dropAttendee(meetingId, attendeeId);
    if (shared) {
      await quietly(metrics, 'deleteAttendee', () => shared.deleteAttendee(meetingId, attendeeId));
    }
  };

  const dropMeeting = async (meetingId: string, metrics?: RequestMetrics) => {
    container.dropMeeting(meetingId);
    if (shared) await quietly(metrics, 'deleteMeeting', () => shared.deleteMeeting(meetingId));
  };

  const chimeAttendee = async (
    meetingId: string,
    attendeeId: string,
    signal: AbortSignal | undefined,
    metrics: RequestMetrics | undefined,
    trace: Trace | undefined,
  ): Promise<CachedAttendee | undefined> => {
    try {
      const output = await send(
        'GetAttendee',
        () =>
          withSignal(signal, () =>
            chime.send(new GetAttendeeCommand({ MeetingId: meetingId, AttendeeId: attendeeId })),
          ),
        metrics,
        trace,
      );
      return output.Attendee;
    } catch (error) {
      if (isNotFound(error)) await dropAttendee(meetingId, attendeeId, metrics);
      throw error;
    }
  };

  const chimeMeeting = async (
    meetingId: string,
    signal: AbortSignal | undefined,
    metrics: RequestMetrics | undefined,
    trace: Trace | undefined,
  ): Promise<Meeting | undefined> => {
    try {
      const output = await send(
        'GetMeeting',
        () => withSignal(signal, () => chime.send(new GetMeetingCommand({ MeetingId: meetingId }))),
        metrics,
        trace,
      );
      return output.Meeting;
    } catch (error) {
      if (isNotFound(error)) await dropMeeting(meetingId, metrics);
      throw error;
    }
  };

  const fresh = (read: SharedRead) =>
    read.snapshot !== undefined && now() - read.snapshot.takenAt < snapshotFreshnessMs;

  const containerExpiry = (ttlMs: number, sharedExpiresAt?: number) =>
    Math.min(now() + ttlMs, sharedExpiresAt ?? Number.POSITIVE_INFINITY);

  /**
   * Takes the lease and the snapshot of a hot meeting (cache/meeting-snapshot.ts); one per
   * meeting per container. Its pages also go into this container's cache as they arrive.
   */
  const takeSnapshot = async (
    sharedCache: SharedCache,
    meetingId: string,
    metrics: RequestMetrics | undefined,
  ): Promise<SnapshotOutcome> => {
    const remember = (page: readonly CachedAttendee[], expiresAt: number) => {
      if (options.containerAttendeeTtlMs <= 0) return;
      const until = containerExpiry(options.containerAttendeeTtlMs, expiresAt);
      for (const attendee of page) {
        if (
          typeof attendee.AttendeeId === 'string' &&
          typeof attendee.ExternalUserId === 'string'
        ) {
          container.attendees.set(
            container.attendeeKey(meetingId, attendee.AttendeeId.toLowerCase()),
            attendee,
            until,
          );
        }
      }
    };
    let outcome: SnapshotOutcome;
    try {
      outcome = await takeMeetingSnapshot(
        {
          chime,
          shared: sharedCache,
          owner,
          leaseMs,
          ttlMs: sharedTtlMs,
          withMeeting: snapshotMeeting,
          now,
          call: (operation, run) => send(operation, run, metrics, undefined),
          onCacheError: (operation, error) => cacheError(metrics, operation, error),
          onPage: remember,
        },
        meetingId,
      );
    } catch (error) {
      if (isNotFound(error)) container.dropMeeting(meetingId);
      throw error;
    }
    if (outcome.kind === 'taken' && outcome.meeting && options.containerMeetingTtlMs > 0) {
      container.meetings.set(
        meetingId,
        outcome.meeting,
        containerExpiry(options.containerMeetingTtlMs, outcome.expiresAt),
      );
    }
    return outcome;
  };

  /** The meeting's snapshot, single flight per container; waiters keep their own deadline. */
  const snapshotOf = (
    sharedCache: SharedCache,
    meetingId: string,
    signal: AbortSignal | undefined,
    metrics: RequestMetrics | undefined,
  ): Promise<SnapshotOutcome> => {
    const inFlight = snapshots.get(meetingId);
    if (inFlight) return raced(inFlight, signal);
    const flight = takeSnapshot(sharedCache, meetingId, metrics).finally(() => {
      if (snapshots.get(meetingId) === flight) snapshots.delete(meetingId);
    });
    // Handled here too: the requests that wait for it may all have given up by its end.
    flight.catch(() => undefined);
    snapshots.set(meetingId, flight);
    return raced(flight, signal);
  };

  /**
   * Waits for what another container's snapshot writes, page by page. One poller per meeting
   * per container reads, every `leasePollMs`, the records its waiters want (one BatchGetItem)
   * and answers each waiter as soon as its record is there; when the snapshot marker says the
   * snapshot is complete, the rest are answered without a record (Chime decides); when the lease
   * is gone or `leaseWaitMs` have passed, every waiter is answered undefined.
   */
  const pollMeeting = async (sharedCache: SharedCache, meetingId: string, wait: MeetingWait) => {
    const settle = (want: string, read: SharedRead | undefined) => {
      for (const resolve of wait.wanted.get(want) ?? []) resolve(read);
      wait.wanted.delete(want);
    };
    const settleAll = (read: SharedRead | undefined) => {
      for (const want of [...wait.wanted.keys()]) settle(want, read);
    };
    try {
      const polls = Math.max(1, Math.ceil(waitMs / pollMs));
      for (let poll = 0; poll < polls && wait.wanted.size > 0; poll += 1) {
        await sleep(pollMs);
        const attendeeIds = [...wait.wanted.keys()].filter((want) => want !== MEETING).slice(0, 97);
        let read: SharedRead;
        try {
          read = await sharedCache.read(meetingId, {
            attendeeIds,
            meeting: wait.wanted.has(MEETING),
          });
        } catch (error) {
          cacheError(undefined, 'read', error);
          settleAll(undefined);
          return;
        }
        for (const attendeeId of attendeeIds) {
          const record = read.attendees?.get(attendeeId);
          if (record) settle(attendeeId, { ...read, attendee: record });
        }
        if (read.meeting) settle(MEETING, read);
        // Complete: whoever is still waiting is not in it.
        if (fresh(read)) settleAll({ ...read, attendee: undefined, meeting: undefined });
        if (!read.lease) settleAll(undefined);
      }
      settleAll(undefined);
    } finally {
      if (waiting.get(meetingId) === wait) waiting.delete(meetingId);
    }
  };

  /**
   * Waits for the lease holder's snapshot to bring the wanted record; undefined when there is
   * no snapshot to wait for, or the record is not in it (then Chime decides).
   */
  const awaitSnapshot = async (
    sharedCache: SharedCache,
    meetingId: string,
    what: { readonly attendeeId?: string; readonly meeting?: boolean },
    signal: AbortSignal | undefined,
  ): Promise<SharedRead | undefined> => {
    const want = what.attendeeId ?? MEETING;
    const answer = new Promise<SharedRead | undefined>((resolve) => {
      let wait = waiting.get(meetingId);
      const starting = wait === undefined;
      wait ??= { wanted: new Map() };
      const list = wait.wanted.get(want) ?? [];
      list.push(resolve);
      wait.wanted.set(want, list);
      if (starting) {
        waiting.set(meetingId, wait);
        void pollMeeting(sharedCache, meetingId, wait);
      }
    });
    try {
      return await raced(answer, signal);
    } catch (error) {
      if (isAbort(error) && !signal?.aborted) return undefined;
      throw error;
    }
  };

  const loadAttendee = async (
    meetingId: string,
    attendeeId: string,
    signal: AbortSignal | undefined,
    metrics: RequestMetrics | undefined,
    trace: Trace,
  ): Promise<Found<CachedAttendee | undefined>> => {
    const fromChime = async (store: boolean) => {
      const attendee = await chimeAttendee(meetingId, attendeeId, signal, metrics, trace);
      trace.tier = 'none';
      recordTier(metrics, 'none');
      if (!cacheableAttendee(attendee, attendeeId))
        return { value: attendee, expiresAt: undefined };
      const fetchedAt = now();
      if (store && shared && attendee) {
        await quietly(metrics, 'putAttendee', () =>
          shared.putAttendee(meetingId, attendee, fetchedAt),
        );
      }
      return {
        value: attendee,
        expiresAt: shared ? fetchedAt + sharedTtlMs : Number.POSITIVE_INFINITY,
      };
    };
    if (!shared) return fromChime(false);
    let read: SharedRead;
    try {
      read = await shared.read(meetingId, { attendeeId }, signal);
    } catch (error) {
      if (isAbort(error) && signal?.aborted) throw error;
      cacheError(metrics, 'read', error);
      return fromChime(false);
    }
    const hit = (record: NonNullable<SharedRead['attendee']>) => {
      trace.tier = 'shared';
      recordTier(metrics, 'shared');
      return { value: record.value, expiresAt: record.expiresAt };
    };
    if (read.attendee) return hit(read.attendee);
    // Missing from a fresh snapshot: created after it (or never); Chime decides.
    if (fresh(read)) return fromChime(true);
    if (hot.recordMiss(meetingId)) {
      const outcome = await snapshotOf(shared, meetingId, signal, metrics);
      if (outcome.kind === 'taken') {
        const attendee = outcome.attendees.get(attendeeId);
        if (!attendee) return fromChime(true);
        trace.tier = 'none';
        recordTier(metrics, 'none');
        return { value: attendee, expiresAt: outcome.expiresAt };
      }
      if (outcome.kind === 'lost') {
        const waited = await awaitSnapshot(shared, meetingId, { attendeeId }, signal);
        if (waited?.attendee) return hit(waited.attendee);
      }
    }
    return fromChime(true);
  };

  const loadMeeting = async (
    meetingId: string,
    signal: AbortSignal | undefined,
    metrics: RequestMetrics | undefined,
    trace: Trace,
  ): Promise<Found<Meeting | undefined>> => {
    const fromChime = async (store: boolean) => {
      const meeting = await chimeMeeting(meetingId, signal, metrics, trace);
      trace.tier = 'none';
      recordTier(metrics, 'none');
      if (!cacheableMeeting(meeting, meetingId)) return { value: meeting, expiresAt: undefined };
      const fetchedAt = now();
      if (store && shared && meeting) {
        await quietly(metrics, 'putMeeting', () =>
          shared.putMeeting(meetingId, meeting, fetchedAt),
        );
      }
      return {
        value: meeting,
        expiresAt: shared ? fetchedAt + sharedTtlMs : Number.POSITIVE_INFINITY,
      };
    };
    if (!shared) return fromChime(false);
    let read: SharedRead;
    try {
      read = await shared.read(meetingId, { meeting: true }, signal);
    } catch (error) {
      if (isAbort(error) && signal?.aborted) throw error;
      cacheError(metrics, 'read', error);
      return fromChime(false);
    }
    const hit = (record: NonNullable<SharedRead['meeting']>) => {
      trace.tier = 'shared';
      recordTier(metrics, 'shared');
      return { value: record.value, expiresAt: record.expiresAt };
    };
    if (read.meeting) return hit(read.meeting);
    if (fresh(read) || !snapshotMeeting) return fromChime(true);
    if (hot.recordMiss(meetingId)) {
      const outcome = await snapshotOf(shared, meetingId, signal, metrics);
      if (outcome.kind === 'taken' && outcome.meeting) {
        trace.tier = 'none';
        recordTier(metrics, 'none');
        return { value: outcome.meeting, expiresAt: outcome.expiresAt };
      }
      if (outcome.kind === 'lost') {
        const waited = await awaitSnapshot(shared, meetingId, { meeting: true }, signal);
        if (waited?.meeting) return hit(waited.meeting);
      }
    }
    return fromChime(true);
  };

  const answer = <V>(value: V, source: string, trace: Trace, metrics?: RequestMetrics) => {
    if (source !== 'load') {
      recordTier(metrics, 'container');
      return { value, sourced: { tier: 'container' as const } };
    }
    return { value, sourced: { ...trace } };
  };

  return {
    async getAttendee(meetingId, attendeeId, lookup = {}) {
      const { abortSignal, metrics } = lookup;
      const trace: Trace = { tier: 'none' };
      const load = async (signal: AbortSignal | undefined) => {
        const found = await loadAttendee(meetingId, attendeeId, signal, metrics, trace);
        return {
          value: found.value,
          expiresAt:
            found.expiresAt === undefined
              ? undefined
              : containerExpiry(options.containerAttendeeTtlMs, found.expiresAt),
        };
      };
      if (options.containerAttendeeTtlMs <= 0) {
        const found = await load(abortSignal);
        return { Attendee: found.value, ...trace };
      }
      const got = await container.attendees.get(
        container.attendeeKey(meetingId, attendeeId),
        load,
        abortSignal,
      );
      const { value, sourced } = answer(got.value, got.source, trace, metrics);
      return { Attendee: value, ...sourced };
    },

    async getMeeting(meetingId, lookup = {}) {
      const { abortSignal, metrics } = lookup;
      const trace: Trace = { tier: 'none' };
      const load = async (signal: AbortSignal | undefined) => {
        const found = await loadMeeting(meetingId, signal, metrics, trace);
        return {
          value: found.value,
          expiresAt:
            found.expiresAt === undefined
              ? undefined
              : containerExpiry(options.containerMeetingTtlMs, found.expiresAt),
        };
      };
      if (options.containerMeetingTtlMs <= 0) {
        const found = await load(abortSignal);
        return { Meeting: found.value, ...trace };
      }
      const got = await container.meetings.get(meetingId, load, abortSignal);
      const { value, sourced } = answer(got.value, got.source, trace, metrics);
      return { Meeting: value, ...sourced };
    },

    forgetAttendee: (meetingId, attendeeId) => container.dropAttendee(meetingId, attendeeId),
    forgetMeeting: (meetingId) => container.dropMeeting(meetingId),
  };
}
