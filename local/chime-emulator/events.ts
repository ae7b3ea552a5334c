import { newId } from './ids';
import type { StoreChange } from './store';

/**
 * Amazon EventBridge events as Chime SDK Meetings sends them when an attendee is added, deleted
 * or has its capabilities updated, or a meeting ends. Shape from the Chime SDK developer guide,
 * "Understanding Amazon Chime SDK meeting lifecycle events" (https://docs.aws.amazon.com/chime-sdk/latest/dg/using-events.html:
 * `chime:AttendeeAdded`, "when a new attendee is added to an active meeting" (CreateAttendee,
 * BatchCreateAttendee; the emulator's seeding too, which stands for them);
 * `chime:MeetingEnded`, also sent on DeleteMeeting; `chime:AttendeeDeleted`, sent on
 * DeleteAttendee; `chime:AttendeeCapabilitiesUpdated`, "when an existing attendee's capabilities
 * are updated", with `success` and `attendeeCapabilities`), in the EventBridge envelope (version,
 * id, detail-type, source, account, time, region, resources, detail; "AWS service event
 * metadata", EventBridge user guide). The guide does not say that ending a meeting also sends one
 * `chime:AttendeeDeleted` per attendee, so the emulator sends only `chime:MeetingEnded` then.
 */

// The details are type aliases, not interfaces, so they are assignable to the
// `Readonly<Record<string, unknown>>` detail of lambda/common/chime-events.ts (an interface has no
// implicit index signature): the dev stack hands these events to the deployed handlers.

/** The `detail` of a `chime:MeetingEnded` event. */
type MeetingEndedDetail = {
  readonly version: '0';
  readonly eventType: 'chime:MeetingEnded';
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly meetingId: string;
  readonly externalMeetingId: string;
  readonly mediaRegion: string;
};

/** The `detail` of a `chime:AttendeeAdded` or `chime:AttendeeDeleted` event. */
type AttendeeEventDetail = {
  readonly version: '0';
  readonly eventType: 'chime:AttendeeAdded' | 'chime:AttendeeDeleted';
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly meetingId: string;
  readonly attendeeId: string;
  /** The attendee's ExternalUserId: a user id, never to be logged. */
  readonly externalUserId: string;
  readonly externalMeetingId: string;
  readonly mediaRegion: string;
};

/**
 * The `detail` of a `chime:AttendeeCapabilitiesUpdated` event: one per attendee that
 * UpdateAttendeeCapabilities or BatchUpdateAttendeeCapabilitiesExcept changed.
 */
type AttendeeCapabilitiesUpdatedDetail = {
  readonly version: '0';
  readonly eventType: 'chime:AttendeeCapabilitiesUpdated';
  /**
   * `'1'` when the update took effect, `'0'` when it failed: a string, as the guide's example
   * quotes it. The emulator only publishes updates that took effect.
   */
  readonly success: '1' | '0';
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly meetingId: string;
  readonly externalMeetingId: string;
  readonly attendeeId: string;
  /** The attendee's ExternalUserId: a user id, never to be logged. */
  readonly externalUserId: string;
  readonly mediaRegion: string;
  /** The attendee's capabilities after the update, in the guide's lower-case keys. */
  readonly attendeeCapabilities: {
    readonly audio: string;
    readonly video: string;
    readonly content: string;
  };
};

/** A "Chime Meeting State Change" event as EventBridge delivers it to a rule's target. */
export interface ChimeMeetingEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'Chime Meeting State Change';
  readonly source: 'aws.chime';
  readonly account: string;
  /** ISO 8601 without milliseconds, as EventBridge writes it: `2026-01-01T10:00:00Z`. */
  readonly time: string;
  /** The control Region, where the meeting API was called. */
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: MeetingEndedDetail | AttendeeEventDetail | AttendeeCapabilitiesUpdatedDetail;
}

/** Deliveries so far: published, delivered (handler resolved or target answered 2xx), failed. */
export interface EventStats {
  readonly published: number;
  readonly delivered: number;
  readonly failed: number;
}

