import {
  admits,
  decide,
  displayNameOf,
  groupsOf,
  needsMeetingTenants,
  owns,
  ROUTE_ROLES,
  resolveClaim,
  type Verdict,
} from '../../../../lambda/attendee/policy/join-token-policy';
import { API_ROUTES, type RouteId } from '../../../../lambda/attendee/routes/api-routes';
import { parseClaimPath } from '../../../../lambda/common/config/claim-path';
import type { PolicySettings } from '../../../../lambda/common/config/settings';

const settings: PolicySettings = {
  joinTokenPolicy: 'owner',
  identityClaim: ['sub'],
  ownerSeparator: undefined,
  moderatorClaim: ['cognito:groups'],
  moderatorGroup: 'moderators',
  moderatorScope: 'global',
  tenantClaim: undefined,
  participantRole: 'on',
  nameClaim: ['name'],
};
const withSeparator: PolicySettings = { ...settings, ownerSeparator: '#' };
const never: PolicySettings = { ...settings, joinTokenPolicy: 'never' };

describe('decide', () => {
  it.each([
    [
      'the owner gets the JoinToken under policy owner',
      { sub: 'alice' },
      'alice',
      settings,
      { role: 'owner', includeJoinToken: true },
    ],
    [
      'the owner gets no JoinToken under policy never',
      { sub: 'alice' },
      'alice',
      never,
      { role: 'owner', includeJoinToken: false },
    ],
    ['a bare prefix does not own', { sub: 'alice' }, 'alice2', settings, { role: 'none' }],
    [
      'a bare prefix does not own even with a separator',
      { sub: 'alice' },
      'alice2#x',
      withSeparator,
      { role: 'none' },
    ],
    [
      'identity + separator + suffix owns when a separator is configured',
      { sub: 'alice' },
      'alice#tab-1',
      withSeparator,
      { role: 'owner', includeJoinToken: true },
    ],
    [
      'identity + separator + empty suffix owns',
      { sub: 'alice' },
      'alice#',
      withSeparator,
      { role: 'owner', includeJoinToken: true },
    ],
    [
      'identity + separator does not own without a configured separator',
      { sub: 'alice' },
      'alice#tab-1',
      settings,
      { role: 'none' },
    ],
    [
      'another separator does not own',
      { sub: 'alice' },
      'alice|tab-1',
      withSeparator,
      { role: 'none' },
    ],
    [
      'the suffix side does not own',
      { sub: 'tab-1' },
      'alice#tab-1',
      withSeparator,
      { role: 'none' },
    ],
    ['ownership is case-sensitive', { sub: 'Alice' }, 'alice', settings, { role: 'none' }],
    ['an empty identity owns nothing', { sub: '' }, '', settings, { role: 'none' }],
    ['a missing identity claim owns nothing', {}, 'alice', settings, { role: 'none' }],
    [
      'a non-string identity claim owns nothing',
      { sub: ['alice'] },
      'alice',
      settings,
      { role: 'none' },
    ],
    [
      'a moderator (JSON array) gets no JoinToken',
      { sub: 'mod', 'cognito:groups': ['moderators'] },
      'alice',
      settings,
      { role: 'moderator', includeJoinToken: false },
    ],
    [
      'a moderator (authorizer "[a b]" form) gets no JoinToken',
      { sub: 'mod', 'cognito:groups': '[staff moderators]' },
      'alice',
      settings,
      { role: 'moderator', includeJoinToken: false },
    ],
    [
      'a group name containing the moderator group is not a moderator',
      { sub: 'x', 'cognito:groups': '[notmoderators]' },
      'alice',
      settings,
      { role: 'none' },
    ],
    [
      'a group list as a substring is not a moderator',
      { sub: 'x', 'cognito:groups': 'moderators-readonly' },
      'alice',
      settings,
      { role: 'none' },
    ],
    [
      'another group is not a moderator',
      { sub: 'x', 'cognito:groups': ['staff'] },
      'alice',
      settings,
      { role: 'none' },
    ],
    [
      'an owner who is also a moderator is treated as the owner',
      { sub: 'alice', 'cognito:groups': ['moderators'] },
      'alice',
      settings,
      { role: 'owner', includeJoinToken: true },
    ],
    [
      'a configured identity claim is used instead of sub',
      { sub: 'x', email: 'alice@example.com', email_verified: true },
      'alice@example.com',
      { ...settings, identityClaim: ['email'] },
      { role: 'owner', includeJoinToken: true },
    ],
    [
      'a configured moderator claim and group are used',
      { sub: 'x', roles: ['host'] },
      'alice',
      { ...settings, moderatorClaim: ['roles'], moderatorGroup: 'host' },
      { role: 'moderator', includeJoinToken: false },
    ],
    [
      'a missing ExternalUserId is owned by nobody',
      { sub: 'alice' },
      undefined,
      settings,
      { role: 'none' },
    ],
  ] as const)('%s', (_name, claims, externalUserId, policy, expected) => {
    expect(decide(claims, externalUserId, policy)).toEqual(expected);
  });
});

