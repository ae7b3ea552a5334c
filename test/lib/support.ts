import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttendeeApiStack } from '../../lib/attendee-api-stack';
import { addNagChecks } from '../../lib/nag';

export const PROJECT_ROOT = process.cwd();

/** The feature flags cdk.json gives `cdk synth`, so tests see the same template. */
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = JSON.parse(
  fs.readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8'),
).context;

export interface SynthOptions {
  /** Context as `-c key=value` (strings) or cdk.json (JSON values) would give it. */
  readonly context?: Readonly<Record<string, unknown>>;
}

export interface Synthesized {
  readonly app: App;
  readonly stack: AttendeeApiStack;
  readonly template: Template;
}

const synthesized = new Map<string, Synthesized>();

/**
 * Composes the app as `bin/app.ts` does (context, stack, cdk-nag) and synthesizes it, once per
 * set of options in a test file: the tests only read what it made.
 */
export function synth(options: SynthOptions = {}): Synthesized {
  const key = JSON.stringify(options);
  const known = synthesized.get(key);
  if (known) return known;
  const app = new App({
    context: {
      ...CDK_JSON_CONTEXT,
      // The suite's one real bundle is test/global-setup.ts's `cdk synth`.
      'aws:cdk:bundling-stacks': [],
      ...options.context,
    },
  });
  const stack = new AttendeeApiStack(app, 'ChimeAttendeeApi');
  addNagChecks(app);
  const made = { app, stack, template: Template.fromStack(stack) };
  synthesized.set(key, made);
  return made;
}

/** The logical id of the only resource of `type`. */
export function logicalId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0] as string;
}

type Json = Record<string, unknown>;

/** The logical id of the attendee function (the stack also has the invalidation function). */
export function attendeeFunctionId(template: Template): string {
  const ids = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) =>
    id.startsWith('AttendeeFunction'),
  );
  if (ids.length !== 1) throw new Error(`expected one attendee function, found ${ids.length}`);
  return ids[0] as string;
}

/** The attendee function's properties. */
export function attendeeFunctionProps(template: Template): Json {
  const resource = template.toJSON().Resources[attendeeFunctionId(template)] as {
    Properties: Json;
  };
  return resource.Properties;
}

/** Every Action of every IAM policy statement in the template (roles' inline ones included). */
export function iamActions(template: Template): string[] {
  const documents: Json[] = [];
  for (const resource of Object.values(template.toJSON().Resources as Record<string, Json>)) {
    const props = (resource.Properties ?? {}) as Json;
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push(props.PolicyDocument as Json);
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of (props.Policies ?? []) as Json[])
        documents.push(policy.PolicyDocument as Json);
    }
  }
  return documents.flatMap((document) =>
    (document.Statement as Json[]).flatMap(
      (statement) => [statement.Action ?? []].flat() as string[],
    ),
  );
}

/** The `cdk_nag` acknowledgements written into resource metadata, by logical id. */
export function nagSuppressions(
  template: Template,
): { resource: string; id: string; reason: string }[] {
  return Object.entries(template.toJSON().Resources as Record<string, Json>).flatMap(
    ([resource, r]) => {
      const metadata = (r.Metadata ?? {}) as {
        cdk_nag?: { rules_to_suppress: { id: string; reason: string }[] };
      };
      return (metadata.cdk_nag?.rules_to_suppress ?? []).map((rule) => ({ resource, ...rule }));
    },
  );
}

/** The suite's one `cdk synth` (test/global-setup.ts): the default app as a user deploys it. */
export interface SharedAssembly {
  /** The cloud assembly directory (`cdk.out`), assets included. */
  readonly dir: string;
  readonly template: Template;
  /** What the CLI printed (warnings). */
  readonly output: string;
  /** The asset directory of a function's code, by the function's logical id prefix. */
  assetDirOf(logicalIdPrefix: string): string;
}

/** Reads the assembly the global setup synthesized (once per suite). */
export function sharedAssembly(): SharedAssembly {
  const dir = process.env.CHIME_BFF_SYNTH_DIR;
  if (!dir) throw new Error('CHIME_BFF_SYNTH_DIR is unset: run the tests through jest.config.js');
  const json = JSON.parse(
    fs.readFileSync(path.join(dir, 'ChimeAttendeeApi.template.json'), 'utf8'),
  );
  const template = Template.fromJSON(json);
  return {
    dir,
    template,
    output: fs.readFileSync(path.join(dir, 'synth-output.txt'), 'utf8'),
    assetDirOf: (prefix) => {
      const entry = Object.entries(json.Resources as Record<string, Json>).find(
        ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix),
      );
      const code = (entry?.[1].Properties as { Code?: { S3Key?: string } } | undefined)?.Code;
      if (!code?.S3Key) throw new Error(`no function ${prefix}* with an asset in the template`);
      return path.join(dir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
    },
  };
}
