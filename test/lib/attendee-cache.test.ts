import { App } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { METRIC_NAMES } from '../../lambda/attendee/cache/metrics';
import { CACHE_TABLE_SCHEMA } from '../../lambda/attendee/cache/table-schema';
import { FUNCTION_SETTINGS } from '../../lambda/attendee/function-settings';
import { invalidationOf } from '../../lambda/invalidation/handler';
import { AttendeeApiStack } from '../../lib/attendee-api-stack';
import {
  ATTENDEE_TABLE_ACTIONS,
  CHIME_MEETING_EVENTS,
  INVALIDATION_TABLE_ACTIONS,
  invalidationRegionWarning,
} from '../../lib/attendee-cache';
import {
  attendeeFunctionId,
  attendeeFunctionProps,
  CDK_JSON_CONTEXT,
  iamActions,
  logicalId,
  PROJECT_ROOT,
  synth,
} from './support';

type Json = Record<string, unknown>;

const TABLE_ENV = FUNCTION_SETTINGS.cacheTableName.env;
const MEETING_ID = '0b8a3e3c-6a1f-4f36-9d3e-1c2b3a4d5e6f';
const ATTENDEE_ID = '9f1e2d3c-4b5a-4c6d-8e7f-0a1b2c3d4e5f';

const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const viaDynamoDb = {
  StringEquals: {
    'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
  },
};

function resourcesOf(template: Template, type: string): [string, Json][] {
  return Object.entries(template.findResources(type)) as [string, Json][];
}

/** The statements of the one policy attached to `role`. */
function roleStatements(template: Template, role: string): Json[] {
  const policies = resourcesOf(template, 'AWS::IAM::Policy')
    .map(([, resource]) => resource.Properties as Json)
    .filter((props) => JSON.stringify(props.Roles) === JSON.stringify([{ Ref: role }]));
  expect(policies).toHaveLength(1);
  const [policy] = policies as [Json];
  return (policy.PolicyDocument as { Statement: Json[] }).Statement;
}

