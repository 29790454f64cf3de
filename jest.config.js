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
  // No workerIdleMemoryLimit: jest-worker restarts a worker past the limit when its file ends,
  // and when that is the worker's last file the restart races the end of the run. The new
  // worker never hears it should stop, and the run prints "A worker process has failed to exit
  // gracefully" after force-killing it. A worker keeps ~25 MB per file it ran (Node 20 keeps
  // each file's vm context), so about 30 files each come to under 1 GB, well within the machine.
};
