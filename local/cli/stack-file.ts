/**
 * `.local/stack.json`: what a running `npm start` serves, so `npm run token` and `npm run example`
 * target it and a second `npm start` names the pid holding a port. Light enough for `npm run token`.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProfileName, type ProfileName } from '../identity/idp-profiles';

export const STACK_FILE = join(process.cwd(), '.local', 'stack.json');
export const LOCAL_KEY_DIR = join(process.cwd(), '.local', 'idp');
export const DEMO_FILE = join(process.cwd(), '.local', 'demo.json');
export const DEFAULT_PORTS = Object.freeze({ api: 3000, emulator: 3001, idp: 3002 });

export interface StackInfo {
  readonly apiUrl: string;
  readonly emulatorUrl: string;
  readonly issuer: string;
  readonly jwksUri: string;
  readonly audience: string;
  readonly ports: { readonly api: number; readonly emulator: number; readonly idp?: number };
  readonly keyDir?: string;
  /** Absent for an external issuer, and in older files (`dev`). */
  readonly idpProfile?: ProfileName;
  readonly externalIssuer?: boolean;
  readonly pid: number;
  readonly startedAt: string;
}

export function writeStackFile(info: StackInfo, file = STACK_FILE): void {
  writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

/** Only if it still describes `pid`: another `npm start` may own it now. */
export function removeStackFile(pid = process.pid, file = STACK_FILE): void {
  if (readStackFile(file).info?.pid === pid) rmSync(file, { force: true });
}

/** EPERM: alive, under another user. */
const isRunning = (pid: number): boolean => {
  try {
    return process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const isStackInfo = (v: Partial<Record<keyof StackInfo, unknown>> | null): v is StackInfo =>
  typeof v === 'object' &&
  v !== null &&
  [v.apiUrl, v.issuer, v.audience].every((field) => typeof field === 'string') &&
  ['undefined', 'string'].includes(typeof v.keyDir) &&
  (v.idpProfile === undefined || isProfileName(String(v.idpProfile))) &&
  ['undefined', 'boolean'].includes(typeof v.externalIssuer) &&
  typeof v.pid === 'number';

export type StackFileState =
  | { readonly state: 'running'; readonly info: StackInfo }
  | { readonly state: 'stale' | 'missing'; readonly info?: undefined; readonly reason?: string };

export function readStackFile(file = STACK_FILE): StackFileState {
  if (!existsSync(file)) return { state: 'missing' };
  const stale = (reason: string) => ({ state: 'stale', reason }) as const;
  let parsed: Parameters<typeof isStackInfo>[0];
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return stale(`${file} is not JSON`);
  }
  if (!isStackInfo(parsed)) return stale(`${file} lacks the stack's fields`);
  if (!isRunning(parsed.pid)) return stale(`the npm start of ${file} (pid ${parsed.pid}) is gone`);
  return { state: 'running', info: parsed };
}
