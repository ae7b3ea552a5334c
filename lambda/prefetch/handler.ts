import type { SQSEvent } from 'aws-lambda';
import { type MeetingEventInput, PREFETCH_EVENT_TYPES } from '../common/chime/chime-events';
import { isNotFound } from '../common/chime/not-found';
import { guidOf as guid } from '../common/ids';
import { writeLine } from '../common/log-line';
import { type MeetingSnapshotDeps, takeMeetingSnapshot } from '../common/table/meeting-snapshot';
import type { Pacer } from './pacer';

/** One line per meeting: ids, counts and the outcome, never a user id. */
export type PrefetchLog = (fields: Readonly<Record<string, string | number>>) => void;

interface PrefetchDeps extends Pick<MeetingSnapshotDeps, 'chime' | 'shared' | 'owner' | 'leaseMs'> {
  /** Additions of one meeting in one batch that make it worth listing. */
  readonly minAdded: number;
  readonly pacer: Pacer;
  readonly now?: () => number;
  readonly log?: PrefetchLog;
}

/** The meeting a message (the rule's input) announces an attendee for. */
export function addedMeetingOf(body: string): { meetingId: string; timestamp: number } | undefined {
  let input: MeetingEventInput | null;
  try {
    input = JSON.parse(body) as MeetingEventInput | null;
  } catch {
    return undefined;
  }
  const meetingId = guid(input?.meetingId);
  const type = input?.eventType;
  if (!(PREFETCH_EVENT_TYPES as readonly unknown[]).includes(type) || !meetingId) return undefined;
  const timestamp = input?.timestamp;
  return { meetingId, timestamp: Number.isFinite(timestamp) ? (timestamp as number) : 0 };
}

/** A meeting is only started with this much of the invocation left. */
export const PREFETCH_TIME_MARGIN_MS = 10_000;

/** Message ids and newest addition by meeting; the rest is logged and dropped. */
function additionsOf(event: SQSEvent, log: PrefetchLog) {
  const meetings = new Map<string, { readonly messageIds: string[]; newest: number }>();
  for (const record of event.Records ?? []) {
    const added = addedMeetingOf(record.body);
    if (!added) {
      log({ action: 'ignored', reason: 'not a chime:AttendeeAdded event' });
      continue;
    }
    const additions = meetings.get(added.meetingId) ?? { messageIds: [], newest: 0 };
    additions.messageIds.push(record.messageId);
    additions.newest = Math.max(additions.newest, added.timestamp);
    meetings.set(added.meetingId, additions);
  }
  return meetings;
}

async function prefetch(deps: PrefetchDeps, meetingId: string, newest: number) {
  const read = await deps.shared.read(meetingId, {});
  if (read.snapshot && read.snapshot.takenAt > newest) return 'fresh';
  const outcome = await takeMeetingSnapshot(
    {
      ...deps,
      now: deps.now ?? Date.now,
      call: (operation, send) => deps.pacer.pace(operation, send),
      onCacheError: (operation, error) => {
        throw Object.assign(new Error(`table ${operation} failed`), { cause: error });
      },
    },
    meetingId,
  );
  if (outcome.kind === 'failed') throw outcome.error;
  return outcome.kind === 'taken' ? 'listed' : 'leased';
}

/** Lists a meeting with `minAdded` additions into the table; a failure's messages are retried. */
export function createPrefetchHandler(deps: PrefetchDeps) {
  const log = deps.log ?? ((fields) => writeLine('INFO', 'prefetch', fields));
  return async (event: SQSEvent, context?: { getRemainingTimeInMillis(): number }) => {
    const failures: string[] = [];
    for (const [meetingId, { messageIds, newest }] of additionsOf(event, log)) {
      const added = messageIds.length;
      if (added < deps.minAdded) {
        log({ meetingId, added, action: 'few' });
        continue;
      }
      if (context && context.getRemainingTimeInMillis() < PREFETCH_TIME_MARGIN_MS) {
        failures.push(...messageIds);
        log({ meetingId, added, action: 'retry', reason: 'time' });
        continue;
      }
      try {
        log({ meetingId, added, action: await prefetch(deps, meetingId, newest) });
      } catch (error) {
        if (isNotFound(error)) {
          log({ meetingId, added, action: 'gone' });
          continue;
        }
        const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
        failures.push(...messageIds);
        const reason = cause instanceof Error ? cause.name : 'UnknownError';
        log({ meetingId, added, action: 'retry', reason });
      }
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
