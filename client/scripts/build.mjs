// `node scripts/build.mjs [outdir]` (default dist): one ESM bundle (esbuild) and declarations
// (tsc), both from the repository root's node_modules.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

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
});

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const declarations = ['--noEmit', 'false', '--declaration', '--emitDeclarationOnly'];
execFileSync(process.execPath, [tsc, '-p', root, ...declarations, '--outDir', outdir], {
  stdio: 'inherit',
});

// Sources import without extensions (Bundler resolution); Node16/NodeNext consumers need `.js`.
for (const file of readdirSync(outdir).filter((name) => name.endsWith('.d.ts'))) {
  const path = join(outdir, file);
  const text = readFileSync(path, 'utf8');
  writeFileSync(path, text.replace(/(from\s+['"]\.{1,2}\/[^'"]+?)(?<!\.js)(['"])/g, '$1.js$2'));
}
