import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { type AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type IRuleTarget, Rule, type RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import {
  type IRole,
  PolicyStatement,
  type PolicyStatementProps,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CHIME_EVENT_DETAIL_TYPE,
  CHIME_EVENT_SOURCE,
  INVALIDATING_EVENT_TYPES,
  MEETING_EVENT_INPUT_PATHS,
  PREFETCH_EVENT_TYPES,
} from '../lambda/common/chime/chime-events';
import {
  FUNCTION_SETTINGS,
  INVALIDATION_SETTINGS,
  PREFETCH_SETTINGS,
  type Settings,
} from '../lambda/common/config/settings';
import { CACHE_TABLE_SCHEMA, MARKER_ATTRIBUTES } from '../lambda/common/table/table-schema';
import { PREFETCH_QUEUE } from '../lambda/prefetch/queue-settings';
import { type FunctionProps, functionRole, nodeFunction } from './bundling';
import { acknowledge } from './nag';
import { type AttendeeApiSettings, functionEnvironment } from './settings';

/** The attendee and prefetch functions' table calls (lambda/common/table/shared-cache.ts). */
const TABLE_ACTIONS = ['BatchGetItem', 'BatchWriteItem', 'PutItem', 'Query'].map(
  (action) => `dynamodb:${action}`,
);

/**
 * The invalidation function's calls, each only as it makes it, so its role can neither read an
 * item (a JoinToken) nor write a record the API would serve: every attribute is a marker's, a
 * PutItem returns nothing (`ALL_OLD` would return a JoinToken), a Query asks for keys only.
 */
const markersOnly = (sid: string, action: string, only?: Record<string, string>) => ({
  sid,
  actions: [action],
  conditions: {
    'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...MARKER_ATTRIBUTES] },
    ...(only && { StringEquals: only }),
  },
});
const INVALIDATION_TABLE_GRANTS = [
  markersOnly('InvalidationMarkers', 'dynamodb:PutItem', { 'dynamodb:ReturnValues': 'NONE' }),
  markersOnly('InvalidationPartitionKeys', 'dynamodb:Query', {
    'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
  }),
  markersOnly('InvalidationDeletes', 'dynamodb:BatchWriteItem'),
];

/** What a producer to a queue under a customer-managed key needs on the key. */
const DEAD_LETTER_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];

/**
 * Both rules' input: these fields of the event only (no ExternalUserId). An absent path's
 * placeholder arrives empty, so only the fields both patterns require are bare (the timestamp
 * stays a number); the others are quoted, and the handlers refuse `""` for an id.
 */
const MEETING_EVENT_INPUT: RuleTargetInput = {
  bind: () => ({
    inputPathsMap: { ...MEETING_EVENT_INPUT_PATHS },
    inputTemplate: `{${Object.keys(MEETING_EVENT_INPUT_PATHS)
      .map((field) =>
        ['eventType', 'timestamp'].includes(field)
          ? `"${field}":<${field}>`
          : `"${field}":"<${field}>"`,
      )
      .join(',')}}`,
  }),
};

export const invalidationRegionWarning = (stackRegion: string, chimeRegion: string): string =>
  `The stack is in ${stackRegion} but chimeRegion is ${chimeRegion}: Chime publishes meeting events to EventBridge in the control region only, so the invalidation rule here receives none and a deleted attendee's record lives until its TTL (cacheSharedTtlMs). Deploy the stack in ${chimeRegion}, or forward aws.chime events from ${chimeRegion}'s default bus to this one.`;

export interface AttendeeCacheProps {
  readonly settings: AttendeeApiSettings;
  readonly attendeeRole: IRole;
}

