import {
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../../../lambda/common/table/dynamodb-client';
import { CACHE_TABLE_SCHEMA } from '../../../lambda/common/table/table-schema';
import {
  createCacheTable,
  createLocalDynamoDb,
  LOCAL_CREDENTIALS,
} from '../../../local/aws/dynamodb';

describe('the local DynamoDB server', () => {
  const local = createLocalDynamoDb();
  let endpoint: string;
  let client: ReturnType<typeof createDynamoDbClient>;

  beforeAll(async () => {
    ({ endpoint } = await local.start());
    client = createDynamoDbClient({
      region: 'us-east-1',
      endpoint,
      credentials: LOCAL_CREDENTIALS,
      requestTimeoutMs: 500,
      maxAttempts: 2,
    });
  });
  afterAll(async () => {
    client.destroy();
    await local.stop();
  });

  it('listens on 127.0.0.1 on a free port', () => {
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoint).not.toMatch(/:0$/);
  });

  it('creates the cache table from the shared schema, on demand, though dynalite has no TTL', async () => {
    await createCacheTable(client, 'cache-schema');
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'cache-schema' }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: CACHE_TABLE_SCHEMA.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: CACHE_TABLE_SCHEMA.sortKey.name, KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('keeps an existing table and its items when asked to create it again', async () => {
    await createCacheTable(client, 'cache-again');
    const Key = { pk: { S: 'MEETING#x' }, sk: { S: 'META' } };
    await client.send(new PutItemCommand({ TableName: 'cache-again', Item: Key }));
    await createCacheTable(client, 'cache-again');
    const { Item } = await client.send(new GetItemCommand({ TableName: 'cache-again', Key }));
    expect(Item).toEqual(Key);
  });

  it('stops, after which a second server starts independently with no tables', async () => {
    const other = createLocalDynamoDb();
    const started = await other.start();
    const otherClient = createDynamoDbClient({
      region: 'us-east-1',
      endpoint: started.endpoint,
      credentials: LOCAL_CREDENTIALS,
      requestTimeoutMs: 500,
      maxAttempts: 1,
    });
    const { TableNames } = await otherClient.send(new ListTablesCommand({}));
    expect(TableNames).toEqual([]);
    await other.stop();
    await expect(otherClient.send(new ListTablesCommand({}))).rejects.toThrow();
    otherClient.destroy();
  });
});
