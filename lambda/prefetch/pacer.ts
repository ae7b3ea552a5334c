import type { ChimeOperation } from '../common/chime/chime-operations';

/**
 * Spaces calls of each operation evenly, at most `perSecond` a second (a token bucket with a
 * burst of one): the prefetch waits for a slot rather than throttle the requests sharing Chime's quota.
 */
export function createPacer(options: {
  readonly perSecond: number;
  /** Epoch milliseconds. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}) {
  const interval = 1000 / options.perSecond;
  const next = new Map<ChimeOperation, number>();
  return {
    /** Runs `send` at the operation's next free slot. */
    async pace<T>(operation: ChimeOperation, send: () => Promise<T>): Promise<T> {
      const now = options.now();
      const slot = Math.max(now, next.get(operation) ?? now);
      next.set(operation, slot + interval);
      if (slot > now) await options.sleep(slot - now);
      return send();
    },
  };
}

export type Pacer = ReturnType<typeof createPacer>;
