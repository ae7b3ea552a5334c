import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { API_ROUTES, routeKeyOf } from '../../lambda/attendee/routes/api-routes';
import {
  INVALIDATING_EVENT_TYPES,
  PREFETCH_EVENT_TYPES,
} from '../../lambda/common/chime/chime-events';
import { ACCESS_LOG_FIELDS, NO_CORS_WARNING } from '../../lib/attendee-api-stack';

import {
  attendeeFunctionId,
  attendeeFunctionProps,
  iamActions,
  logicalId,
  type Synthesized,
  sharedAssembly,
  synth,
} from './support';

const ROUTE_KEY = routeKeyOf('attendee');
const JOIN_INFO_KEY = routeKeyOf('joinInfo');
const TOPIC_ARN = 'arn:aws:sns:eu-central-1:123456789012:oncall';

const functionProps = attendeeFunctionProps;

function environment(template: Template): Record<string, unknown> {
  return (functionProps(template).Environment as { Variables: Record<string, unknown> }).Variables;
}

describe('the default stack (Cognito identity, defaults from context)', () => {
  let synthesized: Synthesized;
  let template: Template;
  let ids: { pool: string; client: string; fn: string; authorizer: string };

  beforeAll(() => {
    synthesized = synth();
    template = synthesized.template;
    ids = {
      pool: logicalId(template, 'AWS::Cognito::UserPool'),
      client: logicalId(template, 'AWS::Cognito::UserPoolClient'),
      fn: attendeeFunctionId(template),
      authorizer: logicalId(template, 'AWS::ApiGatewayV2::Authorizer'),
    };
  });

  const cognitoIssuer = () => ({
    'Fn::Join': [
      '',
      ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: ids.pool }],
    ],
  });

  it('exposes exactly the attendee, join-info and roster routes, all behind the JWT authorizer', () => {
    expect(ROUTE_KEY).toBe('GET /meetings/{meetingId}/attendees/{attendeeId}');
    expect(JOIN_INFO_KEY).toBe('GET /meetings/{meetingId}/attendees/{attendeeId}/join-info');
    template.resourceCountIs('AWS::ApiGatewayV2::Route', Object.keys(API_ROUTES).length);
    const keys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => (route as { Properties: { RouteKey: string } }).Properties.RouteKey,
    );
    const rosterKey = 'GET /meetings/{meetingId}/roster';
    expect(keys.sort()).toEqual([ROUTE_KEY, JOIN_INFO_KEY, rosterKey]);
    for (const routeKey of [ROUTE_KEY, JOIN_INFO_KEY, rosterKey]) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: ids.authorizer },
      });
    }
  });

  it('is an HTTP API whose only integration is the function, by Lambda proxy with payload format 2.0', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
    });
  });

  it('lets API Gateway invoke the function from those routes only', () => {
    const principals = Object.values(template.findResources('AWS::Lambda::Permission')).map(
      (permission) =>
        (permission as { Properties: { FunctionName: unknown; Principal: string } }).Properties,
    );
    expect(
      principals.filter(
        (p) => JSON.stringify(p.FunctionName) === JSON.stringify({ 'Fn::GetAtt': [ids.fn, 'Arn'] }),
      ),
    ).toEqual(
      Object.keys(API_ROUTES).map(() =>
        expect.objectContaining({ Principal: 'apigateway.amazonaws.com' }),
      ),
    );
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: {
        'Fn::Join': [
          '',
          Match.arrayWith(['/*/*/meetings/{meetingId}/attendees/{attendeeId}/join-info']),
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
      SourceArn: {
        'Fn::Join': ['', Match.arrayWith(['/*/*/meetings/{meetingId}/attendees/{attendeeId}'])],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
      SourceArn: { 'Fn::Join': ['', Match.arrayWith(['/*/*/meetings/{meetingId}/roster'])] },
    });
  });

  it('creates a Cognito user pool and verifies its tokens with the SPA client as audience', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: cognitoIssuer(), Audience: [{ Ref: ids.client }] },
    });
    const env = environment(template);
    expect(env.JWT_ISSUER).toEqual(cognitoIssuer());
    expect(env.JWT_AUDIENCE).toEqual({ Ref: ids.client });
  });

  it('makes the user pool invitation-only, with a strong password policy and optional TOTP, on the Lite tier', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UserPoolTier: 'LITE',
      UserPoolAddOns: Match.absent(),
    });
  });

  it('gives the SPA a secretless SRP client without OAuth flows, and a moderators group', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      UserPoolId: { Ref: ids.pool },
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AllowedOAuthFlows: Match.absent(),
      PreventUserExistenceErrors: 'ENABLED',
    });
    template.resourceCountIs('AWS::Cognito::UserPoolGroup', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', {
      UserPoolId: { Ref: ids.pool },
      GroupName: 'moderators',
    });
  });

  it('runs the function on nodejs22.x, arm64, 512 MB, 10 s, ESM handler index.handler, no reserved concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 10,
      Handler: 'index.handler',
      ReservedConcurrentExecutions: Match.absent(),
      LoggingConfig: {
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        LogGroup: { Ref: functionLogGroup(template) },
      },
    });
    expect(functionLogGroup(template)).not.toBe(accessLogGroup(template));
  });

  it('passes the Lambda exactly its environment contract, deadline below the timeout', () => {
    const env = environment(template);
    expect(env).toEqual({
      CHIME_REGION: 'us-east-1',
      CHIME_MAX_ATTEMPTS: '3',
      CHIME_MAX_RETRY_AFTER_MS: '1000',
      CHIME_REQUEST_TIMEOUT_MS: '2000',
      CHIME_CONNECTION_TIMEOUT_MS: '1000',
      JWT_ISSUER: cognitoIssuer(),
      JWT_AUDIENCE: { Ref: ids.client },
      JWT_ALGORITHMS: 'RS256',
      JWT_GRACE_SECONDS: '0',
      JWT_JWKS_TIMEOUT_MS: '1500',
      DEADLINE_MS: '8000',
      JOIN_TOKEN_POLICY: 'owner',
      IDENTITY_CLAIM: 'sub',
      MODERATOR_CLAIM: 'cognito:groups',
      MODERATOR_GROUP: 'moderators',
      MODERATOR_SCOPE: 'global',
      NAME_CLAIM: 'name',
      PARTICIPANT_ROLE: 'on',
      RETRY_AFTER_SECONDS: '1',
      LOG_LEVEL: 'INFO',
      CACHE_ATTENDEE_TTL_MS: '10000',
      CACHE_MEETING_TTL_MS: '10000',
      CACHE_MAX_ENTRIES: '10000',
      CACHE_TABLE_NAME: { Ref: logicalId(template, 'AWS::DynamoDB::Table') },
      DYNAMODB_REQUEST_TIMEOUT_MS: '500',
      CACHE_SHARED_TTL_MS: '600000',
      CACHE_HOT_THRESHOLD: '1',
      CACHE_HOT_WINDOW_MS: '10000',
      CACHE_LEASE_MS: '5000',
      CACHE_LEASE_WAIT_MS: '2000',
      CACHE_LEASE_POLL_MS: '50',
      CACHE_SNAPSHOT_FRESHNESS_MS: '60000',
      CALLER_BUDGET_PER_MINUTE: '30',
      METRICS_NAMESPACE: 'ChimeAttendeeApi',
      NODE_OPTIONS: '--experimental-async-context-frame',
    });
    expect(env).not.toHaveProperty('DYNAMODB_ENDPOINT');
    expect(env).not.toHaveProperty('CORS_ALLOWED_ORIGINS');
    expect(Number(env.DEADLINE_MS)).toBeLessThan(
      (functionProps(template).Timeout as number) * 1000,
    );
    expect(env).not.toHaveProperty('CHIME_ENDPOINT');
    expect(env).not.toHaveProperty('JWT_ALLOW_HTTP_JWKS');
  });

  it('grants chime:GetAttendee, chime:GetMeeting and chime:ListAttendees on the account’s meetings in any region, and no other Chime action', () => {
    const role = (functionProps(template).Role as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ][0];
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com' },
          },
        ],
      },
      ManagedPolicyArns: Match.absent(),
      Policies: [
        {
          PolicyName: 'ChimeRead',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'ChimeMeetingReadsOnly',
                Effect: 'Allow',
                Action: ['chime:GetAttendee', 'chime:GetMeeting', 'chime:ListAttendees'],
                Resource: {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':chime:*:',
                      { Ref: 'AWS::AccountId' },
                      ':meeting/*',
                    ],
                  ],
                },
              },
            ],
          },
        },
      ],
    });
    expect(template.toJSON().Resources[role].Type).toBe('AWS::IAM::Role');

    const actions = iamActions(template);
    // The attendee role's, then the prefetch role's (lib/attendee-cache.ts).
    expect(actions.filter((action) => action.toLowerCase().startsWith('chime:'))).toEqual([
      'chime:GetAttendee',
      'chime:GetMeeting',
      'chime:ListAttendees',
      'chime:GetMeeting',
      'chime:ListAttendees',
    ]);
    expect(actions.some((action) => action.includes('*'))).toBe(false);
    // Elsewhere `chime:` only names the meeting events the two rules match.
    expect(
      JSON.stringify(template.toJSON())
        .match(/"chime:[A-Za-z*]+"/g)
        ?.sort(),
    ).toEqual(
      [
        '"chime:GetAttendee"',
        '"chime:GetMeeting"',
        '"chime:ListAttendees"',
        '"chime:GetMeeting"',
        '"chime:ListAttendees"',
        ...INVALIDATING_EVENT_TYPES.map((type) => `"${type}"`),
        ...PREFETCH_EVENT_TYPES.map((type) => `"${type}"`),
      ].sort(),
    );
  });

  it('lets the function write its own log group and use the cache table, nothing else, without AWSLambdaBasicExecutionRole', () => {
    const logs = functionLogGroup(template);
    const role = (functionProps(template).Role as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ][0];
    // Its own, the invalidation function's and the prefetch function's.
    template.resourceCountIs('AWS::IAM::Policy', 3);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [logs, 'Arn'] },
          },
          Match.objectLike({
            Sid: 'AttendeeTable',
            Resource: { 'Fn::GetAtt': [logicalId(template, 'AWS::DynamoDB::Table'), 'Arn'] },
          }),
          Match.objectLike({
            Sid: 'AttendeeTableKey',
            Resource: { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key'), 'Arn'] },
          }),
        ],
      },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('AWSLambdaBasicExecutionRole');
  });

  it('keeps every log group (function, access, invalidation, prefetch) for 30 days', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 4);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('throttles the $default stage (rate 50, burst 100) and writes JSON access logs to its own group', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [accessLogGroup(template), 'Arn'] },
        Format: Match.serializedJson({ ...ACCESS_LOG_FIELDS }),
      },
    });
  });

  it('logs who called and how it went, never a header or a claim', () => {
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0] as {
      Properties: { AccessLogSettings: { Format: string } };
    };
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      integrationStatus: '$context.integration.status',
      integrationLatency: '$context.integration.latency',
      responseLatency: '$context.responseLatency',
      authorizerError: '$context.authorizer.error',
      integrationErrorMessage: '$context.integrationErrorMessage',
      ip: '$context.identity.sourceIp',
    });
    for (const variable of Object.values(format)) {
      expect(variable).not.toMatch(
        /header|claims|authorizer\.(jwt|principal)|identity\.(user|caller)/i,
      );
    }
  });

  it('has no CORS configuration and warns at synth when no origin is allowed', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.absent(),
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('localhost');
    Annotations.fromStack(synthesized.stack).hasWarning(
      '/ChimeAttendeeApi',
      Match.stringLikeRegexp(NO_CORS_WARNING.slice(0, 40)),
    );
  });

  it('counts Chime credential failures from the function log and alarms on the first one', () => {
    const filter = metricFilter(template, 'UpstreamCredentialFailures');
    expect(filter).toEqual({
      LogGroupName: { Ref: functionLogGroup(template) },
      FilterPattern: '{ $.code = "upstream_credentials" }',
      MetricTransformations: [
        {
          MetricNamespace: 'ChimeAttendeeApi',
          MetricName: 'UpstreamCredentialFailures',
          MetricValue: '1',
        },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ChimeAttendeeApi',
      MetricName: 'UpstreamCredentialFailures',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms on a 5xx rate above 5 % of requests', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(requests >= 10, 100 * FILL(errors, 0) / requests, 0)' }),
        Match.objectLike({
          Id: 'errors',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ Namespace: 'AWS/ApiGateway', MetricName: '5xx' }),
            Stat: 'Sum',
          }),
        }),
        Match.objectLike({
          Id: 'requests',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ Namespace: 'AWS/ApiGateway', MetricName: 'Count' }),
          }),
        }),
      ]),
    });
  });

  it('alarms on Lambda throttles and on 429s counted from the access log', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.fn } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(metricFilter(template, 'TooManyRequests')).toEqual({
      LogGroupName: { Ref: accessLogGroup(template) },
      FilterPattern: '{ $.status = "429" }',
      MetricTransformations: [
        { MetricNamespace: 'ChimeAttendeeApi', MetricName: 'TooManyRequests', MetricValue: '1' },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ChimeAttendeeApi',
      MetricName: 'TooManyRequests',
      Threshold: 10,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
  });

  it('notifies nobody unless an alarm topic is configured', () => {
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: Match.absent(),
      OKActions: Match.absent(),
    });
  });

  it('outputs the API base URL, the issuer, the audience and the user pool', () => {
    template.hasOutput('ApiUrl', {
      Value: {
        'Fn::Join': [
          '',
          [
            'https://',
            { Ref: logicalId(template, 'AWS::ApiGatewayV2::Api') },
            '.execute-api.',
            { Ref: 'AWS::Region' },
            '.',
            { Ref: 'AWS::URLSuffix' },
            '/',
          ],
        ],
      },
    });
    template.hasOutput('Issuer', { Value: cognitoIssuer() });
    template.hasOutput('Audience', { Value: { Ref: ids.client } });
    template.hasOutput('UserPoolId', { Value: { Ref: ids.pool } });
  });
});

