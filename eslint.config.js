// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { patchfxRules } from './eslint-rules/no-import-cycle.js';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.tsbuild/**',
      'docs/.doctest/**',
      'docs/api/**',
      'examples/browser/public/**',
      '**/test/fixtures/**',
      'checkpoints/**',
      'results/**',
      'datasets/**',
      'demo-output/**',
      'bench-results/**',
      'test-artifacts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports (STYLE.md §D).' },
        {
          selector: 'TSEnumDeclaration',
          message: 'Use `as const` objects instead of enum (STYLE.md §D).',
        },
        {
          selector:
            "CallExpression[callee.property.name='only'][callee.object.name=/^(test|it|describe)$/]",
          message: 'No focused tests.',
        },
      ],
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/models/src/backend/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@tensorflow/tfjs-node*', '@tensorflow/tfjs-backend-*', '@tensorflow/tfjs'],
              message: 'Library code never imports a backend (STYLE.md rule 0); apps choose it.',
            },
            {
              group: ['**/dist/**', '@patchfx/*/src/**'],
              message: 'Import packages by their public entry points.',
            },
          ],
        },
      ],
    },
  },
  {
    // No program imports another program: shared steps live in the packages, shared program
    // plumbing in @patchfx/example-common.
    files: ['examples/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@patchfx/example-*', '!@patchfx/example-common'],
              message:
                'A program imports no other program: move what it shares into a package, or program plumbing into @patchfx/example-common.',
            },
          ],
        },
      ],
    },
  },
  {
    // Import cycles fail (STYLE.md §J), type-only imports included.
    files: ['packages/*/src/**/*.ts', 'examples/*/src/**/*.ts'],
    plugins: { patchfx: patchfxRules },
    rules: { 'patchfx/no-import-cycle': 'error' },
  },
  {
    files: ['**/*.config.ts', '**/*.config.js', 'vitest.workspace.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
