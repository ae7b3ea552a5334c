import {
  parsePorts,
  parseStartArgs,
  portTakenMessage,
  START_HELP,
  StartUsageError,
} from '../../../local/cli/start-args';

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

describe("npm start's ports", () => {
  it('take PORT, CHIME_EMULATOR_PORT and IDP_PORT over 3000, 3001 and 3002, 0 for a free one', () => {
    expect(parsePorts({})).toEqual({ api: 3000, emulator: 3001, idp: 3002 });
    expect(parsePorts({ PORT: '4000', CHIME_EMULATOR_PORT: '0', IDP_PORT: '0' })).toEqual({
      api: 4000,
      emulator: 0,
      idp: 0,
    });
  });

  it.each([
    [{ PORT: 'x' }, 'PORT must be a port number (0 picks a free one)'],
    [{ IDP_PORT: '70000' }, 'IDP_PORT must be a port number (0 picks a free one)'],
    [{ PORT: '3001' }, 'PORT and CHIME_EMULATOR_PORT are both 3001: give each its own port'],
  ])('refuse %j in one line', (env, message) => {
    expect(() => parsePorts(env)).toThrow(new StartUsageError(message));
  });

  it('name the npm start holding a taken port, or the variable that moves it', () => {
    const ports = { api: 4000, emulator: 3001, idp: 3002 };
    const stale = { pid: 4242, ports: { api: 4000, emulator: 3001, idp: 3002 } };
    expect(portTakenMessage(4000, ports, stale)).toBe(
      'port 4000 (PORT) is taken by an npm start still running as pid 4242 (.local/stack.json): stop it with kill 4242, or set PORT to a free port (0 picks one)',
    );
    expect(portTakenMessage(3001, ports, { pid: 4242, ports: { api: 5000 } })).toBe(
      'port 3001 (CHIME_EMULATOR_PORT) is taken by another program: stop it, or set CHIME_EMULATOR_PORT to a free port (0 picks one)',
    );
    expect(portTakenMessage(3002, ports)).toMatch(/^port 3002 \(IDP_PORT\) is taken by another/);
  });
});
