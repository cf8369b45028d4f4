// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Workflows are replayed: they may import at runtime only deterministic code: the SDK's workflow
 * API, src/domain, the search attribute keys, and other workflow modules (`./x`, and `../x` from
 * a process folder such as workflows/invoice/ to workflows/).
 */
const WORKFLOW_RUNTIME_IMPORTS =
  '^(?!(@temporalio/workflow|@temporalio/common|(\\.\\./)+src/temporal/(search-attributes|workflow-ids)|\\./[a-z0-9-]+(/[a-z0-9-]+)?|\\.\\./[a-z0-9-]+(/[a-z0-9-]+)?)$|(\\.\\./)+src/domain/[a-z0-9-/]+$)';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', '.tools/', 'coverage/'] },
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } } },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': ['error', { selector: 'CallExpression[callee.name="Boolean"] > MemberExpression[object.object.name="process"][object.property.name="env"]', message: 'parse booleans from the environment explicitly (src/config.ts)' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: WORKFLOW_RUNTIME_IMPORTS,
              allowTypeImports: true,
              message: 'workflows import at runtime only @temporalio/workflow, @temporalio/common, src/domain, src/temporal/search-attributes and src/temporal/workflow-ids (use `import type` for the rest)',
            },
          ],
        },
      ],
    },
  },
  {
    // The workflow bundle's modules are loaded once and shared by every workflow (src/worker.ts
    // WORKFLOW_BUNDLER_OPTIONS): no module may hold state of its own.
    files: ['workflows/**/*.ts', 'src/domain/**/*.ts', 'src/temporal/search-attributes.ts', 'src/temporal/workflow-ids.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'Program > VariableDeclaration[kind!="const"], Program > ExportNamedDeclaration > VariableDeclaration[kind!="const"]',
          message: 'workflow modules are shared by every workflow: keep state in the workflow, not in the module',
        },
      ],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!\\./[a-z0-9-]+$)', allowTypeImports: true, message: 'src/domain is pure: it imports only itself' }] },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'src/domain reads no environment' }],
    },
  },
  {
    // Below the api, nothing knows HTTP: the same code serves webhooks, billing runs, pages and the CLI.
    files: ['src/services/**/*.ts', 'src/db/**/*.ts', 'src/render/**/*.ts', 'activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'express', message: 'only src/api knows HTTP' }],
          patterns: [{ regex: '(^|/)api(/|$)', message: 'only src/api knows HTTP: call src/services from the api, not the other way round' }],
        },
      ],
    },
  },
  {
    files: ['activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'express', message: 'only src/api knows HTTP' }],
          patterns: [
            { regex: '(^|/)api(/|$)', message: 'only src/api knows HTTP' },
            { regex: '(^|/)workflows(/|$)', allowTypeImports: true, message: 'activities never import workflow code (types are fine)' },
          ],
        },
      ],
    },
  },
  {
    // HTTP bodies in tests are untyped JSON by nature; the assertions check their shape.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
