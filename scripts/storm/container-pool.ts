import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpApiHandler } from '../../local/aws/http-api-gateway';
import { endChild, forkScript } from './children';
import type { InvocationAnswer } from './container-process';

const CHILD = join(import.meta.dirname, 'container-process.ts');

/** How the pool's queue and containers fared. */
export interface PoolStats {
  readonly invocations: number;
  /** Requests that found every container busy and waited. */
  readonly queued: number;
  readonly maxQueue: number;
  /** The longest wait in the queue, ms. */
  readonly maxQueueWaitMs: number;
  /**
   * The most containers busy at once: what Lambda would have run (it starts a container for a
   * request that finds none idle), unless it equals the count and requests queued.
   */
  readonly maxBusy: number;
  /**
   * The most requests in flight at once, busy containers and queued requests together: how many
   * containers Lambda would have run, which starts one for every request that finds none idle.
   */
  readonly maxInFlight: number;
  /** Invocations per container, in container order. */
  readonly perContainer: readonly number[];
}

export interface ContainerPool {
  /** The gateway's integration: the event goes to an idle container, or waits for one. */
  readonly handler: HttpApiHandler;
  stats(): PoolStats;
  /** The containers' process ids. */
  pids(): (number | undefined)[];
  stop(): Promise<void>;
}

interface Slot {
  readonly index: number;
  readonly child: ChildProcess;
  busy: boolean;
  invocations: number;
  pending:
    | {
        id: number;
        resolve: (r: APIGatewayProxyStructuredResultV2) => void;
        reject: (e: Error) => void;
      }
    | undefined;
}

interface Waiting {
  readonly event: APIGatewayProxyEventV2;
  readonly since: number;
  readonly resolve: (r: APIGatewayProxyStructuredResultV2) => void;
  readonly reject: (e: Error) => void;
}

/**
 * Forks `count` containers (scripts/storm/container-process.ts under tsx), each with `env` as its
 * whole environment and its stdout (the function's log) in `<logDir>/container-<i>.log`, and
 * resolves once all are warm. Like Lambda, a container serves one request at a time: a request
 * goes to an idle container, and when all are busy it waits in one FIFO queue.
 */
export async function startContainerPool(options: {
  readonly count: number;
  readonly env: Readonly<Record<string, string>>;
  readonly logDir: string;
  readonly startTimeoutMs?: number;
}): Promise<ContainerPool> {
  const slots: Slot[] = [];
  const queue: Waiting[] = [];
  let nextId = 0;
  let invocations = 0;
  let queued = 0;
  let maxQueue = 0;
  let maxQueueWaitMs = 0;
  let busy = 0;
  let maxBusy = 0;
  let maxInFlight = 0;
  let stopping = false;
  let cursor = 0;

  const dispatch = (slot: Slot, work: Waiting) => {
    const id = nextId++;
    if (!slot.busy) busy += 1;
    maxBusy = Math.max(maxBusy, busy);
    maxInFlight = Math.max(maxInFlight, busy + queue.length);
    slot.busy = true;
    slot.invocations += 1;
    invocations += 1;
    slot.pending = { id, resolve: work.resolve, reject: work.reject };
    slot.child.send({ id, event: work.event }, (error) => {
      if (error && slot.pending?.id === id) finish(slot, error);
    });
  };

  const finish = (slot: Slot, outcome: APIGatewayProxyStructuredResultV2 | Error) => {
    const pending = slot.pending;
    slot.pending = undefined;
    if (slot.busy) busy -= 1;
    slot.busy = false;
    if (pending) {
      if (outcome instanceof Error) pending.reject(outcome);
      else pending.resolve(outcome);
    }
    const next = queue.shift();
    if (next && !stopping) {
      maxQueueWaitMs = Math.max(maxQueueWaitMs, performance.now() - next.since);
      dispatch(slot, next);
    }
  };

  const started = Array.from({ length: options.count }, (_, index) => {
    const out = openSync(join(options.logDir, `container-${index + 1}.log`), 'w');
    const child = forkScript(CHILD, { env: options.env, stdio: ['ignore', out, 'pipe', 'ipc'] });
    closeSync(out);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const slot: Slot = { index, child, busy: true, invocations: 0, pending: undefined };
    slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`container ${index + 1} not ready:\n${stderr}`)),
        options.startTimeoutMs ?? 60_000,
      );
      child.on('message', (message: { readonly ready: true } | InvocationAnswer) => {
        if ('ready' in message) {
          clearTimeout(timer);
          slot.busy = false;
          resolve();
          return;
        }
        if (slot.pending?.id !== message.id) return;
        finish(
          slot,
          'error' in message
            ? new Error(`container ${index + 1}: ${message.error}`)
            : (message.result as APIGatewayProxyStructuredResultV2),
        );
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (slot.pending) finish(slot, new Error(`container ${index + 1} exited`));
        slot.busy = true;
        if (!stopping) {
          reject(new Error(`container ${index + 1} exited (${code ?? signal}):\n${stderr}`));
        }
      });
    });
  });

  const stop = async () => {
    stopping = true;
    for (const waiting of queue.splice(0)) waiting.reject(new Error('pool stopped'));
    await Promise.all(slots.map(({ child }) => endChild(child)));
  };

  try {
    await Promise.all(started);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    handler: (event) =>
      new Promise((resolve, reject) => {
        if (stopping) return reject(new Error('pool stopped'));
        const work: Waiting = { event, since: performance.now(), resolve, reject };
        // An idle container, round robin: concurrent requests spread over every container, as
        // they do over Lambda's, each with its own (cold) memory.
        for (let step = 0; step < slots.length; step += 1) {
          const slot = slots[(cursor + step) % slots.length] as Slot;
          if (slot.busy) continue;
          cursor = (slot.index + 1) % slots.length;
          return dispatch(slot, work);
        }
        queued += 1;
        queue.push(work);
        maxQueue = Math.max(maxQueue, queue.length);
        maxInFlight = Math.max(maxInFlight, busy + queue.length);
      }),
    stats: () => ({
      invocations,
      queued,
      maxQueue,
      maxQueueWaitMs,
      maxBusy,
      maxInFlight,
      perContainer: slots.map((slot) => slot.invocations),
    }),
    pids: () => slots.map(({ child }) => child.pid),
    stop,
  };
}
