import { createServer } from 'node:http';
import { ChimeSDKMeetingsClient, GetAttendeeCommand } from '@aws-sdk/client-chime-sdk-meetings';
import { mockClient } from 'aws-sdk-client-mock';
import { FAILURE_MEMORY_MS, IdpFetcher } from '../../../../lambda/attendee/auth/idp-fetcher';
import {
  createJwksLocator,
  DiscoveryError,
  discoveryUrlOf,
  IssuerMismatchError,
  jwksUriFromDocument,
} from '../../../../lambda/attendee/auth/oidc-discovery';
import { type Container, createContainer } from '../../../../lambda/attendee/container';
import { closeServer, listenOnLoopback } from '../../../../local/cli/loopback';
import { attendeeEvent, lambdaContext } from '../../../helpers/events';
import { capturedLines, linesSince, registerSecret } from '../../../helpers/log-capture';
import { type DiscoveryBehaviour, OidcServer } from '../../../helpers/oidc-server';
import { bodyOf, headersOf } from '../../../helpers/test-api';

const chime = mockClient(ChimeSDKMeetingsClient);
const MEETING = '2c8f9d5c-3f6e-4b8a-9f2d-1a2b3c4d5e6f';
const ATTENDEE = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const JOIN_TOKEN = registerSecret('Sm9pblRva2Vu'.repeat(12));
registerSecret('alice');

const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)).buffer;

/**
 * A fake clock for containers, which time remembered failures with the default clock
 * (`Date.now`): each test starts at the real time, and the clock stands still until
 * `advance(ms)` moves it on. Install it before creating the container.
 */
function useFakeClock(): (ms: number) => void {
  let at = 0;
  let clock: jest.SpyInstance<number, []> | undefined;
  beforeEach(() => {
    at = Date.now();
    clock = jest.spyOn(Date, 'now').mockImplementation(() => at);
  });
  afterEach(() => clock?.mockRestore());
  return (ms) => {
    at += ms;
  };
}

beforeEach(() => {
  chime.reset();
  chime.on(GetAttendeeCommand).resolves({
    Attendee: {
      AttendeeId: ATTENDEE,
      ExternalUserId: 'alice',
      JoinToken: JOIN_TOKEN,
      Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'Receive' },
    },
    $metadata: { requestId: 'chime' },
  });
});

describe('discoveryUrlOf (OpenID Connect Discovery §4)', () => {
  it.each([
    ['https://tenant.auth0.com/', 'https://tenant.auth0.com/.well-known/openid-configuration'],
    ['https://accounts.google.com', 'https://accounts.google.com/.well-known/openid-configuration'],
    [
      'https://login.example.com/realms/app',
      'https://login.example.com/realms/app/.well-known/openid-configuration',
    ],
    [
      'https://login.example.com/realms/app/',
      'https://login.example.com/realms/app/.well-known/openid-configuration',
    ],
  ])('appends the well-known path to %s after removing a terminating slash', (issuer, url) => {
    expect(discoveryUrlOf(issuer)).toBe(url);
  });
});

