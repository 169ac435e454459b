#!/usr/bin/env node
// `npm run bench [-- name...]`: bundles the benchmarks and the engine into one ES module with
// esbuild (as a browser build would ship the engine: no per-module wrappers) and runs it, so the
// figures measure the model, not the TypeScript loader.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outdir = join(root, 'node_modules', '.cache', 'giclab-bench');
mkdirSync(outdir, { recursive: true });
const outfile = join(outdir, 'bench.mjs');
await build({
  entryPoints: [join(root, 'scripts', 'bench', 'main.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outfile,
  logLevel: 'warning',
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
});
const { benchMain } = await import(pathToFileURL(outfile).href);
process.exitCode = await benchMain(
  process.argv.slice(2),
  root,
  join(dirname(fileURLToPath(import.meta.url)), 'one.mjs'),
);
