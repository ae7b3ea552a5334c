import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createLocalEventQueue, type LocalEventQueueOptions } from '../../../local/aws/event-queue';

/** A queue whose function records each batch's bodies and answers with `answer`. */
function queueWith(
  overrides: Partial<LocalEventQueueOptions> = {},
  answer: (event: SQSEvent) => Promise<SQSBatchResponse | undefined> = async () => undefined,
) {
  const batches: string[][] = [];
  const queue = createLocalEventQueue({
    batchSize: 3,
    windowMs: 10_000,
    maxConcurrency: 2,
    visibilityTimeoutMs: 60_000,
    maxReceiveCount: 2,
    deliver: async (event) => {
      batches.push(event.Records.map((record) => record.body));
      return answer(event);
    },
    ...overrides,
  });
  return { queue, batches };
}

/** Lets the queue's promise callbacks run (no timer moves). */
const settle = () => jest.advanceTimersByTimeAsync(0);

describe('the local prefetch queue (SQS with a Lambda event source)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('holds messages for the batching window, then delivers them in one batch', async () => {
    const { queue, batches } = queueWith();
    queue.send('a');
    queue.send('b');

    await jest.advanceTimersByTimeAsync(9_999);
    expect(batches).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);

    expect(batches).toEqual([['a', 'b']]);
    await queue.drain();
    expect(queue.stats()).toEqual({ sent: 2, batches: 1, failed: 0, deadLettered: 0 });
  });

  it('delivers a full batch at once, and the rest after the window', async () => {
    const { queue, batches } = queueWith();
    for (const body of ['a', 'b', 'c', 'd']) queue.send(body);
    await settle();

    expect(batches).toEqual([['a', 'b', 'c']]);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(batches).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('hands the function SQS records: a message id, the body, the receive count', async () => {
    const seen: SQSEvent[] = [];
    const { queue } = queueWith({ batchSize: 1 }, async (event) => {
      seen.push(event);
      return undefined;
    });
    queue.send('{"x":1}');
    await settle();

    expect(seen[0]?.Records).toEqual([
      expect.objectContaining({
        messageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        body: '{"x":1}',
        eventSource: 'aws:sqs',
        attributes: expect.objectContaining({ ApproximateReceiveCount: '1' }),
      }),
    ]);
  });

  it('runs at most maxConcurrency batches at a time', async () => {
    const releases: (() => void)[] = [];
    const { queue, batches } = queueWith(
      { batchSize: 1 },
      () =>
        new Promise((resolve) => {
          releases.push(() => resolve(undefined));
        }),
    );
    for (const body of ['a', 'b', 'c']) queue.send(body);
    await settle();

    expect(batches).toEqual([['a'], ['b']]);
    releases.shift()?.();
    await settle();
    expect(batches).toEqual([['a'], ['b'], ['c']]);
    for (const release of releases.splice(0)) release();
    await queue.drain();
  });

  it('delivers the reported failures again after the visibility timeout, then dead-letters them', async () => {
    const { queue, batches } = queueWith({}, async (event) => ({
      batchItemFailures: event.Records.filter((record) => record.body === 'bad').map((record) => ({
        itemIdentifier: record.messageId,
      })),
    }));
    queue.send('good');
    queue.send('bad');
    await jest.advanceTimersByTimeAsync(10_000);
    expect(batches).toEqual([['good', 'bad']]);

    await jest.advanceTimersByTimeAsync(60_000 + 10_000);
    expect(batches).toEqual([['good', 'bad'], ['bad']]);
    await jest.advanceTimersByTimeAsync(60_000 + 10_000);

    expect(batches).toHaveLength(2);
    await queue.drain();
    expect(queue.stats()).toEqual({ sent: 2, batches: 2, failed: 2, deadLettered: 1 });
  });

  it('treats a throwing function as a failure of the whole batch, and logs why', async () => {
    const lines: string[] = [];
    const { queue, batches } = queueWith(
      { maxReceiveCount: 1, log: (line) => lines.push(line) },
      async () => {
        throw new TypeError('broken');
      },
    );
    queue.send('a');
    await jest.advanceTimersByTimeAsync(10_000);

    expect(batches).toEqual([['a']]);
    expect(queue.stats()).toMatchObject({ failed: 1, deadLettered: 1 });
    expect(lines).toEqual(['prefetch batch of 1 failed: TypeError: broken']);
  });

  it('drains only when nothing waits, runs or is due back', async () => {
    const { queue } = queueWith({}, async (event) => ({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId ?? '' }],
    }));
    let drained = false;
    queue.send('a');
    void queue.drain().then(() => {
      drained = true;
    });

    await jest.advanceTimersByTimeAsync(10_000);
    expect(drained).toBe(false);
    await jest.advanceTimersByTimeAsync(70_000);

    expect(drained).toBe(true);
  });

  it('drops what is waiting when stopped, and takes nothing after', async () => {
    const { queue, batches } = queueWith();
    queue.send('a');
    await queue.stop();
    queue.send('b');
    await jest.advanceTimersByTimeAsync(20_000);

    expect(batches).toEqual([]);
    expect(queue.stats().sent).toBe(1);
  });
});