describe('jwksUriFromDocument', () => {
  const expected = {
    issuer: 'https://tenant.auth0.com/',
    url: 'https://tenant.auth0.com/.well-known/openid-configuration',
    allowHttp: false,
  };

  it('takes jwks_uri from a document that names the issuer exactly', () => {
    const document = { issuer: expected.issuer, jwks_uri: 'https://tenant.auth0.com/keys' };
    expect(jwksUriFromDocument(bytes(document), expected)).toBe('https://tenant.auth0.com/keys');
  });

  it.each([
    ['without the trailing slash', 'https://tenant.auth0.com'],
    ['in another case', 'https://TENANT.auth0.com/'],
    ['of another tenant', 'https://other.auth0.com/'],
  ])(
    'refuses a document naming the issuer %s, as a configuration error naming both',
    (_name, issuer) => {
      const read = () =>
        jwksUriFromDocument(bytes({ issuer, jwks_uri: 'https://x.example/keys' }), expected);
      expect(read).toThrow(IssuerMismatchError);
      expect(read).toThrow(expect.objectContaining({ variable: 'JWT_ISSUER' }));
      expect(read).toThrow(expected.issuer);
      expect(read).toThrow(issuer);
    },
  );

  it.each([
    ['plain http', 'http://tenant.auth0.com/keys', /not https/],
    ['another scheme', 'ftp://tenant.auth0.com/keys', /not https/],
    ['a relative URL', '/keys', /not an absolute URL/],
    ['a number', 42, /no jwks_uri/],
  ])('refuses a jwks_uri that is %s as a discovery failure', (_name, jwksUri, why) => {
    const read = () =>
      jwksUriFromDocument(bytes({ issuer: expected.issuer, jwks_uri: jwksUri }), expected);
    expect(read).toThrow(DiscoveryError);
    expect(read).toThrow(why);
  });

  it('accepts a plain-http jwks_uri only where plain http is allowed', () => {
    const document = bytes({ issuer: expected.issuer, jwks_uri: 'http://127.0.0.1:1/keys' });
    expect(jwksUriFromDocument(document, { ...expected, allowHttp: true })).toBe(
      'http://127.0.0.1:1/keys',
    );
  });

  it.each([
    ['not JSON', '<html>', /not JSON/],
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), /not JSON/],
    ['an array', [{ issuer: expected.issuer }], /not a JSON object/],
    ['without an issuer', { jwks_uri: 'https://x.example/keys' }, /no issuer/],
  ])('refuses a document that is %s as a discovery failure', (_name, body, why) => {
    const buffer = body instanceof Uint8Array ? body.buffer : bytes(body);
    expect(() => jwksUriFromDocument(buffer, expected)).toThrow(DiscoveryError);
    expect(() => jwksUriFromDocument(buffer, expected)).toThrow(why);
  });
});

