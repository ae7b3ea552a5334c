/**
 * `npm run example` as a developer runs it, next to an `npm start` known only by the
 * `.local/stack.json` it wrote: the page's API, emulator and issuer follow that file.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { type StackInfo, writeStackFile } from '../../local/cli/stack-file';
import { registerSecret } from '../helpers/log-capture';
import { type ScriptProcess, shellEnv, startScript } from '../helpers/script-process';

const SEED = {
  meetingId: '11111111-1111-4111-8111-111111111111',
  attendees: {
    alice: '22222222-2222-4222-8222-222222222222',
    bob: '33333333-3333-4333-8333-333333333333',
  },
};

let dir: string;
let example: ScriptProcess;
let pageUrl: string;

/** What a stack started with `PORT=<api>` (and its neighbours) writes; this process stands in for it. */
const stackOn = (api: number): StackInfo => ({
  apiUrl: `http://127.0.0.1:${api}`,
  emulatorUrl: `http://127.0.0.1:${api + 1}`,
  issuer: `http://127.0.0.1:${api + 2}`,
  jwksUri: `http://127.0.0.1:${api + 2}/.well-known/jwks.json`,
  audience: 'chime-attendee-api-local',
  ports: { api, emulator: api + 1, idp: api + 2 },
  keyDir: join(dir, '.local', 'idp'),
  idpProfile: 'dev',
  pid: process.pid,
  startedAt: new Date().toISOString(),
});

const devEndpoint = async (path: string) => {
  const response = await fetch(`${pageUrl}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'npm-run-example-'));
  mkdirSync(join(dir, '.local'));
  writeFileSync(join(dir, '.local', 'demo.json'), JSON.stringify(SEED));
  writeStackFile(stackOn(4000), join(dir, '.local', 'stack.json'));
  example = startScript('examples/web/serve.ts', [], dir, shellEnv({ EXAMPLE_PORT: '0' }));
  await example.until((stdout) => stdout.includes('Ctrl-C stops it.'));
  pageUrl = /Example page +(\S+)/.exec(example.stdout())?.[1] ?? '';
}, 60_000);

afterAll(async () => {
  example.child.kill('SIGTERM');
  await example.closed;
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run example after PORT=4000 npm start', () => {
  it('says which npm start it follows', () => {
    expect(example.stdout()).toMatch(
      new RegExp(`API +http://127\\.0\\.0\\.1:4000 +\\(the npm start of pid ${process.pid}, `),
    );
  });

  it("gives the page that stack's API, and follows the stack when it restarts elsewhere", async () => {
    expect(await devEndpoint('/dev/config')).toMatchObject({
      status: 200,
      body: { apiUrl: 'http://127.0.0.1:4000', meetingId: SEED.meetingId },
    });
    writeStackFile(stackOn(5000), join(dir, '.local', 'stack.json'));
    expect((await devEndpoint('/dev/config')).body.apiUrl).toBe('http://127.0.0.1:5000');
  });

  it("signs the page's tokens for that stack's issuer", async () => {
    writeStackFile(stackOn(6000), join(dir, '.local', 'stack.json'));
    const { status, body } = await devEndpoint('/dev/token?user=alice');
    expect(status).toBe(200);
    const token = registerSecret(String(body.token));
    expect(decodeJwt(token)).toMatchObject({ iss: 'http://127.0.0.1:6002', sub: 'alice' });
  });
});
