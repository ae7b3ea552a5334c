import type { CallLog } from './call-log';
import { CHIME_ERRORS, ChimeServiceError, InvalidInputError, type WireResponse } from './errors';
import { type EventPublisher, InvalidEventTargetError } from './events';
import { type FaultQueue, parseFaultRule } from './faults';
import { matchRoute, runOperation } from './operations';
import { parseRateUpdate, type RateLimiter } from './rate-limits';
import { seedStore } from './seed';
import type { MeetingStore } from './store';
import { isObject } from './validation';

/** The reserved path prefix of the admin API; no Chime SDK Meetings route starts with it. */
const ADMIN_PREFIX = '/_emulator';

/** What the admin API can touch. None of it is rate limited. */
export interface AdminDeps {
  readonly faults: FaultQueue;
  readonly calls: CallLog;
  readonly store: MeetingStore;
  readonly rates: RateLimiter;
  readonly events: EventPublisher;
  /** Wipes meetings, attendees, idempotency tokens, faults and calls; restores the rates. */
  readonly reset: () => void;
}

const json = (status: number, value: unknown): WireResponse => ({
  status,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(value),
});

const noContent: WireResponse = { status: 204, headers: {} };

/** Whether a path belongs to the admin API. */
export const isAdminPath = (pathname: string): boolean =>
  pathname === ADMIN_PREFIX || pathname.startsWith(`${ADMIN_PREFIX}/`);

/** An endpoint taking the parsed JSON body (`undefined` when it is not JSON). */
type Endpoint = (deps: AdminDeps, body: unknown) => WireResponse;

const done =
  (act: (deps: AdminDeps) => void): Endpoint =>
  (deps) => {
    act(deps);
    return noContent;
  };

const ENDPOINTS: Readonly<Record<string, Endpoint>> = {
  'GET /health': () => json(200, { status: 'ok' }),
  'GET /faults': (deps) => json(200, { faults: deps.faults.list() }),
  // Every rule is validated before any is queued, so a bad list changes nothing.
  'POST /faults': (deps, body) => {
    const rules = (Array.isArray(body) ? body : [body]).map(parseFaultRule);
    return json(201, { faults: rules.map((rule) => deps.faults.add(rule)) });
  },
  'DELETE /faults': done((deps) => deps.faults.clear()),
  'GET /calls': (deps) => json(200, { calls: deps.calls.list() }),
  'GET /calls/stats': (deps) => json(200, deps.calls.stats()),
  'DELETE /calls': done((deps) => deps.calls.clear()),
  'DELETE /calls/stats': done((deps) => deps.calls.clear()),
  'POST /reset': done((deps) => deps.reset()),
  'POST /seed': (deps, body) => json(201, { meetings: seedStore(deps.store, body) }),
  'GET /rates': (deps) => json(200, deps.rates.settings()),
  'PUT /rates': (deps, body) => json(200, deps.rates.configure(parseRateUpdate(body))),
  'POST /rates/refill': done((deps) => deps.rates.refill()),
  'GET /events': (deps) =>
    json(200, { target: deps.events.target() ?? null, stats: deps.events.stats() }),
  'PUT /events/target': (deps, body) => {
    if (!isObject(body) || !Object.hasOwn(body, 'url')) {
      throw new InvalidEventTargetError(
        'The body must be {"url": "http://127.0.0.1:…"} or {"url": null}',
      );
    }
    deps.events.setTarget(body.url === null ? undefined : body.url);
    return json(200, { target: deps.events.target() ?? null });
  },
};

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/**
 * Ends a meeting or deletes an attendee as DeleteMeeting and DeleteAttendee do (events
 * included), without their rates or the call log.
 */
function remove(deps: AdminDeps, path: string): WireResponse | undefined {
  const route = matchRoute('DELETE', path, new URLSearchParams());
  if (!route) {
    const malformed = /^\/meetings\/[^/]+(?:\/attendees\/[^/]+)?$/.test(path);
    return malformed ? json(400, { message: 'Malformed path' }) : undefined;
  }
  runOperation(deps.store, route, { body: '', query: new URLSearchParams() });
  return noContent;
}

/**
 * Serves the admin API under `/_emulator`: health, faults, calls and their stats, reset, seed,
 * rates, ending meetings and deleting attendees, and event delivery. See the README's table.
 * Bad input gets `400 {"message"}`, an unknown meeting or attendee `404 {"message"}`.
 */
export function handleAdmin(
  deps: AdminDeps,
  method: string,
  pathname: string,
  rawBody: string,
): WireResponse {
  const path = pathname.slice(ADMIN_PREFIX.length).replace(/\/+$/, '');
  const key = `${method} ${path}`;
  const endpoint = Object.hasOwn(ENDPOINTS, key) ? ENDPOINTS[key] : undefined;
  try {
    if (endpoint) return endpoint(deps, parseJson(rawBody));
    if (method === 'DELETE' && path.startsWith('/faults/')) {
      const id = path.slice('/faults/'.length);
      return deps.faults.remove(id) ? noContent : json(404, { message: 'No such fault' });
    }
    const removed = method === 'DELETE' ? remove(deps, path) : undefined;
    return removed ?? json(404, { message: `No admin endpoint for ${method} ${pathname}` });
  } catch (error) {
    if (error instanceof InvalidInputError) return json(400, { message: error.message });
    if (error instanceof ChimeServiceError) {
      return json(CHIME_ERRORS[error.errorName].status, { message: error.message });
    }
    throw error;
  }
}