describe('createJwksLocator, over a real loopback provider', () => {
  let idp: OidcServer;
  let clock: number;
  const now = () => clock;
  beforeEach(async () => {
    clock = 1_000_000;
    idp = new OidcServer({ issuerPath: '/tenant/', jwksPath: '/oauth2/v3/certs' });
    await idp.start();
  });
  afterEach(() => idp.stop());

  const locator = (jwksUri?: string) =>
    createJwksLocator({
      issuer: idp.issuer,
      jwksUri,
      allowHttp: true,
      fetcher: new IdpFetcher(1000, true, now),
      now,
    });
  const settled = (promises: Promise<string>[]) =>
    Promise.allSettled(promises).then((results) =>
      results.map((result) =>
        result.status === 'fulfilled' ? result.value : (result.reason as Error).name,
      ),
    );

  it('fetches the document once for concurrent and later callers', async () => {
    const located = locator();
    const uris = await Promise.all([located.jwksUri(), located.jwksUri(), located.jwksUri()]);
    clock += 100 * FAILURE_MEMORY_MS;
    expect(await located.jwksUri()).toBe(idp.jwksUri);
    expect(uris).toEqual([idp.jwksUri, idp.jwksUri, idp.jwksUri]);
    expect(idp.discoveryFetches).toBe(1);
    expect(idp.requested).toEqual(['/tenant/.well-known/openid-configuration']);
  });

  it.each<[string, DiscoveryBehaviour]>([
    ['answers 404', 'not-found'],
    ['answers something that is not JSON', 'not-json'],
    ['answers a document without jwks_uri', 'no-jwks-uri'],
  ])(
    'remembers a discovery that %s for FAILURE_MEMORY_MS: callers within it get its error without a fetch',
    async (_name, behaviour) => {
      idp.discovery = behaviour;
      const located = locator();
      const first = await settled([located.jwksUri(), located.jwksUri(), located.jwksUri()]);
      clock += FAILURE_MEMORY_MS - 1;
      const later = await settled([located.jwksUri(), located.jwksUri()]);
      expect([...first, ...later]).toEqual(Array(5).fill('DiscoveryError'));
      expect(idp.discoveryFetches).toBe(1);
    },
  );

  it('remembers the error itself: the log of a remembered failure still names the URL and why', async () => {
    idp.discovery = 'not-found';
    const located = locator();
    const error = new DiscoveryError(idp.discoveryUrl, 'Status code is 404, expected 200');
    await expect(located.jwksUri()).rejects.toThrow(error);
    await expect(located.jwksUri()).rejects.toThrow(error);
    expect(idp.discoveryFetches).toBe(1);
  });

  it('discovers again once FAILURE_MEMORY_MS has passed, once for concurrent callers, and keeps a recovery', async () => {
    idp.discovery = 'not-found';
    const located = locator();
    await expect(located.jwksUri()).rejects.toThrow(DiscoveryError);
    clock += FAILURE_MEMORY_MS;
    expect(await settled([located.jwksUri(), located.jwksUri(), located.jwksUri()])).toEqual(
      Array(3).fill('DiscoveryError'),
    );
    expect(idp.discoveryFetches).toBe(2);

    idp.discovery = 'serve';
    await expect(located.jwksUri()).rejects.toThrow(DiscoveryError);
    expect(idp.discoveryFetches).toBe(2);
    clock += FAILURE_MEMORY_MS;
    const uris = await Promise.all([located.jwksUri(), located.jwksUri(), located.jwksUri()]);
    expect(uris).toEqual([idp.jwksUri, idp.jwksUri, idp.jwksUri]);
    clock += 100 * FAILURE_MEMORY_MS;
    expect(await located.jwksUri()).toBe(idp.jwksUri);
    expect(idp.discoveryFetches).toBe(3);
  });

  it('remembers a document naming another issuer as a failed discovery', async () => {
    idp.document = { issuer: 'https://elsewhere.example.com/' };
    const located = locator();
    await expect(located.jwksUri()).rejects.toThrow(IssuerMismatchError);
    await expect(located.jwksUri()).rejects.toThrow(IssuerMismatchError);
    expect(idp.discoveryFetches).toBe(1);
    idp.document = {};
    clock += FAILURE_MEMORY_MS;
    expect(await located.jwksUri()).toBe(idp.jwksUri);
    expect(idp.discoveryFetches).toBe(2);
  });

  it('does not fetch the document when a JWKS URI is configured', async () => {
    const located = locator('http://127.0.0.1:1/jwks.json');
    expect(await located.jwksUri()).toBe('http://127.0.0.1:1/jwks.json');
    expect(located.discoveryUrl).toBeUndefined();
    expect(idp.discoveryFetches).toBe(0);
  });

  it('refuses a plain-http discovery document unless plain http is allowed', async () => {
    const strict = createJwksLocator({
      issuer: idp.issuer,
      jwksUri: undefined,
      allowHttp: false,
      fetcher: new IdpFetcher(1000, false),
    });
    await expect(strict.jwksUri()).rejects.toThrow(/http not allowed/);
    expect(idp.discoveryFetches).toBe(0);
  });
});

