import type { GetMeetingCommandOutput } from '@aws-sdk/client-chime-sdk-meetings';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { RouteId } from './api-routes';
import { parseAttendeeIds, parseCallerAttendeeId, parseMeetingId } from './attendee-ids';
import type { AttendeeSource } from './attendee-source';
import { attendeeView, checkedAttendee, rosterView } from './attendee-view';
import { chimeCallsOf, createRequestMetrics, type RequestMetrics } from './cache/metrics';
import { withDeadline } from './call-scope';
import type { CallerBudget } from './caller-budget';
import { isNotFound } from './chime-errors';
import type { Config } from './config';
import type { RequestState } from './context';
import { ProblemError, UpstreamResponseError } from './errors';
import {
  admits,
  decide,
  displayNameOf,
  needsMeetingTenants,
  owns,
  type Verdict,
} from './join-token-policy';
import { meetingView } from './meeting-view';
import type { RequestDeadline } from './request-deadline';
import type { NamedAttendee, Sourced } from './source-deps';

interface RouteDependencies {
  readonly config: Config;
  /** Attendees and meetings through the cache tiers (`attendee-source.ts`). */
  readonly source: AttendeeSource;
  /** What a caller may spend on attendees it may not see (`caller-budget.ts`). */
  readonly budget: CallerBudget;
}

type Route = (
  deps: RouteDependencies,
  event: APIGatewayProxyEventV2,
  state: RequestState,
  deadline: RequestDeadline,
) => Promise<APIGatewayProxyStructuredResultV2>;

const json = (body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
  body: JSON.stringify(body),
});

/**
 * Runs the Chime calls of a request under its deadline: the abort signal for the SDK, and the
 * epoch time the retry strategy must not plan past (see `withDeadline`). The timer behind the
 * signal is Middy's own (`request-deadline.ts`).
 */
function underDeadline<T>(
  deadline: RequestDeadline,
  calls: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  return withDeadline(deadline.at, () => calls(deadline.signal));
}

function record(state: RequestState, sourced: Sourced): void {
  if (sourced.chimeRequestId) state.chimeRequestId = sourced.chimeRequestId;
  if (sourced.chimeAttempts) state.chimeAttempts = sourced.chimeAttempts;
}

/**
 * Who is charged: the token's issuer and `sub`, never the configurable identity claim (an
 * unverified `email` could name someone else's bucket). Never logged or stored as such (the
 * budget keys on an HMAC of it).
 */
function callerOf(state: RequestState): string {
  const claims = state.claims ?? {};
  return `${String(claims.iss)} ${typeof claims.sub === 'string' ? claims.sub : ''}`;
}

/**
 * Runs a lookup for a caller within its budget: refuses a caller that spent it (429 with
 * Retry-After). A lookup that ends in a 404 (not found, or not theirs) costs one, whichever tier
 * answered it, so the budget tells a cached attendee from a missing one no better than the
 * answer does; a lookup that fails otherwise (throttled, timed out, malformed) costs every Chime
 * attempt it spent.
 */
