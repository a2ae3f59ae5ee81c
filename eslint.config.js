// Code-level lint. Layering between folders is enforced by dependency-cruiser
// (.dependency-cruiser.cjs), which resolves real paths; this file keeps the
// type-aware rules (no floating promises, no `any` escapes).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'coverage/',
      '.tsbuild/',
      'data/',
      'renderer/dist/',
      'docs/',
      'bench/results/',
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
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  {
    // The domain never reaches for time, randomness or I/O directly: those come through ports.
    files: ['domain/**/*.ts'],
    ignores: ['domain/**/*.test.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'Date', message: 'Use the Clock port (domain/shared/clock.port.ts).' },
        { name: 'setTimeout', message: 'The domain has no timers.' },
        { name: 'setInterval', message: 'The domain has no timers.' },
        { name: 'fetch', message: 'The domain does no I/O.' },
        { name: 'crypto', message: 'Use the IdGenerator port.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use a port for randomness.' },
        { object: 'Date', property: 'now', message: 'Use the Clock port.' },
      ],
    },
  },
  {
    // Config files sit outside every tsconfig project: lint them without type information.
    files: [
      '**/*.js',
      '**/*.cjs',
      'vitest.config.ts',
      'vitest.e2e.config.ts',
      'vitest.abuse.config.ts',
      'renderer/vite.config.ts',
    ],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      parserOptions: { projectService: false },
      globals: { module: 'writable', require: 'readonly' },
    },
  },
);
