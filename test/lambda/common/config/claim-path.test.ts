import { formatClaimPath, parseClaimPath } from '../../../../lambda/common/config/claim-path';
import { RuleError } from '../../../../lambda/common/config/validators';

describe('parseClaimPath', () => {
  it.each([
    ['sub', ['sub']],
    ['cognito:groups', ['cognito:groups']],
    ['realm_access.roles', ['realm_access', 'roles']],
    ['resource_access.my-client.roles', ['resource_access', 'my-client', 'roles']],
    ['["https://example.com/roles"]', ['https://example.com/roles']],
    ['resource_access["my.client"].roles', ['resource_access', 'my.client', 'roles']],
    ['["a"]["b"]', ['a', 'b']],
    ['["say \\"hi\\""]', ['say "hi"']],
    ['["urn:zitadel:iam:org:project:roles"]', ['urn:zitadel:iam:org:project:roles']],
  ])('reads %s', (text, path) => {
    expect(parseClaimPath(text)).toEqual(path);
  });

  it.each([
    ['', /may not be empty/],
    ['https://example.com/roles', /in brackets, as in \["https:\/\/example\.com\/roles"\]/],
    ['roles/admin', /in brackets/],
    ['realm_access..roles', /empty name/],
    ['roles.', /empty name/],
    ['.roles', /not a claim path/],
    ['a.["b"]', /empty name/],
    ['["unclosed', /not closed/],
    ['[roles]', /double-quoted/],
    ["['roles']", /double-quoted/],
    ['["roles"', /followed by "\]"/],
    ['[""]', /may not be empty/],
    ['["a"]b', /separated by "\."/],
    ['group name', /separated by "\."/],
    ['grüppe', /not a claim path/],
    [Array.from({ length: 17 }, () => 'a').join('.'), /at most 16/],
  ])('refuses %j, naming the rule', (text, rule) => {
    expect(() => parseClaimPath(text)).toThrow(RuleError);
    expect(() => parseClaimPath(text)).toThrow(rule);
  });

  it('writes a path back as it is configured', () => {
    for (const text of ['realm_access.roles', '["https://example.com/roles"]', 'a["b.c"].d']) {
      expect(formatClaimPath(parseClaimPath(text))).toBe(text);
    }
  });
});
