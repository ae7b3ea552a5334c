import {
  CreateTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { CACHE_TABLE_SCHEMA } from '../../lambda/common/table/table-schema';
import { closeServer, listenOnLoopback } from '../cli/loopback';

/** The credentials a local DynamoDB-compatible server accepts (it checks none). */
export const LOCAL_CREDENTIALS = Object.freeze({ accessKeyId: 'local', secretAccessKey: 'local' });

/** A DynamoDB-compatible server in this process: dynalite, in memory; neither Java nor Docker. */
export interface LocalDynamoDb {
  /** Listens on 127.0.0.1 (port 0 picks a free one); the endpoint is what `DYNAMODB_ENDPOINT` takes. */
  start(port?: number): Promise<{ endpoint: string }>;
  stop(): Promise<void>;
}

/**
 * Creates a local DynamoDB-compatible server. Tables are ACTIVE at once (`createTableMs: 0`).
 * dynalite does not implement UpdateTimeToLive and never expires items: the cache checks
 * `expiresAt` on every read, as it must with DynamoDB's lazy TTL deletion anyway.
 *
 * @example
 * const local = createLocalDynamoDb();
 * const { endpoint } = await local.start();
 */
export function createLocalDynamoDb(): LocalDynamoDb {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  return {
    start: async (port = 0) => ({ endpoint: (await listenOnLoopback(server, port)).url }),
    stop: () => closeServer(server),
  };
}

/** Rethrows `error` unless its name is one of `names`. */
const unless =
  (...names: string[]) =>
  (error: { name?: unknown }) => {
    if (!names.includes(String(error.name))) throw error;
  };

/**
 * Creates the cache table from the shared schema (on demand), waits until it is ACTIVE, and
 * enables TTL on its attribute where the server supports it. An existing table is kept.
 */
export async function createCacheTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey, sortKey, timeToLiveAttribute } = CACHE_TABLE_SCHEMA;
  await client
    .send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: partitionKey.name, AttributeType: partitionKey.type },
          { AttributeName: sortKey.name, AttributeType: sortKey.type },
        ],
        KeySchema: [
          { AttributeName: partitionKey.name, KeyType: 'HASH' },
          { AttributeName: sortKey.name, KeyType: 'RANGE' },
        ],
      }),
    )
    .catch(unless('ResourceInUseException'));
  await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 1 }, { TableName: tableName });
  const ttl = { AttributeName: timeToLiveAttribute, Enabled: true };
  await client
    .send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: ttl }))
    // dynalite: UnknownOperationException. DynamoDB Local on a table with TTL already on:
    // ValidationException ("TimeToLive is already enabled").
    .catch(unless('UnknownOperationException', 'ValidationException'));
}
