import * as path from 'node:path';
import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import {
  type EventPattern,
  Rule,
  RuleTargetInput,
  type RuleTargetInputProperties,
} from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import {
  type IRole,
  PolicyDocument,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CACHE_TABLE_SCHEMA, MARKER_ATTRIBUTES } from '../lambda/attendee/cache/table-schema';
import {
  CHIME_EVENT_DETAIL_TYPE,
  CHIME_EVENT_SOURCE,
  INVALIDATING_EVENT_TYPES,
  MEETING_EVENT_INPUT_PATHS,
  PREFETCH_EVENT_TYPES,
} from '../lambda/common/chime-events';
import { FUNCTION_SETTINGS } from '../lambda/common/config/settings';
import { PREFETCH_QUEUE } from '../lambda/prefetch/queue-settings';
import {
  FUNCTION_BUNDLING,
  INVALIDATION_ENTRY,
  INVALIDATION_HANDLER,
  PREFETCH_ENTRY,
  PREFETCH_HANDLER,
} from './bundling';
import { acknowledge, PINNED_RUNTIME } from './nag';

/**
 * The DynamoDB calls each function makes on the table (lambda/attendee/cache/shared-cache.ts),
 * nothing else: no GetItem, UpdateItem, DeleteItem, Scan or DescribeTable.
 * - attendee function: `read` (BatchGetItem); the conditional record writes, `markSnapshot`,
 *   the lease and the tombstones (PutItem); `endMeeting` on a Chime NotFound (Query keys, then
 *   BatchWriteItem deletes).
 * - invalidation function: PutItem, Query and BatchWriteItem, each under conditions
 *   (INVALIDATION_TABLE_GRANTS below).
 */
export const ATTENDEE_TABLE_ACTIONS = Object.freeze([
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
]);
/**
 * - prefetch function: the snapshot's `read` of the marker (BatchGetItem), its lease, records and
 *   marker (PutItem) and, on a NotFound, `endMeeting` (Query + BatchWriteItem).
 */
export const PREFETCH_TABLE_ACTIONS = Object.freeze([
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
]);
/** What the prefetch function calls on Chime: the snapshot's reads. */
export const PREFETCH_CHIME_ACTIONS = Object.freeze(['chime:GetMeeting', 'chime:ListAttendees']);