function invalidationFunctionId(template: Template): string {
  const ids = resourcesOf(template, 'AWS::Lambda::Function')
    .map(([id]) => id)
    .filter((id) => id !== attendeeFunctionId(template));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

const roleOf = (props: Json) => (props.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

describe('the shared cache (default: -c sharedCache=true)', () => {
  let template: Template;
  let ids: {
    table: string;
    key: string;
    queue: string;
    rule: string;
    attendeeRole: string;
    invalidation: string;
    invalidationRole: string;
  };

  beforeAll(() => {
    template = synth().template;
    const invalidation = invalidationFunctionId(template);
    ids = {
      table: logicalId(template, 'AWS::DynamoDB::Table'),
      key: logicalId(template, 'AWS::KMS::Key'),
      queue: logicalId(template, 'AWS::SQS::Queue'),
      rule: logicalId(template, 'AWS::Events::Rule'),
      attendeeRole: roleOf(attendeeFunctionProps(template)),
      invalidation,
      invalidationRole: roleOf(
        (template.toJSON().Resources[invalidation] as { Properties: Json }).Properties,
      ),
    };
  });

  it('is one on-demand table keyed and expired exactly as table-schema.ts says, encrypted with its own key', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const { partitionKey, sortKey, timeToLiveAttribute } = CACHE_TABLE_SCHEMA;
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: partitionKey.name, KeyType: 'HASH' },
        { AttributeName: sortKey.name, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: partitionKey.name, AttributeType: partitionKey.type },
        { AttributeName: sortKey.name, AttributeType: sortKey.type },
      ],
      TimeToLiveSpecification: { AttributeName: timeToLiveAttribute, Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: getAtt(ids.key) },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
      GlobalSecondaryIndexes: Match.absent(),
      LocalSecondaryIndexes: Match.absent(),
      StreamSpecification: Match.absent(),
    });
  });

  it('deletes the table and schedules its key for deletion with the stack: nothing in them is the only copy', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  it('rotates the key, whose policy is CDK’s default: the account root, which lets IAM grant it, and nobody else', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      PendingWindowInDays: 7,
      KeyPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'kms:*',
            Resource: '*',
            Principal: {
              AWS: {
                'Fn::Join': [
                  '',
                  ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root'],
                ],
              },
            },
          },
        ],
      },
    });
  });

  it('lets the attendee role make exactly its table calls on the table, and decrypt through DynamoDB only', () => {
    const statements = roleStatements(template, ids.attendeeRole);
    expect(statements.slice(1)).toEqual([
      {
        Sid: 'AttendeeTable',
        Effect: 'Allow',
        Action: [...ATTENDEE_TABLE_ACTIONS],
        Resource: getAtt(ids.table),
      },
      {
        Sid: 'AttendeeTableKey',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: getAtt(ids.key),
        Condition: viaDynamoDb,
      },
    ]);
    expect([...ATTENDEE_TABLE_ACTIONS]).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
  });

  it('lets the invalidation role write its log group, delete from the table and dead-letter, nothing else', () => {
    const logs = (
      (template.toJSON().Resources[ids.invalidation] as { Properties: Json }).Properties
        .LoggingConfig as { LogGroup: { Ref: string } }
    ).LogGroup.Ref;
    expect(roleStatements(template, ids.invalidationRole)).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: getAtt(logs),
      },
      {
        Sid: 'InvalidationTable',
        Effect: 'Allow',
        Action: [...INVALIDATION_TABLE_ACTIONS],
        Resource: getAtt(ids.table),
      },
      {
        Sid: 'InvalidationTableKey',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: getAtt(ids.key),
        Condition: viaDynamoDb,
      },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(ids.queue) },
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: Match.absent(),
      Policies: Match.absent(),
      ManagedPolicyArns: Match.absent(),
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com' },
          },
        ],
        Version: '2012-10-17',
      },
      Description: Match.stringLikeRegexp('deletes records'),
    });
  });

  it('grants the table and its key to those two roles only', () => {
    const grantees = resourcesOf(template, 'AWS::IAM::Policy')
      .filter(([, resource]) => JSON.stringify(resource).includes(ids.table))
      .map(([, resource]) => (resource.Properties as { Roles: unknown }).Roles);
    expect(grantees).toEqual(
      expect.arrayContaining([[{ Ref: ids.attendeeRole }], [{ Ref: ids.invalidationRole }]]),
    );
    expect(grantees).toHaveLength(2);
    expect(iamActions(template).filter((action) => action.startsWith('kms:'))).toEqual([
      'kms:Decrypt',
      'kms:Decrypt',
    ]);
  });

  it('tells the attendee function the table name and the metrics namespace by their contract names', () => {
    const env = (attendeeFunctionProps(template).Environment as { Variables: Json }).Variables;
    expect(env[TABLE_ENV]).toEqual({ Ref: ids.table });
    expect(env[FUNCTION_SETTINGS.metricsNamespace.env]).toBe('ChimeAttendeeApi');
    template.hasOutput('CacheTableName', { Value: { Ref: ids.table } });
  });

  it('matches aws.chime AttendeeDeleted and MeetingEnded on the default bus, the events the handler acts on', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.chime'],
        'detail-type': ['Chime Meeting State Change'],
        detail: { eventType: ['chime:AttendeeDeleted', 'chime:MeetingEnded'] },
      },
    });
    for (const eventType of CHIME_MEETING_EVENTS.eventTypes) {
      const event = {
        source: CHIME_MEETING_EVENTS.source,
        'detail-type': CHIME_MEETING_EVENTS.detailType,
        detail: { eventType, meetingId: MEETING_ID, attendeeId: ATTENDEE_ID },
      };
      expect(invalidationOf(event).kind).not.toBe('none');
    }
  });

  it('targets the invalidation function with retries and the encrypted, TLS-only dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Id: 'Target0',
          Arn: getAtt(ids.invalidation),
          RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: getAtt(ids.queue) },
        },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: getAtt(ids.invalidation),
      Principal: 'events.amazonaws.com',
      SourceArn: getAtt(ids.rule),
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: ids.queue }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Action: 'sqs:*',
            Principal: { AWS: '*' },
            Resource: getAtt(ids.queue),
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': getAtt(ids.rule) } },
          }),
        ],
      },
    });
  });

  it('runs the invalidation function like the attendee one: nodejs22.x, arm64, ESM, 256 MB, 15 s, its own log group, failures dead-lettered', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 15,
      Role: getAtt(ids.invalidationRole),
      DeadLetterConfig: { TargetArn: getAtt(ids.queue) },
      Environment: { Variables: { [TABLE_ENV]: { Ref: ids.table } } },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.anyValue() } },
    });
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.invalidation },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
    });
  });

  it('alarms on sustained Chime throttling and on cache errors, from the request line’s dimensionless EMF metrics', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ChimeAttendeeApi',
      MetricName: METRIC_NAMES.throttles,
      Dimensions: Match.absent(),
      Statistic: 'Sum',
      Period: 300,
      Threshold: 20,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ChimeAttendeeApi',
      MetricName: METRIC_NAMES.cacheErrors,
      Dimensions: Match.absent(),
      Statistic: 'Sum',
      Period: 300,
      Threshold: 5,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms on the first invalidation error and the first dead-lettered event', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.invalidation } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.queue, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });
});

