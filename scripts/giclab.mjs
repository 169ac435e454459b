#!/usr/bin/env node
// The giclab command (package.json "bin"): runs the TypeScript CLI in scripts/cli/ through tsx,
// so the same engine sources serve the browser build, the tests and the command line.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
