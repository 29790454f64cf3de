// ESLint with typescript-eslint; formatting is Prettier's job (eslint-config-prettier turns
// the overlapping rules off).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// One-way layers (issue 9), as editor hints. test/unit/architecture.test.ts is the real
// check (it resolves every import, `require()` and `import()` included); these rules see only
// the import string, so each is spelled per folder depth: from src/services/x/y.ts (two
// folders below src/), `../../server/...` is src/server/. That keeps ESLint from flagging
// anything the test would not (a package such as '@apollo/server' is never matched).
const MAX_DEPTH = 6;
const toSrc = (depth) => `^(\\./)?(\\.\\./){${depth}}`;
function layerRule(layer, patterns) {
  return Array.from({ length: MAX_DEPTH }, (_, i) => i + 1).map((depth) => ({
    files: [`src/${layer}/${'*/'.repeat(depth - 1)}*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: patterns.map(({ regex, message }) => ({
            regex: regex(toSrc(depth)),
            message,
            caseSensitive: true,
          })),
        },
      ],
    },
  }));
}
const layerBoundaries = [
  ...layerRule('services', [
    {
      regex: (src) => `${src}(server|resolvers|schema)(/|$)`,
      message: 'src/services/ must not import from src/server/, src/resolvers/ or src/schema/ (issue 9).',
    },
  ]),
  ...layerRule('domain', [
    {
      regex: (src) => `${src}(?!domain(/|$))`,
      message: 'src/domain/ imports only other src/domain/ files (issue 9).',
    },
    {
      // No packages at all (the allow-list in test/unit/architecture.test.ts is empty).
      regex: () => '^[^.]',
      message: 'src/domain/ is pure: no packages, no I/O (issue 9).',
    },
  ]),
  ...layerRule('entities', [
    {
      regex: (src) => `${src}(services|resolvers|schema|server)(/|$)`,
      message: 'src/entities/ must not import services, resolvers, schema or server (issue 9).',
    },
  ]),
];

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'data', 'coverage', 'test/generated', 'test/shared', 'bench/out'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        fetch: 'readonly',
        URL: 'readonly',
        Headers: 'readonly',
        NodeJS: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unsafe-function-type': 'off',
    },
  },
  ...layerBoundaries,
);
