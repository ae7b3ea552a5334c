import { CHIME_OPERATIONS, type ChimeOperation } from '../../common/chime/chime-operations';
import { chimeErrorRule } from '../errors/chime-errors';

/** Where a lookup's answer came from: a cache tier, or none (Chime). */
export type CacheTier = 'container' | 'shared' | 'none';

/** What one request did, for the metrics on its log line. Counters only: ids never go here. */
export interface RequestMetrics {
  readonly chimeCalls: Record<ChimeOperation, number>;
  throttles: number;
  hitsContainer: number;
  hitsShared: number;
  misses: number;
  cacheErrors: number;
}

/** A fresh set of counters, one per request. */
export function createRequestMetrics(): RequestMetrics {
  return {
    chimeCalls: { GetAttendee: 0, GetMeeting: 0, ListAttendees: 0 },
    throttles: 0,
    hitsContainer: 0,
    hitsShared: 0,
    misses: 0,
    cacheErrors: 0,
  };
}

/** Counts one lookup answered by `tier`. */
export function recordTier(metrics: RequestMetrics | undefined, tier: CacheTier): void {
  if (!metrics) return;
  if (tier === 'container') metrics.hitsContainer += 1;
  else if (tier === 'shared') metrics.hitsShared += 1;
  else metrics.misses += 1;
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

/**
 * Sends one Chime call of `operation`, counting what it answered (an output or an error): the
 * SDK's attempts (each is a request against Chime's rate), and a throttle if the last one was.
 * Throttled attempts that a retry then overcame are not visible here.
 */
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

/** The number of Chime requests a request made, for the caller budget. */
export function chimeCallsOf(metrics: RequestMetrics): number {
  return CHIME_OPERATIONS.reduce((sum, operation) => sum + metrics.chimeCalls[operation], 0);
}

/** The metric names, as CloudWatch shows them. */
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
 * The request's counters as CloudWatch Embedded Metric Format members, to merge into the one
 * JSON log line of the request (no extra call). Per the specification
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 * the root holds `_aws` (`Timestamp` in epoch ms, `CloudWatchMetrics`: one MetricDirective with
 * `Namespace`, `Dimensions` as a list of dimension sets, `Metrics` as `{Name, Unit}`), and every
 * metric and dimension it names as a top-level member (the target members).
 *
 * @example
 * logger.info('request', { ...fields, ...emfFields(metrics, { namespace, timestamp }) });
 */
export function emfFields(
  metrics: RequestMetrics,
  options: { readonly namespace: string; readonly timestamp: number },
): Record<string, string | number | object> {
  const values: Record<string, number> = {};
  const names: { Name: string; Unit: 'Count' }[] = [];
  const add = (name: string, value: number) => {
    // Only what happened: a metric a request did not move is absent, not 0 (the alarms sum, and
    // treat missing data as not breaching), which keeps the line short.
    if (value === 0) return;
    values[name] = value;
    names.push({ Name: name, Unit: 'Count' });
  };
  add(METRIC_NAMES.GetAttendee, metrics.chimeCalls.GetAttendee);
  add(METRIC_NAMES.GetMeeting, metrics.chimeCalls.GetMeeting);
  add(METRIC_NAMES.ListAttendees, metrics.chimeCalls.ListAttendees);
  add(METRIC_NAMES.throttles, metrics.throttles);
  add(METRIC_NAMES.hitsContainer, metrics.hitsContainer);
  add(METRIC_NAMES.hitsShared, metrics.hitsShared);
  add(METRIC_NAMES.misses, metrics.misses);
  add(METRIC_NAMES.cacheErrors, metrics.cacheErrors);
  if (names.length === 0) return {};
  return {
    _aws: {
      Timestamp: options.timestamp,
      CloudWatchMetrics: [
        {
          Namespace: options.namespace,
          // One empty dimension set: the metrics of the namespace (one per stack) itself, which
          // the stack's alarms watch (lib/alarms.ts).
          Dimensions: [[]],
          Metrics: names,
        },
      ],
    },
    ...values,
  };
}
