import { connect } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpApiGateway, MAX_PAYLOAD_BYTES } from '../../../local/aws/http-api-gateway';

const events: APIGatewayProxyEventV2[] = [];
const logLines: string[] = [];
let gateway: HttpApiGateway;
let port: number;

beforeAll(async () => {
  gateway = new HttpApiGateway({
    routes: [
      {
        routeKey: 'POST /echo',
        handler: async (event) => {
          events.push(event);
          return { statusCode: 200, body: 'ok' };
        },
      },
      {
        routeKey: 'GET /echo',
        handler: async (event) => {
          events.push(event);
          return { statusCode: 200, body: 'ok' };
        },
      },
      {
        routeKey: 'GET /fails',
        handler: async () => {
          throw new Error('the integration failed');
        },
      },
    ],
    cors: {
      allowOrigins: ['http://localhost:3003'],
      allowMethods: ['GET'],
      allowHeaders: ['Authorization'],
      exposeHeaders: [],
      maxAgeSeconds: 600,
    },
    log: (line) => logLines.push(line),
  });
  ({ port } = await gateway.start(0));
});
afterAll(() => gateway.stop());
beforeEach(() => {
  events.length = 0;
  logLines.length = 0;
});

interface RawAnswer {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

/**
 * Sends `head` (and then `body` chunks, if any) on a raw socket and resolves with the first
 * answer, whether or not the request was sent in full; `keepOpen` leaves the request unfinished.
 */
function raw(head: string, body: Iterable<Buffer> = [], keepOpen = false): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const settle = () => {
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const status = Number(received.slice(9, 12));
      resolve({ status, head: received.slice(0, end), body: received.slice(end + 4) });
      return true;
    };
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      // Wait for the body of answers that announce one.
      const length = /content-length: (\d+)/i.exec(received)?.[1];
      const end = received.indexOf('\r\n\r\n');
      if (end >= 0 && received.length - end - 4 >= Number(length ?? 0) && settle()) {
        socket.destroy();
      }
    });
    socket.on('error', (error) => (settle() ? undefined : reject(error)));
    socket.on('close', () => settle() || reject(new Error('closed without an answer')));
    socket.write(head);
    for (const chunk of body) {
      if (socket.destroyed) break;
      socket.write(chunk);
    }
    if (!keepOpen) socket.end();
  });
}

describe('the local HTTP API, where it must match API Gateway', () => {
  it('refuses a body whose Content-Length is over 10 MB with 413, before reading it', async () => {
    // Only the head is sent: the answer cannot have waited for the announced body.
    const answer = await raw(
      `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_PAYLOAD_BYTES + 1}\r\n\r\n`,
      [],
      true,
    );
    expect(answer.status).toBe(413);
    expect(answer.head).toMatch(/\r\nconnection: close/i);
    expect(JSON.parse(answer.body)).toEqual({ message: 'Request Entity Too Large' });
    expect(events).toEqual([]);
    expect(logLines).toEqual([expect.stringMatching(/^POST \/echo 413 \d+\.\dms$/)]);
  });

  it('refuses a streamed (chunked) body once it passes 10 MB, without waiting for its end', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    const chunked = function* () {
      // 11 chunks of 1 MiB, then never the terminating chunk.
      for (let i = 0; i < 11; i += 1) {
        yield Buffer.from(`${chunk.length.toString(16)}\r\n`);
        yield chunk;
        yield Buffer.from('\r\n');
      }
    };
    const answer = await raw(
      'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
      chunked(),
      true,
    );
    expect(answer.status).toBe(413);
    expect(events).toEqual([]);
    expect(logLines).toEqual([expect.stringMatching(/^POST \/echo 413 /)]);
  });

  it('passes a body of exactly 10 MB to the function', async () => {
    const body = Buffer.alloc(MAX_PAYLOAD_BYTES, 'b');
    const answer = await raw(
      `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`,
      [body],
    );
    expect(answer.status).toBe(200);
    expect(Buffer.from(events[0]?.body ?? '', 'base64').length).toBe(MAX_PAYLOAD_BYTES);
  });

  it.each(['http://[', 'http://%zz/', 'http://a:b:c/'])(
    'answers an unparseable request target (%s) with 400 and logs it without the target',
    async (target) => {
      const answer = await raw(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toEqual({ message: 'Bad Request' });
      expect(logLines).toEqual([expect.stringMatching(/^GET - 400 \d+\.\dms$/)]);
    },
  );

  it('joins duplicate headers with commas, as payload 2.0 does, Authorization included', async () => {
    const answer = await raw(
      'GET /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer one\r\nAuthorization: Bearer two\r\n' +
        'X-Thing: a\r\nX-Thing: b\r\nCookie: c1=1; c2=2\r\nCookie: c3=3\r\n\r\n',
    );
    expect(answer.status).toBe(200);
    const [event] = events;
    expect(event?.headers.authorization).toBe('Bearer one,Bearer two');
    expect(event?.headers['x-thing']).toBe('a,b');
    expect(event?.cookies).toEqual(['c1=1', 'c2=2', 'c3=3']);
    expect(event?.headers).not.toHaveProperty('cookie');
  });

  it('keeps a query key or header named __proto__ or constructor as an ordinary entry', async () => {
    const answer = await raw(
      'GET /echo?__proto__=p&constructor=c&constructor=d HTTP/1.1\r\nHost: x\r\n__proto__: h\r\n\r\n',
    );
    expect(answer.status).toBe(200);
    const [event] = events;
    expect(Object.getPrototypeOf(event?.queryStringParameters)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(event?.queryStringParameters, '__proto__')?.value).toBe(
      'p',
    );
    expect(event?.queryStringParameters?.constructor).toBe('c,d');
    expect(Object.hasOwn(event?.headers ?? {}, '__proto__')).toBe(true);
  });

  it('answers a failing integration with 500 and logs that answer too', async () => {
    const answer = await raw('GET /fails HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body)).toEqual({ message: 'Internal Server Error' });
    expect(logLines).toEqual([expect.stringMatching(/^GET \/fails 500 \d+\.\dms$/)]);
  });

  it('logs its own 404 for an unknown route', async () => {
    const answer = await raw('GET /nowhere?token=secret HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer.status).toBe(404);
    expect(logLines).toEqual([expect.stringMatching(/^GET \/nowhere 404 /)]);
  });
});
