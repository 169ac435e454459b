/**
 * Writes public/scenarios/index.json, the catalog the app's scenario picker reads: one entry per
 * scenario file under public/scenarios/ (id, title, file, track), each file loaded and validated
 * first, so the catalog never lists a file the engine would refuse. Lessons also carry their
 * difficulty, prerequisites (each must name a shipped scenario), and how many steps and
 * predictions they have. `npm run gen` rewrites it and
 * a unit test fails when the committed copy is stale.
 */

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic, loadScenario } from '../engine/scenario/loader';
import { formatLessonDiagnostic, loadTraceLesson } from '../engine/import/trace-lesson';

const here = dirname(fileURLToPath(import.meta.url));
export const SCENARIOS = join(here, '..', 'public', 'scenarios');
export const INDEX = join(SCENARIOS, 'index.json');

/** The picker's group for a scenario: its teaching track, else the suite it conforms to (and where it runs). */
function trackOf(s: { track?: string; conformance?: { suite: string; runsIn?: string } }): string {
  if (s.track) return `Track ${s.track}`;
  if (s.conformance)
    return `Conformance: ${s.conformance.suite}${s.conformance.runsIn === 'vm' ? ' inside a VM' : ''}`;
  return 'Scenarios';
}

/** What the picker and the lesson list know of a lesson without loading it. */
function entry(
  file: string,
  meta: Parameters<typeof trackOf>[0] & {
    id: string;
    title: string;
    difficulty?: string;
    prerequisites?: string[];
  },
  steps: readonly { predict?: unknown }[],
) {
  const predictions = steps.filter((st) => st.predict).length;
  return {
    id: meta.id,
    title: meta.title,
    file,
    track: trackOf(meta),
    ...(meta.difficulty ? { difficulty: meta.difficulty } : {}),
    ...(meta.prerequisites?.length ? { prerequisites: meta.prerequisites } : {}),
    steps: steps.length,
    ...(predictions ? { predictions } : {}),
  };
}

/** A trace lesson (giclab-trace-lesson/1, docs/traces.md), listed as a lesson; undefined for a scenario. */
function traceLessonEntry(text: string, file: string) {
  if (!/"format"\s*:\s*"giclab-trace-lesson\//.test(text)) return undefined;
  const r = loadTraceLesson(text, file);
  if (!r.ok) throw new Error(r.diagnostics.map(formatLessonDiagnostic).join('\n'));
  return entry(file, r.lesson.meta, r.lesson.steps);
}

function scenarioFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? scenarioFiles(join(dir, d.name)) : [join(dir, d.name)]))
    .filter((f) => f.endsWith('.json') && f !== INDEX);
}

export function scenarioIndex(): string {
  const entries = scenarioFiles(SCENARIOS)
    .map((path) => {
      const file = relative(SCENARIOS, path).split(sep).join('/');
      const text = readFileSync(path, 'utf8');
      const lesson = traceLessonEntry(text, file);
      if (lesson) return lesson;
      const r = loadScenario(text, file);
      if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
      // The lesson list (and the learner's progress view) shows these without loading each file.
      return entry(file, r.scenario.meta, r.scenario.steps);
    })
    .sort((a, b) => a.track.localeCompare(b.track) || a.file.localeCompare(b.file));
  const ids = new Set<string>();
  for (const e of entries) {
    if (ids.has(e.id)) throw new Error(`two scenarios have the id '${e.id}' (${e.file})`);
    ids.add(e.id);
  }
  for (const e of entries)
    for (const p of e.prerequisites ?? [])
      if (!ids.has(p)) throw new Error(`${e.file}: prerequisite '${p}' is not the id of a shipped scenario`);
  return JSON.stringify({ scenarios: entries }, null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(INDEX, scenarioIndex());
  console.log(`wrote ${relative(join(here, '..'), INDEX)}`);
}
