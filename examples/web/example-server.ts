/**
 * The example page's dev server: serves `public/` and an esbuild bundle of `src/main.ts`, plus
 * JSON endpoints that only make sense on a laptop (`/dev/config`, `/dev/token`, `/dev/faults`).
 * Local development only: it is never deployed, and nothing in `lib/` or `lambda/` refers to it.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { chimeClientFor } from '../../local/chime-emulator';
import { type DemoSeed, seedDemo } from '../../local/cli/dev-stack';
import { faultRecipes, type RecipeSettings } from '../../local/cli/fault-recipes';
import { closeServer, listenOnLoopback } from '../../local/cli/loopback';
import type { MintOptions } from '../../local/identity/identity-provider';
import { FAULTS, isFaultName } from './src/faults';

/** A value, or a function giving it when a request needs it (e.g. a port known later). */
type Lazy<T> = T | (() => T);

/** What `/dev/token` needs of an identity provider. */
interface TokenMinter {
  mint(options: MintOptions): Promise<string>;
}

export interface ExampleServerOptions {
  /** Port on 127.0.0.1; default 3003 (an origin the local API allows). 0 picks a free one. */
  readonly port?: number;
  /** The API the page calls, e.g. `http://127.0.0.1:3000`. */
  readonly apiUrl: Lazy<string>;
  /** The Chime emulator, for `/dev/faults`, e.g. `http://127.0.0.1:3001`. */
  readonly emulatorUrl: Lazy<string>;
  /** The demo meeting; a function that throws makes `/dev/config` answer 503. */
  readonly demo: Lazy<DemoSeed>;
  /**
   * The API function's settings that decide how many Chime calls a faulted request makes
   * (`npm start` writes them to `.local/demo.json`); a function that throws makes
   * `POST /dev/faults` answer 503.
   */
  readonly faultSettings: Lazy<RecipeSettings>;
  /** The identity provider that signs the dev tokens (`npm start`'s key pair, its issuer). */
  readonly idp: Lazy<TokenMinter>;
  /** The folder holding `public/` and `src/`; default `<cwd>/examples/web`. */
  readonly root?: string;
  /** One line per request: method, path, status, latency (never a query string or a token). */
  readonly log?: (line: string) => void;
}

export interface ExampleServer {
  /** Builds the bundle, then listens on 127.0.0.1. */
  start(): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
}

/** The seeded dev users the page offers: `/dev/token` mints a token only for these. */
const DEV_USERS = Object.freeze([
  {
    id: 'alice',
    name: 'Alice',
    role: 'owner',
    groups: [],
    attendee: 'alice',
    description: 'Owns her attendee: gets join info and her JoinToken.',
  },
  {
    id: 'bob',
    name: 'Bob',
    role: 'owner',
    groups: [],
    attendee: 'bob',
    description: 'Owns his attendee; a stranger to Alice’s.',
  },
  {
    id: 'maria',
    name: 'Maria',
    role: 'moderator',
    groups: ['moderators'],
    attendee: 'alice',
    description: 'In the moderators group: may read any attendee, never its JoinToken.',
  },
  {
    id: 'mallory',
    name: 'Mallory',
    role: 'stranger',
    groups: [],
    attendee: 'alice',
    description: 'Signed in, but no participant: gets the same 404 as for an ended meeting.',
  },
] as const);

const TOKEN_TTL_SECONDS = 900;
const MAX_BODY_BYTES = 16 * 1024;

const STATIC_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/styles.css': { file: 'styles.css', type: 'text/css; charset=utf-8' },
};

const resolve = <T>(value: Lazy<T>): T =>
  typeof value === 'function' ? (value as () => T)() : value;

