import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import prettier from 'eslint-config-prettier';

// The engine's layers, lowest first. A layer may import only the layers before it
// (ARCHITECTURE.md §1); index.ts, the public surface, may import them all.
const layers = ['sim', 'mem', 'gic', 'its', 'platform', 'kvm', ['scenario', 'import', 'explain']];
const flat = layers.flat();
const higherThan = (i) => layers.slice(i + 1).flat();

const uiLibraries = ['react', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*', 'd3', 'd3-*', 'comlink'];

const layerZones = layers.map((layer, i) => {
  const dirs = Array.isArray(layer) ? layer : [layer];
  const banned = higherThan(i);
  return {
    files: dirs.map((d) => `engine/${d}/**/*.ts`),
    // Tests may drive a layer through higher ones (a scenario exercising the ITS); the UI bans
    // below still apply to them.
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: uiLibraries
            .filter((p) => !p.includes('*'))
            .map((name) => ({ name, message: 'engine/ never imports UI libraries.' })),
          patterns: [
            {
              group: uiLibraries.filter((p) => p.includes('*')),
              message: 'engine/ never imports UI libraries.',
            },
            { group: ['**/app/**', '../../app/*'], message: 'engine/ never imports app/.' },
            ...(banned.length
              ? [
                  {
                    group: banned.flatMap((d) => [`../${d}/*`, `../${d}`]),
                    message: `engine/${dirs.join('|')} may only import lower layers (${flat.join(' -> ')}).`,
                  },
                ]
              : []),
            { group: ['../index', '../index.ts'], message: 'Only outside code imports engine/index.ts.' },
          ],
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['dist', 'test-results', 'playwright-report', 'reports', '.pw-browsers', 'node_modules'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  reactHooks.configs.flat.recommended,
  {
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The engine is pure and deterministic: no DOM, clock, timers or Math.random outside tests.
  {
    files: ['engine/**/*.ts'],
    ignores: ['engine/**/*.test.ts', 'engine/**/*.bench.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-globals': [
        'error',
        ...[
          'window',
          'document',
          'navigator',
          'performance',
          'setTimeout',
          'setInterval',
          'setImmediate',
          'requestAnimationFrame',
          'Date',
          'process',
          'require',
        ].map((name) => ({
          name,
          message: 'engine/ is pure: no DOM, no clock, no timers, no host process (ARCHITECTURE.md §2).',
        })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the seeded PRNG in engine/sim/rng.ts.' },
      ],
    },
  },
  ...layerZones,
  {
    files: ['engine/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: uiLibraries
            .filter((p) => !p.includes('*'))
            .map((name) => ({ name, message: 'engine/ never imports UI libraries.' })),
          patterns: [{ group: ['**/app/**', '../../app/*'], message: 'engine/ never imports app/.' }],
        },
      ],
    },
  },
  // app/ may import engine types anywhere, but engine values only in app/worker/.
  {
    files: ['app/**/*.{ts,tsx}'],
    ignores: ['app/worker/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/engine', '**/engine/**'],
              allowTypeImports: true,
              message: 'Only app/worker/ runs engine code; import engine types with `import type`.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['scripts/**/*.ts', 'e2e/**/*.ts', '*.config.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  prettier,
);
