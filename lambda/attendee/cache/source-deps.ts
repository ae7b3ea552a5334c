import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { ChimeSDKMeetingsClient, Meeting } from '@aws-sdk/client-chime-sdk-meetings';
import type { Config } from '../../common/config/settings';
import type { CachedAttendee } from '../../common/table/item-codec';
import type { MeetingSnapshotOutcome } from '../../common/table/meeting-snapshot';
import { createSharedCache } from '../../common/table/shared-cache';
import { createContainerCache, type Loaded } from './container-cache';
import { createHotMeetings } from './hot-meetings';
import { createMemoryCache } from './memory-cache';
import type { CacheTier, RequestMetrics } from './metrics';
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
type TableSettings = 'tableName' | 'region' | 'dynamodbEndpoint' | 'dynamodbRequestTimeoutMs';

export interface AttendeeSourceOptions
  extends Omit<Config['cache'], TableSettings | 'sharedTtlMs'> {
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
  const { sharedTable: table, now = Date.now, maxEntries } = options;
  const front = (ttlMs: number) => (table ? Math.min(ttlMs, TABLE_RECHECK_MS) : ttlMs);
  const sharedTier: CacheTier = table ? 'shared' : 'container';
  return {
    ...options,
    now,
    container: createContainerCache<Value, Value, Roster>({ maxEntries, now }),
    /** The table, or the container's memory standing in for it. */
    shared: table
      ? createSharedCache({ ...table, now })
      : options.containerAttendeeTtlMs > 0
        ? createMemoryCache({ ttlMs: options.containerAttendeeTtlMs, maxEntries, now })
        : undefined,
    sharedTier,
    attendeeTtlMs: front(options.containerAttendeeTtlMs),
    meetingTtlMs: front(options.containerMeetingTtlMs),
    hot: createHotMeetings({ threshold: options.hotThreshold, windowMs: options.hotWindowMs, now }),
    waiters: createSnapshotWaiters({
      pollMs: options.leasePollMs,
      waitMs: options.leaseWaitMs,
      sleep: options.sleep ?? ((ms) => delay(ms)),
      complete: (read) => complete({ now, snapshotFreshnessMs: options.snapshotFreshnessMs }, read),
      onReadError: (error) => cacheError(options, undefined, 'read', error),
    }),
    snapshots: new Map<string, Promise<MeetingSnapshotOutcome>>(),
    owner: randomUUID(),
  };
}

export type SourceDeps = ReturnType<typeof createSourceDeps>;

/** Counts a cache failure; tells its operation and error class, never its message. */
export function cacheError(
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

/** Whether the read holds a snapshot recent enough to prove that a missing attendee is new. */
export const complete = (
  deps: { readonly now: () => number; readonly snapshotFreshnessMs: number },
  read: { readonly snapshot?: { takenAt: number } },
): boolean =>
  read.snapshot !== undefined && deps.now() - read.snapshot.takenAt < deps.snapshotFreshnessMs;
