/**
 * A local script (`npm start`, `npm run example`) as a developer runs it: a process of its own,
 * in a scratch folder (where it keeps `.local/`), with the environment of a shell that has none
 * of this test run's npm, issuer or log settings.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = process.cwd();
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** The tsx command `package.json`'s scripts run. */
export const TSX_BIN = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Variables of this test run that would change what a script does. */
const UNSET = [
  'API_URL',
  'CHIME_EMULATOR_PORT',
  'CORS_ALLOWED_ORIGINS',
  'DYNAMODB_ENDPOINT',
  'IDP_ISSUER',
  'IDP_PORT',
  'IDP_PROFILE',
  'JWT_AUDIENCE',
  'JWT_ISSUER',
  'LOCAL_CHIME',
  'LOG_LEVEL',
  'PORT',
];

/** A developer's shell environment plus `extra`: no `npm_*` variables, none of {@link UNSET}. */
export function shellEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('npm_') && !UNSET.includes(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

export interface ScriptProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout satisfies `predicate`; rejects if every process ends first. */
  until(predicate: (stdout: string) => boolean): Promise<void>;
  /** The exit code, once the process and every process holding its output have ended. */
  readonly closed: Promise<number | null>;
  /** Ends its whole process group at once, if anything of it is left (for `afterAll`). */
  kill(): void;
}

/**
 * Starts `command` in `cwd` as the leader of a process group of its own, so {@link ScriptProcess.kill}
 * also reaches what it started (npm's sh, tsx's child).
 */
export function startProcess(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): ScriptProcess {
  const child = spawn(command, args, {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const checks = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const check of [...checks]) check();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let ended = false;
  const closed = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      ended = true;
      for (const check of [...checks]) check();
      resolve(code);
    }),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    closed,
    until: (predicate) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(stdout)) {
            checks.delete(check);
            resolve();
          } else if (ended) {
            checks.delete(check);
            reject(new Error(`${command} ended first: ${stderr.trim().split('\n').at(-1)}`));
          }
        };
        checks.add(check);
        check();
      }),
    kill: () => {
      if (ended || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
    },
  };
}

/** Runs a TypeScript script of this repository with tsx's loader, as `npm run` would. */
export function startScript(
  script: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): ScriptProcess {
  return startProcess(
    process.execPath,
    ['--import', TSX_LOADER, join(ROOT, script), ...args],
    cwd,
    env,
  );
}
