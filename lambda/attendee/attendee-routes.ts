import {
  type ChimeSDKMeetingsClient,
  GetAttendeeCommand,
  type GetAttendeeCommandOutput,
  GetMeetingCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { parseAttendeeIds } from './attendee-ids';
import { attendeeView, checkedAttendee } from './attendee-view';
import type { Config } from './config';
import type { RequestState } from './context';
import { ProblemError } from './errors';
import { type Decision, decide } from './join-token-policy';
import { meetingView } from './meeting-view';
import { withDeadline } from './retry-strategy';

export const ATTENDEE_ROUTE = 'GET /meetings/{meetingId}/attendees/{attendeeId}';
export const JOIN_INFO_ROUTE = 'GET /meetings/{meetingId}/attendees/{attendeeId}/join-info';

export interface RouteDependencies {
  readonly config: Config;
  readonly chime: Pick<ChimeSDKMeetingsClient, 'send'>;
}

type Route = (
  deps: RouteDependencies,
  event: APIGatewayProxyEventV2,
  state: RequestState,
  signal: AbortSignal,
) => Promise<APIGatewayProxyStructuredResultV2>;

const json = (body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
  body: JSON.stringify(body),
});

/**
 * The deadline of this request: an abort signal for the SDK (Middy's own signal included), and
 * the epoch time the retry strategy must not plan past (see `withDeadline`). One timer, cleared
 * by `clear()` once the calls are done: `AbortSignal.timeout` keeps a timer and a signal alive
 * for the whole budget after every request, and `AbortSignal.any` is slow to build.
 */
function deadline(config: Config, state: RequestState, signal: AbortSignal) {
  const budgetMs = Math.max(
    0,
    Math.floor(config.deadlineMs - (performance.now() - state.startedAt)),
  );
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException('The request deadline passed', 'TimeoutError')),
    budgetMs,
  );
  return {
    at: Date.now() + budgetMs,
    abortSignal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}

/** Runs the Chime calls of a request under its deadline, and releases the timer afterwards. */
async function underDeadline<T>(
  config: Config,
  state: RequestState,
  signal: AbortSignal,
  calls: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  const { at, abortSignal, clear } = deadline(config, state, signal);
  try {
    return await withDeadline(at, () => calls(abortSignal));
  } finally {
    clear();
  }
}

function record(state: RequestState, output: GetAttendeeCommandOutput): void {
  if (output.$metadata?.requestId) state.chimeRequestId = output.$metadata.requestId;
  if (output.$metadata?.attempts) state.chimeAttempts = output.$metadata.attempts;
}

/** Throws the same 404 as a real NotFoundException when `allowed` is false: no existence oracle. */
function allow<D extends Decision>(state: RequestState, decision: D, allowed: boolean) {
  state.role = decision.role;
  if (!allowed) throw new ProblemError('not_found', `role ${decision.role} may not see this`);
}

/** `GET /meetings/{meetingId}/attendees/{attendeeId}`: owner and moderator, token per policy. */
export const getAttendee: Route = async ({ config, chime }, event, state, signal) => {
  const { meetingId, attendeeId } = parseAttendeeIds(event.pathParameters);
  const output = await underDeadline(config, state, signal, (abortSignal) =>
    chime.send(new GetAttendeeCommand({ MeetingId: meetingId, AttendeeId: attendeeId }), {
      abortSignal,
    }),
  );
  record(state, output);
  const attendee = checkedAttendee(output, attendeeId);
  const decision = decide(state.claims ?? {}, attendee.ExternalUserId, config.policy);
  allow(state, decision, decision.role !== 'none');
  return json(attendeeView(attendee, decision as Exclude<Decision, { role: 'none' }>));
};

/**
 * `GET …/join-info`: what `MeetingSessionConfiguration` takes, for the owner only. GetMeeting
 * and GetAttendee run in parallel; the attendee's outcome is judged first, so a caller who may
 * not see the attendee learns nothing from the meeting's.
 */
export const getJoinInfo: Route = async ({ config, chime }, event, state, signal) => {
  const { meetingId, attendeeId } = parseAttendeeIds(event.pathParameters);
  const [attendeeResult, meetingResult] = await underDeadline(
    config,
    state,
    signal,
    (abortSignal) =>
      Promise.allSettled([
        chime.send(new GetAttendeeCommand({ MeetingId: meetingId, AttendeeId: attendeeId }), {
          abortSignal,
        }),
        chime.send(new GetMeetingCommand({ MeetingId: meetingId }), { abortSignal }),
      ]),
  );
  if (attendeeResult.status === 'rejected') throw attendeeResult.reason;
  record(state, attendeeResult.value);
  const attendee = checkedAttendee(attendeeResult.value, attendeeId);
  const decision = decide(state.claims ?? {}, attendee.ExternalUserId, config.policy);
  allow(state, decision, decision.role === 'owner');
  if (meetingResult.status === 'rejected') throw meetingResult.reason;
  const meeting = meetingView(meetingResult.value, meetingId);
  const { Attendee } = attendeeView(attendee, decision as Extract<Decision, { role: 'owner' }>);
  return json({ Meeting: meeting, Attendee });
};

/** The routes this function serves, by API Gateway route key. */
export const ROUTES: Readonly<Record<string, Route>> = Object.freeze({
  [ATTENDEE_ROUTE]: getAttendee,
  [JOIN_INFO_ROUTE]: getJoinInfo,
});