/** A statement of a role's table grant: its actions, and the conditions they are allowed under. */
export interface TableGrant {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/**
 * Every attribute a request names, writes, evaluates in a condition or returns is a marker's
 * (table-schema.ts MARKER_ATTRIBUTES: the key, version, state, expiry): the DynamoDB Developer
 * Guide, "Using IAM policy conditions for fine-grained access control", defines
 * `dynamodb:Attributes` as the attribute names in a request or returned from it, read, written
 * or evaluated in a conditional write; the key attributes must be among them.
 */
const MARKER_ATTRIBUTES_ONLY = {
  'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...MARKER_ATTRIBUTES] },
} as const;

/**
 * The invalidation function's calls on the table (lambda/invalidation/handler.ts through
 * shared-cache.ts `tombstoneAttendee`, `markStale`, `endMeeting`), each allowed only as it makes
 * them, so its role can neither read an item's data (a JoinToken) nor write a record the API
 * would serve:
 * - PutItem: a tombstone (deleted attendee, ended meeting's META) or a stale marker (capabilities
 *   updated), marker attributes only, returning nothing (`ALL_OLD` would return the JoinToken the
 *   marker replaces). The guide: `ReturnValues` "always has a value (NONE unless otherwise
 *   specified)", so StringEquals holds for a request that leaves it out. (No key names
 *   `ReturnValuesOnConditionCheckFailure`; the handler never sets it.)
 * - Query: the ended meeting's partition, keys only. `Select` always has a value too
 *   (ALL_ATTRIBUTES unless specified), so the request must ask for SPECIFIC_ATTRIBUTES itself.
 * - BatchWriteItem: DeleteRequests of the partition's other items (by key).
 * Condition keys per action (Service Authorization Reference, "Actions, resources, and condition
 * keys for Amazon DynamoDB"): PutItem (like DeleteItem) takes `dynamodb:Attributes` and
 * `dynamodb:ReturnValues`; Query `dynamodb:Attributes` and `dynamodb:Select`; BatchWriteItem
 * `dynamodb:Attributes` only, so its requests are bounded by the attributes they name (keys, for
 * deletes). No GetItem, BatchGetItem, UpdateItem, DeleteItem or Scan.
 */
export const INVALIDATION_TABLE_GRANTS: readonly TableGrant[] = Object.freeze([
  {
    sid: 'InvalidationMarkers',
    actions: ['dynamodb:PutItem'],
    conditions: { ...MARKER_ATTRIBUTES_ONLY, StringEquals: { 'dynamodb:ReturnValues': 'NONE' } },
  },
  {
    sid: 'InvalidationPartitionKeys',
    actions: ['dynamodb:Query'],
    conditions: {
      ...MARKER_ATTRIBUTES_ONLY,
      StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
    },
  },
  {
    sid: 'InvalidationDeletes',
    actions: ['dynamodb:BatchWriteItem'],
    conditions: MARKER_ATTRIBUTES_ONLY,
  },
]);
/** The actions of {@link INVALIDATION_TABLE_GRANTS}. */
export const INVALIDATION_TABLE_ACTIONS = Object.freeze(
  INVALIDATION_TABLE_GRANTS.flatMap((grant) => grant.actions),
);
/**
 * What a table user needs on the customer-managed key: DynamoDB decrypts the table key with it
 * on the caller's behalf when a connection first uses the table (and every 5 minutes after), and
 * only DynamoDB may ask (kms:ViaService). The table key itself is generated once, by DynamoDB, at
 * CreateTable (AWS KMS Developer Guide, "How Amazon DynamoDB uses AWS KMS": table keys, table key
 * caching), so no user needs kms:GenerateDataKey or kms:Encrypt.
 */
const TABLE_KEY_ACTIONS = Object.freeze(['kms:Decrypt']);

/**
 * The meeting events that make records stale (Amazon Chime SDK Developer Guide, "Using
 * EventBridge": meeting events arrive as `aws.chime` / `Chime Meeting State Change` with the
 * event in `detail.eventType`). lambda/invalidation/handler.ts handles exactly these.
 */
export const CHIME_MEETING_EVENTS = Object.freeze({
  source: CHIME_EVENT_SOURCE,
  detailType: CHIME_EVENT_DETAIL_TYPE,
  eventTypes: INVALIDATING_EVENT_TYPES,
});

/** The meeting events that announce attendees: the prefetch rule sends these to its queue. */
export const CHIME_PREFETCH_EVENTS = Object.freeze({
  source: CHIME_EVENT_SOURCE,
  detailType: CHIME_EVENT_DETAIL_TYPE,
  eventTypes: PREFETCH_EVENT_TYPES,
});

/**
 * What a producer of a queue encrypted with a customer-managed key needs on the key: SQS asks KMS
 * for a data key, and checks it, on the producer's behalf (Amazon SQS Developer Guide, "Key
 * management": a producer needs kms:GenerateDataKey and kms:Decrypt; an AWS service that sends to
 * the queue needs them in the key policy).
 */
export const DEAD_LETTER_KEY_ACTIONS = Object.freeze(['kms:Decrypt', 'kms:GenerateDataKey']);

/**
 * The detail fields both rules' patterns require: `eventType` by value, `timestamp` by `exists`
 * (every meeting event carries one: Amazon Chime SDK Developer Guide, "Understanding Amazon Chime
 * SDK meeting lifecycle events"). Only their placeholders are bare in the input template.
 */
const REQUIRED_INPUT_FIELDS: ReadonlySet<string> = new Set(['eventType', 'timestamp']);

/**
 * Both rules' input transformer, built from MEETING_EVENT_INPUT_PATHS: a target gets these fields
 * of the event and nothing else (no ExternalUserId, no capabilities).
 *
 * EventBridge User Guide, "Amazon EventBridge input transformation", common issues: "If you
 * specify a variable to match a JSON path that doesn't exist in the event, that variable isn't
 * created and won't appear in the output." The placeholder is left empty, so a bare `<attendeeId>`
 * on a MeetingEnded, or `<success>` on anything but a capabilities update, would deliver
 * `"attendeeId":,` (invalid JSON). So only the fields the patterns require have bare placeholders
 * (the timestamp stays a number); the others are quoted: an absent one arrives as `""`, a present
 * `success` as `"1"` or `"0"` (the form of Chime's own example), and the handlers take neither
 * `""` for an id nor anything but 1/"1" for success. Values are inserted unescaped (same page):
 * they are Chime ids, event types and numbers, from `aws.chime` in this account only.
 */
export const MEETING_EVENT_INPUT_TRANSFORMER = Object.freeze({
  inputPathsMap: Object.freeze({ ...MEETING_EVENT_INPUT_PATHS }),
  inputTemplate: `{${Object.keys(MEETING_EVENT_INPUT_PATHS)
    .map((field) =>
      REQUIRED_INPUT_FIELDS.has(field) ? `"${field}":<${field}>` : `"${field}":"<${field}>"`,
    )
    .join(',')}}`,
});

/** {@link MEETING_EVENT_INPUT_TRANSFORMER} as a rule target's input. */
class MeetingEventTargetInput extends RuleTargetInput {
  /** The one instance: binding reads nothing of the rule. */
  static readonly instance: RuleTargetInput = new MeetingEventTargetInput();

