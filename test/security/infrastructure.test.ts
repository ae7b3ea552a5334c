/**
 * Matrix group I (and the rows of other groups that only the deployment can hold): assertions on
 * the synthesized CDK template of lib/attendee-api-stack.ts, composed as bin/app.ts composes it
 * (test/lib/support.ts), with cdk-nag's AWS Solutions rules.
 */
import { readFileSync } from 'node:fs';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { parse } from 'yaml';
import { API_ROUTES, type RouteId, routeKeyOf } from '../../lambda/attendee/routes/api-routes';
import { withDeadline } from '../../lambda/common/chime/call-scope';
import {
  CHIME_EVENT_DETAIL_TYPE,
  CHIME_EVENT_SOURCE,
  INVALIDATING_EVENT_TYPES,
} from '../../lambda/common/chime/chime-events';
import {
  BoundedRetryStrategy,
  RetryBudgetExceededError,
} from '../../lambda/common/chime/retry-strategy';
import { parseConfig } from '../../lambda/common/config/settings';
import {
  attendeeFunctionId,
  attendeeFunctionProps,
  nagSuppressions,
  type SharedAssembly,
  sharedAssembly,
} from '../lib/support';

type Json = Record<string, unknown>;

let assembly: SharedAssembly;
let template: Template;

beforeAll(() => {
  // `cdk synth` as a user runs it (test/global-setup.ts), cdk-nag plugin included.
  assembly = sharedAssembly();
  template = assembly.template;
});

const resources = (type: string) => Object.values(template.findResources(type)) as Json[];
const props = (resource: Json) => resource.Properties as Json;
/** The attendee function (the other one is the cache's invalidation function). */
const onlyFunction = () => attendeeFunctionProps(template);
const stageProps = () => {
  const stages = resources('AWS::ApiGatewayV2::Stage');
  expect(stages).toHaveLength(1);
  return props(stages[0] as Json);
};
const accessLogFormat = () =>
  JSON.parse((stageProps().AccessLogSettings as { Format: string }).Format) as Record<
    string,
    string
  >;
const environment = () =>
  (onlyFunction().Environment as { Variables: Record<string, unknown> }).Variables;

/** Every statement of every IAM policy in the template, roles' inline policies included. */
function statements(): Json[] {
  const documents: Json[] = [];
  for (const resource of resources('AWS::IAM::Policy'))
    documents.push(props(resource).PolicyDocument as Json);
  for (const role of resources('AWS::IAM::Role')) {
    for (const policy of (props(role).Policies ?? []) as Json[])
      documents.push(policy.PolicyDocument as Json);
  }
  return documents.flatMap((document) => document.Statement as Json[]);
}

describe('cdk-nag and authorization', () => {
  it('[I1] leaves no unacknowledged AwsSolutions finding, and every acknowledgement has a reason', () => {
    // bin/app.ts installs cdk-nag as a validation plugin: an unacknowledged finding fails
    // `cdk synth` itself (the global setup would have thrown), naming the rule.
    expect(assembly.output).not.toMatch(/AwsSolutions-[A-Z]+\d+/);
    for (const { id, reason } of nagSuppressions(template)) {
      expect({ id, reasonLength: reason.length > 40 }).toEqual({ id, reasonLength: true });
    }
  });

  it('[I3] puts the JWT authorizer on every route, declares no OPTIONS route and no catch-all', () => {
    const routes = resources('AWS::ApiGatewayV2::Route').map(props);
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      expect(route).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: expect.anything() });
      expect(route.RouteKey).toMatch(/^GET \//);
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: Match.anyValue(), Issuer: Match.anyValue() },
    });
  });

  it('[A10][I3] has no $default or {proxy+} route that could answer arbitrary paths', () => {
    for (const route of resources('AWS::ApiGatewayV2::Route').map(props)) {
      expect(route.RouteKey).not.toMatch(/\$default|\{proxy\+\}|^ANY |^OPTIONS /);
    }
  });
});

