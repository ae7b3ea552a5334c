/** `npm start`: what it runs is start-args.ts's choice (`--help` says). */
import { writeFileSync } from 'node:fs';
import { parseConfig } from '../../lambda/common/config/settings';
import { checkAwsAccess } from '../aws/aws-preflight';
import type { HttpApiHandler } from '../aws/http-api-gateway';
import type { IdentityProvider } from '../identity/identity-provider';
import { formatIdentitySummary } from '../identity/identity-summary';
import {
  DEFAULT_LOCAL_ORIGINS,
  type DevStack,
  type ExternalIssuerStack,
  startApi,
  startDevStack,
  startExternalIssuerStack,
} from './dev-stack';
import {
  faultCommand,
  faultRecipes,
  faultShell,
  MEETING_ID_PLACEHOLDER,
  recipeSettingsOf,
} from './fault-recipes';
import { npmAncestry, whenNpmGone } from './npm-launcher';
import {
  DEFAULT_PORTS,
  DEMO_FILE,
  LOCAL_KEY_DIR,
  readStackFile,
  removeStackFile,
  STACK_FILE,
  writeStackFile,
} from './stack-file';
import {
  parsePorts,
  parseStartArgs,
  portTakenMessage,
  START_HELP,
  START_USAGE,
  type StackPorts,
  type StartPlan,
} from './start-args';

// Read before anything starts: a signalled npm may be gone by the time the stack is up.
const npm = npmAncestry(process.env);

const allowedOrigins = process.env.CORS_ALLOWED_ORIGINS
  ? process.env.CORS_ALLOWED_ORIGINS.split(',').map((o) => o.trim())
  : [...DEFAULT_LOCAL_ORIGINS];

const LAMBDA_REQUEST_LINE = /^\{"level":"[A-Z]+","message":"request",/;

/** Keeps the Lambda's request line (WARN for a 5xx) off stdout: the gateway's line is the one. */
function dropLambdaRequestLines(): void {
  const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'string' || !LAMBDA_REQUEST_LINE.test(chunk)) return write(chunk, ...rest);
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stdout.write;
}

async function loadHandler(env: Readonly<Record<string, string>>): Promise<HttpApiHandler> {
  if (!verbose && process.env.LOG_LEVEL === undefined) {
    dropLambdaRequestLines();
    process.env.LOG_LEVEL = 'WARN';
  }
  Object.assign(process.env, env);
  const entry = await import('../../lambda/attendee/index');
  return entry.handler;
}

let plan: StartPlan;
let ports: Partial<StackPorts> = {};
try {
  plan = parseStartArgs(process.argv.slice(2), process.env);
  const names = plan.kind === 'aws' ? (['api'] as const) : undefined; // --aws: the API only
  if (plan.kind !== 'help') ports = parsePorts(process.env, names);
} catch (error) {
  // Parsing is pure: whatever it refuses (parseArgs, an unknown profile, its own checks) is usage.
  process.stderr.write(`${START_USAGE}  (${(error as Error).message})\n`);
  process.exit(2);
}
const verbose = plan.kind !== 'help' && plan.verbose;
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

/** Stops on Ctrl-C, on SIGTERM, and once the npm running this is gone. */
function onShutdown(stop: () => Promise<void>) {
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log(`${reason}: stopping`);
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => shutdown(signal));
  whenNpmGone(npm, (pid) => shutdown(`npm (pid ${pid}) is gone`));
}

async function startAgainstAws() {
  const { region } = await checkAwsAccess(process.env);
  const handler = await loadHandler({ CHIME_REGION: region });
  const port = ports.api ?? DEFAULT_PORTS.api;
  const { gateway, url } = await startApi(handler, { allowedOrigins, log, port });
  log(`API on ${url} against Amazon Chime SDK Meetings in ${region}`);
  onShutdown(() => gateway.stop());
}

