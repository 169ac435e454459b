#!/usr/bin/env node
// One measurement in a fresh process (`one.mjs --one <benchmark> <profile>`), run by the suite
// (run.mjs builds the bundle first); prints the figures as JSON.
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bundle = join(root, 'node_modules', '.cache', 'giclab-bench', 'bench.mjs');
const [flag, name, profile] = process.argv.slice(2);
if (flag !== '--one' || !name || !profile) {
  console.error('usage: one.mjs --one <msi|commands|seek> <kvm|spec|qemu> (run by npm run bench)');
  process.exit(2);
}
const { benchOne } = await import(pathToFileURL(bundle).href);
process.stdout.write(JSON.stringify(benchOne(name, profile)));
