import { parseStartArgs, START_HELP, StartUsageError } from '../../local/start-args';

const ISSUER = { JWT_ISSUER: 'https://login.example.com/', JWT_AUDIENCE: 'my-api' };

describe("npm start's flags and environment", () => {
  it('run the dev issuer by default, and the named profile with --idp or IDP_PROFILE', () => {
    expect(parseStartArgs([], {})).toEqual({
      kind: 'dev',
      profile: 'dev',
      verbose: false,
      chimeRates: true,
      sharedCache: true,
    });
    expect(parseStartArgs(['--idp', 'auth0', '--verbose'], {})).toEqual({
      kind: 'dev',
      profile: 'auth0',
      verbose: true,
      chimeRates: true,
      sharedCache: true,
    });
    expect(parseStartArgs(['--idp=okta'], { IDP_PROFILE: 'entra' })).toMatchObject({
      profile: 'okta',
    });
    expect(parseStartArgs([], { IDP_PROFILE: 'keycloak' })).toMatchObject({ profile: 'keycloak' });
  });

  it('refuse an unknown profile in one line listing the valid names', () => {
    const refusal = () => parseStartArgs(['--idp', 'ping'], {});
    expect(refusal).toThrow(StartUsageError);
    expect(refusal).toThrow(
      'unknown identity provider profile "ping" (one of dev, cognito, auth0, okta, entra, keycloak, google)',
    );
  });

  it('trust an external issuer when JWT_ISSUER and JWT_AUDIENCE are set', () => {
    expect(parseStartArgs([], ISSUER)).toEqual({
      kind: 'external',
      verbose: false,
      chimeRates: true,
      sharedCache: true,
    });
  });

  it('turn Chime’s rates and the shared cache off on request (both on by default)', () => {
    expect(parseStartArgs(['--no-chime-rates', '--no-shared-cache'], {})).toMatchObject({
      kind: 'dev',
      chimeRates: false,
      sharedCache: false,
    });
  });

  it('refuse half an external issuer, and --idp together with one', () => {
    expect(() => parseStartArgs([], { JWT_ISSUER: ISSUER.JWT_ISSUER })).toThrow(
      'JWT_ISSUER and JWT_AUDIENCE go together (JWT_AUDIENCE is not set)',
    );
    expect(() => parseStartArgs(['--idp', 'auth0'], ISSUER)).toThrow(/unset JWT_ISSUER/);
  });

  it('keep --aws (and LOCAL_CHIME=aws) meaning real Chime, whatever the issuer', () => {
    expect(parseStartArgs(['--aws'], ISSUER)).toEqual({ kind: 'aws', verbose: false });
    expect(parseStartArgs([], { ...ISSUER, LOCAL_CHIME: 'aws' })).toMatchObject({ kind: 'aws' });
    expect(() => parseStartArgs(['--aws', '--idp', 'okta'], {})).toThrow(/--idp is for the local/);
  });

  it('refuse unknown flags in one line, and list every flag under --help', () => {
    expect(() => parseStartArgs(['--idpp', 'okta'], {})).toThrow(/Unknown option '--idpp'/);
    expect(parseStartArgs(['--help'], ISSUER)).toEqual({ kind: 'help' });
    for (const flag of ['--idp', '--aws', '--verbose', '--help', 'JWT_ISSUER', 'JWT_JWKS_URI']) {
      expect(START_HELP).toContain(flag);
    }
  });
});
