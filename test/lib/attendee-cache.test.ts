import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { METRIC_NAMES } from '../../lambda/attendee/cache/metrics';
import {
  type ChimeMeetingEvent,
  INVALIDATING_EVENT_TYPES,
  meetingEventInputOf,
} from '../../lambda/common/chime/chime-events';
import {
  ATTENDEE_SETTINGS,
  FUNCTION_SETTINGS,
  PREFETCH_SETTINGS,
} from '../../lambda/common/config/settings';
import { CACHE_TABLE_SCHEMA, MARKER_ATTRIBUTES } from '../../lambda/common/table/table-schema';
import { invalidationOf } from '../../lambda/invalidation/handler';
import { addedMeetingOf } from '../../lambda/prefetch/handler';
import { PREFETCH_QUEUE } from '../../lambda/prefetch/queue-settings';
import { AttendeeApiStack } from '../../lib/attendee-api-stack';
import { invalidationRegionWarning } from '../../lib/attendee-cache';
import { attendeeFunctionProps, CDK_JSON_CONTEXT, iamActions, logicalId, synth } from './support';

type Json = Record<string, unknown>;

const TABLE_ENV = FUNCTION_SETTINGS.cacheTableName.env;
const MEETING_ID = '0b8a3e3c-6a1f-4f36-9d3e-1c2b3a4d5e6f';
const ATTENDEE_ID = '9f1e2d3c-4b5a-4c6d-8e7f-0a1b2c3d4e5f';

const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const via = (service: string) => ({
  StringEquals: {
    'kms:ViaService': {
      'Fn::Join': ['', [`${service}.`, { Ref: 'AWS::Region' }, '.amazonaws.com']],
    },
  },
});
const viaDynamoDb = via('dynamodb');
const THIS_ACCOUNT = { Ref: 'AWS::AccountId' };

/** The only fields a rule may hand its target, spelled out: no ExternalUserId, no capabilities. */
const ALLOWED_INPUT_PATHS = {
  eventType: '$.detail.eventType',
  meetingId: '$.detail.meetingId',
  attendeeId: '$.detail.attendeeId',
  timestamp: '$.detail.timestamp',
  success: '$.detail.success',
};

/** What the attendee and prefetch roles may call on the table, spelled out: no GetItem, Scan or UpdateItem. */
const TABLE_USER_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
];

/** The input every rule target gets: ids quoted (an absent one arrives as ""), the rest bare. */
const INPUT_TEMPLATE =
  '{"eventType":<eventType>,"meetingId":"<meetingId>","attendeeId":"<attendeeId>","timestamp":<timestamp>,"success":"<success>"}';

/** The attributes the invalidation role may name, spelled out: no JoinToken, no ExternalUserId. */
const MARKER_ONLY = {
  'ForAllValues:StringEquals': {
    'dynamodb:Attributes': ['pk', 'sk', 'version', 'state', 'expiresAt', 'ttl'],
  },
};

/** A Chime meeting event as EventBridge matches it, with an ExternalUserId to keep out. */
const chimeEvent = (eventType: string, detail: Json = {}): ChimeMeetingEvent & Json => ({
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  source: 'aws.chime',
  'detail-type': 'Chime Meeting State Change',
  account: '123456789012',
  region: 'us-east-1',
  detail: {
    version: '0',
    eventType,
    timestamp: 1_767_261_600_000,
    meetingId: MEETING_ID,
    externalMeetingId: 'standup',
    mediaRegion: 'us-east-1',
    ...(eventType === 'chime:MeetingEnded'
      ? {}
      : { attendeeId: ATTENDEE_ID, externalUserId: 'alice@example.com' }),
    ...detail,
  },
});

type InputTransformer = { InputPathsMap: Record<string, string>; InputTemplate: string };

/**
 * What EventBridge hands a target for `event` through `transformer`, as its user guide describes
 * it: a variable whose path is absent "isn't created and won't appear in the output" (its
 * placeholder is left empty), a bare placeholder takes the value's JSON, a quoted one its text.
 */
function delivered(transformer: InputTransformer, event: ChimeMeetingEvent): string {
  return transformer.InputTemplate.replace(/("?)<([^>]+)>("?)/g, (_, open, name, close) => {
    const path = (transformer.InputPathsMap[name] as string).slice(2).split('.');
    const value = path.reduce<unknown>((at, key) => (at as Json | undefined)?.[key], event);
    if (open && close) return `"${value === undefined ? '' : String(value)}"`;
    return `${open}${value === undefined ? '' : JSON.stringify(value)}${close}`;
  });
}

