import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createChimeClient } from '../common/chime/chime-client';
import { parsePrefetchConfig } from '../common/config/settings';
import { createDynamoDbClient } from '../common/table/dynamodb-client';
import { createSharedCache } from '../common/table/shared-cache';
import { createPrefetchHandler } from './handler';
import { createPacer } from './pacer';

const config = parsePrefetchConfig(process.env);
const dynamodb = createDynamoDbClient({
  region: config.region,
  endpoint: config.dynamodbEndpoint,
  requestTimeoutMs: config.dynamodbRequestTimeoutMs,
  maxAttempts: 3,
});

export const handler = createPrefetchHandler({
  chime: createChimeClient(config),
  shared: createSharedCache({
    client: dynamodb,
    tableName: config.cacheTableName,
    ttlMs: config.cacheSharedTtlMs,
  }),
  owner: randomUUID(),
  leaseMs: config.cacheLeaseMs,
  minAdded: config.cachePrefetchMinAdded,
  pacer: createPacer({ perSecond: config.cachePrefetchCallsPerSecond, now: Date.now, sleep }),
});
