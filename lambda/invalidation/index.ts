import { parseInvalidationConfig } from '../common/config/settings';
import { createDynamoDbClient } from '../common/table/dynamodb-client';
import { createSharedCache } from '../common/table/shared-cache';
import { createInvalidationHandler } from './handler';

const config = parseInvalidationConfig(process.env);
const client = createDynamoDbClient({
  region: config.region,
  endpoint: config.dynamodbEndpoint,
  requestTimeoutMs: 2000,
  maxAttempts: 3,
});

export const handler = createInvalidationHandler({
  shared: createSharedCache({
    client,
    tableName: config.cacheTableName,
    ttlMs: config.cacheSharedTtlMs,
  }),
});
