import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createChimeClient } from '../../lambda/common/chime/chime-client';
import { parsePrefetchConfig } from '../../lambda/common/config/settings';
import { createSharedCache } from '../../lambda/common/table/shared-cache';
import { createPrefetchHandler, type PrefetchLog } from '../../lambda/prefetch/handler';
import { createPacer } from '../../lambda/prefetch/pacer';
import { PREFETCH_QUEUE } from '../../lambda/prefetch/queue-settings';
import { LOCAL_CREDENTIALS } from './dynamodb';
import { createLocalEventQueue, type LocalEventQueue } from './event-queue';

/**
 * The prefetch function behind a local queue with the deployed event source's settings, one
 * handler (its own pacer and lease owner) per concurrent batch, as Lambda runs them.
 */
export function startLocalPrefetch(options: {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly dynamodb: Pick<DynamoDBClient, 'send'>;
  readonly log: PrefetchLog;
  readonly logFailure?: (line: string) => void;
}): { readonly queue: LocalEventQueue; stop(): Promise<void> } {
  const config = parsePrefetchConfig(options.env);
  const chime = createChimeClient(config, undefined, LOCAL_CREDENTIALS);
  const shared = createSharedCache({
    client: options.dynamodb,
    tableName: config.cacheTableName,
    ttlMs: config.cacheSharedTtlMs,
  });
  const idle = Array.from({ length: PREFETCH_QUEUE.maxConcurrency }, (_, i) =>
    createPrefetchHandler({
      chime,
      shared,
      owner: `local-prefetch-${i + 1}`,
      leaseMs: config.cacheLeaseMs,
      minAdded: config.cachePrefetchMinAdded,
      pacer: createPacer({ perSecond: config.cachePrefetchCallsPerSecond, now: Date.now, sleep }),
      log: options.log,
    }),
  );
  const queue = createLocalEventQueue({
    batchSize: PREFETCH_QUEUE.batchSize,
    windowMs: PREFETCH_QUEUE.maxBatchingWindowSeconds * 1000,
    maxConcurrency: PREFETCH_QUEUE.maxConcurrency,
    visibilityTimeoutMs: PREFETCH_QUEUE.visibilityTimeoutSeconds * 1000,
    maxReceiveCount: PREFETCH_QUEUE.maxReceiveCount,
    log: options.logFailure,
    deliver: async (event) => {
      const handle = idle.shift();
      if (!handle) throw new Error('no free prefetch instance');
      try {
        return await handle(event);
      } finally {
        idle.unshift(handle);
      }
    },
  });
  return {
    queue,
    stop: async () => {
      await queue.stop();
      chime.destroy();
    },
  };
}
