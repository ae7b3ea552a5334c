import {
  CreateTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { CACHE_TABLE_SCHEMA } from '../../lambda/common/table/table-schema';
import { closeServer, listenOnLoopback } from '../cli/loopback';

/** A local server checks none, the SDK still wants some. */
export const LOCAL_CREDENTIALS = Object.freeze({ accessKeyId: 'local', secretAccessKey: 'local' });

/**
 * dynalite, in this process (no Java, no Docker). It never expires items: the cache checks
 * `expiresAt` on every read, as DynamoDB's lazy TTL deletion requires anyway.
 */
export function createLocalDynamoDb() {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  return {
    start: async (port = 0): Promise<{ endpoint: string }> => ({
      endpoint: (await listenOnLoopback(server, port)).url,
    }),
    stop: () => closeServer(server),
  };
}

const unless =
  (...names: string[]) =>
  (error: { name?: unknown }) => {
    if (!names.includes(String(error.name))) throw error;
  };

/** Creates the cache table from the shared schema (an existing one is kept), TTL on. */
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
