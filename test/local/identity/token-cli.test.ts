/**
 * `npm run token` as a developer runs it: a separate process, next to a running stack described
 * by `.local/stack.json`, issuing tokens of that stack's identity provider profile.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import type { DemoSeed, DevStack } from '../../../local/cli/dev-stack';
import { writeStackFile } from '../../../local/cli/stack-file';
import { startLocalStack } from '../../helpers/local-stack';
import { registerSecret } from '../../helpers/log-capture';
import { shellEnv, startScript } from '../../helpers/script-process';

/** Runs local/identity/token.ts in `cwd` (where it looks for `.local/stack.json`), as a developer would. */
async function token(cwd: string, ...args: string[]) {
  const run = startScript('local/identity/token.ts', args, cwd, shellEnv());
  const code = await run.closed;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

let dir: string;
let stack: DevStack;
let seed: DemoSeed;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'token-cli-'));
  const keyDir = join(dir, '.local', 'idp');
  mkdirSync(keyDir, { recursive: true });
  stack = await startLocalStack({ idpProfile: 'keycloak', keyDir });
  seed = await stack.seedDemo();
  writeStackFile(
    {
      apiUrl: stack.apiUrl,
      emulatorUrl: stack.emulatorUrl,
      issuer: stack.identity.issuer,
      jwksUri: stack.identity.jwksUri,
      audience: stack.idp.audience,
      ports: { api: 0, emulator: 0, idp: Number(new URL(stack.idp.origin).port) },
      keyDir,
      idpProfile: 'keycloak',
      // This process is alive, so readers take the stack as running.
      pid: process.pid,
      startedAt: new Date().toISOString(),
    },
    join(dir, '.local', 'stack.json'),
  );
});
afterAll(async () => {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function get(jwt: string, suffix = '') {
  registerSecret(jwt);
  const response = await fetch(
    `${stack.apiUrl}/meetings/${seed.meetingId}/attendees/${seed.attendees.alice}${suffix}`,
    { headers: { authorization: `Bearer ${jwt}` } },
  );
  const body = (await response.json()) as { Attendee?: Record<string, unknown> };
  if (typeof body.Attendee?.JoinToken === 'string') registerSecret(body.Attendee.JoinToken);
  return { status: response.status, body };
}

describe('npm run token', () => {
  it("issues tokens of the running stack's profile that its API accepts, owner and moderator", async () => {
    const [owner, moderator] = await Promise.all([
      token(dir, '--sub', 'alice'),
      token(dir, '--sub', 'maria', '--moderator', '--tenants', 'acme,globex'),
    ]);
    expect(owner).toMatchObject({ code: 0, stderr: '' });
    const ownerJwt = owner.stdout.trim();
    expect(decodeJwt(ownerJwt)).toMatchObject({ iss: stack.idp.issuer, typ: 'Bearer' });
    expect((await get(ownerJwt, '/join-info')).status).toBe(200);
    const moderatorJwt = moderator.stdout.trim();
    expect(decodeJwt(moderatorJwt)).toMatchObject({
      realm_access: { roles: expect.arrayContaining(['moderator']) },
      organization: ['acme', 'globex'],
    });
    const answer = await get(moderatorJwt);
    expect(answer.status).toBe(200);
    expect(answer.body.Attendee).not.toHaveProperty('JoinToken');
  });

  it('lets flags shape the token: unverified email, client_id only, wrong audience, expired', async () => {
    const [email, clientIdOnly, wrong, expired] = await Promise.all([
      token(dir, '--sub', 'alice', '--email', 'alice@example.com', '--unverified'),
      token(dir, '--sub', 'alice', '--client-id-only'),
      token(dir, '--sub', 'alice', '--wrong-audience'),
      token(dir, '--sub', 'alice', '--ttl=-60'),
    ]);
    expect(decodeJwt(email.stdout.trim())).toMatchObject({
      email: 'alice@example.com',
      email_verified: false,
    });
    const idOnly = decodeJwt(clientIdOnly.stdout.trim());
    expect(idOnly.aud).toBeUndefined();
    expect(idOnly.client_id).toBe(stack.idp.audience);
    expect((await get(clientIdOnly.stdout.trim())).status).toBe(200);
    expect((await get(wrong.stdout.trim())).status).toBe(401);
    expect((await get(expired.stdout.trim())).status).toBe(401);
  });

  it('answers what a profile cannot express, or an unknown profile, in one line with status 2', async () => {
    const [google, unknown] = await Promise.all([
      token(dir, '--sub', 'maria', '--moderator', '--profile', 'google'),
      token(dir, '--sub', 'alice', '--profile', 'ping'),
    ]);
    expect(google.code).toBe(2);
    expect(google.stdout).toBe('');
    expect(google.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^usage: .*\(Google \(ID token\) tokens cannot say who is a moderator\)$/,
      ),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/one of dev, cognito, auth0, okta, entra, keycloak, google/);
  });

  it('refuses to sign for a stack that trusts an external issuer', async () => {
    const external = mkdtempSync(join(tmpdir(), 'token-cli-external-'));
    try {
      mkdirSync(join(external, '.local'));
      writeStackFile(
        {
          apiUrl: stack.apiUrl,
          emulatorUrl: stack.emulatorUrl,
          issuer: 'https://login.example.com/',
          jwksUri: 'https://login.example.com/v1/keys',
          audience: 'my-api',
          ports: { api: 0, emulator: 0 },
          externalIssuer: true,
          pid: process.pid,
          startedAt: new Date().toISOString(),
        },
        join(external, '.local', 'stack.json'),
      );
      const run = await token(external, '--sub', 'alice');
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/trusts an external issuer, https:\/\/login\.example\.com\//);
    } finally {
      rmSync(external, { recursive: true, force: true });
    }
  });
});
