import * as path from 'node:path';
import { ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
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
import { Alarms } from './alarms';
import {
  ATTENDEE_BUNDLING,
  ATTENDEE_ENTRY,
  ATTENDEE_HANDLER,
  ATTENDEE_NODE_OPTIONS,
} from './bundling';
import { Identity } from './identity';
import { acknowledge } from './nag';
import {
  type AttendeeApiSettings,
  type AttendeeApiSettingsInput,
  deadlineMs,
  resolveSettings,
} from './settings';

/** The attendee route. */
export const ROUTE_PATH = '/meetings/{meetingId}/attendees/{attendeeId}';
/** The join-info route: GetMeeting and GetAttendee in one call, for the attendee's owner. */
export const JOIN_INFO_PATH = `${ROUTE_PATH}/join-info`;

/** What the function may call: the two reads its routes need, nothing else. */
export const CHIME_ACTIONS = Object.freeze(['chime:GetAttendee', 'chime:GetMeeting']);

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

/** Browsers may cache a preflight this long (the Lambda's own CORS uses the same). */
const CORS_MAX_AGE = Duration.minutes(10);

export interface AttendeeApiStackProps extends StackProps {
  /** Anything left out takes its default (see `CONTEXT_KEYS`); `bin/app.ts` reads context. */
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
 * allowed nothing but `chime:GetAttendee` and `chime:GetMeeting` answers the rest.
 */
export class AttendeeApiStack extends Stack {
  readonly settings: AttendeeApiSettings;
  readonly identity: Identity;
  readonly fn: NodejsFunction;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: AttendeeApiStackProps = {}) {
    super(scope, id, props);
    const settings = resolveSettings(props.settings);
    const projectRoot = props.projectRoot ?? process.cwd();
    // RetentionDays' values are the days themselves; settings only admits valid ones.
    const retention = settings.logRetentionDays as RetentionDays;
    this.settings = settings;

    const identity = new Identity(this, 'Identity', {
      external: settings.identity,
      moderatorGroup: settings.moderatorGroup,
      selfSignUp: settings.selfSignUp,
    });
    this.identity = identity;

    const functionLogs = new LogGroup(this, 'FunctionLogs', { retention });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention });

    // GetAttendee and GetMeeting support resource-level permissions on the `meeting` resource type
    // (arn:${Partition}:chime:${Region}:${Account}:meeting/${MeetingId}), per the Service
    // Authorization Reference for Amazon Chime. Meetings are created at run time, so their IDs
    // are a wildcard; region and account are not.
    const meetings = this.formatArn({
      service: 'chime',
      region: settings.chimeRegion,
      resource: 'meeting',
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole (logs:* on every log group). The
    // Chime grant is inline in the role itself, so the role never exists without it.
    const role = new Role(this, 'FunctionRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description:
        'Writes its own log group and reads Chime SDK attendees and meetings, nothing else.',
      inlinePolicies: {
        ChimeRead: new PolicyDocument({
          statements: [
            new PolicyStatement({
              sid: 'GetAttendeeAndMeetingOnly',
              actions: [...CHIME_ACTIONS],
              resources: [meetings],
            }),
          ],
        }),
      },
    });
    acknowledge(role, {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:chime:${settings.chimeRegion}:<AWS::AccountId>:meeting/*]`,
      reason:
        'chime:GetAttendee and chime:GetMeeting are scoped to meetings of this account in the control region; meeting IDs ' +
        'are created at run time by another service, so the meeting ID alone is a wildcard.',
    });
    functionLogs.grantWrite(role);

    const environment: Record<string, string> = {
      CHIME_REGION: settings.chimeRegion,
      JWT_ISSUER: identity.issuer,
      JWT_AUDIENCE: identity.audience.join(','),
      CORS_ALLOWED_ORIGINS: settings.allowedOrigins.join(','),
      DEADLINE_MS: String(deadlineMs(settings)),
      JOIN_TOKEN_POLICY: settings.joinTokenPolicy,
      RETRY_AFTER_SECONDS: String(settings.retryAfterSeconds),
      LOG_LEVEL: settings.logLevel,
      NODE_OPTIONS: ATTENDEE_NODE_OPTIONS,
    };
    const optional = {
      IDENTITY_CLAIM: settings.identityClaim,
      OWNER_SEPARATOR: settings.ownerSeparator,
      MODERATOR_CLAIM: settings.moderatorClaim,
      MODERATOR_GROUP: settings.moderatorGroup,
    };
    for (const [name, value] of Object.entries(optional)) {
      if (value !== undefined) environment[name] = value;
    }
    if (settings.samLocal) {
      // Declared only so `sam local --env-vars env.json` may set them; inert as synthesized.
      environment.CHIME_ENDPOINT = '';
      environment.JWT_ALLOW_HTTP_JWKS = 'false';
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
      // Caps what a flood can take from the account's concurrency (and from the bill).
      reservedConcurrentExecutions: settings.reservedConcurrency,
      role,
      logGroup: functionLogs,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[settings.logLevel],
      environment,
      bundling: ATTENDEE_BUNDLING,
    });
    acknowledge(this.fn, {
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is pinned with the bundle target (node22) and the Node 22 toolchain that tests ' +
        'the code; runtime, target and toolchain move to Node 24 together.',
    });

    this.api = new HttpApi(this, 'HttpApi', {
      apiName: this.stackName,
      description: 'Chime SDK attendee BFF',
      // The $default stage is declared below, with throttling and access logs.
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [...settings.allowedOrigins],
        allowMethods: [CorsHttpMethod.GET],
        allowHeaders: ['Authorization', 'Content-Type'],
        // Apigw-Requestid is the access log's requestId: what a user can quote to support.
        exposeHeaders: ['Retry-After', 'Apigw-Requestid'],
        allowCredentials: false,
        maxAge: CORS_MAX_AGE,
      },
    });

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
    // Same issuer and audience as the Lambda verifies: bad tokens never reach it.
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', identity.issuer, {
      authorizerName: 'jwt',
      jwtAudience: [...identity.audience],
    });
    for (const routePath of [ROUTE_PATH, JOIN_INFO_PATH]) {
      this.api.addRoutes({ path: routePath, methods: [HttpMethod.GET], integration, authorizer });
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
      topicArn: settings.alarmTopicArn,
    });

    new CfnOutput(this, 'ApiUrl', {
      description: `Base URL of the API: GET <ApiUrl>${ROUTE_PATH.slice(1)}`,
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
    if (identity.userPool) {
      new CfnOutput(this, 'UserPoolId', {
        description: 'Cognito user pool the SPA signs in to (with the Audience as client id)',
        value: identity.userPool.userPoolId,
      });
    }
  }
}
