import {
  type ChimeSDKMeetingsClient,
  GetMeetingCommand,
  ListAttendeesCommand,
  type Meeting,
} from '@aws-sdk/client-chime-sdk-meetings';
import { withSignal } from '../chime/call-scope';
import type { ChimeOperation } from '../chime/chime-operations';
import { isNotFound } from '../chime/not-found';
import { type CachedAttendee, cachedAttendee } from './item-codec';
import type { SharedCache } from './shared-cache';

export interface MeetingSnapshotDeps {
  readonly chime: Pick<ChimeSDKMeetingsClient, 'send'>;
  readonly shared: SharedCache;
  /** The lease's holder: one per container (or prefetch instance). */
  readonly owner: string;
  /** The snapshot's own budget: its calls are aborted past it. */
  readonly leaseMs: number;
  readonly now: () => number;
  /** Counts (request metrics) or paces (prefetch) one Chime call. */
  readonly call: <T extends object>(
    operation: ChimeOperation,
    send: () => Promise<T>,
  ) => Promise<T>;
  readonly onCacheError: (operation: string, error: unknown) => void;
  readonly onPage?: (page: readonly CachedAttendee[], takenAt: number) => void;
}

/** How a snapshot ended; a Chime NotFound (the meeting is gone) is thrown instead. */
export type MeetingSnapshotOutcome =
  | {
      readonly kind: 'taken';
      readonly attendees: ReadonlyMap<string, CachedAttendee>;
      readonly meeting: Meeting | undefined;
      /** When the listing started: it shows Chime's state at this time or later. */
      readonly takenAt: number;
    }
  /** Another holds the lease (listing, or cooling down after a failure). */
  | { readonly kind: 'lost' }
  | { readonly kind: 'failed'; readonly error: unknown };

/** The attendees with an AttendeeId and an ExternalUserId; `onPage` sees each page first. */
export async function listAttendees(
  deps: Pick<MeetingSnapshotDeps, 'chime' | 'call'>,
  MeetingId: string,
  signal: AbortSignal | undefined,
  onPage?: (page: readonly CachedAttendee[]) => Promise<void>,
): Promise<CachedAttendee[]> {
  const attendees: CachedAttendee[] = [];
  let NextToken: string | undefined;
  do {
    const command = new ListAttendeesCommand({ MeetingId, MaxResults: 100, NextToken });
    const page = await deps.call('ListAttendees', () =>
      withSignal(signal, () => deps.chime.send(command)),
    );
    const records = (page.Attendees ?? [])
      .filter((a) => typeof a.AttendeeId === 'string' && typeof a.ExternalUserId === 'string')
      .map(cachedAttendee);
    attendees.push(...records);
    NextToken = page.NextToken;
    await onPage?.(records);
  } while (NextToken);
  return attendees;
}

/**
 * Under the meeting's lease, stores each ListAttendees page as it arrives (waiters elsewhere find
 * theirs early) and the meeting, then marks the snapshot complete only if every write succeeded.
 * Versions are the listing's start, so nothing an event or a later read wrote is replaced.
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
  const meeting = candidate?.MeetingId?.toLowerCase() === meetingId ? candidate : undefined;
  if (meeting) await stored('putMeeting', () => shared.putMeeting(meetingId, meeting, takenAt));
  if (complete) await stored('markSnapshot', () => shared.markSnapshot(meetingId, takenAt));
  // Incomplete: nobody should wait for a marker that will not come.
  else await failLease();
  const attendees = new Map(listed.value.map((a) => [(a.AttendeeId as string).toLowerCase(), a]));
  return { kind: 'taken', attendees, meeting, takenAt };
}
