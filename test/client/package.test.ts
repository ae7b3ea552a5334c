import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * One real build of client/ (its `npm run build` script), installed into a throw-away
 * node_modules: what a consumer of @chime-attendee-bff/client gets.
 */
const CLIENT = join(process.cwd(), 'client');
const manifest = JSON.parse(readFileSync(join(CLIENT, 'package.json'), 'utf8'));
let consumer: string;
let installed: string;
let previous: ts.Program | undefined;

/** Diagnostics of `source` as a NodeNext ES module next to the installed package. */
function typecheck(source: string): string[] {
  const file = join(consumer, 'consumer.mts');
  writeFileSync(file, source);
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
  };
  const program = ts.createProgram([file], options, undefined, previous);
  previous = program;
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

beforeAll(() => {
  consumer = mkdtempSync(join(tmpdir(), 'client-consumer-'));
  installed = join(consumer, 'node_modules', '@chime-attendee-bff', 'client');
  mkdirSync(installed, { recursive: true });
  copyFileSync(join(CLIENT, 'package.json'), join(installed, 'package.json'));
  const build = spawnSync(
    process.execPath,
    [join(CLIENT, 'scripts', 'build.mjs'), join(installed, 'dist')],
    {
      encoding: 'utf8',
    },
  );
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
}, 60_000);
afterAll(() => rmSync(consumer, { recursive: true, force: true }));

describe('the @chime-attendee-bff/client package', () => {
  it('is an ESM package without runtime dependencies, exporting its built files', () => {
    expect(manifest).toMatchObject({
      name: '@chime-attendee-bff/client',
      type: 'module',
      exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
      scripts: { build: expect.stringContaining('scripts/build.mjs') },
    });
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependencies).toBeUndefined();
  });

  it('bundles to one module that imports nothing, so it runs in browsers as on Node', () => {
    const bundle = readFileSync(join(installed, 'dist', 'index.js'), 'utf8');
    expect(bundle).not.toMatch(/^\s*import\s/m);
    expect(bundle).not.toMatch(/\brequire\(|node:/);
    expect(bundle).toMatch(/export\s*\{/);
  });

  it('types a NodeNext consumer, and those types are real (a misuse fails)', () => {
    const use = `
      import { ApiError, createAttendeeApiClient, type JoinInfo } from '@chime-attendee-bff/client';
      const api = createAttendeeApiClient({ baseUrl: 'https://api.example.com', getToken: () => 't' });
      const info: JoinInfo = await api.getJoinInfo({ meetingId: 'm', attendeeId: 'a' });
      const region: string = info.Meeting.MediaRegion;
      const retry = (e: unknown) => e instanceof ApiError && e.isRetryable ? e.retryAfter : undefined;
      export { region, retry };
    `;
    expect(typecheck(use)).toEqual([]);
    const misuse = `${use}\nconst wrong: number = info.Attendee.AttendeeId;\nexport { wrong };`;
    expect(typecheck(misuse)).toEqual([expect.stringMatching(/not assignable to type 'number'/)]);
  });

  it("types the roster resolver's getAttendee as meetingManager.getAttendee takes it", () => {
    // MeetingManager.getAttendee of amazon-chime-sdk-component-library-react
    // (src/providers/MeetingProvider/MeetingManager.ts, docs/MeetingManager.mdx), whose index
    // signature is `any`: `unknown` is the stricter test.
    const use = `
      import { createAttendeeApiClient, createRosterResolver } from '@chime-attendee-bff/client';
      interface AttendeeResponse { name?: string; [attribute: string]: unknown }
      declare const meetingManager: {
        getAttendee?: (chimeAttendeeId: string, externalUserId?: string) => Promise<AttendeeResponse>;
      };
      const client = createAttendeeApiClient({ baseUrl: 'https://api.example.com', getToken: () => 't' });
      const resolver = createRosterResolver({ client, meetingId: 'm', minIntervalMs: 500 });
      meetingManager.getAttendee = resolver.getAttendee;
      const named: string | undefined = (await resolver.getAttendee('a')).name;
      export { named };
    `;
    expect(typecheck(use)).toEqual([]);
  });

  it('runs on Node from the built ESM', () => {
    const script = `
      import { createAttendeeApiClient, ApiError } from '@chime-attendee-bff/client';
      const fetch = async () => new Response('{"message":"Too Many Requests"}', {
        status: 429, headers: { 'content-type': 'application/json' } });
      const api = createAttendeeApiClient({ baseUrl: 'https://api.example.com', getToken: () => 't', fetch });
      const error = await api.getAttendee({
        meetingId: '5b0c6e7a-2d0f-4e0a-9f1c-3a4b5c6d7e8f',
        attendeeId: '0f1e2d3c-4b5a-4968-8776-655443322110',
      }).catch((e) => e);
      console.log(JSON.stringify({ isApiError: error instanceof ApiError, code: error.code }));
    `;
    const file = join(consumer, 'run.mjs');
    writeFileSync(file, script);
    const run = spawnSync(process.execPath, [file], { cwd: consumer, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ isApiError: true, code: 'gateway_throttled' });
  });
});
