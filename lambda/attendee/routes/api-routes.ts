/**
 * The one route table of the API: the function dispatches on it, the stack declares its HTTP API
 * routes from it, the local gateway serves it, and a test checks it against `openapi.yaml`.
 * Dependency-free, so the CDK app can import it without the function's SDKs.
 * Which roles each route admits is the policy's business (`join-token-policy.ts`).
 */

/** The routes, by id. `path` uses API Gateway's `{name}` parameters. */
export const API_ROUTES = Object.freeze({
  attendee: Object.freeze({
    method: 'GET',
    path: '/meetings/{meetingId}/attendees/{attendeeId}',
  }),
  joinInfo: Object.freeze({
    method: 'GET',
    path: '/meetings/{meetingId}/attendees/{attendeeId}/join-info',
  }),
  roster: Object.freeze({
    method: 'GET',
    path: '/meetings/{meetingId}/roster',
  }),
} as const);

export type RouteId = keyof typeof API_ROUTES;

/** The API Gateway route key (`METHOD /path`) of a route. */
export const routeKeyOf = (id: RouteId): string =>
  `${API_ROUTES[id].method} ${API_ROUTES[id].path}`;

/** Route ids by route key; a `Map`, since the key comes from the request. */
const ROUTE_IDS_BY_KEY: ReadonlyMap<string, RouteId> = new Map(
  (Object.keys(API_ROUTES) as RouteId[]).map((id) => [routeKeyOf(id), id]),
);

/** The route a route key names, or `undefined` (never an inherited `Object.prototype` member). */
export const routeIdOf = (routeKey: string): RouteId | undefined => ROUTE_IDS_BY_KEY.get(routeKey);
