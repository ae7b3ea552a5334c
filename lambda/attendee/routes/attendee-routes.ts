import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { withDeadline } from '../../common/chime/call-scope';
import { isNotFound } from '../../common/chime/not-found';
import type { Config } from '../../common/config/settings';
import type { Claims } from '../auth/token-verifier';
import type { AttendeeSource } from '../cache/attendee-source';
import type { NamedAttendee, Sourced } from '../cache/lookups';
import { chimeCallsOf, createRequestMetrics, type RequestMetrics } from '../cache/metrics';
import type { RequestState } from '../context';
import { ProblemError, UpstreamResponseError } from '../errors/errors';
import type { CallerBudget } from '../policy/caller-budget';
import {
  admits,
  decide,
  displayNameOf,
  needsMeetingTenants,
  owns,
} from '../policy/join-token-policy';
import type { RequestDeadline } from '../request-deadline';
import type { RouteId } from './api-routes';
import { parseAttendeeIds, parseCallerAttendeeId, parseMeetingId } from './attendee-ids';
import { attendeeView, checkedAttendee, rosterView } from './attendee-view';
import { meetingView } from './meeting-view';

interface RouteDependencies {
  readonly config: Config;
  readonly source: AttendeeSource;
  readonly budget: CallerBudget;
}

