import { type Acknowledgment, type Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Runs cdk-nag's AWS Solutions rules when the app synthesizes: any finding not acknowledged fails
 * the synth. cdk-nag 3 is a policy-validation plugin rather than an Aspect; it still registers an
 * Aspect that copies every acknowledgement, with its reason, into the template's `cdk_nag` metadata.
 */
export function addNagChecks(app: Stage): AwsSolutionsChecks {
  const checks = new AwsSolutionsChecks(app, {
    verbose: true,
    writeSuppressionsToCloudFormation: true,
  });
  Validations.of(app).addPlugins(checks);
  return checks;
}

/** Every function's runtime acknowledgement: the runtime is pinned with the toolchain. */
export const PINNED_RUNTIME = Object.freeze({
  id: 'AwsSolutions-L1',
  reason:
    'nodejs22.x is pinned with the bundle target (node22) and the Node 22 toolchain that tests ' +
    'the code; runtime, target and toolchain move to Node 24 together.',
});

/**
 * Acknowledges a cdk-nag finding on the CloudFormation resource behind `construct` (its default
 * child), not on the whole subtree, so the acknowledgement covers exactly the flagged resource.
 */
export function acknowledge(construct: IConstruct, acknowledgment: Acknowledgment): void {
  Validations.of(construct.node.defaultChild ?? construct).acknowledge(acknowledgment);
}
