/** What the local Lambda trusts, read with its own `parseConfig` and JWKS locator. */
import { IdpFetcher } from '../../lambda/attendee/auth/idp-fetcher';
import { createJwksLocator } from '../../lambda/attendee/auth/oidc-discovery';
import { formatClaimPath } from '../../lambda/common/config/claim-path';
import { parseConfig, FUNCTION_SETTINGS as S } from '../../lambda/common/config/settings';

/** Throws the Lambda's own message for a bad setting or a failed discovery. */
export async function summarizeIdentity(env: Readonly<Record<string, string | undefined>>) {
  const config = parseConfig(env);
  const { identityIssuer: issuer, identityJwksUri: jwksUri, cognitoTokenUse } = config;
  const allowHttp = config.allowHttpJwks;
  const fetcher = new IdpFetcher(config.jwksTimeoutMs, allowHttp);
  const locator = createJwksLocator({ issuer, jwksUri, allowHttp, fetcher });
  return {
    issuer,
    audience: config.identityAudience,
    discoveryUrl: locator.discoveryUrl,
    jwksUri: await locator.jwksUri(),
    claims: Object.freeze({
      [S.identityClaim.env]: formatClaimPath(config.identityClaim),
      [S.moderatorClaim.env]: formatClaimPath(config.moderatorClaim),
      [S.moderatorGroup.env]: config.moderatorGroup,
      [S.moderatorScope.env]: config.moderatorScope,
      ...(config.tenantClaim && { [S.tenantClaim.env]: formatClaimPath(config.tenantClaim) }),
      [S.nameClaim.env]: formatClaimPath(config.nameClaim),
      ...(cognitoTokenUse && { [S.cognitoTokenUse.env]: cognitoTokenUse }),
    }),
  };
}

export function formatIdentitySummary(summary: Awaited<ReturnType<typeof summarizeIdentity>>) {
  const rows: [string, string][] = [
    ['Issuer', summary.issuer],
    ['Audience', summary.audience.join(', ')],
    ['Discovery', summary.discoveryUrl ?? '(not used: JWT_JWKS_URI is set)'],
    ['JWKS', `${summary.jwksUri}${summary.discoveryUrl ? '  (discovered)' : '  (JWT_JWKS_URI)'}`],
    ...Object.entries(summary.claims),
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `    ${name.padEnd(width)}  ${value}`).join('\n');
}
