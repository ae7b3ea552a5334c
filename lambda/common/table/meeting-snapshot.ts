import {
  type ChimeSDKMeetingsClient,
  GetMeetingCommand,
  ListAttendeesCommand,
  type Meeting,
} from '@aws-sdk/client-chime-sdk-meetings';
import { withSignal } from '../chime/call-scope';
import type { ChimeOperation } from '../chime/chime-operations';
import { isNotFound } from '../chime/not-found';
import type { CachedAttendee } from './item-codec';
import type { SharedCache } from './shared-cache';

/** ListAttendees' largest page (Chime SDK Meetings API Reference, ListAttendees MaxResults). */
const LIST_ATTENDEES_PAGE = 100;

/** What every Chime SDK output carries: the request id and the SDK's attempts. */
interface ChimeOutput {
  readonly $metadata?: { readonly requestId?: string; readonly attempts?: number };
}

/** What a snapshot needs; the attendee function and the prefetch function each bring theirs. */
export interface MeetingSnapshotDeps {
  readonly chime: Pick<ChimeSDKMeetingsClient, 'send'>;
  readonly shared: Pick<
    SharedCache,
    'acquireLease' | 'failLease' | 'putAttendees' | 'putMeeting' | 'markSnapshot' | 'endMeeting'
  >;
  /** Who takes the lease: one id per container (or prefetch instance). */
  readonly owner: string;
  /** How long the lease holds; the snapshot's own budget (its calls are aborted past it). */
  readonly leaseMs: number;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** Sends one Chime call: the caller counts it (request metrics) or paces it (prefetch). */
  readonly call: <T extends ChimeOutput>(
    operation: ChimeOperation,
    send: () => Promise<T>,
  ) => Promise<T>;
  /** Told of a table operation that failed; the snapshot goes on (or ends `failed`). */
  readonly onCacheError: (operation: string, error: unknown) => void;
  /** Each page after it is written to the table, with the time its listing started. */
  readonly onPage?: (page: readonly CachedAttendee[], takenAt: number) => void;
}

/** How a snapshot ended; a Chime NotFound (the meeting is gone) is thrown instead. */
export type MeetingSnapshotOutcome =
  | {
      readonly kind: 'taken';
      /** Listed attendees by lower-case AttendeeId. */
      readonly attendees: ReadonlyMap<string, CachedAttendee>;
      readonly meeting: Meeting | undefined;
      /** When the listing started: what it shows is Chime's state at this time or later. */
      readonly takenAt: number;
    }
  /** Somebody else holds the lease: its snapshot is under way (or cooling down after a failure). */
  | { readonly kind: 'lost' }
  /**
   * The lease could not be taken, or Chime failed mid-way; the lease is marked failed and kept
   * until it expires: nobody waits for it, and nobody lists the meeting into the same fault.
   */
  | { readonly kind: 'failed'; readonly error: unknown };

/**
 * Pages ListAttendees (100 a page) and returns every attendee listed, the fields cached and
 * nothing else; `onPage` sees each page before the next is asked for.
 */
export async function listAttendees(
  deps: Pick<MeetingSnapshotDeps, 'chime' | 'call'>,
  meetingId: string,
  signal: AbortSignal | undefined,
  onPage?: (page: readonly CachedAttendee[]) => Promise<void>,
): Promise<CachedAttendee[]> {
  const attendees: CachedAttendee[] = [];
  let NextToken: string | undefined;
  do {
    const page = await deps.call('ListAttendees', () =>
      withSignal(signal, () =>
        deps.chime.send(
          new ListAttendeesCommand({
            MeetingId: meetingId,
            MaxResults: LIST_ATTENDEES_PAGE,
            NextToken,
          }),
        ),
      ),
    );
    const records: CachedAttendee[] = (page.Attendees ?? []).map((attendee) => ({
      AttendeeId: attendee.AttendeeId,
      ExternalUserId: attendee.ExternalUserId,
      JoinToken: attendee.JoinToken,
      Capabilities: attendee.Capabilities,
    }));
    attendees.push(...records);
    NextToken = page.NextToken;
    await onPage?.(records);
  } while (NextToken);
  return attendees;
}

