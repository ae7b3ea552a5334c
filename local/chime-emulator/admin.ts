import type { CallLog } from './call-log';
import type { WireResponse } from './errors';
import { type FaultQueue, type FaultRule, InvalidFaultError, parseFaultRule } from './faults';

/** The reserved path prefix of the admin API; no Chime SDK Meetings route starts with it. */
export const ADMIN_PREFIX = '/_emulator';

/** What the admin API can touch. */
export interface AdminDeps {
  readonly faults: FaultQueue;
  readonly calls: CallLog;
  /** Wipes meetings, attendees, idempotency tokens, faults and calls. */
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

function addFaults(deps: AdminDeps, rawBody: string): WireResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    return json(400, { message: 'The body must be a JSON fault rule or a list of them' });
  }
  let rules: FaultRule[];
  try {
    // Validate every rule before queueing any, so a bad list changes nothing.
    rules = (Array.isArray(parsed) ? parsed : [parsed]).map(parseFaultRule);
  } catch (error) {
    if (error instanceof InvalidFaultError) return json(400, { message: error.message });
    throw error;
  }
  return json(201, { faults: rules.map((rule) => deps.faults.add(rule)) });
}

/**
 * Serves the admin API:
 * `GET /_emulator/health`, `GET|POST|DELETE /_emulator/faults`, `DELETE /_emulator/faults/{id}`,
 * `GET|DELETE /_emulator/calls` and `POST /_emulator/reset`.
 */
export function handleAdmin(
  deps: AdminDeps,
  method: string,
  pathname: string,
  rawBody: string,
): WireResponse {
  const path = pathname.slice(ADMIN_PREFIX.length).replace(/\/+$/, '');
  const route = `${method} ${path}`;
  if (route === 'GET /health') return json(200, { status: 'ok' });
  if (route === 'GET /faults') return json(200, { faults: deps.faults.list() });
  if (route === 'POST /faults') return addFaults(deps, rawBody);
  if (route === 'DELETE /faults') {
    deps.faults.clear();
    return noContent;
  }
  if (method === 'DELETE' && path.startsWith('/faults/')) {
    return deps.faults.remove(decodeURIComponent(path.slice('/faults/'.length)))
      ? noContent
      : json(404, { message: 'No such fault' });
  }
  if (route === 'GET /calls') return json(200, { calls: deps.calls.list() });
  if (route === 'DELETE /calls') {
    deps.calls.clear();
    return noContent;
  }
  if (route === 'POST /reset') {
    deps.reset();
    return noContent;
  }
  return json(404, { message: `No admin endpoint for ${method} ${pathname}` });
}