describe('the stack without the shared cache (-c sharedCache=false)', () => {
  let template: Template;

  beforeAll(() => {
    template = synth({ context: { sharedCache: 'false' } }).template;
  });

  it('has no table, key, rule, queue or invalidation function, and no table name to pass', () => {
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::KMS::Key',
      'AWS::Events::Rule',
      'AWS::SQS::Queue',
      'AWS::Lambda::EventInvokeConfig',
    ]) {
      template.resourceCountIs(type, 0);
    }
    template.resourceCountIs('AWS::Lambda::Function', 1);
    const env = (attendeeFunctionProps(template).Environment as { Variables: Json }).Variables;
    expect(env).not.toHaveProperty(TABLE_ENV);
    expect(env[FUNCTION_SETTINGS.metricsNamespace.env]).toBe('ChimeAttendeeApi');
    expect(template.toJSON().Outputs).not.toHaveProperty('CacheTableName');
  });

  it('grants no DynamoDB, KMS or ListAttendees action: the container cache needs none', () => {
    const actions = iamActions(template);
    expect(actions.filter((a) => /^(dynamodb|kms|sqs):/.test(a))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('chime:'))).toEqual([
      'chime:GetAttendee',
      'chime:GetMeeting',
    ]);
  });

  it('still alarms on Chime throttling, not on cache errors', () => {
    const metrics = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(
      ([, alarm]) => (alarm.Properties as Json).MetricName,
    );
    expect(metrics).toContain(METRIC_NAMES.throttles);
    expect(metrics).not.toContain(METRIC_NAMES.cacheErrors);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
  });
});

describe('the region the invalidation rule listens in', () => {
  function stackIn(region: string | undefined, chimeRegion: string) {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    return new AttendeeApiStack(app, 'ChimeAttendeeApi', {
      projectRoot: PROJECT_ROOT,
      ...(region ? { env: { account: '123456789012', region } } : {}),
      settings: { chimeRegion, allowedOrigins: 'https://app.example.com' },
    });
  }

  it('warns at synth when the stack’s known region is not the meetings’ control region', () => {
    const stack = stackIn('eu-west-1', 'us-east-1');
    Annotations.fromStack(stack).hasWarning(
      '/ChimeAttendeeApi/Cache',
      Match.stringLikeRegexp(
        invalidationRegionWarning('eu-west-1', 'us-east-1').slice(0, 60).replace(/[.()]/g, '.'),
      ),
    );
  });

  it('does not warn in the control region, nor for an env-agnostic stack whose region is unknown', () => {
    for (const stack of [stackIn('us-east-1', 'us-east-1'), stackIn(undefined, 'us-west-2')]) {
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    }
  });
});
