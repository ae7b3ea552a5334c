import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
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

/** The Lambda's per-request log line carries this `code` when Chime answered 401 or 403. */
const UPSTREAM_CREDENTIALS_PATTERN = FilterPattern.stringValue(
  '$.code',
  '=',
  'upstream_credentials',
);
/** Access-log lines of requests answered 429 (stage throttling, or Chime's throttling passed on). */
const TOO_MANY_REQUESTS_PATTERN = FilterPattern.stringValue('$.status', '=', '429');

const PERIOD = Duration.minutes(5);
/** Below this many requests in a period, the 5xx rate is not judged: one failure is not 100 %. */
const MIN_REQUESTS_FOR_RATE = 10;

export interface AlarmsProps {
  readonly api: HttpApi;
  readonly fn: IFunction;
  readonly functionLogGroup: ILogGroup;
  readonly accessLogGroup: ILogGroup;
  /** Namespace of the metrics the log filters publish. */
  readonly namespace: string;
  readonly serverErrorRatePercent: number;
  readonly throttleCount: number;
  readonly tooManyRequestsCount: number;
  /** ChimeThrottles per 5 minutes that, in 3 of 5 periods, mean Chime's rate is the bottleneck. */
  readonly chimeThrottleCount: number;
  /** The shared cache tier's parts, when it is deployed. */
  readonly cache?: {
    readonly invalidationFunction: IFunction;
    readonly deadLetterQueue: IQueue;
    /** CacheErrors per 5 minutes. */
    readonly cacheErrorCount: number;
  };
  /** Notified on ALARM and OK. */
  readonly topicArn?: string;
}

/**
 * A metric the function's request log line carries in Embedded Metric Format, in `namespace`
 * without dimensions (`Dimensions: [[]]`).
 */
function requestMetric(namespace: string, metricName: string): Metric {
  return new Metric({ namespace, metricName, period: PERIOD, statistic: Stats.SUM });
}

/**
 * What pages someone: the API's 5xx rate, any Chime 401/403 (our credentials or role are
 * broken: every call fails until fixed), Lambda throttles (reserved concurrency exhausted),
 * a burst of 429s, sustained Chime throttling, and with the shared cache its errors, a failed
 * invalidation and a dead-lettered event. Missing data is never an alarm: no traffic is not an
 * outage here.
 */
export class Alarms extends Construct {
  readonly serverErrorRate: Alarm;
  readonly upstreamCredentials: Alarm;
  readonly functionThrottles: Alarm;
  readonly tooManyRequests: Alarm;
  readonly chimeThrottles: Alarm;
  readonly cacheErrors: Alarm | undefined;
  readonly invalidationErrors: Alarm | undefined;
  readonly invalidationDeadLetters: Alarm | undefined;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);

    const rate = new MathExpression({
      expression: `IF(requests >= ${MIN_REQUESTS_FOR_RATE}, 100 * FILL(errors, 0) / requests, 0)`,
      usingMetrics: {
        errors: props.api.metricServerError({ period: PERIOD, statistic: Stats.SUM }),
        requests: props.api.metricCount({ period: PERIOD, statistic: Stats.SUM }),
      },
      period: PERIOD,
      label: '5xx rate (%)',
    });
    this.serverErrorRate = new Alarm(this, 'ServerErrorRate', {
      alarmDescription: `More than ${props.serverErrorRatePercent}% of requests answered 5xx in 2 of the last 3 periods of 5 minutes.`,
      metric: rate,
      threshold: props.serverErrorRatePercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // Any single occurrence alarms: Chime refusing our credentials fails every request.
    const credentials = new MetricFilter(this, 'UpstreamCredentialsFilter', {
      logGroup: props.functionLogGroup,
      filterPattern: UPSTREAM_CREDENTIALS_PATTERN,
      metricNamespace: props.namespace,
      metricName: 'UpstreamCredentialFailures',
      metricValue: '1',
    });
    this.upstreamCredentials = new Alarm(this, 'UpstreamCredentials', {
      alarmDescription:
        'Chime answered 401/403 to GetAttendee (clients got 502): check the function role and chimeRegion.',
      metric: credentials.metric({ period: PERIOD, statistic: Stats.SUM }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.functionThrottles = new Alarm(this, 'FunctionThrottles', {
      alarmDescription: `The function was throttled at least ${props.throttleCount} time(s) in 5 minutes: reserved concurrency is exhausted.`,
      metric: props.fn.metricThrottles({ period: PERIOD, statistic: Stats.SUM }),
      threshold: props.throttleCount,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // HTTP APIs publish no 429 metric of their own: count them from the access log.
    const tooMany = new MetricFilter(this, 'TooManyRequestsFilter', {
      logGroup: props.accessLogGroup,
      filterPattern: TOO_MANY_REQUESTS_PATTERN,
      metricNamespace: props.namespace,
      metricName: 'TooManyRequests',
      metricValue: '1',
    });
    this.tooManyRequests = new Alarm(this, 'TooManyRequests', {
      alarmDescription: `At least ${props.tooManyRequestsCount} requests answered 429 in 5 minutes: raise the stage throttling or find the flood.`,
      metric: tooMany.metric({ period: PERIOD, statistic: Stats.SUM }),
      threshold: props.tooManyRequestsCount,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // Single throttles are absorbed by retries and the caches; a sustained run means the caches
    // are not holding a join storm below Chime's rate (or the account's quota is too low).
    this.chimeThrottles = new Alarm(this, 'ChimeThrottles', {
      alarmDescription: `Chime throttled at least ${props.chimeThrottleCount} calls in 3 of the last 5 periods of 5 minutes: callers got 503s. Check CacheHits*/CacheMisses and ChimeCalls_* in ${props.namespace}, and the Chime SDK quotas.`,
      metric: requestMetric(props.namespace, METRIC_NAMES.throttles),
      threshold: props.chimeThrottleCount,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const { cache } = props;
    if (cache) {
      this.cacheErrors = new Alarm(this, 'CacheErrors', {
        alarmDescription: `The shared cache table failed at least ${cache.cacheErrorCount} times in 5 minutes: requests fell back to Chime. Check the table, its KMS key and the function role.`,
        metric: requestMetric(props.namespace, METRIC_NAMES.cacheErrors),
        threshold: cache.cacheErrorCount,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      this.invalidationErrors = new Alarm(this, 'InvalidationErrors', {
        alarmDescription:
          'The invalidation function failed on a Chime meeting event (it is retried, then kept in the dead-letter queue).',
        metric: cache.invalidationFunction.metricErrors({ period: PERIOD, statistic: Stats.SUM }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      this.invalidationDeadLetters = new Alarm(this, 'InvalidationDeadLetters', {
        alarmDescription:
          'A Chime meeting event could not be applied: its records stay until their TTL (cacheSharedTtlMs). Read the message, delete the records, then purge the queue.',
        metric: cache.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: Stats.MAXIMUM,
        }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }

    if (props.topicArn) {
      const action = new SnsAction(Topic.fromTopicArn(this, 'AlarmTopic', props.topicArn));
      for (const alarm of this.all()) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }

  all(): Alarm[] {
    return [
      this.serverErrorRate,
      this.upstreamCredentials,
      this.functionThrottles,
      this.tooManyRequests,
      this.chimeThrottles,
      ...[this.cacheErrors, this.invalidationErrors, this.invalidationDeadLetters].filter(
        (alarm): alarm is Alarm => alarm !== undefined,
      ),
    ];
  }
}
