/**
 * Matrix group B: every way a bearer token can be wrong, through the real Middy chain and the
 * real verifier against a local identity provider (Chime mocked with aws-sdk-client-mock).
 * Every refusal is the same 401, apart from the request id; none reaches Chime.
 */
import { constants, createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChimeSDKMeetingsClient, GetAttendeeCommand } from '@aws-sdk/client-chime-sdk-meetings';
import { SimpleFetcher } from 'aws-jwt-verify/https';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { IdentityProvider } from '../../local/identity/identity-provider';
import { afterFailureMemory } from '../helpers/clock';
import { registerSecret } from '../helpers/log-capture';
import { bodyOf, headersOf, startTestApi, type TestApi } from '../helpers/test-api';
import { claimsFor, forge, invalidTokens } from '../helpers/tokens';
import { attendeeOutput } from './support';

const chime = mockClient(ChimeSDKMeetingsClient);
const MEETING = '5f0c8b1e-9a47-4d2b-8e3c-6a1f2b3c4d5e';
const ATTENDEE = '7d6e5f4a-3b2c-4d1e-9f8a-7b6c5d4e3f2a';
const JOIN_TOKEN = registerSecret(`${'Sm9pblRva2Vu'.repeat(14)}+/ab`);
const REALM = 'Bearer realm="chime-attendee-api"';
const INVALID = `${REALM}, error="invalid_token"`;

let api: TestApi;
let alice: string;
/** The response to a token that is not a JWT: every other refusal must equal it. */
let rejected: ReturnType<typeof comparable>;

function comparable(response: APIGatewayProxyStructuredResultV2) {
  const { requestId: _r, ...body } = bodyOf(response);
  return { statusCode: response.statusCode, headers: response.headers, body };
}

const b64url = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Signs `header.payload` as given (any JSON, even not an object) with the provider's key. */
function signRaw(idp: IdentityProvider, header: unknown, payload: unknown): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(idp.signingKey.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

const header = (idp: IdentityProvider, overrides: Record<string, unknown> = {}) => ({
  alg: 'RS256',
  kid: idp.signingKey.kid,
  typ: 'JWT',
  ...overrides,
});

const now = () => Math.floor(Date.now() / 1000);

function call(target: TestApi, authorization?: string, query?: Record<string, string>) {
  return target.call({
    meetingId: MEETING,
    attendeeId: ATTENDEE,
    ...(authorization === undefined ? {} : { authorization }),
    ...(query ? { query } : {}),
  });
}

/** The refusal is exactly the reference 401 and Chime was not called. */
function expectRejected(response: APIGatewayProxyStructuredResultV2) {
  expect(comparable(response)).toEqual(rejected);
  expect(chime.commandCalls(GetAttendeeCommand)).toHaveLength(0);
}

beforeAll(async () => {
  api = await startTestApi();
  alice = await api.idp.mint({ sub: 'alice' });
});
afterAll(() => api.stop());
beforeEach(async () => {
  chime.reset();
  chime
    .on(GetAttendeeCommand)
    .callsFake((input) => attendeeOutput(input.AttendeeId as string, 'alice', JOIN_TOKEN));
  rejected ??= comparable(await call(api, 'Bearer not-a-jwt'));
  chime.resetHistory();
});

describe('the reference answers', () => {
  it('[B1] answers no Authorization header with 401 and a bare Bearer challenge, without calling Chime', async () => {
    const response = await call(api);
    expect(response.statusCode).toBe(401);
    expect(headersOf(response)).toMatchObject({
      'www-authenticate': REALM,
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
    });
    expect(bodyOf(response)).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(comparable(response).body).toEqual(rejected.body);
    expect(chime.calls()).toHaveLength(0);
  });

  it('[B4] answers a token that is not a JWT with 401 invalid_token and a generic body', () => {
    expect(rejected.statusCode).toBe(401);
    expect(rejected.headers).toMatchObject({ 'WWW-Authenticate': INVALID });
    expect(rejected.body).toEqual({
      type: 'urn:chime-attendee-bff:problem:unauthorized',
      title: 'Unauthorized',
      status: 401,
      detail: 'A valid bearer token is required.',
      code: 'unauthorized',
    });
  });

  it('accepts a valid token (the control case for every refusal below)', async () => {
    const response = await call(api, `Bearer ${alice}`);
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).Attendee).toHaveProperty('JoinToken', JOIN_TOKEN);
  });
});

