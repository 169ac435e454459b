/**
 * Where scenarios come from: the static files under /scenarios/ (public/scenarios/ in the repo)
 * and the index listing them. Both fetches fail with a sentence a person can act on, because a
 * missing or broken file must leave the page usable (ARCHITECTURE.md §2, "Bad input").
 */

import type { Difficulty } from '../engine/scenario/schema';

export interface ScenarioEntry {
  id: string;
  title: string;
  /** Path relative to /scenarios/, e.g. 'conformance/kut-c27-its-int-dev2.json'. */
  file: string;
  track?: string;
  difficulty?: Difficulty;
  /** Ids of the lessons to take first. */
  prerequisites?: string[];
  /** How many steps, and how many of them ask a prediction. */
  steps?: number;
  predictions?: number;
}

const DIFFICULTY_NAMES: readonly string[] = ['introductory', 'intermediate', 'advanced'];

const BASE = `${import.meta.env.BASE_URL}scenarios/`;

/** A relative .json path inside /scenarios/: no scheme, no leading slash, no '..' segment. */
export function isScenarioPath(file: string): boolean {
  return /^[\w][\w.\-/]*\.json$/.test(file) && !file.split('/').some((seg) => seg === '..' || seg === '');
}

async function fetchText(url: string, what: string): Promise<string> {
  const res = await fetch(url);
  // Vite's dev and preview servers answer an unknown path with index.html and status 200 (SPA
  // fallback), so an HTML answer means "not found" just as a 404 does.
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok || type.includes('text/html')) {
    throw new Error(`${what} was not found (${url}${res.ok ? '' : `, HTTP ${res.status}`})`);
  }
  return res.text();
}

export async function fetchScenario(file: string): Promise<string> {
  if (!isScenarioPath(file))
    throw new Error(`'${file}' is not a scenario file name (expected a path like conformance/x.json)`);
  return fetchText(BASE + file, `Scenario ${file}`);
}

/**
 * Reads `{ "scenarios": [{ id, title, file, track?, difficulty?, prerequisites?, steps?, predictions? }] }`;
 * entries that do not fit are skipped, and optional fields that do not fit are left out.
 */
export function parseCatalog(text: string): ScenarioEntry[] {
  const doc = JSON.parse(text) as unknown;
  const list =
    typeof doc === 'object' && doc !== null ? (doc as { scenarios?: unknown }).scenarios : undefined;
  if (!Array.isArray(list)) throw new Error('the scenario index has no "scenarios" list');
  const str = (v: unknown): v is string => typeof v === 'string' && v !== '';
  const entries: ScenarioEntry[] = [];
  for (const item of list as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { id, title, file, track, difficulty, prerequisites, steps, predictions } = item as Record<
      string,
      unknown
    >;
    if (!str(id) || !str(title) || !str(file) || !isScenarioPath(file)) continue;
    const count = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    entries.push({
      id,
      title,
      file,
      ...(str(track) ? { track } : {}),
      ...(str(difficulty) && DIFFICULTY_NAMES.includes(difficulty)
        ? { difficulty: difficulty as Difficulty }
        : {}),
      ...(Array.isArray(prerequisites) && prerequisites.every(str) ? { prerequisites } : {}),
      ...(count(steps) ? { steps } : {}),
      ...(count(predictions) ? { predictions } : {}),
    });
  }
  return entries;
}

export async function fetchCatalog(): Promise<ScenarioEntry[]> {
  return parseCatalog(await fetchText(`${BASE}index.json`, 'The scenario index'));
}
