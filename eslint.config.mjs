// Lint rules. The restricted imports keep the layers apart: the node (main/core)
// never touches Electron, and the renderer never touches Node built-ins.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'worker_threads']

export default tseslint.config(
  // main/**/pb/*.js and .d.ts are generated from the .proto beside them (npm run protos)
  {
    ignores: [
      'node_modules/',
      'dist/',
      'out/',
      'renderer/dist/',
      'test-artifacts/',
      'main/**/pb/*.js',
      'main/**/pb/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['main/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'main/core is plain Node: wire Electron in main/app.' }] },
      ],
    },
  },
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'The renderer talks to the node only through the API client.' },
            ...nodeBuiltins.map((name) => ({ group: [name], message: 'No Node built-ins in the renderer.' })),
          ],
        },
      ],
    },
  },
)
