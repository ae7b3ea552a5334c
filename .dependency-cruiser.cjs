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
    {
      name: 'no-cross-function-imports',
      comment:
        'A deployed function imports no module of another function folder: shared code lives ' +
        'in lambda/common/.',
      severity: 'error',
      from: { path: FUNCTION_FOLDER },
      to: { path: FUNCTION_FOLDER, pathNot: '^lambda/$1/' },
    },
    {
      name: 'shared-not-on-functions',
      comment: 'Shared deployed code (lambda/common/) imports no function folder.',
      severity: 'error',
      from: { path: '^lambda/common/' },
      to: { path: FUNCTION_FOLDER },
    },
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