describe('owns', () => {
  it('requires the separator right after the whole identity', () => {
    const settings = { identityClaim: ['sub'], ownerSeparator: '#' };
    expect(owns({ sub: 'al' }, 'alice#1', settings)).toBe(false);
    expect(owns({ sub: 'alice' }, 'alice#1', settings)).toBe(true);
  });
});

describe('groupsOf', () => {
  it.each([
    [
      ['a', 'b'],
      ['a', 'b'],
    ],
    ['[a b]', ['a', 'b']],
    ['[a   b]', ['a', 'b']],
    ['["a","b"]', ['a', 'b']],
    ['[]', []],
    ['a', ['a']],
    ['', []],
    [42, []],
    [undefined, []],
    [['a', 1, null], ['a']],
  ])('reads %j as %j', (claim, groups) => {
    expect(groupsOf(claim)).toEqual(groups);
  });
});

const OWNER = { role: 'owner', includeJoinToken: true };
const MODERATOR = { role: 'moderator', includeJoinToken: false };
const NONE = { role: 'none' };
const PARTICIPANT = { role: 'participant', includeJoinToken: false };

describe('the email rule', () => {
  const byEmail: PolicySettings = { ...settings, identityClaim: ['email'] };
  it.each([
    ['a verified address owns', { email_verified: true }, OWNER],
    ['an unverified address owns nothing', { email_verified: false }, NONE],
    ['an address without email_verified owns nothing', {}, NONE],
    ['the string "true" is not a verified flag', { email_verified: 'true' }, NONE],
    ['1 is not a verified flag', { email_verified: 1 }, NONE],
    ['a nested email_verified does not count', { profile: { email_verified: true } }, NONE],
  ])('%s', (_name, extra, expected) => {
    const claims = { sub: 'mallory', email: 'alice@example.com', ...extra };
    expect(decide(claims, 'alice@example.com', byEmail)).toEqual(expected);
  });

  it('applies to the email claim only, not to another identity claim', () => {
    const byUsername: PolicySettings = { ...settings, identityClaim: ['preferred_username'] };
    expect(decide({ preferred_username: 'alice' }, 'alice', byUsername)).toEqual(OWNER);
  });

  it.each([
    ['a number', 42],
    ['an array', ['alice']],
    ['an object', { value: 'alice' }],
    ['an empty string', ''],
    ['null', null],
  ])('lets an identity that is %s own nothing', (_name, identity) => {
    expect(decide({ uid: identity }, 'alice', { ...settings, identityClaim: ['uid'] })).toEqual(
      NONE,
    );
    expect(decide({ uid: identity }, '', { ...settings, identityClaim: ['uid'] })).toEqual(NONE);
  });
});

