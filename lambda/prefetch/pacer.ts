import type { ChimeOperation } from '../common/chime/chime-operations';

/** At most `perSecond` calls of each operation, evenly spaced: the requests share Chime's quota. */
export function createPacer(options: {
  readonly perSecond: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}) {
  const interval = 1000 / options.perSecond;
  const next = new Map<ChimeOperation, number>();
  return {
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