async function startLocal(plan: Extract<StartPlan, { kind: 'dev' | 'external' }>) {
  const common = {
    allowedOrigins,
    loadHandler,
    ...(plan.chimeRates ? {} : { chimeRates: false as const }),
    sharedCache: plan.sharedCache,
    dynamodbEndpoint: process.env.DYNAMODB_ENDPOINT || undefined,
    log: (line: string) => {
      if (verbose || line.startsWith('api ')) log(line);
    },
  };
  const stack: DevStack | ExternalIssuerStack =
    plan.kind === 'dev'
      ? await startDevStack({ ...common, ports, keyDir: LOCAL_KEY_DIR, idpProfile: plan.profile })
      : await startExternalIssuerStack({ ...common, ports, externalIssuer: { env: process.env } });
  onShutdown(async () => {
    removeStackFile();
    await stack.stop();
  });
  const seed = await stack.seedDemo();
  // How many Chime calls a faulted request makes; the example page reads them too.
  const faultSettings = recipeSettingsOf(parseConfig(stack.env));
  writeFileSync(DEMO_FILE, `${JSON.stringify({ ...seed, faultSettings }, null, 2)}\n`);
  const portOf = (url: string) => Number(new URL(url).port);
  const { idp, identity } = stack;
  writeStackFile({
    apiUrl: stack.apiUrl,
    emulatorUrl: stack.emulatorUrl,
    issuer: identity.issuer,
    jwksUri: identity.jwksUri,
    audience: identity.audience.join(','),
    ports: {
      api: portOf(stack.apiUrl),
      emulator: portOf(stack.emulatorUrl),
      ...(idp && { idp: portOf(idp.origin) }),
    },
    ...(idp ? { keyDir: LOCAL_KEY_DIR, idpProfile: idp.profile.name } : { externalIssuer: true }),
    pid: process.pid,
    startedAt: new Date().toISOString(),
  });
  // A SIGKILL leaves it stale, which readers detect by its pid.
  process.on('exit', () => removeStackFile());
  const alice = `${stack.apiUrl}/meetings/${seed.meetingId}/attendees/${seed.attendees.alice}`;
  const faults = `${stack.emulatorUrl}/_emulator/faults`;
  const identityTitle = idp
    ? `Identity provider   ${idp.profile.title} (profile ${idp.profile.name}, dev issuer on this machine)`
    : 'Identity provider   external issuer (JWT_ISSUER): tokens come from it, none are printed';
  const notes = idp?.profile.notes.map((note) => `\n  note: ${note}`).join('') ?? '';
  const recipes = faultRecipes(faultSettings, MEETING_ID_PLACEHOLDER)
    .map((recipe) => `# ${recipe.description}\n${faultCommand(recipe)}`)
    .join('\n');
  process.stdout.write(`
Chime attendee API (local)
  API                 ${stack.apiUrl}
  Chime emulator      ${stack.emulatorUrl}   (fault injection: ${faults})
  ${identityTitle}
${formatIdentitySummary(identity)}${notes}
  Allowed origins     ${allowedOrigins.join(', ')}

Demo meeting ${seed.meetingId}
  alice's attendee  ${seed.attendees.alice}
  bob's attendee    ${seed.attendees.bob}
  (addresses and issuer for other tools: ${STACK_FILE})
${idp ? await devTokens(idp, alice) : externalHelp(stack, seed.meetingId, alice)}
# 503 / 502 / 504: the caches answer an attendee read before without asking Chime, so
# \`fault RULE\` makes a fresh meeting with an attendee for alice, queues RULE for it and asks for
# it once; that request uses RULE up. Paste the function once, then run a recipe as often as you like.
${faultShell({ ...stack, tokenVariable: idp ? 'ALICE_TOKEN' : 'MY_TOKEN' })}
${recipes}
# DELETE clears whatever is still queued
curl -X DELETE ${faults}

Ctrl-C stops everything.
`);
}

