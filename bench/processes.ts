import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';

export interface ChildOptions {
  readonly env: NodeJS.ProcessEnv;
  /** For a service, until its report; for a run, until its exit. Then it is killed. */
  readonly timeoutMs: number;
  /** The child's stdout, the function's log: a pipe to this busy process could block it. */
  readonly logFile: string;
}

const live = new Set<ChildProcess>();

/** Kills what is still running (each one this benchmark started); for exit paths. */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/**
 * Runs `node <script> …args` until it reports one JSON line on fd 3, then (`toEnd`) to a clean
 * exit, or (a service) until `stop()` closes its stdin.
 */
async function spawnNode<T>(
  script: string,
  args: readonly string[],
  { env, timeoutMs, logFile }: ChildOptions,
  toEnd: boolean,
) {
  const spawnedAt = performance.now();
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [script, ...args], {
    env,
    stdio: [toEnd ? 'ignore' : 'pipe', log, 'pipe', 'pipe'],
  });
  closeSync(log);
  live.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const killAfter = (ms: number) => setTimeout(() => child.kill('SIGKILL'), ms).unref();
  let timer = killAfter(timeoutMs);
  // 'close', not 'exit': fd 3 is drained by then.
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      live.delete(child);
      clearTimeout(timer);
      resolve(code);
    }),
  );
  const failure = (what: string, code: number | null) =>
    new Error(`${script} ${what} (exit ${code ?? 'killed'}, limit ${timeoutMs} ms):\n${stderr}`);
  let reportAfterMs = Number.NaN;
  const report = await new Promise<T>((resolve, reject) => {
    let buffered = '';
    (child.stdio[3] as Readable).on('data', (chunk: Buffer) => {
      reportAfterMs = performance.now() - spawnedAt;
      buffered += chunk.toString();
      const end = buffered.indexOf('\n');
      if (end >= 0) resolve(JSON.parse(buffered.slice(0, end)) as T);
    });
    exited.then((code) => reject(failure('ended without a report', code)));
  });
  if (toEnd) {
    const code = await exited;
    if (code !== 0) throw failure('failed', code);
  } else clearTimeout(timer);
  return {
    report,
    /** Parent clock: spawn → report line received (ms). */
    reportAfterMs,
    pid: child.pid,
    /** Lines in its log so far. */
    logLines: () => readFileSync(logFile).reduce((lines, byte) => lines + (byte === 10 ? 1 : 0), 0),
    stop: async () => {
      child.stdin?.end();
      timer = killAfter(5000);
      await exited;
    },
  };
}

export const runNode = <T>(script: string, args: readonly string[], options: ChildOptions) =>
  spawnNode<T>(script, args, options, true);

export const startService = <T>(script: string, args: readonly string[], options: ChildOptions) =>
  spawnNode<T>(script, args, options, false);

/**
 * CPU time (user + system, ms) a child has used so far, from `/proc/<pid>/stat` (utime and stime,
 * fields 14 and 15, counted after the parenthesised command name, in 100 Hz clock ticks); NaN
 * where there is no procfs.
 */
export function cpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}