describe('the stage', () => {
  it('[I2][G6] writes JSON access logs to its own log group', () => {
    const settings = stageProps().AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    expect(() => JSON.parse(settings.Format)).not.toThrow();
  });

  it('[G6] logs request id, status, integration and authorizer errors, and no header, claim or path', () => {
    const format = accessLogFormat();
    expect(Object.values(format)).toEqual(
      expect.arrayContaining([
        '$context.requestId',
        '$context.status',
        '$context.integrationErrorMessage',
        '$context.authorizer.error',
      ]),
    );
    for (const variable of Object.values(format)) {
      expect(variable).not.toMatch(
        /header|claims|authorizer\.(jwt|principal)|identity\.(user|caller)|path|querystring/i,
      );
    }
  });

  it('[I4] throttles the $default stage with both a rate and a burst limit', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: {
        ThrottlingRateLimit: Match.anyValue(),
        ThrottlingBurstLimit: Match.anyValue(),
      },
    });
    const limits = stageProps().DefaultRouteSettings as {
      ThrottlingRateLimit: number;
      ThrottlingBurstLimit: number;
    };
    expect(limits.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(limits.ThrottlingBurstLimit).toBeGreaterThanOrEqual(limits.ThrottlingRateLimit);
  });

  it('[I10] has a single stage, and deploys exactly the routes the function serves and openapi.yaml documents', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    const deployed = resources('AWS::ApiGatewayV2::Route')
      .map((r) => props(r).RouteKey)
      .sort();
    expect(deployed).toEqual((Object.keys(API_ROUTES) as RouteId[]).map(routeKeyOf).sort());
    const documented = Object.keys(
      (parse(readFileSync('openapi.yaml', 'utf8')) as { paths: Json }).paths,
    );
    expect(documented.map((path) => `GET ${path}`).sort()).toEqual(deployed);
  });
});