describe('discovery in the container, through the real handler', () => {
  let idp: OidcServer;
  let container: Container;

  const env = (overrides: Record<string, string> = {}) => ({
    CHIME_REGION: 'us-east-1',
    JWT_ISSUER: idp.issuer,
    JWT_AUDIENCE: 'spa',
    JWT_ALLOW_HTTP_JWKS: 'true',
    JWT_JWKS_TIMEOUT_MS: '100',
    RETRY_AFTER_SECONDS: '2',
    ...overrides,
  });
  const call = (token: string) =>
    container.handler(
      attendeeEvent({ meetingId: MEETING, attendeeId: ATTENDEE, token }),
      lambdaContext(),
    );

  beforeEach(async () => {
    // Auth0's issuer form (a trailing slash) and a JWKS at Google's path, not the guessed one.
    idp = new OidcServer({ issuerPath: '/', jwksPath: '/oauth2/v3/certs' });
    await idp.start();
  });
  afterEach(() => idp.stop());
  const advance = useFakeClock();

  it('verifies a token whose iss ends in "/" with the keys at the discovered jwks_uri', async () => {
    container = createContainer(env());
    await container.warmUp();
    const response = await call(idp.token({ aud: 'spa' }));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).Attendee).toHaveProperty('JoinToken', JOIN_TOKEN);
    expect(idp.requested).toEqual(['/.well-known/openid-configuration', '/oauth2/v3/certs']);
  });

  it('refuses a token whose iss lacks the configured trailing slash', async () => {
    container = createContainer(env());
    const token = idp.token({ aud: 'spa', iss: idp.issuer.replace(/\/$/, '') });
    expect((await call(token)).statusCode).toBe(401);
  });

  it('discovers once per container, whatever the number of requests', async () => {
    container = createContainer(env());
    await container.warmUp();
    for (const sub of ['alice', 'bob', 'carol']) await call(idp.token({ aud: 'spa', sub }));
    expect(idp.discoveryFetches).toBe(1);
    expect(idp.jwksFetches).toBe(1);
  });

  it('uses JWT_JWKS_URI instead of discovery', async () => {
    idp.discovery = 'not-found';
    container = createContainer(env({ JWT_JWKS_URI: idp.jwksUri }));
    await container.warmUp();
    expect((await call(idp.token({ aud: 'spa' }))).statusCode).toBe(200);
    expect(idp.discoveryFetches).toBe(0);
  });

  it('fails warm-up naming both issuers when the document names another issuer', async () => {
    idp.document = { issuer: idp.issuer.replace(/\/$/, '') };
    container = createContainer(env());
    const warmUp = container.warmUp();
    await expect(warmUp).rejects.toThrow(IssuerMismatchError);
    await expect(warmUp).rejects.toThrow(`"${idp.issuer}"`);
    await expect(warmUp).rejects.toThrow(`"${idp.issuer.replace(/\/$/, '')}"`);
  });

  it.each([
    ['answers 404', 'not-found', 'Status code is 404, expected 200'],
    ['never answers (slower than JWT_JWKS_TIMEOUT_MS)', 'hang', 'time-out'],
    ['answers something that is not JSON', 'not-json', 'the document is not JSON'],
    ['answers a document without jwks_uri', 'no-jwks-uri', 'the document has no jwks_uri'],
  ] as const)(
    'answers 503 with Retry-After when the discovery document %s, logs the URL and why, and recovers',
    async (_name, behaviour, why) => {
      idp.discovery = behaviour;
      container = createContainer(env());
      const warmMark = capturedLines().length;
      await container.warmUp();
      expect(linesSince(warmMark).join('\n')).toContain(idp.discoveryUrl);
      const mark = capturedLines().length;
      const token = idp.token({ aud: 'spa' });
      const response = await call(token);
      // The warm-up's failure, remembered: no second fetch.
      expect(idp.discoveryFetches).toBe(1);
      expect(response.statusCode).toBe(503);
      expect(headersOf(response)).toMatchObject({ 'retry-after': '2' });
      expect(headersOf(response)).not.toHaveProperty('www-authenticate');
      expect(bodyOf(response)).toMatchObject({ code: 'identity_provider_unavailable' });
      const line = linesSince(mark)
        .map((text) => JSON.parse(text) as Record<string, unknown>)
        .find((entry) => entry.message === 'request');
      expect(line).toMatchObject({ level: 'WARN', status: 503 });
      expect(line?.cause).toContain(`DiscoveryError: ${idp.discoveryUrl}: `);
      expect(line?.cause).toContain(why);
      expect(chime.calls()).toHaveLength(0);

      idp.discovery = 'serve';
      advance(FAILURE_MEMORY_MS);
      expect((await call(token)).statusCode).toBe(200);
    },
  );

  it('during an outage answers 503 without a fetch for FAILURE_MEMORY_MS, then tries once for all concurrent requests', async () => {
    idp.discovery = 'not-found';
    container = createContainer(env());
    const token = idp.token({ aud: 'spa' });
    const statuses = async (count: number) =>
      (await Promise.all(Array.from({ length: count }, () => call(token)))).map(
        (response) => response.statusCode,
      );
    expect(await statuses(5)).toEqual(Array(5).fill(503));
    advance(FAILURE_MEMORY_MS - 1);
    expect(await statuses(5)).toEqual(Array(5).fill(503));
    expect(idp.discoveryFetches).toBe(1);

    advance(1);
    expect(await statuses(5)).toEqual(Array(5).fill(503));
    expect(idp.discoveryFetches).toBe(2);

    idp.discovery = 'serve';
    advance(FAILURE_MEMORY_MS);
    expect(await statuses(5)).toEqual(Array(5).fill(200));
    expect([idp.discoveryFetches, idp.jwksFetches]).toEqual([3, 1]);
    expect(chime.calls().length).toBeGreaterThan(0);
  });

  it('answers 503, not 401, when the document names another issuer after a failed warm-up', async () => {
    idp.discovery = 'not-found';
    container = createContainer(env());
    await container.warmUp();
    idp.discovery = 'serve';
    idp.document = { issuer: 'https://elsewhere.example.com/' };
    advance(FAILURE_MEMORY_MS);
    const mark = capturedLines().length;
    const response = await call(idp.token({ aud: 'spa' }));
    expect(response.statusCode).toBe(503);
    expect(linesSince(mark).join('\n')).toContain('IssuerMismatchError');
  });
});