describe('claim paths in the policy', () => {
  it('reads a nested identity claim', () => {
    const nested = { ...settings, identityClaim: parseClaimPath('user.id') };
    expect(decide({ user: { id: 'alice' } }, 'alice', nested)).toEqual(OWNER);
    expect(decide({ 'user.id': 'alice' }, 'alice', nested)).toEqual(NONE);
  });

  it.each([
    ['Keycloak realm roles', 'realm_access.roles', { realm_access: { roles: ['moderators'] } }],
    [
      'Keycloak client roles',
      'resource_access.my-client.roles',
      { resource_access: { 'my-client': { roles: ['offline', 'moderators'] } } },
    ],
    [
      "Auth0's namespaced claim",
      '["https://example.com/roles"]',
      { 'https://example.com/roles': ['moderators'] },
    ],
    ['Entra/Okta groups', 'groups', { groups: ['moderators'] }],
    ['a single string', 'role', { role: 'moderators' }],
    ['a space-separated scope', 'scope', { scope: 'openid moderators profile' }],
    ["Entra's scp string", 'scp', { scp: 'read moderators' }],
    ["Okta's scp array", 'scp', { scp: ['read', 'moderators'] }],
    ['the authorizer\'s "[a b]" form', 'groups', { groups: '[staff moderators]' }],
  ])('recognises a moderator in %s (%s)', (_name, path, claims) => {
    const policy = { ...settings, moderatorClaim: parseClaimPath(path) };
    expect(decide({ sub: 'maria', ...claims }, 'alice', policy)).toEqual(MODERATOR);
  });

  it.each([
    ['a space-separated string outside scope claims', 'groups', { groups: 'staff moderators' }],
    ['a scope that only contains the group name', 'scope', { scope: 'openid moderators:read' }],
    ['the prototype', 'constructor', {}],
    ['an array length', 'groups.length', { groups: ['moderators'] }],
    ['a nested scope claim (not a scope string)', 'x.scope', { x: { scope: 'a moderators' } }],
  ])('finds no moderator in %s', (_name, path, claims) => {
    const policy = { ...settings, moderatorClaim: parseClaimPath(path) };
    expect(decide({ sub: 'eve', ...claims }, 'alice', policy)).toEqual(NONE);
  });
});

describe('tenant-scoped moderators', () => {
  const scoped: PolicySettings = {
    ...settings,
    moderatorScope: 'tenant',
    tenantClaim: parseClaimPath('org.tenants'),
  };
  const moderator = (tenants: unknown) => ({
    sub: 'maria',
    'cognito:groups': ['moderators'],
    org: { tenants },
  });

  it('leaves a moderator with a tenant unverified until the meeting is known', () => {
    const verdict = decide(moderator(['tenant-a']), 'alice', scoped);
    expect(verdict).toEqual({ role: 'unverified-moderator' });
    expect(needsMeetingTenants('attendee', verdict)).toBe(true);
    expect(needsMeetingTenants('joinInfo', verdict)).toBe(false);
    expect(admits('attendee', verdict)).toBe(false);
  });

  it.each([
    ['one of its tenants is the meeting’s', ['tenant-b', 'tenant-a'], ['tenant-a'], MODERATOR],
    ['its single-string tenant is the meeting’s', 'tenant-a', ['tenant-x', 'tenant-a'], MODERATOR],
    ['none of its tenants is the meeting’s', ['tenant-b'], ['tenant-a'], NONE],
    ['the meeting has no tenants', ['tenant-a'], [], NONE],
    ['tenants differ in case', ['Tenant-A'], ['tenant-a'], NONE],
  ])('admits a moderator when %s', (_name, tenants, meetingTenants, expected) => {
    expect(decide(moderator(tenants), 'alice', scoped, meetingTenants)).toEqual(expected);
  });

  it.each([
    ['no tenant claim', undefined],
    ['an empty tenant', ''],
    ['an empty list', []],
    ['a number', 7],
    ['a list of non-strings', [1, null]],
  ])('denies a moderator with %s without needing the meeting', (_name, tenants) => {
    const verdict = decide(moderator(tenants), 'alice', scoped);
    expect(verdict).toEqual(NONE);
    expect(needsMeetingTenants('attendee', verdict)).toBe(false);
  });

  it('leaves owners unaffected: no meeting needed', () => {
    const verdict = decide({ sub: 'alice' }, 'alice', scoped);
    expect(verdict).toEqual(OWNER);
    expect(needsMeetingTenants('attendee', verdict)).toBe(false);
  });

  it('leaves global moderators global', () => {
    expect(decide(moderator(['tenant-b']), 'alice', settings, ['tenant-a'])).toEqual(MODERATOR);
  });
});