/** The shared cache tier: the table, its key, the invalidation path and (unless `-c prefetch=false`) the prefetch path. */
export class AttendeeCache extends Construct {
  readonly table: Table;
  readonly deadLetterQueue: Queue;
  readonly invalidationFunction: NodejsFunction;
  private readonly key: Key;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: AttendeeCacheProps,
  ) {
    super(scope, id);
    // Dead-lettered events carry ExternalUserIds, so EventBridge may use the key, for this account only.
    this.key = new Key(this, 'TableKey', {
      description:
        'Encrypts the attendee cache table (JoinTokens of live attendees) and the dead-letter queues of its events (ExternalUserIds).',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EventBridgeDeadLetters',
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: DEAD_LETTER_KEY_ACTIONS,
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    const { partitionKey, sortKey, timeToLiveAttribute } = CACHE_TABLE_SCHEMA;
    this.table = new Table(this, 'Table', {
      billingMode: BillingMode.PAY_PER_REQUEST,
      partitionKey: { name: partitionKey.name, type: partitionKey.type as AttributeType },
      sortKey: { name: sortKey.name, type: sortKey.type as AttributeType },
      timeToLiveAttribute,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      // A restore, or a table kept past the stack, would only keep JoinTokens of deleted attendees.
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledge(this.table, {
      id: 'AwsSolutions-DDB3',
      reason:
        'A cache of Chime attendees and meetings: every item is rebuilt from Chime on a miss and expires within cacheSharedTtlMs. Point-in-time recovery would only restore records of attendees deleted since, and cost.',
    });
    const attendeeGrant = { sid: 'AttendeeTable', actions: TABLE_ACTIONS };
    this.grantTable(props.attendeeRole, [attendeeGrant], 'AttendeeTableKey');
    this.deadLetterQueue = this.deadLetters(
      'InvalidationDeadLetters',
      14,
      'This queue is itself the dead-letter queue: of the invalidation rule target and of the function’s asynchronous invocations. Its alarm pages on the first message; nothing consumes it automatically.',
    );
    this.invalidationFunction = this.invalidation();
    if (props.settings.prefetch) this.prefetch();
  }

  private deadLetters(id: string, days: number, reason: string): Queue {
    const queue = new Queue(this, id, {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(days),
    });
    acknowledge(queue, { id: 'AwsSolutions-SQS3', reason });
    return queue;
  }

  /** A cache function, its log group and its role: `grants` on the table, and the key of its dead-letter queue (Lambda writes it as the role). */
  private cacheFunction(
    title: 'Invalidation' | 'Prefetch',
    role: Omit<Parameters<typeof functionRole>[2], 'logs'>,
    grants: readonly PolicyStatementProps[],
    readBy: Settings,
    props: Pick<FunctionProps, 'description' | 'timeout' | 'onAsyncFailure'>,
  ): NodejsFunction {
    const logGroup = new LogGroup(this, `${title}Logs`, {
      retention: this.props.settings.logRetentionDays,
    });
    const fnRole = functionRole(this, `${title}Role`, { ...role, logs: logGroup });
    this.grantTable(fnRole, grants, `${title}TableKey`);
    if (props.onAsyncFailure) {
      this.grantKey(fnRole, `${title}DeadLettersKey`, DEAD_LETTER_KEY_ACTIONS, 'sqs');
    }
    return nodeFunction(this, `${title}Function`, {
      name: title.toLowerCase() as Lowercase<typeof title>,
      memorySize: 256,
      ...props,
      role: fnRole,
      logGroup,
      environment: {
        ...functionEnvironment(this.props.settings, readBy),
        [FUNCTION_SETTINGS.cacheTableName.env]: this.table.tableName,
      },
    });
  }

  /** The rule on this account's Chime meeting events of `eventTypes`. */
  private meetingRule(
    id: string,
    description: string,
    types: readonly string[],
    target: IRuleTarget,
  ) {
    new Rule(this, id, {
      description,
      eventPattern: {
        source: [CHIME_EVENT_SOURCE],
        detailType: [CHIME_EVENT_DETAIL_TYPE],
        // A bus policy letting other accounts in still reaches neither function nor queue.
        account: [Stack.of(this).account],
        detail: { eventType: [...types], timestamp: [{ exists: true }] },
      },
      targets: [target],
    });
  }

  private invalidation(): NodejsFunction {
    const fn = this.cacheFunction(
      'Invalidation',
      {
        description:
          'Writes its own log group, puts markers in and deletes records from the attendee cache table without reading them, dead-letters, nothing else.',
      },
      INVALIDATION_TABLE_GRANTS,
      INVALIDATION_SETTINGS,
      {
        description:
          'Marks attendee cache records deleted or stale on Chime AttendeeDeleted, MeetingEnded and AttendeeCapabilitiesUpdated events',
        // A MeetingEnded: one Query page and 11 BatchWriteItem calls of up to 3 attempts of 2 s.
        timeout: Duration.seconds(15),
        onAsyncFailure: {
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: this.deadLetterQueue,
        },
      },
    );
    const stackRegion = Stack.of(this).region;
    const { chimeRegion } = this.props.settings;
    if (!Token.isUnresolved(stackRegion) && stackRegion !== chimeRegion) {
      Annotations.of(this).addWarningV2(
        '@chime-bff/invalidation-region',
        invalidationRegionWarning(stackRegion, chimeRegion),
      );
    }
    this.meetingRule(
      'MeetingEventsRule',
      'Chime AttendeeDeleted, MeetingEnded, AttendeeCapabilitiesUpdated: mark the cached records',
      INVALIDATING_EVENT_TYPES,
      new LambdaFunction(fn, {
        event: MEETING_EVENT_INPUT,
        // Then kept: a lost event would leave a deleted attendee's record until its TTL.
        retryAttempts: 20,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: this.deadLetterQueue,
      }),
    );
    return fn;
  }

  /** `chime:AttendeeAdded` → a queue (its batching window gathers a meeting's additions) → the prefetch function. */
  private prefetch(): void {
    const deadLetterQueue = this.deadLetters(
      'PrefetchDeadLetters',
      4,
      'This queue is itself the dead-letter queue of the prefetch queue and rule. A message here only means a meeting was not listed ahead of its attendees: they are answered by the request path (GetAttendee or a hot-meeting snapshot).',
    );
    const queue = new Queue(this, 'PrefetchQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(PREFETCH_QUEUE.visibilityTimeoutSeconds),
      // An addition older than this is not worth listing ahead any more.
      retentionPeriod: Duration.hours(1),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: PREFETCH_QUEUE.maxReceiveCount },
    });
    const fn = this.cacheFunction(
      'Prefetch',
      {
        description:
          'Writes its own log group, lists Chime SDK meetings into the attendee cache table, consumes its queue, nothing else.',
        chime: {
          policyName: 'ChimeLists',
          sid: 'ChimeMeetingListsOnly',
          actions: ['chime:GetMeeting', 'chime:ListAttendees'],
          reason:
            'Only the two Chime reads of a snapshot, on meetings of this account; meeting IDs are created at run time, and a meeting ARN may name its media region rather than the control region.',
        },
      },
      [{ sid: 'PrefetchTable', actions: TABLE_ACTIONS }],
      PREFETCH_SETTINGS,
      {
        description:
          'Lists a meeting into the attendee cache table when Chime adds attendees to it (chime:AttendeeAdded)',
        timeout: Duration.seconds(PREFETCH_QUEUE.timeoutSeconds),
      },
    );
    fn.addEventSource(
      new SqsEventSource(queue, {
        batchSize: PREFETCH_QUEUE.batchSize,
        maxBatchingWindow: Duration.seconds(PREFETCH_QUEUE.maxBatchingWindowSeconds),
        maxConcurrency: PREFETCH_QUEUE.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    this.meetingRule(
      'PrefetchRule',
      'Chime AttendeeAdded: list the meeting into the cache before its attendees ask',
      PREFETCH_EVENT_TYPES,
      new SqsQueue(queue, {
        message: MEETING_EVENT_INPUT,
        retryAttempts: 20,
        maxEventAge: Duration.hours(1),
        deadLetterQueue,
      }),
    );
  }

  /** `grants` on the table, and its key through DynamoDB only (which decrypts the table key). */
  private grantTable(role: IRole, grants: readonly PolicyStatementProps[], keySid: string): void {
    const resources = [this.table.tableArn];
    for (const grant of grants) {
      role.addToPrincipalPolicy(new PolicyStatement({ ...grant, resources }));
    }
    this.grantKey(role, keySid, ['kms:Decrypt'], 'dynamodb');
  }

  private grantKey(role: IRole, sid: string, actions: string[], via: 'dynamodb' | 'sqs'): void {
    const viaService = `${via}.${Stack.of(this).region}.amazonaws.com`;
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid,
        actions,
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': viaService } },
      }),
    );
  }
}
