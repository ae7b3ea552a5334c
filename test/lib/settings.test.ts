import { App } from 'aws-cdk-lib';
import {
  CONTEXT_KEYS,
  deadlineMs,
  readContextSettings,
  resolveSettings,
  SettingsError,
} from '../../lib/settings';

function fromContext(context: Record<string, unknown>) {
  return resolveSettings(readContextSettings(new App({ context }).node));
}

describe('resolveSettings', () => {
  it('applies the documented defaults', () => {
    expect(resolveSettings()).toEqual({
      allowedOrigins: ['http://localhost:5173'],
      chimeRegion: 'us-east-1',
      identity: undefined,
      selfSignUp: false,
      joinTokenPolicy: 'owner',
      identityClaim: undefined,
      ownerSeparator: undefined,
      moderatorClaim: undefined,
      moderatorGroup: undefined,
      memorySize: 512,
      timeoutSeconds: 10,
      reservedConcurrency: 50,
      logLevel: 'INFO',
      logRetentionDays: 30,
      retryAfterSeconds: 1,
      samLocal: false,
      throttleRateLimit: 50,
      throttleBurstLimit: 100,
      alarmTopicArn: undefined,
      alarm5xxRatePercent: 5,
      alarmThrottleCount: 1,
      alarm429Count: 10,
    });
  });

  it('documents every key it reads, with the same default', () => {
    const resolved = resolveSettings() as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(CONTEXT_KEYS)) {
      if (key === 'identityIssuer' || key === 'identityAudience') continue;
      expect([key, resolved[key]]).toEqual([key, key === 'allowedOrigins' ? [value] : value]);
    }
  });

  it('keeps the deadline 2 s under the timeout', () => {
    expect(deadlineMs({ timeoutSeconds: 10 })).toBe(8000);
    expect(deadlineMs({ timeoutSeconds: 5 })).toBe(3000);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a bare wildcard origin', { allowedOrigins: '*' }, /allowedOrigins.*wildcard/],
    [
      'a wildcard subdomain',
      { allowedOrigins: 'https://*.example.com' },
      /allowedOrigins.*wildcard/,
    ],
    [
      'an origin with a path',
      { allowedOrigins: 'https://app.example.com/' },
      /allowedOrigins.*not an origin/,
    ],
    ['the null origin', { allowedOrigins: 'null' }, /allowedOrigins.*not an origin/],
    ['no origin at all', { allowedOrigins: ' , ' }, /allowedOrigins.*at least one/],
    ['an unknown region', { chimeRegion: 'moon-1' }, /chimeRegion/],
    [
      'an issuer without its audience',
      { identityIssuer: 'https://login.example.com' },
      /identityAudience/,
    ],
    ['an audience without its issuer', { identityAudience: 'spa' }, /identityIssuer/],
    [
      'a plain-http issuer',
      { identityIssuer: 'http://login.example.com', identityAudience: 'spa' },
      /https/,
    ],
    ['an unknown policy', { joinTokenPolicy: 'always' }, /joinTokenPolicy/],
    ['a two-character separator', { ownerSeparator: '::' }, /ownerSeparator/],
    ['a non-numeric memory size', { memorySize: 'lots' }, /memorySize.*number/],
    ['a timeout leaving no deadline', { timeoutSeconds: '3' }, /timeoutSeconds.*between 5 and 30/],
    ['a timeout past the API limit', { timeoutSeconds: '31' }, /timeoutSeconds/],
    ['zero reserved concurrency', { reservedConcurrency: '0' }, /reservedConcurrency.*none/],
    ['an unsupported retention', { logRetentionDays: '31' }, /logRetentionDays/],
    ['an unknown log level', { logLevel: 'TRACE' }, /logLevel/],
    ['a topic that is not an ARN', { alarmTopicArn: 'oncall' }, /alarmTopicArn/],
    ['a self sign-up that is not a boolean', { selfSignUp: 'yes' }, /selfSignUp/],
  ])('rejects %s, naming the key', (_name, context, message) => {
    expect(() => fromContext(context)).toThrow(SettingsError);
    expect(() => fromContext(context)).toThrow(message);
  });

  it('reads lists as arrays or comma-separated strings, and numbers as strings', () => {
    const settings = fromContext({
      allowedOrigins: 'https://a.example.com, https://b.example.com:8443',
      identityIssuer: 'https://login.example.com/',
      identityAudience: ['spa', 'mobile'],
      memorySize: '1024',
      reservedConcurrency: 'none',
      selfSignUp: 'true',
      logLevel: 'warn',
    });
    expect(settings.allowedOrigins).toEqual([
      'https://a.example.com',
      'https://b.example.com:8443',
    ]);
    expect(settings.identity).toEqual({
      issuer: 'https://login.example.com',
      audience: ['spa', 'mobile'],
    });
    expect(settings.memorySize).toBe(1024);
    expect(settings.reservedConcurrency).toBeUndefined();
    expect(settings.selfSignUp).toBe(true);
    expect(settings.logLevel).toBe('WARN');
  });
});
