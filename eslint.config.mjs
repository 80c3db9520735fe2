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
  // Arrows point one way (docs/architecture, issue 11): nothing imports a folder above it.
  ...layer('bot/**/*.ts', ['handlers', 'usecases', 'schedulers', 'dashboard', 'app', 'sandbox']),
  ...layer('store/**/*.ts', ['bot', 'handlers', 'usecases', 'cards', 'schedulers', 'dashboard', 'app', 'sandbox']),
  ...layer('cards/**/*.ts', ['bot', 'store', 'handlers', 'usecases', 'schedulers', 'dashboard', 'app', 'sandbox']),
  ...layer('usecases/**/*.ts', ['bot', 'handlers', 'schedulers', 'dashboard', 'app', 'sandbox']),
  ...layer('handlers/**/*.ts', ['schedulers', 'dashboard', 'app', 'sandbox']),
  ...layer('schedulers/**/*.ts', ['handlers', 'dashboard', 'app', 'sandbox']),
  ...layer('dashboard/**/*.ts', ['handlers', 'schedulers', 'app', 'sandbox']),
  ...layer('sandbox/**/*.ts', ['app']),
);

/** Files matching `files` may not import from the given top-level folders. */
function layer(files, banned) {
  return [{
    files: [files],
    ignores: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: banned.flatMap((f) => [`../${f}/*`, `../../${f}/*`, `../${f}`, `../../${f}`]).map((group) => ({
          group: [group], message: 'This import runs up the layers (bot → handlers → usecases → domain; app/sandbox/schedulers call usecases).',
        })),
      }],
    },
  }];
}
