/**
 * `npm run token -- --sub alice [--groups moderators] [--ttl 3600]`: prints a JWT from the local
 * identity provider (only the JWT, on stdout), valid for a running `npm start`.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_PORTS, LOCAL_KEY_DIR } from './dev-stack';
import { IdentityProvider } from './identity-provider';

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    groups: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
  },
});

if (!values.sub) {
  process.stderr.write('usage: npm run token -- --sub <user> [--groups a,b] [--ttl seconds]\n');
  process.exit(2);
}
if (!/^\d+$/.test(values.ttl)) {
  process.stderr.write('--ttl must be a number of seconds\n');
  process.exit(2);
}
// IDP_ISSUER: the issuer as the function sees it, e.g. http://host.docker.internal:3002 for sam local.
const idpPort = process.env.IDP_PORT || String(DEFAULT_PORTS.idp);
const issuer = process.env.IDP_ISSUER || `http://127.0.0.1:${idpPort}`;
const idp = new IdentityProvider({ keyDir: LOCAL_KEY_DIR, issuer });
const token = await idp.mint({
  sub: values.sub,
  ttl: Number(values.ttl),
  ...(values.groups ? { groups: values.groups.split(',').map((g) => g.trim()) } : {}),
});
process.stdout.write(`${token}\n`);