/** Builds the event for a store change. */
function eventForChange(
  change: StoreChange,
  context: { readonly account: string; readonly region: string; readonly now: number },
): ChimeMeetingEvent {
  const { meeting } = change;
  const common = {
    version: '0',
    timestamp: context.now,
    meetingId: meeting.MeetingId ?? '',
  } as const;
  const tail = {
    externalMeetingId: meeting.ExternalMeetingId ?? '',
    mediaRegion: meeting.MediaRegion ?? '',
  };
  let detail: ChimeMeetingEvent['detail'];
  if (change.type === 'MeetingEnded') {
    detail = { ...common, eventType: 'chime:MeetingEnded', ...tail };
  } else if (change.type === 'AttendeeCapabilitiesUpdated') {
    const capabilities = change.attendee.Capabilities;
    detail = {
      version: '0',
      eventType: 'chime:AttendeeCapabilitiesUpdated',
      success: '1',
      timestamp: context.now,
      meetingId: common.meetingId,
      externalMeetingId: tail.externalMeetingId,
      attendeeId: change.attendee.AttendeeId ?? '',
      externalUserId: change.attendee.ExternalUserId ?? '',
      mediaRegion: tail.mediaRegion,
      attendeeCapabilities: {
        audio: capabilities?.Audio ?? '',
        video: capabilities?.Video ?? '',
        content: capabilities?.Content ?? '',
      },
    };
  } else {
    detail = {
      ...common,
      eventType: change.type === 'AttendeeAdded' ? 'chime:AttendeeAdded' : 'chime:AttendeeDeleted',
      attendeeId: change.attendee.AttendeeId ?? '',
      externalUserId: change.attendee.ExternalUserId ?? '',
      ...tail,
    };
  }
  return {
    version: '0',
    id: newId(),
    'detail-type': 'Chime Meeting State Change',
    source: 'aws.chime',
    account: context.account,
    time: new Date(context.now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: context.region,
    resources: [],
    detail,
  };
}

/** A thrown error for an `eventTarget` that is not a loopback http(s) URL. */
export class InvalidEventTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventTargetError';
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Checks that an event target is an http(s) URL on this machine; the emulator never posts elsewhere. */
export function parseEventTarget(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidEventTargetError('eventTarget must be a URL');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidEventTargetError('eventTarget must be a URL');
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    !LOOPBACK_HOSTS.has(url.hostname)
  ) {
    throw new InvalidEventTargetError(
      'eventTarget must be an http(s) URL on 127.0.0.1, localhost or [::1]',
    );
  }
  return url.href;
}

/** Publishes events to a handler and/or a loopback URL, off the request path. */
export interface EventPublisher {
  publish(change: StoreChange): void;
  /** The URL events are POSTed to, if any. */
  target(): string | undefined;
  setTarget(url: string | undefined): void;
  stats(): EventStats;
  resetStats(): void;
  /** Resolves once every delivery started so far has finished. */
  drain(): Promise<void>;
}

/** Options of {@link createEventPublisher}. */
export interface EventPublisherOptions {
  readonly account: string;
  readonly region: string;
  readonly clock: () => number;
  readonly onEvent?: (event: ChimeMeetingEvent) => void | Promise<void>;
  readonly eventTarget?: string;
  /** How long a POST to the target may take (default 5000 ms). */
  readonly targetTimeoutMs?: number;
  readonly log: (line: string) => void;
}

// A failing handler's message may quote the event; the user id must not reach the log.
const scrub = (text: string, event: ChimeMeetingEvent): string =>
  'externalUserId' in event.detail && event.detail.externalUserId !== ''
    ? text.replaceAll(event.detail.externalUserId, '<externalUserId>')
    : text;

/**
 * Creates the publisher. Deliveries start after the API response is written (`setImmediate`),
 * and a throwing handler, a rejected promise or a failing target is logged and counted, never
 * surfaced to the API caller.
 */
export function createEventPublisher(options: EventPublisherOptions): EventPublisher {
  let target =
    options.eventTarget === undefined ? undefined : parseEventTarget(options.eventTarget);
  const pending = new Set<Promise<void>>();
  let stats = { published: 0, delivered: 0, failed: 0 };

  const describe = (event: ChimeMeetingEvent) =>
    `${event.detail.eventType} meetingId=${event.detail.meetingId}${
      'attendeeId' in event.detail ? ` attendeeId=${event.detail.attendeeId}` : ''
    }`;

  const attempt = async (event: ChimeMeetingEvent, via: string, run: () => unknown) => {
    try {
      await run();
      stats.delivered += 1;
    } catch (error) {
      stats.failed += 1;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      options.log(`event delivery to ${via} failed ${describe(event)} ${scrub(reason, event)}`);
    }
  };

  const post = async (url: string, event: ChimeMeetingEvent) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(options.targetTimeoutMs ?? 5000),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`the target answered ${response.status}`);
  };

  const track = (delivery: Promise<void>) => {
    pending.add(delivery);
    delivery.finally(() => pending.delete(delivery));
  };

  return {
    publish(change) {
      const event = eventForChange(change, {
        account: options.account,
        region: options.region,
        now: options.clock(),
      });
      const url = target;
      const { onEvent } = options;
      if (!onEvent && url === undefined) return;
      stats.published += 1;
      track(
        new Promise<void>((resolve) => {
          setImmediate(() => {
            const deliveries: Promise<void>[] = [];
            if (onEvent) deliveries.push(attempt(event, 'onEvent', () => onEvent(event)));
            if (url !== undefined) deliveries.push(attempt(event, url, () => post(url, event)));
            Promise.all(deliveries).then(() => resolve());
          });
        }),
      );
    },
    target: () => target,
    setTarget(url) {
      target = url === undefined ? undefined : parseEventTarget(url);
    },
    stats: () => ({ ...stats }),
    resetStats() {
      stats = { published: 0, delivered: 0, failed: 0 };
    },
    async drain() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
