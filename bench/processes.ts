import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

const live = new Set<ChildProcess>();

/** Kills what is still running (each one this benchmark started); for exit paths. */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** Remembers `child` until it exits, for {@link killAll}. */
export function track<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/**
 * Runs `node <script> …args` to its report (one JSON line on fd 3), then to a clean exit, or
 * (a `service`) until `stop()` closes its stdin; killed after `timeoutMs` without either. Its
 * stdout goes to `logFile`: a pipe to this busy process could block it.
 */
export async function runNode<T>(
  script: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; timeoutMs: number; logFile: string; service?: boolean },
) {
  const spawnedAt = performance.now();
  const log = openSync(options.logFile, 'w');
  const child = spawn(process.execPath, [script, ...args], {
    env: options.env,
    stdio: [options.service ? 'pipe' : 'ignore', log, 'pipe', 'pipe'],
  });
  closeSync(log);
  track(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const killAfter = (ms: number) => setTimeout(() => child.kill('SIGKILL'), ms).unref();
  let timer = killAfter(options.timeoutMs);
  // 'close', not 'exit': fd 3 is drained by then.
  const exited = once(child, 'close').then(([code]) => {
    clearTimeout(timer);
    return code as number | null;
  });
  const failure = (what: string, code: number | null) =>
    new Error(
      `${script} ${what} (exit ${code ?? 'killed'}, limit ${options.timeoutMs} ms):\n${stderr}`,
    );
  const line = once(createInterface({ input: child.stdio[3] as Readable }), 'line');
  const report = JSON.parse(
    await Promise.race([
      line.then(([text]) => text as string),
      exited.then((code) => Promise.reject(failure('ended without a report', code))),
    ]),
  ) as T;
  const reportAfterMs = performance.now() - spawnedAt;
  if (options.service) clearTimeout(timer);
  else {
    const code = await exited;
    if (code !== 0) throw failure('failed', code);
  }
  return {
    report,
    reportAfterMs,
    pid: child.pid,
    logLines: () => readFileSync(options.logFile, 'utf8').split('\n').length - 1,
    stop: async () => {
      child.stdin?.end();
      timer = killAfter(5000);
      await exited;
    },
  };
}

/** CPU time (ms) used so far: utime + stime of `/proc/<pid>/stat`, in 100 Hz ticks; else NaN. */
export function cpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}
