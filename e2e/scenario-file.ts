/**
 * A scenario file the browser tests check the page against: the engine runs it to its end here in
 * Node, from the same file the page loads, and the page opens it at a position. A shipped scenario
 * is served from public/scenarios; a fixture of the tests (e2e/fixtures) is handed to the page
 * under /scenarios/<its file name>, so it needs no place in the catalogue.
 */

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type Page } from '@playwright/test';
import { expect, position } from './page-checks';
import { loadScenario, ScenarioRun, type Machine } from '../engine';

export interface ScenarioFile {
  /** Where it is, from the repository's root. */
  path: string;
  /** What the page asks for: ?scenario=<name>. */
  name: string;
  /** Served by the test (a fixture), not by the app. */
  fixture: boolean;
}

/** A shipped scenario, by its path under public/scenarios ('track3/3.5-the-guests-own-its.json'). */
export const shipped = (name: string): ScenarioFile => ({
  path: `public/scenarios/${name}`,
  name,
  fixture: false,
});

/** A fixture of the tests ('e2e/fixtures/v4-stage.json'). */
export const fixture = (path: string): ScenarioFile => ({ path, name: basename(path), fixture: true });

/** The scenario run to its end by the engine: the history the page shows. */
export function engineRun(f: ScenarioFile): Machine {
  const r = loadScenario(readFileSync(f.path, 'utf8'), f.name);
  if (!r.ok) throw new Error(`${f.path} does not load: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  const run = new ScenarioRun(r.scenario);
  run.runAll();
  return run.machine;
}

/** Opens the scenario in the page at position `at`, once it has loaded and gone there. */
export async function openScenario(page: Page, f: ScenarioFile, at = 0): Promise<void> {
  if (f.fixture) await page.route(`**/scenarios/${f.name}`, (route) => route.fulfill({ path: f.path }));
  await page.goto(`/?scenario=${f.name}${at ? `&at=${at}` : ''}`);
  await expect(page.getByTestId('status')).not.toHaveAttribute('data-status', 'loading');
  await expect.poll(() => position(page)).toBe(at);
}
