/**
 * Where the local stack keeps its files and which ports it takes by default: a module of its
 * own, so `npm run token` reads them without loading the stack (emulator, SDK, dynalite).
 */
import { join } from 'node:path';

/** Where the local identity provider keeps its key pair (gitignored). */
export const LOCAL_KEY_DIR = join(process.cwd(), '.local', 'idp');

/** Where `npm start` writes the demo meeting's ids, for `npm run sam:events`. */
export const DEMO_FILE = join(process.cwd(), '.local', 'demo.json');

export const DEFAULT_PORTS = Object.freeze({ api: 3000, emulator: 3001, idp: 3002 });
