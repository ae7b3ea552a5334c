/**
 * `npm run example` (`tsx examples/web/serve.ts`): serves the example page on
 * http://127.0.0.1:3003 against a running `npm start`. Local development only.
 *
 * Reads `EXAMPLE_PORT` (3003), `API_URL` (http://127.0.0.1:$PORT, 3000), `CHIME_EMULATOR_PORT`
 * (3001) and `IDP_PORT` / `IDP_ISSUER` (3002), the same defaults as `npm start`.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_PORTS, DEMO_FILE, type DemoSeed, LOCAL_KEY_DIR } from '../../local/dev-stack';
import type { RecipeSettings } from '../../local/fault-recipes';
import { createExampleServer } from './example-server';

const port = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a port number`);
  return Number(raw);
};

const apiUrl = process.env.API_URL || `http://127.0.0.1:${port('PORT', DEFAULT_PORTS.api)}`;
const emulatorUrl = `http://127.0.0.1:${port('CHIME_EMULATOR_PORT', DEFAULT_PORTS.emulator)}`;
const issuer = process.env.IDP_ISSUER || `http://127.0.0.1:${port('IDP_PORT', DEFAULT_PORTS.idp)}`;
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
// Read per request: a restarted `npm start` seeds a new meeting and rewrites the file.
const demoFile = () =>
  JSON.parse(readFileSync(DEMO_FILE, 'utf8')) as DemoSeed & { faultSettings?: RecipeSettings };

const server = createExampleServer({
  port: port('EXAMPLE_PORT', 3003),
  apiUrl,
  emulatorUrl,
  keyDir: LOCAL_KEY_DIR,
  issuer,
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
  process.stdout.write(`
Example page   ${url}
  API          ${apiUrl}   (start it first: npm start)
  Dev-only endpoints on this origin, never deployed: /dev/config, /dev/token, /dev/faults

Ctrl-C stops it.
`);
} catch (error) {
  process.stderr.write(
    `example server failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
