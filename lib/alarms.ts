import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** The Lambda's per-request log line carries this `code` when Chime answered 401 or 403. */
export const UPSTREAM_CREDENTIALS_PATTERN = FilterPattern.stringValue(
  '$.code',
  '=',
  'upstream_credentials',
);
/** Access-log lines of requests answered 429 (stage throttling, or Chime's throttling passed on). */
export const TOO_MANY_REQUESTS_PATTERN = FilterPattern.stringValue('$.status', '=', '429');

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
  /** Notified on ALARM and OK. */
  readonly topicArn?: string;
}

/**
 * What pages someone: the API's 5xx rate, any Chime 401/403 (our credentials or role are
 * broken: every call fails until fixed), Lambda throttles (reserved concurrency exhausted),
 * and a burst of 429s. Missing data is never an alarm: no traffic is not an outage here.
 */
export class Alarms extends Construct {
  readonly serverErrorRate: Alarm;
  readonly upstreamCredentials: Alarm;
  readonly functionThrottles: Alarm;
  readonly tooManyRequests: Alarm;

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
    ];
  }
}
