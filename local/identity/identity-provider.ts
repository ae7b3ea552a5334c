import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { FUNCTION_SETTINGS } from '../../lambda/common/config/settings';
import { closeServer, LOOPBACK, listenOnLoopback } from '../cli/loopback';
import {
  claimSettings,
  discoveryUrlOf,
  formatClaimPath,
  PROFILES,
  type Profile,
  type ProfileName,
} from './idp-profiles';

export interface IdentityProviderOptions {
  /** Where the key pair is kept between runs (gitignored); in memory when absent. */
  readonly keyDir?: string;
  /** Which provider to imitate (default `dev`, the generic local issuer). */
  readonly profile?: ProfileName;
  /** The audience tokens carry when right (default: the profile's). */
  readonly audience?: string;
  /**
   * Scheme, host and port the provider is reached at (default `http://127.0.0.1:<port>`); the
   * issuer is this plus the profile's path. For `npm run token`, which mints without serving.
   */
  readonly origin?: string;
  /** Fixed issuer of the `dev` profile, e.g. `http://host.docker.internal:3002` for sam local. */
  readonly issuer?: string;
}

export interface MintOptions {
  readonly sub: string;
  /** Puts the profile's moderator group where the provider keeps roles/groups. */
  readonly moderator?: boolean;
  /** Raw memberships, placed where the moderator's is (Cognito groups, Keycloak realm roles…). */
  readonly groups?: readonly string[];
  readonly tenants?: readonly string[];
  readonly email?: string;
  /** `email_verified` where the provider asserts it (default true). */
  readonly emailVerified?: boolean;
  /** The display name (default: from `sub`, `alice` → `Alice`). */
  readonly name?: string;
  /** `wrong` signs for another API's audience. */
  readonly audience?: 'right' | 'wrong';
  /** No `aud`: the audience travels in `client_id` (the authorizer's fallback). */
  readonly clientIdOnly?: boolean;
  /** Lifetime in seconds (default 3600); negative mints a token that expired that long ago. */
  readonly ttl?: number;
  /** Top-level claims merged last (override anything). */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/**
 * The key pair stored in `keyDir` with the kid it was stored with (the dev profile keeps it),
 * created (and stored) on first use; in memory without a `keyDir`.
 */
function loadOrCreateKey(keyDir?: string): { kid: string; privateKey: KeyObject } {
  const file = keyDir === undefined ? undefined : join(keyDir, 'signing-key.json');
  if (file && existsSync(file)) {
    const { kid, pkcs8 } = JSON.parse(readFileSync(file, 'utf8')) as { kid: string; pkcs8: string };
    return { kid, privateKey: createPrivateKey(pkcs8) };
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = { kid: randomUUID(), privateKey };
  if (keyDir && file) {
    mkdirSync(keyDir, { recursive: true, mode: 0o700 });
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(file, JSON.stringify({ kid: key.kid, pkcs8 }), { mode: 0o600 });
  }
  return key;
}

/** The key with its public JWK, its `kid` in the profile's form (the dev profile keeps its own). */
function signingKeyOf(profile: Profile, stored: ReturnType<typeof loadOrCreateKey>) {
  const publicKey = createPublicKey(stored.privateKey);
  const kid = profile.kid?.(publicKey.export({ type: 'spki', format: 'der' })) ?? stored.kid;
  const { kty, n, e } = publicKey.export({ format: 'jwk' });
  const alg = profile.jwkAlg ? { alg: 'RS256' } : {};
  return { kid, privateKey: stored.privateKey, publicJwk: { kty, use: 'sig', kid, ...alg, n, e } };
}

/** A readable name for a subject, so local rosters show names: `maria-2@x.org` → `Maria 2`. */
const displayNameOf = (sub: string) =>
  sub
    .replace(/@.*/, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ') || sub;

/**
 * A development OpenID provider on 127.0.0.1: an RS256 key pair, its discovery document and JWKS
 * over HTTP at the paths of the imitated provider (idp-profiles.ts), and tokens minted in that
 * provider's shape for the audience the local Lambda accepts.
 * Never deployed. Tests use it to rotate keys and to make the provider unreachable.
 */
export class IdentityProvider {
  readonly profile: Profile;
  readonly audience: string;
  private loadedKeys: ReturnType<typeof signingKeyOf>[] | undefined;
  private server: Server | undefined;
  private port = 0;
  private available = true;
  /** How many times the JWKS was served. */
  jwksFetchCount = 0;

  constructor(private readonly options: IdentityProviderOptions = {}) {
    this.profile = PROFILES[options.profile ?? 'dev'];
    if (options.issuer !== undefined && this.profile.name !== 'dev') {
      throw new Error('IdentityProviderOptions.issuer is for the dev profile; use origin');
    }
    this.audience = options.audience ?? this.profile.audience.right;
  }

  get origin(): string {
    if (this.options.issuer !== undefined) return new URL(this.options.issuer).origin;
    return this.options.origin ?? `http://${LOOPBACK}:${this.port}`;
  }

  /** The issuer (`iss`) of minted tokens, exactly (Auth0's ends with `/`). */
  get issuer(): string {
    return this.options.issuer ?? `${this.origin}${this.profile.issuerPath}`;
  }

  get discoveryUrl(): string {
    return discoveryUrlOf(this.issuer);
  }

  get jwksUri(): string {
    return `${this.origin}${this.profile.jwksPath}`;
  }

  /** The published keys, newest (the signing one) first, loaded or created on first use. */
  private get keys() {
    this.loadedKeys ??= [signingKeyOf(this.profile, loadOrCreateKey(this.options.keyDir))];
    return this.loadedKeys;
  }

  /** The discovery document, as the imitated provider shapes it (the fields that matter). */
  private discoveryDocument(): Readonly<Record<string, unknown>> {
    const [authorization, token] = this.profile.endpoints;
    return {
      issuer: this.issuer,
      authorization_endpoint: `${this.origin}${authorization}`,
      token_endpoint: `${this.origin}${token}`,
      jwks_uri: this.jwksUri,
      response_types_supported: ['code'],
      subject_types_supported: [this.profile.name === 'entra' ? 'pairwise' : 'public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
    };
  }

  /** Serves discovery and the JWKS on 127.0.0.1:`port` (0 picks a free port). */
  async start(port = 0): Promise<{ url: string; port: number }> {
    const { keys } = this;
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', `http://${LOOPBACK}`).pathname;
      const get = (url: string) => req.method === 'GET' && path === new URL(url).pathname;
      const json = (body: unknown) =>
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      const text = (status: number, body: string) =>
        res.writeHead(status, { 'Content-Type': 'text/plain' }).end(body);
      if (!this.available) return text(503, 'unavailable');
      if (get(this.jwksUri)) {
        this.jwksFetchCount += 1;
        return json({ keys: keys.map((key) => key.publicJwk) });
      }
      if (get(this.discoveryUrl)) return json(this.discoveryDocument());
      return text(404, 'not found');
    });
    const address = await listenOnLoopback(server, port);
    this.server = server;
    this.port = address.port;
    return address;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await closeServer(server);
  }

  /** Makes discovery and the JWKS answer 503 (`false`) or serve again (`true`). */
  setAvailable(available: boolean): void {
    this.available = available;
  }

  /** Publishes a new signing key (kept alongside the old ones) and signs with it from now on. */
  async rotate(): Promise<string> {
    const key = signingKeyOf(this.profile, loadOrCreateKey());
    this.keys.unshift(key);
    return key.kid;
  }

  /**
   * Signs a token for `sub` with the current key, shaped as the profile's provider issues it:
   * `iss`, `aud` (or `client_id`), `iat`, `exp` and the provider's own claims.
   * Throws for what the provider cannot express (a Google moderator, a Cognito access token's email).
   */
  async mint(options: MintOptions): Promise<string> {
    const { kid, privateKey } = this.signingKey;
    const { profile } = this;
    const memberships = [...(options.groups ?? [])];
    if (options.moderator && profile.moderator) memberships.push(profile.moderator.group);
    if (options.moderator && !profile.moderator) {
      throw new Error(`${profile.title} tokens cannot say who is a moderator`);
    }
    if (memberships.length > 0 && !profile.moderator) {
      throw new Error(`${profile.title} tokens carry no groups or roles`);
    }
    const tenants = options.tenants ?? [];
    if (profile.tenant.shape === 'string' && tenants.length > 1) {
      const claim = formatClaimPath(profile.tenant.claim);
      throw new Error(`${profile.title} tokens carry one tenant (${claim})`);
    }
    if (options.email !== undefined && !profile.email) {
      throw new Error(`${profile.title} access tokens carry no email`);
    }
    const ttl = options.ttl ?? 3600;
    const exp = Math.floor(Date.now() / 1000) + ttl;
    const claims = profile.claims({
      issuer: this.issuer,
      sub: options.sub,
      audience: options.audience === 'wrong' ? profile.audience.wrong : this.audience,
      clientIdOnly: options.clientIdOnly ?? false,
      memberships,
      tenants,
      email: options.email,
      emailVerified: options.emailVerified ?? true,
      name: options.name ?? displayNameOf(options.sub),
      // An expired token was issued an hour before it expired, as a real one would have been.
      iat: ttl < 0 ? exp - 3600 : exp - ttl,
      exp,
    });
    const typ = profile.typ ? { typ: profile.typ } : {};
    return new SignJWT({ ...claims, ...options.claims })
      .setProtectedHeader({ alg: 'RS256', kid, ...typ })
      .sign(privateKey);
  }

  /**
   * The Lambda environment that accepts this provider's tokens and recognises its moderators:
   * `JWT_ISSUER` (exact), `JWT_AUDIENCE`, `IDENTITY_CLAIM`, `MODERATOR_CLAIM`, `MODERATOR_GROUP`
   * (absent when the provider cannot express moderators), `TENANT_CLAIM`, `NAME_CLAIM`, and
   * `JWT_COGNITO_TOKEN_USE` for Cognito. Plain-http JWKS permission is the caller's to add.
   */
  lambdaSettings(): Readonly<Record<string, string>> {
    const { cognitoTokenUse } = this.profile;
    const settings = claimSettings(this.profile, this.issuer, this.audience);
    return Object.freeze({
      ...Object.fromEntries(
        Object.entries(settings).map(([id, value]) => [
          FUNCTION_SETTINGS[id as keyof typeof settings].env,
          value,
        ]),
      ),
      ...(cognitoTokenUse ? { [FUNCTION_SETTINGS.cognitoTokenUse.env]: cognitoTokenUse } : {}),
    });
  }

  /** The private key of the current signing key, for tests that forge special tokens. */
  get signingKey(): { kid: string; privateKey: KeyObject } {
    const [{ kid, privateKey }] = this.keys as [ReturnType<typeof signingKeyOf>];
    return { kid, privateKey };
  }
}