const curl = (token: string | undefined, target: string) =>
  `curl -i ${token ? `-H "Authorization: Bearer $${token}" ` : ''}${target}`;

async function devTokens(idp: IdentityProvider, alice: string): Promise<string> {
  const ttl = 12 * 3600;
  const { moderator, title } = idp.profile;
  const exports = [
    `export ALICE_TOKEN=${await idp.mint({ sub: 'alice', ttl })}`,
    `export BOB_TOKEN=${await idp.mint({ sub: 'bob', ttl })}`,
    ...(moderator
      ? [`export MODERATOR_TOKEN=${await idp.mint({ sub: 'maria', moderator: true, ttl })}`]
      : []),
    `export STRANGER_TOKEN=${await idp.mint({ sub: 'mallory', ttl })}`,
  ].join('\n');
  const moderatorLines = moderator
    ? `# 200 without the JoinToken (moderator)\n${curl('MODERATOR_TOKEN', alice)}`
    : `# (no moderator demo: ${title} tokens carry no groups or roles, so no token of it can say who moderates)`;
  return `  ${moderator ? 'maria is a moderator; ' : ''}mallory is a stranger. More tokens of this profile: npm run -s token -- --sub alice
  (--moderator, --tenants a,b, --email x --unverified, --client-id-only, --wrong-audience, --ttl N; --help)

# Paste into another shell (tokens valid 12 h):
${exports}

# 200 with the JoinToken (alice owns her attendee)
${curl('ALICE_TOKEN', alice)}
# 200 join info: GetMeeting + GetAttendee, what MeetingSessionConfiguration takes (owner only)
${curl('ALICE_TOKEN', `${alice}/join-info`)}
${moderatorLines}
# 404: bob asks for alice's attendee (same answer as a missing one)
${curl('BOB_TOKEN', alice)}
# 404: a stranger
${curl('STRANGER_TOKEN', alice)}
# 401: no token
${curl(undefined, alice)}
# 400: not a GUID
${curl('ALICE_TOKEN', alice.replace(/[^/]+$/, 'not-a-guid'))}`;
}

function externalHelp(stack: ExternalIssuerStack, meetingId: string, alice: string): string {
  const { identity, apiUrl, emulatorUrl } = stack;
  const claim = identity.claims.IDENTITY_CLAIM;
  return `
# Tokens come from ${identity.issuer} itself: sign in through your app (or use the
# provider's token endpoint, named in ${identity.discoveryUrl ?? 'its discovery document'}) for
# audience ${identity.audience.join(' or ')}, then:
export MY_TOKEN=<the access token>
# alice's attendee is owned by a token whose ${claim} is "alice". An attendee of your own
# (ExternalUserId = your token's ${claim}), created on the emulator as your backend would:
curl -X POST ${emulatorUrl}/meetings/${meetingId}/attendees -H 'content-type: application/json' -d '{"ExternalUserId":"<your ${claim}>"}'
# then, with the AttendeeId it answers (owner: 200 with the JoinToken):
${curl('MY_TOKEN', `${apiUrl}/meetings/${meetingId}/attendees/<AttendeeId>/join-info`)}
# 404 unless you moderate: alice's attendee
${curl('MY_TOKEN', alice)}
# 401: no token
${curl(undefined, alice)}`;
}

const fail = (error: unknown) => {
  const { code, port } = (error ?? {}) as { code?: unknown; port?: unknown };
  const message =
    code === 'EADDRINUSE' && typeof port === 'number'
      ? portTakenMessage(port, ports, readStackFile().info)
      : error instanceof Error
        ? error.message
        : String(error);
  process.stderr.write(`npm start failed: ${message}\n`);
  process.exit(1);
};

if (plan.kind === 'help') process.stdout.write(START_HELP);
else if (plan.kind === 'aws') startAgainstAws().catch(fail);
else startLocal(plan).catch(fail);
