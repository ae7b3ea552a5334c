import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../cli/loopback';
import { type AdminDeps, handleAdmin, isAdminPath } from './admin';
import { type CallRecord, UNKNOWN_OPERATION } from './call-log';
import { ChimeServiceError, errorResponse, jsonResponse, type WireResponse } from './errors';
import { matchRoute, runOperation } from './operations';

const MAX_BODY_BYTES = 1024 * 1024;

export const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
// With an endpoint override the SDK still signs for the client's Region, so the SigV4 scope
// (`Credential=<key id>/<yyyymmdd>/<region>/<service>/aws4_request`) carries it.
const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/[a-z0-9-]+\/aws4_request/;
const SERVICE_HOST =
  /^meetings-chime(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com|api\.aws)(?::\d+)?$/;

/** The Region of a request's rate buckets: SigV4 scope, else a service host name, else `fallback`. */
export function regionOfRequest(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  fallback: string,
): string {
  const scope =
    CREDENTIAL_SCOPE.exec(headers.authorization ?? '')?.[1] ??
    CREDENTIAL_SCOPE.exec(`Credential=${query.get('X-Amz-Credential') ?? ''}`)?.[1] ??
    SERVICE_HOST.exec(headers.host ?? '')?.[1];
  return scope !== undefined && REGION.test(scope) ? scope : fallback;
}

export interface ServerDeps extends AdminDeps {
  /** The Region of a request whose signature and host name give none. */
  readonly region: string;
  readonly log: (line: string) => void;
}

function send(res: ServerResponse, { status, headers, body }: WireResponse, requestId: string) {
  const length = body === undefined ? {} : { 'Content-Length': Buffer.byteLength(body) };
  res.writeHead(status, { ...headers, ...length, 'x-amzn-RequestId': requestId });
  res.end(body);
}

/** Waits `ms` (or forever); false if the socket closes first (client gone, or stop()). */
const hang = (res: ServerResponse, ms: number | undefined): Promise<boolean> =>
  new Promise((resolve) => {
    const timer = ms === undefined ? undefined : setTimeout(() => resolve(true), ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });

/** Answers a service request: its fault first, then its rate, then the operation. */
async function serveApi(
  deps: ServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
  requestId: string,
): Promise<CallRecord> {
  const route = matchRoute(req.method ?? 'GET', url.pathname, url.searchParams);
  const call = deps.calls.begin({ operation: UNKNOWN_OPERATION, ...route, requestId });
  const fault = route && deps.faults.take(route);
  if (fault) call.fault = fault.type;
  if (fault?.type === 'reset') {
    req.socket.destroy();
    return call;
  }
  if (fault?.type === 'hang' && !(await hang(res, fault.ms))) return call;
  if (res.destroyed) return call;
  const respond = (): WireResponse => {
    if (!route) {
      const message = `No Chime SDK Meetings operation is emulated for ${req.method} ${url.pathname}`;
      return errorResponse('UnknownOperationException', message, requestId);
    }
    if (fault?.type === 'error') {
      const message =
        fault.message ?? `${fault.name} injected into ${route.operation} by the Chime emulator`;
      return errorResponse(fault.name, message, requestId, fault.retryAfterSeconds);
    }
    if (fault?.type === 'malformed') {
      const headers = { 'Content-Type': 'application/json', ...fault.headers };
      const raw = fault.rawBody ?? JSON.stringify(fault.body ?? {});
      return { status: fault.status ?? 200, headers, body: raw };
    }
    const region = regionOfRequest(req.headers, url.searchParams, deps.region);
    if (!deps.rates.take(region, route.operation)) {
      call.throttled = true;
      // Undocumented for this service, AWS front doors commonly say it; no Retry-After (the model).
      return errorResponse('ThrottlingException', 'Rate exceeded', requestId);
    }
    try {
      const { status, output } = runOperation(deps.store, route, body, url.searchParams);
      return jsonResponse(status, output);
    } catch (error) {
      if (!(error instanceof ChimeServiceError)) throw error;
      return errorResponse(error.name, error.message, requestId);
    }
  };
  const response = respond();
  send(res, response, requestId);
  call.status = response.status;
  return call;
}

/** The admin API under `/_emulator`, the service API everywhere else. */
export const requestListener =
  (deps: ServerDeps) => async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const started = performance.now();
    const log = (line: string, status: unknown, tail = '') =>
      deps.log(`${line} ${status} ${Math.round(performance.now() - started)}ms${tail}`);
    const fail = (name: 'BadRequestException' | 'ServiceFailureException', message: string) =>
      send(res, errorResponse(name, message, requestId), requestId);
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = (await readBody(req, MAX_BODY_BYTES))?.toString('utf8');
      if (body === undefined) {
        fail('BadRequestException', `The request body exceeds ${MAX_BODY_BYTES} bytes`);
        return log(`${req.method} ${url.pathname}`, 400);
      }
      if (isAdminPath(url.pathname)) {
        const response = handleAdmin(deps, req.method ?? 'GET', url.pathname, body);
        send(res, response, requestId);
        return log(`admin ${req.method} ${url.pathname}`, response.status);
      }
      const call = await serveApi(deps, req, res, url, body, requestId);
      const tail = `${call.fault ? ` fault=${call.fault}` : ''}${call.throttled ? ' throttled' : ''}`;
      log(call.operation, call.status ?? 'no-response', `${tail} requestId=${requestId}`);
    } catch (error) {
      deps.log(`request failed ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent && !res.destroyed)
        fail('ServiceFailureException', 'Internal emulator error');
    }
  };
