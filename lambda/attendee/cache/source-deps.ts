import {
  type ChimeSDKMeetingsClient,
  type Meeting,
  NotFoundException,
} from '@aws-sdk/client-chime-sdk-meetings';
import { isNotFound } from '../../common/chime/not-found';
import type { CachedAttendee, CachedRecord, SharedRead } from '../../common/table/item-codec';
import {
  type MeetingSnapshotOutcome,
  takeMeetingSnapshot,
} from '../../common/table/meeting-snapshot';
import type { SharedCache } from '../../common/table/shared-cache';
import { type ContainerCache, type Loaded, raced } from './container-cache';
import type { HotMeetings } from './hot-meetings';
import { type CacheTier, countedCall, type RequestMetrics } from './metrics';
import type { SnapshotWaiters } from './snapshot-waiters';

/** An attendee as cached, and the display name its owner's token carried, if recorded. */
export type NamedAttendee = CachedAttendee & { readonly Name?: string };
export type Roster = readonly NamedAttendee[];
/** What the container caches: an attendee, or a meeting (either as Chime gave it). */
export type Value = NamedAttendee | Meeting | undefined;

/** Where a lookup's answer came from, and Chime's request id when this request called it. */
export interface Sourced {
  readonly tier: CacheTier;
  readonly chimeRequestId?: string | undefined;
  readonly chimeAttempts?: number | undefined;
}

/** A lookup's answer: the value, until when the container may keep it, and its source. */
export type Answer<V> = Loaded<V> & Sourced;

/** One lookup: which record, and the request's signal and counters. */
export interface Lookup {
  readonly meetingId: string;
  /** Set for an attendee; unset for the meeting itself (or its roster). */
  readonly attendeeId?: string | undefined;
  /** Another attendee read in the same table read (see `getAttendee`). */
  readonly alongWith?: string | undefined;
  readonly signal: AbortSignal | undefined;
  readonly metrics: RequestMetrics | undefined;
}

/** What the lookups of one container share (`attendee-source.ts` builds it). */
export interface SourceDeps {
  readonly chime: Pick<ChimeSDKMeetingsClient, 'send'>;
  readonly now: () => number;
  readonly container: ContainerCache<Value, Value, Roster>;
  /** The table, or the container's memory standing in for it, or nothing. */
  readonly shared: SharedCache | undefined;
  /** Where a hit in `shared` comes from. */
  readonly sharedTier: CacheTier;
  readonly attendeeTtlMs: number;
  readonly meetingTtlMs: number;
  readonly hot: HotMeetings;
  readonly waiters: SnapshotWaiters;
  /** This container's snapshots in flight, by meeting. */
  readonly snapshots: Map<string, Promise<MeetingSnapshotOutcome>>;
  /** This container's lease owner id. */
  readonly owner: string;
  readonly leaseMs: number;
  readonly snapshotFreshnessMs: number;
  readonly onCacheError?: ((operation: string, errorName: string) => void) | undefined;
}

interface ChimeOutput {
  readonly $metadata?: { readonly requestId?: string; readonly attempts?: number };
}

/** Chime's answer for a record that a tombstone says is gone. */
export const gone = (what: string) =>
  new NotFoundException({ message: `The ${what} does not exist.`, $metadata: {} });

/** A Chime answer's source, for the log line. */
export const chimeSourced = (output: ChimeOutput): Sourced => ({
  tier: 'none',
  chimeRequestId: output.$metadata?.requestId,
  chimeAttempts: output.$metadata?.attempts,
});

/** Counts a cache failure and tells its operation and error class (never its message). */
export function cacheError(
  deps: SourceDeps,
  metrics: RequestMetrics | undefined,
  operation: string,
  error: unknown,
): void {
  if (metrics) metrics.cacheErrors += 1;
  const name =
    error instanceof Error ? error.name : typeof error === 'object' ? 'UnknownError' : typeof error;
  deps.onCacheError?.(operation, name);
}

/** Runs a shared-tier write; a failure is counted, never thrown. */
export async function quietly(
  deps: SourceDeps,
  metrics: RequestMetrics | undefined,
  operation: string,
  write: () => Promise<unknown>,
): Promise<void> {
  try {
    await write();
  } catch (error) {
    cacheError(deps, metrics, operation, error);
  }
}

/** A table read, or undefined when it failed (counted; the lookup then asks Chime). */
export async function tableRead(
  deps: SourceDeps,
  lookup: Lookup,
  operation: string,
  read: () => Promise<SharedRead>,
): Promise<SharedRead | undefined> {
  try {
    return await read();
  } catch (error) {
    if (lookup.signal?.aborted) throw error;
    cacheError(deps, lookup.metrics, operation, error);
    return undefined;
  }
}

/** Whether the read holds a snapshot recent enough to prove that a missing attendee is new. */
export const complete = (deps: SourceDeps, read: SharedRead): boolean =>
  read.snapshot !== undefined && deps.now() - read.snapshot.takenAt < deps.snapshotFreshnessMs;

/** Keeps a meeting record read along with something else, as its own lookup would. */
export function remember(
  deps: SourceDeps,
  meetingId: string,
  record: CachedRecord<Meeting>,
  readAt: number,
): void {
  if (deps.meetingTtlMs <= 0) return;
  const expiresAt = Math.min(readAt + deps.meetingTtlMs, record.expiresAt);
  deps.container.meetings.set(meetingId, record.value, expiresAt);
}

/**
 * Takes the lease and the snapshot of a hot meeting (`common/table/meeting-snapshot.ts`). Its pages
 * also go into this container's cache as they arrive, and its meeting too.
 */
async function takeSnapshot(
  deps: SourceDeps,
  shared: SharedCache,
  meetingId: string,
  metrics: RequestMetrics | undefined,
): Promise<MeetingSnapshotOutcome> {
  const { container } = deps;
  const onPage = (page: readonly CachedAttendee[], takenAt: number) => {
    for (const attendee of page) {
      const attendeeId = attendee.AttendeeId?.toLowerCase();
      if (attendeeId && typeof attendee.ExternalUserId === 'string') {
        const key = container.attendeeKey(meetingId, attendeeId);
        container.attendees.set(key, attendee, takenAt + deps.attendeeTtlMs);
      }
    }
  };
  try {
    const outcome = await takeMeetingSnapshot(
      {
        ...deps,
        shared,
        call: (operation, send) => countedCall(metrics, operation, send),
        onCacheError: (operation, error) => cacheError(deps, metrics, operation, error),
        onPage,
      },
      meetingId,
    );
    if (outcome.kind === 'taken' && outcome.meeting) {
      const { meeting: value, takenAt } = outcome;
      remember(deps, meetingId, { value, version: takenAt, expiresAt: Infinity }, takenAt);
    }
    return outcome;
  } catch (error) {
    if (isNotFound(error)) container.dropMeeting(meetingId);
    throw error;
  }
}

/** The meeting's snapshot, one per meeting per container; each waiter keeps its own deadline. */
export function snapshotOf(
  deps: SourceDeps,
  shared: SharedCache,
  { meetingId, signal, metrics }: Lookup,
): Promise<MeetingSnapshotOutcome> {
  let flight = deps.snapshots.get(meetingId);
  if (!flight) {
    const started = takeSnapshot(deps, shared, meetingId, metrics).finally(() => {
      if (deps.snapshots.get(meetingId) === started) deps.snapshots.delete(meetingId);
    });
    // Handled here too: the requests that wait for it may all have given up by its end.
    started.catch(() => undefined);
    deps.snapshots.set(meetingId, started);
    flight = started;
  }
  return raced(flight, signal);
}
