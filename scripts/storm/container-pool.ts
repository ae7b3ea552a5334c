import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpApiHandler } from '../../local/aws/http-api-gateway';
import { endChild, firstMessage, forkScript } from './children';
import type { InvocationAnswer } from './container-process';

type Result = APIGatewayProxyStructuredResultV2;

/**
 * How the pool fared. `queued`: requests that found every container busy and waited;
 * `maxInFlight`: busy containers and queued requests together at most, the containers Lambda
 * would have run (it starts one for every request that finds none idle).
 */
export type PoolStats = ReturnType<ContainerPool['stats']>;

type Work = PromiseWithResolvers<Result> & {
  readonly event: APIGatewayProxyEventV2;
  readonly since: number;
};

interface Slot {
  readonly child: ChildProcess;
  /** The invocation it runs; busy until ready, and after it exits. */
  work: (Work & { readonly id: number }) | undefined;
  busy: boolean;
}

/**
 * `count` containers (container-process.ts), each with `env` as its whole environment and its
 * stdout (the function's log) in `<logDir>/container-<i>.log`. Like Lambda, a container serves
 * one request at a time: a request goes to an idle container, round robin (each with its own cold
 * memory, as Lambda's), and when all are busy it waits in one FIFO queue.
 */
class ContainerPool {
  readonly #slots: Slot[] = [];
  readonly #queue: Work[] = [];
  readonly #stats = {
    invocations: 0,
    queued: 0,
    maxQueue: 0,
    maxQueueWaitMs: 0,
    maxBusy: 0,
    maxInFlight: 0,
    perContainer: [] as number[],
  };
  #nextId = 0;
  #cursor = 0;
  #stopping = false;

  constructor(private readonly options: StartOptions) {}

  /** Forks container `index` and resolves once it is warm. */
  async start(index: number): Promise<void> {
    const name = `container ${index + 1}`;
    const out = openSync(join(this.options.logDir, `container-${index + 1}.log`), 'w');
    const child = forkScript(join(import.meta.dirname, 'container-process.ts'), {
      env: this.options.env,
      stdio: ['ignore', out, 'pipe', 'ipc'],
    });
    closeSync(out);
    const slot: Slot = { child, work: undefined, busy: true };
    this.#slots.push(slot);
    this.#stats.perContainer.push(0);
    const ready = firstMessage(child, name, 60_000);
    child.on('message', (message: { readonly ready: true } | InvocationAnswer) => {
      if ('ready' in message || slot.work?.id !== message.id) return;
      const failed = 'error' in message && new Error(`${name}: ${message.error}`);
      this.#finish(slot, failed || ((message as { result: Result }).result as Result));
    });
    child.once('exit', () => {
      if (slot.work) this.#finish(slot, new Error(`${name} exited`));
      slot.busy = true;
    });
    await ready;
    slot.busy = false;
  }

  /** The gateway's integration: the event goes to an idle container, or waits for one. */
  readonly handler: HttpApiHandler = (event) => {
    if (this.#stopping) return Promise.reject(new Error('pool stopped'));
    const work = { event, since: performance.now(), ...Promise.withResolvers<Result>() };
    const slots = this.#slots;
    for (let step = 0; step < slots.length; step += 1) {
      const index = (this.#cursor + step) % slots.length;
      if (slots[index]?.busy) continue;
      this.#cursor = (index + 1) % slots.length;
      this.#dispatch(index, work);
      return work.promise;
    }
    this.#queue.push(work);
    this.#stats.queued += 1;
    this.#stats.maxQueue = Math.max(this.#stats.maxQueue, this.#queue.length);
    this.#noteInFlight();
    return work.promise;
  };

  #busy = () => this.#slots.filter((slot) => slot.busy).length;

  #noteInFlight() {
    this.#stats.maxInFlight = Math.max(this.#stats.maxInFlight, this.#busy() + this.#queue.length);
  }

  #dispatch(index: number, work: Work) {
    const slot = this.#slots[index] as Slot;
    const id = this.#nextId++;
    slot.busy = true;
    slot.work = { ...work, id };
    this.#stats.invocations += 1;
    this.#stats.perContainer[index] = (this.#stats.perContainer[index] ?? 0) + 1;
    this.#stats.maxBusy = Math.max(this.#stats.maxBusy, this.#busy());
    this.#noteInFlight();
    slot.child.send({ id, event: work.event }, (error) => {
      if (error && slot.work?.id === id) this.#finish(slot, error);
    });
  }

  #finish(slot: Slot, outcome: Result | Error) {
    const { work } = slot;
    slot.work = undefined;
    slot.busy = false;
    if (outcome instanceof Error) work?.reject(outcome);
    else work?.resolve(outcome);
    const next = this.#queue.shift();
    if (next && !this.#stopping) {
      this.#stats.maxQueueWaitMs = Math.max(
        this.#stats.maxQueueWaitMs,
        performance.now() - next.since,
      );
      this.#dispatch(this.#slots.indexOf(slot), next);
    }
  }

  stats = () => ({ ...this.#stats, perContainer: [...this.#stats.perContainer] });
  pids = () => this.#slots.map(({ child }) => child.pid);

  async stop(): Promise<void> {
    this.#stopping = true;
    for (const waiting of this.#queue.splice(0)) waiting.reject(new Error('pool stopped'));
    await Promise.all(this.#slots.map(({ child }) => endChild(child)));
  }
}

interface StartOptions {
  readonly count: number;
  readonly env: Readonly<Record<string, string>>;
  readonly logDir: string;
}

/** Starts the pool's containers and resolves once all are warm. */
export async function startContainerPool(options: StartOptions): Promise<ContainerPool> {
  const pool = new ContainerPool(options);
  try {
    await Promise.all(Array.from({ length: options.count }, (_, index) => pool.start(index)));
  } catch (error) {
    await pool.stop();
    throw error;
  }
  return pool;
}
