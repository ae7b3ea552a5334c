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
import { functionRole, nodeFunction } from './bundling';
import { acknowledge } from './nag';
import { type AttendeeApiSettings, functionEnvironment } from './settings';

/**
 * The table calls of the attendee and prefetch functions (lambda/common/table/shared-cache.ts):
 * reads (BatchGetItem), conditional writes of records, markers, leases and tombstones (PutItem),
 * and on a Chime NotFound `endMeeting` (Query keys, then BatchWriteItem deletes). Nothing else.
 */
const TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
];

/**
 * The invalidation function's calls (`tombstoneAttendee`, `markStale`, `endMeeting`), each allowed
 * only as it makes it, so its role can neither read an item (a JoinToken) nor write a record the
 * API would serve: every attribute a request names, writes, evaluates or returns (keys included)
 * is a marker's (table-schema.ts); a PutItem returns nothing (`ALL_OLD` would return the JoinToken
 * a marker replaces); a Query asks for keys only (left out, `Select` is ALL_ATTRIBUTES).
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

/** What a producer to a queue under a customer-managed key needs on the key (SQS asks for it). */
const DEAD_LETTER_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];

/**
 * Both rules' input: these fields of the event and nothing else (no ExternalUserId, no
 * capabilities). EventBridge leaves the placeholder of an absent path empty, so only the fields
 * both patterns require are bare (the timestamp stays a number); the others are quoted: an absent
 * one arrives as `""`, `success` as `"1"` or `"0"`, and the handlers take neither `""` for an id
 * nor anything but 1/"1" for success. Values go in unescaped: Chime ids, event types, numbers.
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

/** Shown at synth when the stack's region is known and differs from the meetings' control region. */
export const invalidationRegionWarning = (stackRegion: string, chimeRegion: string): string =>
  `The stack is in ${stackRegion} but chimeRegion is ${chimeRegion}: Chime publishes meeting events to EventBridge in the control region only, so the invalidation rule here receives none and a deleted attendee's record lives until its TTL (cacheSharedTtlMs). Deploy the stack in ${chimeRegion}, or forward aws.chime events from ${chimeRegion}'s default bus to this one.`;

export interface AttendeeCacheProps {
  readonly settings: AttendeeApiSettings;
  /** The attendee function's role: it reads and writes the table. */
  readonly attendeeRole: IRole;
  /** The meetings the prefetch function may list. */
  readonly meetingsArn: string;
}

/**
 * The shared cache tier: the table the attendee function's containers share, its key, what keeps
 * it honest (the `aws.chime` rule, the invalidation function, a dead-letter queue for the events
 * it could not apply) and, unless `-c prefetch=false`, the prefetch path.
 */
export class AttendeeCache extends Construct {
  readonly table: Table;
  readonly deadLetterQueue: Queue;
  readonly invalidationFunction: NodejsFunction;
  private readonly key: Key;
  private readonly props: AttendeeCacheProps;

  constructor(scope: Construct, id: string, props: AttendeeCacheProps) {
    super(scope, id);
    this.props = props;
    this.key = this.tableKey();
    this.table = this.cacheTable();
    const attendeeGrant = { sid: 'AttendeeTable', actions: TABLE_ACTIONS };
    this.grantTable(props.attendeeRole, [attendeeGrant], 'AttendeeTableKey');
    this.deadLetterQueue = this.deadLetters(
      'InvalidationDeadLetters',
      14,
      'This queue is itself the dead-letter queue: of the invalidation rule target and of the function’s ' +
        'asynchronous invocations. Its alarm pages on the first message; nothing consumes it automatically.',
    );
    this.invalidationFunction = this.invalidation();
    if (props.settings.prefetch) this.prefetch();
  }