describe('the Authorization header', () => {
  it.each([
    ['the Basic scheme', 'Basic YWxpY2U6cGFzc3dvcmQ='],
    ['the Digest scheme', 'Digest username="alice", response="x"'],
    ['the Token scheme', 'Token abc'],
    ['a bare JWT without a scheme', 'JWT'],
    ['two bearer tokens', 'Bearer JWT, Bearer JWT'],
    ['a bearer token followed by junk', 'Bearer JWT junk'],
    ['a quoted token', 'Bearer "JWT"'],
  ])('[B2] refuses %s with the same 401', async (_name, value) => {
    expectRejected(await call(api, value.replaceAll('JWT', alice)));
  });

  it('[B2] reads the scheme case-insensitively (RFC 9110 §11.1), so a valid token in "bearer" works', async () => {
    expect((await call(api, `bearer ${alice}`)).statusCode).toBe(200);
    expect((await call(api, `BEARER  ${alice}`)).statusCode).toBe(200);
  });

  it.each([
    ['"Bearer"', 'Bearer'],
    ['"Bearer " and a space', 'Bearer '],
    ['"Bearer" and spaces', 'Bearer     '],
    ['"Bearer" and a tab', 'Bearer\t'],
  ])('[B3] refuses %s without a token with the same 401', async (_name, value) => {
    expectRejected(await call(api, value));
  });

  it.each([
    ['spaces', '   '],
    ['a tab', '\t'],
    ['nothing', ''],
  ])(
    '[B3] treats an Authorization header of %s as no credentials: 401, bare challenge',
    async (_name, value) => {
      const response = await call(api, value);
      expect(response.statusCode).toBe(401);
      expect(headersOf(response)['www-authenticate']).toBe(REALM);
      expect(comparable(response).body).toEqual(rejected.body);
      expect(chime.calls()).toHaveLength(0);
    },
  );

  it('[B21] ignores a token in the query string, alone or next to a bad header', async () => {
    const query = { access_token: alice, token: alice, id_token: alice, authorization: alice };
    const alone = await call(api, undefined, query);
    expect(alone.statusCode).toBe(401);
    expect(headersOf(alone)['www-authenticate']).toBe(REALM);
    expectRejected(await call(api, 'Bearer not-a-jwt', query));
  });
});

describe('the token format', () => {
  it.each([
    ['a word', () => 'nonsense'],
    ['two parts', () => alice.split('.').slice(0, 2).join('.')],
    ['four parts', () => `${alice}.x`],
    ['five parts (a JWE shape)', () => `${alice}.x.y`],
    ['empty parts', () => '..'],
  ])('[B4] refuses %s with the same 401', async (_name, token) => {
    expectRejected(await call(api, `Bearer ${token()}`));
  });

  it.each([
    ['a header that is not JSON', () => `${b64url('{nope')}.${alice.split('.')[1]}.sig`],
    ['a payload that is not JSON', () => `${alice.split('.')[0]}.${b64url('{nope')}.sig`],
    ['a payload that is an array', () => signRaw(api.idp, header(api.idp), [claimsFor(api.idp)])],
    ['a payload that is a string', () => signRaw(api.idp, header(api.idp), 'alice')],
    ['a payload that is null', () => signRaw(api.idp, header(api.idp), null)],
    ['a header that is an array', () => signRaw(api.idp, [header(api.idp)], claimsFor(api.idp))],
    ['a header that is a number', () => signRaw(api.idp, 42, claimsFor(api.idp))],
  ])('[B5] refuses %s with the same 401', async (_name, token) => {
    expectRejected(await call(api, `Bearer ${token()}`));
  });
});

