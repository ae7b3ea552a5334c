import {
  CHIME_EVENT_DETAIL_TYPE,
  CHIME_EVENT_SOURCE,
  type ChimeMeetingEvent,
  INVALIDATING_EVENT_TYPES,
  type MeetingEventInput,
  meetingEventInputOf,
  PREFETCH_EVENT_TYPES,
} from '../../lambda/common/chime/chime-events';

/**
 * The stack's two EventBridge rules on Chime meeting events (lib/attendee-cache.ts): each matches
 * as deployed and hands its target the rule's input, never the event.
 */
export function routeMeetingEvents(targets: {
  readonly invalidate: (input: MeetingEventInput) => Promise<unknown>;
  readonly prefetch?: { send(body: string): void };
  readonly account?: string;
}): (event: ChimeMeetingEvent) => Promise<void> {
  const matches = (event: ChimeMeetingEvent, eventTypes: readonly string[]): boolean =>
    event.source === CHIME_EVENT_SOURCE &&
    event['detail-type'] === CHIME_EVENT_DETAIL_TYPE &&
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
