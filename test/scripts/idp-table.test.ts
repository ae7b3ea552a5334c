import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseClaimPath } from '../../lambda/common/config/claim-path';
import { CONTEXT_SETTING_IDS, FUNCTION_SETTINGS } from '../../lambda/common/config/settings';
import { replacePart } from '../../scripts/generated-part';
import {
  contextArgument,
  deployableProfiles,
  IDP_TABLE_BEGIN,
  IDP_TABLE_END,
  renderIdpTable,
} from '../../scripts/idp-table';

const README = readFileSync(join(process.cwd(), 'README.md'), 'utf8');

describe("the README's identity provider table", () => {
  it('is the one the profiles generate (run `npx tsx scripts/idp-table.ts` after a change)', () => {
    expect(replacePart(README, renderIdpTable())).toBe(README);
  });

  it('sits in the section the deploy instructions link to', () => {
    const section = README.indexOf('\n## Your identity provider\n');
    expect(section).toBeGreaterThan(0);
    expect(README.indexOf(IDP_TABLE_BEGIN)).toBeGreaterThan(section);
    expect(README).toContain('(#your-identity-provider)');
  });

  it('has a row for each of the six providers', () => {
    expect(deployableProfiles().map((profile) => profile.name)).toEqual([
      'cognito',
      'auth0',
      'okta',
      'entra',
      'keycloak',
      'google',
    ]);
    const table = README.slice(README.indexOf(IDP_TABLE_BEGIN), README.indexOf(IDP_TABLE_END));
    for (const profile of deployableProfiles()) {
      expect(table.split(`(\`--idp ${profile.name}\`)`)).toHaveLength(2);
    }
  });

  it('fails loudly when the markers are gone', () => {
    expect(() => replacePart('# no table', renderIdpTable())).toThrow(/markers/);
  });
});

describe.each(deployableProfiles())('the $name context', (profile) => {
  const context = profile.deployContext ?? {};

  it('uses only context keys the stack knows', () => {
    for (const key of Object.keys(context)) {
      expect(CONTEXT_SETTING_IDS).toContain(key);
    }
  });

  it('names, in the function’s claim path syntax, the claims the profile’s tokens carry', () => {
    const claims = ['identityClaim', 'moderatorClaim', 'tenantClaim', 'nameClaim'] as const;
    for (const id of claims) {
      const value = context[id];
      if (value === undefined) continue;
      expect(FUNCTION_SETTINGS[id].validator.parse(value)).toEqual(parseClaimPath(value));
    }
    expect(parseClaimPath(context.identityClaim ?? '')).toEqual(profile.identityClaim);
    expect(parseClaimPath(context.tenantClaim ?? '')).toEqual(profile.tenant.claim);
    expect(parseClaimPath(context.nameClaim ?? '')).toEqual(profile.nameClaim);
    if (profile.moderator) {
      expect(parseClaimPath(context.moderatorClaim ?? '')).toEqual(profile.moderator.claim);
      expect(context.moderatorGroup).toBe(profile.moderator.group);
      expect(FUNCTION_SETTINGS.moderatorGroup.validator.parse(profile.moderator.group)).toBe(
        profile.moderator.group,
      );
    } else {
      expect(context).not.toHaveProperty('moderatorClaim');
    }
  });
});

describe('contextArgument', () => {
  it.each([
    ['identityClaim', 'sub', '-c identityClaim=sub'],
    ['identityAudience', 'api://default', '-c identityAudience=api://default'],
    ['moderatorClaim', '["https://x/roles"]', `-c 'moderatorClaim=["https://x/roles"]'`],
    ['identityAudience', '<app client id>', `-c 'identityAudience=<app client id>'`],
    ['moderatorGroup', "it's", `-c 'moderatorGroup=it'\\''s'`],
  ])('writes %s=%s so a shell passes it as one word: %s', (key, value, expected) => {
    expect(contextArgument(key, value)).toBe(expected);
  });
});
