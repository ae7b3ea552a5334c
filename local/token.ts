/**
 * `npm run -s token -- --sub alice [--groups moderators] [--ttl 3600]`: prints a JWT from the
 * local identity provider (only the JWT, on stdout), valid for the running `npm start`, whose
 * issuer and audience it reads from `.local/stack.json`. Flags, then IDP_ISSUER / IDP_PORT,
 * override that file; without it, the default port is assumed (a hint says so on stderr).
 */
import { parseArgs } from 'node:util';
import { DEFAULT_PORTS, LOCAL_KEY_DIR } from './dev-stack';
import { IdentityProvider, LOCAL_AUDIENCE } from './identity-provider';
import { readStackFile } from './stack-file';

const USAGE =
  'usage: npm run -s token -- --sub <user> [--groups a,b] [--ttl seconds] [--issuer url] ' +
  '[--audience aud] [--idp-port port]';

const HELP = `${USAGE}

Prints a JWT signed with the local identity provider's key (.local/idp/), and only the JWT,
on stdout: export ALICE_TOKEN=$(npm run -s token -- --sub alice)

  --sub <user>       the subject (required), e.g. alice
  --groups <a,b>     cognito:groups, e.g. moderators
  --ttl <seconds>    lifetime (default 3600)
  --issuer <url>     iss; default: the running npm start's (.local/stack.json), else IDP_ISSUER,
                     else http://127.0.0.1:<IDP_PORT or ${DEFAULT_PORTS.idp}>
  --audience <aud>   aud; default: the running npm start's, else ${LOCAL_AUDIENCE}
  --idp-port <port>  the identity provider's port, when --issuer is not given
`;

/** Ends with one line on stderr, the usage and what was wrong, and exit status 2. */
function usageError(reason: string): never {
  process.stderr.write(`${USAGE}  (${reason})\n`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      sub: { type: 'string' },
      groups: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      issuer: { type: 'string' },
      audience: { type: 'string' },
      'idp-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (error) {
  usageError(error instanceof Error ? error.message : String(error));
}

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const str = (name: string): string | undefined =>
  typeof values[name] === 'string' ? (values[name] as string) : undefined;
const sub = str('sub');
const ttl = str('ttl') ?? '3600';
if (!sub) usageError('--sub is required');
if (!/^\d+$/.test(ttl)) usageError('--ttl must be a whole number of seconds');
const idpPort = str('idp-port') ?? process.env.IDP_PORT;
if (idpPort !== undefined && idpPort !== '' && !/^\d+$/.test(idpPort)) {
  usageError('--idp-port (or IDP_PORT) must be a port number');
}

const stack = readStackFile();
if (stack.state === 'stale') process.stderr.write(`token: ignoring ${stack.reason}\n`);
const running = stack.state === 'running' ? stack.info : undefined;

// IDP_ISSUER: the issuer as the function sees it, e.g. http://host.docker.internal:3002 for sam local.
const explicitIssuer =
  str('issuer') ??
  (process.env.IDP_ISSUER || undefined) ??
  (idpPort ? `http://127.0.0.1:${idpPort}` : undefined);
const issuer = explicitIssuer ?? running?.issuer ?? `http://127.0.0.1:${DEFAULT_PORTS.idp}`;
if (!explicitIssuer && !running) {
  process.stderr.write(
    `token: no running npm start found (.local/stack.json); issuing for ${issuer}\n`,
  );
}
const audience = str('audience') ?? running?.audience ?? LOCAL_AUDIENCE;

const idp = new IdentityProvider({ keyDir: running?.keyDir ?? LOCAL_KEY_DIR, issuer, audience });
const groups = str('groups');
const token = await idp.mint({
  sub,
  ttl: Number(ttl),
  ...(groups ? { groups: groups.split(',').map((g) => g.trim()) } : {}),
});
process.stdout.write(`${token}\n`);
