// @ts-check
// ESLint with typescript-eslint's recommended rules, for the k6 side and the Node side alike
// (`npm run lint`; `npm test` runs it first). Formatting is Prettier's job, not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // What git ignores is built or installed, not written here.
  { ignores: ['node_modules/', 'dist/', 'results/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain JavaScript files (build.mjs, scripts/*.mjs, configs) run in Node.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    // bench/bare-echo.js is a k6 script: k6's globals, not Node's.
    files: ['bench/*.js'],
    languageOptions: { globals: { __ENV: 'readonly', open: 'readonly', console: 'readonly' } },
  },
  {
    rules: {
      // `_`-prefixed names are deliberately unused (a callback's leading parameters).
      // A thrown string is how lib/fail.ts stops k6 without a stack; anywhere else it is a slip.
      'no-throw-literal': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
