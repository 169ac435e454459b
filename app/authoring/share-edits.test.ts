/**
 * A share link of an edited scenario carries the edits: a catalog lesson whose narration was
 * changed is no longer shared by its path (which would reopen the shipped words) but as the text
 * the engine saves, and that text, opened in a fresh page, has the new words.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shareSourceOf } from '../share/share-state';
import type { SessionDeps } from '../store/session-slice';
import { createAppStore } from '../store/store';
import { inProcessClient } from '../worker/in-process-client';

const FILE = 'track2/2.3-why-inv-exists.json';
const lesson = readFileSync(`public/scenarios/${FILE}`, 'utf8');

function page() {
  const engine = inProcessClient();
  const fetchScenario = (file: string): Promise<string> =>
    file === FILE ? Promise.resolve(lesson) : Promise.reject(new Error(`${file} was not found`));
  const deps: SessionDeps = { engine: () => engine, fetchScenario, fetchCatalog: () => Promise.resolve([]) };
  return { store: createAppStore(deps), fetchScenario };
}

describe('sharing an edited scenario', () => {
  it('carries the saved text, with the edits, instead of the path', async () => {
    const { store, fetchScenario } = page();
    await store.getState().open(FILE);
    expect((await shareSourceOf(store.getState(), fetchScenario)).state).toEqual({ scenario: FILE, at: 0 });
    expect(await store.getState().editStep(0, { narration: 'Told our way.' })).toEqual({ ok: true });
    const shared = await shareSourceOf(store.getState(), fetchScenario);
    expect(shared.edits).toBe(0); // console lines: none were run
    if (!('text' in shared.state)) throw new Error('shared by path');
    const other = page().store;
    await other.getState().openText(shared.state.text, shared.state.name);
    expect(other.getState().errors).toEqual([]);
    expect(other.getState().session!.steps[0]!.narration).toBe('Told our way.');
    expect(other.getState().length).toBe(store.getState().length);
  });
});