async function withinBudget<T>(
  deps: RouteDependencies,
  state: RequestState,
  lookup: (metrics: RequestMetrics) => Promise<T>,
): Promise<T> {
  // Built (and hashed by the budget) only when the budget needs it: never while nobody wasted.
  const caller = () => callerOf(state);
  const verdict = deps.budget.check(caller);
  if (!verdict.allowed) {
    throw new ProblemError('too_many_requests', 'caller budget spent', {
      headers: { 'Retry-After': String(verdict.retryAfterSeconds) },
    });
  }
  state.metrics ??= createRequestMetrics();
  const metrics = state.metrics;
  const before = chimeCallsOf(metrics);
  try {
    return await lookup(metrics);
  } catch (error) {
    const denied =
      (error instanceof ProblemError && error.code === 'not_found') || isNotFound(error);
    deps.budget.charge(caller, denied ? 1 : chimeCallsOf(metrics) - before);
    throw error;
  }
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
function tenantIdsOf(
  output: Pick<GetMeetingCommandOutput, 'Meeting'>,
  meetingId: string,
): readonly string[] {
  const meeting = output.Meeting;
  if (typeof meeting?.MeetingId !== 'string' || meeting.MeetingId.toLowerCase() !== meetingId) {
    throw new UpstreamResponseError('Meeting.MeetingId differs from the requested one');
  }
  const tenantIds: unknown = meeting.TenantIds ?? [];
  if (!Array.isArray(tenantIds)) throw new UpstreamResponseError('Meeting.TenantIds is not a list');
  return tenantIds.filter((id): id is string => typeof id === 'string');
}

/**
 * The owner's attendees with the display name its verified token carries, recorded for the
 * other participants where the cache does not hold it yet (a write only when it changed).
 */
async function checkIn<A extends NamedAttendee>(
  deps: RouteDependencies,
  state: RequestState,
  meetingId: string,
  owned: readonly A[],
  metrics: RequestMetrics,
): Promise<readonly A[]> {
  const name = displayNameOf(state.claims ?? {}, deps.config.policy);
  if (name === undefined) return owned;
  await Promise.all(
    owned
      .filter((attendee) => attendee.Name !== name)
      .map((attendee) =>
        deps.source.recordName(meetingId, String(attendee.AttendeeId).toLowerCase(), name, {
          metrics,
        }),
      ),
  );
  return owned.map((attendee) => ({ ...attendee, Name: name }));
}

/** The meeting's `TenantIds` (GetMeeting), for a moderator under tenant scope. */
async function meetingTenantIds(
  deps: RouteDependencies,
  state: RequestState,
  deadline: RequestDeadline,
  meetingId: string,
  metrics: RequestMetrics,
  verdict: Verdict,
) {
  state.role = verdict.role;
  const meeting = await underDeadline(deadline, (abortSignal) =>
    deps.source.getMeeting(meetingId, { abortSignal, metrics }),
  );
  return tenantIdsOf(meeting, meetingId);
}

/**
 * `GET /meetings/{meetingId}/attendees/{attendeeId}`: the owner (token per policy), a
 * moderator, or a participant who names its own attendee (`?as=`), read along in the same table
 * read. Under tenant scope, a moderator (never the owner) needs the meeting, after the attendee.
 */
const getAttendee: Route = async (deps, event, state, deadline) => {
  const { config, source } = deps;
  const { meetingId, attendeeId } = parseAttendeeIds(event.pathParameters);
  const callerAttendeeId = parseCallerAttendeeId(event.queryStringParameters);
  const asked = callerAttendeeId === attendeeId ? undefined : callerAttendeeId;
  return await withinBudget(deps, state, async (metrics) => {
    const lookup = (id: string, alongWith?: string) =>
      underDeadline(deadline, (abortSignal) =>
        source.getAttendee(meetingId, id, { abortSignal, metrics, alongWith }),
      );
    const sourced = await lookup(attendeeId, asked);
    record(state, sourced);
    const attendee = checkedAttendee(sourced, attendeeId);
    const claims = state.claims ?? {};
    let verdict = decide(claims, attendee.ExternalUserId, config.policy);
    if (verdict.role === 'owner') {
      await checkIn(deps, state, meetingId, [attendee], metrics);
    } else if (asked !== undefined && config.policy.participants) {
      const own = checkedAttendee(await lookup(asked), asked);
      const member = owns(claims, own.ExternalUserId, config.policy);
      verdict = decide(claims, attendee.ExternalUserId, config.policy, undefined, member);
    }
    if (needsMeetingTenants('attendee', verdict)) {
      const tenantIds = await meetingTenantIds(deps, state, deadline, meetingId, metrics, verdict);
      verdict = decide(claims, attendee.ExternalUserId, config.policy, tenantIds);
    }
    return json(attendeeView(attendee, admit(state, 'attendee', verdict)));
  });
};

/**
 * `GET /meetings/{meetingId}/roster`: every attendee, never a JoinToken, for a participant (who
 * owns one of them: found in the roster itself, no other read) or a moderator. The caller's own
 * attendees are checked in with its name.
 */
const getRoster: Route = async (deps, event, state, deadline) => {
  const { config, source } = deps;
  const meetingId = parseMeetingId(event.pathParameters);
  return await withinBudget(deps, state, async (metrics) => {
    const sourced = await underDeadline(deadline, (abortSignal) =>
      source.getRoster(meetingId, { abortSignal, metrics }),
    );
    record(state, sourced);
    const claims = state.claims ?? {};
    const owned = sourced.Attendees.filter((attendee) =>
      owns(claims, attendee.ExternalUserId, config.policy),
    );
    const member = owned.length > 0;
    let verdict = decide(claims, undefined, config.policy, undefined, member);
    if (needsMeetingTenants('roster', verdict)) {
      const tenantIds = await meetingTenantIds(deps, state, deadline, meetingId, metrics, verdict);
      verdict = decide(claims, undefined, config.policy, tenantIds, member);
    }
    admit(state, 'roster', verdict);
    const checkedIn = new Map(
      (await checkIn(deps, state, meetingId, owned, metrics)).map((a) => [a.AttendeeId, a]),
    );
    return json(rosterView(sourced.Attendees.map((a) => checkedIn.get(a.AttendeeId) ?? a)));
  });
};

/**
 * `GET …/join-info`: what `MeetingSessionConfiguration` takes, for the owner only. The meeting
 * is read only after the attendee and the owner check: a caller who may not see the attendee
 * costs no GetMeeting and learns nothing from the meeting's outcome.
 */
const getJoinInfo: Route = async (deps, event, state, deadline) => {
  const { config, source } = deps;
  const { meetingId, attendeeId } = parseAttendeeIds(event.pathParameters);
  return await withinBudget(deps, state, async (metrics) => {
    const sourced = await underDeadline(deadline, (abortSignal) =>
      source.getAttendee(meetingId, attendeeId, { abortSignal, metrics }),
    );
    record(state, sourced);
    const attendee = checkedAttendee(sourced, attendeeId);
    const decision = admit(
      state,
      'joinInfo',
      decide(state.claims ?? {}, attendee.ExternalUserId, config.policy),
    );
    await checkIn(deps, state, meetingId, [attendee], metrics);
    const meetingOutput = await underDeadline(deadline, (abortSignal) =>
      source.getMeeting(meetingId, { abortSignal, metrics }),
    );
    const meeting = meetingView(meetingOutput, meetingId);
    const { Attendee } = attendeeView(attendee, decision);
    return json({ Meeting: meeting, Attendee });
  });
};

/**
 * The route handlers, by {@link RouteId} of the one route table (`API_ROUTES`): a route added
 * there without a handler here does not compile. Dispatch with `routeIdOf(event.routeKey)`.
 */
export const ROUTE_HANDLERS: Readonly<Record<RouteId, Route>> = Object.freeze({
  attendee: getAttendee,
  joinInfo: getJoinInfo,
  roster: getRoster,
});
