import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export type LocalEventQueue = ReturnType<typeof createLocalEventQueue>;

export interface LocalEventQueueOptions {
  readonly batchSize: number;
  readonly windowMs: number;
  readonly maxConcurrency: number;
  readonly visibilityTimeoutMs: number;
  readonly maxReceiveCount: number;
  readonly deliver: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
  readonly log?: (line: string) => void;
}

interface Message {
  readonly messageId: string;
  readonly body: string;
  receiveCount: number;
}

const record = ({ messageId, body, receiveCount }: Message): SQSRecord => ({
  messageId,
  receiptHandle: messageId,
  body,
  attributes: {
    ApproximateReceiveCount: String(receiveCount),
    SentTimestamp: String(Date.now()),
    SenderId: 'events.amazonaws.com',
    ApproximateFirstReceiveTimestamp: String(Date.now()),
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:local-prefetch',
  awsRegion: 'us-east-1',
});

/**
 * An SQS queue with a Lambda event source mapping: batches by window or size, at most
 * `maxConcurrency` at a time; failed messages come back after the visibility timeout until
 * `maxReceiveCount`, then go to the dead letters.
 */
export function createLocalEventQueue(options: LocalEventQueueOptions) {
  const ready: Message[] = [];
  const dueBack = new Set<NodeJS.Timeout>();
  const idle: (() => void)[] = [];
  let window: NodeJS.Timeout | undefined;
  let inFlight = 0;
  let stopped = false;
  const stats = { sent: 0, batches: 0, failed: 0, deadLettered: 0 };

  const settled = () => ready.length === 0 && inFlight === 0 && dueBack.size === 0;
  const wakeIdle = () => {
    if (settled()) for (const resolve of idle.splice(0)) resolve();
  };

  const retry = (messages: readonly Message[]) => {
    stats.failed += messages.length;
    for (const message of messages) {
      if (message.receiveCount >= options.maxReceiveCount) {
        stats.deadLettered += 1;
        continue;
      }
      const timer = setTimeout(() => {
        dueBack.delete(timer);
        if (stopped) return wakeIdle();
        ready.push(message);
        schedule();
      }, options.visibilityTimeoutMs);
      dueBack.add(timer);
    }
  };

  const deliver = async (batch: Message[]) => {
    inFlight += 1;
    stats.batches += 1;
    for (const message of batch) message.receiveCount += 1;
    try {
      const response = await options.deliver({ Records: batch.map(record) });
      const failed = new Set(response?.batchItemFailures?.map((failure) => failure.itemIdentifier));
      retry(batch.filter((message) => failed.has(message.messageId)));
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      options.log?.(`prefetch batch of ${batch.length} failed: ${reason}`);
      retry(batch);
    } finally {
      inFlight -= 1;
      schedule();
      wakeIdle();
    }
  };

  const flush = () => {
    clearTimeout(window);
    window = undefined;
    while (!stopped && inFlight < options.maxConcurrency && ready.length > 0) {
      void deliver(ready.splice(0, options.batchSize));
    }
  };

  function schedule() {
    if (stopped || ready.length === 0 || inFlight >= options.maxConcurrency) return;
    if (ready.length >= options.batchSize) return flush();
    window ??= setTimeout(flush, options.windowMs);
  }

  return {
    send(body: string): void {
      if (stopped) return;
      stats.sent += 1;
      ready.push({ messageId: randomUUID(), body, receiveCount: 0 });
      schedule();
    },
    drain: (): Promise<void> =>
      settled() ? Promise.resolve() : new Promise((resolve) => idle.push(resolve)),
    stats: () => ({ ...stats }),
    /** Stops delivering; messages still waiting are dropped. */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(window);
      for (const timer of dueBack) clearTimeout(timer);
      dueBack.clear();
      ready.length = 0;
      while (inFlight > 0) await new Promise<void>((resolve) => idle.push(resolve));
      wakeIdle();
    },
  };
}
