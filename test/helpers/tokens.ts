import {
  createHmac,
  createPublicKey,
  createSign,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import type { IdentityProvider } from '../../local/identity/identity-provider';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs an arbitrary header and payload (RS256/RS384 with an RSA key, HS256 with a secret). */
export function forge(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: KeyObject | string | undefined,
): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const alg = header.alg;
  if (alg === 'none' || key === undefined) return `${input}.`;
  if (alg === 'HS256')
    return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
  const hash = alg === 'RS384' ? 'RSA-SHA384' : alg === 'RS512' ? 'RSA-SHA512' : 'RSA-SHA256';
  return `${input}.${createSign(hash)
    .update(input)
    .sign(key as KeyObject, 'base64url')}`;
}

/** Standard valid claims for `idp`, overridable. */
export function claimsFor(idp: IdentityProvider, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: idp.issuer,
    aud: idp.audience,
    sub: 'alice',
    iat: now,
    exp: now + 300,
    ...overrides,
  };
}

/**
 * One token per way a JWT can be invalid; each must give the same 401. Keys are generated now.
 */
export function invalidTokens(idp: IdentityProvider): Record<string, string> {
  const { kid, privateKey } = idp.signingKey;
  const header = { alg: 'RS256', kid, typ: 'JWT' };
  const claims = claimsFor(idp);
  const now = Math.floor(Date.now() / 1000);
  const { privateKey: strangerKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  const valid = forge(header, claims, privateKey);
  const [h, p] = valid.split('.');
  const { exp: _exp, ...withoutExp } = claims;
  return {
    'malformed (not a JWT)': 'not-a-jwt',
    'malformed (two parts)': `${h}.${p}`,
    'malformed (four parts)': `${valid}.x`,
    'header not JSON': `${Buffer.from('{nope').toString('base64url')}.${p}.sig`,
    'bad signature': `${h}.${b64url({ ...claims, sub: 'mallory' })}.${valid.split('.')[2]}`,
    'signed by another key': forge(header, claims, strangerKey),
    'alg none': forge({ alg: 'none', typ: 'JWT' }, claims, undefined),
    'alg none with kid': forge({ alg: 'none', kid }, claims, undefined),
    'HS256 signed with the public key': forge({ alg: 'HS256', kid, typ: 'JWT' }, claims, publicPem),
    'RS384 (not pinned)': forge({ alg: 'RS384', kid, typ: 'JWT' }, claims, privateKey),
    expired: forge(header, claimsFor(idp, { exp: now - 10, iat: now - 400 }), privateKey),
    'exp equal to now': forge(header, claimsFor(idp, { exp: now }), privateKey),
    'nbf in the future': forge(header, claimsFor(idp, { nbf: now + 120 }), privateKey),
    'wrong issuer': forge(header, claimsFor(idp, { iss: 'https://evil.example.com' }), privateKey),
    'issuer with a trailing slash': forge(
      header,
      claimsFor(idp, { iss: `${idp.issuer}/` }),
      privateKey,
    ),
    'wrong audience': forge(header, claimsFor(idp, { aud: 'someone-else' }), privateKey),
    'unknown kid': forge({ ...header, kid: 'unknown-kid' }, claims, privateKey),
    'missing kid': forge({ alg: 'RS256', typ: 'JWT' }, claims, privateKey),
    'missing exp': forge(header, withoutExp, privateKey),
    'non-numeric exp': forge(header, claimsFor(idp, { exp: 'tomorrow' }), privateKey),
  };
}
