import { randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import type { EventBridgeEvent } from 'aws-lambda';
import { InvalidInputError } from './errors';
import type { StoreChange } from './store';

// Type aliases, not interfaces: assignable to the `Readonly<Record<string, unknown>>` detail of
// lambda/common/chime/chime-events.ts, as the dev stack hands these events to the handlers.
type Detail<Type extends StoreChange['type'], Members = unknown> = Readonly<
  Members & {
    version: '0';
    eventType: `chime:${Type}`;
    /** Milliseconds since the epoch. */
    timestamp: number;
    meetingId: string;
    externalMeetingId: string;
    mediaRegion: string;
  }
>;
/** `externalUserId` is a user id, never to be logged. */
type AttendeeMembers = { attendeeId: string; externalUserId: string };

/**
 * As the Chime SDK developer guide shows them ("Understanding Amazon Chime SDK meeting lifecycle
 * events"). It does not say that ending a meeting sends `chime:AttendeeDeleted` per attendee.
 */
export type ChimeMeetingEvent = EventBridgeEvent<
  'Chime Meeting State Change',
  | Detail<'MeetingEnded'>
  | Detail<'AttendeeAdded' | 'AttendeeDeleted', AttendeeMembers>
  | Detail<
      'AttendeeCapabilitiesUpdated',
      AttendeeMembers & {
        /** A string, as the guide's example quotes it. */
        success: '1' | '0';
        attendeeCapabilities: { audio: string; video: string; content: string };
      }
    >
>;

interface PublisherOptions {
  readonly accountId: string;
  readonly region: string;
  readonly clock: () => number;
  readonly onEvent?: ((event: ChimeMeetingEvent) => void | Promise<void>) | undefined;
  readonly eventTarget?: unknown;
  readonly log: (line: string) => void;
}

function eventOf(
  { type, meeting, attendee }: StoreChange,
  { accountId, region, clock }: PublisherOptions,
): ChimeMeetingEvent {
  const now = clock();
  const updated = type === 'AttendeeCapabilitiesUpdated';
  const { Audio = '', Video = '', Content = '' } = attendee?.Capabilities ?? {};
  const detail = {
    version: '0',
    eventType: `chime:${type}`,
    ...(updated && { success: '1' }),
    timestamp: now,
    meetingId: meeting.MeetingId,
    ...(attendee && { attendeeId: attendee.AttendeeId, externalUserId: attendee.ExternalUserId }),
    externalMeetingId: meeting.ExternalMeetingId,
    mediaRegion: meeting.MediaRegion,
    ...(updated && { attendeeCapabilities: { audio: Audio, video: Video, content: Content } }),
  };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Chime Meeting State Change',
    source: 'aws.chime',
    account: accountId,
    time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [],
    detail: detail as ChimeMeetingEvent['detail'],
  };
}

export class InvalidEventTargetError extends InvalidInputError {}

/** The emulator posts only to http(s) URLs on this machine. */
export function parseEventTarget(value: unknown): string {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  if (!url) throw new InvalidEventTargetError('eventTarget must be a URL');
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (/^https?:$/.test(url.protocol) && local) return url.href;
  throw new InvalidEventTargetError(
    'eventTarget must be an http(s) URL on 127.0.0.1, localhost or [::1]',
  );
}

const post = async (url: string, event: ChimeMeetingEvent) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(event),
    signal: AbortSignal.timeout(5000),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`the target answered ${response.status}`);
};

export type EventPublisher = ReturnType<typeof createEventPublisher>;

/**
 * Deliveries to the handler and/or the loopback target start after the API response is written;
 * a failing one is logged and counted, never surfaced to the API caller.
 */
export function createEventPublisher(options: PublisherOptions) {
  const { onEvent, log } = options;
  let target: string | undefined;
  const setTarget = (url: unknown) => {
    target = url === undefined ? undefined : parseEventTarget(url);
  };
  setTarget(options.eventTarget);
  const pending = new Set<Promise<unknown>>();
  // Delivered: the handler resolved or the target answered 2xx.
  let stats = { published: 0, delivered: 0, failed: 0 };

  const attempt = async (event: ChimeMeetingEvent, via: string, run: () => unknown) => {
    try {
      await run();
      stats.delivered += 1;
    } catch (error) {
      stats.failed += 1;
      const { detail } = event;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const who = 'attendeeId' in detail ? detail : undefined;
      const attendee = who ? ` attendeeId=${who.attendeeId}` : '';
      // A failing handler's message may quote the event; the user id must not reach the log.
      const scrubbed = who ? reason.replaceAll(who.externalUserId, '<externalUserId>') : reason;
      log(
        `event delivery to ${via} failed ${detail.eventType} meetingId=${detail.meetingId}${attendee} ${scrubbed}`,
      );
    }
  };

  return {
    publish(change: StoreChange): void {
      const url = target;
      if (!onEvent && url === undefined) return;
      const event = eventOf(change, options);
      stats.published += 1;
      const delivery = setImmediate().then(() =>
        Promise.all([
          onEvent && attempt(event, 'onEvent', () => onEvent(event)),
          url !== undefined && attempt(event, url, () => post(url, event)),
        ]),
      );
      pending.add(delivery);
      delivery.finally(() => pending.delete(delivery));
    },
    target: (): string | undefined => target,
    setTarget,
    stats: () => ({ ...stats }),
    resetStats(): void {
      stats = { published: 0, delivered: 0, failed: 0 };
    },
    async drain(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
