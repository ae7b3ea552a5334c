import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { loadEvent, SAM_EVENTS } from '../../../local/aws/sam-events';
import {
  type ChimeEmulator,
  chimeClientFor,
  createChimeEmulator,
} from '../../../local/chime-emulator';
import { seedDemo } from '../../../local/cli/dev-stack';
import { IdentityProvider } from '../../../local/identity/identity-provider';
import { registerSecret } from '../../helpers/log-capture';
import { sharedAssembly, synth } from '../../lib/support';

/**
 * What `sam local invoke -t cdk.out/ChimeAttendeeApi.template.json --env-vars env.json` does,
 * without Docker: take the `-c samLocal=true` template's function (handler, declared variables),
 * its bundled code (the suite's one real bundle, from the `cdk synth` of test/global-setup.ts: the
 * variant changes the environment, not the code), apply env.json the way SAM does (only
 * variables the template declares), map host.docker.internal to this machine, and run the
 * artifact in a fresh Node process.
 */
const ROOT = process.cwd();
let out: string;
let emulator: ChimeEmulator;
let idp: IdentityProvider;
let results: Record<string, APIGatewayProxyStructuredResultV2>;

interface LambdaResource {
  Type: string;
  Properties: { Handler: string; Environment?: { Variables: Record<string, string> } };
  Metadata?: Record<string, string>;
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'sam-artifact-'));
  const template = synth({ context: { samLocal: 'true' } }).template.toJSON() as {
    Resources: Record<string, LambdaResource>;
  };
  const [logicalId, fn] = Object.entries(template.Resources).find(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('AttendeeFunction'),
  ) as [string, LambdaResource];
  const [file, exportName] = fn.Properties.Handler.split('.') as [string, string];
  const assetDir = sharedAssembly().assetDirOf('AttendeeFunction');

  emulator = createChimeEmulator();
  const { url: emulatorUrl } = await emulator.start();
  idp = new IdentityProvider();
  await idp.start();

  // SAM: env.json's "Parameters" then "<LogicalId>" entries override declared variables only.
  const declared = fn.Properties.Environment?.Variables ?? {};
  const overrides = JSON.parse(readFileSync(join(ROOT, 'env.json'), 'utf8')) as Record<
    string,
    Record<string, string>
  >;
  const lambdaEnv: Record<string, string> = { ...declared };
  for (const scope of ['Parameters', logicalId]) {
    for (const [name, value] of Object.entries(overrides[scope] ?? {})) {
      if (name in declared) lambdaEnv[name] = value;
    }
  }
  // host.docker.internal is the host as seen from SAM's container: here, the test's servers.
  for (const [name, value] of Object.entries(lambdaEnv)) {
    lambdaEnv[name] = value
      .replace('http://host.docker.internal:3001', emulatorUrl)
      .replace('http://host.docker.internal:3002', idp.issuer);
  }
  expect(lambdaEnv).toMatchObject({ CHIME_ENDPOINT: emulatorUrl, JWT_ISSUER: idp.issuer });

  const seed = await seedDemo(chimeClientFor(emulatorUrl));
  const values = {
    MEETING_ID: seed.meetingId,
    ALICE_ATTENDEE_ID: seed.attendees.alice,
    TOKEN_ALICE: await idp.mint({ sub: 'alice' }),
    TOKEN_MODERATOR: await idp.mint({ sub: 'maria', groups: ['moderators'] }),
    TOKEN_STRANGER: await idp.mint({ sub: 'mallory' }),
  };
  const events = Object.fromEntries(
    SAM_EVENTS.map((name) => [name, loadEvent(ROOT, name, values)]),
  );
  writeFileSync(join(out, 'events.json'), JSON.stringify(events));

  const runtimeEnv = {
    PATH: process.env.PATH,
    ...lambdaEnv,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_LAMBDA_FUNCTION_NAME: logicalId,
  };
  const logs = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [
        join(ROOT, 'test/helpers/invoke-artifact.mjs'),
        join(assetDir, `${file}.mjs`),
        exportName,
        join(out, 'events.json'),
        join(out, 'results.json'),
      ],
      { env: runtimeEnv, timeout: 60_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
  process.stdout.write(logs);
  results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  for (const result of Object.values(results)) {
    const token = (JSON.parse(result.body ?? '{}') as { Attendee?: { JoinToken?: string } })
      .Attendee?.JoinToken;
    if (token) registerSecret(token);
  }
}, 120_000);

afterAll(async () => {
  await emulator?.stop();
  await idp?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
});

const body = (name: string) => JSON.parse(results[name]?.body ?? 'null');

describe('the synthesized artifact, invoked as sam local would', () => {
  it('gives the owner event 200 with the JoinToken', () => {
    expect(results.owner?.statusCode).toBe(200);
    expect(body('owner').Attendee).toMatchObject({
      ExternalUserId: 'alice',
      JoinToken: expect.any(String),
    });
  });

  it('gives the moderator event 200 without the JoinToken', () => {
    expect(results.moderator?.statusCode).toBe(200);
    expect(body('moderator').Attendee).not.toHaveProperty('JoinToken');
  });

  it('answers the stranger event 404, the malformed-id event 400 and the no-token event 401', () => {
    expect(results.stranger?.statusCode).toBe(404);
    expect(body('stranger')).toMatchObject({ code: 'not_found' });
    expect(results['malformed-id']?.statusCode).toBe(400);
    expect(results['no-token']?.statusCode).toBe(401);
    expect(results['no-token']?.headers).toMatchObject({
      'WWW-Authenticate': 'Bearer realm="chime-attendee-api"',
    });
  });

  it('listed the meeting once for the three events of one attendee (without a table, the container snapshots it), never for the malformed id or the missing token', () => {
    const reads = emulator
      .calls()
      .filter((c) => c.operation.startsWith('Get') || c.operation.startsWith('List'));
    expect(reads.map((c) => c.operation)).toEqual(['ListAttendees', 'GetMeeting']);
  });
});
