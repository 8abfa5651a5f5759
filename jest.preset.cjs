// Shared Jest settings: SWC transpiles TypeScript (with decorator metadata for Nest) to CommonJS.
// Nest 12 ships ESM only; Jest loads it through require(esm), which needs --experimental-vm-modules
// (set by tools/dev.ts and the npm scripts).
const path = require('node:path');
const root = __dirname;
module.exports = {
  transform: {
    '^.+\\.tsx?$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2024',
          parser: { syntax: 'typescript', decorators: true, tsx: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, react: { runtime: 'automatic' } },
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: {
    '^@dedup/(contracts|core)$': path.join(root, 'libs/$1/src/index.ts'),
  },
  testEnvironment: 'node',
};
