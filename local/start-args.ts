/**
 * What `npm start` runs, from its flags and environment: the local stack with a dev identity
 * provider profile, the local stack trusting an external issuer (JWT_ISSUER + JWT_AUDIENCE), or
 * the API against real AWS (`--aws`). Pure, so the choice is tested without starting anything.
 */
import { parseArgs } from 'node:util';
import { PROFILE_NAMES, type ProfileName, profileNamed } from './idp-profiles';

export type StartPlan =
  | { readonly kind: 'help' }
  | { readonly kind: 'aws'; readonly verbose: boolean }
  | ({ readonly kind: 'dev'; readonly profile: ProfileName } & LocalOptions)
  | ({ readonly kind: 'external' } & LocalOptions);

/** What the local stack runs besides the API (both on unless turned off). */
interface LocalOptions {
  readonly verbose: boolean;
  /** Chime's API rates in the emulator (`--no-chime-rates` turns them off). */
  readonly chimeRates: boolean;
  /** The shared cache table on a local DynamoDB (`--no-shared-cache`: container cache only). */
  readonly sharedCache: boolean;
}

/** A bad flag or combination; the message is one line. */
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
  --verbose        the Lambda's and the emulator's log lines too
  -h, --help       this text

With JWT_ISSUER and JWT_AUDIENCE set (and no --aws), the local stack trusts that issuer instead
of the dev one (https; plain http only with JWT_ALLOW_HTTP_JWKS=true), with IDENTITY_CLAIM,
MODERATOR_CLAIM, MODERATOR_GROUP, MODERATOR_SCOPE, TENANT_CLAIM and JWT_JWKS_URI from the
environment. Ports: PORT (3000), CHIME_EMULATOR_PORT (3001), IDP_PORT (3002).
`;

const set = (value: string | undefined): value is string => value !== undefined && value !== '';

/** Reads `npm start`'s flags (`argv` without node and the script) and environment. */
export function parseStartArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): StartPlan {
  let values: {
    idp?: string;
    aws?: boolean;
    verbose?: boolean;
    help?: boolean;
    'no-chime-rates'?: boolean;
    'no-shared-cache'?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        idp: { type: 'string' },
        aws: { type: 'boolean' },
        verbose: { type: 'boolean' },
        'no-chime-rates': { type: 'boolean' },
        'no-shared-cache': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new StartUsageError(
      error instanceof Error ? error.message.split('\n')[0] : String(error),
    );
  }
  if (values.help) return { kind: 'help' };
  const verbose = values.verbose === true;
  const local = {
    verbose,
    chimeRates: values['no-chime-rates'] !== true,
    sharedCache: values['no-shared-cache'] !== true,
  };
  const aws = values.aws === true || env.LOCAL_CHIME === 'aws';
  const named = values.idp ?? (set(env.IDP_PROFILE) ? env.IDP_PROFILE : undefined);
  if (named !== undefined) {
    try {
      profileNamed(named);
    } catch (error) {
      throw new StartUsageError((error as Error).message);
    }
  }
  if (aws) {
    if (values.idp !== undefined) {
      throw new StartUsageError('--idp is for the local stack; --aws verifies a real issuer');
    }
    return { kind: 'aws', verbose };
  }
  const issuer = set(env.JWT_ISSUER);
  const audience = set(env.JWT_AUDIENCE);
  if (issuer || audience) {
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
  return { kind: 'dev', profile: (named ?? 'dev') as ProfileName, ...local };
}