describe('the roles each route admits', () => {
  it('has a line for every route of the route table', () => {
    expect(Object.keys(ROUTE_ROLES).sort()).toEqual(Object.keys(API_ROUTES).sort());
  });

  it.each([
    ['attendee', OWNER, true],
    ['attendee', MODERATOR, true],
    ['attendee', NONE, false],
    ['attendee', { role: 'unverified-moderator' }, false],
    ['joinInfo', OWNER, true],
    ['joinInfo', { role: 'owner', includeJoinToken: false }, true],
    ['joinInfo', MODERATOR, false],
    ['joinInfo', NONE, false],
    ['attendee', PARTICIPANT, true],
    ['joinInfo', PARTICIPANT, false],
    ['roster', PARTICIPANT, true],
    ['roster', MODERATOR, true],
    ['roster', OWNER, false],
    ['roster', NONE, false],
    ['roster', { role: 'unverified-moderator' }, false],
  ] as const)('on %s, admits %j: %s', (routeId, verdict, admitted) => {
    expect(admits(routeId as RouteId, verdict as Verdict)).toBe(admitted);
  });
});

describe('participants', () => {
  const tenantScoped: PolicySettings = {
    ...settings,
    moderatorScope: 'tenant',
    tenantClaim: ['tenants'],
  };

  it.each([
    [
      'a member who does not own the attendee is a participant',
      { sub: 'bob' },
      settings,
      true,
      PARTICIPANT,
    ],
    ['a stranger (no attendee of the meeting) is nobody', { sub: 'bob' }, settings, false, NONE],
    [
      'with the role off, a member is nobody',
      { sub: 'bob' },
      { ...settings, participantRole: 'off' },
      true,
      NONE,
    ],
    [
      'with the role off, a member who moderates is a moderator',
      { sub: 'bob', 'cognito:groups': ['moderators'] },
      { ...settings, participantRole: 'off' },
      true,
      MODERATOR,
    ],
    ['the owner stays the owner, token included', { sub: 'alice' }, settings, true, OWNER],
    [
      'a member needs no tenant check',
      { sub: 'bob', 'cognito:groups': ['moderators'], tenants: ['t1'] },
      tenantScoped,
      true,
      PARTICIPANT,
    ],
    [
      'a non-member moderator under tenant scope is still to be checked',
      { sub: 'bob', 'cognito:groups': ['moderators'], tenants: ['t1'] },
      tenantScoped,
      false,
      { role: 'unverified-moderator' },
    ],
  ] as const)('%s', (_name, claims, policy, member, expected) => {
    expect(decide(claims, 'alice', policy as PolicySettings, undefined, member)).toEqual(expected);
  });

  it('a tenant-scoped moderator of another tenant who is a member still reads as a participant', () => {
    const claims = { sub: 'bob', 'cognito:groups': ['moderators'], tenants: ['t2'] };
    expect(decide(claims, 'alice', tenantScoped, ['t1'], true)).toEqual(PARTICIPANT);
    expect(decide(claims, 'alice', tenantScoped, ['t1'], false)).toEqual(NONE);
  });

  it('owns follows the identity rules (email needs email_verified true)', () => {
    const byEmail = { ...settings, identityClaim: ['email'] };
    expect(owns({ email: 'a@example.com', email_verified: true }, 'a@example.com', byEmail)).toBe(
      true,
    );
    expect(owns({ email: 'a@example.com' }, 'a@example.com', byEmail)).toBe(false);
    expect(owns({ sub: 'alice' }, 'alice#tab', withSeparator)).toBe(true);
    expect(owns({ sub: 'alice' }, undefined, settings)).toBe(false);
  });
});

