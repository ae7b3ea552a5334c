import {
  assertAudience,
  createTokenVerifier,
  TokenPolicyError,
} from '../../../../lambda/attendee/auth/token-verifier';
import { parseConfig } from '../../../../lambda/common/config/settings';
import { IdentityProvider } from '../../../../local/identity/identity-provider';
import { at } from '../../../helpers/clock';
import { testEnv } from '../../../helpers/test-api';
import { claimsFor, forge } from '../../../helpers/tokens';

let idp: IdentityProvider;
beforeAll(async () => {
  idp = new IdentityProvider();
  await idp.start();
});
afterAll(() => idp.stop());

const verifierWith = (overrides: Record<string, string> = {}) =>
  createTokenVerifier(parseConfig(testEnv(idp, overrides)));

/** A token of the provider's key with these claims over its valid ones. */
const signed = (claims: Record<string, unknown>) => {
  const { kid, privateKey } = idp.signingKey;
  return forge({ alg: 'RS256', kid, typ: 'JWT' }, claimsFor(idp, claims), privateKey);
};

describe('the token verifier', () => {
  it('knows a verified token, without waiting, until the second of its exp', async () => {
    const verifier = verifierWith();
    const token = await idp.mint({ sub: 'alice', ttl: 2 });
    expect(verifier.known(token)).toBeUndefined();
    const claims = await verifier.verify(token);
    expect(claims).toMatchObject({ sub: 'alice', iss: idp.issuer });
    expect(verifier.known(token)).toBe(claims);
    expect(verifier.known(`${token} `)).toBeUndefined();
    const exp = (claims.exp as number) * 1000;
    expect(await at(exp - 1, async () => verifier.known(token))).toBe(claims);
    expect(await at(exp, async () => verifier.known(token))).toBeUndefined();
    await expect(at(exp + 1000, () => verifier.verify(token))).rejects.toThrow(/expire/);
  });

  it.each([
    ['an algorithm the configuration does not pin', { JWT_ALGORITHMS: 'RS512' }, {}, 'algorithm'],
    ['no exp', {}, { exp: undefined }, 'exp is required'],
    ['an iat beyond the clock skew', {}, { iat: Math.floor(Date.now() / 1000) + 120 }, 'iat'],
  ])(
    'refuses a token with %s, as the authorizer in front does',
    async (_case, env, claims, why) => {
      const refused = verifierWith(env).verify(signed(claims));
      await expect(refused).rejects.toBeInstanceOf(TokenPolicyError);
      await expect(refused).rejects.toThrow(why);
    },
  );

  it("checks Cognito's token_use when it is configured", async () => {
    const verifier = verifierWith({ JWT_COGNITO_TOKEN_USE: 'access' });
    await expect(verifier.verify(signed({ token_use: 'id' }))).rejects.toThrow(/token use/i);
    await expect(verifier.verify(signed({ token_use: 'access' }))).resolves.toMatchObject({
      token_use: 'access',
    });
  });
});

describe('assertAudience (the HTTP API authorizer’s rule)', () => {
  const audience = ['spa', 'mobile'];
  it.each([
    ['aud matches', { aud: 'spa' }],
    ['an aud array contains one', { aud: ['api', 'mobile'] }],
    ['no aud, client_id matches', { client_id: 'spa' }],
  ])('accepts a token when %s', (_name, payload) => {
    expect(() => assertAudience(payload, audience)).not.toThrow();
  });

  it.each([
    ['aud is wrong although client_id is right', { aud: 'api', client_id: 'spa' }],
    ['aud is null', { aud: null, client_id: 'spa' }],
    ['no aud and client_id is wrong', { client_id: 'api' }],
    ['neither is present', {}],
    ['aud only differs in case', { aud: 'SPA' }],
  ])('refuses a token when %s', (_name, payload) => {
    expect(() => assertAudience(payload as never, audience)).toThrow(/aud|client_id/);
  });
});
