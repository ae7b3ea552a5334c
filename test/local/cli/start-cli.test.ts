/**
 * `npm start` as a developer runs it: under npm, in a folder of its own, on free ports; then a
 * second `npm start` next to it, and npm itself stopped with SIGTERM.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DemoSeed } from '../../../local/cli/dev-stack';
import { faultRecipes, type RecipeSettings } from '../../../local/cli/fault-recipes';
import { closeServer, listenOnLoopback } from '../../../local/cli/loopback';
import { readStackFile, type StackInfo } from '../../../local/cli/stack-file';
import { IdentityProvider } from '../../../local/identity/identity-provider';
import { registerSecret } from '../../helpers/log-capture';
import {
  type ScriptProcess,
  shellEnv,
  startProcess,
  startScript,
  TSX_BIN,
} from '../../helpers/script-process';

const FREE_PORTS = { PORT: '0', CHIME_EMULATOR_PORT: '0', IDP_PORT: '0' };
const READY = 'Ctrl-C stops everything.';

let dir: string;
let npm: ScriptProcess;
let stack: StackInfo;
const scripts: ScriptProcess[] = [];

/** The stack's stdout lines, without the banner's tokens: the log lines, each time-stamped. */
const logLines = () =>
  npm
    .stdout()
    .split('\n')
    .filter((line) => /^\d{4}-\d\d-\d\dT/.test(line));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'npm-start-'));
  const script = `'${TSX_BIN}' '${join(process.cwd(), 'local', 'cli', 'start.ts')}' --no-shared-cache`;
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'npm-start-test', private: true, scripts: { start: script } }),
  );
  npm = startProcess('npm', ['start'], dir, shellEnv(FREE_PORTS));
  scripts.push(npm);
  await npm.until((stdout) => stdout.includes(READY));
  const found = readStackFile(join(dir, '.local', 'stack.json'));
  if (found.state !== 'running') throw new Error(`no running stack: ${JSON.stringify(found)}`);
  stack = found.info;
}, 90_000);

afterAll(() => {
  for (const script of scripts) script.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('one npm start, from its first request to npm’s SIGTERM', () => {
  it('logs a 5xx in the one line it logs for any request, without --verbose', async () => {
    const demo = JSON.parse(readFileSync(join(dir, '.local', 'demo.json'), 'utf8')) as DemoSeed & {
      faultSettings: RecipeSettings;
    };
    const recipe = faultRecipes(demo.faultSettings, demo.meetingId).find((r) => r.status === 503);
    const queued = await fetch(`${stack.emulatorUrl}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(recipe?.rule),
    });
    expect(queued.status).toBe(201);
    const idp = new IdentityProvider({ keyDir: stack.keyDir, issuer: stack.issuer });
    const token = registerSecret(await idp.mint({ sub: 'alice' }));
    const path = `/meetings/${demo.meetingId}/attendees/${demo.attendees.alice}`;
    const answer = await fetch(`${stack.apiUrl}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(answer.status).toBe(503);

    const summary = new RegExp(`^\\S+ api GET ${path} 503 upstream_unavailable [\\d.]+ms$`, 'm');
    await npm.until((stdout) => summary.test(stdout));
    // The Lambda writes its line before the gateway answers: had it passed, it would be here.
    expect(
      npm
        .stdout()
        .split('\n')
        .filter((line) => line.startsWith('{"level"')),
    ).toEqual([]);
    expect(logLines().filter((line) => line.includes(path))).toHaveLength(1);
  });

  it('names its pid when a second npm start finds a port of it taken', async () => {
    const second = startScript(
      'local/cli/start.ts',
      ['--no-shared-cache'],
      dir,
      shellEnv({ ...FREE_PORTS, CHIME_EMULATOR_PORT: String(stack.ports.emulator) }),
    );
    scripts.push(second);
    expect(await second.closed).toBe(1);
    expect(second.stderr()).toContain(
      `npm start failed: port ${stack.ports.emulator} (CHIME_EMULATOR_PORT) is taken by an npm start still running as pid ${stack.pid} (.local/stack.json): stop it with kill ${stack.pid}, or set CHIME_EMULATOR_PORT to a free port (0 picks one)\n`,
    );
    // The running stack's file is left alone.
    expect(readStackFile(join(dir, '.local', 'stack.json'))).toEqual({
      state: 'running',
      info: stack,
    });
  });

  it('stops, freeing its ports and withdrawing .local/stack.json, when npm itself gets SIGTERM', async () => {
    expect(npm.child.pid).toBeDefined();
    process.kill(npm.child.pid as number, 'SIGTERM');
    // Closed once every process holding npm's output (sh, tsx, the stack) has ended.
    await npm.closed;
    expect(logLines()).toContainEqual(
      expect.stringMatching(/ (SIGTERM|npm \(pid \d+\) is gone): stopping$/),
    );
    expect(readStackFile(join(dir, '.local', 'stack.json'))).toEqual({ state: 'missing' });
    await expect(fetch(stack.apiUrl)).rejects.toThrow();
  });
});

describe('npm start next to another program', () => {
  it('names the variable that moves the port the program holds', async () => {
    const holder = createServer();
    const { port } = await listenOnLoopback(holder, 0);
    const empty = mkdtempSync(join(tmpdir(), 'npm-start-'));
    mkdirSync(join(empty, '.local'));
    try {
      const run = startScript(
        'local/cli/start.ts',
        ['--no-shared-cache'],
        empty,
        shellEnv({ ...FREE_PORTS, CHIME_EMULATOR_PORT: String(port) }),
      );
      scripts.push(run);
      expect(await run.closed).toBe(1);
      expect(run.stderr()).toContain(
        `npm start failed: port ${port} (CHIME_EMULATOR_PORT) is taken by another program: stop it, or set CHIME_EMULATOR_PORT to a free port (0 picks one)\n`,
      );
    } finally {
      await closeServer(holder);
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
