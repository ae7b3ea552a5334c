import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Synthesizes the app once for the whole suite, as a user does: `cdk synth` through the CLI and
 * `bin/app.ts`, with no context, no AWS credentials and the real (local esbuild) bundling. The
 * infrastructure tests read this template and the bundling and sam-local tests these assets,
 * instead of each synthesizing and bundling again. Workers find it through CHIME_BFF_SYNTH_DIR.
 */
export default function globalSetup(): void {
  const out = mkdtempSync(join(tmpdir(), 'chime-bff-synth-'));
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  const root = process.cwd();
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/aws-cdk/bin/cdk'), 'synth', '--quiet', '-o', out],
    { cwd: root, env, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(`npx cdk synth failed (${result.status}):\n${result.stderr}`);
  }
  // What `cdk synth` printed (the missing-CORS warning), for the tests that read it.
  writeFileSync(join(out, 'synth-output.txt'), `${result.stdout}\n${result.stderr}`);
  process.env.CHIME_BFF_SYNTH_DIR = out;
}
