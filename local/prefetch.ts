import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createSharedCache } from '../lambda/attendee/cache/shared-cache';
import { createChimeClient } from '../lambda/attendee/chime-client';
import { parsePrefetchConfig } from '../lambda/prefetch/config';
import { createPrefetchHandler, type PrefetchLog } from '../lambda/prefetch/handler';
import { createPacer } from '../lambda/prefetch/pacer';
import { PREFETCH_QUEUE } from '../lambda/prefetch/queue-settings';
import { LOCAL_CREDENTIALS } from './dynamodb';
import { createLocalEventQueue, type LocalEventQueue } from './event-queue';

/** The deployed prefetch path, locally: its queue and its function, as many as may run at once. */
export interface LocalPrefetch {
  /** Where the local rule sends `chime:AttendeeAdded` events. */
  readonly queue: LocalEventQueue;
  stop(): Promise<void>;
}

/**
 * Starts the prefetch function behind a local queue with the deployed event source's settings
 * (lambda/prefetch/queue-settings.ts): configured from `env` by the function's own
 * `parsePrefetchConfig`, one handler (its own pacer and lease owner) per concurrent invocation,
 * as Lambda runs one instance per concurrent batch.
 */
export function startLocalPrefetch(options: {
  /** The function's environment (the attendee function's, locally: the same contract). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly dynamodb: Pick<DynamoDBClient, 'send'>;
  /** One line per meeting the prefetch handled (ids, counts, outcome). */
  readonly log: PrefetchLog;
  /** Told why a whole batch failed. */
  readonly logFailure?: (line: string) => void;
}): LocalPrefetch {
  const config = parsePrefetchConfig(options.env);
  const chime = createChimeClient(config.chime, undefined, LOCAL_CREDENTIALS);
  const shared = createSharedCache({
    client: options.dynamodb,
    tableName: config.tableName,
    ttlMs: config.ttlMs,
  });
  const instances = Array.from({ length: PREFETCH_QUEUE.maxConcurrency }, (_, i) => ({
    busy: false,
    handle: createPrefetchHandler({
      chime,
      shared,
      owner: `local-prefetch-${i + 1}`,
      leaseMs: config.leaseMs,
      minAdded: config.minAdded,
      pacer: createPacer({ perSecond: config.callsPerSecond, now: Date.now, sleep }),
      log: options.log,
    }),
  }));
  const queue = createLocalEventQueue({
    batchSize: PREFETCH_QUEUE.batchSize,
    windowMs: PREFETCH_QUEUE.maxBatchingWindowSeconds * 1000,
    maxConcurrency: PREFETCH_QUEUE.maxConcurrency,
    visibilityTimeoutMs: PREFETCH_QUEUE.visibilityTimeoutSeconds * 1000,
    maxReceiveCount: PREFETCH_QUEUE.maxReceiveCount,
    ...(options.logFailure ? { log: options.logFailure } : {}),
    deliver: async (event) => {
      // The queue never has more batches in flight than there are instances.
      const instance = instances.find((candidate) => !candidate.busy);
      if (!instance) throw new Error('no free prefetch instance');
      instance.busy = true;
      try {
        return await instance.handle(event);
      } finally {
        instance.busy = false;
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
