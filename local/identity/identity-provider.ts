import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { discoveryUrlOf } from '../../lambda/attendee/auth/oidc-discovery';
import { formatClaimPath } from '../../lambda/common/config/claim-path';
import { FUNCTION_SETTINGS } from '../../lambda/common/config/settings';
import { closeServer, LOOPBACK, listenOnLoopback } from '../cli/loopback';
import { claimsOf, PROFILES, type Profile, type ProfileName } from './idp-profiles';

export interface IdentityProviderOptions {
  /** Absent: the key pair is in memory only. */
  readonly keyDir?: string;
  readonly profile?: ProfileName;
  readonly audience?: string;
  /** Where it is reached when it does not serve (`npm run token`). */
  readonly origin?: string;
  /** The dev profile's issuer as is (sam local: `http://host.docker.internal:3002`). */
  readonly issuer?: string;
}

export interface MintOptions {
  readonly sub: string;
  readonly moderator?: boolean;
  /** Raw memberships, where the moderator group goes. */
  readonly groups?: readonly string[];
  readonly tenants?: readonly string[];
  readonly email?: string;
  readonly emailVerified?: boolean;
  readonly name?: string;
  readonly audience?: 'right' | 'wrong';
  readonly clientIdOnly?: boolean;
  /** Seconds (default 3600); negative: expired that long ago. */
  readonly ttl?: number;
  /** Merged last, overriding anything. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** The key pair (and kid) stored in `keyDir`, created there on first use. */
function loadOrCreateKey(keyDir?: string): { kid: string; privateKey: KeyObject } {
  const file = keyDir && join(keyDir, 'signing-key.json');
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

function signingKeyOf(profile: Profile, stored: ReturnType<typeof loadOrCreateKey>) {
  const publicKey = createPublicKey(stored.privateKey);
  const kid = profile.kid?.(publicKey.export({ type: 'spki', format: 'der' })) ?? stored.kid;
  const { kty, n, e } = publicKey.export({ format: 'jwk' });
  const alg = profile.jwkAlg ? { alg: 'RS256' } : {};
  return { kid, privateKey: stored.privateKey, publicJwk: { kty, use: 'sig', kid, ...alg, n, e } };
}

/** So local rosters show names: `maria-2@x.org` → `Maria 2`. */
const displayNameOf = (sub: string) =>
  sub
    .replace(/@.*/, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ') || sub;

/**
 * A development OpenID provider on 127.0.0.1: discovery and JWKS at the imitated provider's paths
 * (idp-profiles.ts), tokens minted in its shape. Tests rotate keys and make it unavailable.
 */
export class IdentityProvider {
  readonly profile: Profile;
  readonly audience: string;
  private loadedKeys: ReturnType<typeof signingKeyOf>[] | undefined;
  private port = 0;
  private available = true;
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

  get issuer(): string {
    return this.options.issuer ?? `${this.origin}${this.profile.issuerPath}`;
  }

  get discoveryUrl(): string {
    return discoveryUrlOf(this.issuer);
  }

  get jwksUri(): string {
    return `${this.origin}${this.profile.jwksPath}`;
  }

  /** Newest (the signing one) first. */
  private get keys() {
    this.loadedKeys ??= [signingKeyOf(this.profile, loadOrCreateKey(this.options.keyDir))];
    return this.loadedKeys;
  }

  private readonly server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', `http://${LOOPBACK}`).pathname;
    const get = (url: string) => req.method === 'GET' && path === new URL(url).pathname;
    const json = (body: unknown) =>
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    const text = (status: number, body: string) =>
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(body);
    if (!this.available) return text(503, 'unavailable');
    if (get(this.jwksUri)) {
      this.jwksFetchCount += 1;
      return json({ keys: this.keys.map((key) => key.publicJwk) });
    }
    if (!get(this.discoveryUrl)) return text(404, 'not found');
    const [authorization, token] = this.profile.endpoints;
    return json({
      issuer: this.issuer,
      authorization_endpoint: `${this.origin}${authorization}`,
      token_endpoint: `${this.origin}${token}`,
      jwks_uri: this.jwksUri,
      response_types_supported: ['code'],
      subject_types_supported: [this.profile.name === 'entra' ? 'pairwise' : 'public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
    });
  });

  async start(port = 0): Promise<{ url: string; port: number }> {
    void this.keys; // in keyDir before it serves, where `npm run token` reads them
    const address = await listenOnLoopback(this.server, port);
    this.port = address.port;
    return address;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  /** `false`: discovery and the JWKS answer 503. */
  setAvailable(available: boolean): void {
    this.available = available;
  }

  /** Publishes a new signing key, the old ones kept. */
  async rotate(): Promise<string> {
    const key = signingKeyOf(this.profile, loadOrCreateKey());
    this.keys.unshift(key);
    return key.kid;
  }

  /** A token shaped as the profile's provider issues it; throws for what it cannot express. */
  async mint(options: MintOptions): Promise<string> {
    const { kid, privateKey } = this.signingKey;
    const { profile } = this;
    const { moderator } = profile;
    if (!moderator && (options.moderator || options.groups?.length)) {
      const why = options.moderator ? 'cannot say who is a moderator' : 'carry no groups or roles';
      throw new Error(`${profile.title} tokens ${why}`);
    }
    const memberships = [...(options.groups ?? [])];
    if (options.moderator && moderator) memberships.push(moderator.group);
    const tenants = options.tenants ?? [];
    if (profile.tenant.shape === 'string' && tenants.length > 1) {
      const claim = formatClaimPath(profile.tenant.claim);
      throw new Error(`${profile.title} tokens carry one tenant (${claim})`);
    }
    if (options.email !== undefined && !profile.claims.split(' ').includes('email')) {
      throw new Error(`${profile.title} access tokens carry no email`);
    }
    const ttl = options.ttl ?? 3600;
    const exp = Math.floor(Date.now() / 1000) + ttl;
    const claims = claimsOf(profile, {
      iss: this.issuer,
      sub: options.sub,
      aud: options.audience === 'wrong' ? profile.audience.wrong : this.audience,
      clientIdOnly: options.clientIdOnly ?? false,
      // An expired token was issued an hour before it expired, as a real one would have been.
      iat: ttl < 0 ? exp - 3600 : exp - ttl,
      exp,
      jti: randomUUID(),
      name: options.name ?? displayNameOf(options.sub),
      email: options.email,
      email_verified: options.email === undefined ? undefined : (options.emailVerified ?? true),
      groups: memberships.length > 0 ? memberships : undefined,
      tenants: profile.tenant.shape === 'string' || tenants.length === 0 ? tenants[0] : tenants,
    });
    return new SignJWT({ ...claims, ...options.claims })
      .setProtectedHeader({ alg: 'RS256', kid, typ: profile.typ })
      .sign(privateKey);
  }

  /** The Lambda environment that accepts this provider's tokens (plain-http JWKS not included). */
  lambdaSettings(): Readonly<Record<string, string>> {
    const tokenUse = this.profile.own?.token_use; // Cognito's: the Lambda requires it
    const settings = {
      identityIssuer: this.issuer,
      identityAudience: this.audience,
      ...this.profile.claimSettings,
      ...(typeof tokenUse === 'string' && { cognitoTokenUse: tokenUse }),
    };
    const entries = Object.entries(settings) as [keyof typeof settings, string][];
    return Object.freeze(
      Object.fromEntries(entries.map(([id, v]) => [FUNCTION_SETTINGS[id].env, v])),
    );
  }

  /** For tests that forge tokens. */
  get signingKey(): { kid: string; privateKey: KeyObject } {
    return this.keys[0] as ReturnType<typeof signingKeyOf>;
  }
}
