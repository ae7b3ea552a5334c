import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { ATTENDEE_OUTFILE, attendeeEsbuildOptions } from '../../lib/bundling';
import { attendeeFunctionProps, PROJECT_ROOT, sharedAssembly } from './support';

/**
 * What `cdk deploy` would upload for the functions: the suite's one real bundle (local esbuild,
 * no Docker), made by `cdk synth` in test/global-setup.ts.
 */
describe('the attendee function asset', () => {
  let bundle: string;
  let assetDir: string;
  let rebuilt: { code: string; metafile: Metafile };
  let env: Record<string, string>;
  let invalidationDir: string;

  beforeAll(async () => {
    const assembly = sharedAssembly();
    const { template } = assembly;
    const fn = { Properties: attendeeFunctionProps(template) } as unknown as {
      Properties: { Code: { S3Key: string }; Environment: { Variables: Record<string, unknown> } };
    };
    env = Object.fromEntries(
      Object.entries(fn.Properties.Environment.Variables).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
    assetDir = assembly.assetDirOf('AttendeeFunction');
    bundle = fs.readFileSync(path.join(assetDir, ATTENDEE_OUTFILE), 'utf8');
    invalidationDir = assembly.assetDirOf('CacheInvalidationFunction');

    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'attendee-bundle-'));
    try {
      const result = await build({
        ...attendeeEsbuildOptions(PROJECT_ROOT, outdir),
        metafile: true,
      });
      rebuilt = {
        code: fs.readFileSync(path.join(outdir, ATTENDEE_OUTFILE), 'utf8'),
        metafile: result.metafile,
      };
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('is a single ES module, index.mjs, with nothing beside it', () => {
    expect(fs.readdirSync(assetDir)).toEqual([ATTENDEE_OUTFILE]);
    expect(bundle).toMatch(/\bexport\s*\{[^}]*\bas handler\b[^}]*\}/);
    expect(bundle).not.toMatch(/\bmodule\.exports\b/);
  });

  it('includes the Chime SDK Meetings client instead of relying on the runtime copy', () => {
    // Class names are minified (keepNames off); the operations' wire names stay.
    expect(bundle).toContain('"GetAttendee"');
    expect(bundle).toContain('"GetMeeting"');
    expect(bundle).toContain('ChimeSDKMeetings');
    expect(bundle).not.toMatch(/from\s*"@aws-sdk\//);
  });

  it('starts on Node with the environment the stack gives it, exporting the handler', () => {
    // A JWKS that cannot be reached is tolerated at init (fetched again on the first request).
    const environment = {
      ...env,
      JWT_ISSUER: 'https://127.0.0.1:9/issuer',
      JWT_AUDIENCE: 'spa-client',
    };
    const script = `const m = await import(${JSON.stringify(pathToFileURL(path.join(assetDir, ATTENDEE_OUTFILE)).href)});
      process.stdout.write(typeof m.handler);`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', ...environment },
      encoding: 'utf8',
      timeout: 20000,
    });
    const [warning, handlerType] = output.split('\n');
    expect(JSON.parse(warning ?? '{}')).toMatchObject({
      level: 'WARN',
      message: 'jwks hydration failed',
    });
    expect(handlerType).toBe('function');
  });

  it('loads node:http with require, so starting it never compiles undici (nodejs/node#57649)', () => {
    // The ESM facade of node:http reads its lazy WebSocket getters, which load undici.
    const imports = Object.values(rebuilt.metafile.outputs).flatMap((output) => output.imports);
    expect(imports.map((entry) => entry.path)).not.toContain('node:http');
    expect(imports.map((entry) => entry.path)).not.toContain('http');
    const script = `const m = await import(${JSON.stringify(pathToFileURL(path.join(assetDir, ATTENDEE_OUTFILE)).href)});
      process.stdout.write(JSON.stringify({ handler: typeof m.handler, undici: process.moduleLoadList.filter((name) => name.includes('undici')) }));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        ...env,
        JWT_ISSUER: 'https://127.0.0.1:9/issuer',
        JWT_AUDIENCE: 'spa-client',
      },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(JSON.parse(output.split('\n').at(-1) ?? '{}')).toEqual({
      handler: 'function',
      undici: [],
    });
  });

  it('bundles the invalidation function the same way: one ES module that starts with its table name', () => {
    expect(fs.readdirSync(invalidationDir)).toEqual([ATTENDEE_OUTFILE]);
    const entry = pathToFileURL(path.join(invalidationDir, ATTENDEE_OUTFILE)).href;
    const output = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(entry)}); process.stdout.write(typeof m.handler);`,
      ],
      {
        env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', CACHE_TABLE_NAME: 'cache-table' },
        encoding: 'utf8',
        timeout: 20000,
      },
    );
    expect(output).toBe('function');
  });

  it('is byte for byte what attendeeEsbuildOptions builds, so a benchmark measures the deployed code', () => {
    expect(rebuilt.code).toBe(bundle);
  });

  it('leaves out the default credential chain: Lambda gives credentials in the environment', () => {
    expect(bundle).not.toContain('AWS_WEB_IDENTITY_TOKEN_FILE');
    expect(bundle).not.toContain('credential_process');
    expect(bundle).toContain('AWS_ACCESS_KEY_ID');
  });

  it('carries the settings’ variables and rules, not their descriptions (doc comments)', () => {
    expect(bundle).toContain('CHIME_REQUEST_TIMEOUT_MS');
    expect(bundle).not.toContain('Clock skew tolerated');
  });

  it('imports nothing but Node built-ins, and needs no createRequire banner', () => {
    // The metafile of the identical rebuild lists what the deployed file leaves external.
    const imports = Object.values(rebuilt.metafile.outputs).flatMap((output) => output.imports);
    expect(imports.filter((entry) => !isBuiltin(entry.path))).toEqual([]);
    // esbuild's shim for a CommonJS require left in an ES module, which throws at run time.
    expect(bundle).not.toContain('Dynamic require of');
  });
});
