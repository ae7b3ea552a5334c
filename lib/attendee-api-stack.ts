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
import type { Role } from 'aws-cdk-lib/aws-iam';
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

/**
 * `GET /meetings/{meetingId}/attendees/{attendeeId}` and its `/join-info` on an HTTP API: a JWT
 * authorizer turns unauthenticated calls away before they cost an invocation, and a Lambda
 * allowed nothing but the Chime reads it makes answers the rest, from a container cache and a
 * shared DynamoDB table when it can (lib/attendee-cache.ts).
 */
export class AttendeeApiStack extends Stack {
  private readonly settings: AttendeeApiSettings;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const settings = resolveSettings(this.node.getAllContext());
    this.settings = settings;
    // sam local has no table to reach: its template keeps the container cache only, and declares
    // CACHE_TABLE_NAME (inert) so env.json may point it at a local one.
    const sharedCache = settings.sharedCache && !settings.samLocal;
    const identity = new Identity(this, 'Identity', settings);
    const functionLogs = new LogGroup(this, 'FunctionLogs', {
      retention: settings.logRetentionDays,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: settings.logRetentionDays });
    const meetingsArn = this.meetingsArn();
    const { fn, role } = this.attendeeFunction(identity, functionLogs, meetingsArn, sharedCache);
    const cache = sharedCache
      ? new AttendeeCache(this, 'Cache', { settings, attendeeRole: role, meetingsArn })
      : undefined;
    if (cache) fn.addEnvironment(FUNCTION_SETTINGS.cacheTableName.env, cache.table.tableName);
    const { api, stage } = this.httpApi(identity, fn, accessLogs);
    new Alarms(this, 'Alarms', {
      api,
      fn,
      functionLogGroup: functionLogs,
      accessLogGroup: accessLogs,
      namespace: this.stackName,
      settings,
      cache,
    });
    this.outputs([
      [
        'ApiUrl',
        `Base URL of the API: GET <ApiUrl>${API_ROUTES.attendee.path.slice(1)}`,
        stage.url,
      ],
      ['Issuer', 'Issuer (iss) of the tokens the API accepts', identity.issuer],
      [
        'Audience',
        'Audience (aud, or Cognito client_id) of the tokens the API accepts',
        identity.audience.join(','),
      ],
      [
        'CacheTableName',
        'The shared cache table (attendee and meeting records, encrypted with its own KMS key)',
        cache?.table.tableName,
      ],
      [
        'UserPoolId',
        'Cognito user pool the SPA signs in to (with the Audience as client id)',
        identity.userPool?.userPoolId,
      ],
    ]);
  }

  /** The attendee function and its role: the Chime reads it makes, its log group, nothing else. */
  private attendeeFunction(
    identity: Identity,
    logs: LogGroup,
    meetingsArn: string,
    sharedCache: boolean,
  ): { fn: NodejsFunction; role: Role } {
    const { settings } = this;
    const role = functionRole(this, 'FunctionRole', {
      description:
        'Writes its own log group, reads Chime SDK attendees and meetings and the attendee cache table, nothing else.',
      logs,
      chime: {
        policyName: 'ChimeRead',
        sid: 'ChimeMeetingReadsOnly',
        // The two reads its routes need and, with the shared cache, the ListAttendees pages of a
        // hot meeting's snapshot (taken only to fill the table).
        actions: [
          'chime:GetAttendee',
          'chime:GetMeeting',
          ...(sharedCache ? ['chime:ListAttendees'] : []),
        ],
        meetingsArn,
        reason:
          'Only the Chime reads the function makes, on meetings of this account. Meeting IDs are created at run time by ' +
          'another service, and a meeting ARN may name its media region rather than the control region, so ID and region are wildcards.',
      },
    });
    const fn = nodeFunction(this, 'AttendeeFunction', {
      name: 'attendee',
      description:
        'GET /meetings/{meetingId}/attendees/{attendeeId}[/join-info]: Chime attendee for its owner',
      // Lambda gives CPU in proportion to memory (JWT crypto, the TLS handshakes to the JWKS and
      // Chime): a benchmark weighs the size against its price.
      memorySize: settings.memorySize,
      timeout: Duration.seconds(settings.timeoutSeconds),
      // None unless asked for: Lambda keeps 100 of the account's concurrency unreserved, and new
      // accounts may have a total quota below that, which fails the deploy.
      reservedConcurrentExecutions: settings.reservedConcurrency,
      role,
      logGroup: logs,
      applicationLogLevelV2: ApplicationLogLevel[settings.logLevel],
      environment: this.attendeeEnvironment(identity),
    });
    return { fn, role };
  }

  /**
   * The meetings the functions may read. GetAttendee, GetMeeting and ListAttendees take the
   * `meeting` resource type (Service Authorization Reference, "Actions, resources, and condition
   * keys for Amazon Chime"). Meetings are created at run time, so their IDs are a wildcard. So is
   * the region: whether a meeting's ARN names its control or its media region is not documented,
   * and the wrong guess denies every meeting hosted elsewhere (a 502 that pages the credentials
   * alarm). The account stays fixed, and the calls still go to the control region only.
   */
  private meetingsArn(): string {
    return this.formatArn({
      service: 'chime',
      region: '*',
      resource: 'meeting',
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /** The settings the attendee function reads, the identity it verifies, what the stack derives. */
  private attendeeEnvironment(identity: Identity): Record<string, string> {
    const { settings } = this;
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
      // Declared only so `sam local --env-vars env.json` may set them; inert as synthesized.
      for (const spec of Object.values(FUNCTION_SETTINGS)) {
        if (spec.set.by === 'local') environment[spec.env] = spec.default === false ? 'false' : '';
      }
      environment[env('cacheTableName')] = '';
    }
    return environment;
  }

  /**
   * The HTTP API: its `$default` stage (throttled, JSON access logs), CORS for the allowed origins
   * only, and every route behind a JWT authorizer with the issuer (exactly as configured, trailing
   * slash and all) and audience the Lambda verifies, so bad tokens never reach it.
   */
  private httpApi(
    identity: Identity,
    fn: NodejsFunction,
    accessLogs: LogGroup,
  ): { api: HttpApi; stage: HttpStage } {
    const { settings } = this;
    const api = new HttpApi(this, 'HttpApi', {
      apiName: this.stackName,
      description: 'Chime SDK attendee BFF',
      createDefaultStage: false,
      // CORS lives here only: API Gateway answers preflights itself and overrides any CORS
      // header the integration sends (see "Configuring CORS for an HTTP API").
      ...(settings.allowedOrigins && {
        corsPreflight: {
          allowOrigins: [...settings.allowedOrigins],
          allowMethods: [CorsHttpMethod.GET],
          allowHeaders: ['Authorization', 'Content-Type'],
          // Apigw-Requestid is the access log's requestId: what a user can quote to support.
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
        destination: new LogGroupLogDestination(accessLogs),
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

  /** The outputs that have a value: id, description, value. */
  private outputs(outputs: [string, string, string | undefined][]): void {
    for (const [id, description, value] of outputs) {
      if (value !== undefined) new CfnOutput(this, id, { description, value });
    }
  }
}
