/**
 * The store's slices against the real engine host, in process (no worker): open, refuse, step,
 * step back, jump, play, breakpoints, select; and answers that arrive late are dropped.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineHost } from '../worker/engine-host';
import { inProcessClient } from '../worker/in-process-client';
import type { EngineClient } from '../worker/api';
import type { SessionDeps } from './session-slice';
import { createAppStore } from './store';

const c27 = readFileSync('public/scenarios/conformance/kut-c27-its-int-dev2.json', 'utf8');

const inProcess = inProcessClient;

function deps(over: Partial<SessionDeps> = {}): SessionDeps {
  const engine = inProcess();
  return {
    engine: () => engine,
    fetchScenario: (file) =>
      file === 'missing.json'
        ? Promise.reject(new Error('Scenario missing.json was not found'))
        : Promise.resolve(file === 'bad.json' ? '{ "format": 1 }' : c27),
    fetchCatalog: () => Promise.resolve([{ id: 'c27', title: 'C27', file: 'c27.json' }]),
    ...over,
  };
}

describe('the app store', () => {
  it('opens a scenario at the start, with its frame and the first rows of its log', async () => {
    const store = createAppStore(deps());
    await store.getState().start('c27.json');
    const s = store.getState();
    expect(s).toMatchObject({ status: 'ready', file: 'c27.json', errors: [], position: 0 });
    expect(s.session?.title).toMatch(/C27/);
    expect(s.length).toBe(s.session!.length);
    expect(s.frame?.position).toBe(0);
    expect(s.rows.filter(Boolean).length).toBe(Math.min(s.length, 2000));
    expect(s.catalog).toHaveLength(1);
  });

  it('opens at the position a link names', async () => {
    const store = createAppStore(deps());
    await store.getState().start('c27.json', 42);
    expect(store.getState().frame?.position).toBe(42);
  });

  it('steps forward and back, at each granularity, and jumps to the ends', async () => {
    const store = createAppStore(deps());
    await store.getState().open('c27.json');
    const st = store.getState;
    await st().stepForward();
    expect(st().frame?.position).toBe(1);
    st().setGranularity('delivery');
    await st().stepForward();
    expect(st().frame?.event?.kind).toBe('icc.ack');
    const atAck = st().position;
    st().setGranularity('event');
    await st().stepBack();
    expect(st().position).toBe(atAck - 1);
    await st().jumpEnd();
    expect(st().position).toBe(st().length);
    await st().stepForward(); // nothing beyond the end
    expect(st().position).toBe(st().length);
    await st().jumpStart();
    expect(st().frame?.position).toBe(0);
    await st().stepForward('step');
    expect(st().position).toBe(st().session!.steps.find((x) => x.to > 0)!.to);
  });

  it('plays at its speed, stops at a breakpoint and at the end', async () => {
    const store = createAppStore(deps());
    await store.getState().open('c27.json');
    const st = store.getState;
    st().setSpeed(100);
    st().play();
    await st().tick(50); // 100 events/s for 50 ms: 5 events
    expect(st().position).toBe(5);
    // Frames that come while a move is still on its way count too: the time is owed, not lost.
    const first = st().tick(50);
    await st().tick(30);
    await first;
    expect(st().position).toBe(10);
    await st().tick(0);
    expect(st().position).toBe(13);
    st().addBreakpoint({ kind: 'icc.ack' });
    st().setSpeed(1000);
    for (let i = 0; i < 100 && st().playing; i++) await st().tick(1000);
    expect(st().playing).toBe(false);
    expect(st().stoppedAt).toBe(0);
    expect(st().frame?.event?.kind).toBe('icc.ack');
    st().removeBreakpoint(0);
    st().play();
    for (let i = 0; i < 100 && st().playing; i++) await st().tick(1000);
    expect(st().position).toBe(st().length);
    expect(st().playing).toBe(false);
  });

  it('selecting an event shows the machine right after it', async () => {
    const store = createAppStore(deps());
    await store.getState().open('c27.json');
    await store.getState().selectEvent(10);
    expect(store.getState()).toMatchObject({ selected: 10, position: 11 });
    expect(store.getState().frame?.event?.seq).toBe(10);
  });

  it('keeps the open scenario when another file is refused or missing', async () => {
    const store = createAppStore(deps());
    await store.getState().open('c27.json');
    await store.getState().seek(30);
    await store.getState().open('bad.json');
    expect(store.getState()).toMatchObject({ status: 'ready', file: 'c27.json', position: 30 });
    expect(store.getState().errors[0]).toMatch(/^bad\.json:1:\d+:/);
    await store.getState().openText('not json', 'dropped.json');
    expect(store.getState().errors[0]).toMatch(/^dropped\.json:1:\d+:/);
    expect(store.getState().session?.title).toMatch(/C27/);
    await store.getState().open('missing.json');
    expect(store.getState().errors).toEqual(['Scenario missing.json was not found']);
    expect(store.getState().frame?.position).toBe(30);
  });

  it('reports a file that cannot be opened when nothing is open yet', async () => {
    const store = createAppStore(deps());
    await store.getState().open('bad.json');
    expect(store.getState()).toMatchObject({ status: 'error', session: null });
  });

  it('keeps working when the scenario index cannot be read', async () => {
    const store = createAppStore(
      deps({ fetchCatalog: () => Promise.reject(new Error('The scenario index was not found')) }),
    );
    await store.getState().start('c27.json');
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
          file === 'slow.json' ? new Promise<string>((r) => (releaseSlow = r)) : Promise.resolve(c27),
      }),
    );
    const slow = store.getState().open('slow.json');
    await store.getState().open('c27.json');
    releaseSlow('{}');
    await slow;
    expect(store.getState()).toMatchObject({ file: 'c27.json', status: 'ready', errors: [] });
  });

  it('asks for the newest position only when moves outrun the worker', async () => {
    const host = new EngineHost();
    const engine = inProcess(host);
    const asked: number[] = [];
    const slow: EngineClient = {
      ...engine,
      frame: async (p) => {
        asked.push(p);
        await new Promise((r) => setTimeout(r, 5));
        return host.frame(p);
      },
    };
    const store = createAppStore(deps({ engine: () => slow }));
    await store.getState().open('c27.json');
    asked.length = 0;
    const moves = [10, 20, 30, 40, 50].map((p) => store.getState().seek(p));
    await Promise.all(moves);
    expect(asked).toEqual([10, 50]);
    expect(store.getState().frame?.position).toBe(50);
  });
});
