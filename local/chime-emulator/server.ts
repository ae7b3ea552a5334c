import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type AdminDeps, handleAdmin, isAdminPath } from './admin';
import { type CallLog, type CallRecord, UNKNOWN_OPERATION } from './call-log';
import {
  ChimeServiceError,
  errorResponse,
  unknownOperationResponse,
  type WireResponse,
} from './errors';
import type { FaultQueue, FaultSpec } from './faults';
import { runOperation } from './handlers';
import { newId } from './ids';
import { regionOfRequest } from './request-region';
import { type MatchedRoute, matchRoute } from './routes';
import type { MeetingStore } from './store';

/** The loopback address the emulator binds; it never listens on other interfaces. */
const HOST = '127.0.0.1';

const MAX_BODY_BYTES = 1024 * 1024;

/** What the HTTP server dispatches to. */
export interface ServerDeps extends AdminDeps {
  readonly store: MeetingStore;
  readonly faults: FaultQueue;
  readonly calls: CallLog;
  /** The Region of a request whose signature and host name give none (rate buckets). */
  readonly region: string;
  readonly logger?: (line: string) => void;
}

// The service's message at its rate limit is not documented; "Rate exceeded" is what AWS
// front doors commonly say. The model binds no Retry-After header to ThrottlingException (it
// does for ServiceUnavailableException), so none is sent.
const THROTTLED_MESSAGE = 'Rate exceeded';

/** The address a started emulator listens on. */
export interface EmulatorAddress {
  readonly url: string;
  readonly port: number;
}

/** The emulator's HTTP server. */
export interface EmulatorServer {
  start(port?: number): Promise<EmulatorAddress>;
  stop(): Promise<void>;
}

class BodyTooLargeError extends Error {
  constructor() {
    super(`The request body exceeds ${MAX_BODY_BYTES} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError();
    chunks.push(buffer);
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

const jsonResponse = (status: number, output: unknown): WireResponse =>
  output === undefined
    ? { status, headers: {} }
    : { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(output) };

function faultResponse(fault: FaultSpec, operation: string, requestId: string): WireResponse {
  if (fault.type === 'error') {
    const message =
      fault.message ?? `${fault.name} injected into ${operation} by the Chime emulator`;
    return errorResponse(fault.name, message, requestId, fault.retryAfterSeconds);
  }
  if (fault.type === 'malformed') {
    return {
      status: fault.status ?? 200,
      headers: { 'Content-Type': 'application/json', ...fault.headers },
      body: fault.rawBody ?? JSON.stringify(fault.body ?? {}),
    };
  }
  throw new Error(`A ${fault.type} fault has no response`);
}

/** Creates the HTTP server: the admin API under `/_emulator`, the service API everywhere else. */
export function createEmulatorServer(deps: ServerDeps): EmulatorServer {
  const sockets = new Set<Socket>();
  const pendingHangs = new Set<() => void>();
  let server: ReturnType<typeof createServer> | undefined;

  const log = (line: string) => deps.logger?.(`chime-emulator ${line}`);

  /** Waits `ms` (or forever); resolves false if the socket closes or the server stops first. */
  const hang = (res: ServerResponse, ms: number | undefined): Promise<boolean> =>
    new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (completed: boolean) => {
        clearTimeout(timer);
        pendingHangs.delete(cancel);
        res.off('close', cancel);
        resolve(completed);
      };
      const cancel = () => finish(false);
      pendingHangs.add(cancel);
      res.once('close', cancel);
      if (ms !== undefined) timer = setTimeout(() => finish(true), ms);
    });

  const execute = (
    route: MatchedRoute,
    body: string,
    query: URLSearchParams,
    requestId: string,
  ): WireResponse => {
    try {
      const result = runOperation(deps.store, route, { body, query });
      return jsonResponse(result.status, result.output);
    } catch (error) {
      if (error instanceof ChimeServiceError) {
        return errorResponse(error.errorName, error.message, requestId, error.retryAfterSeconds);
      }
      log(`${route.operation} internal error ${(error as Error).stack ?? String(error)}`);
      return errorResponse('ServiceFailureException', 'Internal emulator error', requestId);
    }
  };

  const serveApi = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: string,
    requestId: string,
  ): Promise<CallRecord> => {
    const method = req.method ?? 'GET';
    const route = matchRoute(method, url.pathname, url.searchParams);
    if (!route) {
      const call = deps.calls.begin({ operation: UNKNOWN_OPERATION, requestId });
      const response = unknownOperationResponse(method, url.pathname, requestId);
      send(res, response, requestId);
      call.status = response.status;
      return call;
    }
    const call = deps.calls.begin({
      operation: route.operation,
      requestId,
      ...(route.meetingId === undefined ? {} : { meetingId: route.meetingId }),
      ...(route.attendeeId === undefined ? {} : { attendeeId: route.attendeeId }),
    });
    const fault = deps.faults.take(route);
    if (fault) call.fault = fault.type;
    if (fault?.type === 'reset') {
      req.socket.destroy();
      return call;
    }
    if (fault?.type === 'hang' && !(await hang(res, fault.ms))) return call;
    if (res.destroyed) return call;
    let response: WireResponse;
    if (fault?.type === 'error' || fault?.type === 'malformed') {
      response = faultResponse(fault, route.operation, requestId);
    } else if (
      !deps.rates.take(regionOfRequest(req.headers, url.searchParams, deps.region), route.operation)
    ) {
      call.throttled = true;
      response = errorResponse('ThrottlingException', THROTTLED_MESSAGE, requestId);
    } else {
      response = execute(route, body, url.searchParams, requestId);
    }
    send(res, response, requestId);
    call.status = response.status;
    return call;
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const requestId = newId();
    const elapsed = () => `${Math.round(performance.now() - started)}ms`;
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      send(res, errorResponse('BadRequestException', error.message, requestId), requestId);
      log(`${req.method} ${url.pathname} 400 ${elapsed()}`);
      return;
    }
    if (isAdminPath(url.pathname)) {
      const response = handleAdmin(deps, req.method ?? 'GET', url.pathname, body);
      send(res, response, requestId);
      log(`admin ${req.method} ${url.pathname} ${response.status} ${elapsed()}`);
      return;
    }
    const call = await serveApi(req, res, url, body, requestId);
    const fault =
      (call.fault === undefined ? '' : ` fault=${call.fault}`) +
      (call.throttled ? ' throttled' : '');
    log(
      `${call.operation} ${call.status ?? 'no-response'} ${elapsed()}${fault} requestId=${requestId}`,
    );
  };

  return {
    start(port = 0) {
      if (server) return Promise.reject(new Error('The Chime emulator is already started'));
      const created = createServer((req, res) => {
        onRequest(req, res).catch((error: unknown) => {
          log(`request failed ${(error as Error).stack ?? String(error)}`);
          if (!res.headersSent && !res.destroyed) {
            const requestId = newId();
            send(
              res,
              errorResponse('ServiceFailureException', 'Internal emulator error', requestId),
              requestId,
            );
          }
        });
      });
      created.on('connection', (socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      server = created;
      return new Promise<EmulatorAddress>((resolve, reject) => {
        created.once('error', (error) => {
          server = undefined;
          reject(error);
        });
        created.listen(port, HOST, () => {
          const address = created.address();
          const bound = typeof address === 'object' && address ? address.port : port;
          resolve({ url: `http://${HOST}:${bound}`, port: bound });
        });
      });
    },

    async stop() {
      const running = server;
      if (!running) return;
      server = undefined;
      for (const cancel of [...pendingHangs]) cancel();
      await new Promise<void>((resolve) => {
        running.close(() => resolve());
        running.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
