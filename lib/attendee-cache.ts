import * as path from 'node:path';
import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CACHE_TABLE_SCHEMA } from '../lambda/attendee/cache/table-schema';
import { FUNCTION_SETTINGS } from '../lambda/attendee/function-settings';
import { INVALIDATION_BUNDLING, INVALIDATION_ENTRY, INVALIDATION_HANDLER } from './bundling';
import { acknowledge } from './nag';

/**
 * The DynamoDB calls each function makes on the table (lambda/attendee/cache/shared-cache.ts),
 * nothing else: no GetItem, UpdateItem, Scan or DescribeTable.
 * - attendee function: `read` (BatchGetItem), `putAttendee`/`putMeeting`/`acquireLease`
 *   (PutItem), `deleteAttendee`/`releaseLease` (DeleteItem, on a Chime NotFound), `deleteMeeting`
 *   (Query + BatchWriteItem deletes, on a Chime NotFound) and `writeSnapshot` (BatchWriteItem).
 * - invalidation function: `deleteAttendee` (DeleteItem) and `deleteMeeting` (Query + BatchWriteItem).
 */
export const ATTENDEE_TABLE_ACTIONS = Object.freeze([
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
]);
export const INVALIDATION_TABLE_ACTIONS = Object.freeze([
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
]);
/**
 * What a table user needs on the customer-managed key: DynamoDB decrypts the table key with it
 * on the caller's behalf when a connection first uses the table (and every 5 minutes after), and
 * only DynamoDB may ask (kms:ViaService). The table key itself is generated once, by DynamoDB, at
 * CreateTable (AWS KMS Developer Guide, "How Amazon DynamoDB uses AWS KMS": table keys, table key
 * caching), so no user needs kms:GenerateDataKey or kms:Encrypt.
 */
export const TABLE_KEY_ACTIONS = Object.freeze(['kms:Decrypt']);

/**
 * The meeting events that make records stale (Amazon Chime SDK Developer Guide, "Using
 * EventBridge": meeting events arrive as `aws.chime` / `Chime Meeting State Change` with the
 * event in `detail.eventType`). lambda/invalidation/handler.ts handles exactly these.
 */
export const CHIME_MEETING_EVENTS = Object.freeze({
  source: 'aws.chime',
  detailType: 'Chime Meeting State Change',
  eventTypes: Object.freeze(['chime:AttendeeDeleted', 'chime:MeetingEnded']),
});

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

  constructor(scope: Construct, id: string, props: AttendeeCacheProps) {
    super(scope, id);

    // CDK's default key policy only: the account root may administer and use the key, which is
    // what lets IAM policies grant it at all (without it the key becomes unmanageable). Uses are
    // granted below, to the two roles only.
    this.key = new Key(this, 'TableKey', {
      description: 'Encrypts the attendee cache table (JoinTokens of live attendees).',
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

    this.grantTable(props.attendeeRole, ATTENDEE_TABLE_ACTIONS, 'AttendeeTable');

    this.deadLetterQueue = new Queue(this, 'InvalidationDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
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
        'Writes its own log group and deletes records from the attendee cache table, nothing else.',
    });
    this.invalidationLogs.grantWrite(role);
    this.grantTable(role, INVALIDATION_TABLE_ACTIONS, 'InvalidationTable');

    this.invalidationFunction = new NodejsFunction(this, 'InvalidationFunction', {
      description:
        'Deletes attendee cache records on Chime AttendeeDeleted and MeetingEnded events',
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
        [FUNCTION_SETTINGS.cacheTableName.env]: this.table.tableName,
      },
      bundling: INVALIDATION_BUNDLING,
      // EventBridge invokes asynchronously: a handler error (DynamoDB down) is retried twice by
      // Lambda, then the event lands in the queue rather than being dropped.
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      deadLetterQueue: this.deadLetterQueue,
    });
    acknowledge(this.invalidationFunction, {
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is pinned with the bundle target (node22) and the Node 22 toolchain that tests ' +
        'the code; runtime, target and toolchain move to Node 24 together.',
    });

    // Chime publishes meeting events to the default bus of the control region only: this rule
    // sees them only when the stack is deployed there (see invalidationRegionWarning).
    this.rule = new Rule(this, 'MeetingEventsRule', {
      description: 'Chime AttendeeDeleted and MeetingEnded: drop the cached records',
      eventPattern: {
        source: [CHIME_MEETING_EVENTS.source],
        detailType: [CHIME_MEETING_EVENTS.detailType],
        detail: { eventType: [...CHIME_MEETING_EVENTS.eventTypes] },
      },
      targets: [
        new LambdaFunction(this.invalidationFunction, {
          // Delivery failures (throttled or failed invokes) are retried for up to 2 hours, then
          // kept in the queue: a lost event would leave a deleted attendee's record until its TTL.
          retryAttempts: 20,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });

    const stackRegion = Stack.of(this).region;
    if (!Token.isUnresolved(stackRegion) && stackRegion !== props.chimeRegion) {
      Annotations.of(this).addWarningV2(
        '@chime-bff/invalidation-region',
        invalidationRegionWarning(stackRegion, props.chimeRegion),
      );
    }
  }

  /** `actions` on the table (it has no index) and kms:Decrypt on its key, through DynamoDB only. */
  private grantTable(role: IRole, actions: readonly string[], sid: string): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid,
        actions: [...actions],
        resources: [this.table.tableArn],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: `${sid}Key`,
        actions: [...TABLE_KEY_ACTIONS],
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` },
        },
      }),
    );
  }
}
