import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
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
import { ApplicationLogLevel } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { API_ROUTES } from '../lambda/attendee/routes/api-routes';
import { ATTENDEE_SETTINGS, FUNCTION_SETTINGS } from '../lambda/common/config/settings';
import { Alarms } from './alarms';
import { AttendeeCache } from './attendee-cache';
import { ATTENDEE_NODE_OPTIONS, functionRole, nodeFunction } from './bundling';
import { Identity } from './identity';
import { type AttendeeApiSettings, functionEnvironment, resolveSettings } from './settings';

/** Shown at synth when no origin is allowed: the API then answers no browser on another origin. */
export const NO_CORS_WARNING =
  'allowedOrigins is not set: the HTTP API has no CORS configuration, so browser apps on other origins cannot call it. Set -c allowedOrigins=https://app.example.com';

/** One JSON object per request: never a header, token, claim or path (it ties an attendee to a meeting). */
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

/** The attendee routes on an HTTP API whose JWT authorizer turns strangers away before a Lambda runs. */
export class AttendeeApiStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const settings = resolveSettings(this.node.getAllContext());
    // sam local has no table: the container cache only, CACHE_TABLE_NAME declared for env.json.
    const sharedCache = settings.sharedCache && !settings.samLocal;
    const identity = new Identity(this, 'Identity', settings);
    const retention = settings.logRetentionDays;
    const functionLogGroup = new LogGroup(this, 'FunctionLogs', { retention });
    const accessLogGroup = new LogGroup(this, 'AccessLogs', { retention });
    const role = functionRole(this, 'FunctionRole', {
      description:
        'Writes its own log group, reads Chime SDK attendees and meetings and the attendee cache table, nothing else.',
      logs: functionLogGroup,
      chime: {
        policyName: 'ChimeRead',
        sid: 'ChimeMeetingReadsOnly',
        // ListAttendees: a hot meeting's snapshot, taken only to fill the table.
        actions: [
          'chime:GetAttendee',
          'chime:GetMeeting',
          ...(sharedCache ? ['chime:ListAttendees'] : []),
        ],
        reason:
          'Only the Chime reads the function makes, on meetings of this account. Meeting IDs are created at run time by another service, and a meeting ARN may name its media region rather than the control region, so ID and region are wildcards.',
      },
    });
    const fn = nodeFunction(this, 'AttendeeFunction', {
      name: 'attendee',
      description:
        'GET /meetings/{meetingId}/attendees/{attendeeId}[/join-info]: Chime attendee for its owner',
      memorySize: settings.memorySize,
      timeout: Duration.seconds(settings.timeoutSeconds),
      // None unless asked for: a new account's quota may not leave Lambda's 100 unreserved.
      reservedConcurrentExecutions: settings.reservedConcurrency,
      role,
      logGroup: functionLogGroup,
      applicationLogLevelV2: ApplicationLogLevel[settings.logLevel],
      environment: this.attendeeEnvironment(settings, identity),
    });
    const cache = sharedCache
      ? new AttendeeCache(this, 'Cache', { settings, attendeeRole: role })
      : undefined;
    if (cache) fn.addEnvironment(FUNCTION_SETTINGS.cacheTableName.env, cache.table.tableName);
    const { api, stage } = this.httpApi(settings, identity, fn, accessLogGroup);
    new Alarms(this, 'Alarms', { api, fn, functionLogGroup, accessLogGroup, settings, cache });
    const outputs = {
      ApiUrl: [`Base URL of the API: GET <ApiUrl>${API_ROUTES.attendee.path.slice(1)}`, stage.url],
      Issuer: ['Issuer (iss) of the tokens the API accepts', identity.issuer],
      Audience: [
        'Audience (aud, or Cognito client_id) of the tokens the API accepts',
        identity.audience.join(','),
      ],
      CacheTableName: [
        'The shared cache table (attendee and meeting records, encrypted with its own KMS key)',
        cache?.table.tableName,
      ],
      UserPoolId: [
        'Cognito user pool the SPA signs in to (with the Audience as client id)',
        identity.userPool?.userPoolId,
      ],
    };
    for (const [outputId, [description, value]] of Object.entries(outputs)) {
      if (value !== undefined) new CfnOutput(this, outputId, { description, value });
    }
  }

  private attendeeEnvironment(settings: AttendeeApiSettings, identity: Identity) {
    const env = (id: keyof typeof FUNCTION_SETTINGS) => FUNCTION_SETTINGS[id].env;
    const environment: Record<string, string> = {
      ...functionEnvironment(settings, ATTENDEE_SETTINGS),
      [env('identityIssuer')]: identity.issuer,
      [env('identityAudience')]: identity.audience.join(','),
      [env('deadlineMs')]: String(settings.deadlineMs),
      [env('metricsNamespace')]: this.stackName,
      NODE_OPTIONS: ATTENDEE_NODE_OPTIONS,
    };
    if (settings.samLocal) {
      for (const spec of Object.values(FUNCTION_SETTINGS)) {
        if (spec.set.by === 'local') environment[spec.env] = spec.default === false ? 'false' : '';
      }
      environment[env('cacheTableName')] = '';
    }
    return environment;
  }

  /** The HTTP API: a throttled `$default` stage, CORS, every route behind the JWT authorizer. */
  private httpApi(
    settings: AttendeeApiSettings,
    identity: Identity,
    fn: NodejsFunction,
    accessLogGroup: LogGroup,
  ) {
    const api = new HttpApi(this, 'HttpApi', {
      apiName: this.stackName,
      description: 'Chime SDK attendee BFF',
      createDefaultStage: false,
      // CORS lives here only: API Gateway overrides any CORS header the integration sends.
      ...(settings.allowedOrigins && {
        corsPreflight: {
          allowOrigins: [...settings.allowedOrigins],
          allowMethods: [CorsHttpMethod.GET],
          allowHeaders: ['Authorization', 'Content-Type'],
          // Apigw-Requestid: the access log's requestId, for a user to quote to support.
          exposeHeaders: ['Retry-After', 'Apigw-Requestid'],
          allowCredentials: false,
          maxAge: Duration.minutes(10),
        },
      }),
    });
    if (!settings.allowedOrigins) {
      Annotations.of(this).addWarningV2('@chime-bff/no-cors', NO_CORS_WARNING);
    }
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.throttleRateLimit, burstLimit: settings.throttleBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    const integration = new HttpLambdaIntegration('GetAttendeeIntegration', fn, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    });
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', identity.issuer, {
      authorizerName: 'jwt',
      jwtAudience: [...identity.audience],
    });
    for (const route of Object.values(API_ROUTES)) {
      api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer,
      });
    }
    return { api, stage };
  }
}
