import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AdminDeps, handleAdmin, isAdminPath } from './admin';
import { type CallRecord, UNKNOWN_OPERATION } from './call-log';
import { ChimeServiceError, errorResponse, type WireResponse } from './errors';
import type { FaultSpec } from './faults';
import { type MatchedRoute, matchRoute, runOperation } from './operations';

/** The loopback address the emulator binds; it never listens on other interfaces. */
const HOST = '127.0.0.1';

const MAX_BODY_BYTES = 1024 * 1024;

// The service's message at its rate limit is not documented; "Rate exceeded" is what AWS
// front doors commonly say. The model binds no Retry-After header to ThrottlingException.
const THROTTLED_MESSAGE = 'Rate exceeded';

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
// SigV4: `Credential=<key id>/<yyyymmdd>/<region>/<service>/aws4_request`. With an endpoint
// override the SDK still signs for the client's Region, so the scope is where the Region
// travels when the host is 127.0.0.1.
const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/[a-z0-9-]+\/aws4_request/;
// The service's own host names: meetings-chime.<region>.amazonaws.com, meetings-chime-fips.…
const SERVICE_HOST =
  /^meetings-chime(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com|api\.aws)(?::\d+)?$/;

/**
 * The Region a request addresses (its rate buckets): the SigV4 credential scope (Authorization
 * header, or `X-Amz-Credential` of a presigned URL), else a Chime SDK Meetings host name, else
 * `fallback` (the emulator's configured Region).
 */
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

/** What the HTTP server dispatches to. */
export interface ServerDeps extends AdminDeps {
  /** The Region of a request whose signature and host name give none. */
  readonly region: string;
  readonly log: (line: string) => void;
}

/** The address a started emulator listens on. */
export interface EmulatorAddress {
  readonly url: string;
  readonly port: number;
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, response: WireResponse, requestId: string): void {
  const headers: Record<string, string | number> = {
    ...response.headers,
    'x-amzn-RequestId': requestId,
  };
  if (response.body !== undefined) headers['Content-Length'] = Buffer.byteLength(response.body);
  res.writeHead(response.status, headers);
  res.end(response.body);
}

function faultResponse(fault: FaultSpec, operation: string, requestId: string): WireResponse {
  if (fault.type === 'error') {
    const message =
      fault.message ?? `${fault.name} injected into ${operation} by the Chime emulator`;
    return errorResponse(fault.name, message, requestId, fault.retryAfterSeconds);
  }
  if (fault.type !== 'malformed') throw new Error(`A ${fault.type} fault has no response`);
  return {
    status: fault.status ?? 200,
    headers: { 'Content-Type': 'application/json', ...fault.headers },
    body: fault.rawBody ?? JSON.stringify(fault.body ?? {}),
  };
}

/** Waits `ms` (or forever); resolves false if the socket closes first (client gone, or stop()). */
const hang = (res: ServerResponse, ms: number | undefined): Promise<boolean> =>
  new Promise((resolve) => {
    const cancel = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = ms === undefined ? undefined : setTimeout(() => resolve(true), ms);
    res.once('close', cancel);
  });

function jsonResponse(status: number, output: unknown): WireResponse {
  if (output === undefined) return { status, headers: {} };
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(output) };
}

function execute(deps: ServerDeps, route: MatchedRoute, body: string, url: URL, requestId: string) {
  try {
    const { status, output } = runOperation(deps.store, route, { body, query: url.searchParams });
    return jsonResponse(status, output);
  } catch (error) {
    if (error instanceof ChimeServiceError) {
      return errorResponse(error.errorName, error.message, requestId);
    }
    deps.log(`${route.operation} internal error ${(error as Error).stack ?? String(error)}`);
    return errorResponse('ServiceFailureException', 'Internal emulator error', requestId);
  }
}

/** Answers a service request, its fault and its rate first; the call record says how. */
async function serveApi(
  deps: ServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
): Promise<CallRecord> {
  const requestId = randomUUID();
  const method = req.method ?? 'GET';
  const route = matchRoute(method, url.pathname, url.searchParams);
  const call = deps.calls.begin({ operation: UNKNOWN_OPERATION, ...route, requestId });
  const fault = route && deps.faults.take(route);
  if (fault) call.fault = fault.type;
  if (fault?.type === 'reset') {
    req.socket.destroy();
    return call;
  }
  if (fault?.type === 'hang' && !(await hang(res, fault.ms))) return call;
  if (res.destroyed) return call;
  const region = regionOfRequest(req.headers, url.searchParams, deps.region);
  let response: WireResponse;
  if (!route) {
    const message = `No Chime SDK Meetings operation is emulated for ${method} ${url.pathname}`;
    response = errorResponse('UnknownOperationException', message, requestId);
  } else if (fault?.type === 'error' || fault?.type === 'malformed') {
    response = faultResponse(fault, route.operation, requestId);
  } else if (!deps.rates.take(region, route.operation)) {
    call.throttled = true;
    response = errorResponse('ThrottlingException', THROTTLED_MESSAGE, requestId);
  } else {
    response = execute(deps, route, body, url, requestId);
  }
  send(res, response, requestId);
  call.status = response.status;
  return call;
}

async function onRequest(
  deps: ServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const elapsed = () => `${Math.round(performance.now() - started)}ms`;
  const url = new URL(req.url ?? '/', `http://${HOST}`);
  const body = await readBody(req);
  if (body === undefined || isAdminPath(url.pathname)) {
    const requestId = randomUUID();
    const tooLarge = `The request body exceeds ${MAX_BODY_BYTES} bytes`;
    const response =
      body === undefined
        ? errorResponse('BadRequestException', tooLarge, requestId)
        : handleAdmin(deps, req.method ?? 'GET', url.pathname, body);
    send(res, response, requestId);
    const admin = body === undefined ? '' : 'admin ';
    return deps.log(`${admin}${req.method} ${url.pathname} ${response.status} ${elapsed()}`);
  }
  const call = await serveApi(deps, req, res, url, body);
  const fault = call.fault === undefined ? '' : ` fault=${call.fault}`;
  const throttled = call.throttled ? ' throttled' : '';
  const status = call.status ?? 'no-response';
  deps.log(
    `${call.operation} ${status} ${elapsed()}${fault}${throttled} requestId=${call.requestId}`,
  );
}

/** Creates the HTTP server: the admin API under `/_emulator`, the service API everywhere else. */
export function createEmulatorServer(deps: ServerDeps) {
  let server: ReturnType<typeof createServer> | undefined;

  return {
    start(port = 0): Promise<EmulatorAddress> {
      if (server) return Promise.reject(new Error('The Chime emulator is already started'));
      const created = createServer((req, res) => {
        onRequest(deps, req, res).catch((error: unknown) => {
          deps.log(`request failed ${(error as Error).stack ?? String(error)}`);
          if (res.headersSent || res.destroyed) return;
          const requestId = randomUUID();
          const failure = errorResponse(
            'ServiceFailureException',
            'Internal emulator error',
            requestId,
          );
          send(res, failure, requestId);
        });
      });
      server = created;
      return new Promise((resolve, reject) => {
        created.once('error', (error) => {
          server = undefined;
          reject(error);
        });
        created.listen(port, HOST, () => {
          const { port: bound } = created.address() as AddressInfo;
          resolve({ url: `http://${HOST}:${bound}`, port: bound });
        });
      });
    },

    /** Closes every connection, hanging ones included, and stops listening. */
    async stop(): Promise<void> {
      const running = server;
      server = undefined;
      if (!running) return;
      const closed = new Promise((resolve) => running.close(resolve));
      running.closeAllConnections();
      await closed;
    },
  };
}
