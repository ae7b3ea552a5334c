import {
  decide,
  groupsOf,
  ownsExternalUserId,
  type PolicySettings,
} from '../../../lambda/attendee/join-token-policy';

const settings: PolicySettings = {
  joinToken: 'owner',
  identityClaim: 'sub',
  ownerSeparator: undefined,
  moderatorClaim: 'cognito:groups',
  moderatorGroup: 'moderators',
};
const withSeparator: PolicySettings = { ...settings, ownerSeparator: '#' };
const never: PolicySettings = { ...settings, joinToken: 'never' };

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
      { sub: 'x', email: 'alice@example.com' },
      'alice@example.com',
      { ...settings, identityClaim: 'email' },
      { role: 'owner', includeJoinToken: true },
    ],
    [
      'a configured moderator claim and group are used',
      { sub: 'x', roles: ['host'] },
      'alice',
      { ...settings, moderatorClaim: 'roles', moderatorGroup: 'host' },
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

describe('ownsExternalUserId', () => {
  it('requires the separator right after the whole identity', () => {
    expect(ownsExternalUserId('al', 'alice#1', '#')).toBe(false);
    expect(ownsExternalUserId('alice', 'alice#1', '#')).toBe(true);
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
