/**
 * `npm start`: the API on 127.0.0.1 with no AWS account — a Chime SDK Meetings emulator, a dev
 * identity provider and the deployed handler behind an HTTP API stand-in.
 * `npm start -- --aws` (or LOCAL_CHIME=aws): the real Chime SDK Meetings in AWS_REGION with your
 * AWS credentials, and a real issuer from JWT_ISSUER / JWT_AUDIENCE.
 */

import { writeFileSync } from 'node:fs';
import { parseConfig } from '../lambda/attendee/config';
import { checkAwsAccess } from './aws-preflight';
import {
  DEFAULT_LOCAL_ORIGINS,
  DEFAULT_PORTS,
  DEMO_FILE,
  LOCAL_KEY_DIR,
  localCors,
  routesFor,
  startDevStack,
} from './dev-stack';
import { faultRecipes } from './fault-recipes';
import type { HttpApiHandler } from './http-api-gateway';
import { HttpApiGateway } from './http-api-gateway';
import { removeStackFile, STACK_FILE, writeStackFile } from './stack-file';

const port = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a port number`);
  return Number(raw);
};

const allowedOrigins = process.env.CORS_ALLOWED_ORIGINS
  ? process.env.CORS_ALLOWED_ORIGINS.split(',').map((o) => o.trim())
  : [...DEFAULT_LOCAL_ORIGINS];

/** Imports the deployed entry (lambda/attendee/index.ts) under `env`. */
async function loadHandler(env: Readonly<Record<string, string>>): Promise<HttpApiHandler> {
  // One line per request by default (the API's); --verbose adds the Lambda's and the emulator's.
  Object.assign(process.env, {
    LOG_LEVEL: process.env.LOG_LEVEL ?? (verbose ? 'INFO' : 'WARN'),
    ...env,
  });
  const entry = await import('../lambda/attendee/index');
  return entry.handler;
}

const verbose = process.argv.includes('--verbose');
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

function onShutdown(stop: () => Promise<void>) {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: stopping`);
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

async function startAgainstAws() {
  // Region, issuer and credentials, every missing one named at once, before anything starts.
  const { region } = await checkAwsAccess(process.env);
  const handler = await loadHandler({ CHIME_REGION: region });
  const gateway = new HttpApiGateway({
    routes: routesFor(handler),
    cors: localCors(allowedOrigins),
    log: (line) => log(`api ${line}`),
  });
  const { url } = await gateway.start(port('PORT', DEFAULT_PORTS.api));
  log(`API on ${url} against Amazon Chime SDK Meetings in ${region}`);
  onShutdown(() => gateway.stop());
}

async function startLocal() {
  const stack = await startDevStack({
    ports: {
      api: port('PORT', DEFAULT_PORTS.api),
      emulator: port('CHIME_EMULATOR_PORT', DEFAULT_PORTS.emulator),
      idp: port('IDP_PORT', DEFAULT_PORTS.idp),
    },
    keyDir: LOCAL_KEY_DIR,
    allowedOrigins,
    loadHandler,
    log: (line) => {
      if (verbose || line.startsWith('api ')) log(line);
    },
  });
  onShutdown(async () => {
    removeStackFile();
    await stack.stop();
  });
  const seed = await stack.seedDemo();
  writeFileSync(DEMO_FILE, `${JSON.stringify(seed, null, 2)}\n`);
  const portOf = (url: string) => Number(new URL(url).port);
  writeStackFile({
    apiUrl: stack.apiUrl,
    emulatorUrl: stack.emulatorUrl,
    issuer: stack.idp.issuer,
    jwksUri: stack.idp.jwksUri,
    audience: stack.idp.audience,
    ports: {
      api: portOf(stack.apiUrl),
      emulator: portOf(stack.emulatorUrl),
      idp: portOf(stack.idp.issuer),
    },
    keyDir: LOCAL_KEY_DIR,
    pid: process.pid,
    startedAt: new Date().toISOString(),
  });
  // Any other exit (an uncaught error) also withdraws the file; a SIGKILL leaves it stale,
  // which readers detect by its pid.
  process.on('exit', () => removeStackFile());
  // The function's own settings decide how many Chime calls a faulted request makes.
  const config = parseConfig(process.env);
  const recipes = faultRecipes({
    deadlineMs: config.deadlineMs,
    requestTimeoutMs: config.chime.requestTimeoutMs,
    maxAttempts: config.chime.maxAttempts,
    maxRetryAfterMs: config.chime.maxRetryAfterMs,
  });
  const ttl = 12 * 3600;
  const tokens = {
    alice: await stack.idp.mint({ sub: 'alice', ttl }),
    bob: await stack.idp.mint({ sub: 'bob', ttl }),
    moderator: await stack.idp.mint({ sub: 'maria', groups: ['moderators'], ttl }),
    stranger: await stack.idp.mint({ sub: 'mallory', ttl }),
  };
  const url = (attendeeId: string, meetingId = seed.meetingId) =>
    `${stack.apiUrl}/meetings/${meetingId}/attendees/${attendeeId}`;
  const curl = (token: string | undefined, target: string) =>
    `curl -i ${token ? `-H "Authorization: Bearer $${token}" ` : ''}${target}`;
  const faults = `${stack.emulatorUrl}/_emulator/faults`;
  const alice = url(seed.attendees.alice);
  process.stdout.write(`
Chime attendee API (local)
  API                 ${stack.apiUrl}
  Chime emulator      ${stack.emulatorUrl}   (fault injection: ${faults})
  Identity provider   ${stack.idp.issuer}   (JWKS: ${stack.idp.jwksUri})
  Allowed origins     ${allowedOrigins.join(', ')}

Demo meeting ${seed.meetingId}
  alice's attendee  ${seed.attendees.alice}
  bob's attendee    ${seed.attendees.bob}
  maria is a moderator; mallory is a stranger. More tokens: npm run -s token -- --sub alice
  (addresses and issuer for other tools: ${STACK_FILE})

# Paste into another shell (tokens valid 12 h):
export ALICE_TOKEN=${tokens.alice}
export BOB_TOKEN=${tokens.bob}
export MODERATOR_TOKEN=${tokens.moderator}
export STRANGER_TOKEN=${tokens.stranger}

# 200 with the JoinToken (alice owns her attendee)
${curl('ALICE_TOKEN', alice)}
# 200 join info: GetMeeting + GetAttendee, what MeetingSessionConfiguration takes (owner only)
${curl('ALICE_TOKEN', `${alice}/join-info`)}
# 200 without the JoinToken (moderator)
${curl('MODERATOR_TOKEN', alice)}
# 404: bob asks for alice's attendee (same answer as a missing one)
${curl('BOB_TOKEN', alice)}
# 404: a stranger
${curl('STRANGER_TOKEN', alice)}
# 401: no token
${curl(undefined, alice)}
# 400: not a GUID
${curl('ALICE_TOKEN', url('not-a-guid'))}
# 503 / 502 / 504: each queues what exactly one request uses up; then run the first curl
${recipes
  .map(
    (recipe) =>
      `# ${recipe.description}\ncurl -X POST ${faults} -H 'content-type: application/json' -d '${JSON.stringify(recipe.rule)}'`,
  )
  .join('\n')}
# DELETE clears whatever is still queued
curl -X DELETE ${faults}

Ctrl-C stops everything.
`);
}

const useAws = process.argv.includes('--aws') || process.env.LOCAL_CHIME === 'aws';
(useAws ? startAgainstAws() : startLocal()).catch((error: unknown) => {
  process.stderr.write(
    `npm start failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
