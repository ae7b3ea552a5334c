import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { closeServer, listenOnLoopback } from './loopback';

/** A Lambda handler for HTTP API payload 2.0 events. */
export type HttpApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** A route such as `GET /meetings/{meetingId}/attendees/{attendeeId}`. */
export interface Route {
  readonly routeKey: string;
  readonly handler: HttpApiHandler;
}

export interface CorsSettings {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAgeSeconds: number;
}

export interface HttpApiGatewayOptions {
  readonly routes: readonly Route[];
  readonly cors: CorsSettings;
  /** The function timeout the context reports (`getRemainingTimeInMillis`). */
  readonly timeoutMs?: number;
  /** One line per request: method, path, status, latency. Never headers or bodies. */
  readonly log?: (line: string) => void;
}

interface CompiledRoute {
  readonly method: string;
  readonly segments: readonly string[];
  readonly route: Route;
}

function compile(route: Route): CompiledRoute {
  const [method, path] = route.routeKey.split(' ');
  if (!method || !path) throw new TypeError(`bad route key ${route.routeKey}`);
  return { method, segments: path.split('/').slice(1), route };
}

/** Matches like the HTTP API: whole segments, `{name}` captures one non-empty (raw) segment. */
function match(
  routes: readonly CompiledRoute[],
  method: string,
  path: string,
): { route: Route; pathParameters: Record<string, string> } | undefined {
  const segments = path.split('/').slice(1);
  for (const candidate of routes) {
    if (candidate.method !== method || candidate.segments.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    const ok = candidate.segments.every((pattern, i) => {
      const segment = segments[i] ?? '';
      const name = /^\{(\w+)\}$/.exec(pattern)?.[1];
      if (name) {
        if (segment === '') return false;
        pathParameters[name] = segment;
        return true;
      }
      return pattern === segment;
    });
    if (ok) return { route: candidate.route, pathParameters };
  }
  return undefined;
}

/** The problem `code` of an error response, for the one-line request log (never a body). */
function problemCode(headers: Record<string, string>, payload: string | Buffer): string {
  const type = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type');
  if (!type?.[1].startsWith('application/problem+json')) return '';
  try {
    const code = (JSON.parse(payload.toString()) as { code?: unknown }).code;
    return typeof code === 'string' && /^[a-z_]+$/.test(code) ? ` ${code}` : '';
  } catch {
    return '';
  }
}

function headerMap(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'cookie' || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Builds the payload 2.0 event API Gateway would send for this request.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
export function toEvent(
  req: IncomingMessage,
  body: Buffer,
  routeKey: string,
  pathParameters: Record<string, string>,
  requestId: string,
): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers = headerMap(req);
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams)
    query[key] = key in query ? `${query[key]},${value}` : value;
  const cookies = req.headers.cookie?.split(/;\s*/).filter((c) => c !== '');
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0
      ? { body: body.toString('base64'), isBase64Encoded: true }
      : { isBase64Encoded: false }),
  };
}

function lambdaContext(requestId: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'attendee-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:attendee-local',
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/attendee-local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * A local stand-in for an API Gateway HTTP API: route matching, the CORS handling the gateway
 * does when CORS is configured (preflight answered without invoking the function, the
 * function's own CORS headers replaced by the gateway's), payload 2.0 events, and gateway
 * answers for unmatched routes. Binds 127.0.0.1.
 */
export class HttpApiGateway {
  private readonly routes: readonly CompiledRoute[];
  private server: Server | undefined;

  constructor(private readonly options: HttpApiGatewayOptions) {
    this.routes = options.routes.map(compile);
    for (const origin of options.cors.allowOrigins) {
      if (origin === '*') throw new TypeError('CORS allowOrigins must be exact origins, not *');
    }
  }

  async start(port = 0): Promise<{ url: string; port: number }> {
    const server = createServer((req, res) => {
      this.serve(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end('{"message":"Internal Server Error"}');
      });
    });
    const address = await listenOnLoopback(server, port);
    this.server = server;
    return address;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await closeServer(server);
  }

  private corsHeaders(origin: string | undefined): Record<string, string> {
    const { cors } = this.options;
    if (!origin || !cors.allowOrigins.includes(origin)) return {};
    return {
      'access-control-allow-origin': origin,
      ...(cors.exposeHeaders.length > 0
        ? { 'access-control-expose-headers': cors.exposeHeaders.join(',') }
        : {}),
      vary: 'Origin',
    };
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const origin = req.headers.origin;
    const body = await readBody(req);
    const send = (status: number, headers: Record<string, string>, payload: string | Buffer) => {
      res.writeHead(status, { ...headers, 'apigw-requestid': requestId });
      res.end(payload);
      const ms = (performance.now() - started).toFixed(1);
      this.options.log?.(`${method} ${path} ${status}${problemCode(headers, payload)} ${ms}ms`);
    };

    if (method === 'OPTIONS' && origin && req.headers['access-control-request-method']) {
      const { cors } = this.options;
      const allowed = cors.allowOrigins.includes(origin);
      send(
        204,
        allowed
          ? {
              'access-control-allow-origin': origin,
              'access-control-allow-methods': cors.allowMethods.join(','),
              'access-control-allow-headers': cors.allowHeaders.join(','),
              'access-control-max-age': String(cors.maxAgeSeconds),
              vary: 'Origin',
            }
          : {},
        '',
      );
      return;
    }

    const found = match(this.routes, method, path);
    if (!found) {
      send(
        404,
        { 'content-type': 'application/json', ...this.corsHeaders(origin) },
        '{"message":"Not Found"}',
      );
      return;
    }
    let pathParameters: Record<string, string>;
    try {
      pathParameters = Object.fromEntries(
        Object.entries(found.pathParameters).map(([k, v]) => [k, decodeURIComponent(v)]),
      );
    } catch {
      // Malformed percent-encoding (%FF, %zz): the gateway refuses it before any integration.
      send(
        400,
        { 'content-type': 'application/json', ...this.corsHeaders(origin) },
        '{"message":"Bad Request"}',
      );
      return;
    }
    const event = toEvent(req, body, found.route.routeKey, pathParameters, requestId);
    const result = await found.route.handler(
      event,
      lambdaContext(requestId, this.options.timeoutMs ?? 10_000),
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) {
      // With CORS configured, the gateway ignores the function's CORS headers.
      if (!name.toLowerCase().startsWith('access-control-')) headers[name] = String(value);
    }
    Object.assign(headers, this.corsHeaders(origin));
    const payload = result.isBase64Encoded
      ? Buffer.from(result.body ?? '', 'base64')
      : (result.body ?? '');
    if (result.cookies?.length) res.setHeader('set-cookie', result.cookies);
    send(result.statusCode ?? 200, headers, payload);
  }
}
