import middy from '@middy/core';
import { FetchError, JwtExpiredError } from 'aws-jwt-verify/error';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DiscoveryError } from '../../../../lambda/attendee/auth/oidc-discovery';
import type { Claims, TokenVerifier } from '../../../../lambda/attendee/auth/token-verifier';
import type { AppContext } from '../../../../lambda/attendee/context';
import { authenticate } from '../../../../lambda/attendee/middleware/authenticate';
import { attendeeEvent, lambdaContext } from '../../../helpers/events';

const CLAIMS: Claims = Object.freeze({ sub: 'alice' });
const CHALLENGE = 'Bearer realm="chime-attendee-api"';

/** A verifier that knows `known`, verifies `valid`, and fails every other token with `failure`. */
const verifierOf = (failure: Error = new JwtExpiredError('expired', 0)): TokenVerifier => ({
  known: (token) => (token === 'known' ? CLAIMS : undefined),
  verify: async (token) => {
    if (token === 'valid') return CLAIMS;
    throw failure;
  },
  hydrate: async () => undefined,
});

/** A trivial handler behind the middleware: answers with the claims it stored. */
const chain = (verifier: TokenVerifier) =>
  middy<APIGatewayProxyEventV2, unknown, Error, AppContext>()
    .use(authenticate({ verifier, retryAfterSeconds: 2 }))
    .handler(async (_event, context) => context.state.claims);

const call = (verifier: TokenVerifier, authorization?: string) => {
  const context = Object.assign(lambdaContext(), { state: { startedAt: 0 } });
  return chain(verifier)(attendeeEvent({ authorization }), context as AppContext);
};

describe('authenticate', () => {
  it.each([
    ['a token verified now', 'Bearer valid'],
    ['a token verified before', 'Bearer known'],
    ['any case of the scheme, and spaces around the token', 'bEaReR   valid '],
  ])('stores the claims of %s', async (_case, authorization) => {
    await expect(call(verifierOf(), authorization)).resolves.toBe(CLAIMS);
  });

  it.each([
    ['no Authorization header', undefined, 'no bearer token', CHALLENGE],
    ['a blank one', '  ', 'no bearer token', CHALLENGE],
    [
      'another scheme',
      'Basic YWxpY2U6cHc=',
      'not a bearer token',
      `${CHALLENGE}, error="invalid_token"`,
    ],
    ['two tokens', 'Bearer a b', 'not a bearer token', `${CHALLENGE}, error="invalid_token"`],
    [
      'a token that fails',
      'Bearer expired',
      'JwtExpiredError',
      `${CHALLENGE}, error="invalid_token"`,
    ],
  ])(
    'refuses %s with 401, the reason for the log only',
    async (_case, authorization, reason, challenge) => {
      await expect(call(verifierOf(), authorization)).rejects.toMatchObject({
        code: 'unauthorized',
        reason,
        headers: { 'WWW-Authenticate': challenge },
      });
    },
  );

  it('names an unknown failure JwtError, never its message', async () => {
    await expect(call(verifierOf(new Error('secret detail')), 'Bearer x')).rejects.toMatchObject({
      code: 'unauthorized',
      reason: 'JwtError',
    });
  });

  it.each([
    ['a JWKS that cannot be fetched', new FetchError('https://idp/jwks', 'timed out')],
    [
      'a discovery document that cannot be read',
      new DiscoveryError('https://idp/.well-known', 'not JSON'),
    ],
  ])('answers %s with 503 and Retry-After, naming the URL for the log', async (_case, failure) => {
    const refused = call(verifierOf(failure), 'Bearer x');
    await expect(refused).rejects.toMatchObject({
      code: 'identity_provider_unavailable',
      headers: { 'Retry-After': '2' },
    });
    await expect(refused).rejects.toMatchObject({
      reason: expect.stringContaining('https://idp/'),
    });
  });
});