  bind(): RuleTargetInputProperties {
    const { inputPathsMap, inputTemplate } = MEETING_EVENT_INPUT_TRANSFORMER;
    return { inputPathsMap: { ...inputPathsMap }, inputTemplate };
  }
}

/**
 * Both rules' pattern: Chime meeting state changes of `eventTypes` with a timestamp, from this
 * account only. The default bus takes other accounts' events only through a bus policy; pinned
 * here, such a policy still reaches neither function nor queue.
 */
function meetingEventPattern(scope: Construct, eventTypes: readonly string[]): EventPattern {
  return {
    source: [CHIME_EVENT_SOURCE],
    detailType: [CHIME_EVENT_DETAIL_TYPE],
    account: [Stack.of(scope).account],
    detail: { eventType: [...eventTypes], timestamp: [{ exists: true }] },
  };
}

/** Shown at synth when the stack's region is known and differs from the meetings' control region. */
export const invalidationRegionWarning = (stackRegion: string, chimeRegion: string): string =>
  `The stack is in ${stackRegion} but chimeRegion is ${chimeRegion}: Chime publishes meeting events to EventBridge in the control region only, so the invalidation rule here receives none and a deleted attendee's record lives until its TTL (cacheSharedTtlMs). Deploy the stack in ${chimeRegion}, or forward aws.chime events from ${chimeRegion}'s default bus to this one.`;

/** `table-schema.ts` spells attribute types as DynamoDB does. */
const ATTRIBUTE_TYPES = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
  B: AttributeType.BINARY,
};

export interface AttendeeCacheProps {
  /** The attendee function's role: it reads and writes the table. */
  readonly attendeeRole: IRole;
  /** The meetings' control region: where Chime publishes their events. */
  readonly chimeRegion: string;
  readonly logRetention: RetentionDays;
  /** The repository root, where the invalidation function's entry and package-lock.json are. */
  readonly projectRoot: string;
  /** The invalidation function's settings from the contract (how long its markers stay). */
  readonly invalidationEnvironment: Readonly<Record<string, string>>;
  /**
   * The prefetch function's environment (its settings from the contract) and the ARN pattern of
   * the meetings it may read; none: no prefetch (`-c prefetch=false`).
   */
  readonly prefetch?: {
    readonly environment: Readonly<Record<string, string>>;
    readonly meetingsArn: string;
  };
}

/**
 * The shared cache tier: the table the attendee function's containers share, its key, and what
 * keeps it honest (the `aws.chime` rule, the invalidation function, a dead-letter queue for the
 * events it could not apply).
 */
export class AttendeeCache extends Construct {
  readonly key: Key;
  readonly table: Table;
  readonly deadLetterQueue: Queue;
  readonly invalidationFunction: NodejsFunction;
  readonly invalidationLogs: LogGroup;
  readonly rule: Rule;
  /** The prefetch path (rule → queue → function); undefined with `-c prefetch=false`. */
  readonly prefetch:
    | {
        readonly queue: Queue;
        readonly deadLetterQueue: Queue;
        readonly function: NodejsFunction;
        readonly logs: LogGroup;
        readonly rule: Rule;
      }
    | undefined;

