import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';

export type BundleReport = Awaited<ReturnType<typeof bundle>>;

/** An ES module bundle for Node 22, as `NodejsFunction` builds one. */
const NODE_ESM = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** Builds `options.outfile`: its bytes, gzipped too, and its ten largest inputs (metafile). */
async function bundle(options: BuildOptions, banner = false) {
  const file = options.outfile as string;
  const { metafile } = await build({ ...options, metafile: true });
  const output = metafile.outputs[path.relative(process.cwd(), file)];
  if (!output) throw new Error(`no metafile output for ${file}`);
  const code = readFileSync(file);
  const topInputs = Object.entries(output.inputs)
    .map(([input, { bytesInOutput }]) => ({
      // `@smithy/core/dist-es/…` for a package's file, `/elsewhere/…` outside the root.
      input: input.replace(/^(\.\.\/)+/, '/').replace(/^.*node_modules\//, ''),
      bytes: bytesInOutput,
    }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 10);
  return { file, bytes: code.byteLength, gzipBytes: gzipSync(code).byteLength, topInputs, banner };
}

/**
 * The SDK-only baseline as `NodejsFunction` builds a plain handler with `{ format: ESM, minify:
 * true, bundleAwsSDK: true }`, plus the `createRequire` banner CDK users add when it is needed.
 */
async function buildBaseline(outfile: string) {
  const entryPoints = [path.join(import.meta.dirname, 'baseline', 'index.ts')];
  const options = { ...NODE_ESM, entryPoints, outfile, minify: true, external: [] };
  const plain = await bundle(options);
  // esbuild's shim for `require` in ESM output throws this at run time without the banner.
  if (!readFileSync(plain.file, 'utf8').includes('Dynamic require of')) return plain;
  const banner =
    "import { createRequire } from 'module';const require = createRequire(import.meta.url);";
  return bundle({ ...options, banner: { js: banner } }, true);
}

/** The app with the stack's own options (`<appRoot>/lib/bundling.ts`), the baseline, the scripts. */
export async function buildAll(appRoot: string, outdir: string) {
  const bundling = (await import(pathToFileURL(path.join(appRoot, 'lib', 'bundling.ts')).href)) as {
    attendeeEsbuildOptions(projectRoot: string, outdir: string): BuildOptions;
  };
  const app = await bundle(bundling.attendeeEsbuildOptions(appRoot, path.join(outdir, 'app')));
  const baseline = await buildBaseline(path.join(outdir, 'baseline', 'index.mjs'));
  await build({
    ...NODE_ESM,
    entryPoints: ['runner', 'services', 'stub-chime'].map((name) =>
      path.join(import.meta.dirname, `${name}.ts`),
    ),
    outdir: path.join(outdir, 'scripts'),
    outExtension: { '.js': '.mjs' },
    packages: 'external', // local code bundled, packages not
  });
  return { app, baseline };
}
