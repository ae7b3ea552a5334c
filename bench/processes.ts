import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Services } from './services';

/** What a child that ran to the end left behind. */
export interface Finished<T> {
  readonly report: T;
  /** Parent clock: spawn → report line received (ms). */
  readonly reportAfterMs: number;
  /** Lines the child wrote on stdout: the function's own log. */
  readonly stdoutLines: number;
}

/** A long-lived child that reported ready. */
export interface Running<T> {
  readonly report: T;
  readonly child: ChildProcess;
  stdoutLines(): number;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills what is still running (by pid, each one this benchmark started); for exit paths. */
export function killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const child of live) child.kill(signal);
  live.clear();
}

interface Spawned<T> {
  child: ChildProcess;
  report: Promise<{ value: T; atMs: number }>;
  exited: Promise<number | null>;
  lines: () => number;
  stderr: () => string;
}

/**
 * Where a child's stdout (the function's log) goes: a pipe the parent drains; a file, which
 * never blocks the child while the parent is busy generating load; or `drain`: a pipe that a
 * `cat` process of its own empties into the file, as the Lambda runtime reads a function's
 * stdout from a pipe (a write to a pipe and a write to an ext4 file do not cost the same).
 */
export type StdoutSink =
  | { readonly pipe: true }
  | { readonly file: string }
  | { readonly drain: string };

const countLines = (data: Buffer) => {
  let lines = 0;
  for (const byte of data) if (byte === 10) lines += 1;
  return lines;
};

function start<T>(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  keepStdin: boolean,
  sink: StdoutSink,
): Spawned<T> {
  const spawnedAt = performance.now();
  const logFile = 'file' in sink ? sink.file : 'drain' in sink ? sink.drain : undefined;
  const logFd = logFile === undefined ? undefined : openSync(logFile, 'w');
  const drainer =
    'drain' in sink ? spawn('cat', [], { stdio: ['pipe', logFd, 'ignore'] }) : undefined;
  if (drainer) live.add(drainer.once('close', () => live.delete(drainer)));
  const child = spawn(process.execPath, [script, ...args], {
    env,
    stdio: [keepStdin ? 'pipe' : 'ignore', drainer?.stdin ?? logFd ?? 'pipe', 'pipe', 'pipe'],
  });
  // The child holds its own copies: `cat` ends when the child's stdout closes.
  drainer?.stdin?.destroy();
  if (logFd !== undefined) closeSync(logFd);
  live.add(child);
  let piped = 0;
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    piped += countLines(chunk);
  });
  const lines = () => (logFile === undefined ? piped : countLines(readFileSync(logFile)));
  (child.stderr as Readable).on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => {
    // 'close', not 'exit': the child's stdout and fd 3 are drained by then.
    child.once('close', (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  const report = new Promise<{ value: T; atMs: number }>((resolve, reject) => {
    let buffered = '';
    const fd3 = child.stdio[3] as Readable;
    fd3.on('data', (chunk: Buffer) => {
      const atMs = performance.now() - spawnedAt;
      buffered += chunk.toString();
      const end = buffered.indexOf('\n');
      if (end >= 0) resolve({ value: JSON.parse(buffered.slice(0, end)) as T, atMs });
    });
    exited.then((code) =>
      reject(new Error(`${script} exited (${code}) without a report:\n${stderr}`)),
    );
  });
  return { child, report, exited, lines, stderr: () => stderr };
}

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string, child: ChildProcess) =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} timed out after ${ms} ms`));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });

/** Runs `node <script> …args` to its exit and returns its fd-3 report. */
export async function runToEnd<T>(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  sink: StdoutSink = { pipe: true },
): Promise<Finished<T>> {
  const spawned = start<T>(script, args, env, false, sink);
  const { value, atMs } = await withTimeout(spawned.report, timeoutMs, script, spawned.child);
  const code = await withTimeout(spawned.exited, timeoutMs, script, spawned.child);
  if (code !== 0) throw new Error(`${script} exited with ${code}:\n${spawned.stderr()}`);
  return { report: value, reportAfterMs: atMs, stdoutLines: spawned.lines() };
}

/** Starts `node <script> …args`, waits for its ready report; `stop()` closes its stdin. */
export async function startService<T>(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  sink: StdoutSink = { pipe: true },
): Promise<Running<T>> {
  const spawned = start<T>(script, args, env, true, sink);
  const { value } = await withTimeout(spawned.report, timeoutMs, script, spawned.child);
  spawned.report.catch(() => undefined);
  return {
    report: value,
    child: spawned.child,
    stdoutLines: spawned.lines,
    stop: async () => {
      (spawned.child.stdin as Writable).end();
      await withTimeout(spawned.exited, 5000, `stopping ${script}`, spawned.child).catch(
        () => undefined,
      );
    },
  };
}

/** Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`, 100 on Linux). */
const CLOCK_TICKS = 100;

/**
 * CPU time (ms) a child has used so far, user and system apart, from `/proc/<pid>/stat` (fields
 * 14 and 15, after the parenthesised command name); NaN where there is no procfs. The resolution
 * is a clock tick (10 ms): measure over seconds of load.
 * @see https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */
export function cpuSplitMs(pid: number | undefined): {
  readonly user: number;
  readonly system: number;
} {
  if (pid === undefined) return { user: Number.NaN, system: Number.NaN };
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return {
      user: (Number(fields[11]) * 1000) / CLOCK_TICKS,
      system: (Number(fields[12]) * 1000) / CLOCK_TICKS,
    };
  } catch {
    return { user: Number.NaN, system: Number.NaN };
  }
}

/** CPU time (user + system, ms) a child has used so far ({@link cpuSplitMs}). */
export function cpuMs(pid: number | undefined): number {
  const { user, system } = cpuSplitMs(pid);
  return user + system;
}

/** Starts the benchmark's services (`services.ts`, built into `scripts`): emulator and issuer. */
export function startServices(scripts: string): Promise<Running<Services>> {
  return startService<Services>(
    path.join(scripts, 'services.mjs'),
    [],
    { PATH: process.env.PATH },
    60_000,
  );
}