class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        fail(new HttpError(413, 'Body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

/** Bundles the page for the browser: amazon-chime-sdk-js and `client/src` included. */
async function bundle(root: string): Promise<Map<string, Uint8Array>> {
  const result = await build({
    entryPoints: [join(root, 'src', 'main.ts')],
    outdir: join(root, 'dist'),
    write: false,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: 'linked',
    // Listed explicitly on purpose: with esbuild's default list, a package reached through
    // require() (amazon-chime-sdk-js is CommonJS) resolves to `main`, and the AWS SDK's
    // dist-cjs pulls in Node-only modules; `module` + the `browser` map give the browser build.
    mainFields: ['browser', 'module', 'main'],
    logLevel: 'silent',
  });
  return new Map(result.outputFiles.map((file) => [`/${basename(file.path)}`, file.contents]));
}

/**
 * The example page's server, on 127.0.0.1 (default port 3003, an origin the local API allows,
 * so the page's requests to the API are cross-origin and CORS applies as deployed).
 *
 * @example
 * const server = createExampleServer({
 *   apiUrl: 'http://127.0.0.1:3000',
 *   emulatorUrl: 'http://127.0.0.1:3001',
 *   idp: new IdentityProvider({ keyDir: LOCAL_KEY_DIR, issuer: 'http://127.0.0.1:3002' }),
 *   demo: () => JSON.parse(readFileSync(DEMO_FILE, 'utf8')),
 *   faultSettings: () => JSON.parse(readFileSync(DEMO_FILE, 'utf8')).faultSettings,
 * });
 * const { url } = await server.start();
 */
export function createExampleServer(options: ExampleServerOptions): ExampleServer {
  const root = options.root ?? join(process.cwd(), 'examples', 'web');
  let assets = new Map<string, Uint8Array>();
  let server: Server | undefined;
  let port = 0;

  /** The origins this server answers as (its own; DNS rebinding and other sites are refused). */
  const ownHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`];

  const securityHeaders = (): Record<string, string> => {
    let apiOrigin = '';
    try {
      apiOrigin = new URL(resolve(options.apiUrl)).origin;
    } catch {
      // Not known yet: the page can then only reach its own origin.
    }
    return {
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        `connect-src 'self' ${apiOrigin}`.trim(),
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ].join('; '),
    };
  };

  const devConfig = () => {
    let demo: DemoSeed;
    try {
      demo = resolve(options.demo);
    } catch {
      throw new HttpError(
        503,
        'No demo meeting yet: run `npm start` (it writes .local/demo.json).',
      );
    }
    return {
      apiUrl: resolve(options.apiUrl),
      meetingId: demo.meetingId,
      attendees: demo.attendees,
      users: DEV_USERS.map(({ id, name, role, attendee, description }) => ({
        id,
        name,
        role,
        attendee,
        description,
      })),
    };
  };

  const devToken = async (query: URLSearchParams) => {
    const user = DEV_USERS.find((candidate) => candidate.id === query.get('user'));
    if (!user) throw new HttpError(400, `user must be one of ${DEV_USERS.map((u) => u.id)}`);
    // `expired=1` mints a token that expired a minute ago, to show the 401.
    const ttl = query.get('expired') === '1' ? -60 : TOKEN_TTL_SECONDS;
    const token = await resolve(options.idp).mint({
      sub: user.id,
      name: user.name,
      ttl,
      ...(user.groups.length > 0 ? { groups: [...user.groups] } : {}),
    });
    return { user: user.id, token, expiresInSeconds: ttl };
  };

  const emulator = (path: string, init?: RequestInit) =>
    fetch(`${resolve(options.emulatorUrl)}${path}`, init).catch((error: unknown) => {
      throw new HttpError(502, `The Chime emulator did not answer: ${String(error)}`);
    });

  /**
   * Sets up one fault demo: a fresh meeting with attendees for alice and bob (nothing has read
   * it, so the caches cannot answer it), and the recipe's rule for it, which the page's one
   * request uses up. The emulator's admin API has no CORS of its own, hence this endpoint.
   */
  const queueFault = async (req: IncomingMessage) => {
    if (!req.headers['content-type']?.startsWith('application/json')) {
      // A JSON content type makes a cross-site POST need a preflight, which is never granted.
      throw new HttpError(415, 'POST {"fault": name} as JSON (content-type: application/json)');
    }
    let name: unknown;
    try {
      name = (JSON.parse(await readBody(req)) as { fault?: unknown } | null)?.fault;
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(400, 'The body must be JSON');
    }
    if (!isFaultName(name)) {
      throw new HttpError(400, `fault must be one of ${Object.keys(FAULTS).join(', ')}`);
    }
    let settings: RecipeSettings;
    try {
      settings = resolve(options.faultSettings);
    } catch {
      throw new HttpError(503, 'No fault settings: restart `npm start` (it writes them).');
    }
    const chime = chimeClientFor(resolve(options.emulatorUrl), { maxAttempts: 1 });
    const meeting = await seedDemo(chime)
      .catch((error: unknown) => {
        throw new HttpError(502, `The Chime emulator did not create a meeting: ${String(error)}`);
      })
      .finally(() => chime.destroy());
    const recipe = faultRecipes(settings, meeting.meetingId).find(
      (candidate) => candidate.status === FAULTS[name].status,
    );
    if (!recipe) throw new Error(`No fault recipe for ${FAULTS[name].status}`);
    const queued = await emulator('/_emulator/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(recipe.rule),
    });
    const body = (await queued.json().catch(() => ({}))) as { faults?: { id: string }[] };
    const faultId = body.faults?.[0]?.id;
    if (!queued.ok || !faultId) {
      throw new HttpError(502, `The Chime emulator refused the fault (${queued.status})`);
    }
    return { fault: name, description: recipe.description, faultId, ...meeting };
  };

  /** The rules still queued in the emulator (each with its remaining count). */
  const listFaults = async () => {
    const listed = await emulator('/_emulator/faults');
    if (!listed.ok) throw new HttpError(502, `The Chime emulator answered ${listed.status}`);
    return (await listed.json()) as { faults: unknown[] };
  };

  /** Withdraws a rule a request never reached Chime to use (e.g. stopped by a 401). */
  const withdrawFault = async (id: string) => {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new HttpError(400, 'Not a fault id');
    const removed = await emulator(`/_emulator/faults/${id}`, { method: 'DELETE' });
    if (removed.status === 404) throw new HttpError(404, 'No such fault');
    if (!removed.ok) throw new HttpError(502, `The Chime emulator answered ${removed.status}`);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const json = (status: number, value: unknown) => {
      res.writeHead(status, {
        ...securityHeaders(),
        'Content-Type': 'application/json',
      });
      res.end(typeof value === 'string' ? value : JSON.stringify(value));
      return status;
    };

    if (!ownHosts().includes(req.headers.host ?? '')) {
      return json(421, { message: 'Open this page as http://127.0.0.1 or http://localhost' });
    }
    if (url.pathname.startsWith('/dev/')) {
      const site = req.headers['sec-fetch-site'];
      const origin = req.headers.origin;
      if (
        (site && site !== 'same-origin' && site !== 'none') ||
        (origin && !ownHosts().some((h) => origin === `http://${h}`))
      ) {
        return json(403, { message: 'The dev endpoints answer this page only' });
      }
      try {
        if (method === 'GET' && url.pathname === '/dev/config') return json(200, devConfig());
        if (method === 'GET' && url.pathname === '/dev/token') {
          return json(200, await devToken(url.searchParams));
        }
        if (method === 'POST' && url.pathname === '/dev/faults') {
          return json(201, await queueFault(req));
        }
        if (method === 'GET' && url.pathname === '/dev/faults') {
          return json(200, await listFaults());
        }
        if (method === 'DELETE' && url.pathname.startsWith('/dev/faults/')) {
          await withdrawFault(url.pathname.slice('/dev/faults/'.length));
          return json(200, {});
        }
      } catch (error) {
        if (error instanceof HttpError) return json(error.status, { message: error.message });
        throw error;
      }
      return json(404, { message: `No dev endpoint ${method} ${url.pathname}` });
    }
    if (method !== 'GET' && method !== 'HEAD') return json(405, { message: 'Method not allowed' });
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204, securityHeaders()).end();
      return 204;
    }
    const asset = assets.get(url.pathname);
    const staticFile = Object.hasOwn(STATIC_FILES, url.pathname)
      ? STATIC_FILES[url.pathname]
      : undefined;
    if (!asset && !staticFile) return json(404, { message: 'Not found' });
    const type = url.pathname.endsWith('.js')
      ? 'text/javascript; charset=utf-8'
      : (staticFile?.type ?? 'application/json');
    // Static files are read per request, so an edit to the HTML or CSS shows on reload.
    const content = asset ?? (await readFile(join(root, 'public', staticFile?.file ?? '')));
    res.writeHead(200, { ...securityHeaders(), 'Content-Type': type });
    res.end(method === 'HEAD' ? undefined : content);
    return 200;
  };

  return {
    async start() {
      assets = await bundle(root);
      const created = createServer((req, res) => {
        const started = performance.now();
        const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
        serve(req, res)
          .catch(() => {
            if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
            res.end('{"message":"Internal Server Error"}');
            return 500;
          })
          .then((status) => {
            const ms = (performance.now() - started).toFixed(1);
            options.log?.(`${req.method} ${path} ${status} ${ms}ms`);
          });
      });
      const address = await listenOnLoopback(created, options.port ?? 3003);
      server = created;
      port = address.port;
      return address;
    },
    async stop() {
      const current = server;
      server = undefined;
      if (!current) return;
      await closeServer(current);
    },
  };
}
