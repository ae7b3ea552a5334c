import type { CallLog } from './call-log';
import {
  CHIME_ERRORS,
  ChimeServiceError,
  InvalidInputError,
  jsonResponse as json,
  type WireResponse,
} from './errors';
import { type EventPublisher, InvalidEventTargetError } from './events';
import { type FaultQueue, parseFaultRule } from './faults';
import { matchRoute, runOperation } from './operations';
import { parseRateUpdate, type RateLimiter } from './rate-limits';
import { seedStore } from './seed';
import type { MeetingStore } from './store';
import { isObject, parseJson } from './validation';

const PREFIX = '/_emulator';

export interface AdminDeps {
  readonly faults: FaultQueue;
  readonly calls: CallLog;
  readonly store: MeetingStore;
  readonly rates: RateLimiter;
  readonly events: EventPublisher;
  readonly reset: () => void;
}

export const isAdminPath = (pathname: string): boolean =>
  pathname === PREFIX || pathname.startsWith(`${PREFIX}/`);

/** `body` is `undefined` when it is not JSON. */
type Endpoint = (deps: AdminDeps, body: unknown) => WireResponse;

const done =
  (act: (deps: AdminDeps) => void): Endpoint =>
  (deps) => {
    act(deps);
    return json(204, undefined);
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

/** As DeleteMeeting and DeleteAttendee do (events included), without their rates or call log. */
function remove(deps: AdminDeps, path: string): WireResponse | undefined {
  const route = matchRoute('DELETE', path, new URLSearchParams());
  if (route) return json(runOperation(deps.store, route).status, undefined);
  if (/^\/meetings\/[^/]+(?:\/attendees\/[^/]+)?$/.test(path)) {
    return json(400, { message: 'Malformed path' });
  }
}

/** The README's admin table; errors are `{"message"}`: 400 for bad input, 404 for nothing there. */
export function handleAdmin(
  deps: AdminDeps,
  method: string,
  pathname: string,
  rawBody: string,
): WireResponse {
  const path = pathname.slice(PREFIX.length).replace(/\/+$/, '');
  const key = `${method} ${path}`;
  try {
    if (Object.hasOwn(ENDPOINTS, key))
      return (ENDPOINTS[key] as Endpoint)(deps, parseJson(rawBody));
    if (method === 'DELETE' && path.startsWith('/faults/')) {
      const removed = deps.faults.remove(path.slice('/faults/'.length));
      return removed ? json(204, undefined) : json(404, { message: 'No such fault' });
    }
    const removed = method === 'DELETE' ? remove(deps, path) : undefined;
    return removed ?? json(404, { message: `No admin endpoint for ${method} ${pathname}` });
  } catch (error) {
    if (error instanceof InvalidInputError) return json(400, { message: error.message });
    if (error instanceof ChimeServiceError) {
      return json(CHIME_ERRORS[error.name].status, { message: error.message });
    }
    throw error;
  }
}
