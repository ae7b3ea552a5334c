import * as path from 'node:path';
import { Annotations, ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { API_ROUTES } from '../lambda/attendee/api-routes';
import {
  ATTENDEE_SETTINGS,
  FUNCTION_SETTINGS,
  INVALIDATION_SETTINGS,
  PREFETCH_SETTINGS,
} from '../lambda/common/config/settings';
import { Alarms } from './alarms';
import { AttendeeCache } from './attendee-cache';
import {
  ATTENDEE_ENTRY,
  ATTENDEE_HANDLER,
  ATTENDEE_NODE_OPTIONS,
  FUNCTION_BUNDLING,
} from './bundling';
import { Identity } from './identity';
import { acknowledge, PINNED_RUNTIME } from './nag';
import {
  type AttendeeApiSettings,
  type AttendeeApiSettingsInput,
  deadlineMs,
  functionEnvironment,
  resolveSettings,
} from './settings';

/** The function's environment variable names, from the contract (no string literals). */
const ENV = Object.freeze(
  Object.fromEntries(Object.entries(FUNCTION_SETTINGS).map(([id, spec]) => [id, spec.env])) as {
    readonly [K in keyof typeof FUNCTION_SETTINGS]: string;
  },
);

/** Shown at synth when no origin is allowed: the API then answers no browser on another origin. */
export const NO_CORS_WARNING =
  'allowedOrigins is not set: the HTTP API has no CORS configuration, so browser apps on other origins cannot call it. Set -c allowedOrigins=https://app.example.com';

/**
 * What the function may call on Chime: the two reads its routes need and, with the shared cache,
 * the ListAttendees pages of a hot meeting's snapshot (it is taken only to fill the table).
 */
const CHIME_ACTIONS = Object.freeze(['chime:GetAttendee', 'chime:GetMeeting']);
const CHIME_SNAPSHOT_ACTIONS = Object.freeze(['chime:ListAttendees']);

/**
 * One JSON object per request. Who called and how it went, never a header, token or claim; no
 * path either, since it ties an attendee to a meeting and the route key says enough.
 */
export const ACCESS_LOG_FIELDS = Object.freeze({
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  integrationError: '$context.integration.error',
  integrationErrorMessage: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  ip: '$context.identity.sourceIp',
});

/** Browsers may cache a preflight this long. */
const CORS_MAX_AGE = Duration.minutes(10);

export interface AttendeeApiStackProps extends StackProps {
  /** Raw values by context key; anything left out takes its default. `bin/app.ts` reads context. */
  readonly settings?: AttendeeApiSettingsInput;
  /**
   * The repository root: the function's entry and package-lock.json are found from it.
   * @default process.cwd(), where `cdk` and `jest` run
   */
  readonly projectRoot?: string;
}

/**
 * `GET /meetings/{meetingId}/attendees/{attendeeId}` and its `/join-info` on an HTTP API: a JWT
 * authorizer turns unauthenticated calls away before they cost an invocation, and a Lambda
 * allowed nothing but the Chime reads it makes answers the rest, from a container cache and a
 * shared DynamoDB table when it can (lib/attendee-cache.ts).
 */
export class AttendeeApiStack extends Stack {
  readonly settings: AttendeeApiSettings;
  readonly identity: Identity;
  readonly fn: NodejsFunction;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly alarms: Alarms;
  /** The shared cache tier; none with `-c sharedCache=false`. */
  readonly cache: AttendeeCache | undefined;

  constructor(scope: Construct, id: string, props: AttendeeApiStackProps = {}) {
    super(scope, id, props);
    const settings = resolveSettings(props.settings);
    // sam local has no table to reach: its template keeps the container cache only, and declares
    // CACHE_TABLE_NAME (inert) so env.json may point it at a local one.
    const sharedCache = settings.sharedCache && !settings.samLocal;
    const projectRoot = props.projectRoot ?? process.cwd();
    // RetentionDays' values are the days themselves; settings only admits valid ones.
    const retention = settings.logRetentionDays as RetentionDays;
    this.settings = settings;

    const identity = new Identity(this, 'Identity', {
      external:
        settings.identityIssuer && settings.identityAudience
          ? { issuer: settings.identityIssuer, audience: settings.identityAudience }
          : undefined,
      moderatorGroup: settings.moderatorGroup,
      selfSignUp: settings.selfSignUp,
      featurePlan: settings.cognitoFeaturePlan,
    });
    this.identity = identity;

    const functionLogs = new LogGroup(this, 'FunctionLogs', { retention });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention });

    // GetAttendee, GetMeeting and ListAttendees support resource-level permissions on the
    // `meeting` resource type (arn:${Partition}:chime:${Region}:${Account}:meeting/${MeetingId}),
    // per the Service Authorization Reference, "Actions, resources, and condition keys for Amazon
    // Chime" (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonchime.html).
    // Meetings are created at run time, so their IDs
    // are a wildcard. So is the region: whether a meeting's ARN names its control region or its
    // media region is not documented, and the wrong guess denies every meeting hosted elsewhere
    // (a 502 that pages the credentials alarm). The account stays fixed, and the calls still go
    // to the control region only (CHIME_REGION).
    const meetings = this.formatArn({
      service: 'chime',
      region: '*',
      resource: 'meeting',
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole (logs:* on every log group). The
    // Chime grant is inline in the role itself, so the role never exists without it.
    const role = new Role(this, 'FunctionRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description:
        'Writes its own log group, reads Chime SDK attendees and meetings and the attendee cache table, nothing else.',
      inlinePolicies: {
        ChimeRead: new PolicyDocument({
          statements: [
            new PolicyStatement({
              sid: 'ChimeMeetingReadsOnly',
              actions: [...CHIME_ACTIONS, ...(sharedCache ? CHIME_SNAPSHOT_ACTIONS : [])],
              resources: [meetings],
            }),
          ],
        }),
      },
    });
    acknowledge(role, {
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:chime:*:<AWS::AccountId>:meeting/*]',
      reason:
        'Only the Chime reads the function makes, on meetings of this account. Meeting IDs are created at run time by ' +
        'another service, and a meeting ARN may name its media region rather than the control region, so ID and region are wildcards.',
    });
    functionLogs.grantWrite(role);

    const environment: Record<string, string> = {
      ...functionEnvironment(settings, ATTENDEE_SETTINGS),
      [ENV.identityIssuer]: identity.issuer,
      [ENV.identityAudience]: identity.audience.join(','),
      [ENV.deadlineMs]: String(deadlineMs(settings)),
      [ENV.metricsNamespace]: this.stackName,
      NODE_OPTIONS: ATTENDEE_NODE_OPTIONS,
    };
    if (settings.samLocal) {
      // Declared only so `sam local --env-vars env.json` may set them; inert as synthesized.
      for (const spec of Object.values(FUNCTION_SETTINGS)) {
        if (spec.set.by === 'local') environment[spec.env] = spec.default === false ? 'false' : '';
      }
      environment[ENV.cacheTableName] = '';
    }

    this.fn = new NodejsFunction(this, 'AttendeeFunction', {
      description:
        'GET /meetings/{meetingId}/attendees/{attendeeId}[/join-info]: Chime attendee for its owner',
      entry: path.join(projectRoot, ATTENDEE_ENTRY),
      handler: ATTENDEE_HANDLER,
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      // Lambda gives CPU in proportion to memory: 512 MB buys ~0.3 vCPU for init, the RS256
      // verification and the TLS handshakes to the JWKS and Chime, at a price a benchmark can
      // weigh against 256 or 1024.
      memorySize: settings.memorySize,
      timeout: Duration.seconds(settings.timeoutSeconds),
      // None unless asked for: Lambda keeps 100 of the account's concurrency unreserved, and new
      // accounts may have a total quota below that, which fails the deploy.
      reservedConcurrentExecutions: settings.reservedConcurrency,
      role,
      logGroup: functionLogs,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[settings.logLevel],
      environment,
      bundling: FUNCTION_BUNDLING,
    });
    acknowledge(this.fn, PINNED_RUNTIME);

    this.cache = sharedCache
      ? new AttendeeCache(this, 'Cache', {
          attendeeRole: role,
          chimeRegion: settings.chimeRegion,
          logRetention: retention,
          projectRoot,
          invalidationEnvironment: functionEnvironment(settings, INVALIDATION_SETTINGS),
          ...(settings.prefetch
            ? {
                prefetch: {
                  environment: functionEnvironment(settings, PREFETCH_SETTINGS),
                  meetingsArn: meetings,
                },
              }
            : {}),
        })
      : undefined;
    if (this.cache) this.fn.addEnvironment(ENV.cacheTableName, this.cache.table.tableName);

    this.api = new HttpApi(this, 'HttpApi', {
      apiName: this.stackName,
      description: 'Chime SDK attendee BFF',
      // The $default stage is declared below, with throttling and access logs.
      createDefaultStage: false,
      // CORS lives here only: API Gateway answers preflights itself and overrides any CORS
      // header the integration sends (see "Configuring CORS for an HTTP API").
      ...(settings.allowedOrigins
        ? {
            corsPreflight: {
              allowOrigins: [...settings.allowedOrigins],
              allowMethods: [CorsHttpMethod.GET],
              allowHeaders: ['Authorization', 'Content-Type'],
              // Apigw-Requestid is the access log's requestId: what a user can quote to support.
              exposeHeaders: ['Retry-After', 'Apigw-Requestid'],
              allowCredentials: false,
              maxAge: CORS_MAX_AGE,
            },
          }
        : {}),
    });

    if (!settings.allowedOrigins)
      Annotations.of(this).addWarningV2('@chime-bff/no-cors', NO_CORS_WARNING);

    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: settings.throttleRateLimit,
        burstLimit: settings.throttleBurstLimit,
      },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const integration = new HttpLambdaIntegration('GetAttendeeIntegration', this.fn, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    });
    // Same issuer (exactly as configured, trailing slash and all) and audience as the Lambda
    // verifies: bad tokens never reach it.
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', identity.issuer, {
      authorizerName: 'jwt',
      jwtAudience: [...identity.audience],
    });
    for (const route of Object.values(API_ROUTES)) {
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer,
      });
    }

    this.alarms = new Alarms(this, 'Alarms', {
      api: this.api,
      fn: this.fn,
      functionLogGroup: functionLogs,
      accessLogGroup: accessLogs,
      namespace: this.stackName,
      serverErrorRatePercent: settings.alarm5xxRatePercent,
      throttleCount: settings.alarmThrottleCount,
      tooManyRequestsCount: settings.alarm429Count,
      chimeThrottleCount: settings.alarmChimeThrottleCount,
      topicArn: settings.alarmTopicArn,
      ...(this.cache
        ? {
            cache: {
              invalidationFunction: this.cache.invalidationFunction,
              deadLetterQueue: this.cache.deadLetterQueue,
              cacheErrorCount: settings.alarmCacheErrorCount,
            },
          }
        : {}),
    });

    new CfnOutput(this, 'ApiUrl', {
      description: `Base URL of the API: GET <ApiUrl>${API_ROUTES.attendee.path.slice(1)}`,
      value: this.stage.url,
    });
    new CfnOutput(this, 'Issuer', {
      description: 'Issuer (iss) of the tokens the API accepts',
      value: identity.issuer,
    });
    new CfnOutput(this, 'Audience', {
      description: 'Audience (aud, or Cognito client_id) of the tokens the API accepts',
      value: identity.audience.join(','),
    });
    if (this.cache) {
      new CfnOutput(this, 'CacheTableName', {
        description:
          'The shared cache table (attendee and meeting records, encrypted with its own KMS key)',
        value: this.cache.table.tableName,
      });
    }
    if (identity.userPool) {
      new CfnOutput(this, 'UserPoolId', {
        description: 'Cognito user pool the SPA signs in to (with the Audience as client id)',
        value: identity.userPool.userPoolId,
      });
    }
  }
}
