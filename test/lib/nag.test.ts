import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { NO_CORS_WARNING } from '../../lib/attendee-api-stack';
import { nagSuppressions, type Synthesized, type SynthOptions, synth } from './support';

const CONFIGURATIONS: [string, SynthOptions][] = [
  ['the default stack (Cognito)', {}],
  [
    'the stack with an external issuer',
    { context: { identityIssuer: 'https://login.example.com', identityAudience: 'spa-client' } },
  ],
  [
    'the stack in another control region, alarms wired to a topic',
    {
      context: {
        chimeRegion: 'us-west-2',
        reservedConcurrency: '10',
        allowedOrigins: 'https://app.example.com',
        alarmTopicArn: 'arn:aws:sns:us-west-2:123456789012:oncall',
      },
    },
  ],
  ['the stack without the shared cache', { context: { sharedCache: 'false' } }],
];

const CHIME_IAM5 =
  'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:chime:*:<AWS::AccountId>:meeting/*]';
/**
 * The shared cache's: no point-in-time recovery for a cache (DDB3), the dead-letter queue has
 * none of its own (SQS3), and the invalidation function's pinned runtime (L1).
 */
const CACHE = ['AwsSolutions-DDB3', 'AwsSolutions-SQS3', 'AwsSolutions-L1'];
/**
 * The prefetch path's: its dead-letter queue has none of its own (SQS3), its role's Chime grant
 * on the account's meetings (IAM5, as the attendee role's), its function's pinned runtime (L1).
 */
const PREFETCH = ['AwsSolutions-SQS3', CHIME_IAM5, 'AwsSolutions-L1'];

/** Every acknowledgement, and why: adding one means saying so here too. */
const EXPECTED_ACKNOWLEDGEMENTS = {
  cognito: [
    'AwsSolutions-COG2',
    'AwsSolutions-COG8',
    CHIME_IAM5,
    'AwsSolutions-L1',
    ...CACHE,
    ...PREFETCH,
  ],
  cognitoPlus: ['AwsSolutions-COG2', CHIME_IAM5, 'AwsSolutions-L1', ...CACHE, ...PREFETCH],
  external: [CHIME_IAM5, 'AwsSolutions-L1', ...CACHE, ...PREFETCH],
  noSharedCache: ['AwsSolutions-COG2', 'AwsSolutions-COG8', CHIME_IAM5, 'AwsSolutions-L1'],
};

function findings(scope: IConstruct) {
  return new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(scope);
}

describe.each(CONFIGURATIONS)('cdk-nag AwsSolutions on %s', (_name, options) => {
  let synthesized: Synthesized;

  // With unacknowledged findings the synth itself fails, listing them.
  beforeAll(() => {
    synthesized = synth(options);
  });

  it('reports no unacknowledged finding, error or warning', () => {
    const report = findings(synthesized.stack);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.description}`)).toEqual(
      [],
    );
    expect(report.success).toBe(true);
  });

  it('leaves no error annotation, and no warning but the missing-CORS one', () => {
    const annotations = Annotations.fromStack(synthesized.stack);
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    const warnings = annotations
      .findWarning('*', Match.anyValue())
      .map((w) => String(w.entry.data))
      .filter((text) => !text.startsWith(NO_CORS_WARNING));
    expect(warnings).toEqual([]);
  });

  it('gives every acknowledgement a specific reason in the template metadata', () => {
    const suppressions = nagSuppressions(synthesized.template);
    expect(suppressions.length).toBeGreaterThan(0);
    for (const { id, reason } of suppressions) {
      expect(id).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(reason.length).toBeGreaterThanOrEqual(60);
      expect(reason).not.toMatch(/^(todo|tbd|n\/a|none|ok|suppress(ed)?|ignore[d]?|not needed)\b/i);
    }
  });

  it('does not fail the app synth (the plugin bin/app.ts installs passes)', () => {
    expect(() => synthesized.app.synth({ force: true })).not.toThrow();
  });
});

describe('acknowledgements', () => {
  it.each([
    ['with the Cognito pool', {}, EXPECTED_ACKNOWLEDGEMENTS.cognito],
    [
      'with a Plus-tier Cognito pool (threat protection)',
      { context: { cognitoFeaturePlan: 'plus' } },
      EXPECTED_ACKNOWLEDGEMENTS.cognitoPlus,
    ],
    [
      'with an external issuer',
      { context: { identityIssuer: 'https://login.example.com', identityAudience: 'spa-client' } },
      EXPECTED_ACKNOWLEDGEMENTS.external,
    ],
    [
      'without the shared cache',
      { context: { sharedCache: 'false' } },
      EXPECTED_ACKNOWLEDGEMENTS.noSharedCache,
    ],
  ])(
    'are exactly the reviewed ones, %s, each on one resource',
    (_name, options: SynthOptions, expected) => {
      const suppressions = nagSuppressions(synth(options).template);
      expect(suppressions.map((s) => s.id).sort()).toEqual([...expected].sort());
    },
  );
});

describe('the cdk-nag gate', () => {
  it('does find violations: an unacknowledged wildcard grant is reported', () => {
    const stack = new Stack(new App(), 'Probe');
    const role = new Role(stack, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });
    role.addToPolicy(new PolicyStatement({ actions: ['chime:*'], resources: ['*'] }));
    const names = findings(stack).violations.map((v) => v.ruleName);
    expect(names).toEqual(
      expect.arrayContaining([
        'AwsSolutions-IAM5[Action::chime:*]',
        'AwsSolutions-IAM5[Resource::*]',
      ]),
    );
  });
});
