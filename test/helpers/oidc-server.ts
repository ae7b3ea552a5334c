import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { closeServer, listenOnLoopback } from '../../local/cli/loopback';
import { forge } from './tokens';

/** What the discovery endpoint does. */
export type DiscoveryBehaviour =
  | 'serve'
  | 'not-found'
  | 'hang'
  | 'not-json'
  | 'not-an-object'
  | 'no-jwks-uri';

export interface OidcServerOptions {
  /** The issuer's path on this server, e.g. `/` (Auth0's trailing slash) or `/realms/app`. */
  readonly issuerPath?: string;
  /** Where the JWKS is served (not the `.well-known/jwks.json` guess), e.g. `/v1/keys`. */
  readonly jwksPath?: string;
}

/**
 * A minimal OpenID provider on 127.0.0.1 for discovery tests: an issuer with any path (trailing
 * slash or not), its discovery document at `<issuer minus trailing />/.well-known/openid-configuration`
 * (OpenID Connect Discovery §4), the JWKS at a non-default path, an RSA key generated at start,
 * and switches to break the document. Counts what it serves.
 */
export class OidcServer {
  readonly kid = randomUUID();
  readonly privateKey: KeyObject;
  private readonly publicJwk: Record<string, unknown>;
  private server: Server | undefined;
  private port = 0;
  /** Overrides of the discovery document's fields (`issuer`, `jwks_uri`). */
  document: Record<string, unknown> = {};
  discovery: DiscoveryBehaviour = 'serve';
  discoveryFetches = 0;
  jwksFetches = 0;
  /** Paths requested, in order. */
  readonly requested: string[] = [];

  constructor(private readonly options: OidcServerOptions = {}) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicJwk = {
      ...publicKey.export({ format: 'jwk' }),
      kid: this.kid,
      alg: 'RS256',
      use: 'sig',
    };
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get issuer(): string {
    return `${this.origin}${this.options.issuerPath ?? ''}`;
  }

  get discoveryUrl(): string {
    return `${this.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  }

  get jwksUri(): string {
    return `${this.origin}${this.options.jwksPath ?? '/v1/keys'}`;
  }

  async start(): Promise<{ url: string; port: number }> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      this.requested.push(url.pathname);
      if (`${this.origin}${url.pathname}` === this.discoveryUrl) {
        this.discoveryFetches += 1;
        if (this.discovery === 'hang') return;
        if (this.discovery === 'not-found') {
          res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
          return;
        }
        const document: Record<string, unknown> = {
          issuer: this.issuer,
          jwks_uri: this.jwksUri,
          id_token_signing_alg_values_supported: ['RS256'],
          ...this.document,
        };
        if (this.discovery === 'no-jwks-uri') delete document.jwks_uri;
        const body =
          this.discovery === 'not-json'
            ? '<html>maintenance</html>'
            : this.discovery === 'not-an-object'
              ? JSON.stringify([document])
              : JSON.stringify(document);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
        return;
      }
      if (`${this.origin}${url.pathname}` === this.jwksUri) {
        this.jwksFetches += 1;
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ keys: [this.publicJwk] }));
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    });
    const address = await listenOnLoopback(server, 0);
    this.server = server;
    this.port = address.port;
    return address;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await closeServer(server);
  }

  /** A token of this issuer, signed with its key: `iss`, `iat`, `exp`, `sub` set; overridable. */
  token(claims: Record<string, unknown> = {}): string {
    const now = Math.floor(Date.now() / 1000);
    return forge(
      { alg: 'RS256', kid: this.kid, typ: 'JWT' },
      { iss: this.issuer, sub: 'alice', iat: now, exp: now + 300, ...claims },
      this.privateKey,
    );
  }
}
