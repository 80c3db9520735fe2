import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', '*.js', 'scripts/**/*.js', 'test/**/*.js', 'store/migrations/**', 'dashboard/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Domain code takes time from an injected Clock; the wall clock lives in app/clock.ts only.
      'no-restricted-syntax': 'off',
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Domain code takes now as a parameter (one clock).' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Domain code takes now as a parameter (one clock).' }],
      'no-restricted-imports': ['error', { patterns: ['../bot/*', '../store/*', '../handlers/*', '../cards/*', '../schedulers/*', '../app/*'] }],
    },
  },
);