/** The one target of a rule, with its input transformer. */
function targetOf(template: Template, rule: string): Json & { InputTransformer: InputTransformer } {
  const targets = (template.toJSON().Resources[rule] as { Properties: { Targets: Json[] } })
    .Properties.Targets;
  expect(targets).toHaveLength(1);
  return targets[0] as Json & { InputTransformer: InputTransformer };
}

/** Checks a rule target hands over the allowed fields only, whatever the event. */
function expectOnlyAllowedFields(target: Json & { InputTransformer: InputTransformer }): void {
  expect(target.Input).toBeUndefined();
  expect(target.InputPath).toBeUndefined();
  expect(target.InputTransformer).toEqual({
    InputPathsMap: ALLOWED_INPUT_PATHS,
    InputTemplate: INPUT_TEMPLATE,
  });
  const placeholders = [...target.InputTransformer.InputTemplate.matchAll(/<([^>]+)>/g)].map(
    (match) => match[1],
  );
  expect(placeholders.sort()).toEqual(Object.keys(ALLOWED_INPUT_PATHS).sort());
  expect(JSON.stringify(target).toLowerCase()).not.toContain('externaluserid');
  expect(JSON.stringify(target).toLowerCase()).not.toContain('capabilities');
}

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

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
function idLike(template: Template, type: string, prefix: string): string {
  const ids = resourcesOf(template, type)
    .map(([id]) => id)
    .filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

const invalidationFunctionId = (template: Template) =>
  idLike(template, 'AWS::Lambda::Function', 'CacheInvalidationFunction');

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
      queue: idLike(template, 'AWS::SQS::Queue', 'CacheInvalidationDeadLetters'),
      rule: idLike(template, 'AWS::Events::Rule', 'CacheMeetingEventsRule'),
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

  it('rotates the key, whose policy is CDK’s default (the account root, which lets IAM grant it) and EventBridge for this account’s dead letters', () => {
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
          {
            Sid: 'EventBridgeDeadLetters',
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': THIS_ACCOUNT } },
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
        Action: TABLE_USER_ACTIONS,
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
  });

  it('lets the invalidation role put markers, query keys and batch-delete, naming marker attributes only, and dead-letter; nothing else', () => {
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
        Sid: 'InvalidationMarkers',
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: getAtt(ids.table),
        Condition: { ...MARKER_ONLY, StringEquals: { 'dynamodb:ReturnValues': 'NONE' } },
      },
      {
        Sid: 'InvalidationPartitionKeys',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: getAtt(ids.table),
        Condition: { ...MARKER_ONLY, StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' } },
      },
      {
        Sid: 'InvalidationDeletes',
        Effect: 'Allow',
        Action: 'dynamodb:BatchWriteItem',
        Resource: getAtt(ids.table),
        Condition: MARKER_ONLY,
      },
      {
        Sid: 'InvalidationTableKey',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: getAtt(ids.key),
        Condition: viaDynamoDb,
      },
      {
        Sid: 'InvalidationDeadLettersKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: getAtt(ids.key),
        Condition: via('sqs'),
      },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(ids.queue) },
    ]);
    expect([...MARKER_ATTRIBUTES]).toEqual(
      MARKER_ONLY['ForAllValues:StringEquals']['dynamodb:Attributes'],
    );
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
      Description: Match.stringLikeRegexp('without reading them'),
    });
  });

  it('never lets the invalidation role read an item or write a record: every table action is conditioned, none reads', () => {
    const onTable = roleStatements(template, ids.invalidationRole).filter(
      (statement) => JSON.stringify(statement.Resource) === JSON.stringify(getAtt(ids.table)),
    );
    const actions = onTable.flatMap((statement) => [statement.Action].flat());
    for (const reading of [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:PartiQLSelect',
      'dynamodb:*',
    ]) {
      expect(actions).not.toContain(reading);
    }
    for (const statement of onTable) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.Condition).toMatchObject(MARKER_ONLY);
      const action = statement.Action as string;
      if (action === 'dynamodb:PutItem') {
        expect(statement.Condition).toHaveProperty('StringEquals', {
          'dynamodb:ReturnValues': 'NONE',
        });
      }
      if (action === 'dynamodb:Query') {
        expect(statement.Condition).toHaveProperty('StringEquals', {
          'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
        });
      }
    }
    expect(actions.sort()).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
  });

  it('grants the table and its key to the three roles only', () => {
    const grantees = resourcesOf(template, 'AWS::IAM::Policy')
      .filter(([, resource]) => JSON.stringify(resource).includes(ids.table))
      .map(([, resource]) => (resource.Properties as { Roles: unknown }).Roles);
    const prefetchRole = idLike(template, 'AWS::IAM::Role', 'CachePrefetchRole');
    expect(grantees).toEqual(
      expect.arrayContaining([
        [{ Ref: ids.attendeeRole }],
        [{ Ref: ids.invalidationRole }],
        [{ Ref: prefetchRole }],
      ]),
    );
    expect(grantees).toHaveLength(3);
    // Decrypt through DynamoDB for each role; the invalidation role's dead letters through SQS.
    expect(
      iamActions(template)
        .filter((action) => action.startsWith('kms:'))
        .sort(),
    ).toEqual(['kms:Decrypt', 'kms:Decrypt', 'kms:Decrypt', 'kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('tells the attendee function the table name and the metrics namespace by their contract names', () => {
    const env = (attendeeFunctionProps(template).Environment as { Variables: Json }).Variables;
    expect(env[TABLE_ENV]).toEqual({ Ref: ids.table });
    expect(env[FUNCTION_SETTINGS.metricsNamespace.env]).toBe('ChimeAttendeeApi');
    template.hasOutput('CacheTableName', { Value: { Ref: ids.table } });
  });

  it('matches this account’s aws.chime AttendeeDeleted, MeetingEnded and AttendeeCapabilitiesUpdated on the default bus, the events the handler acts on', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      State: 'ENABLED',
      EventPattern: Match.exact({
        source: ['aws.chime'],
        'detail-type': ['Chime Meeting State Change'],
        account: [THIS_ACCOUNT],
        detail: {
          eventType: [
            'chime:AttendeeDeleted',
            'chime:MeetingEnded',
            'chime:AttendeeCapabilitiesUpdated',
          ],
          timestamp: [{ exists: true }],
        },
      }),
    });
    for (const eventType of INVALIDATING_EVENT_TYPES) {
      const event = chimeEvent(eventType, { success: 1 });
      expect(invalidationOf(meetingEventInputOf(event)).kind).not.toBe('none');
    }
  });

  it('hands the invalidation function the allowed fields only, never the ExternalUserId or capabilities', () => {
    expectOnlyAllowedFields(targetOf(template, ids.rule));
  });

  it.each([
    ['chime:AttendeeDeleted', {}],
    ['chime:MeetingEnded', {}],
    ['chime:AttendeeCapabilitiesUpdated', { success: 1 }],
    ['chime:AttendeeCapabilitiesUpdated', { success: '1' }],
    ['chime:AttendeeCapabilitiesUpdated', { success: 0 }],
  ])(
    'delivers valid JSON for %s %j even where a path is absent, which the handler reads as the local stand-in’s',
    (eventType, detail) => {
      const event = chimeEvent(eventType, {
        ...detail,
        attendeeCapabilities: { audio: 'None', video: 'None', content: 'None' },
      });
      const body = delivered(targetOf(template, ids.rule).InputTransformer, event);
      const input = JSON.parse(body) as Json;
      expect(Object.keys(input).sort()).toEqual(Object.keys(ALLOWED_INPUT_PATHS).sort());
      expect(body).not.toContain('alice@example.com');
      expect(body).not.toContain('None');
      expect(input.timestamp).toBe(1_767_261_600_000);
      expect(invalidationOf(input)).toEqual(invalidationOf(meetingEventInputOf(event)));
    },
  );

  it('targets the invalidation function with retries and the encrypted, TLS-only dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Id: 'Target0',
          Arn: getAtt(ids.invalidation),
          RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: getAtt(ids.queue) },
          InputTransformer: Match.anyValue(),
        },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: getAtt(ids.invalidation),
      Principal: 'events.amazonaws.com',
      SourceArn: getAtt(ids.rule),
    });
    // A target's dead-letter queue gets the event as it matched, ExternalUserId included: the
    // queue is encrypted with the stack's key, not SQS's.
    expect((template.toJSON().Resources[ids.queue] as { Properties: Json }).Properties).toEqual({
      KmsMasterKeyId: getAtt(ids.key),
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
      // The table, and how long its markers stay: as long as the records they replace.
      Environment: {
        Variables: { [TABLE_ENV]: { Ref: ids.table }, CACHE_SHARED_TTL_MS: '600000' },
      },
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

describe('the prefetch path (default with the shared cache: -c prefetch=true)', () => {
  let template: Template;
  let ids: {
    table: string;
    key: string;
    queue: string;
    deadLetters: string;
    rule: string;
    fn: string;
    role: string;
  };
  const resource = (id: string) =>
    (template.toJSON().Resources[id] as { Properties: Json }).Properties;

  beforeAll(() => {
    template = synth().template;
    ids = {
      table: logicalId(template, 'AWS::DynamoDB::Table'),
      key: logicalId(template, 'AWS::KMS::Key'),
      queue: idLike(template, 'AWS::SQS::Queue', 'CachePrefetchQueue'),
      deadLetters: idLike(template, 'AWS::SQS::Queue', 'CachePrefetchDeadLetters'),
      rule: idLike(template, 'AWS::Events::Rule', 'CachePrefetchRule'),
      fn: idLike(template, 'AWS::Lambda::Function', 'CachePrefetchFunction'),
      role: idLike(template, 'AWS::IAM::Role', 'CachePrefetchRole'),
    };
  });

  it('sends this account’s aws.chime AttendeeAdded events on the default bus to its queue, the events the handler reads', () => {
    expect(resource(ids.rule)).toMatchObject({
      State: 'ENABLED',
      Targets: [
        {
          Arn: getAtt(ids.queue),
          RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: getAtt(ids.deadLetters) },
        },
      ],
    });
    expect(resource(ids.rule).EventPattern).toEqual({
      source: ['aws.chime'],
      'detail-type': ['Chime Meeting State Change'],
      account: [THIS_ACCOUNT],
      detail: { eventType: ['chime:AttendeeAdded'], timestamp: [{ exists: true }] },
    });
    expect(resource(ids.rule).EventBusName).toBeUndefined();
  });

  it('queues the allowed fields only, never the ExternalUserId, as the JSON the prefetch handler reads', () => {
    const target = targetOf(template, ids.rule);
    expectOnlyAllowedFields(target);
    const event = chimeEvent('chime:AttendeeAdded');
    const body = delivered(target.InputTransformer, event);
    expect(body).not.toContain('alice@example.com');
    expect(addedMeetingOf(body)).toEqual({ meetingId: MEETING_ID, timestamp: 1_767_261_600_000 });
    expect(addedMeetingOf(body)).toEqual(
      addedMeetingOf(JSON.stringify(meetingEventInputOf(event))),
    );
  });

  it('queues them encrypted, TLS only, for an hour, dead-lettered (under the stack’s key) after the contract’s receives; only the rule may send', () => {
    expect(resource(ids.queue)).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 3600,
      VisibilityTimeout: PREFETCH_QUEUE.visibilityTimeoutSeconds,
      RedrivePolicy: {
        deadLetterTargetArn: getAtt(ids.deadLetters),
        maxReceiveCount: PREFETCH_QUEUE.maxReceiveCount,
      },
    });
    // The rule's dead letters are whole events: encrypted with the stack's key.
    expect(resource(ids.deadLetters)).toEqual({
      KmsMasterKeyId: getAtt(ids.key),
      MessageRetentionPeriod: 4 * 24 * 3600,
    });
    const policy = resourcesOf(template, 'AWS::SQS::QueuePolicy')
      .map(([, r]) => r.Properties as Json)
      .find((props) => JSON.stringify(props.Queues) === JSON.stringify([{ Ref: ids.queue }]));
    expect(policy).toBeDefined();
    expect((policy as Json).PolicyDocument).toHaveProperty('Statement', [
      {
        Effect: 'Deny',
        Action: 'sqs:*',
        Principal: { AWS: '*' },
        Resource: getAtt(ids.queue),
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Principal: { Service: 'events.amazonaws.com' },
        Resource: getAtt(ids.queue),
        Condition: { ArnEquals: { 'aws:SourceArn': getAtt(ids.rule) } },
      }),
    ]);
  });

  it('hands them to the prefetch function in batches, two at a time at most, reporting failures per message', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: ids.fn },
      EventSourceArn: getAtt(ids.queue),
      BatchSize: PREFETCH_QUEUE.batchSize,
      MaximumBatchingWindowInSeconds: PREFETCH_QUEUE.maxBatchingWindowSeconds,
      ScalingConfig: { MaximumConcurrency: PREFETCH_QUEUE.maxConcurrency },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(resource(ids.fn)).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: PREFETCH_QUEUE.timeoutSeconds,
      Role: getAtt(ids.role),
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
    });
    // AWS: the queue's visibility timeout at least six times the function's timeout.
    expect(PREFETCH_QUEUE.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
      6 * PREFETCH_QUEUE.timeoutSeconds,
    );
  });

  it('gives the prefetch function exactly the settings it reads, and the attendee function none of its own', () => {
    const env = (resource(ids.fn).Environment as { Variables: Json }).Variables;
    expect(env[TABLE_ENV]).toEqual({ Ref: ids.table });
    const readable = new Set(Object.values(PREFETCH_SETTINGS).map((spec) => spec.env));
    for (const name of Object.keys(env)) expect(readable).toContain(name);
    expect(env[FUNCTION_SETTINGS.chimeRegion.env]).toBe('us-east-1');
    const attendeeEnv = (attendeeFunctionProps(template).Environment as { Variables: Json })
      .Variables;
    for (const [id, spec] of Object.entries(PREFETCH_SETTINGS)) {
      if (!(id in ATTENDEE_SETTINGS)) expect(attendeeEnv).not.toHaveProperty(spec.env);
    }
    const tuned = synth({ context: { cachePrefetchMinAdded: '50' } }).template;
    const tunedFn = idLike(tuned, 'AWS::Lambda::Function', 'CachePrefetchFunction');
    expect(
      (
        (tuned.toJSON().Resources[tunedFn] as { Properties: Json }).Properties.Environment as {
          Variables: Json;
        }
      ).Variables[FUNCTION_SETTINGS.cachePrefetchMinAdded.env],
    ).toBe('50');
  });

  it('lets the prefetch role list meetings, write the table through DynamoDB’s key, consume its queue and log, nothing else', () => {
    const role = resource(ids.role);
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.Policies).toEqual([
      {
        PolicyName: 'ChimeLists',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'ChimeMeetingListsOnly',
              Effect: 'Allow',
              Action: ['chime:GetMeeting', 'chime:ListAttendees'],
              Resource: expect.anything(),
            },
          ],
        },
      },
    ]);
    const statements = roleStatements(template, ids.role);
    expect(statements).toEqual([
      expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
      {
        Sid: 'PrefetchTable',
        Effect: 'Allow',
        Action: TABLE_USER_ACTIONS,
        Resource: getAtt(ids.table),
      },
      {
        Sid: 'PrefetchTableKey',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: getAtt(ids.key),
        Condition: viaDynamoDb,
      },
      {
        Effect: 'Allow',
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ],
        Resource: getAtt(ids.queue),
      },
    ]);
  });

  it('is left out with -c prefetch=false: no queue, mapping or function, and the invalidation path stays', () => {
    const without = synth({ context: { prefetch: 'false' } }).template;
    without.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    without.resourceCountIs('AWS::Lambda::Function', 2);
    without.resourceCountIs('AWS::Events::Rule', 1);
    without.resourceCountIs('AWS::SQS::Queue', 1);
    expect(iamActions(without).filter((action) => action.startsWith('sqs:Receive'))).toEqual([]);
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
      'AWS::Lambda::EventSourceMapping',
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
    const app = new App({
      context: {
        ...CDK_JSON_CONTEXT,
        'aws:cdk:bundling-stacks': [],
        chimeRegion,
        allowedOrigins: 'https://app.example.com',
      },
    });
    return new AttendeeApiStack(
      app,
      'ChimeAttendeeApi',
      region ? { env: { account: '123456789012', region } } : {},
    );
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

  it('pins both rules to the account of an environment-bound stack', () => {
    const template = Template.fromStack(stackIn('us-east-1', 'us-east-1'));
    const patterns = Object.values(template.findResources('AWS::Events::Rule')).map(
      (rule) => (rule as { Properties: { EventPattern: Json } }).Properties.EventPattern,
    );
    expect(patterns).toHaveLength(2);
    for (const pattern of patterns) expect(pattern.account).toEqual(['123456789012']);
  });

  it('does not warn in the control region, nor for an env-agnostic stack whose region is unknown', () => {
    for (const stack of [stackIn('us-east-1', 'us-east-1'), stackIn(undefined, 'us-west-2')]) {
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    }
  });
});
