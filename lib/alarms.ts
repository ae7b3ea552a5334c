import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  FilterPattern,
  type IFilterPattern,
  type ILogGroup,
  MetricFilter,
} from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_NAMES } from '../lambda/attendee/cache/metrics';
import type { AttendeeApiSettings } from './settings';

const PERIOD = Duration.minutes(5);
const SUM = { period: PERIOD, statistic: Stats.SUM };
/** Below this many requests in a period, the 5xx rate is not judged: one failure is not 100 %. */
const MIN_REQUESTS_FOR_RATE = 10;

export interface AlarmsProps {
  readonly api: HttpApi;
  readonly fn: IFunction;
  readonly functionLogGroup: ILogGroup;
  readonly accessLogGroup: ILogGroup;
  /** Namespace of the request line's metrics, and of those the log filters publish. */
  readonly namespace: string;
  readonly settings: AttendeeApiSettings;
  /** The shared cache tier's parts, when it is deployed. */
  readonly cache?: { readonly invalidationFunction: IFunction; readonly deadLetterQueue: IQueue };
}

interface AlarmSpec {
  readonly description: string;
  readonly metric: IMetric;
  readonly threshold: number;
  /** Strictly above the threshold (a rate, a queue depth) rather than reaching it (a count). */
  readonly above?: boolean;
  readonly periods?: number;
  readonly datapoints?: number;
}

/**
 * What pages someone: the API's 5xx rate, any Chime 401/403 (our credentials or role are
 * broken: every call fails until fixed), Lambda throttles (reserved concurrency exhausted),
 * a burst of 429s, sustained Chime throttling, and with the shared cache its errors, a failed
 * invalidation and a dead-lettered event. Missing data is never an alarm: no traffic is not an
 * outage here.
 */
export class Alarms extends Construct {
  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const { settings: s, namespace, cache } = props;
    // A metric the function's request line carries in Embedded Metric Format, without dimensions.
    const requestMetric = (metricName: string) => new Metric({ namespace, metricName, ...SUM });
    const alarms = [
      this.alarm('ServerErrorRate', {
        description: `More than ${s.alarm5xxRatePercent}% of requests answered 5xx in 2 of the last 3 periods of 5 minutes.`,
        metric: new MathExpression({
          expression: `IF(requests >= ${MIN_REQUESTS_FOR_RATE}, 100 * FILL(errors, 0) / requests, 0)`,
          usingMetrics: {
            errors: props.api.metricServerError(SUM),
            requests: props.api.metricCount(SUM),
          },
          period: PERIOD,
          label: '5xx rate (%)',
        }),
        threshold: s.alarm5xxRatePercent,
        above: true,
        periods: 3,
        datapoints: 2,
      }),
      // Any single occurrence alarms: Chime refusing our credentials fails every request.
      this.alarm('UpstreamCredentials', {
        description:
          'Chime answered 401/403 to GetAttendee (clients got 502): check the function role and chimeRegion.',
        metric: this.logCount(
          'UpstreamCredentialsFilter',
          props.functionLogGroup,
          // The per-request log line's `code` when Chime answered 401 or 403.
          FilterPattern.stringValue('$.code', '=', 'upstream_credentials'),
          namespace,
          'UpstreamCredentialFailures',
        ),
        threshold: 1,
      }),
      this.alarm('FunctionThrottles', {
        description: `The function was throttled at least ${s.alarmThrottleCount} time(s) in 5 minutes: reserved concurrency is exhausted.`,
        metric: props.fn.metricThrottles(SUM),
        threshold: s.alarmThrottleCount,
      }),
      // HTTP APIs publish no 429 metric of their own: count them from the access log (stage
      // throttling, or Chime's throttling passed on).
      this.alarm('TooManyRequests', {
        description: `At least ${s.alarm429Count} requests answered 429 in 5 minutes: raise the stage throttling or find the flood.`,
        metric: this.logCount(
          'TooManyRequestsFilter',
          props.accessLogGroup,
          FilterPattern.stringValue('$.status', '=', '429'),
          namespace,
          'TooManyRequests',
        ),
        threshold: s.alarm429Count,
      }),
      // Single throttles are absorbed by retries and the caches; a sustained run means the caches
      // are not holding a join storm below Chime's rate (or the account's quota is too low).
      this.alarm('ChimeThrottles', {
        description: `Chime throttled at least ${s.alarmChimeThrottleCount} calls in 3 of the last 5 periods of 5 minutes: callers got 503s. Check CacheHits*/CacheMisses and ChimeCalls_* in ${namespace}, and the Chime SDK quotas.`,
        metric: requestMetric(METRIC_NAMES.throttles),
        threshold: s.alarmChimeThrottleCount,
        periods: 5,
        datapoints: 3,
      }),
      ...(cache ? this.cacheAlarms(cache, s, requestMetric(METRIC_NAMES.cacheErrors)) : []),
    ];
    if (s.alarmTopicArn) {
      const action = new SnsAction(Topic.fromTopicArn(this, 'AlarmTopic', s.alarmTopicArn));
      for (const alarm of alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }

  private cacheAlarms(
    cache: NonNullable<AlarmsProps['cache']>,
    s: AttendeeApiSettings,
    cacheErrors: IMetric,
  ): Alarm[] {
    return [
      this.alarm('CacheErrors', {
        description: `The shared cache table failed at least ${s.alarmCacheErrorCount} times in 5 minutes: requests fell back to Chime. Check the table, its KMS key and the function role.`,
        metric: cacheErrors,
        threshold: s.alarmCacheErrorCount,
      }),
      this.alarm('InvalidationErrors', {
        description:
          'The invalidation function failed on a Chime meeting event (it is retried, then kept in the dead-letter queue).',
        metric: cache.invalidationFunction.metricErrors(SUM),
        threshold: 1,
      }),
      this.alarm('InvalidationDeadLetters', {
        description:
          'A Chime meeting event could not be applied: its records stay until their TTL (cacheSharedTtlMs). Read the message, delete the records, then purge the queue.',
        metric: cache.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: Stats.MAXIMUM,
        }),
        threshold: 0,
        above: true,
      }),
    ];
  }

  private alarm(id: string, { description, above, periods = 1, ...spec }: AlarmSpec): Alarm {
    return new Alarm(this, id, {
      alarmDescription: description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: above
        ? ComparisonOperator.GREATER_THAN_THRESHOLD
        : ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: periods,
      ...(spec.datapoints && { datapointsToAlarm: spec.datapoints }),
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** A count of the log lines `pattern` matches, published as `metricName`, summed per period. */
  private logCount(
    id: string,
    logGroup: ILogGroup,
    filterPattern: IFilterPattern,
    metricNamespace: string,
    metricName: string,
  ): IMetric {
    const filter = new MetricFilter(this, id, {
      logGroup,
      filterPattern,
      metricNamespace,
      metricName,
      metricValue: '1',
    });
    return filter.metric(SUM);
  }
}
