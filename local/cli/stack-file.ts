/**
 * Where the local stack keeps its files, and the ports it takes by default: a module light enough
 * for `npm run token` (no emulator, SDK or dynalite). Above all `.local/stack.json`: what a running
 * `npm start` serves (addresses, issuer, audience, ports, the identity provider's profile, pid),
 * so `npm run token` and `npm run example` target that stack instead of assuming default ports,
 * and a second `npm start` names the pid holding a port. Written once the stack is up; removed on
 * a clean stop; ignored when its process is gone.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProfileName, type ProfileName } from '../identity/idp-profiles';

export const STACK_FILE = join(process.cwd(), '.local', 'stack.json');
/** Where the local identity provider keeps its key pair (gitignored). */
export const LOCAL_KEY_DIR = join(process.cwd(), '.local', 'idp');
/** Where `npm start` writes the demo meeting's ids, for `npm run sam:events`. */
export const DEMO_FILE = join(process.cwd(), '.local', 'demo.json');
export const DEFAULT_PORTS = Object.freeze({ api: 3000, emulator: 3001, idp: 3002 });

export interface StackInfo {
  readonly apiUrl: string;
  readonly emulatorUrl: string;
  readonly issuer: string;
  readonly jwksUri: string;
  readonly audience: string;
  /** `idp` is absent when an external issuer is trusted. */
  readonly ports: { readonly api: number; readonly emulator: number; readonly idp?: number };
  /** The dev identity provider's key pair folder; absent for an external issuer. */
  readonly keyDir?: string;
  /**
   * The profile the dev identity provider imitates, so `npm run token` signs tokens of the same
   * shape; absent for an external issuer (and in files of older versions, which mean `dev`).
   */
  readonly idpProfile?: ProfileName;
  /** True when the stack trusts an external issuer (JWT_ISSUER): nothing here can sign for it. */
  readonly externalIssuer?: boolean;
  readonly pid: number;
  readonly startedAt: string;
}

/** Writes `info` for the running process (the folder exists: the key pair lives next to it). */
export function writeStackFile(info: StackInfo, file = STACK_FILE): void {
  writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the file if it still describes process `pid` (another `npm start` may own it now). */
export function removeStackFile(pid = process.pid, file = STACK_FILE): void {
  const found = readStackFile(file);
  if (found.state !== 'missing' && found.info?.pid === pid) rmSync(file, { force: true });
}

/** Whether `pid` is alive (EPERM: it is, under another user). */
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
  | { readonly state: 'stale'; readonly info?: StackInfo; readonly reason: string }
  | { readonly state: 'missing'; readonly info?: undefined };

/** Reads the file: the running stack, a stale or unreadable file (with why), or none. */
export function readStackFile(file = STACK_FILE): StackFileState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { state: 'missing' };
  }
  let parsed: Parameters<typeof isStackInfo>[0];
  try {
    parsed = JSON.parse(text);
  } catch {
    return { state: 'stale', reason: `${file} is not JSON` };
  }
  if (!isStackInfo(parsed)) return { state: 'stale', reason: `${file} lacks the stack's fields` };
  if (!isRunning(parsed.pid)) {
    return {
      state: 'stale',
      info: parsed,
      reason: `the npm start of ${file} (pid ${parsed.pid}) is gone`,
    };
  }
  return { state: 'running', info: parsed };
}
