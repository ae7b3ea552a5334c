import {
  type ChimeMeetingEvent,
  INVALIDATING_EVENT_TYPES,
  isChimeMeetingEvent,
  type MeetingEventInput,
  meetingEventInputOf,
  PREFETCH_EVENT_TYPES,
} from '../../lambda/common/chime/chime-events';

/**
 * The local stand-in for the stack's two EventBridge rules on Chime meeting events. Each rule
 * matches as the deployed pattern does (lib/attendee-cache.ts: a Chime meeting state change of its
 * event types, with a timestamp, from the stack's account when there is one) and hands its target
 * the rule's input, `meetingEventInputOf(event)`, never the event: the invalidating ones go to the
 * invalidation handler at once (the rule targets the function), the prefetch ones to the prefetch
 * queue as JSON (the rule targets the queue; the queue batches them). Anything else matches no
 * rule and goes nowhere.
 *
 * @example
 * const route = routeMeetingEvents({ invalidate, prefetch: queue, account: '123456789012' });
 * createChimeEmulator({ accountId: '123456789012', onEvent: route });
 */
export function routeMeetingEvents(targets: {
  readonly invalidate: (input: MeetingEventInput) => Promise<unknown>;
  readonly prefetch?: { send(body: string): void };
  /** The account the rules match (the emulator's); none: any account's events. */
  readonly account?: string;
}): (event: ChimeMeetingEvent) => Promise<void> {
  const matches = (event: ChimeMeetingEvent, eventTypes: readonly string[]): boolean =>
    isChimeMeetingEvent(event) &&
    (targets.account === undefined || event.account === targets.account) &&
    eventTypes.includes(event.detail?.eventType as string) &&
    event.detail?.timestamp !== undefined;
  return async (event) => {
    if (matches(event, INVALIDATING_EVENT_TYPES))
      await targets.invalidate(meetingEventInputOf(event));
    if (matches(event, PREFETCH_EVENT_TYPES)) {
      targets.prefetch?.send(JSON.stringify(meetingEventInputOf(event)));
    }
  };
}
