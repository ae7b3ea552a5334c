import type { ChimeSDKMeetingsClient } from '@aws-sdk/client-chime-sdk-meetings';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type MeetingEventInput, PREFETCH_EVENT_TYPES } from '../common/chime/chime-events';
import { isNotFound } from '../common/chime/not-found';
import { guidOf as guid } from '../common/ids';
import { writeLine } from '../common/log-line';
import { takeMeetingSnapshot } from '../common/table/meeting-snapshot';
import type { SharedCache } from '../common/table/shared-cache';
import type { Pacer } from './pacer';

/**
 * What the handler did with one meeting of a batch: `listed` into the table; `few` additions
 * (left to the request path); `fresh`: a snapshot newer than the newest addition is there;
 * `leased` by another container or instance; `gone` (NotFound); `retry`: Chime or the table
 * failed, or time ran out, and its messages go back to the queue.
 */
type PrefetchAction = 'listed' | 'few' | 'fresh' | 'leased' | 'gone' | 'retry';

/** One structured line per meeting: ids, counts and the outcome, never a user id. */
export type PrefetchLog = (fields: Readonly<Record<string, string | number>>) => void;

/** What the prefetch handler needs; index.ts builds it once per container. */
export interface PrefetchDeps {
  readonly chime: Pick<ChimeSDKMeetingsClient, 'send'>;
  readonly shared: Pick<
    SharedCache,
    | 'read'
    | 'acquireLease'
    | 'failLease'
    | 'putAttendees'
    | 'putMeeting'
    | 'markSnapshot'
    | 'endMeeting'
  >;
  /** This instance's lease owner id. */
  readonly owner: string;
  readonly leaseMs: number;
  /** Additions of one meeting in one batch that make it worth listing. */
  readonly minAdded: number;
  readonly pacer: Pacer;
  readonly now?: () => number;
  readonly log?: PrefetchLog;
}

interface MeetingAdditions {
  readonly messageIds: string[];
  /** Newest `detail.timestamp` of its additions (epoch ms); 0 when none had one. */
  newest: number;
}

/**
 * The meeting an SQS message's body announces an attendee for, or undefined. The body is the
 * rule's input (`MeetingEventInput`), not the whole event.
 */
export function addedMeetingOf(body: string): { meetingId: string; timestamp: number } | undefined {
  let input: MeetingEventInput | null;
  try {
    input = JSON.parse(body) as MeetingEventInput | null;
  } catch {
    return undefined;
  }
  const type = input?.eventType;
  if (typeof type !== 'string' || !(PREFETCH_EVENT_TYPES as readonly string[]).includes(type)) {
    return undefined;
  }
  const meetingId = guid(input?.meetingId);
  const { timestamp } = input as MeetingEventInput;
  if (!meetingId) return undefined;
  return {
    meetingId,
    timestamp: typeof timestamp === 'number' && Number.isFinite(timestamp) ? timestamp : 0,
  };
}

/** Time kept in hand: a meeting is only started when this much of the invocation is left. */
export const PREFETCH_TIME_MARGIN_MS = 10_000;

/** The batch's additions, by meeting; what is not an addition is logged and dropped. */
function additionsOf(event: SQSEvent, log: PrefetchLog): Map<string, MeetingAdditions> {
  const meetings = new Map<string, MeetingAdditions>();
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

/** Lists one meeting into the table unless a snapshot newer than its additions is there. */
async function prefetch(
  deps: PrefetchDeps,
  meetingId: string,
  newest: number,
): Promise<PrefetchAction> {
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

/**
 * The handler of the prefetch queue: `chime:AttendeeAdded` events, batched by the queue (Lambda's
 * SQS event source, with a batching window), grouped by meeting. A meeting with at least
 * `minAdded` additions in the batch is listed into the shared table with the same lease and
 * snapshot as a hot meeting (common/table/meeting-snapshot.ts), its Chime calls paced, unless a snapshot
 * newer than its newest addition is there already; so when its attendees arrive, they are
 * answered from the table without a Chime call. Meetings that failed, or that time did not
 * allow, are reported as batch item failures: the queue delivers their messages again.
 */
export function createPrefetchHandler(
  deps: PrefetchDeps,
): (
  event: SQSEvent,
  context?: { getRemainingTimeInMillis(): number },
) => Promise<SQSBatchResponse> {
  const log = deps.log ?? ((fields) => writeLine('INFO', 'prefetch', fields));
  return async (event, context) => {
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
        log({
          meetingId,
          added,
          action: 'retry',
          reason: cause instanceof Error ? cause.name : 'UnknownError',
        });
      }
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
