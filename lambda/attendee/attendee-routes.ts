import {
  type ChimeSDKMeetingsClient,
  GetAttendeeCommand,
  type GetAttendeeCommandOutput,
  GetMeetingCommand,
  type GetMeetingCommandOutput,
} from '@aws-sdk/client-chime-sdk-meetings';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { API_ROUTES, type RouteId, routeKeyOf } from './api-routes';
import { parseAttendeeIds } from './attendee-ids';
import { attendeeView, checkedAttendee } from './attendee-view';
import type { Config } from './config';
import type { RequestState } from './context';
import { ProblemError, UpstreamResponseError } from './errors';
import { admits, decide, needsMeetingTenants, type Verdict } from './join-token-policy';
import { meetingView } from './meeting-view';
import { withDeadline } from './retry-strategy';

/** @deprecated The route key of `attendee`; use `routeKeyOf('attendee')` from `api-routes.ts`. */
export const ATTENDEE_ROUTE = routeKeyOf('attendee');
/** @deprecated The route key of `joinInfo`; use `routeKeyOf('joinInfo')` from `api-routes.ts`. */
export const JOIN_INFO_ROUTE = routeKeyOf('joinInfo');

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

/**
 * Records the verdict and throws the same 404 as a real NotFoundException unless the route
 * admits it (`join-token-policy.ts` says which roles each route admits): no existence oracle.
 */
function admit(state: RequestState, routeId: RouteId, verdict: Verdict) {
  state.role = verdict.role;
  if (!admits(routeId, verdict)) {
    throw new ProblemError('not_found', `role ${verdict.role} may not see this`);
  }
  return verdict;
}

/** The meeting's `TenantIds`, checked against the requested meeting (OWASP API10). */
function tenantIdsOf(output: GetMeetingCommandOutput, meetingId: string): readonly string[] {
  const meeting = output.Meeting;
  if (typeof meeting?.MeetingId !== 'string' || meeting.MeetingId.toLowerCase() !== meetingId) {
    throw new UpstreamResponseError('Meeting.MeetingId differs from the requested one');
  }
  const tenantIds: unknown = meeting.TenantIds ?? [];
  if (!Array.isArray(tenantIds)) throw new UpstreamResponseError('Meeting.TenantIds is not a list');
  return tenantIds.filter((id): id is string => typeof id === 'string');
}

/**
 * `GET /meetings/{meetingId}/attendees/{attendeeId}`: owner and moderator, token per policy.
 * Under tenant scope, a moderator (never the owner) costs a GetMeeting, after GetAttendee.
 */
export const getAttendee: Route = async ({ config, chime }, event, state, signal) => {
  const { meetingId, attendeeId } = parseAttendeeIds(event.pathParameters);
  const output = await underDeadline(config, state, signal, (abortSignal) =>
    chime.send(new GetAttendeeCommand({ MeetingId: meetingId, AttendeeId: attendeeId }), {
      abortSignal,
    }),
  );
  record(state, output);
  const attendee = checkedAttendee(output, attendeeId);
  const claims = state.claims ?? {};
  let verdict = decide(claims, attendee.ExternalUserId, config.policy);
  if (needsMeetingTenants('attendee', verdict)) {
    state.role = verdict.role;
    const meeting = await underDeadline(config, state, signal, (abortSignal) =>
      chime.send(new GetMeetingCommand({ MeetingId: meetingId }), { abortSignal }),
    );
    verdict = decide(
      claims,
      attendee.ExternalUserId,
      config.policy,
      tenantIdsOf(meeting, meetingId),
    );
  }
  return json(attendeeView(attendee, admit(state, 'attendee', verdict)));
};

/**
 * `GET …/join-info`: what `MeetingSessionConfiguration` takes, for the owner only. GetMeeting
 * runs only after GetAttendee and the owner check: a caller who may not see the attendee costs
 * no GetMeeting and learns nothing from the meeting's outcome.
 */
export const getJoinInfo: Route = async ({ config, chime }, event, state, signal) => {
  const { meetingId, attendeeId } = parseAttendeeIds(event.pathParameters);
  const attendeeOutput = await underDeadline(config, state, signal, (abortSignal) =>
    chime.send(new GetAttendeeCommand({ MeetingId: meetingId, AttendeeId: attendeeId }), {
      abortSignal,
    }),
  );
  record(state, attendeeOutput);
  const attendee = checkedAttendee(attendeeOutput, attendeeId);
  const decision = admit(
    state,
    'joinInfo',
    decide(state.claims ?? {}, attendee.ExternalUserId, config.policy),
  );
  const meetingOutput = await underDeadline(config, state, signal, (abortSignal) =>
    chime.send(new GetMeetingCommand({ MeetingId: meetingId }), { abortSignal }),
  );
  const meeting = meetingView(meetingOutput, meetingId);
  const { Attendee } = attendeeView(attendee, decision);
  return json({ Meeting: meeting, Attendee });
};

/**
 * The route handlers, by {@link RouteId} of the one route table (`API_ROUTES`): a route added
 * there without a handler here does not compile. Dispatch with `routeIdOf(event.routeKey)`.
 */
export const ROUTE_HANDLERS: Readonly<Record<RouteId, Route>> = Object.freeze({
  attendee: getAttendee,
  joinInfo: getJoinInfo,
});

/**
 * @deprecated The handlers by API Gateway route key, for `local/dev-stack.ts` and the
 * infrastructure test until they read `API_ROUTES`; derived from {@link ROUTE_HANDLERS}.
 */
export const ROUTES: Readonly<Record<string, Route>> = Object.freeze(
  Object.fromEntries(
    (Object.keys(API_ROUTES) as RouteId[]).map((id) => [routeKeyOf(id), ROUTE_HANDLERS[id]]),
  ),
);
