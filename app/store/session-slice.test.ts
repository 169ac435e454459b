/** The session actions against a fake engine: load, refuse, run, and drop answers that arrive late. */

import { describe, expect, it } from 'vitest';
import type { EngineClient, EventRow, LoadResponse, RunSummary } from '../worker/api';
import type { SessionDeps } from './session-slice';
import { createAppStore } from './store';

const summary: RunSummary = {
  passed: true,
  events: 3,
  steps: [
    {
      title: 'one',
      passed: true,
      from: 0,
      to: 3,
      expectations: [{ text: 'expect x', ok: true, message: '' }],
    },
  ],
};
const rows: EventRow[] = [0, 1, 2].map((seq) => ({
  seq,
  time: seq * 10,
  kind: 'k',
  unit: 'u',
  text: `event ${seq}`,
}));

function fakeEngine(load: (text: string, name: string) => LoadResponse): EngineClient {
  return {
    load: (text, name) => Promise.resolve(load(text, name)),
    runAll: () => Promise.resolve(summary),
    events: (from, to) => Promise.resolve(rows.slice(from, to)),
  };
}

function deps(over: Partial<SessionDeps> = {}): SessionDeps {
  const engine = fakeEngine((text) =>
    text === 'good'
      ? { ok: true, title: 'Good', steps: [{ title: 'one' }] }
      : { ok: false, errors: ['x.json:1:1: bad'] },
  );
  return {
    engine: () => engine,
    fetchScenario: (file) =>
      file === 'missing.json'
        ? Promise.reject(new Error('Scenario missing.json was not found'))
        : Promise.resolve(file === 'bad.json' ? 'bad' : 'good'),
    fetchCatalog: () => Promise.resolve([{ id: 'g', title: 'Good', file: 'good.json' }]),
    ...over,
  };
}

describe('session slice', () => {
  it('opens a scenario, runs it and holds the summary and the event rows', async () => {
    const store = createAppStore(deps());
    await store.getState().start('good.json');
    expect(store.getState()).toMatchObject({
      status: 'ready',
      title: 'Good',
      file: 'good.json',
      errors: [],
      catalog: [{ file: 'good.json' }],
    });
    await store.getState().run();
    expect(store.getState()).toMatchObject({ status: 'done', summary });
    expect(store.getState().events).toEqual(rows);
  });

  it('shows a refused file and a missing file as errors, and can open another one afterwards', async () => {
    const store = createAppStore(deps());
    await store.getState().open('bad.json');
    expect(store.getState()).toMatchObject({ status: 'error', title: null, errors: ['x.json:1:1: bad'] });
    await store.getState().run(); // nothing to run: no effect
    expect(store.getState().status).toBe('error');
    await store.getState().open('missing.json');
    expect(store.getState().errors).toEqual(['Scenario missing.json was not found']);
    await store.getState().open('good.json');
    expect(store.getState()).toMatchObject({ status: 'ready', errors: [] });
  });

  it('keeps working when the scenario index cannot be read', async () => {
    const store = createAppStore(
      deps({ fetchCatalog: () => Promise.reject(new Error('The scenario index was not found')) }),
    );
    await store.getState().start('good.json');
    expect(store.getState()).toMatchObject({
      catalog: [],
      catalogError: 'The scenario index was not found',
      status: 'ready',
    });
  });

  it('drops a slow load that a newer pick overtook', async () => {
    let releaseSlow: (text: string) => void = () => {};
    const store = createAppStore(
      deps({
        fetchScenario: (file) =>
          file === 'slow.json' ? new Promise<string>((r) => (releaseSlow = r)) : Promise.resolve('good'),
      }),
    );
    const slow = store.getState().open('slow.json');
    await store.getState().open('good.json');
    releaseSlow('bad');
    await slow;
    expect(store.getState()).toMatchObject({ file: 'good.json', status: 'ready', errors: [] });
  });

  it('reports a run that throws and keeps the scenario runnable', async () => {
    const engine = {
      ...fakeEngine(() => ({ ok: true, title: 'T', steps: [] })),
      runAll: () => Promise.reject(new Error('boom')),
    };
    const store = createAppStore(deps({ engine: () => engine }));
    await store.getState().open('good.json');
    await store.getState().run();
    expect(store.getState()).toMatchObject({
      status: 'ready',
      errors: ['The run failed: boom'],
      summary: null,
    });
  });
});
