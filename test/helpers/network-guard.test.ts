import dns from 'node:dns';
import { request } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { isLoopback, NETWORK_BLOCKED, takeBlockedAttempts } from './network-guard';

/** Resolves with the socket's first error (or `connected`) once it settles. */
function outcomeOf(socket: ReturnType<typeof connect>): Promise<string> {
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the test network guard', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['localhost', true],
    ['api.localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['0.0.0.0', false],
    ['169.254.169.254', false],
    ['::', false],
    ['2001:db8::1', false],
    ['example.com', false],
    ['localhost.example.com', false],
  ])('counts %s as loopback: %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });

  it('lets a test connect to a server on 127.0.0.1 and on localhost', async () => {
    expect(await outcomeOf(connect(port, '127.0.0.1'))).toBe('connected');
    expect(await outcomeOf(connect({ host: 'localhost', port }))).toBe('connected');
    expect(takeBlockedAttempts()).toEqual([]);
  });

  it('refuses a connection to another address, naming it, and reports the attempt', async () => {
    expect(await outcomeOf(connect(443, '192.0.2.1'))).toBe(NETWORK_BLOCKED);
    expect(takeBlockedAttempts()).toEqual(['connect to 192.0.2.1:443']);
  });

  it('refuses an HTTP request to a public name before any DNS lookup', async () => {
    const error = await new Promise<Error>((resolve) => {
      request({ host: 'example.com', port: 80, path: '/' }).on('error', resolve).end();
    });
    expect(error.message).toMatch(
      /^Network access is blocked in tests: connect to example\.com:80/,
    );
    expect(takeBlockedAttempts()).toEqual(['connect to example.com:80']);
  });

  it('refuses fetch to a public address', async () => {
    await expect(fetch('http://192.0.2.1/')).rejects.toMatchObject({
      cause: { code: NETWORK_BLOCKED },
    });
    expect(takeBlockedAttempts()).toEqual(['connect to 192.0.2.1:80']);
  });

  it('answers a lookup of an .invalid name with ENOTFOUND at once, as RFC 6761 asks', async () => {
    expect(await outcomeOf(connect(80, 'chime.invalid'))).toBe('ENOTFOUND');
    expect(takeBlockedAttempts()).toEqual([]);
  });

  it('refuses DNS lookups and queries of other names, and answers localhost', async () => {
    await expect(dns.promises.lookup('example.com')).rejects.toMatchObject({
      code: NETWORK_BLOCKED,
    });
    await expect(dns.promises.resolve4('example.com')).rejects.toMatchObject({
      code: NETWORK_BLOCKED,
    });
    expect(takeBlockedAttempts()).toEqual([
      'DNS lookup of example.com',
      'DNS query for example.com',
    ]);
    const local = await dns.promises.lookup('localhost', { family: 4 });
    expect(local.address).toMatch(/^127\./);
  });
});
