import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { withDeadline } from '../../common/chime/call-scope';
import { isNotFound } from '../../common/chime/not-found';
import type { AttendeeSource } from '../cache/attendee-source';
import { chimeCallsOf, createRequestMetrics, type RequestMetrics } from '../cache/metrics';
import type { NamedAttendee, Sourced } from '../cache/source-deps';
import type { Config } from '../config';
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

/** One request's lookups: its meeting, state, deadline and counters. */
interface Request extends RouteDependencies {
  readonly state: RequestState;
  readonly meetingId: string;
  readonly deadlineAt: number;
  readonly options: { readonly abortSignal: AbortSignal; readonly metrics: RequestMetrics };
}

/** Runs a lookup under the request's deadline: the SDK's abort signal, the retries' horizon. */
const run = <T>(request: Request, lookup: (options: Request['options']) => Promise<T>) =>
  withDeadline(request.deadlineAt, () => lookup(request.options));

const json = (body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
  body: JSON.stringify(body),
});

function record(state: RequestState, sourced: Sourced): void {
  if (sourced.chimeRequestId) state.chimeRequestId = sourced.chimeRequestId;
  if (sourced.chimeAttempts) state.chimeAttempts = sourced.chimeAttempts;
}

/**
 * Runs a request's lookups within its caller's budget (429 once spent). A 404 (not found, or not
 * theirs) costs one whichever tier answered, so the budget is no existence oracle; another
 * failure costs the Chime attempts it spent. The caller is the token's issuer and `sub`, never
 * the identity claim (an unverified `email` could name someone else's bucket).
 */
async function withinBudget<T>(
  deps: RouteDependencies,
  state: RequestState,
  deadline: RequestDeadline,
  meetingId: string,
  lookups: (request: Request) => Promise<T>,
): Promise<T> {
  const caller = () => {
    const claims = state.claims ?? {};
    return `${String(claims.iss)} ${typeof claims.sub === 'string' ? claims.sub : ''}`;
  };
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
  try {
    return await lookups({ ...deps, state, meetingId, deadlineAt: deadline.at, options });
  } catch (error) {
    const denied =
      (error instanceof ProblemError && error.code === 'not_found') || isNotFound(error);
    deps.budget.charge(caller, denied ? 1 : chimeCallsOf(metrics) - before);
    throw error;
  }
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
  const { state, config, meetingId } = request;
  const claims = state.claims ?? {};
  let verdict = decide(claims, externalUserId, config.policy, undefined, member);
  if (needsMeetingTenants(routeId, verdict)) {
    state.role = verdict.role;
    const { Meeting } = await run(request, (options) =>
      request.source.getMeeting(meetingId, options),
    );
    if (typeof Meeting?.MeetingId !== 'string' || Meeting.MeetingId.toLowerCase() !== meetingId) {
      throw new UpstreamResponseError('Meeting.MeetingId differs from the requested one');
    }
    const tenantIds: unknown = Meeting.TenantIds ?? [];
    if (!Array.isArray(tenantIds)) {
      throw new UpstreamResponseError('Meeting.TenantIds is not a list');
    }
    const tenants = tenantIds.filter((id): id is string => typeof id === 'string');
    verdict = decide(claims, externalUserId, config.policy, tenants, member);
  }
  state.role = verdict.role;
  if (!admits(routeId, verdict)) {
    throw new ProblemError('not_found', `role ${verdict.role} may not see this`);
  }
  return verdict;
}

/** The owner's attendees with its token's display name, recorded where it changed. */
async function checkIn<A extends NamedAttendee>(request: Request, owned: readonly A[]) {
  const name = displayNameOf(request.state.claims ?? {}, request.config.policy);
  if (name === undefined) return owned;
  const { meetingId, options } = request;
  await Promise.all(
    owned
      .filter((attendee) => attendee.Name !== name)
      .map((attendee) => {
        const attendeeId = String(attendee.AttendeeId).toLowerCase();
        return request.source.recordName(meetingId, attendeeId, name, options);
      }),
  );
  return owned.map((attendee) => ({ ...attendee, Name: name }));
}

