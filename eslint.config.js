import eslint from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

export default tseslint.config(
  { ignores: ['node_modules/', '.gaffer/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-console': 'error',
    },
  },
  {
    // The dashboard's modules run in the browser, as they are (no build step).
    files: ['src/web/dashboard/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['src/cli/**', 'bench/**', 'test/**', 'src/sandbox/print-banner.ts'],
    rules: { 'no-console': 'off' },
  },
)
