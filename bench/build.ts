import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile } from 'esbuild';

/** One input of a bundle and the bytes it contributes to the output. */
interface InputSize {
  readonly input: string;
  readonly bytes: number;
}

export interface BundleReport {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** The ten largest inputs, by bytes in the output (esbuild metafile). */
  readonly topInputs: InputSize[];
  /** Whether the build needed the `createRequire` banner. */
  readonly banner: boolean;
}

/** `@smithy/core/dist-es/…` for a package's file, `/elsewhere/…` for a file outside the root. */
const shortName = (input: string) =>
  input.replace(/^(\.\.\/)+/, '/').replace(/^.*node_modules\//, '');

/** An ES module bundle for Node 22, as `NodejsFunction` builds one. */
const NODE_ESM = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  logLevel: 'warning',
} as const satisfies BuildOptions;

const largest = (sizes: Iterable<[string, number]>): InputSize[] =>
  [...sizes]
    .map(([input, bytes]) => ({ input, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 10);

async function bundle(options: BuildOptions, banner = false): Promise<BundleReport> {
  const file = options.outfile as string;
  const { metafile } = (await build({ ...options, metafile: true })) as { metafile: Metafile };
  const code = readFileSync(file);
  const output = Object.entries(metafile.outputs).find(
    ([out]) => path.resolve(out) === path.resolve(file),
  )?.[1];
  if (!output) throw new Error(`no metafile output for ${file}`);
  const inputs = Object.entries(output.inputs).map(
    ([input, { bytesInOutput }]): [string, number] => [input, bytesInOutput],
  );
  return {
    file,
    bytes: code.byteLength,
    gzipBytes: gzipSync(code).byteLength,
    topInputs: largest(inputs.map(([input, bytes]) => [shortName(input), bytes])),
    banner,
  };
}

/**
 * Builds the deployed handler with the stack's own esbuild options, imported from
 * `<appRoot>/lib/bundling.ts` so that the benchmark cannot drift from what is deployed.
 */
export async function buildApp(appRoot: string, outdir: string): Promise<BundleReport> {
  const bundling = (await import(pathToFileURL(path.join(appRoot, 'lib', 'bundling.ts')).href)) as {
    attendeeEsbuildOptions(projectRoot: string, outdir: string): BuildOptions;
  };
  return bundle(bundling.attendeeEsbuildOptions(appRoot, outdir));
}

/**
 * Builds the SDK-only baseline as `NodejsFunction` builds a plain handler with `{ format: ESM,
 * minify: true, bundleAwsSDK: true }` on Node 22 (no main fields, no externals, no names kept),
 * adding the `createRequire` banner CDK users add only when the bundle needs it.
 */
export async function buildBaseline(entry: string, outdir: string): Promise<BundleReport> {
  const outfile = path.join(outdir, 'index.mjs');
  const options = { ...NODE_ESM, entryPoints: [entry], outfile, minify: true, external: [] };
  const plain = await bundle(options);
  // esbuild's shim for `require` in ESM output throws this at run time without the banner.
  if (!readFileSync(plain.file, 'utf8').includes('Dynamic require of')) return plain;
  const banner =
    "import { createRequire } from 'module';const require = createRequire(import.meta.url);";
  return bundle({ ...options, banner: { js: banner } }, true);
}

/** Builds the benchmark's own Node scripts (runners and hosts): local code bundled, packages not. */
export async function buildScripts(entries: readonly string[], outdir: string): Promise<void> {
  await build({
    ...NODE_ESM,
    entryPoints: [...entries],
    outdir,
    outExtension: { '.js': '.mjs' },
    packages: 'external',
  });
}
