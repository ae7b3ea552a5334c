import * as path from 'node:path';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * How the functions are bundled, in one place, so that the stack and a benchmark build exactly
 * the same artefact. `FUNCTION_BUNDLING` feeds `NodejsFunction`; `attendeeEsbuildOptions` is the
 * attendee function's build for esbuild's JavaScript API (what `NodejsFunction` runs on the
 * command line).
 */

/** Paths are relative to the repository root, where `cdk` and `jest` run. */
export const ATTENDEE_ENTRY = path.join('lambda', 'attendee', 'index.ts');
export const ATTENDEE_HANDLER = 'handler';
/** `NodejsFunction` names the ESM output `index.mjs`. */
export const ATTENDEE_OUTFILE = 'index.mjs';

const TARGET = 'node22';
const CREDENTIAL_CHAIN = '@aws-sdk/credential-provider-node';
/** Relative to the project root, where CDK runs esbuild. */
const CREDENTIALS_FROM_ENV = './lib/credentials-from-env.mjs';
/** `node:http` through `require`, not its ESM facade (see the file: ~8 ms of cold start). */
const NODE_HTTP_REQUIRE = './lib/node-http-require.mjs';
/** What the bundle takes from elsewhere than the import says: package or module → file. */
const ALIASES = {
  // Lambda always hands the function its credentials in the environment: the default chain's
  // other providers (SSO, INI, process, web identity, IMDS) and their STS/SSO clients would be a
  // third of the bundle. `npm start -- --aws` runs the source, with the full chain.
  [CREDENTIAL_CHAIN]: CREDENTIALS_FROM_ENV,
  'node:http': NODE_HTTP_REQUIRE,
  http: NODE_HTTP_REQUIRE,
} as const;
/**
 * Prefer the packages' ESM builds (the SDK's `dist-es`): the bundle then has no CommonJS `require`
 * left, so it needs no `createRequire` banner, and it is about a quarter smaller.
 */
const MAIN_FIELDS = ['module', 'main'];

/**
 * Node flags the deployed function runs with (its `NODE_OPTIONS`). AsyncContextFrame (Node 24's
 * default) implements AsyncLocalStorage without promise hooks: the request deadline the retry
 * strategy reads (`withDeadline`) then costs nothing on the other promises of a request (the
 * benchmark measured ~9 % of warm CPU with hooks).
 */
export const ATTENDEE_NODE_OPTIONS = '--experimental-async-context-frame';

/** Every function's `NodejsFunction` bundling: the attendee, invalidation and prefetch ones. */
export const FUNCTION_BUNDLING = Object.freeze({
  format: OutputFormat.ESM,
  target: TARGET,
  mainFields: MAIN_FIELDS,
  minify: true,
  // Off: esbuild's `__name` helper would run for every SDK middleware closure built per request
  // (about 5 % of warm CPU, measured by the benchmark). Our errors set `name` explicitly, SDK
  // errors too, and aws-jwt-verify's are matched by class.
  keepNames: false,
  esbuildArgs: Object.fromEntries(
    Object.entries(ALIASES).map(([from, file]) => [`--alias:${from}`, file]),
  ),
  // Off: a source map doubles the asset and `--enable-source-maps` slows every cold start; the
  // logs carry error names and codes, which is what operators read.
  sourceMap: false,
  // The SDK is bundled, pinned by package-lock.json, rather than the runtime's changing copy.
  bundleAwsSDK: true,
  // Local esbuild only (a devDependency): no Docker.
  forceDockerBundling: false,
} satisfies BundlingOptions);

/**
 * The invalidation function (the `aws.chime` meeting-event rule's target) is built the same way:
 * ESM, node22, the SDK bundled, credentials from the environment only. It needs no
 * `NODE_OPTIONS`: it handles one event per invocation and reads no request deadline.
 */
export const INVALIDATION_ENTRY = path.join('lambda', 'invalidation', 'index.ts');
export const INVALIDATION_HANDLER = 'handler';

/** The prefetch function (the prefetch queue's consumer) is built the same way too. */
export const PREFETCH_ENTRY = path.join('lambda', 'prefetch', 'index.ts');
export const PREFETCH_HANDLER = 'handler';

/**
 * The esbuild options `NodejsFunction` uses for the attendee function ({@link FUNCTION_BUNDLING}).
 *
 * @example
 * await esbuild.build(attendeeEsbuildOptions(process.cwd(), 'dist/attendee'));
 */
export function attendeeEsbuildOptions(projectRoot: string, outdir: string): BuildOptions {
  return {
    entryPoints: [path.resolve(projectRoot, ATTENDEE_ENTRY)],
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
