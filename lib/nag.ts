import { type Acknowledgment, type Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** cdk-nag's AWS Solutions rules: a finding not acknowledged fails synth; acknowledgements go to the template. */
export function addNagChecks(app: Stage): void {
  const checks = new AwsSolutionsChecks(app, {
    verbose: true,
    writeSuppressionsToCloudFormation: true,
  });
  Validations.of(app).addPlugins(checks);
}

/** Acknowledges a finding on the resource behind `construct` only, not its whole subtree. */
export function acknowledge(construct: IConstruct, acknowledgment: Acknowledgment): void {
  Validations.of(construct.node.defaultChild ?? construct).acknowledge(acknowledgment);
}
