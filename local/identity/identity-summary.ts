/** What the local Lambda trusts, read with its own `parseConfig` and JWKS locator. */
import { IdpFetcher } from '../../lambda/attendee/auth/idp-fetcher';
import { createJwksLocator } from '../../lambda/attendee/auth/oidc-discovery';
import { parseConfig } from '../../lambda/attendee/config';
import { formatClaimPath } from '../../lambda/common/config/claim-path';
import { FUNCTION_SETTINGS as S } from '../../lambda/common/config/settings';

type IdentitySummary = Awaited<ReturnType<typeof summarizeIdentity>>;

/** Throws the Lambda's own message for a bad setting or a failed discovery. */
export async function summarizeIdentity(env: Readonly<Record<string, string | undefined>>) {
  const { auth, policy } = parseConfig(env);
  const { issuer, jwksUri, allowHttpJwks: allowHttp, cognitoTokenUse } = auth;
  const fetcher = new IdpFetcher(auth.jwksTimeoutMs, allowHttp);
  const locator = createJwksLocator({ issuer, jwksUri, allowHttp, fetcher });
  return {
    issuer,
    audience: auth.audience,
    discoveryUrl: locator.discoveryUrl,
    jwksUri: await locator.jwksUri(),
    claims: Object.freeze({
      [S.identityClaim.env]: formatClaimPath(policy.identityClaim),
      [S.moderatorClaim.env]: formatClaimPath(policy.moderatorClaim),
      [S.moderatorGroup.env]: policy.moderatorGroup,
      [S.moderatorScope.env]: policy.moderatorScope,
      ...(policy.tenantClaim && { [S.tenantClaim.env]: formatClaimPath(policy.tenantClaim) }),
      [S.nameClaim.env]: formatClaimPath(policy.nameClaim),
      ...(cognitoTokenUse && { [S.cognitoTokenUse.env]: cognitoTokenUse }),
    }),
  };
}

export function formatIdentitySummary(summary: IdentitySummary): string {
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
