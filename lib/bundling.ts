/** How the functions are built: the stack's functions and the benchmark's build make the same artefact. */
import * as path from 'node:path';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  NodejsFunction,
  type NodejsFunctionProps,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { acknowledge } from './nag';

const entryOf = (name: 'attendee' | 'invalidation' | 'prefetch') =>
  path.join('lambda', name, 'index.ts');
export const ATTENDEE_OUTFILE = 'index.mjs';

const NODE_HTTP_REQUIRE = './lib/node-http-require.mjs';
/** Package or module → the file bundled in its place (each file says why). */
const ALIASES = {
  '@aws-sdk/credential-provider-node': './lib/credentials-from-env.mjs',
  'node:http': NODE_HTTP_REQUIRE,
  http: NODE_HTTP_REQUIRE,
} as const;

/** AsyncContextFrame: AsyncLocalStorage without promise hooks, so the deadline costs other promises nothing. */
export const ATTENDEE_NODE_OPTIONS = '--experimental-async-context-frame';

const FUNCTION_BUNDLING = Object.freeze({
  format: OutputFormat.ESM,
  target: 'node22',
  // The packages' ESM builds: no `createRequire` banner, and a bundle about a quarter smaller.
  mainFields: ['module', 'main'],
  minify: true,
  // esbuild's `__name` helper would run for every SDK middleware closure built per request.
  keepNames: false,
  esbuildArgs: Object.fromEntries(
    Object.entries(ALIASES).map(([from, file]) => [`--alias:${from}`, file]),
  ),
  // A source map doubles the asset and `--enable-source-maps` slows every cold start.
  sourceMap: false,
  bundleAwsSDK: true, // pinned by package-lock.json, not the runtime's changing copy
  forceDockerBundling: false,
} satisfies BundlingOptions);

export interface FunctionProps extends Omit<NodejsFunctionProps, 'entry'> {
  readonly name: Parameters<typeof entryOf>[0];
  /** How Lambda retries a failed asynchronous invocation, and where the event goes then. */
  readonly onAsyncFailure?: Pick<
    FunctionProps,
    'retryAttempts' | 'maxEventAge' | 'deadLetterQueue'
  >;
}

/** One of the three functions: ESM on nodejs22.x, arm64, JSON logs, bundled as above. */
export function nodeFunction(scope: Construct, id: string, props: FunctionProps): NodejsFunction {
  const projectRoot = process.cwd();
  const { name, description, applicationLogLevelV2, environment, onAsyncFailure, ...sizing } =
    props;
  // Keys in this order and only those given: the CDKMetadata resource records them so.
  const fn = new NodejsFunction(scope, id, {
    description,
    entry: path.join(projectRoot, entryOf(name)),
    handler: 'handler',
    projectRoot,
    depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    ...sizing,
    loggingFormat: LoggingFormat.JSON,
    ...(applicationLogLevelV2 && { applicationLogLevelV2 }),
    environment,
    bundling: FUNCTION_BUNDLING,
    ...onAsyncFailure,
  });
  acknowledge(fn, {
    id: 'AwsSolutions-L1',
    reason:
      'nodejs22.x is pinned with the bundle target (node22) and the Node 22 toolchain that tests the code; runtime, target and toolchain move to Node 24 together.',
  });
  return fn;
}

/** The Chime calls a role may make on the account's meetings, and why the wildcards are needed. */
interface ChimeGrant {
  readonly policyName: string;
  readonly sid: string;
  readonly actions: readonly string[];
  readonly reason: string;
}

/**
 * A function's own role: its log group (not AWSLambdaBasicExecutionRole's logs:* on every group),
 * the Chime calls given (inline, so the role never exists without them), and its caller's grants.
 */
export function functionRole(
  scope: Construct,
  id: string,
  { description, logs, chime }: { description: string; logs: LogGroup; chime?: ChimeGrant },
): Role {
  const role = new Role(scope, id, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description,
    ...(chime && {
      inlinePolicies: {
        [chime.policyName]: new PolicyDocument({
          statements: [
            new PolicyStatement({
              sid: chime.sid,
              actions: [...chime.actions],
              // The account's meetings: any ID (created at run time), any region (an ARN may
              // name the media region; the calls still go to the control region).
              resources: [
                Stack.of(scope).formatArn({
                  service: 'chime',
                  region: '*',
                  resource: 'meeting',
                  resourceName: '*',
                  arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
                }),
              ],
            }),
          ],
        }),
      },
    }),
  });
  if (chime) {
    acknowledge(role, {
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:chime:*:<AWS::AccountId>:meeting/*]',
      reason: chime.reason,
    });
  }
  logs.grantWrite(role);
  return role;
}

/** The attendee function's esbuild options, e.g. `esbuild.build(attendeeEsbuildOptions(root, 'dist/a'))`. */
export function attendeeEsbuildOptions(projectRoot: string, outdir: string): BuildOptions {
  return {
    entryPoints: [path.resolve(projectRoot, entryOf('attendee'))],
    outfile: path.resolve(projectRoot, outdir, ATTENDEE_OUTFILE),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: FUNCTION_BUNDLING.target,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    minify: FUNCTION_BUNDLING.minify,
    keepNames: FUNCTION_BUNDLING.keepNames,
    sourcemap: FUNCTION_BUNDLING.sourceMap,
    external: [],
    alias: Object.fromEntries(
      Object.entries(ALIASES).map(([from, file]) => [from, path.resolve(projectRoot, file)]),
    ),
    logLevel: 'warning',
  };
}
