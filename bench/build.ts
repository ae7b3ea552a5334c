import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile } from 'esbuild';

/** One input of a bundle and the bytes it contributes to the minified output. */
interface InputSize {
  readonly input: string;
  readonly bytes: number;
}

export interface BundleReport {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** The largest inputs, by bytes in the output (esbuild metafile). */
  readonly topInputs: InputSize[];
  /** The same, summed per npm package (`(own code)` for everything outside node_modules). */
  readonly topPackages: InputSize[];
  /** Whether the build needed the `createRequire` banner. */
  readonly banner: boolean;
}

/** The banner CDK users add to an ESM `NodejsFunction` whose bundle still calls `require`. */
export const CREATE_REQUIRE_BANNER =
  "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/**
 * What `NodejsFunction` runs for a plain handler with `{ format: ESM, minify: true,
 * bundleAwsSDK: true }` on Node 22 and nothing else: no main fields, no externals, no names kept.
 */
export function plainNodejsFunctionOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    external: [],
    logLevel: 'warning',
  };
}

const packageOf = (input: string): string => {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match?.[1] ?? '(own code)';
};

function report(outfile: string, metafile: Metafile, banner: boolean, top: number): BundleReport {
  const code = readFileSync(outfile);
  const output = Object.entries(metafile.outputs).find(
    ([file]) => path.resolve(file) === path.resolve(outfile),
  )?.[1];
  if (!output) throw new Error(`no metafile output for ${outfile}`);
  const inputs = Object.entries(output.inputs)
    .map(([input, { bytesInOutput }]) => ({
      input: input.replace(/^(\.\.\/)+/, '/'),
      bytes: bytesInOutput,
    }))
    .sort((a, b) => b.bytes - a.bytes);
  const packages = new Map<string, number>();
  for (const { input, bytes } of inputs) {
    packages.set(packageOf(input), (packages.get(packageOf(input)) ?? 0) + bytes);
  }
  return {
    file: outfile,
    bytes: code.byteLength,
    gzipBytes: gzipSync(code).byteLength,
    topInputs: inputs.slice(0, top).map(({ input, bytes }) => ({
      input: input.replace(/^.*node_modules\//, ''),
      bytes,
    })),
    topPackages: [...packages]
      .map(([input, bytes]) => ({ input, bytes }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, top),
    banner,
  };
}

/**
 * Builds the deployed handler with the stack's own esbuild options, imported from
 * `<appRoot>/lib/bundling.ts` so that the benchmark cannot drift from what is deployed.
 */
export async function buildApp(appRoot: string, outdir: string, top = 10): Promise<BundleReport> {
  const bundling = (await import(pathToFileURL(path.join(appRoot, 'lib', 'bundling.ts')).href)) as {
    attendeeEsbuildOptions(projectRoot: string, outdir: string): BuildOptions;
  };
  const options = bundling.attendeeEsbuildOptions(appRoot, outdir);
  const result = await build({ ...options, metafile: true });
  return report(options.outfile as string, result.metafile, false, top);
}

/**
 * Builds the SDK-only baseline as `NodejsFunction` builds a plain ESM handler, adding the
 * `createRequire` banner only when the bundle needs it (CommonJS code calling `require`).
 */
export async function buildBaseline(
  entry: string,
  outdir: string,
  top = 10,
): Promise<BundleReport> {
  const outfile = path.join(outdir, 'index.mjs');
  const options = plainNodejsFunctionOptions(entry, outfile);
  let result = await build({ ...options, metafile: true });
  // esbuild's shim for `require` in ESM output throws this at run time without the banner.
  const banner = readFileSync(outfile, 'utf8').includes('Dynamic require of');
  if (banner)
    result = await build({ ...options, banner: { js: CREATE_REQUIRE_BANNER }, metafile: true });
  return report(outfile, result.metafile, banner, top);
}

/** Builds the benchmark's own Node scripts (runners and hosts): local code bundled, packages not. */
export async function buildScripts(entries: readonly string[], outdir: string): Promise<void> {
  await build({
    entryPoints: [...entries],
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    logLevel: 'warning',
  });
}