describe('the stack with an external OIDC issuer', () => {
  // Auth0's form: the trailing slash is part of `iss` and is kept everywhere.
  const ISSUER = 'https://login.example.com/';

  it.each([
    ['-c strings', synthExternalFromContext],
    ['cdk.json JSON', synthExternalFromCdkJson],
  ])(
    'verifies the given issuer and audiences and creates no user pool (from %s)',
    (_source, build) => {
      const { template } = build();
      template.resourceCountIs('AWS::Cognito::UserPool', 0);
      template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
      template.resourceCountIs('AWS::Cognito::UserPoolGroup', 0);
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Issuer: ISSUER, Audience: ['spa-client', 'mobile-client'] },
      });
      const env = environment(template);
      expect(env.JWT_ISSUER).toBe(ISSUER);
      expect(env.JWT_AUDIENCE).toBe('spa-client,mobile-client');
      template.hasOutput('Issuer', { Value: ISSUER });
      template.hasOutput('Audience', { Value: 'spa-client,mobile-client' });
      expect(template.toJSON().Outputs).not.toHaveProperty('UserPoolId');
    },
  );

  function synthExternalFromContext(): Synthesized {
    return synth({
      context: { identityIssuer: ISSUER, identityAudience: 'spa-client, mobile-client' },
    });
  }

  function synthExternalFromCdkJson(): Synthesized {
    return synth({
      context: { identityIssuer: ISSUER, identityAudience: ['spa-client', 'mobile-client'] },
    });
  }
});

