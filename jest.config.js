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
  // Each test file loads the whole app again in a fresh module registry, and a worker keeps
  // about 25 MB of each (after GC, measured with --logHeapUsage): something process-wide still
  // holds every file's modules (one such holder, prom-client's never-stopped event-loop
  // histogram capturing jest-circus's test context, is avoided in test/support/server.ts). A
  // worker past this size is replaced between files, so none ends the run near 800 MB.
  workerIdleMemoryLimit: '512MB',
};
