/**
 * The one route table: the function dispatches on it, the stack and the local gateway declare
 * its routes, a test checks it against `openapi.yaml`. Dependency-free, for the CDK app.
 */
export const API_ROUTES = Object.freeze({
  attendee: { method: 'GET', path: '/meetings/{meetingId}/attendees/{attendeeId}' },
  joinInfo: { method: 'GET', path: '/meetings/{meetingId}/attendees/{attendeeId}/join-info' },
  roster: { method: 'GET', path: '/meetings/{meetingId}/roster' },
} as const);

export type RouteId = keyof typeof API_ROUTES;

/** The API Gateway route key (`METHOD /path`) of a route. */
export const routeKeyOf = (id: RouteId): string =>
  `${API_ROUTES[id].method} ${API_ROUTES[id].path}`;

/** A `Map`, since the key comes from the request: never an inherited `Object.prototype` member. */
const ROUTE_IDS_BY_KEY: ReadonlyMap<string, RouteId> = new Map(
  (Object.keys(API_ROUTES) as RouteId[]).map((id) => [routeKeyOf(id), id]),
);

export const routeIdOf = (routeKey: string): RouteId | undefined => ROUTE_IDS_BY_KEY.get(routeKey);
