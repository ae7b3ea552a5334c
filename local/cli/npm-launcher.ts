/**
 * npm passes a SIGTERM only to `sh -c "tsx …"`, and dash dies of it without passing it on, leaving
 * the server running. So the server watches its ancestors up to npm (Linux /proc; macOS's bash
 * execs tsx, which gets the signal).
 */
import { readFileSync } from 'node:fs';

function proc(pid: number, file: 'stat' | 'cmdline'): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** "pid (comm) state ppid …", where comm may hold spaces and parentheses. */
function parentOf(pid: number): number | undefined {
  const stat = proc(pid, 'stat');
  const ppid = Number(stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

/** npm titles itself `npm <command> …` (process.title); before that it is `node …/npm …`. */
function isNpm(pid: number): boolean {
  const [first = '', second = ''] = proc(pid, 'cmdline')?.split('\0') ?? [];
  return /^npm(\s|$)/.test(first) || /(^|\/)npm(-cli\.js)?$/.test(second);
}

/** This process's ancestors up to the npm running it (npm last); none outside an npm script. */
export function npmAncestry(env: Readonly<Record<string, string | undefined>>): readonly number[] {
  if (!env.npm_lifecycle_event) return [];
  const chain: number[] = [];
  for (let pid = parentOf(process.pid); pid !== undefined && pid > 1 && chain.length < 8; ) {
    chain.push(pid);
    if (isNpm(pid)) return chain;
    pid = parentOf(pid);
  }
  return [];
}

/** Calls `onGone` once an ancestor is gone: its child then has a new parent, zombie or not. */
export function whenNpmGone(ancestry: readonly number[], onGone: (npmPid: number) => void): void {
  const npmPid = ancestry.at(-1);
  if (npmPid === undefined) return;
  const timer = setInterval(() => {
    const children = [process.pid, ...ancestry];
    if (ancestry.every((pid, i) => parentOf(children[i] as number) === pid)) return;
    clearInterval(timer);
    onGone(npmPid);
  }, 500);
  timer.unref();
}
