import { FetchError } from 'aws-jwt-verify/error';
import { FAILURE_MEMORY_MS, IdpFetcher } from '../../../../lambda/attendee/auth/idp-fetcher';
import { OidcServer } from '../../../helpers/oidc-server';

describe('IdpFetcher, over a real loopback provider', () => {
  let idp: OidcServer;
  let clock: number;
  const fetcher = () => new IdpFetcher(100, true, () => clock);

  beforeEach(async () => {
    clock = 1_000_000;
    idp = new OidcServer({ issuerPath: '/', jwksPath: '/v1/keys' });
    await idp.start();
  });
  afterEach(() => idp.stop());

  it.each([
    ['answers 404', 'not-found', /Status code is 404/],
    ['never answers (slower than the time-out)', 'hang', /time-out/],
  ] as const)(
    'remembers a fetch that %s for FAILURE_MEMORY_MS: the same error, no request',
    async (_name, behaviour, why) => {
      idp.discovery = behaviour;
      const idpFetcher = fetcher();
      const error = await idpFetcher.fetch(idp.discoveryUrl).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FetchError);
      expect((error as FetchError).message).toMatch(why);
      await expect(idpFetcher.fetch(idp.discoveryUrl)).rejects.toBe(error);
      clock += FAILURE_MEMORY_MS - 1;
      await expect(idpFetcher.fetch(idp.discoveryUrl)).rejects.toBe(error);
      expect(idp.discoveryFetches).toBe(1);
    },
  );

  it('fetches again once FAILURE_MEMORY_MS has passed, remembers a new failure, and returns a recovery', async () => {
    idp.discovery = 'not-found';
    const idpFetcher = fetcher();
    await expect(idpFetcher.fetch(idp.discoveryUrl)).rejects.toThrow(FetchError);
    clock += FAILURE_MEMORY_MS;
    await expect(idpFetcher.fetch(idp.discoveryUrl)).rejects.toThrow(FetchError);
    await expect(idpFetcher.fetch(idp.discoveryUrl)).rejects.toThrow(FetchError);
    expect(idp.discoveryFetches).toBe(2);

    idp.discovery = 'serve';
    clock += FAILURE_MEMORY_MS;
    const body = JSON.parse(new TextDecoder().decode(await idpFetcher.fetch(idp.discoveryUrl)));
    expect(body).toMatchObject({ issuer: idp.issuer, jwks_uri: idp.jwksUri });
    expect(idp.discoveryFetches).toBe(3);
  });

  it('keeps no success: every fetch of a URI that answers is a request (the JWKS cache keeps keys)', async () => {
    const idpFetcher = fetcher();
    await idpFetcher.fetch(idp.jwksUri);
    await idpFetcher.fetch(idp.jwksUri);
    expect(idp.jwksFetches).toBe(2);
  });

  it('remembers a failure per URI: the JWKS is still fetched while the discovery document fails', async () => {
    idp.discovery = 'not-found';
    const idpFetcher = fetcher();
    await expect(idpFetcher.fetch(idp.discoveryUrl)).rejects.toThrow(FetchError);
    const keys = JSON.parse(new TextDecoder().decode(await idpFetcher.fetch(idp.jwksUri)));
    expect(keys.keys).toHaveLength(1);
    expect(idp.jwksFetches).toBe(1);
  });
});
