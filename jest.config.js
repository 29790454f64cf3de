// Jest runs TypeScript through SWC (decorator metadata on, class names kept: type-graphql
// uses them as GraphQL type names). The database and Redis for the whole run are chosen
// once in global-setup; each test file gets its own database cloned from a migrated template.
const swc = require('./.swcrc.jest.json');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: '<rootDir>/test/setup/environment.ts',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  setupFiles: ['reflect-metadata'],
  testTimeout: 30000,
  maxWorkers: 2,
  // Each test file loads the whole app again in a fresh module registry, and a worker keeps
  // about 25 MB of each (Node 20 keeps each file's vm context). A worker past this size is
  // replaced between files, so none grows towards 1 GB.
  workerIdleMemoryLimit: '512MB',
  // A worker ends when jest says so and nothing holds its event loop (nothing does: a probe on
  // END found only its stdio pipes, and its 'exit' event came within 3 ms). But tearing down a
  // large heap of retained contexts takes time: measured 53 ms for 1 context, 173 ms for 10,
  // 596 ms for 30 (~40 MB each) after the 'exit' event. Jest's default 500 ms grace then
  // force-killed a worker now and then under load and printed "A worker process has failed to
  // exit gracefully". The same happens when a worker replaced for its size as its last file
  // ends gets jest's END while still booting. Give both the time they take.
  workerGracefulExitTimeout: 5000,
};