  /**
   * CDK's default key policy (the account root, which lets IAM policies grant the key at all), and
   * EventBridge on this account's behalf only: a rule target's dead-letter queue gets the event as
   * it matched, ExternalUserIds included, so both queues are encrypted with this key.
   */
  private tableKey(): Key {
    const key = new Key(this, 'TableKey', {
      description:
        'Encrypts the attendee cache table (JoinTokens of live attendees) and the dead-letter queues of its events (ExternalUserIds).',
      enableKeyRotation: true,
      // It protects nothing but what goes with the stack; KMS still waits the pending window.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EventBridgeDeadLetters',
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: DEAD_LETTER_KEY_ACTIONS,
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    return key;
  }

  private cacheTable(): Table {
    const { partitionKey, sortKey, timeToLiveAttribute } = CACHE_TABLE_SCHEMA;
    const table = new Table(this, 'Table', {
      billingMode: BillingMode.PAY_PER_REQUEST,
      // table-schema.ts spells attribute types as DynamoDB does.
      partitionKey: { name: partitionKey.name, type: partitionKey.type as AttributeType },
      sortKey: { name: sortKey.name, type: sortKey.type as AttributeType },
      timeToLiveAttribute,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      // A cache of Chime: a restore, or a table kept past the stack, would only keep JoinTokens of
      // attendees deleted since, and after the API that guarded them is gone.
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledge(table, {
      id: 'AwsSolutions-DDB3',
      reason:
        'A cache of Chime attendees and meetings: every item is rebuilt from Chime on a miss and expires within ' +
        'cacheSharedTtlMs. Point-in-time recovery would only restore records of attendees deleted since, and cost.',
    });
    return table;
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

  private logs(id: string): LogGroup {
    return new LogGroup(this, id, { retention: this.props.settings.logRetentionDays });
  }

  /** A function's environment: its settings from the contract, and the table. */
  private environment(readBy: Settings): Record<string, string> {
    return {
      ...functionEnvironment(this.props.settings, readBy),
      [FUNCTION_SETTINGS.cacheTableName.env]: this.table.tableName,
    };
  }

  /** The rule matching this account's Chime meeting state changes of `eventTypes`. */
  private meetingRule(
    id: string,
    description: string,
    eventTypes: readonly string[],
    target: IRuleTarget,
  ) {
    new Rule(this, id, {
      description,
      eventPattern: {
        source: [CHIME_EVENT_SOURCE],
        detailType: [CHIME_EVENT_DETAIL_TYPE],
        // A bus policy letting other accounts in still reaches neither function nor queue.
        account: [Stack.of(this).account],
        detail: { eventType: [...eventTypes], timestamp: [{ exists: true }] },
      },
      targets: [target],
    });
  }

  /** The `aws.chime` rule and the invalidation function it invokes. */
  private invalidation(): NodejsFunction {
    const logs = this.logs('InvalidationLogs');
    const role = functionRole(this, 'InvalidationRole', {
      description:
        'Writes its own log group, puts markers in and deletes records from the attendee cache table without reading them, dead-letters, nothing else.',
      logs,
    });
    this.grantTable(role, INVALIDATION_TABLE_GRANTS, 'InvalidationTableKey');
    // Lambda sends the failed asynchronous invocations to the queue as the function's role.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'InvalidationDeadLettersKey',
        actions: DEAD_LETTER_KEY_ACTIONS,
        resources: [this.key.keyArn],
        conditions: this.via('sqs'),
      }),
    );
    const fn = nodeFunction(this, 'InvalidationFunction', {
      name: 'invalidation',
      description:
        'Marks attendee cache records deleted or stale on Chime AttendeeDeleted, MeetingEnded and AttendeeCapabilitiesUpdated events',
      // One event per invocation, a handful of DynamoDB calls: 256 MB keeps the SDK's cold start short.
      memorySize: 256,
      // A MeetingEnded deletes up to ~250 items: one Query page and 11 BatchWriteItem calls of
      // at most 3 attempts of 2 s each in the worst case.
      timeout: Duration.seconds(15),
      role,
      logGroup: logs,
      environment: this.environment(INVALIDATION_SETTINGS),
      // A handler error (DynamoDB down) is retried, then the event is kept rather than dropped.
      onAsyncFailure: {
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: this.deadLetterQueue,
      },
    });
    // Chime publishes meeting events to the control region's default bus only.
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
        // Failed deliveries are retried for 2 hours, then kept: a lost event would leave a
        // deleted attendee's record until its TTL.
        retryAttempts: 20,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: this.deadLetterQueue,
      }),
    );
    return fn;
  }

  /**
   * The prefetch path: a rule on `chime:AttendeeAdded` → a queue (its batching window gathers a
   * meeting's additions) → the prefetch function, at most two at a time, which lists each meeting
   * into the table before its attendees ask (lambda/prefetch/handler.ts).
   */
  private prefetch(): void {
    const deadLetterQueue = this.deadLetters(
      'PrefetchDeadLetters',
      4,
      'This queue is itself the dead-letter queue of the prefetch queue and rule. A message here only means a ' +
        'meeting was not listed ahead of its attendees: they are answered by the request path (GetAttendee or a hot-meeting snapshot).',
    );
    const queue = new Queue(this, 'PrefetchQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(PREFETCH_QUEUE.visibilityTimeoutSeconds),
      // An addition older than this is not worth listing ahead any more.
      retentionPeriod: Duration.hours(1),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: PREFETCH_QUEUE.maxReceiveCount },
    });
    const logs = this.logs('PrefetchLogs');
    const role = functionRole(this, 'PrefetchRole', {
      description:
        'Writes its own log group, lists Chime SDK meetings into the attendee cache table, consumes its queue, nothing else.',
      logs,
      chime: {
        policyName: 'ChimeLists',
        sid: 'ChimeMeetingListsOnly',
        actions: ['chime:GetMeeting', 'chime:ListAttendees'],
        meetingsArn: this.props.meetingsArn,
        reason:
          'Only the two Chime reads of a snapshot, on meetings of this account; meeting IDs are created at run time, ' +
          'and a meeting ARN may name its media region rather than the control region.',
      },
    });
    this.grantTable(role, [{ sid: 'PrefetchTable', actions: TABLE_ACTIONS }], 'PrefetchTableKey');
    const fn = nodeFunction(this, 'PrefetchFunction', {
      name: 'prefetch',
      description:
        'Lists a meeting into the attendee cache table when Chime adds attendees to it (chime:AttendeeAdded)',
      memorySize: 256,
      timeout: Duration.seconds(PREFETCH_QUEUE.timeoutSeconds),
      role,
      logGroup: logs,
      environment: this.environment(PREFETCH_SETTINGS),
    });
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

  /**
   * `grants` on the table (it has no index), and kms:Decrypt on its key through DynamoDB only:
   * DynamoDB itself generated the table key, and decrypts it on the caller's behalf.
   */
  private grantTable(role: IRole, grants: readonly PolicyStatementProps[], keySid: string): void {
    for (const grant of grants) {
      role.addToPrincipalPolicy(
        new PolicyStatement({ ...grant, resources: [this.table.tableArn] }),
      );
    }
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: keySid,
        actions: ['kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: this.via('dynamodb'),
      }),
    );
  }

  /** The key used only through `service`, on the caller's behalf. */
  private via(service: string) {
    return {
      StringEquals: { 'kms:ViaService': `${service}.${Stack.of(this).region}.amazonaws.com` },
    };
  }
}
