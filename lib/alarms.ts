import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  type AlarmProps,
  ComparisonOperator,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_NAMES } from '../lambda/attendee/cache/metrics';
import type { AttendeeApiSettings } from './settings';

const PERIOD = Duration.minutes(5);
const SUM = { period: PERIOD, statistic: Stats.SUM };

export interface AlarmsProps {
  readonly api: HttpApi;
  readonly fn: IFunction;
  readonly functionLogGroup: ILogGroup;
  readonly accessLogGroup: ILogGroup;
  readonly settings: AttendeeApiSettings;
  /** The shared cache tier's parts, when it is deployed. */
  readonly cache?: { readonly invalidationFunction: IFunction; readonly deadLetterQueue: IQueue };
}

interface AlarmSpec extends Pick<AlarmProps, 'threshold' | 'metric'> {
  readonly description: string;
  /** Strictly above the threshold (a rate, a queue depth) rather than reaching it (a count). */
  readonly above?: boolean;
  readonly periods?: number;
  readonly datapoints?: number;
}

/**
 * What pages someone: 5xx rate, Chime 401/403 (our role), Lambda throttles, 429 bursts, sustained
 * Chime throttling; with the shared cache its errors and failed events. No traffic is no alarm.
 */
export class Alarms extends Construct {
  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const topicArn = props.settings.alarmTopicArn;
    const action = topicArn && new SnsAction(Topic.fromTopicArn(this, 'AlarmTopic', topicArn));
    for (const [alarmId, spec] of Object.entries(alarmSpecs(this, props))) {
      const { description, above, periods = 1, datapoints, metric, threshold } = spec;
      const alarm = new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: above
          ? ComparisonOperator.GREATER_THAN_THRESHOLD
          : ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: periods,
        ...(datapoints && { datapointsToAlarm: datapoints }),
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (action) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }
}

/** Each alarm by id; the request line's metrics and the log filters' are in the stack's namespace. */
function alarmSpecs(scope: Construct, props: AlarmsProps): Record<string, AlarmSpec> {
  const { settings: s, api, fn, cache } = props;
  const namespace = Stack.of(scope).stackName;
  const logCount = (
    alarmId: string,
    logGroup: ILogGroup,
    metricName: string,
    field: string,
    value: string,
  ) =>
    new MetricFilter(scope, `${alarmId}Filter`, {
      logGroup,
      filterPattern: FilterPattern.stringValue(`$.${field}`, '=', value),
      metricNamespace: namespace,
      metricName,
      metricValue: '1',
    }).metric(SUM);
  // Embedded Metric Format, no dimensions.
  const requestMetric = (metricName: string) => new Metric({ namespace, metricName, ...SUM });
  return {
    ServerErrorRate: {
      description: `More than ${s.alarm5xxRatePercent}% of requests answered 5xx in 2 of the last 3 periods of 5 minutes.`,
      threshold: s.alarm5xxRatePercent,
      // Below 10 requests in a period the rate is not judged: one failure is not 100 %.
      metric: new MathExpression({
        expression: 'IF(requests >= 10, 100 * FILL(errors, 0) / requests, 0)',
        usingMetrics: { errors: api.metricServerError(SUM), requests: api.metricCount(SUM) },
        period: PERIOD,
        label: '5xx rate (%)',
      }),
      above: true,
      periods: 3,
      datapoints: 2,
    },
    UpstreamCredentials: {
      description:
        'Chime answered 401/403 to GetAttendee (clients got 502): check the function role and chimeRegion.',
      threshold: 1,
      metric: logCount(
        'UpstreamCredentials',
        props.functionLogGroup,
        'UpstreamCredentialFailures',
        'code',
        'upstream_credentials',
      ),
    },
    FunctionThrottles: {
      description: `The function was throttled at least ${s.alarmThrottleCount} time(s) in 5 minutes: reserved concurrency is exhausted.`,
      threshold: s.alarmThrottleCount,
      metric: fn.metricThrottles(SUM),
    },
    // HTTP APIs publish no 429 metric of their own.
    TooManyRequests: {
      description: `At least ${s.alarm429Count} requests answered 429 in 5 minutes: raise the stage throttling or find the flood.`,
      threshold: s.alarm429Count,
      metric: logCount('TooManyRequests', props.accessLogGroup, 'TooManyRequests', 'status', '429'),
    },
    // Retries and the caches absorb single throttles; a sustained run means a join storm is not held below Chime's rate.
    ChimeThrottles: {
      description: `Chime throttled at least ${s.alarmChimeThrottleCount} calls in 3 of the last 5 periods of 5 minutes: callers got 503s. Check CacheHits*/CacheMisses and ChimeCalls_* in ${namespace}, and the Chime SDK quotas.`,
      threshold: s.alarmChimeThrottleCount,
      metric: requestMetric(METRIC_NAMES.throttles),
      periods: 5,
      datapoints: 3,
    },
    ...(cache && {
      CacheErrors: {
        description: `The shared cache table failed at least ${s.alarmCacheErrorCount} times in 5 minutes: requests fell back to Chime. Check the table, its KMS key and the function role.`,
        threshold: s.alarmCacheErrorCount,
        metric: requestMetric(METRIC_NAMES.cacheErrors),
      },
      InvalidationErrors: {
        description:
          'The invalidation function failed on a Chime meeting event (it is retried, then kept in the dead-letter queue).',
        threshold: 1,
        metric: cache.invalidationFunction.metricErrors(SUM),
      },
      InvalidationDeadLetters: {
        description:
          'A Chime meeting event could not be applied: its records stay until their TTL (cacheSharedTtlMs). Read the message, delete the records, then purge the queue.',
        threshold: 0,
        metric: cache.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: Stats.MAXIMUM,
        }),
        above: true,
      },
    }),
  };
}