describe('the stack configured through context', () => {
  let template: Template;

  beforeAll(() => {
    template = synth({
      context: {
        allowedOrigins: ['https://app.example.com', 'https://admin.example.com'],
        chimeRegion: 'eu-central-1',
        memorySize: '1024',
        timeoutSeconds: '20',
        reservedConcurrency: '25',
        joinTokenPolicy: 'never',
        identityClaim: 'email',
        ownerSeparator: '#',
        moderatorClaim: 'roles',
        moderatorGroup: 'hosts',
        logLevel: 'debug',
        logRetentionDays: '90',
        retryAfterSeconds: '5',
        throttleRateLimit: '10',
        throttleBurstLimit: '20',
        alarmTopicArn: TOPIC_ARN,
        alarm5xxRatePercent: '2',
        alarmThrottleCount: '3',
        alarm429Count: '50',
        alarmChimeThrottleCount: '40',
        alarmCacheErrorCount: '7',
      },
    }).template;
  });

  it('sizes the function from context, with the reserved concurrency asked for', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Timeout: 20,
      ReservedConcurrentExecutions: 25,
      LoggingConfig: Match.objectLike({ ApplicationLogLevel: 'DEBUG' }),
    });
  });

  it('passes the optional policy variables, and a deadline 2 s under the timeout', () => {
    expect(environment(template)).toMatchObject({
      CHIME_REGION: 'eu-central-1',
      DEADLINE_MS: '18000',
      JOIN_TOKEN_POLICY: 'never',
      RETRY_AFTER_SECONDS: '5',
      LOG_LEVEL: 'DEBUG',
      IDENTITY_CLAIM: 'email',
      OWNER_SEPARATOR: '#',
      MODERATOR_CLAIM: 'roles',
      MODERATOR_GROUP: 'hosts',
    });
  });

  it('names the Cognito group after the moderator group', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'hosts' });
  });

  it('calls Chime in the configured control region, with IAM on meetings of any region', () => {
    expect(environment(template).CHIME_REGION).toBe('eu-central-1');
    expect(JSON.stringify(template.toJSON())).toContain(':chime:*:');
    expect(JSON.stringify(template.toJSON())).not.toContain(':chime:eu-central-1:');
  });

  it('answers CORS preflights for the configured origins only: GET, Authorization, Retry-After exposed', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://app.example.com', 'https://admin.example.com'],
        AllowMethods: ['GET'],
        AllowHeaders: ['Authorization', 'Content-Type'],
        ExposeHeaders: Match.arrayWith(['Retry-After']),
        AllowCredentials: false,
        MaxAge: 600,
      },
    });
    const api = Object.values(template.findResources('AWS::ApiGatewayV2::Api'))[0] as {
      Properties: { CorsConfiguration: unknown };
    };
    expect(JSON.stringify(api.Properties.CorsConfiguration)).not.toContain('*');
  });

  it('applies the origins, retention and throttling from context', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://app.example.com', 'https://admin.example.com'],
      }),
    });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
  });

  it('sends every alarm and its recovery to the topic, with the configured thresholds', () => {
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [TOPIC_ARN],
      OKActions: [TOPIC_ARN],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.anyValue(),
      Threshold: 2,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Throttles',
      Threshold: 3,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'TooManyRequests',
      Threshold: 50,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ChimeThrottles',
      Threshold: 40,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'CacheErrors',
      Threshold: 7,
    });
  });
});

