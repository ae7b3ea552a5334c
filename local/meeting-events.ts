import {
  type ChimeMeetingEvent,
  chimeEventTypeOf,
  INVALIDATING_EVENT_TYPES,
  PREFETCH_EVENT_TYPES,
} from '../lambda/common/chime-events';

/**
 * The local stand-in for the stack's two EventBridge rules on Chime meeting events: the
 * invalidating ones go to the invalidation handler at once (the rule targets the function), the
 * prefetch ones to the prefetch queue (the rule targets the queue; the queue batches them).
 * Anything else matches no rule and goes nowhere.
 */
export function routeMeetingEvents(targets: {
  readonly invalidate: (event: ChimeMeetingEvent) => Promise<unknown>;
  readonly prefetch?: { send(body: string): void };
}): (event: ChimeMeetingEvent) => Promise<void> {
  const invalidating = new Set<string>(INVALIDATING_EVENT_TYPES);
  const prefetching = new Set<string>(PREFETCH_EVENT_TYPES);
  return async (event) => {
    const type = chimeEventTypeOf(event);
    if (type === undefined) return;
    if (invalidating.has(type)) await targets.invalidate(event);
    if (prefetching.has(type)) targets.prefetch?.send(JSON.stringify(event));
  };
}
