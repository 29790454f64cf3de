// Jest runs TypeScript through SWC (decorator metadata on, class names kept: type-graphql
// uses them as GraphQL type names). The database and Redis for the whole run are chosen
// once in global-setup; each test file gets its own database cloned from a migrated template.
const swc = require('./.swcrc.jest.json');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  setupFiles: ['reflect-metadata'],
  testTimeout: 30000,
  maxWorkers: 2,
  // Each test file loads the whole app again, and a worker's heap grows by about 20 MB a file
  // (measured with --logHeapUsage). A worker past this size is replaced between files. Without it
  // both workers ended the run near 800 MB, with no handle left open, yet took longer than Jest's
  // 500 ms to exit, so Jest force-exited one and said "A worker process has failed to exit gracefully".
  workerIdleMemoryLimit: '512MB',
};