describe('a synth with a misspelled context key', () => {
  it('fails, naming the nearest known key', () => {
    expect(() => synth({ context: { allowedOrigin: 'https://app.example.com' } })).toThrow(
      'Unknown context key "allowedOrigin": did you mean "allowedOrigins"?',
    );
  });
});

describe('a synth with a wildcard origin', () => {
  it.each(['*', 'https://*.example.com', 'http://localhost:5173,*'])(
    'fails, naming allowedOrigins (%s)',
    (origins) => {
      expect(() => synth({ context: { allowedOrigins: origins } })).toThrow(
        /allowedOrigins.*wildcard/,
      );
    },
  );
});

function functionLogGroup(template: Template): string {
  const props = functionProps(template).LoggingConfig as { LogGroup: { Ref: string } };
  return props.LogGroup.Ref;
}

function accessLogGroup(template: Template): string {
  const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0] as {
    Properties: { AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [string, string] } } };
  };
  const groups = [stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0]];
  const other = groups.filter((id) => id !== functionLogGroup(template));
  expect(other).toHaveLength(1);
  return other[0] as string;
}

function metricFilter(template: Template, metricName: string): Record<string, unknown> {
  const filters = Object.values(template.findResources('AWS::Logs::MetricFilter')).filter(
    (resource) => JSON.stringify(resource).includes(`"MetricName":"${metricName}"`),
  );
  expect(filters).toHaveLength(1);
  return (filters[0] as { Properties: Record<string, unknown> }).Properties;
}

describe('the sam local variant (-c samLocal=true)', () => {
  it('declares the local-only variables (CHIME_ENDPOINT, JWT_ALLOW_HTTP_JWKS), inert, so env.json can set them', () => {
    const { template } = synth({ context: { samLocal: 'true' } });
    const env = environment(template);
    expect(env.CHIME_ENDPOINT).toBe('');
    expect(env.JWT_ALLOW_HTTP_JWKS).toBe('false');
  });
});

describe('`npx cdk synth` with no context and no credentials (the suite’s one CLI synth)', () => {
  const assembly = sharedAssembly();

  it('succeeds, printing the missing-CORS warning', () => {
    expect(assembly.output).toContain(NO_CORS_WARNING);
  });

  it('deploys no reserved concurrency and no paid Cognito tier', () => {
    expect(attendeeFunctionProps(assembly.template)).not.toHaveProperty(
      'ReservedConcurrentExecutions',
    );
    assembly.template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'LITE',
      UserPoolAddOns: Match.absent(),
    });
  });
});
