/** `npm run -s token`: a JWT for the running `npm start` (.local/stack.json); `--help` says more. */
import { parseArgs } from 'node:util';
import { DEFAULT_PORTS, LOCAL_KEY_DIR, readStackFile } from '../cli/stack-file';
import { IdentityProvider } from './identity-provider';
import { PROFILE_NAMES, PROFILES, profileNamed } from './idp-profiles';

const USAGE =
  'usage: npm run -s token -- --sub <user> [--name <display name>] [--moderator] ' +
  '[--groups a,b] [--tenants a,b] [--email x [--unverified]] [--client-id-only] ' +
  '[--wrong-audience] [--ttl seconds] ' +
  `[--profile ${PROFILE_NAMES.join('|')}] [--issuer url] [--audience aud] [--idp-port port]`;

const HELP = `${USAGE}

Prints a JWT signed with the local identity provider's key (.local/idp/), and only the JWT,
on stdout, shaped as the running npm start's profile (npm start -- --idp <profile>) issues it:
export ALICE_TOKEN=$(npm run -s token -- --sub alice)

  --sub <user>        the subject (required), e.g. alice
  --name <name>       the display name, where the profile's provider puts one (its NAME_CLAIM);
                      default: from the subject, alice → Alice
  --moderator         a moderator: the profile's moderator group, where it keeps groups or
                      roles (not with google: its tokens carry none)
  --groups <a,b>      raw groups/roles, in the same claim
  --tenants <a,b>     the caller's tenants, in the profile's tenant claim (google: one, in hd)
  --email <address>   email, with email_verified true where the provider asserts it
  --unverified        with --email: email_verified false
  --client-id-only    no aud: the audience travels in client_id (the authorizer's fallback)
  --wrong-audience    signed for another API's audience (the API answers 401)
  --ttl <seconds>     lifetime (default 3600); negative, as --ttl=-60, for an expired token
  --profile <name>    the profile to sign as; default: the running npm start's, else dev
  --issuer <url>      iss; default: the running npm start's (.local/stack.json), else IDP_ISSUER,
                      else http://127.0.0.1:<IDP_PORT or ${DEFAULT_PORTS.idp}> plus the profile's path
  --audience <aud>    aud; default: the running npm start's, else the profile's
  --idp-port <port>   the identity provider's port, when --issuer is not given
`;

function usageError(reason: string): never {
  process.stderr.write(`${USAGE}  (${reason})\n`);
  process.exit(2);
}

/** `run`'s answer, or its error's first line as a usage error. */
const orUsage = <T>(run: () => T | Promise<T>): Promise<T> =>
  Promise.resolve()
    .then(run)
    .catch((error: unknown) =>
      usageError(`${error instanceof Error ? error.message : error}`.split('\n')[0] ?? ''),
    );

const typed = (type: 'string' | 'boolean', names: string) =>
  Object.fromEntries(names.split(' ').map((name) => [name, { type }]));
const { values }: { values: Record<string, string | boolean | undefined> } = await orUsage(() =>
  parseArgs({
    options: {
      ...typed('string', 'sub name groups tenants email profile issuer audience idp-port ttl'),
      ...typed('boolean', 'moderator unverified client-id-only wrong-audience'),
      help: { type: 'boolean', short: 'h' },
    },
  }),
);
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const str = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
const flag = (name: string) => values[name] === true;
const list = (name: string) =>
  str(name)
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
const sub = str('sub');
const ttl = str('ttl') ?? '3600';
if (!sub) usageError('--sub is required');
if (!/^-?\d+$/.test(ttl)) usageError('--ttl must be a whole number of seconds');
if (flag('unverified') && str('email') === undefined) usageError('--unverified needs --email');
const idpPort = str('idp-port') ?? process.env.IDP_PORT;
if (idpPort && !/^\d+$/.test(idpPort)) usageError('--idp-port (or IDP_PORT) must be a port number');
const named = str('profile');
const forced = named === undefined ? undefined : await orUsage(() => profileNamed(named));
const stack = readStackFile();
if (stack.state === 'stale') process.stderr.write(`token: ignoring ${stack.reason}\n`);
const running = stack.state === 'running' ? stack.info : undefined;

// IDP_ISSUER: as the function sees it, e.g. http://host.docker.internal:3002 for sam local.
const explicitIssuer =
  str('issuer') ??
  (process.env.IDP_ISSUER || (idpPort ? `http://127.0.0.1:${idpPort}` : undefined));
if (running?.externalIssuer && !forced && !explicitIssuer) {
  process.stderr.write(
    `token: the running npm start trusts an external issuer, ${running.issuer}: get a token from it (this signs for the dev identity provider only; --profile forces one)\n`,
  );
  process.exit(1);
}
const profile = forced ?? PROFILES[running?.idpProfile ?? 'dev'];
// What the running stack says applies only to tokens of its own profile.
const same =
  running !== undefined &&
  !running.externalIssuer &&
  (running.idpProfile ?? 'dev') === profile.name;
const issuer = explicitIssuer ?? (same ? running.issuer : `http://127.0.0.1:${DEFAULT_PORTS.idp}`);
// Other profiles' issuers are the origin plus their path; an explicit one replaces `iss`.
const dev = profile.name === 'dev';
const idp = new IdentityProvider({
  keyDir: running?.keyDir ?? LOCAL_KEY_DIR,
  profile: profile.name,
  ...(dev ? { issuer } : { origin: new URL(issuer).origin }),
  audience: (str('audience') ?? (same ? running.audience : undefined)) || undefined,
});

const token = await orUsage(() =>
  idp.mint({
    sub,
    ttl: Number(ttl),
    name: str('name'),
    moderator: flag('moderator'),
    groups: list('groups'),
    tenants: list('tenants'),
    email: str('email'),
    emailVerified: !flag('unverified'),
    clientIdOnly: flag('client-id-only'),
    audience: flag('wrong-audience') ? 'wrong' : 'right',
    claims: explicitIssuer && !dev ? { iss: explicitIssuer } : {},
  }),
);
if (!explicitIssuer && !same) {
  const why = running
    ? `the running npm start is not of profile ${profile.name}`
    : 'no running npm start found (.local/stack.json)';
  process.stderr.write(`token: ${why}; issued for the default port\n`);
}
process.stdout.write(`${token}\n`);
