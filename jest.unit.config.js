// Pure unit tests only (src/domain and friends): no database, no Redis, no global setup.
// `npx jest -c jest.unit.config.js` is the fast loop while working on money and credit math.
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/unit'],
  globalSetup: undefined,
  globalTeardown: undefined,
};
