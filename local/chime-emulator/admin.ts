import type { CallLog } from './call-log';
import { ChimeServiceError, type WireResponse } from './errors';
import { type EventPublisher, InvalidEventTargetError } from './events';
import { type FaultQueue, type FaultRule, InvalidFaultError, parseFaultRule } from './faults';
import { InvalidRatesError, parseRateUpdate, type RateLimiter } from './rate-limits';
import { InvalidSeedError, parseSeedRequest, seedStore } from './seed';
import type { MeetingStore } from './store';
import { checkGuid } from './validation';

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

const badRequest = (message: string) => json(400, { message });

/** Whether a path belongs to the admin API. */
export const isAdminPath = (pathname: string): boolean =>
  pathname === ADMIN_PREFIX || pathname.startsWith(`${ADMIN_PREFIX}/`);

const parseJson = (rawBody: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(rawBody) };
  } catch {
    return { ok: false };
  }
};

function addFaults(deps: AdminDeps, rawBody: string): WireResponse {
  const parsed = parseJson(rawBody);
  if (!parsed.ok) return badRequest('The body must be a JSON fault rule or a list of them');
  let rules: FaultRule[];
  try {
    // Validate every rule before queueing any, so a bad list changes nothing.
    rules = (Array.isArray(parsed.value) ? parsed.value : [parsed.value]).map(parseFaultRule);
  } catch (error) {
    if (error instanceof InvalidFaultError) return badRequest(error.message);
    throw error;
  }
  return json(201, { faults: rules.map((rule) => deps.faults.add(rule)) });
}

function updateRates(deps: AdminDeps, rawBody: string): WireResponse {
  const parsed = parseJson(rawBody);
  if (!parsed.ok) return badRequest('The body must be JSON: {"enabled"?, "buckets"?}');
  try {
    return json(200, deps.rates.configure(parseRateUpdate(parsed.value)));
  } catch (error) {
    if (error instanceof InvalidRatesError) return badRequest(error.message);
    throw error;
  }
}

function seed(deps: AdminDeps, rawBody: string): WireResponse {
  const parsed = parseJson(rawBody);
  if (!parsed.ok) return badRequest('The body must be a JSON seed request');
  try {
    return json(201, { meetings: seedStore(deps.store, parseSeedRequest(parsed.value)) });
  } catch (error) {
    if (error instanceof InvalidSeedError) return badRequest(error.message);
    throw error;
  }
}

function setEventTarget(deps: AdminDeps, rawBody: string): WireResponse {
  const parsed = parseJson(rawBody);
  const value = parsed.ok ? parsed.value : undefined;
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, 'url')) {
    return badRequest('The body must be {"url": "http://127.0.0.1:…"} or {"url": null}');
  }
  const { url } = value as { url: unknown };
  try {
    deps.events.setTarget(url === null ? undefined : (url as string));
  } catch (error) {
    if (error instanceof InvalidEventTargetError) return badRequest(error.message);
    throw error;
  }
  return json(200, { target: deps.events.target() ?? null });
}

const MEETING_PATH = /^\/meetings\/([^/]+)$/;
const ATTENDEE_PATH = /^\/meetings\/([^/]+)\/attendees\/([^/]+)$/;

const decode = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
};

/** Ends a meeting or deletes an attendee as the service would, events included. */
function remove(deps: AdminDeps, path: string): WireResponse | undefined {
  const attendee = ATTENDEE_PATH.exec(path);
  const meeting = attendee ? undefined : MEETING_PATH.exec(path);
  if (!attendee && !meeting) return undefined;
  const meetingId = decode((attendee ?? meeting)?.[1] ?? '');
  const attendeeId = attendee ? decode(attendee[2] ?? '') : undefined;
  try {
    if (meetingId === undefined || (attendee && attendeeId === undefined)) {
      return badRequest('Malformed path');
    }
    checkGuid('MeetingId', meetingId);
    if (attendeeId === undefined) deps.store.deleteMeeting(meetingId);
    else deps.store.deleteAttendee(meetingId, checkGuid('AttendeeId', attendeeId));
  } catch (error) {
    if (!(error instanceof ChimeServiceError)) throw error;
    return json(error.errorName === 'NotFoundException' ? 404 : 400, { message: error.message });
  }
  return noContent;
}

/**
 * Serves the admin API under `/_emulator`: health, faults, calls and their stats, reset, seed,
 * rates, ending meetings and deleting attendees, and event delivery. See the README's table.
 */
export function handleAdmin(
  deps: AdminDeps,
  method: string,
  pathname: string,
  rawBody: string,
): WireResponse {
  const path = pathname.slice(ADMIN_PREFIX.length).replace(/\/+$/, '');
  const route = `${method} ${path}`;
  switch (route) {
    case 'GET /health':
      return json(200, { status: 'ok' });
    case 'GET /faults':
      return json(200, { faults: deps.faults.list() });
    case 'POST /faults':
      return addFaults(deps, rawBody);
    case 'DELETE /faults':
      deps.faults.clear();
      return noContent;
    case 'GET /calls':
      return json(200, { calls: deps.calls.list() });
    case 'GET /calls/stats':
      return json(200, deps.calls.stats());
    case 'DELETE /calls':
    case 'DELETE /calls/stats':
      deps.calls.clear();
      return noContent;
    case 'POST /reset':
      deps.reset();
      return noContent;
    case 'POST /seed':
      return seed(deps, rawBody);
    case 'GET /rates':
      return json(200, deps.rates.settings());
    case 'PUT /rates':
      return updateRates(deps, rawBody);
    case 'POST /rates/refill':
      deps.rates.refill();
      return noContent;
    case 'GET /events':
      return json(200, { target: deps.events.target() ?? null, stats: deps.events.stats() });
    case 'PUT /events/target':
      return setEventTarget(deps, rawBody);
  }
  if (method === 'DELETE' && path.startsWith('/faults/')) {
    return deps.faults.remove(decode(path.slice('/faults/'.length)) ?? '')
      ? noContent
      : json(404, { message: 'No such fault' });
  }
  if (method === 'DELETE') {
    const removed = remove(deps, path);
    if (removed) return removed;
  }
  return json(404, { message: `No admin endpoint for ${method} ${pathname}` });
}