describe('displayNameOf', () => {
  it.each([
    ['the name claim, trimmed', { name: '  Ada Lovelace ' }, ['name'], 'Ada Lovelace'],
    ['a configured (namespaced) claim', { 'https://x/name': 'Ada' }, ['https://x/name'], 'Ada'],
    ['control characters removed', { name: 'Ada\u0000\n Lovelace' }, ['name'], 'Ada Lovelace'],
    ['no name claim', { sub: 'ada' }, ['name'], undefined],
    ['a name that is not a string', { name: ['Ada'] }, ['name'], undefined],
    ['an empty name', { name: ' \t ' }, ['name'], undefined],
  ] as const)('%s', (_name, claims, nameClaim, expected) => {
    expect(displayNameOf(claims, { nameClaim: [...nameClaim] })).toBe(expected);
  });

  it('cuts a long name to 128 code points, never inside a surrogate pair', () => {
    const name = displayNameOf({ name: '😀'.repeat(200) }, { nameClaim: ['name'] });
    expect([...(name ?? '')]).toHaveLength(128);
    expect(name).toBe('😀'.repeat(128));
  });
});

describe('resolveClaim', () => {
  const claims = JSON.parse(
    JSON.stringify({
      sub: 'alice',
      realm_access: { roles: ['moderators'] },
      'https://example.com/roles': ['host'],
      resource_access: { 'my.client': { roles: ['a'] } },
      groups: ['moderators'],
      nested: { deeper: { value: 7 } },
      nothing: null,
    }),
  ) as Record<string, unknown>;
  const at = (text: string, from: unknown = claims) => resolveClaim(from, parseClaimPath(text));

  it('resolves top-level, nested and bracketed claims', () => {
    expect(at('sub')).toBe('alice');
    expect(at('realm_access.roles')).toEqual(['moderators']);
    expect(at('["https://example.com/roles"]')).toEqual(['host']);
    expect(at('resource_access["my.client"].roles')).toEqual(['a']);
    expect(at('nested.deeper.value')).toBe(7);
  });

  it('does not read a dotted name as a path, or a path as a dotted name', () => {
    expect(at('resource_access.my.client.roles')).toBeUndefined();
    expect(resolveClaim({ 'a.b': 1 }, ['a', 'b'])).toBeUndefined();
  });

  it.each([
    'constructor',
    '__proto__',
    'toString',
    'hasOwnProperty',
    'sub.length',
    'realm_access.constructor',
    'realm_access.__proto__',
    'sub.constructor.name',
  ])('never resolves %s through the prototype', (text) => {
    expect(at(text)).toBeUndefined();
  });

  it('resolves a claim named like a prototype member only when it is an own property', () => {
    const own = JSON.parse('{"__proto__": "own", "constructor": "also own"}');
    expect(resolveClaim(own, ['__proto__'])).toBe('own');
    expect(resolveClaim(own, ['constructor'])).toBe('also own');
  });

  it('does not walk into arrays', () => {
    expect(at('groups.0')).toBeUndefined();
    expect(at('groups.length')).toBeUndefined();
    expect(at('realm_access.roles.0')).toBeUndefined();
  });

  it('does not call getters', () => {
    let called = false;
    const tricky = Object.defineProperty({}, 'roles', {
      enumerable: true,
      get: () => {
        called = true;
        return ['moderators'];
      },
    });
    expect(resolveClaim(tricky, ['roles'])).toBeUndefined();
    expect(called).toBe(false);
  });

  it.each([
    ['a string', 'sub.x'],
    ['a number', 'nested.deeper.value.x'],
    ['null', 'nothing.x'],
    ['a missing claim', 'missing.x'],
  ])('answers undefined below %s', (_name, text) => {
    expect(at(text)).toBeUndefined();
  });

  it.each([null, undefined, 'text', 42, ['sub']])('answers undefined for claims %j', (value) => {
    expect(resolveClaim(value, ['sub'])).toBeUndefined();
  });
});
