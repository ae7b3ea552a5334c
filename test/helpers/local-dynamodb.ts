import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../../lambda/common/table/dynamodb-client';
import { createCacheTable, createLocalDynamoDb, LOCAL_CREDENTIALS } from '../../local/aws/dynamodb';

/** A local DynamoDB-compatible server for one test file, and a fresh cache table per call. */
export interface LocalTables {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  newTable(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1:0 with a client pointed at it. */
export async function startLocalTables(): Promise<LocalTables> {
  const local = createLocalDynamoDb();
  const { endpoint } = await local.start();
  const client = createDynamoDbClient({
    region: 'us-east-1',
    endpoint,
    credentials: LOCAL_CREDENTIALS,
    requestTimeoutMs: 5000,
    maxAttempts: 2,
  });
  return {
    endpoint,
    client,
    newTable: async () => {
      const name = `cache-${randomUUID()}`;
      await createCacheTable(client, name);
      return name;
    },
    stop: async () => {
      client.destroy();
      await local.stop();
    },
  };
}
