/**
 * Builds the package: one ESM bundle with esbuild, declarations with the TypeScript compiler,
 * both from the repository root's node_modules. `node scripts/build.mjs [outdir]` (default dist).
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outdir = resolve(process.argv[2] ?? join(root, 'dist'));
rmSync(outdir, { recursive: true, force: true });

await build({
  entryPoints: [join(root, 'src', 'index.ts')],
  outfile: join(outdir, 'index.js'),
  bundle: true,
  format: 'esm',
  // Neutral: no Node built-ins, so the bundle runs in browsers as it does on Node.
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
});

const config = ts.getParsedCommandLineOfConfigFile(
  join(root, 'tsconfig.json'),
  { noEmit: false, declaration: true, emitDeclarationOnly: true, outDir: outdir },
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  },
);
const program = ts.createProgram(config.fileNames, config.options);
const diagnostics = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
if (diagnostics.length > 0) {
  const host = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  };
  process.stderr.write(ts.formatDiagnostics(diagnostics, host));
  process.exit(1);
}

// Sources import without extensions (Bundler resolution); Node16/NodeNext consumers need `.js`.
for (const file of readdirSync(outdir).filter((name) => name.endsWith('.d.ts'))) {
  const path = join(outdir, file);
  const text = readFileSync(path, 'utf8').replace(
    /(from\s+['"])(\.{1,2}\/[^'"]+?)(?<!\.js)(['"])/g,
    '$1$2.js$3',
  );
  writeFileSync(path, text);
}
