import {
  ATTENDEE_SETTINGS,
  CONTEXT_SETTING_IDS,
  FUNCTION_SETTINGS,
  INVALIDATION_SETTINGS,
  PREFETCH_SETTINGS,
} from '../../lambda/common/config/settings';
import {
  functionEnvironment,
  resolveSettings,
  SettingsError,
  STACK_SETTINGS,
} from '../../lib/settings';

describe('resolveSettings', () => {
  it('applies the contract’s defaults and leaves optional settings unset', () => {
    const settings = resolveSettings({});
    for (const [key, spec] of Object.entries(STACK_SETTINGS)) {
      expect([key, settings[key as keyof typeof settings]]).toEqual([key, spec.default]);
    }
    expect(settings.allowedOrigins).toBeUndefined();
    expect(settings.reservedConcurrency).toBeUndefined();
    expect(settings.cognitoFeaturePlan).toBe('lite');
    expect(settings.chimeMaxAttempts).toBe(FUNCTION_SETTINGS.chimeMaxAttempts.default);
    expect(settings.identityIssuer).toBeUndefined();
  });

  it('reads a context key for every function setting the contract says a key sets', () => {
    const contextSet = Object.entries(FUNCTION_SETTINGS)
      .filter(([, spec]) => spec.set.by === 'context')
      .map(([id]) => id);
    expect(resolveSettings({ chimeMaxAttempts: '7', cachePrefetchMinAdded: '3' })).toMatchObject({
      chimeMaxAttempts: 7,
      cachePrefetchMinAdded: 3,
    });
    for (const id of [
      'chimeMaxAttempts',
      'chimeMaxRetryAfterMs',
      'chimeRequestTimeoutMs',
      'chimeConnectionTimeoutMs',
      'jwtGraceSeconds',
      'jwksTimeoutMs',
      'jwtAlgorithms',
      'cognitoTokenUse',
      'identityJwksUri',
    ]) {
      expect(contextSet).toContain(id);
    }
  });

  it('keeps the deadline 2 s under the timeout', () => {
    expect(resolveSettings({}).deadlineMs).toBe(8000);
    expect(resolveSettings({ timeoutSeconds: 5 }).deadlineMs).toBe(3000);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a bare wildcard origin', { allowedOrigins: '*' }, /allowedOrigins="\*".*wildcard/],
    [
      'a wildcard subdomain',
      { allowedOrigins: 'https://*.example.com' },
      /allowedOrigins.*wildcard/,
    ],
    [
      'an origin with a path',
      { allowedOrigins: 'https://app.example.com/' },
      /allowedOrigins.*origin \(scheme/,
    ],
    ['the null origin', { allowedOrigins: 'null' }, /allowedOrigins="null"/],
    ['an unknown region', { chimeRegion: 'moon-1' }, /chimeRegion="moon-1" must be an AWS Region/],
    [
      'an issuer without its audience',
      { identityIssuer: 'https://login.example.com' },
      /identityIssuer and identityAudience go together/,
    ],
    ['an audience without its issuer', { identityAudience: 'spa' }, /go together/],
    [
      'a plain-http issuer',
      { identityIssuer: 'http://login.example.com', identityAudience: 'spa' },
      /identityIssuer="http:\/\/login.example.com" must be https/,
    ],
    [
      'a plain-http JWKS URI',
      { identityJwksUri: 'http://login.example.com/keys' },
      /identityJwksUri.*https/,
    ],
    ['an unknown policy', { joinTokenPolicy: 'always' }, /joinTokenPolicy="always" must be one of/],
    ['a two-character separator', { ownerSeparator: '::' }, /ownerSeparator="::"/],
    ['a non-numeric memory size', { memorySize: 'lots' }, /memorySize="lots" must be an integer/],
    ['a timeout leaving no deadline', { timeoutSeconds: '3' }, /timeoutSeconds="3".*5 to 30/],
    ['a timeout past the API limit', { timeoutSeconds: '31' }, /timeoutSeconds/],
    ['zero reserved concurrency', { reservedConcurrency: '0' }, /reservedConcurrency="0"/],
    ['an unsupported retention', { logRetentionDays: '31' }, /logRetentionDays="31"/],
    ['an unknown log level', { logLevel: 'TRACE' }, /logLevel="TRACE"/],
    ['a topic that is not an ARN', { alarmTopicArn: 'oncall' }, /alarmTopicArn="oncall"/],
    ['a self sign-up that is not a boolean', { selfSignUp: 'yes' }, /selfSignUp="yes"/],
    ['too many attempts', { chimeMaxAttempts: '11' }, /chimeMaxAttempts="11".*1 to 10/],
    [
      'an attempt longer than the deadline',
      { chimeRequestTimeoutMs: '9000' },
      /chimeRequestTimeoutMs="9000" must not exceed the request deadline \(8000 ms/,
    ],
    [
      'an algorithm the HTTP API authorizer cannot verify',
      { jwtAlgorithms: 'RS256,ES256' },
      /jwtAlgorithms="ES256".*RSA signatures only/,
    ],
    [
      'a lease wait longer than the lease (a rule the function checks too)',
      { cacheLeaseWaitMs: '6000' },
      /cacheLeaseWaitMs="6000" must not exceed cacheLeaseMs/,
    ],
    [
      'a snapshot fresh for longer than the shared records live',
      { cacheSharedTtlMs: '5000', cacheSnapshotFreshnessMs: '9000' },
      /cacheSnapshotFreshnessMs="9000" must not exceed cacheSharedTtlMs/,
    ],
    [
      'tenant-scoped moderators without a tenant claim',
      { moderatorScope: 'tenant' },
      /tenantClaim is required/,
    ],
    ['an unknown Cognito tier', { cognitoFeaturePlan: 'gold' }, /cognitoFeaturePlan="gold"/],
  ])('rejects %s in one line naming the key, the value and the rule', (_name, context, message) => {
    expect(() => resolveSettings(context)).toThrow(SettingsError);
    expect(() => resolveSettings(context)).toThrow(message);
    try {
      resolveSettings(context);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('reads lists as arrays or comma-separated strings, and numbers as strings', () => {
    const settings = resolveSettings({
      allowedOrigins: 'https://a.example.com, https://b.example.com:8443',
      identityIssuer: 'https://tenant.auth0.com/',
      identityAudience: ['spa', 'mobile'],
      memorySize: '1024',
      reservedConcurrency: 25,
      selfSignUp: 'true',
      logLevel: 'warn',
      jwtAlgorithms: ['RS256', 'RS512'],
    });
    expect(settings.allowedOrigins).toEqual([
      'https://a.example.com',
      'https://b.example.com:8443',
    ]);
    expect(settings.identityIssuer).toBe('https://tenant.auth0.com/');
    expect(settings.identityAudience).toEqual(['spa', 'mobile']);
    expect(settings.memorySize).toBe(1024);
    expect(settings.reservedConcurrency).toBe(25);
    expect(settings.selfSignUp).toBe(true);
    expect(settings.logLevel).toBe('WARN');
    expect(settings.jwtAlgorithms).toEqual(['RS256', 'RS512']);
  });
});

describe('context keys', () => {
  it('fail synth when misspelled, naming the nearest known key', () => {
    expect(() => resolveSettings({ allowedOrigin: 'https://app.example.com' })).toThrow(
      'Unknown context key "allowedOrigin": did you mean "allowedOrigins"?',
    );
    expect(() => resolveSettings({ chimeMaxAtempts: 2 })).toThrow(/"chimeMaxAttempts"/);
  });

  it('are every setting’s, besides the CDK’s own', () => {
    const keys = [...CONTEXT_SETTING_IDS, ...Object.keys(STACK_SETTINGS)];
    const context = Object.fromEntries(keys.map((key) => [key, null]));
    expect(() =>
      resolveSettings({
        ...context,
        '@aws-cdk/core:enablePartitionLiterals': true,
        'aws:cdk:bundling-stacks': [],
        'availability-zones:account=123456789012:region=us-east-1': ['a'],
        'acknowledged-issue-numbers': [1],
      }),
    ).not.toThrow();
  });
});

describe('functionEnvironment', () => {
  it('writes each context-set function setting under its own variable, as the function parses it', () => {
    const environment = functionEnvironment(
      resolveSettings({
        chimeMaxAttempts: 2,
        jwtAlgorithms: 'RS256,RS384',
        identityIssuer: 'https://x.auth0.com/',
        identityAudience: 'api',
      }),
      ATTENDEE_SETTINGS,
    );
    expect(environment).toMatchObject({
      CHIME_MAX_ATTEMPTS: '2',
      JWT_ALGORITHMS: 'RS256,RS384',
      JWT_ISSUER: 'https://x.auth0.com/',
      JWT_AUDIENCE: 'api',
      CHIME_REGION: 'us-east-1',
    });
    expect(environment).not.toHaveProperty('CHIME_ENDPOINT');
    expect(environment).not.toHaveProperty('JWT_ALLOW_HTTP_JWKS');
    expect(environment).not.toHaveProperty('OWNER_SEPARATOR');
  });

  it('gives each function the context-set settings of its own set, and only those', () => {
    const settings = resolveSettings({ cachePrefetchMinAdded: 20, cacheSharedTtlMs: 120000 });
    const attendee = functionEnvironment(settings, ATTENDEE_SETTINGS);
    expect(attendee).toMatchObject({ CHIME_REGION: 'us-east-1', CACHE_SHARED_TTL_MS: '120000' });
    expect(attendee).not.toHaveProperty('CACHE_PREFETCH_MIN_ADDED');
    expect(functionEnvironment(settings, INVALIDATION_SETTINGS)).toEqual({
      CACHE_SHARED_TTL_MS: '120000',
    });
    expect(functionEnvironment(settings, PREFETCH_SETTINGS)).toMatchObject({
      CACHE_PREFETCH_MIN_ADDED: '20',
      CACHE_LEASE_MS: '5000',
      DYNAMODB_REQUEST_TIMEOUT_MS: '500',
    });
    expect(functionEnvironment(settings, PREFETCH_SETTINGS)).not.toHaveProperty('LOG_LEVEL');
  });
});
