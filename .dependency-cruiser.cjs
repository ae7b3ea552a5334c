/**
 * Layering rules, run by `npm run lint:deps` (part of `npm test`). The layout shows the
 * architecture (STYLE.md, "Shape"): `lambda/` is what is deployed and stands alone; `bin/` and
 * `lib/` build the stack from it; `local/` runs it on a laptop; `bench/`, `scripts/`, `test/` and
 * `examples/` sit on top of all of them.
 *
 * Type-only imports are cruised too (`tsPreCompilationDeps`), so a cycle through `import type`
 * fails like any other.
 */

/** The deployed functions: each folder is bundled into its own Lambda. */
const FUNCTIONS = ['attendee', 'invalidation', 'prefetch'];
const FUNCTION_FOLDER = `^lambda/(${FUNCTIONS.join('|')})/`;

/**
 * EXCEPTION, to be emptied: the imports between function folders that exist today, file by file.
 * `prefetch/` and `invalidation/` still use modules of `attendee/` until that code moves to a
 * shared folder (`lambda/common/`, issue 20). Any import between function folders not listed
 * here fails; when a module moves, delete its lines.
 */
const TODAY_CROSS_FUNCTION_IMPORTS = {
  'lambda/invalidation/index.ts': [
    'lambda/attendee/cache/dynamodb-client.ts',
    'lambda/attendee/cache/shared-cache.ts',
  ],
  'lambda/invalidation/handler.ts': [
    'lambda/attendee/attendee-ids.ts',
    'lambda/attendee/cache/shared-cache.ts',
  ],
  'lambda/prefetch/index.ts': [
    'lambda/attendee/cache/dynamodb-client.ts',
    'lambda/attendee/cache/shared-cache.ts',
    'lambda/attendee/chime-client.ts',
  ],
  'lambda/prefetch/handler.ts': [
    'lambda/attendee/attendee-ids.ts',
    'lambda/attendee/cache/meeting-snapshot.ts',
    'lambda/attendee/cache/shared-cache.ts',
    'lambda/attendee/chime-errors.ts',
  ],
  'lambda/prefetch/pacer.ts': ['lambda/attendee/cache/metrics.ts'],
};

/**
 * EXCEPTION, to be emptied: shared code importing a function's module. Owned elsewhere, pending:
 * the settings redesign's new `lambda/common/config/settings.ts` still takes these from
 * `attendee/`; they should move with it.
 */
const TODAY_SHARED_TO_FUNCTION_IMPORTS = {
  'lambda/common/config/settings.ts': [
    'lambda/attendee/claim-path.ts',
    'lambda/attendee/errors.ts',
  ],
};

const escapeDots = (text) => text.replaceAll('.', '\\.');
const exactly = (file) => `^${escapeDots(file)}$`;
/** Like `exactly`, with the folder under lambda/ captured as `$1` for the rule's `to` side. */
const exactlyInFolder = (file) => {
  const [root, folder, ...rest] = file.split('/');
  return `^${root}/(${folder})/${escapeDots(rest.join('/'))}$`;
};

/** One rule for the files without exceptions, then one per file allowing exactly its list. */
function withExceptions(rule, exceptions) {
  const files = Object.keys(exceptions);
  return [
    { ...rule, from: { ...rule.from, pathNot: files.map(exactly) } },
    ...files.map((file) => ({
      ...rule,
      comment: `${rule.comment} (${file}: only the imports listed in .dependency-cruiser.cjs)`,
      from: { path: exactlyInFolder(file) },
      to: { ...rule.to, pathNot: [rule.to.pathNot ?? [], ...exceptions[file].map(exactly)].flat() },
    })),
  ];
}

/** Files run directly (package.json scripts, child processes, aliases) that import nothing. */
const ENTRY_POINTS_WITHOUT_IMPORTS = ['^scripts/require-node\\.mjs$'];

module.exports = {
  forbidden: [
    {
      name: 'lambda-stands-alone',
      comment:
        'Deployed code (lambda/) imports nothing from the stack, the laptop stand-ins, the tools, ' +
        'the tests, the example or the client package.',
      severity: 'error',
      from: { path: '^lambda/' },
      to: { path: '^(bin|lib|local|bench|scripts|examples|test|client)/' },
    },
    {
      name: 'stack-not-on-tools',
      comment:
        'The CDK app and stack (bin/, lib/) import nothing from local/, bench/, scripts/ or test/.',
      severity: 'error',
      from: { path: '^(bin|lib)/' },
      to: { path: '^(local|bench|scripts|test)/' },
    },
    {
      name: 'local-not-on-tools',
      comment: 'The laptop stand-ins (local/) import nothing from bench/, scripts/ or test/.',
      severity: 'error',
      from: { path: '^local/' },
      to: { path: '^(bench|scripts|test)/' },
    },
    ...withExceptions(
      {
        name: 'no-cross-function-imports',
        comment:
          'A deployed function imports no module of another function folder: shared code lives ' +
          'in a shared folder (lambda/common/).',
        severity: 'error',
        from: { path: FUNCTION_FOLDER },
        to: { path: FUNCTION_FOLDER, pathNot: '^lambda/$1/' },
      },
      TODAY_CROSS_FUNCTION_IMPORTS,
    ),
    ...withExceptions(
      {
        name: 'shared-not-on-functions',
        comment: 'Shared deployed code (lambda/common/) imports no function folder.',
        severity: 'error',
        from: { path: '^lambda/common/' },
        to: { path: FUNCTION_FOLDER },
      },
      TODAY_SHARED_TO_FUNCTION_IMPORTS,
    ),
    {
      name: 'no-dev-dependencies-in-lambda',
      comment:
        'Deployed code imports only packages in "dependencies"; a devDependency is not pinned ' +
        'for production. Type-only imports are erased by the bundler, so they may use @types/*.',
      severity: 'error',
      from: { path: '^lambda/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-undeclared-packages',
      comment: 'Every package imported is declared in package.json.',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'no-unresolvable',
      comment: 'Every import resolves to a file or a package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-circular',
      comment: 'No cycles, type-only imports included: one module, one job, one direction.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment:
        'A module nothing imports and that imports nothing is dead, unless it is run directly.',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: ['\\.d\\.ts$', ...ENTRY_POINTS_WITHOUT_IMPORTS],
      },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(cdk\\.out|\\.local|coverage|bench/dist|client/dist)/' },
    tsPreCompilationDeps: true,
    // client/ is a package of its own whose build uses the root's esbuild and typescript.
    combinedDependencies: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
    progress: { type: 'none' },
  },
};