  constructor(scope: Construct, id: string, props: AttendeeCacheProps) {
    super(scope, id);

    // CDK's default key policy (the account root may administer and use the key, which is what
    // lets IAM policies grant it at all; without it the key becomes unmanageable), and EventBridge
    // for the dead-letter queues below. Uses are granted below, to the roles only.
    this.key = new Key(this, 'TableKey', {
      description:
        'Encrypts the attendee cache table (JoinTokens of live attendees) and the dead-letter queues of its events (ExternalUserIds).',
      enableKeyRotation: true,
      // The key protects nothing but the table, which goes with the stack; KMS still waits the
      // pending window before it deletes the key.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });

    this.table = new Table(this, 'Table', {
      billingMode: BillingMode.PAY_PER_REQUEST,
      partitionKey: {
        name: CACHE_TABLE_SCHEMA.partitionKey.name,
        type: ATTRIBUTE_TYPES[CACHE_TABLE_SCHEMA.partitionKey.type],
      },
      sortKey: {
        name: CACHE_TABLE_SCHEMA.sortKey.name,
        type: ATTRIBUTE_TYPES[CACHE_TABLE_SCHEMA.sortKey.type],
      },
      timeToLiveAttribute: CACHE_TABLE_SCHEMA.timeToLiveAttribute,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      // A cache: every item is a copy of what Chime holds, rebuilt on the next miss. A restore
      // would only bring back records (and JoinTokens) of attendees deleted since.
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false },
      // Deleted with the stack: nothing in it is the only copy, and keeping it would keep
      // JoinTokens around after the API that guarded them is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledge(this.table, {
      id: 'AwsSolutions-DDB3',
      reason:
        'A cache of Chime attendees and meetings: every item is rebuilt from Chime on a miss and expires within ' +
        'cacheSharedTtlMs. Point-in-time recovery would only restore records of attendees deleted since, and cost.',
    });

    this.grantTable(
      props.attendeeRole,
      [{ sid: 'AttendeeTable', actions: ATTENDEE_TABLE_ACTIONS }],
      'AttendeeTableKey',
    );

    // A rule target's dead-letter queue receives the event as it matched, not the target's
    // transformed input, so ExternalUserIds can rest there: both dead-letter queues are encrypted
    // with this key, which EventBridge may use on this account's behalf only (as CDK's SqsQueue
    // target grants it a queue's key: `aws:SourceAccount`, where the queue policy has the rule's ARN).
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EventBridgeDeadLetters',
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: [...DEAD_LETTER_KEY_ACTIONS],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );

    this.deadLetterQueue = new Queue(this, 'InvalidationDeadLetters', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.deadLetterQueue, {
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue: of the invalidation rule target and of the function’s ' +
        'asynchronous invocations. Its alarm pages on the first message; nothing consumes it automatically.',
    });

    this.invalidationLogs = new LogGroup(this, 'InvalidationLogs', {
      retention: props.logRetention,
    });
    const role = new Role(this, 'InvalidationRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description:
        'Writes its own log group, puts markers in and deletes records from the attendee cache table without reading them, dead-letters, nothing else.',
    });
    this.invalidationLogs.grantWrite(role);
    this.grantTable(role, INVALIDATION_TABLE_GRANTS, 'InvalidationTableKey');
    // Lambda sends the failed asynchronous invocations to the queue as the function's role.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'InvalidationDeadLettersKey',
        actions: [...DEAD_LETTER_KEY_ACTIONS],
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `sqs.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );

    this.invalidationFunction = new NodejsFunction(this, 'InvalidationFunction', {
      description:
        'Marks attendee cache records deleted or stale on Chime AttendeeDeleted, MeetingEnded and AttendeeCapabilitiesUpdated events',
      entry: path.join(props.projectRoot, INVALIDATION_ENTRY),
      handler: INVALIDATION_HANDLER,
      projectRoot: props.projectRoot,
      depsLockFilePath: path.join(props.projectRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      // One event per invocation, a handful of DynamoDB calls: 256 MB keeps the SDK's cold start short.
      memorySize: 256,
      // A MeetingEnded deletes up to ~250 items: one Query page and 11 BatchWriteItem calls of
      // at most 3 attempts of 2 s each in the worst case.
      timeout: Duration.seconds(15),
      role,
      logGroup: this.invalidationLogs,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        ...props.invalidationEnvironment,
        [FUNCTION_SETTINGS.cacheTableName.env]: this.table.tableName,
      },
      bundling: FUNCTION_BUNDLING,
      // EventBridge invokes asynchronously: a handler error (DynamoDB down) is retried twice by
      // Lambda, then the event lands in the queue rather than being dropped.
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      deadLetterQueue: this.deadLetterQueue,
    });
    acknowledge(this.invalidationFunction, PINNED_RUNTIME);

    // Chime publishes meeting events to the default bus of the control region only: this rule
    // sees them only when the stack is deployed there (see invalidationRegionWarning).
    this.rule = new Rule(this, 'MeetingEventsRule', {
      description:
        'Chime AttendeeDeleted, MeetingEnded, AttendeeCapabilitiesUpdated: mark the cached records',
      eventPattern: meetingEventPattern(this, CHIME_MEETING_EVENTS.eventTypes),
      targets: [
        new LambdaFunction(this.invalidationFunction, {
          event: MeetingEventTargetInput.instance,
          // Delivery failures (throttled or failed invokes) are retried for up to 2 hours, then
          // kept in the queue: a lost event would leave a deleted attendee's record until its TTL.
          retryAttempts: 20,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });

    this.prefetch = props.prefetch ? this.addPrefetch(props, props.prefetch) : undefined;

    const stackRegion = Stack.of(this).region;
    if (!Token.isUnresolved(stackRegion) && stackRegion !== props.chimeRegion) {
      Annotations.of(this).addWarningV2(
        '@chime-bff/invalidation-region',
        invalidationRegionWarning(stackRegion, props.chimeRegion),
      );
    }
  }

  /**
   * The prefetch path: a rule on `chime:AttendeeAdded` → an encrypted queue (its batching window
   * gathers a meeting's additions) → the prefetch function, at most two at a time, which lists
   * each meeting into the table before its attendees ask (lambda/prefetch/handler.ts).
   */
  private addPrefetch(
    props: AttendeeCacheProps,
    prefetch: NonNullable<AttendeeCacheProps['prefetch']>,
  ): NonNullable<AttendeeCache['prefetch']> {
    const deadLetterQueue = new Queue(this, 'PrefetchDeadLetters', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
    });
    acknowledge(deadLetterQueue, {
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the prefetch queue and rule. A message here only means a ' +
        'meeting was not listed ahead of its attendees: they are answered by the request path (GetAttendee or a hot-meeting snapshot).',
    });
    const queue = new Queue(this, 'PrefetchQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(PREFETCH_QUEUE.visibilityTimeoutSeconds),
      // An addition older than this is not worth listing ahead any more.
      retentionPeriod: Duration.hours(1),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: PREFETCH_QUEUE.maxReceiveCount },
    });

    const logs = new LogGroup(this, 'PrefetchLogs', { retention: props.logRetention });
    // The Chime grant is inline in the role itself, as the attendee function's is.
    const role = new Role(this, 'PrefetchRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description:
        'Writes its own log group, lists Chime SDK meetings into the attendee cache table, consumes its queue, nothing else.',
      inlinePolicies: {
        ChimeLists: new PolicyDocument({
          statements: [
            new PolicyStatement({
              sid: 'ChimeMeetingListsOnly',
              actions: [...PREFETCH_CHIME_ACTIONS],
              resources: [prefetch.meetingsArn],
            }),
          ],
        }),
      },
    });
    logs.grantWrite(role);
    this.grantTable(
      role,
      [{ sid: 'PrefetchTable', actions: PREFETCH_TABLE_ACTIONS }],
      'PrefetchTableKey',
    );
    acknowledge(role, {
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:chime:*:<AWS::AccountId>:meeting/*]',
      reason:
        'Only the two Chime reads of a snapshot, on meetings of this account; meeting IDs are created at run time, ' +
        'and a meeting ARN may name its media region rather than the control region.',
    });

    const fn = new NodejsFunction(this, 'PrefetchFunction', {
      description:
        'Lists a meeting into the attendee cache table when Chime adds attendees to it (chime:AttendeeAdded)',
      entry: path.join(props.projectRoot, PREFETCH_ENTRY),
      handler: PREFETCH_HANDLER,
      projectRoot: props.projectRoot,
      depsLockFilePath: path.join(props.projectRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(PREFETCH_QUEUE.timeoutSeconds),
      role,
      logGroup: logs,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        ...prefetch.environment,
        [FUNCTION_SETTINGS.cacheTableName.env]: this.table.tableName,
      },
      bundling: FUNCTION_BUNDLING,
    });
    acknowledge(fn, PINNED_RUNTIME);
    fn.addEventSource(
      new SqsEventSource(queue, {
        batchSize: PREFETCH_QUEUE.batchSize,
        maxBatchingWindow: Duration.seconds(PREFETCH_QUEUE.maxBatchingWindowSeconds),
        maxConcurrency: PREFETCH_QUEUE.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );

    const rule = new Rule(this, 'PrefetchRule', {
      description: 'Chime AttendeeAdded: list the meeting into the cache before its attendees ask',
      eventPattern: meetingEventPattern(this, CHIME_PREFETCH_EVENTS.eventTypes),
      targets: [
        new SqsQueue(queue, {
          message: MeetingEventTargetInput.instance,
          retryAttempts: 20,
          maxEventAge: Duration.hours(1),
          deadLetterQueue,
        }),
      ],
    });
    return { queue, deadLetterQueue, function: fn, logs, rule };
  }

  /** `grants` on the table (it has no index) and kms:Decrypt on its key, through DynamoDB only. */
  private grantTable(role: IRole, grants: readonly TableGrant[], keySid: string): void {
    for (const { sid, actions, conditions } of grants) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid,
          actions: [...actions],
          resources: [this.table.tableArn],
          ...(conditions ? { conditions: { ...conditions } } : {}),
        }),
      );
    }
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: keySid,
        actions: [...TABLE_KEY_ACTIONS],
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );
  }
}
