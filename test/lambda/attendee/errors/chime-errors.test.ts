import { chimeErrorRule } from '../../../../lambda/attendee/errors/chime-errors';

describe('the Chime error table', () => {
  it.each([
    ['NotFoundException', { code: 'not_found' }],
    ['BadRequestException', { code: 'upstream_rejected', alarm: true }],
    ['AccessDeniedException', { code: 'upstream_credentials', alarm: true }],
    ['CredentialsProviderError', { code: 'upstream_credentials', alarm: true, sdk: true }],
    ['ThrottlingException', { code: 'upstream_throttled', retryAfter: 'default' }],
    ['ServiceUnavailableException', { code: 'upstream_unavailable', retryAfter: 'upstream' }],
    ['ServiceFailureException', { code: 'upstream_failure' }],
  ])('maps %s by name', (name, rule) => {
    expect(chimeErrorRule(name)).toEqual(rule);
  });

  it.each(['constructor', '__proto__', 'toString', 'notfoundexception', 'Error'])(
    'knows no rule for %j: only the table’s own entries count',
    (name) => {
      expect(chimeErrorRule(name)).toBeUndefined();
    },
  );
});
