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
  // The default reporter, then the ten slowest files (a single-file run prints no list).
  reporters: ['default', ['<rootDir>/test/helpers/slow-files-reporter.mjs', { count: 10 }]],
  testTimeout: 30000,
};