describe('the JWKS in the container, through the real handler', () => {
  let idp: OidcServer;
  let jwks: { url: string; down: boolean; requests: number; stop(): Promise<void> };

  /** A JWKS endpoint serving the provider's keys, or 503 while `down`; counts every request. */
  async function startJwks(keys: ArrayBuffer) {
    const server = createServer((_req, res) => {
      endpoint.requests += 1;
      if (endpoint.down) res.writeHead(503).end('unavailable');
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end(Buffer.from(keys));
    });
    const endpoint = {
      url: `${(await listenOnLoopback(server, 0)).url}/keys`,
      down: false,
      requests: 0,
      stop: () => closeServer(server),
    };
    return endpoint;
  }

  beforeEach(async () => {
    idp = new OidcServer();
    await idp.start();
    jwks = await startJwks(await new IdpFetcher(1000, true).fetch(idp.jwksUri));
  });
  afterEach(async () => {
    await jwks.stop();
    await idp.stop();
  });
  const advance = useFakeClock();

  it('during an outage answers 503 without a fetch for FAILURE_MEMORY_MS, then tries once for all concurrent requests', async () => {
    jwks.down = true;
    const container = createContainer({
      CHIME_REGION: 'us-east-1',
      JWT_ISSUER: idp.issuer,
      JWT_AUDIENCE: 'spa',
      JWT_JWKS_URI: jwks.url,
      JWT_ALLOW_HTTP_JWKS: 'true',
      RETRY_AFTER_SECONDS: '2',
    });
    await container.warmUp();
    const token = idp.token({ aud: 'spa' });
    const responses = (count: number) =>
      Promise.all(
        Array.from({ length: count }, () =>
          container.handler(
            attendeeEvent({ meetingId: MEETING, attendeeId: ATTENDEE, token }),
            lambdaContext(),
          ),
        ),
      );
    const during = [...(await responses(5)), ...(await responses(5))];
    expect(
      during.map((response) => [
        response.statusCode,
        headersOf(response)['retry-after'],
        bodyOf(response).code,
      ]),
    ).toEqual(Array(10).fill([503, '2', 'identity_provider_unavailable']));
    advance(FAILURE_MEMORY_MS - 1);
    expect((await responses(3)).map((response) => response.statusCode)).toEqual([503, 503, 503]);
    expect(jwks.requests).toBe(1);

    advance(1);
    expect((await responses(3)).map((response) => response.statusCode)).toEqual([503, 503, 503]);
    expect(jwks.requests).toBe(2);

    jwks.down = false;
    advance(FAILURE_MEMORY_MS);
    expect((await responses(3)).map((response) => response.statusCode)).toEqual([200, 200, 200]);
    expect(jwks.requests).toBe(3);
  });
});
