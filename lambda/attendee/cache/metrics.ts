import type { ChimeOperation } from '../../common/chime/chime-operations';
import { chimeErrorRule } from '../errors/chime-errors';

export type CacheTier = 'container' | 'shared' | 'none';

/** Counters only: ids never go here. */
export function createRequestMetrics() {
  return {
    chimeCalls: { GetAttendee: 0, GetMeeting: 0, ListAttendees: 0 },
    throttles: 0,
    hitsContainer: 0,
    hitsShared: 0,
    misses: 0,
    cacheErrors: 0,
  };
}

export type RequestMetrics = ReturnType<typeof createRequestMetrics>;

const TIER_COUNTERS = { container: 'hitsContainer', shared: 'hitsShared', none: 'misses' } as const;

export function recordTier(metrics: RequestMetrics | undefined, tier: CacheTier): void {
  if (metrics) metrics[TIER_COUNTERS[tier]] += 1;
}

interface SdkOutcome {
  name?: unknown;
  $metadata?: { attempts?: unknown; httpStatusCode?: unknown };
}

/** Whether an error is Chime throttling: the error table's throttling rule, or any 429. */
export function isThrottle(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as SdkOutcome;
  if (typeof name === 'string' && chimeErrorRule(name)?.code === 'upstream_throttled') return true;
  return $metadata?.httpStatusCode === 429;
}

/** Counts each SDK attempt of one Chime call (each is a request against Chime's rate). */
export async function countedCall<T>(
  metrics: RequestMetrics | undefined,
  operation: ChimeOperation,
  send: () => Promise<T>,
): Promise<T> {
  const count = (outcome: unknown) => {
    if (!metrics) return;
    const attempts = (outcome as SdkOutcome | undefined)?.$metadata?.attempts;
    metrics.chimeCalls[operation] +=
      typeof attempts === 'number' && Number.isInteger(attempts) && attempts > 0 ? attempts : 1;
  };
  try {
    const output = await send();
    count(output);
    return output;
  } catch (error) {
    count(error);
    if (metrics && isThrottle(error)) metrics.throttles += 1;
    throw error;
  }
}

export function chimeCallsOf(metrics: RequestMetrics): number {
  return Object.values(metrics.chimeCalls).reduce((sum, calls) => sum + calls, 0);
}

export const METRIC_NAMES = {
  GetAttendee: 'ChimeCalls_GetAttendee',
  GetMeeting: 'ChimeCalls_GetMeeting',
  ListAttendees: 'ChimeCalls_ListAttendees',
  throttles: 'ChimeThrottles',
  hitsContainer: 'CacheHitsContainer',
  hitsShared: 'CacheHitsShared',
  misses: 'CacheMisses',
  cacheErrors: 'CacheErrors',
} as const;

/**
 * The counters as Embedded Metric Format members of the log line; one not moved is absent, not 0
 * (the alarms treat missing data as not breaching).
 */
export function emfFields(
  metrics: RequestMetrics,
  namespace: string,
  timestamp: number,
): Record<string, string | number | object> {
  const { chimeCalls, ...counters } = metrics;
  const counts: Record<string, number> = { ...chimeCalls, ...counters };
  const moved = Object.entries(METRIC_NAMES).filter(([key]) => counts[key] !== 0);
  const values = Object.fromEntries(moved.map(([key, name]) => [name, counts[key]]));
  const names = Object.keys(values);
  if (names.length === 0) return {};
  const Metrics = names.map((Name) => ({ Name, Unit: 'Count' }));
  // One empty dimension set: the namespace's own metrics, which the alarms watch.
  const directive = { Namespace: namespace, Dimensions: [[]], Metrics };
  return { _aws: { Timestamp: timestamp, CloudWatchMetrics: [directive] }, ...values };
}
