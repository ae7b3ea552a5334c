/**
 * `npm run example` (`tsx examples/web/serve.ts`): serves the example page on
 * http://127.0.0.1:3003 against the running `npm start`. Local development only.
 *
 * The API, the Chime emulator and the issuer are the running stack's, read from
 * `.local/stack.json` per request as `npm run token` reads them, so a stack on other ports
 * (`PORT=4000 npm start`) or a restarted one is followed. `API_URL`, `PORT`,
 * `CHIME_EMULATOR_PORT`, `IDP_ISSUER` and `IDP_PORT`, when set, win over the file; without
 * either, the default ports. `EXAMPLE_PORT` (3003) is this page's.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DemoSeed } from '../../local/cli/dev-stack';
import type { RecipeSettings } from '../../local/cli/fault-recipes';
import { npmAncestry, whenNpmGone } from '../../local/cli/npm-launcher';
import { DEFAULT_PORTS, DEMO_FILE, LOCAL_KEY_DIR, readStackFile } from '../../local/cli/stack-file';
import { PORT_VARIABLES, portIn } from '../../local/cli/start-args';
import { IdentityProvider } from '../../local/identity/identity-provider';
import { createExampleServer } from './example-server';

const npm = npmAncestry(process.env);
const env = process.env;
const loopback = (port: number) => `http://127.0.0.1:${port}`;
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

let ports: Readonly<Record<'api' | 'emulator' | 'idp' | 'example', number | undefined>>;
try {
  ports = {
    api: portIn(env, PORT_VARIABLES.api),
    emulator: portIn(env, PORT_VARIABLES.emulator),
    idp: portIn(env, PORT_VARIABLES.idp),
    example: portIn(env, 'EXAMPLE_PORT'),
  };
} catch (error) {
  process.stderr.write(`example server failed: ${(error as Error).message}\n`);
  process.exit(2);
}

/** The running `npm start`, when `.local/stack.json` names one whose process is alive. */
const running = () => {
  const found = readStackFile();
  return found.state === 'running' ? found.info : undefined;
};
const apiUrl = () =>
  env.API_URL ||
  (ports.api !== undefined ? loopback(ports.api) : running()?.apiUrl) ||
  loopback(DEFAULT_PORTS.api);
const emulatorUrl = () =>
  (ports.emulator !== undefined ? loopback(ports.emulator) : running()?.emulatorUrl) ||
  loopback(DEFAULT_PORTS.emulator);

let minter: { readonly key: string; readonly idp: IdentityProvider } | undefined;
/** A dev-profile signer with the running stack's key pair and issuer, made anew when they change. */
const idp = () => {
  const stack = running();
  const keyDir = stack?.keyDir ?? LOCAL_KEY_DIR;
  const issuer =
    env.IDP_ISSUER ||
    (ports.idp !== undefined ? loopback(ports.idp) : stack?.issuer) ||
    loopback(DEFAULT_PORTS.idp);
  const key = `${keyDir} ${issuer}`;
  if (minter?.key !== key) minter = { key, idp: new IdentityProvider({ keyDir, issuer }) };
  return minter.idp;
};

// Read per request: a restarted `npm start` seeds a new meeting and rewrites the file.
const demoFile = () =>
  JSON.parse(readFileSync(DEMO_FILE, 'utf8')) as DemoSeed & { faultSettings?: RecipeSettings };

const server = createExampleServer({
  port: ports.example ?? 3003,
  root: fileURLToPath(new URL('.', import.meta.url)),
  apiUrl,
  emulatorUrl,
  idp,
  demo: demoFile,
  faultSettings: () => {
    const { faultSettings } = demoFile();
    if (!faultSettings) throw new Error(`${DEMO_FILE} has no faultSettings`);
    return faultSettings;
  },
  log: (line) => log(`example ${line}`),
});

try {
  const { url } = await server.start();
  const stack = running();
  const source = env.API_URL
    ? 'API_URL'
    : ports.api !== undefined
      ? 'PORT'
      : stack
        ? `the npm start of pid ${stack.pid}, in .local/stack.json`
        : 'no npm start in .local/stack.json yet: start it, this page follows it';
  process.stdout.write(`
Example page   ${url}
  API          ${apiUrl()}   (${source})
  Dev-only endpoints on this origin, never deployed: /dev/config, /dev/token, /dev/faults

Ctrl-C stops it.
`);
} catch (error) {
  process.stderr.write(
    `example server failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}

let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  server.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, shutdown);
whenNpmGone(npm, shutdown);