describe('algorithms and signatures', () => {
  it.each([
    ['alg none', { alg: 'none', typ: 'JWT' }],
    ['alg none with our kid', { alg: 'none' }],
    ['alg None', { alg: 'None' }],
    ['alg NONE', { alg: 'NONE' }],
  ])('[B6] refuses an unsigned token (%s) with the same 401', async (_name, overrides) => {
    const withKid = { kid: api.idp.signingKey.kid, ...overrides };
    expectRejected(await call(api, `Bearer ${forge(withKid, claimsFor(api.idp), undefined)}`));
  });

  it('[B6] refuses alg none even with a valid RS256 signature appended', async () => {
    const signature = alice.split('.')[2];
    const unsigned = forge(
      { alg: 'none', kid: api.idp.signingKey.kid },
      claimsFor(api.idp),
      undefined,
    );
    expectRejected(await call(api, `Bearer ${unsigned}${signature}`));
  });

  it('[B7] refuses HS256 signed with the RSA public key (algorithm confusion)', async () => {
    const { kid, privateKey } = api.idp.signingKey;
    const { createPublicKey } = await import('node:crypto');
    const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' });
    const publicDer = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    for (const secret of [publicPem.toString(), publicDer.toString('latin1'), '']) {
      const token = forge({ alg: 'HS256', kid, typ: 'JWT' }, claimsFor(api.idp), secret);
      expectRejected(await call(api, `Bearer ${token}`));
    }
  });

  it.each([
    ['PS256 (a real RSA-PSS signature with our key)', 'PS256'],
    ['RS384 (not pinned)', 'RS384'],
    ['RS512 (not pinned)', 'RS512'],
    ['ES256 (an EC key under our kid)', 'ES256'],
    ['a missing alg', undefined],
    ['a numeric alg', 256],
  ])('[B8] refuses %s with the same 401', async (_name, alg) => {
    const { kid, privateKey } = api.idp.signingKey;
    const head = { ...(alg === undefined ? {} : { alg }), kid, typ: 'JWT' };
    const input = `${b64url(head)}.${b64url(claimsFor(api.idp))}`;
    let signature: string;
    if (alg === 'PS256') {
      signature = createSign('RSA-SHA256')
        .update(input)
        .sign({ key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
        .toString('base64url');
    } else if (alg === 'ES256') {
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      signature = createSign('SHA256')
        .update(input)
        .sign({ key: ec, dsaEncoding: 'ieee-p1363' })
        .toString('base64url');
    } else {
      const hash = alg === 'RS384' ? 'RSA-SHA384' : alg === 'RS512' ? 'RSA-SHA512' : 'RSA-SHA256';
      signature = createSign(hash).update(input).sign(privateKey).toString('base64url');
    }
    expectRejected(await call(api, `Bearer ${input}.${signature}`));
  });

  it.each([
    [
      'a tampered payload (sub changed)',
      () => {
        const [h, , s] = alice.split('.');
        return `${h}.${b64url(claimsFor(api.idp, { sub: 'mallory' }))}.${s}`;
      },
    ],
    [
      'a tampered header (typ changed)',
      () => {
        const [, p, s] = alice.split('.');
        return `${b64url(header(api.idp, { typ: 'at+jwt' }))}.${p}.${s}`;
      },
    ],
    ['a truncated signature', () => alice.slice(0, -10)],
    ['an empty signature', () => `${alice.split('.').slice(0, 2).join('.')}.`],
    [
      'a signature from another key',
      () => invalidTokens(api.idp)['signed by another key'] as string,
    ],
  ])('[B9] refuses %s with the same 401', async (_name, token) => {
    expectRejected(await call(api, `Bearer ${token()}`));
  });

  it.each([
    ['a missing kid', { kid: undefined }],
    ['a numeric kid', { kid: 42 }],
    ['a null kid', { kid: null }],
    ['an array kid', { kid: ['a'] }],
    ['an empty kid', { kid: '' }],
  ])('[B10] refuses %s with the same 401', async (_name, overrides) => {
    const head = JSON.parse(JSON.stringify(header(api.idp, overrides)));
    expectRejected(await call(api, `Bearer ${signRaw(api.idp, head, claimsFor(api.idp))}`));
  });
});

describe('the JWKS', () => {
  it('[B11] refuses an unknown kid, and a flood of random kids triggers at most one JWKS fetch', async () => {
    const fresh = await startTestApi({}, api.idp);
    try {
      await fresh.verifier.hydrate();
      const before = api.idp.jwksFetchCount;
      const { privateKey } = api.idp.signingKey;
      const flood = Array.from({ length: 25 }, () =>
        forge(header(api.idp, { kid: randomUUID() }), claimsFor(api.idp), privateKey),
      );
      const responses = await Promise.all(flood.map((token) => call(fresh, `Bearer ${token}`)));
      for (const response of responses) expectRejected(response);
      const later = await call(fresh, `Bearer ${flood[0]}`);
      expectRejected(later);
      expect(api.idp.jwksFetchCount - before).toBeLessThanOrEqual(1);
      // Known keys still verify while the unknown ones are in the penalty box.
      expect((await call(fresh, `Bearer ${alice}`)).statusCode).toBe(200);
    } finally {
      await fresh.stop();
    }
  });

  it('[B12] accepts a rotated signing key after exactly one JWKS refetch', async () => {
    const idp = new IdentityProvider();
    await idp.start();
    const rotated = await startTestApi({}, idp);
    try {
      await rotated.verifier.hydrate();
      const oldToken = await idp.mint({ sub: 'alice' });
      const before = idp.jwksFetchCount;
      await idp.rotate();
      const newToken = await idp.mint({ sub: 'alice' });
      const statuses = [];
      for (const token of [newToken, newToken, oldToken]) {
        statuses.push((await call(rotated, `Bearer ${token}`)).statusCode);
      }
      expect(statuses).toEqual([200, 200, 200]);
      expect(idp.jwksFetchCount - before).toBe(1);
    } finally {
      await rotated.stop();
      await idp.stop();
    }
  });

  it('[B22] answers 503 with Retry-After, not 401, when the JWKS answers 503 on a cold start, and recovers', async () => {
    const idp = new IdentityProvider();
    await idp.start();
    const cold = await startTestApi({ RETRY_AFTER_SECONDS: '4' }, idp);
    try {
      const token = await idp.mint({ sub: 'alice' });
      idp.setAvailable(false);
      const response = await call(cold, `Bearer ${token}`);
      expect(response.statusCode).toBe(503);
      expect(headersOf(response)).toMatchObject({
        'retry-after': '4',
        'cache-control': 'no-store',
        'content-type': 'application/problem+json',
      });
      expect(headersOf(response)).not.toHaveProperty('www-authenticate');
      expect(bodyOf(response)).toMatchObject({ code: 'identity_provider_unavailable' });
      expect(chime.calls()).toHaveLength(0);
      idp.setAvailable(true);
      // A failed fetch is remembered for FAILURE_MEMORY_MS: the first request after it recovers.
      expect((await afterFailureMemory(() => call(cold, `Bearer ${token}`))).statusCode).toBe(200);
    } finally {
      idp.setAvailable(true);
      await cold.stop();
      await idp.stop();
    }
  });

  it.each([
    ['never answers (slower than JWT_JWKS_TIMEOUT_MS)', 'hang'],
    ['answers a JWKS that is not JSON', 'garbage'],
    ['answers a JWKS without keys', 'empty'],
  ])('[B22] answers 503, not 401, when the JWKS endpoint %s', async (_name, behaviour) => {
    const server: Server = createServer((_req, res) => {
      if (behaviour === 'garbage') res.writeHead(200).end('<html>maintenance</html>');
      if (behaviour === 'empty') res.writeHead(200).end('{"keys":"none"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const slow = await startTestApi(
      { JWT_JWKS_URI: `http://127.0.0.1:${port}/jwks.json`, JWT_JWKS_TIMEOUT_MS: '200' },
      api.idp,
    );
    try {
      const response = await call(slow, `Bearer ${alice}`);
      expect(response.statusCode).toBe(503);
      expect(headersOf(response)['retry-after']).toBe('1');
      expect(headersOf(response)).not.toHaveProperty('www-authenticate');
      expect(chime.calls()).toHaveLength(0);
    } finally {
      await slow.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('the claims', () => {
  const signed = (claims: Record<string, unknown>) =>
    `Bearer ${forge(header(api.idp), claims, api.idp.signingKey.privateKey)}`;

  it.each([
    ['an exp in the past', () => claimsFor(api.idp, { exp: now() - 60, iat: now() - 400 })],
    ['an exp one second ago', () => claimsFor(api.idp, { exp: now() - 1 })],
    ['an exp equal to now', () => claimsFor(api.idp, { exp: now() })],
  ])('[B13] refuses %s with the same generic 401', async (_name, claims) => {
    expectRejected(await call(api, signed(claims())));
  });

  it.each([
    [
      'a missing exp',
      () => {
        const { exp: _e, ...rest } = claimsFor(api.idp);
        return rest;
      },
    ],
    ['a null exp', () => claimsFor(api.idp, { exp: null })],
    ['a string exp', () => claimsFor(api.idp, { exp: String(now() + 300) })],
  ])('[B14] refuses %s with the same 401', async (_name, claims) => {
    expectRejected(await call(api, signed(claims())));
  });

  it('[B15] refuses an nbf beyond the skew, and accepts one within JWT_GRACE_SECONDS', async () => {
    expectRejected(await call(api, signed(claimsFor(api.idp, { nbf: now() + 120 }))));
    expectRejected(await call(api, signed(claimsFor(api.idp, { nbf: now() + 10 }))));
    const lenient = await startTestApi({ JWT_GRACE_SECONDS: '30' }, api.idp);
    try {
      expect(
        (await call(lenient, signed(claimsFor(api.idp, { nbf: now() + 10 })))).statusCode,
      ).toBe(200);
      expect(
        (await call(lenient, signed(claimsFor(api.idp, { exp: now() - 10 })))).statusCode,
      ).toBe(200);
      const late = await call(lenient, signed(claimsFor(api.idp, { nbf: now() + 120 })));
      expect(late.statusCode).toBe(401);
    } finally {
      await lenient.stop();
    }
  });

  it('[B16] refuses a token issued in the future (iat beyond the skew), as the gateway authorizer does', async () => {
    expectRejected(await call(api, signed(claimsFor(api.idp, { iat: now() + 3600 }))));
  });

  it.each([
    ['another issuer', () => 'https://evil.example.com'],
    ['our issuer with a trailing slash', () => `${api.idp.issuer}/`],
    ['our issuer over https', () => api.idp.issuer.replace('http:', 'https:')],
    ['our issuer in upper case', () => api.idp.issuer.toUpperCase()],
    ['our issuer with a path', () => `${api.idp.issuer}/other`],
    ['no issuer', () => undefined],
  ])('[B17] refuses %s with the same 401', async (_name, iss) => {
    const claims = JSON.parse(JSON.stringify(claimsFor(api.idp, { iss: iss() })));
    expectRejected(await call(api, signed(claims)));
  });

  it.each([
    ['another audience', () => 'someone-else'],
    ['our audience with a suffix', () => `${api.idp.audience}-x`],
    ['an array without ours', () => ['a', 'b']],
    ['no audience', () => undefined],
  ])('[B18] refuses %s with the same 401', async (_name, aud) => {
    const claims = JSON.parse(JSON.stringify(claimsFor(api.idp, { aud: aud() })));
    expectRejected(await call(api, signed(claims)));
  });

  it('[B18] accepts an aud array that contains ours', async () => {
    const claims = claimsFor(api.idp, { aud: ['other-api', api.idp.audience] });
    expect((await call(api, signed(claims))).statusCode).toBe(200);
  });

  const withoutAud = (overrides: Record<string, unknown>) => {
    const { aud: _aud, ...claims } = claimsFor(api.idp, overrides);
    return claims;
  };

  it('[B18] accepts a token without aud whose client_id is ours, as the HTTP API authorizer does', async () => {
    const response = await call(api, signed(withoutAud({ client_id: api.idp.audience })));
    expect(response.statusCode).toBe(200);
  });

  it.each([
    [
      'a wrong aud next to our client_id (aud is evaluated when present)',
      () => claimsFor(api.idp, { aud: 'someone-else', client_id: api.idp.audience }),
    ],
    [
      'a null aud next to our client_id',
      () => claimsFor(api.idp, { aud: null, client_id: api.idp.audience }),
    ],
    [
      'an empty aud array next to our client_id',
      () => claimsFor(api.idp, { aud: [], client_id: api.idp.audience }),
    ],
    ['no aud and another client_id', () => withoutAud({ client_id: 'someone-else' })],
    ['no aud and a client_id array', () => withoutAud({ client_id: [api.idp.audience] })],
    ['neither aud nor client_id', () => withoutAud({})],
  ])('[B18] refuses %s with the same 401', async (_name, claims) => {
    expectRejected(await call(api, signed(claims())));
  });

  it('[B19] checks token_use for any issuer when JWT_COGNITO_TOKEN_USE is set', async () => {
    const strict = await startTestApi({ JWT_COGNITO_TOKEN_USE: 'access' }, api.idp);
    try {
      const access = signed(claimsFor(api.idp, { token_use: 'access' }));
      expect((await call(strict, access)).statusCode).toBe(200);
      chime.resetHistory();
      expectRejected(await call(strict, signed(claimsFor(api.idp, { token_use: 'id' }))));
      expectRejected(await call(strict, signed(claimsFor(api.idp))));
    } finally {
      await strict.stop();
    }
  });
});

describe('a Cognito user pool issuer', () => {
  const POOL_ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_SecTest01';
  const CLIENT_ID = 'spa-client-0123456789';
  let cognito: TestApi;
  const fetched: string[] = [];

  beforeAll(async () => {
    const jwks = new Uint8Array(await (await fetch(api.idp.jwksUri)).arrayBuffer());
    // The pool's discovery document and JWKS are served from AWS; aws-jwt-verify's own fetcher
    // is stubbed to answer them as Cognito does (its jwks_uri is the pool's jwks.json).
    const discovery = new TextEncoder().encode(
      JSON.stringify({ issuer: POOL_ISSUER, jwks_uri: `${POOL_ISSUER}/.well-known/jwks.json` }),
    );
    jest.spyOn(SimpleFetcher.prototype, 'fetch').mockImplementation(async (uri: string) => {
      fetched.push(uri);
      if (uri === `${POOL_ISSUER}/.well-known/openid-configuration`)
        return discovery.slice().buffer;
      if (uri === `${POOL_ISSUER}/.well-known/jwks.json`) return jwks.slice().buffer;
      throw new Error(`unexpected fetch of ${uri}`);
    });
    cognito = await startTestApi({ JWT_ISSUER: POOL_ISSUER, JWT_AUDIENCE: CLIENT_ID }, api.idp);
  });
  afterAll(async () => {
    await cognito.stop();
    jest.restoreAllMocks();
  });

  const cognitoToken = (claims: Record<string, unknown>) => {
    const base = { iss: POOL_ISSUER, sub: 'alice', iat: now(), exp: now() + 300, ...claims };
    return `Bearer ${forge(header(api.idp), base, api.idp.signingKey.privateKey)}`;
  };

  it('[B19] accepts a Cognito access token for the SPA client (the control case)', async () => {
    const response = await call(
      cognito,
      cognitoToken({
        token_use: 'access',
        client_id: CLIENT_ID,
        scope: 'aws.cognito.signin.user.admin',
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(fetched).toEqual([
      `${POOL_ISSUER}/.well-known/openid-configuration`,
      `${POOL_ISSUER}/.well-known/jwks.json`,
    ]);
  });

  it.each([
    ['an ID token of the same client', { token_use: 'id', aud: CLIENT_ID }],
    [
      'an ID token that also carries client_id',
      { token_use: 'id', aud: CLIENT_ID, client_id: CLIENT_ID },
    ],
    ['an access token of another client', { token_use: 'access', client_id: 'other-client' }],
    ['a token without token_use', { client_id: CLIENT_ID }],
    [
      'an access token with an aud of another client next to our client_id',
      { token_use: 'access', aud: 'other-client', client_id: CLIENT_ID },
    ],
    [
      'a token of the pool in the global issuer format',
      {
        token_use: 'access',
        client_id: CLIENT_ID,
        iss: POOL_ISSUER.replace('cognito-idp.', 'issuer-cognito-idp.'),
      },
    ],
  ])('[B19] refuses %s with 401, never 200', async (_name, claims) => {
    const response = await call(cognito, cognitoToken(claims));
    expect(comparable(response)).toEqual(rejected);
    expect(chime.calls()).toHaveLength(0);
  });
});
