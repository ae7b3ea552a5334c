/** Jest runs the TypeScript sources through SWC (no TypeScript API needed) as CommonJS.
 * Middy and jose ship ESM only, so they are transformed too. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
        module: { type: 'commonjs' },
      },
    ],
  },
  // Middy's exports map has only an "import" condition.
  moduleNameMapper: { '^@middy/([a-z-]+)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  transformIgnorePatterns: ['/node_modules/(?!(@middy|jose)/)'],
  setupFilesAfterEnv: ['<rootDir>/test/jest.setup.ts'],
  // One `cdk synth` (CLI, real bundling) for the whole suite; see test/global-setup.ts.
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // The default reporter, then the ten slowest files (a single-file run prints no list).
  reporters: ['default', ['<rootDir>/test/helpers/slow-files-reporter.mjs', { count: 10 }]],
  testTimeout: 30000,
  // Most files wait on loopback servers and child processes, not on the CPU: three workers on
  // two cores finish the suite in about half the time of Jest's default (cores − 1 = one).
  maxWorkers: 3,
};