type Route = (
  deps: RouteDependencies,
  event: APIGatewayProxyEventV2,
  state: RequestState,
  deadline: RequestDeadline,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** One request's lookups: its meeting, caller, state and the options of its lookups. */
interface Request extends RouteDependencies {
  readonly state: RequestState;
  readonly claims: Claims;
  readonly meetingId: string;
  readonly options: { readonly abortSignal: AbortSignal; readonly metrics: RequestMetrics };
}

function record(state: RequestState, sourced: Sourced): void {
  if (sourced.chimeRequestId) state.chimeRequestId = sourced.chimeRequestId;
  if (sourced.chimeAttempts) state.chimeAttempts = sourced.chimeAttempts;
}

/**
 * A route: IDs parsed, lookups within the caller's budget, a JSON answer. A 404 costs one
 * whichever tier answered (the budget is no existence oracle), another failure its Chime
 * attempts. The caller is `iss` and `sub`, never the identity claim (an unverified `email`).
 */
function route<Ids extends { readonly meetingId: string }>(
  parse: (event: APIGatewayProxyEventV2) => Ids,
  lookups: (request: Request, ids: Ids) => Promise<unknown>,
): Route {
  return async (deps, event, state, deadline) => {
    const ids = parse(event);
    const claims = state.claims ?? {};
    const caller = () =>
      `${String(claims.iss)} ${typeof claims.sub === 'string' ? claims.sub : ''}`;
    const verdict = deps.budget.check(caller);
    if (!verdict.allowed) {
      throw new ProblemError('too_many_requests', 'caller budget spent', {
        'Retry-After': String(verdict.retryAfterSeconds),
      });
    }
    state.metrics ??= createRequestMetrics();
    const { metrics } = state;
    const options = { abortSignal: deadline.signal, metrics };
    const before = chimeCallsOf(metrics);
    const request = { ...deps, state, claims, meetingId: ids.meetingId, options };
    try {
      // The deadline is the lookups' abort signal and their Chime retries' horizon.
      const body = JSON.stringify(await withDeadline(deadline.at, () => lookups(request, ids)));
      const headers = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
      return { statusCode: 200, headers, body };
    } catch (error) {
      const denied =
        (error instanceof ProblemError && error.code === 'not_found') || isNotFound(error);
      deps.budget.charge(caller, denied ? 1 : chimeCallsOf(metrics) - before);
      throw error;
    }
  };
}

/**
 * What the caller may see if the route admits it, else the same 404 as a missing attendee. Under
 * tenant scope a moderator (never the owner) needs the meeting's `TenantIds` (OWASP API10).
 */
async function verdictOf(
  request: Request,
  routeId: RouteId,
  externalUserId: string | undefined,
  member: boolean,
) {
  const { state, claims, config, meetingId } = request;
  let verdict = decide(claims, externalUserId, config, undefined, member);
  if (needsMeetingTenants(routeId, verdict)) {
    state.role = verdict.role;
    const { Meeting } = await request.source.getMeeting(meetingId, request.options);
    if (typeof Meeting?.MeetingId !== 'string' || Meeting.MeetingId.toLowerCase() !== meetingId) {
      throw new UpstreamResponseError('Meeting.MeetingId differs from the requested one');
    }
    const tenantIds: unknown = Meeting.TenantIds ?? [];
    if (!Array.isArray(tenantIds))
      throw new UpstreamResponseError('Meeting.TenantIds is not a list');
    const tenants = tenantIds.filter((id): id is string => typeof id === 'string');
    verdict = decide(claims, externalUserId, config, tenants, member);
  }
  state.role = verdict.role;
  if (!admits(routeId, verdict)) {
    throw new ProblemError('not_found', `role ${verdict.role} may not see this`);
  }
  return verdict;
}

/** The owner's attendees with its token's display name, recorded where it changed. */
async function checkIn<A extends NamedAttendee>(request: Request, owned: readonly A[]) {
  const name = displayNameOf(request.claims, request.config);
  if (name === undefined) return owned;
  const { meetingId, options } = request;
  const renamed = owned.filter((attendee) => attendee.Name !== name);
  await Promise.all(
    renamed.map(({ AttendeeId }) =>
      request.source.recordName(meetingId, String(AttendeeId).toLowerCase(), name, options),
    ),
  );
  return owned.map((attendee) => ({ ...attendee, Name: name }));
}

/** The attendee the path names, checked against the request (API10). */
async function pathAttendee(request: Request, attendeeId: string, alongWith?: string) {
  const { source, meetingId, options } = request;
  const sourced = await source.getAttendee(meetingId, attendeeId, { ...options, alongWith });
  record(request.state, sourced);
  return checkedAttendee(sourced, attendeeId);
}

/** `GET …/attendees/{attendeeId}`: for the owner, a moderator, or a participant naming its own. */
const getAttendee = route(
  (event) => ({
    ...parseAttendeeIds(event.pathParameters),
    callerAttendeeId: parseCallerAttendeeId(event.queryStringParameters),
  }),
  async (request, { meetingId, attendeeId, callerAttendeeId }) => {
    const { claims, config, source } = request;
    const asked = callerAttendeeId === attendeeId ? undefined : callerAttendeeId;
    const attendee = await pathAttendee(request, attendeeId, asked);
    let member = false;
    if (owns(claims, attendee.ExternalUserId, config)) {
      await checkIn(request, [attendee]);
    } else if (asked !== undefined && config.participantRole === 'on') {
      const { Attendee } = await source.getAttendee(meetingId, asked, request.options);
      member = owns(claims, checkedAttendee({ Attendee }, asked).ExternalUserId, config);
    }
    const verdict = await verdictOf(request, 'attendee', attendee.ExternalUserId, member);
    return attendeeView(attendee, verdict);
  },
);

/** `GET …/roster`: every attendee, never a JoinToken, for a participant or a moderator. */
const getRoster = route(
  (event) => ({ meetingId: parseMeetingId(event.pathParameters) }),
  async (request, { meetingId }) => {
    const sourced = await request.source.getRoster(meetingId, request.options);
    record(request.state, sourced);
    const owned = sourced.Attendees.filter((attendee) =>
      owns(request.claims, attendee.ExternalUserId, request.config),
    );
    await verdictOf(request, 'roster', undefined, owned.length > 0);
    const checkedIn = new Map((await checkIn(request, owned)).map((a) => [a.AttendeeId, a]));
    return rosterView(sourced.Attendees.map((a) => checkedIn.get(a.AttendeeId) ?? a));
  },
);

/**
 * `GET …/join-info`: what `MeetingSessionConfiguration` takes, for the owner only. The meeting is
 * read only after the owner check: anyone else costs no GetMeeting and learns nothing from it.
 */
const getJoinInfo = route(
  (event) => parseAttendeeIds(event.pathParameters),
  async (request, { meetingId, attendeeId }) => {
    const attendee = await pathAttendee(request, attendeeId);
    const verdict = await verdictOf(request, 'joinInfo', attendee.ExternalUserId, false);
    await checkIn(request, [attendee]);
    const meeting = await request.source.getMeeting(meetingId, request.options);
    const { Attendee } = attendeeView(attendee, verdict);
    return { Meeting: meetingView(meeting, meetingId), Attendee };
  },
);

/** The handlers by route id of `API_ROUTES`: a route without one does not compile. */
export const ROUTE_HANDLERS: Readonly<Record<RouteId, Route>> = Object.freeze({
  attendee: getAttendee,
  joinInfo: getJoinInfo,
  roster: getRoster,
});
