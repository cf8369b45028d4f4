/**
 * One jest run for every kind of test. The global setup provisions and starts what the tests share
 * (a Temporal dev server, a PostgreSQL cluster, the time-skipping server's path); each test file
 * then makes its own database, task queue and workers. Type checking is `npm run typecheck`'s job,
 * so ts-jest only transpiles.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
