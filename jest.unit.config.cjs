// Tier 1: pure, fast specs beside the code (`*.spec.ts`). No network, no database.
const preset = require('./jest.preset.cjs');
module.exports = {
  ...preset,
  rootDir: __dirname,
  roots: ['<rootDir>/libs', '<rootDir>/apps/processor', '<rootDir>/apps/console'],
  testMatch: ['**/src/**/*.spec.ts'],
};
