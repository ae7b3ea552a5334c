import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { closeServer, listenOnLoopback, readBody } from '../cli/loopback';
import { createLambdaContext } from './lambda-context';

export type HttpApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

type Route = { readonly routeKey: string; readonly handler: HttpApiHandler };

type CorsLists = 'allowOrigins' | 'allowMethods' | 'allowHeaders' | 'exposeHeaders';
export type CorsSettings = Readonly<Record<CorsLists, readonly string[]>> & {
  readonly maxAgeSeconds: number;
};

/** HTTP API's "Maximum payload size: 10 MB", read as 2^20 bytes (undocumented). */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export interface HttpApiGatewayOptions {
  readonly routes: readonly Route[];
  readonly cors: CorsSettings;
  /** One line per request; never headers or bodies. */
  readonly log?: (line: string) => void;
}

type Answer = [status: number, headers: Record<string, string>, payload: string | Buffer];

/** The gateway's own answers, thrown. Documented for 404 and 500; the 400 and 413 assumed alike. */
const gatewayAnswer = (status: number, message: string) =>
  Object.assign(new Error(message), { status });
const BAD_REQUEST = gatewayAnswer(400, 'Bad Request');
const TOO_LARGE = gatewayAnswer(413, 'Request Entity Too Large');
const NOT_FOUND = gatewayAnswer(404, 'Not Found');
const INTERNAL = gatewayAnswer(500, 'Internal Server Error');

/** Whole segments; `{name}` captures one non-empty raw segment. */
function compile(route: Route) {
  const [method, path] = route.routeKey.split(' ');
  if (!method || !path) throw new TypeError(`bad route key ${route.routeKey}`);
  const source = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, '(?<$1>[^/]+)');
  return { method, pattern: new RegExp(`^${source}$`), route };
}

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

/** Duplicates joined with commas, as payload 2.0 does (Node keeps only the first of some). */
const joined = (keys: Iterable<string>, valuesOf: (key: string) => readonly string[]) =>
  Object.fromEntries([...new Set(keys)].map((key) => [key, valuesOf(key).join(',')]));

/**
 * What the gateway refuses before any integration: an unparseable target (`http://[`, answer
 * undocumented) or malformed percent-encoding in a path parameter (`%FF`, `%zz`).
 */
function orBadRequest<T>(run: () => T): T {
  try {
    return run();
  } catch {
    throw BAD_REQUEST;
  }
}

// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
function toEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  routeKey: string,
  pathParameters: Record<string, string>,
  requestId: string,
): APIGatewayProxyEventV2 {
  const distinct = req.headersDistinct;
  const names = Object.keys(distinct).filter((name) => name !== 'cookie');
  const headers = joined(names, (name) => distinct[name] ?? []);
  const query = joined(url.searchParams.keys(), (key) => url.searchParams.getAll(key));
  const cookies = (distinct.cookie ?? []).flatMap((h) => h.split(/;\s*/)).filter((c) => c !== '');
  const host = headers.host ?? 'localhost';
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(url.searchParams.size > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
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
    ...(body.length > 0 && { body: body.toString('base64') }),
    isBase64Encoded: body.length > 0,
  };
}

/**
 * An API Gateway HTTP API on 127.0.0.1: route matching, the gateway's CORS (preflight answered
 * itself, the function's CORS headers replaced), payload 2.0 events, its own 400/404/413/500.
 */
export class HttpApiGateway {
  private readonly routes: readonly ReturnType<typeof compile>[];
  private readonly server = createServer((req, res) => this.serve(req, res));

  constructor(private readonly options: HttpApiGatewayOptions) {
    this.routes = options.routes.map(compile);
    if (options.cors.allowOrigins.includes('*')) {
      throw new TypeError('CORS allowOrigins must be exact origins, not *');
    }
  }

  start(port = 0): Promise<{ url: string; port: number }> {
    return listenOnLoopback(this.server, port);
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  private corsHeaders(origin: string | undefined, preflight = false): Record<string, string> {
    const { cors } = this.options;
    if (!origin || !cors.allowOrigins.includes(origin)) return {};
    const expose = cors.exposeHeaders.join(',');
    return {
      'access-control-allow-origin': origin,
      ...(preflight
        ? {
            'access-control-allow-methods': cors.allowMethods.join(','),
            'access-control-allow-headers': cors.allowHeaders.join(','),
            'access-control-max-age': String(cors.maxAgeSeconds),
          }
        : expose && { 'access-control-expose-headers': expose }),
      vary: 'Origin',
    };
  }

  /** Every answer is logged, the gateway's own and a failing integration's too. */
  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = randomUUID();
    // Never the raw target in the log: its query may hold a token.
    let path = '-';
    const send = (...[status, headers, payload]: Answer) => {
      if (res.headersSent) {
        res.destroy();
      } else {
        const length = String(Buffer.byteLength(payload));
        res.writeHead(status, {
          ...headers,
          'content-length': length,
          'apigw-requestid': requestId,
        });
        res.end(payload);
      }
      const ms = (performance.now() - started).toFixed(1);
      const line = `${req.method} ${path} ${status}${problemCode(headers, payload)} ${ms}ms`;
      this.options.log?.(line);
    };
    try {
      const url = orBadRequest(() => new URL(req.url ?? '/', 'http://localhost'));
      path = url.pathname;
      send(...(await this.answer(req, res, url, requestId)));
    } catch (error) {
      const own = [BAD_REQUEST, TOO_LARGE, NOT_FOUND].find((known) => known === error) ?? INTERNAL;
      // A refused body is not read on: close the connection once the answer is out.
      if (own === TOO_LARGE) res.setHeader('connection', 'close');
      const headers = {
        'content-type': 'application/json',
        ...this.corsHeaders(req.headers.origin),
      };
      send(own.status, headers, JSON.stringify({ message: own.message }));
    }
  }

  private async answer(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    requestId: string,
  ): Promise<Answer> {
    const { method = 'GET', headers } = req;
    const body = await readBody(req, MAX_PAYLOAD_BYTES);
    if (!body) throw TOO_LARGE;
    if (method === 'OPTIONS' && headers.origin && headers['access-control-request-method']) {
      return [204, this.corsHeaders(headers.origin, true), ''];
    }
    const route = this.routes.find((r) => r.method === method && r.pattern.test(url.pathname));
    if (!route) throw NOT_FOUND;
    const raw = Object.entries(route.pattern.exec(url.pathname)?.groups ?? {});
    const decoded = () => raw.map(([name, value]) => [name, decodeURIComponent(value)]);
    const pathParameters = Object.fromEntries(orBadRequest(decoded));
    const { routeKey, handler } = route.route;
    const event = toEvent(req, url, body, routeKey, pathParameters, requestId);
    const context = { functionName: 'attendee-local', awsRequestId: requestId };
    const result = await handler(event, createLambdaContext(context));
    const own = Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]);
    if (result.cookies?.length) res.setHeader('set-cookie', result.cookies);
    return [
      result.statusCode ?? 200,
      {
        // With CORS configured, the gateway ignores the function's CORS headers.
        ...Object.fromEntries(own.filter(([name]) => !/^access-control-/i.test(name as string))),
        ...this.corsHeaders(headers.origin),
      },
      result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''),
    ];
  }
}
