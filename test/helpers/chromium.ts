import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';

/** Where the browser came from, for the test's failure message and the log. */
const CHROMIUM_SOURCES = {
  env: 'CHROMIUM_PATH',
  npm: '@sparticuz/chromium',
  path: 'PATH',
} as const;
type ChromiumSource = (typeof CHROMIUM_SOURCES)[keyof typeof CHROMIUM_SOURCES];

export interface ChromiumBinary {
  readonly executablePath: string;
  /** Extra command-line switches this build needs. */
  readonly args: readonly string[];
  readonly source: ChromiumSource;
}

/** The one line a machine without any browser gets. */
const NO_CHROMIUM =
  'No Chromium for the browser tests: set CHROMIUM_PATH to a Chrome or Chromium binary, ' +
  'run `npm ci` on Linux x64 (the devDependency @sparticuz/chromium ships one), ' +
  'or put chromium/google-chrome on PATH.';

const PATH_NAMES = [
  'chromium',
  'chromium-browser',
  'google-chrome',
  'google-chrome-stable',
  'chrome',
] as const;
const MAC_APPS = [
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
] as const;

/**
 * Switches of @sparticuz/chromium's recommended set that would defeat what the browser test checks:
 * the page's API calls are cross-origin, so CORS must be enforced.
 */
const DROPPED_NPM_ARGS = new Set(['--disable-web-security', '--allow-running-insecure-content']);

const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Unpacks the Chromium that `@sparticuz/chromium` ships (Brotli archives in the package, inflated
 * into the OS temp directory on first use, reused afterwards) and returns its path and switches.
 * The package is ESM with `import.meta.url`, which Jest's CommonJS transform cannot load, so it runs
 * in a child Node process. Its npm package holds only the x64 build (README, "Can I use ARM or
 * Graviton instances?"); arm64 needs a download, which tests never do.
 */
async function fromNpm(): Promise<ChromiumBinary | undefined> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  const script =
    "const { default: c } = await import('@sparticuz/chromium');" +
    'process.stdout.write(JSON.stringify({ executablePath: await c.executablePath(), args: c.args }));';
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: process.cwd(), timeout: 60_000 },
    );
    const found = JSON.parse(stdout) as { executablePath: string; args: string[] };
    if (!isExecutable(found.executablePath)) return undefined;
    return {
      executablePath: found.executablePath,
      args: found.args.filter((arg) => !DROPPED_NPM_ARGS.has(arg)),
      source: CHROMIUM_SOURCES.npm,
    };
  } catch {
    return undefined;
  }
}

function fromPath(env: NodeJS.ProcessEnv): ChromiumBinary | undefined {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const candidates = [
    ...PATH_NAMES.flatMap((name) => dirs.map((dir) => join(dir, name))),
    ...(process.platform === 'darwin' ? MAC_APPS : []),
  ];
  const executablePath = candidates.find(isExecutable);
  return executablePath ? { executablePath, args: [], source: CHROMIUM_SOURCES.path } : undefined;
}

/**
 * Finds a Chromium without installing anything: `CHROMIUM_PATH` if set, else the build shipped by
 * the `@sparticuz/chromium` devDependency (Linux x64), else a Chrome or Chromium on PATH.
 * Throws {@link NO_CHROMIUM} (or a line naming a bad `CHROMIUM_PATH`) when there is none.
 */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumBinary> {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (!isExecutable(configured)) {
      throw new Error(`CHROMIUM_PATH=${configured} is not an executable file.`);
    }
    return { executablePath: configured, args: [], source: CHROMIUM_SOURCES.env };
  }
  const found = (await fromNpm()) ?? fromPath(env);
  if (!found) throw new Error(NO_CHROMIUM);
  return found;
}

/** Switches every browser test wants, whichever build runs. */
const COMMON_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/**
 * Launches a headless Chromium under playwright-core: `binary`, or the one {@link findChromium}
 * finds. Never downloads a browser (`npx playwright install` is not used).
 */
export async function launchChromium(binary?: ChromiumBinary): Promise<Browser> {
  binary ??= await findChromium();
  const args = [...new Set([...binary.args, ...COMMON_ARGS])];
  return chromium.launch({ executablePath: binary.executablePath, headless: true, args });
}