/** The listed attendees a lookup can be answered with, by lower-case AttendeeId. */
function byId(listed: readonly CachedAttendee[]): Map<string, CachedAttendee> {
  const attendees = new Map<string, CachedAttendee>();
  for (const attendee of listed) {
    const { AttendeeId, ExternalUserId } = attendee;
    if (typeof AttendeeId === 'string' && typeof ExternalUserId === 'string') {
      attendees.set(AttendeeId.toLowerCase(), attendee);
    }
  }
  return attendees;
}

/**
 * Takes the lease of one meeting and its snapshot: pages ListAttendees (100 a page) into the
 * shared table, each page written as it arrives so that waiters elsewhere find their attendee
 * before the last page, fetches the meeting alongside, and marks the snapshot complete last, only
 * when every record was stored. Each record carries the time the listing started as its version,
 * so a page never replaces what an event or a later read wrote meanwhile. The snapshot runs on
 * its own budget (the lease), not on any request's deadline. After a failure the lease is marked
 * failed and kept until it expires: a cool-down that nobody waits for. A NotFound leaves the
 * meeting's tombstone and is thrown.
 */
export async function takeMeetingSnapshot(
  deps: MeetingSnapshotDeps,
  meetingId: string,
): Promise<MeetingSnapshotOutcome> {
  const takenAt = deps.now();
  try {
    if (!(await deps.shared.acquireLease(meetingId, deps.owner, deps.leaseMs))) {
      return { kind: 'lost' };
    }
  } catch (error) {
    deps.onCacheError('acquireLease', error);
    return { kind: 'failed', error };
  }
  const budget = new AbortController();
  const timer = setTimeout(
    () => budget.abort(new DOMException('The snapshot lease ran out', 'TimeoutError')),
    deps.leaseMs,
  );
  try {
    return await snapshotUnderLease(deps, meetingId, takenAt, budget.signal);
  } finally {
    clearTimeout(timer);
  }
}

async function snapshotUnderLease(
  deps: MeetingSnapshotDeps,
  meetingId: string,
  takenAt: number,
  signal: AbortSignal,
): Promise<MeetingSnapshotOutcome> {
  const { chime, shared } = deps;
  let complete = true;
  const stored = async (operation: string, write: () => Promise<unknown>) => {
    try {
      await write();
    } catch (error) {
      complete = false;
      deps.onCacheError(operation, error);
    }
  };
  const failLease = () =>
    stored('failLease', () => shared.failLease(meetingId, deps.owner, takenAt + deps.leaseMs));
  const [listed, fetched] = await Promise.allSettled([
    listAttendees(deps, meetingId, signal, async (records) => {
      await stored('putAttendees', () => shared.putAttendees(meetingId, records, takenAt));
      deps.onPage?.(records, takenAt);
    }),
    deps.call('GetMeeting', () =>
      withSignal(signal, () => chime.send(new GetMeetingCommand({ MeetingId: meetingId }))),
    ),
  ]);
  // The listing's failure decides; the meeting's only a NotFound beside a whole listing.
  const failure = [listed, fetched].find((result) => result.status === 'rejected');
  if (failure?.status === 'rejected' && isNotFound(failure.reason)) {
    await stored('endMeeting', () => shared.endMeeting(meetingId, deps.now()));
    throw failure.reason;
  }
  if (listed.status === 'rejected') {
    await failLease();
    return { kind: 'failed', error: listed.reason };
  }
  const candidate = fetched.status === 'fulfilled' ? fetched.value.Meeting : undefined;
  const meeting =
    typeof candidate?.MeetingId === 'string' && candidate.MeetingId.toLowerCase() === meetingId
      ? candidate
      : undefined;
  // The records are in already (page by page); then the meeting, then the marker.
  if (meeting) await stored('putMeeting', () => shared.putMeeting(meetingId, meeting, takenAt));
  if (complete) await stored('markSnapshot', () => shared.markSnapshot(meetingId, takenAt));
  // Incomplete: nobody waits for a marker that will not come.
  else await failLease();
  return { kind: 'taken', attendees: byId(listed.value), meeting, takenAt };
}