/** The attendee the path names, checked against the request (API10). */
async function pathAttendee(request: Request, attendeeId: string, alongWith?: string) {
  const sourced = await run(request, (options) =>
    request.source.getAttendee(request.meetingId, attendeeId, { ...options, alongWith }),
  );
  record(request.state, sourced);
  return checkedAttendee(sourced, attendeeId);
}

/**
 * `GET …/attendees/{attendeeId}`: for the owner (token per policy), a moderator, or a participant
 * naming its own attendee (`?as=`, read along in the same table read).
 */
const getAttendee: Route = async (deps, event, state, deadline) => {
  const { meetingId, attendeeId } = parseAttendeeIds(event.pathParameters);
  const callerAttendeeId = parseCallerAttendeeId(event.queryStringParameters);
  const asked = callerAttendeeId === attendeeId ? undefined : callerAttendeeId;
  return await withinBudget(deps, state, deadline, meetingId, async (request) => {
    const { policy } = deps.config;
    const claims = state.claims ?? {};
    const attendee = await pathAttendee(request, attendeeId, asked);
    let member = false;
    if (owns(claims, attendee.ExternalUserId, policy)) {
      await checkIn(request, [attendee]);
    } else if (asked !== undefined && policy.participants) {
      const { Attendee } = await run(request, (options) =>
        deps.source.getAttendee(meetingId, asked, options),
      );
      member = owns(claims, checkedAttendee({ Attendee }, asked).ExternalUserId, policy);
    }
    const verdict = await verdictOf(request, 'attendee', attendee.ExternalUserId, member);
    return json(attendeeView(attendee, verdict));
  });
};

/** `GET …/roster`: every attendee, never a JoinToken, for a participant or a moderator. */
const getRoster: Route = async (deps, event, state, deadline) => {
  const meetingId = parseMeetingId(event.pathParameters);
  return await withinBudget(deps, state, deadline, meetingId, async (request) => {
    const sourced = await run(request, (options) => deps.source.getRoster(meetingId, options));
    record(state, sourced);
    const claims = state.claims ?? {};
    const owned = sourced.Attendees.filter((attendee) =>
      owns(claims, attendee.ExternalUserId, deps.config.policy),
    );
    await verdictOf(request, 'roster', undefined, owned.length > 0);
    const checkedIn = new Map((await checkIn(request, owned)).map((a) => [a.AttendeeId, a]));
    return json(rosterView(sourced.Attendees.map((a) => checkedIn.get(a.AttendeeId) ?? a)));
  });
};

/**
 * `GET …/join-info`: what `MeetingSessionConfiguration` takes, for the owner only. The meeting is
 * read only after the owner check: anyone else costs no GetMeeting and learns nothing from it.
 */
const getJoinInfo: Route = async (deps, event, state, deadline) => {
  const { meetingId, attendeeId } = parseAttendeeIds(event.pathParameters);
  return await withinBudget(deps, state, deadline, meetingId, async (request) => {
    const attendee = await pathAttendee(request, attendeeId);
    const verdict = await verdictOf(request, 'joinInfo', attendee.ExternalUserId, false);
    await checkIn(request, [attendee]);
    const meeting = await run(request, (options) => deps.source.getMeeting(meetingId, options));
    const { Attendee } = attendeeView(attendee, verdict);
    return json({ Meeting: meetingView(meeting, meetingId), Attendee });
  });
};

/** The handlers by route id of `API_ROUTES`: a route without one does not compile. */
export const ROUTE_HANDLERS: Readonly<Record<RouteId, Route>> = Object.freeze({
  attendee: getAttendee,
  joinInfo: getJoinInfo,
  roster: getRoster,
});