describe('the function and its role', () => {
  it('[I5] uses no AWS managed policy, AWSLambdaBasicExecutionRole included', () => {
    for (const role of resources('AWS::IAM::Role')) {
      expect(props(role).ManagedPolicyArns).toBeUndefined();
    }
    expect(JSON.stringify(template.toJSON())).not.toContain('AWSLambdaBasicExecutionRole');
  });

  it('[I6] grants only the Chime reads the function makes, on meeting ARNs of this account (any region), and no wildcard action or resource', () => {
    const all = statements();
    const chime = all.filter((s) => JSON.stringify(s.Action).includes('chime:'));
    expect(chime.map((s) => s.Sid)).toEqual(['ChimeMeetingReadsOnly', 'ChimeMeetingListsOnly']);
    // GetAttendee and GetMeeting for the routes, ListAttendees for a hot meeting's snapshot.
    expect([chime[0]?.Action].flat().sort()).toEqual([
      'chime:GetAttendee',
      'chime:GetMeeting',
      'chime:ListAttendees',
    ]);
    // The prefetch function's snapshot: no GetAttendee.
    expect([chime[1]?.Action].flat().sort()).toEqual(['chime:GetMeeting', 'chime:ListAttendees']);
    for (const statement of chime) {
      expect(JSON.stringify(statement.Resource)).toMatch(
        /:chime:\*:.*AWS::AccountId.*:meeting\/\*/,
      );
    }
    for (const statement of all) {
      expect([statement.Action].flat().some((a) => String(a).includes('*'))).toBe(false);
      expect(statement.Resource).not.toBe('*');
      expect(statement.Effect).toBe('Allow');
    }
    const iam5 = nagSuppressions(template).filter((s) => s.id.startsWith('AwsSolutions-IAM5'));
    // The attendee role's and the prefetch role's Chime grants, the same pattern.
    expect(iam5.map((s) => s.id)).toEqual([
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:chime:*:<AWS::AccountId>:meeting/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:chime:*:<AWS::AccountId>:meeting/*]',
    ]);
  });

  it('[I7] runs on a Node.js 22 runtime pinned with its toolchain, with no helper Lambda for log retention', () => {
    expect(onlyFunction().Runtime).toBe('nodejs22.x');
    expect(nagSuppressions(template).map((s) => s.id)).toContain('AwsSolutions-L1');
    expect(Object.keys(template.findResources('Custom::LogRetention'))).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/LogRetention[A-Za-z0-9]*Handler/);
  });

  it('[I8] sizes the function explicitly: memory, timeout, log retention, and no reserved concurrency a new account cannot give', () => {
    const fn = onlyFunction();
    expect(fn.MemorySize).toBe(512);
    expect(fn.Timeout).toBe(10);
    expect(fn.ReservedConcurrentExecutions).toBeUndefined();
    expect(fn.LoggingConfig).toMatchObject({
      LogFormat: 'JSON',
      LogGroup: { Ref: expect.any(String) },
    });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('[I9] is invoked synchronously by API Gateway only; the invalidation function by the aws.chime rule only; the prefetch function by its queue only', () => {
    // The one event source is the prefetch queue's, for the prefetch function.
    const mappings = resources('AWS::Lambda::EventSourceMapping').map(props);
    expect(mappings).toEqual([
      expect.objectContaining({
        FunctionName: { Ref: expect.stringMatching(/^CachePrefetchFunction/) },
        EventSourceArn: { 'Fn::GetAtt': [expect.stringMatching(/^CachePrefetchQueue/), 'Arn'] },
      }),
    ]);
    template.resourceCountIs('AWS::Lambda::Url', 0);
    const fn = { 'Fn::GetAtt': [attendeeFunctionId(template), 'Arn'] };
    const permissions = resources('AWS::Lambda::Permission').map(props);
    const own = permissions.filter((p) => JSON.stringify(p.FunctionName) === JSON.stringify(fn));
    expect(own.length).toBeGreaterThan(0);
    for (const permission of own) {
      expect(permission).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        SourceArn: expect.anything(),
      });
    }
    // The one asynchronous invoke configuration is the invalidation function's.
    const asyncConfigs = resources('AWS::Lambda::EventInvokeConfig').map(props);
    expect(asyncConfigs.map((c) => c.FunctionName)).toEqual([
      { Ref: expect.not.stringMatching(/^AttendeeFunction/) },
    ]);
    const others = permissions.filter((p) => !own.includes(p));
    const rules = Object.entries(template.findResources('AWS::Events::Rule'))
      .filter(([id]) => id.startsWith('CacheMeetingEventsRule'))
      .map(([, rule]) => rule as Json);
    expect(rules).toHaveLength(1);
    expect(others).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
      }),
    ]);
    // This account's Chime events only, and only those that say when they happened.
    expect(props(rules[0] as Json).EventPattern).toEqual({
      source: [CHIME_EVENT_SOURCE],
      'detail-type': [CHIME_EVENT_DETAIL_TYPE],
      account: [{ Ref: 'AWS::AccountId' }],
      detail: {
        eventType: [...INVALIDATING_EVENT_TYPES],
        timestamp: [{ exists: true }],
      },
    });
  });

  it('[I6] keeps the cached JoinTokens in a table encrypted with a rotated customer-managed key, read only by the three functions', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const table = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0] as string;
    const onTable = statements().filter((s) => JSON.stringify(s.Resource).includes(table));
    expect(onTable.map((s) => s.Sid).sort()).toEqual([
      'AttendeeTable',
      'InvalidationDeletes',
      'InvalidationMarkers',
      'InvalidationPartitionKeys',
      'PrefetchTable',
    ]);
    for (const statement of onTable) {
      expect(statement.Resource).toEqual({ 'Fn::GetAtt': [table, 'Arn'] });
      for (const action of [statement.Action].flat()) {
        expect(String(action)).toMatch(/^dynamodb:(BatchGetItem|BatchWriteItem|PutItem|Query)$/);
      }
    }
    // Decrypt through DynamoDB for the three roles; the invalidation role also writes its
    // failed invocations to the key-encrypted dead-letter queue, through SQS only.
    const kms = statements().filter((s) => JSON.stringify(s.Action).includes('kms:'));
    expect(kms.map((s) => s.Sid).sort()).toEqual([
      'AttendeeTableKey',
      'InvalidationDeadLettersKey',
      'InvalidationTableKey',
      'PrefetchTableKey',
    ]);
    for (const statement of kms) {
      const viaSqs = statement.Sid === 'InvalidationDeadLettersKey';
      expect(statement.Action).toEqual(
        viaSqs ? ['kms:Decrypt', 'kms:GenerateDataKey'] : 'kms:Decrypt',
      );
      expect(JSON.stringify(statement.Condition)).toContain(viaSqs ? '"sqs."' : '"dynamodb."');
      expect(Object.keys(statement.Condition as object)).toEqual(['StringEquals']);
    }
  });

  it('[G2] deploys no event logging: POWERTOOLS_LOGGER_LOG_EVENT unset, no debug level', () => {
    const variables = environment();
    expect(variables).not.toHaveProperty('POWERTOOLS_LOGGER_LOG_EVENT');
    expect(variables).not.toHaveProperty('AWS_LAMBDA_LOG_LEVEL');
    expect(variables.LOG_LEVEL).not.toBe('DEBUG');
  });
});

describe('the time budget', () => {
  /** The function's configuration as deployed (settings from the template, defaults otherwise). */
  function deployedConfig() {
    const variables = environment();
    const numeric = Object.fromEntries(
      Object.entries(variables).filter(
        ([, value]) => typeof value === 'string' && /^\d+$/.test(value),
      ),
    ) as Record<string, string>;
    return parseConfig({
      CHIME_REGION: String(variables.CHIME_REGION),
      JWT_ISSUER: 'https://issuer.example.com',
      JWT_AUDIENCE: 'audience',
      ...numeric,
    });
  }

  it('[E7] keeps the deadline under the Lambda timeout, and the timeout under the 30 s gateway cap', () => {
    const timeoutMs = (onlyFunction().Timeout as number) * 1000;
    const config = deployedConfig();
    expect(config.deadlineMs).toBeLessThanOrEqual(timeoutMs - 1000);
    expect(timeoutMs).toBeLessThan(30_000);
    expect(config.chimeRequestTimeoutMs).toBeLessThanOrEqual(config.deadlineMs);
    expect(() =>
      parseConfig({
        CHIME_REGION: 'us-east-1',
        JWT_ISSUER: 'https://issuer.example.com',
        JWT_AUDIENCE: 'a',
        DEADLINE_MS: '1000',
        CHIME_REQUEST_TIMEOUT_MS: '1500',
      }),
    ).toThrow('CHIME_REQUEST_TIMEOUT_MS');
  });

  it('[E7] never starts a retry that cannot finish before the deadline, whatever the backoff', async () => {
    const { deadlineMs, ...chime } = deployedConfig();
    const strategy = new BoundedRetryStrategy(
      chime.chimeMaxAttempts,
      chime.chimeMaxRetryAfterMs,
      chime.chimeRequestTimeoutMs,
    );
    const throttled = { errorType: 'THROTTLING' as const };
    const token = await strategy.acquireInitialRetryToken('chime');
    // Less than one backoff plus one whole attempt left: the retry is refused, the last error
    // (503 + Retry-After) goes back instead of a 504 at the deadline.
    await expect(
      withDeadline(Date.now() + chime.chimeRequestTimeoutMs + 500, () =>
        strategy.refreshRetryTokenForRetry(token as never, throttled),
      ),
    ).rejects.toBeInstanceOf(RetryBudgetExceededError);
    // With the whole budget ahead, the same retry is allowed.
    await expect(
      withDeadline(Date.now() + deadlineMs, () =>
        strategy.refreshRetryTokenForRetry(token as never, throttled),
      ),
    ).resolves.toBeDefined();
  });
});
