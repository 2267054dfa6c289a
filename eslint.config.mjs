// ESLint flat config (issue 16): typescript-eslint's recommended rules for every TypeScript file,
// a few type-checked rules where they are cheap and catch real bugs (promises the code forgets),
// and the layer rule of docs/ARCHITECTURE.md invariant 9 as `no-restricted-imports`.
// Formatting is Prettier's (`.prettierrc.json`); eslint-config-prettier is not needed because
// typescript-eslint's recommended sets contain no formatting rules.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Import patterns a layer may not use (invariant 9), as `no-restricted-imports` patterns. */
const VSCODE = { name: 'vscode', message: 'Layer rule (docs/ARCHITECTURE.md 9): only client/ imports vscode.' };
const layer = (what, folders) =>
  folders.map((f) => ({
    group: [`**/${f}`, `**/${f}/**`],
    message: `Layer rule (docs/ARCHITECTURE.md 9): ${what} never imports ${f}/.`,
  }));

/**
 * The same rule for `import('…')` (a dynamic import, or a `typeof import('…')` type), which
 * `no-restricted-imports` does not see: `no-restricted-syntax` selectors on the specifier.
 */
const dynamic = (what, vscode, folders) => [
  ...(vscode
    ? [
        { selector: "ImportExpression[source.value='vscode']", message: VSCODE.message },
        { selector: "TSImportType[argument.literal.value='vscode']", message: VSCODE.message },
      ]
    : []),
  ...folders.flatMap((f) => [
    { selector: `ImportExpression[source.value=/(^|\\/)${f}(\\/|$)/]`, message: `Layer rule (docs/ARCHITECTURE.md 9): ${what} never imports ${f}/.` },
    { selector: `TSImportType[argument.literal.value=/(^|\\/)${f}(\\/|$)/]`, message: `Layer rule (docs/ARCHITECTURE.md 9): ${what} never imports ${f}/.` },
  ]),
];

export default defineConfig(
  {
    ignores: ['node_modules/', 'dist/', 'out/', '.tools/', '.vscode-test/', 'test-results/', 'bench/out/', 'examples/', 'editors/', '**/fixtures-out/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        // Node (the server, the CLI, tests, scripts) — the client runs in VS Code's Node host too.
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        require: 'readonly',
        module: 'writable',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        clearImmediate: 'readonly',
        queueMicrotask: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        globalThis: 'readonly',
      },
    },
    rules: {
      // Unused names are TypeScript's job (noUnusedLocals/noUnusedParameters in tsconfig.json);
      // ESLint's copy would only report them twice.
      '@typescript-eslint/no-unused-vars': 'off',
      'no-unused-vars': 'off',
      // The scanner, the audit log and their tests match control characters on purpose.
      'no-control-regex': 'off',
      // `let found = false; try { found = … } catch { found = false; }` says what each path means;
      // TypeScript's definite-assignment analysis already finds the real mistakes this rule is for.
      'no-useless-assignment': 'off',
      // `/a  b/` in a test's expected output reads as the output does.
      'no-regex-spaces': 'off',
    },
  },
  {
    // Tests, benchmarks and scripts poke at untyped JSON-RPC answers and VS Code's test API.
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  // Type-checked rules, only for the product (shared/, server/, client/): promises the code
  // forgets are real bugs there (an unhandled rejection, an answer sent before the work is done).
  // Tests are left out: node:test's `test()`/`describe()` return promises nobody awaits by design,
  // and the type-checker would double the lint time for them.
  {
    files: ['shared/**/*.ts', 'server/**/*.ts', 'client/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  // The layer rule (invariant 9). Each block lists all of a folder's restrictions: a later block's
  // `no-restricted-imports` replaces an earlier one for the same files rather than adding to it.
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [VSCODE], patterns: layer('shared/', ['server', 'client']) }],
      'no-restricted-syntax': ['error', ...dynamic('shared/', true, ['server', 'client'])],
    },
  },
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [VSCODE], patterns: layer('server/', ['client']) }],
      'no-restricted-syntax': ['error', ...dynamic('server/', true, ['client'])],
    },
  },
  {
    files: ['client/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: layer('client/', ['server']) }],
      'no-restricted-syntax': ['error', ...dynamic('client/', false, ['server'])],
    },
  },
);
