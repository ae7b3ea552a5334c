import type { ChimeOperation } from '../common/chime/chime-operations';

/** Spaces calls of each operation evenly: at most `perSecond` a second, each operation apart. */
export interface Pacer {
  /** Runs `send` at the operation's next free slot. */
  pace<T>(operation: ChimeOperation, send: () => Promise<T>): Promise<T>;
}

/**
 * Creates a pacer for one function instance. The prefetch runs off the request path, so it
 * waits for a slot instead of spending Chime's quota in bursts that would throttle the requests
 * sharing it (a token bucket with a burst of one).
 */
export function createPacer(options: {
  readonly perSecond: number;
  /** Epoch milliseconds. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}): Pacer {
  const interval = 1000 / options.perSecond;
  const next = new Map<ChimeOperation, number>();
  return {
    async pace(operation, send) {
      const now = options.now();
      const slot = Math.max(now, next.get(operation) ?? now);
      next.set(operation, slot + interval);
      if (slot > now) await options.sleep(slot - now);
      return send();
    },
  };
}
