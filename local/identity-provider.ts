import { createPrivateKey, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { exportJWK, type JWK, type JWTPayload, SignJWT } from 'jose';
import { closeServer, listenOnLoopback } from './loopback';

/** The audience the locally run Lambda accepts. */
export const LOCAL_AUDIENCE = 'chime-attendee-api-local';

export interface IdentityProviderOptions {
  /** Where the key pair is kept between runs (gitignored); in memory when absent. */
  readonly keyDir?: string;
  readonly audience?: string;
  /** Fixed issuer, for a provider reached under another name (e.g. host.docker.internal). */
  readonly issuer?: string;
}

export interface MintOptions {
  readonly sub: string;
  readonly groups?: readonly string[];
  /** Lifetime in seconds (default 3600). */
  readonly ttl?: number;
  readonly claims?: Readonly<Record<string, unknown>>;
}

interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: JWK;
}

async function toSigningKey(kid: string, privateKey: KeyObject): Promise<SigningKey> {
  const jwk = await exportJWK(privateKey);
  const publicJwk: JWK = { kty: jwk.kty, n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicJwk };
}

async function generateKey(): Promise<SigningKey> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return toSigningKey(randomUUID(), privateKey);
}

/** Loads the persisted key pair, or generates and stores one on first use. */
async function loadOrCreateKey(keyDir: string): Promise<SigningKey> {
  const file = join(keyDir, 'signing-key.json');
  if (existsSync(file)) {
    const { kid, pkcs8 } = JSON.parse(readFileSync(file, 'utf8')) as { kid: string; pkcs8: string };
    return toSigningKey(kid, createPrivateKey(pkcs8));
  }
  const key = await generateKey();
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  const pkcs8 = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(file, JSON.stringify({ kid: key.kid, pkcs8 }), { mode: 0o600 });
  return key;
}

/**
 * A development OpenID provider on 127.0.0.1: an RS256 key pair, its JWKS over HTTP, and
 * tokens minted for the issuer and audience the local Lambda is configured with.
 * Never deployed. Tests use it to rotate keys and to make the JWKS unreachable.
 */
export class IdentityProvider {
  readonly audience: string;
  private keys: SigningKey[] = [];
  private server: Server | undefined;
  private port = 0;
  private available = true;
  private fetches = 0;

  constructor(private readonly options: IdentityProviderOptions = {}) {
    this.audience = options.audience ?? LOCAL_AUDIENCE;
  }

  /** The issuer (`iss`) of minted tokens. */
  get issuer(): string {
    return this.options.issuer ?? `http://127.0.0.1:${this.port}`;
  }

  get jwksUri(): string {
    return `${this.issuer}/.well-known/jwks.json`;
  }

  /** How many times the JWKS was served. */
  get jwksFetchCount(): number {
    return this.fetches;
  }

  /** Loads or creates the signing key without serving anything (for `npm run token`). */
  async load(): Promise<this> {
    if (this.keys.length === 0) {
      this.keys = [
        this.options.keyDir ? await loadOrCreateKey(this.options.keyDir) : await generateKey(),
      ];
    }
    return this;
  }

  /** Serves the JWKS on 127.0.0.1:`port` (0 picks a free port). */
  async start(port = 0): Promise<{ url: string; port: number }> {
    await this.load();
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (!this.available) {
        res.writeHead(503, { 'Content-Type': 'text/plain' }).end('unavailable');
        return;
      }
      if (req.method === 'GET' && path === '/.well-known/jwks.json') {
        this.fetches += 1;
        const body = JSON.stringify({ keys: this.keys.map((key) => key.publicJwk) });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
        return;
      }
      if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
        const body = JSON.stringify({
          issuer: this.issuer,
          jwks_uri: this.jwksUri,
          id_token_signing_alg_values_supported: ['RS256'],
        });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    });
    const address = await listenOnLoopback(server, port);
    this.server = server;
    this.port = address.port;
    return address;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await closeServer(server);
  }

  /** Makes the JWKS answer 503 (`false`) or serve again (`true`). */
  setAvailable(available: boolean): void {
    this.available = available;
  }

  /** Publishes a new signing key (kept alongside the old ones) and signs with it from now on. */
  async rotate(): Promise<string> {
    const key = await generateKey();
    this.keys = [key, ...this.keys];
    return key.kid;
  }

  /** Signs a token for `sub` with the current key: `iss`, `aud`, `iat`, `exp`, `jti` set. */
  async mint(options: MintOptions): Promise<string> {
    const [key] = (await this.load()).keys;
    if (!key) throw new Error('no signing key');
    const payload: JWTPayload = {
      ...(options.groups ? { 'cognito:groups': [...options.groups] } : {}),
      ...options.claims,
    };
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setSubject(options.sub)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${options.ttl ?? 3600}s`)
      .sign(key.privateKey);
  }

  /** The private key of the current signing key, for tests that forge special tokens. */
  get signingKey(): { kid: string; privateKey: KeyObject } {
    const [key] = this.keys;
    if (!key) throw new Error('IdentityProvider not loaded');
    return { kid: key.kid, privateKey: key.privateKey };
  }
}
