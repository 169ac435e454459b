/**
 * Exports scenarios as Playwright e2e specs from the command line, with exactly what the app's
 * "Export as e2e test (Playwright)" uses: the engine host the page's worker runs
 * (app/worker/engine-host.ts: load, run to the end, save) and the generator
 * (app/authoring/playwright-spec.ts). So a spec written here is the one the app would download
 * for the same scenario (docs/authoring.md).
 *
 *   node --import tsx scripts/export-spec.ts <file>... [--out <dir>] [--check]
 *
 *   <file>      a scenario (.json), e.g. public/scenarios/track2/2.3-why-inv-exists.json, or a
 *               spec exported before (.spec.ts): it is exported again from the scenario it
 *               carries, and keeps its "Exported by" line, which says where the recording came
 *               from (the browser, or this script). Do that when the generator changes, or when
 *               the model's history changes on purpose; a spec that fails after an engine change
 *               is otherwise telling you something.
 *   --out <dir> where the specs go, as <id>.spec.ts (default: e2e/recorded)
 *   --check     write nothing; exit 1 when a spec there differs from what would be written
 */

import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { playwrightSpec, recordingOf, specFileName } from '../app/authoring/playwright-spec';
import { EngineHost } from '../app/worker/engine-host';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SCENARIOS = join(ROOT, 'public', 'scenarios');

export interface Exported {
  /** `<id>.spec.ts`. */
  name: string;
  spec: string;
  steps: number;
  events: number;
  /** Expectations that did not hold (the spec expects them all to hold). */
  failing: number;
}

/** The scenario text an exported spec carries, and the "Exported by" line of its header. */
export function fromSpec(spec: string): { text: string; exportedBy: string } {
  const m = /^const SCENARIO = (`[\s\S]*?`);$/m.exec(spec);
  const by = /^ \* Exported by: (.*)\.$/m.exec(spec);
  if (!m || !by)
    throw new Error('not a spec GIC Lab exported: no SCENARIO constant or no "Exported by" line');
  // The template literal, evaluated as the spec itself would (it interpolates nothing).
  return { text: runInNewContext(m[1]!) as string, exportedBy: by[1]! };
}

/** Exports one file (see the top of this file); `path` is relative to the repository or absolute. */
export function exportFile(path: string): Exported {
  const full = resolve(ROOT, path);
  const shown = relative(ROOT, full);
  const source = readFileSync(full, 'utf8');
  const fromAnother = full.endsWith('.spec.ts') ? fromSpec(source) : undefined;
  const text = fromAnother?.text ?? source;
  // The name the loader reports problems under: a shipped scenario's path in the catalogue.
  const name = full.startsWith(SCENARIOS + '/') ? relative(SCENARIOS, full) : basename(full);
  const host = new EngineHost();
  const loaded = host.load(text, fromAnother ? `${basename(full)} (its scenario)` : name);
  if (!loaded.ok) throw new Error(`${shown} does not load:\n${loaded.errors.join('\n')}`);
  const saved = host.save();
  const recording = recordingOf(loaded.session);
  return {
    name: specFileName(saved),
    spec: playwrightSpec(saved, recording, {
      exportedBy: fromAnother?.exportedBy ?? `scripts/export-spec.ts from ${shown}`,
    }),
    steps: recording.steps.length,
    events: recording.events,
    failing: recording.failing,
  };
}

function main(args: string[]): number {
  let out = join(ROOT, 'e2e', 'recorded');
  let check = false;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--out') out = resolve(args[++i] ?? '');
    else if (a === '--check') check = true;
    else if (a.startsWith('--')) {
      console.error(`unknown option ${a}`);
      return 2;
    } else files.push(a);
  }
  if (files.length === 0) {
    console.error(
      'usage: node --import tsx scripts/export-spec.ts <scenario.json|exported.spec.ts>... [--out <dir>] [--check]',
    );
    return 2;
  }
  let stale = 0;
  for (const f of files) {
    let e: Exported;
    try {
      e = exportFile(f);
    } catch (err) {
      console.error(err instanceof Error ? err.message : String(err));
      return 1;
    }
    const target = join(out, e.name);
    const where = relative(process.cwd(), target);
    if (check) {
      const same = existsSync(target) && readFileSync(target, 'utf8') === e.spec;
      if (!same) stale++;
      console.log(`${same ? 'up to date' : 'STALE'}: ${where}`);
      continue;
    }
    mkdirSync(out, { recursive: true });
    writeFileSync(target, e.spec);
    console.log(`wrote ${where}: ${e.steps} steps, ${e.events} events`);
    if (e.failing)
      console.warn(
        `  ${e.failing} expectation(s) do not hold in this recording: the spec will fail until they do`,
      );
  }
  return stale ? 1 : 0;
}

// Run as a script (not when a test imports it).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  process.exitCode = main(process.argv.slice(2));
