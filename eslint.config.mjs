// Lint keeps the architecture honest: the pure core (src/core, src/shared, src/cli) never imports
// `vscode`, and nothing outside webview/ reaches for the DOM through imports of webview code.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', '**/*.cjs', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/shared/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The core is pure: adapt it in src/extension instead.' }],
        patterns: [
          { group: ['**/extension/**', '**/webview/**'], message: 'The core must not depend on an adapter.' },
        ],
      }],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'HTMLElement', 'acquireVsCodeApi'],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The webview cannot use the vscode API; talk to the host through the contract.' }],
        patterns: [{ group: ['**/extension/**', '**/core/engine/**', 'node:*', 'ws'], message: 'The webview is a view: only src/shared and pure helpers.' }],
      }],
    },
  },
);
