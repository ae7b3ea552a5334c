/** What `npm start` runs, from its flags and environment: pure, tested without starting anything. */
import { parseArgs } from 'node:util';
import { PROFILE_NAMES, type ProfileName, profileNamed } from '../identity/idp-profiles';
import { DEFAULT_PORTS } from './stack-file';

export type StartPlan =
  | { readonly kind: 'help' }
  | { readonly kind: 'aws'; readonly verbose: boolean }
  | ({ readonly kind: 'dev'; readonly profile: ProfileName } & LocalOptions)
  | ({ readonly kind: 'external' } & LocalOptions);

interface LocalOptions {
  readonly verbose: boolean;
  readonly chimeRates: boolean;
  readonly sharedCache: boolean;
}

/** A bad flag or combination, in one line. */
export class StartUsageError extends Error {
  override readonly name = 'StartUsageError';
}

export const START_USAGE = `usage: npm start -- [--idp <${PROFILE_NAMES.join('|')}>] [--aws] [--no-chime-rates] [--no-shared-cache] [--verbose]`;

export const START_HELP = `${START_USAGE}

Runs the API on 127.0.0.1 with the deployed handler and a Chime SDK Meetings emulator.

  --idp <profile>  the dev identity provider imitates this provider's issuer form, discovery,
                   JWKS path and token claims (default dev; also IDP_PROFILE); npm run token
                   then issues tokens of that profile
  --aws            real Chime SDK Meetings in AWS_REGION with your credentials, and a real
                   issuer from JWT_ISSUER / JWT_AUDIENCE (also LOCAL_CHIME=aws)
  --no-chime-rates the emulator answers without Chime's API rates (on by default: GetMeeting
                   and ListAttendees 10/s, GetAttendee in the aggregate 10/s, burst 20)
  --no-shared-cache no cache table (on by default, on a local dynalite or DYNAMODB_ENDPOINT):
                   the container cache only, as -c sharedCache=false deploys
  --verbose        the Lambda's JSON log lines (a 5xx's too) and the emulator's; without it,
                   one line per request: method, path, status, problem code, latency
  -h, --help       this text

With JWT_ISSUER and JWT_AUDIENCE set (and no --aws), the local stack trusts that issuer instead
of the dev one (https; plain http only with JWT_ALLOW_HTTP_JWKS=true), with IDENTITY_CLAIM,
MODERATOR_CLAIM, MODERATOR_GROUP, MODERATOR_SCOPE, TENANT_CLAIM and JWT_JWKS_URI from the
environment. Ports: PORT (3000), CHIME_EMULATOR_PORT (3001), IDP_PORT (3002); 0 picks a free
one. npm run token and npm run example find them in .local/stack.json.
`;

type Env = Readonly<Record<string, string | undefined>>;
const set = (value: string | undefined): value is string => value !== undefined && value !== '';

export function parseStartArgs(argv: readonly string[], env: Env): StartPlan {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      idp: { type: 'string' },
      aws: { type: 'boolean' },
      verbose: { type: 'boolean' },
      'no-chime-rates': { type: 'boolean' },
      'no-shared-cache': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { kind: 'help' };
  const verbose = values.verbose === true;
  const named = values.idp ?? (set(env.IDP_PROFILE) ? env.IDP_PROFILE : undefined);
  const profile = named === undefined ? 'dev' : profileNamed(named).name;
  if (values.aws || env.LOCAL_CHIME === 'aws') {
    if (values.idp !== undefined) {
      throw new StartUsageError('--idp is for the local stack; --aws verifies a real issuer');
    }
    return { kind: 'aws', verbose };
  }
  const local = {
    verbose,
    chimeRates: !values['no-chime-rates'],
    sharedCache: !values['no-shared-cache'],
  };
  const issuer = set(env.JWT_ISSUER);
  const audience = set(env.JWT_AUDIENCE);
  if (!issuer && !audience) return { kind: 'dev', profile, ...local };
  if (!(issuer && audience)) {
    throw new StartUsageError(
      `JWT_ISSUER and JWT_AUDIENCE go together (${issuer ? 'JWT_AUDIENCE' : 'JWT_ISSUER'} is not set)`,
    );
  }
  if (values.idp !== undefined) {
    throw new StartUsageError(
      '--idp runs the dev identity provider, JWT_ISSUER names an external one: unset JWT_ISSUER and JWT_AUDIENCE, or drop --idp',
    );
  }
  return { kind: 'external', ...local };
}

export const PORT_VARIABLES = Object.freeze({
  api: 'PORT',
  emulator: 'CHIME_EMULATOR_PORT',
  idp: 'IDP_PORT',
} as const);

export type StackPorts = Readonly<Record<keyof typeof PORT_VARIABLES, number>>;
const NAMES = Object.keys(PORT_VARIABLES) as readonly (keyof StackPorts)[];

export function portIn(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (!set(raw)) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) > 65_535) {
    throw new StartUsageError(`${name} must be a port number (0 picks a free one)`);
  }
  return Number(raw);
}

/** Two alike are refused here: the second server would only fail with EADDRINUSE. */
export function parsePorts(env: Env, names = NAMES): Partial<StackPorts> {
  const ports = Object.fromEntries(
    names.map((name) => [name, portIn(env, PORT_VARIABLES[name]) ?? DEFAULT_PORTS[name]]),
  ) as Partial<StackPorts>;
  const [a, b] = names.filter((name) =>
    names.some((other) => other !== name && ports[other] === ports[name] && ports[name] !== 0),
  );
  if (a && b) {
    const message = `${PORT_VARIABLES[a]} and ${PORT_VARIABLES[b]} are both ${ports[a]}`;
    throw new StartUsageError(`${message}: give each its own port`);
  }
  return ports;
}

/** What to do about a port in use: stop the `npm start` holding it, or move the port. */
export function portTakenMessage(
  port: number,
  ports: Partial<StackPorts>,
  holder?: { readonly pid: number; readonly ports: Readonly<Record<string, number | undefined>> },
): string {
  const variable = NAMES.filter((name) => ports[name] === port)
    .map((name) => PORT_VARIABLES[name])
    .join(' and ');
  const taken = `port ${port}${variable ? ` (${variable})` : ''} is taken`;
  const move = variable ? `, or set ${variable} to a free port (0 picks one)` : '';
  if (holder && Object.values(holder.ports).includes(port)) {
    return `${taken} by an npm start still running as pid ${holder.pid} (.local/stack.json): stop it with kill ${holder.pid}${move}`;
  }
  return `${taken} by another program: stop it${move}`;
}
