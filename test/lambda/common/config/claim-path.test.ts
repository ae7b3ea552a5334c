import {
  ClaimPathError,
  formatClaimPath,
  parseClaimPath,
  resolveClaim,
} from '../../../../lambda/common/config/claim-path';

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
    expect(() => parseClaimPath(text)).toThrow(ClaimPathError);
    expect(() => parseClaimPath(text)).toThrow(rule);
  });

  it('writes a path back as it is configured', () => {
    for (const text of ['realm_access.roles', '["https://example.com/roles"]', 'a["b.c"].d']) {
      expect(formatClaimPath(parseClaimPath(text))).toBe(text);
    }
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
