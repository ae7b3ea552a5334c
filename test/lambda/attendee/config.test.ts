import { FUNCTION_SETTINGS, parseConfig } from '../../../lambda/common/config/settings';
import { ConfigError } from '../../../lambda/common/config/validators';

const base = {
  CHIME_REGION: 'us-east-1',
  JWT_ISSUER: 'https://issuer.example.com',
  JWT_AUDIENCE: 'client-a, client-b',
};

describe('parseConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const config = parseConfig(base);
    expect(config).toEqual({
      chimeRegion: 'us-east-1',
      chimeEndpoint: undefined,
      chimeMaxAttempts: 3,
      chimeMaxRetryAfterMs: 1000,
      chimeRequestTimeoutMs: 2000,
      chimeConnectionTimeoutMs: 1000,
      deadlineMs: 6000,
      identityIssuer: 'https://issuer.example.com',
      identityAudience: ['client-a', 'client-b'],
      identityJwksUri: undefined,
      jwtAlgorithms: ['RS256'],
      cognitoTokenUse: undefined,
      jwtGraceSeconds: 0,
      jwksTimeoutMs: 1500,
      allowHttpJwks: false,
      joinTokenPolicy: 'owner',
      identityClaim: ['sub'],
      ownerSeparator: undefined,
      moderatorClaim: ['cognito:groups'],
      moderatorGroup: 'moderators',
      moderatorScope: 'global',
      tenantClaim: undefined,
      participantRole: 'on',
      nameClaim: ['name'],
      retryAfterSeconds: 1,
      cacheAttendeeTtlMs: 10000,
      cacheMeetingTtlMs: 10000,
      cacheMaxEntries: 10000,
      cacheTableName: undefined,
      dynamodbEndpoint: undefined,
      dynamodbRequestTimeoutMs: 500,
      cacheSharedTtlMs: 600000,
      cacheHotThreshold: 1,
      cacheHotWindowMs: 10000,
      cacheLeaseMs: 5000,
      cacheLeaseWaitMs: 2000,
      cacheLeasePollMs: 50,
      cacheSnapshotFreshnessMs: 60000,
      tableRegion: 'us-east-1',
      callerBudgetPerMinute: 30,
      metricsNamespace: 'ChimeAttendeeApi',
      logLevel: 'INFO',
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.identityAudience)).toBe(true);
    expect(Object.isFrozen(config.identityClaim)).toBe(true);
    expect(Object.isFrozen(config.jwtAlgorithms)).toBe(true);
  });

  it('recognises a Cognito user pool issuer', () => {
    const config = parseConfig({
      ...base,
      JWT_ISSUER: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbC123',
    });
    expect(config.cognitoTokenUse).toBe('access');
  });

  it.each([
    'https://tenant.auth0.com/',
    'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbC123/',
    'https://login.example.com/realms/app',
  ])('keeps the issuer %s exactly as configured, trailing slash included', (issuer) => {
    expect(parseConfig({ ...base, JWT_ISSUER: issuer }).identityIssuer).toBe(issuer);
  });

  it('checks token_use for another issuer only when JWT_COGNITO_TOKEN_USE is set', () => {
    expect(parseConfig(base).cognitoTokenUse).toBeUndefined();
    expect(parseConfig({ ...base, JWT_COGNITO_TOKEN_USE: 'id' }).cognitoTokenUse).toBe('id');
  });

  it('reads claim paths, nested and bracketed', () => {
    const config = parseConfig({
      ...base,
      IDENTITY_CLAIM: '["https://example.com/uid"]',
      MODERATOR_CLAIM: 'resource_access.my-client.roles',
      MODERATOR_SCOPE: 'tenant',
      TENANT_CLAIM: 'org.id',
    });
    expect(config).toMatchObject({
      identityClaim: ['https://example.com/uid'],
      moderatorClaim: ['resource_access', 'my-client', 'roles'],
      moderatorScope: 'tenant',
      tenantClaim: ['org', 'id'],
    });
  });

  it('has a default for every setting that is neither required nor optional-off', () => {
    const config = parseConfig(base);
    expect(config.chimeMaxAttempts).toBe(FUNCTION_SETTINGS.chimeMaxAttempts.default);
    expect(config.logLevel).toBe(FUNCTION_SETTINGS.logLevel.default);
  });

  it("puts the cache table in the function's own region, not the meetings' control region", () => {
    expect(parseConfig({ ...base, CHIME_REGION: 'eu-west-1' }).tableRegion).toBe('eu-west-1');
    const inStack = parseConfig({ ...base, CHIME_REGION: 'eu-west-1', AWS_REGION: 'ap-south-1' });
    expect(inStack.tableRegion).toBe('ap-south-1');
  });

  it('never lets a lease wait leave no time for a Chime attempt within the deadline', () => {
    const config = parseConfig({
      ...base,
      DEADLINE_MS: '2500',
      CHIME_REQUEST_TIMEOUT_MS: '1000',
      CACHE_LEASE_WAIT_MS: '3000',
    });
    expect(config.cacheLeaseWaitMs).toBe(1500);
  });

  it('names the variable, the value and the rule in one line', () => {
    expect(() => parseConfig({ ...base, CHIME_MAX_ATTEMPTS: 'many' })).toThrow(
      'Invalid configuration: CHIME_MAX_ATTEMPTS "many" must be an integer from 1 to 10',
    );
  });

  it('names both variables, and the value, when a rule between settings is broken', () => {
    expect(() => parseConfig({ ...base, CHIME_REQUEST_TIMEOUT_MS: '7000' })).toThrow(
      'Invalid configuration: CHIME_REQUEST_TIMEOUT_MS "7000" must not exceed DEADLINE_MS',
    );
    expect(() => parseConfig({ ...base, JWT_ISSUER: 'http://issuer.example.com' })).toThrow(
      'Invalid configuration: JWT_ISSUER "http://issuer.example.com" must be https (http needs JWT_ALLOW_HTTP_JWKS)',
    );
    expect(() => parseConfig({ ...base, MODERATOR_SCOPE: 'tenant' })).toThrow(
      'Invalid configuration: TENANT_CLAIM is required when MODERATOR_SCOPE is tenant',
    );
  });

  it('reads every override', () => {
    const config = parseConfig({
      ...base,
      CHIME_ENDPOINT: 'http://127.0.0.1:3001',
      CHIME_MAX_ATTEMPTS: '2',
      CHIME_REQUEST_TIMEOUT_MS: '500',
      DEADLINE_MS: '4000',
      JOIN_TOKEN_POLICY: 'never',
      IDENTITY_CLAIM: 'email',
      OWNER_SEPARATOR: '#',
      MODERATOR_CLAIM: 'roles',
      MODERATOR_GROUP: 'host',
      RETRY_AFTER_SECONDS: '5',
      JWT_ALGORITHMS: 'RS256,ES256',
      JWT_GRACE_SECONDS: '30',
      JWT_JWKS_URI: 'https://issuer.example.com/keys',
      MODERATOR_SCOPE: 'tenant',
      TENANT_CLAIM: 'tenant_id',
      PARTICIPANT_ROLE: 'off',
      NAME_CLAIM: '["https://chime.example.com/name"]',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      chimeEndpoint: 'http://127.0.0.1:3001',
      chimeMaxAttempts: 2,
      chimeRequestTimeoutMs: 500,
    });
    expect(config.deadlineMs).toBe(4000);
    expect(config).toMatchObject({
      joinTokenPolicy: 'never',
      identityClaim: ['email'],
      ownerSeparator: '#',
      moderatorClaim: ['roles'],
      moderatorGroup: 'host',
      moderatorScope: 'tenant',
      tenantClaim: ['tenant_id'],
      participantRole: 'off',
      nameClaim: ['https://chime.example.com/name'],
    });
    expect(config.identityJwksUri).toBe('https://issuer.example.com/keys');
    expect(config.retryAfterSeconds).toBe(5);
    expect(config.jwtAlgorithms).toEqual(['RS256', 'ES256']);
    expect(config.jwtGraceSeconds).toBe(30);
    expect(config.logLevel).toBe('WARN');
  });

  it.each([
    ['CHIME_REGION', { CHIME_REGION: 'mars' }],
    ['CHIME_ENDPOINT', { CHIME_ENDPOINT: 'not a url' }],
    ['JWT_ISSUER', { JWT_ISSUER: undefined }],
    ['JWT_ISSUER', { JWT_ISSUER: 'http://issuer.example.com' }],
    ['JWT_AUDIENCE', { JWT_AUDIENCE: ' , ' }],
    ['JWT_ALGORITHMS', { JWT_ALGORITHMS: 'HS256' }],
    ['JWT_ALGORITHMS', { JWT_ALGORITHMS: 'none' }],
    ['JWT_ALLOW_HTTP_JWKS', { JWT_ALLOW_HTTP_JWKS: 'yes' }],
    ['JWT_ISSUER', { JWT_ISSUER: 'https://issuer.example.com/?tenant=a' }],
    ['JWT_ISSUER', { JWT_ISSUER: 'https://issuer.example.com/#a' }],
    ['JWT_JWKS_URI', { JWT_JWKS_URI: 'http://issuer.example.com/keys' }],
    ['JWT_COGNITO_TOKEN_USE', { JWT_COGNITO_TOKEN_USE: 'refresh' }],
    ['IDENTITY_CLAIM', { IDENTITY_CLAIM: 'https://example.com/uid' }],
    ['MODERATOR_CLAIM', { MODERATOR_CLAIM: 'realm_access..roles' }],
    ['TENANT_CLAIM', { MODERATOR_SCOPE: 'tenant' }],
    ['TENANT_CLAIM', { MODERATOR_SCOPE: 'tenant', TENANT_CLAIM: '["unclosed' }],
    ['MODERATOR_SCOPE', { MODERATOR_SCOPE: 'everyone' }],
    ['CACHE_LEASE_WAIT_MS', { CACHE_LEASE_MS: '1000', CACHE_LEASE_WAIT_MS: '2000' }],
    [
      'CACHE_SNAPSHOT_FRESHNESS_MS',
      { CACHE_SHARED_TTL_MS: '5000', CACHE_SNAPSHOT_FRESHNESS_MS: '9000' },
    ],
    ['CALLER_BUDGET_PER_MINUTE', { CALLER_BUDGET_PER_MINUTE: '0' }],
    ['CACHE_TABLE_NAME', { CACHE_TABLE_NAME: 'a b' }],
    ['JOIN_TOKEN_POLICY', { JOIN_TOKEN_POLICY: 'always' }],
    ['DEADLINE_MS', { DEADLINE_MS: '60000' }],
    ['DEADLINE_MS', { DEADLINE_MS: 'soon' }],
    ['CHIME_REQUEST_TIMEOUT_MS', { CHIME_REQUEST_TIMEOUT_MS: '7000' }],
    ['CHIME_MAX_ATTEMPTS', { CHIME_MAX_ATTEMPTS: '0' }],
    ['OWNER_SEPARATOR', { OWNER_SEPARATOR: '##' }],
    ['RETRY_AFTER_SECONDS', { RETRY_AFTER_SECONDS: '0' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'LOUD' }],
  ])('names %s when it is invalid', (variable, patch) => {
    const attempt = () => parseConfig({ ...base, ...patch });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(expect.objectContaining({ variable }));
  });

  it('allows a plain-http issuer only when JWT_ALLOW_HTTP_JWKS is true', () => {
    const config = parseConfig({
      ...base,
      JWT_ISSUER: 'http://127.0.0.1:3002',
      JWT_ALLOW_HTTP_JWKS: 'true',
    });
    expect(config.identityIssuer).toBe('http://127.0.0.1:3002');
  });
});
