import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  readStackFile,
  removeStackFile,
  type StackInfo,
  writeStackFile,
} from '../../../local/cli/stack-file';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stack-file-'));
  file = join(dir, 'stack.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const info = (pid: number): StackInfo => ({
  apiUrl: 'http://127.0.0.1:14300',
  emulatorUrl: 'http://127.0.0.1:14301',
  issuer: 'http://127.0.0.1:14302',
  jwksUri: 'http://127.0.0.1:14302/.well-known/jwks.json',
  audience: 'chime-attendee-api-local',
  ports: { api: 14300, emulator: 14301, idp: 14302 },
  keyDir: '/tmp/keys',
  pid,
  startedAt: '2026-01-01T00:00:00.000Z',
});

describe('.local/stack.json', () => {
  it('describes the running stack to a reader', () => {
    writeStackFile(info(process.pid), file);
    expect(readStackFile(file)).toEqual({ state: 'running', info: info(process.pid) });
  });

  it('is missing when no npm start wrote one', () => {
    expect(readStackFile(file)).toEqual({ state: 'missing' });
  });

  it('is stale, with the reason, once its process is gone or when it is not a stack file', () => {
    // Above Linux's pid_max (4194304): no process has it.
    writeStackFile(info(99_999_999), file);
    expect(readStackFile(file)).toMatchObject({
      state: 'stale',
      reason: expect.stringMatching(/pid 99999999\) is gone/),
    });
    writeFileSync(file, '{"apiUrl":1}');
    expect(readStackFile(file)).toMatchObject({ state: 'stale' });
  });

  it('carries the identity provider profile, or that an external issuer is trusted', () => {
    writeStackFile({ ...info(process.pid), idpProfile: 'okta' }, file);
    expect(readStackFile(file)).toMatchObject({ state: 'running', info: { idpProfile: 'okta' } });
    const { keyDir: _keyDir, ...external } = info(process.pid);
    writeStackFile({ ...external, ports: { api: 1, emulator: 2 }, externalIssuer: true }, file);
    expect(readStackFile(file)).toMatchObject({ state: 'running', info: { externalIssuer: true } });
    writeFileSync(file, JSON.stringify({ ...info(process.pid), idpProfile: 'ping' }));
    expect(readStackFile(file)).toMatchObject({ state: 'stale' });
  });

  it('is removed on a clean stop only by the process it describes', () => {
    writeStackFile(info(process.pid), file);
    removeStackFile(process.pid + 1, file);
    expect(readStackFile(file).state).toBe('running');
    removeStackFile(process.pid, file);
    expect(readStackFile(file)).toEqual({ state: 'missing' });
  });
});
