import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'dist',
      'dist-cli',
      'test-results',
      'playwright-report',
      'e2e-artifacts',
      'bench-results',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['app/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // src is the framework-free engine: it must never reach into the UI.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['react', 'react-dom', 'zustand', 'recharts', '**/app/**'] },
      ],
    },
  },
  {
    // The rooms of a sweep: analysis (fits, bootstraps, verdicts) and exchange (export, import,
    // PyTorch) are pure data work; only planning and running (src/sweep) touch the GPU. Test
    // files may train (the export tests do).
    files: ['src/analysis/**/*.ts', 'src/exchange/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'react',
            'react-dom',
            'zustand',
            'recharts',
            '**/app/**',
            '**/gpu',
            '**/gpu/**',
            '**/ops/**',
            '**/model/**',
            '**/train/**',
            '**/tune/**',
            '**/sweep/scheduler',
            '**/sweep/session',
          ],
        },
      ],
    },
  },
);
