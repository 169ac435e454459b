/**
 * The session slice opening traces against the real engine host, in process: files chosen from
 * disk (a trace with its dumps) with progress and the Trace tab; a bad file reported by name with
 * the open session kept; a trace lesson of the catalog opened by its path; seeking to a line.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TraceProgress } from '../worker/api';
import { EngineHost } from '../worker/engine-host';
import { inProcessClient } from '../worker/in-process-client';
import type { SessionDeps } from './session-slice';
import { createAppStore } from './store';

const c27 = readFileSync('public/scenarios/conformance/kut-c27-its-int-dev2.json', 'utf8');
const lesson = readFileSync('public/scenarios/track5/5.1-a-linux-guest-boots.json', 'utf8');
const traceFile = (name: string): File => new File([readFileSync(`public/traces/${name}`)], name);

function deps(): SessionDeps {
  const engine = inProcessClient(
    new EngineHost({
      fetcher: (url) =>
        Promise.resolve(new Response(new Uint8Array(readFileSync(`public/traces/${url.split('/').pop()}`)))),
    }),
  );
  return {
    engine: () => engine,
    fetchScenario: (file) => Promise.resolve(file.startsWith('track5/') ? lesson : c27),
    fetchCatalog: () => Promise.resolve([]),
    traceBase: () => 'http://app/traces/',
  };
}

describe('opening traces in the store', () => {
  it('opens a trace with its dumps from disk, showing progress, then its report', async () => {
    const store = createAppStore(deps());
    const seen: TraceProgress[] = [];
    const unsub = store.subscribe((s) => {
      if (s.traceProgress) seen.push(s.traceProgress);
    });
    await store
      .getState()
      .openFiles([
        traceFile('v3smp2.trace.log.gz'),
        traceFile('v3smp2.cmdq.bin.gz'),
        traceFile('v3smp2.proptable.bin.gz'),
      ]);
    unsub();
    const s = store.getState();
    expect(s.errors).toEqual([]);
    expect(s).toMatchObject({
      status: 'ready',
      file: 'v3smp2.trace.log.gz',
      tab: 'trace',
      traceProgress: null,
    });
    expect(s.session?.trace?.agree).toBe(true);
    expect(s.source).toMatchObject({ name: 'v3smp2.trace.log.gz', trace: { kind: 'files' } });
    expect(seen.some((p) => p.phase === 'replay' && p.fraction > 0.5)).toBe(true);
    expect(s.frame?.position).toBe(0);

    await store.getState().seekTraceLine(18467);
    expect(store.getState().position).toBe((await store.getState().traceLine({ line: 18469 }))!.position);
    expect(store.getState().frame?.event?.traceLine).toBe(18469);
  });

  it('reports a garbage file by name and line, and keeps the session that was open', async () => {
    const store = createAppStore(deps());
    await store.getState().openText(c27, 'c27.json');
    const before = store.getState().session;
    await store.getState().openFiles([new File(['this is not a trace\n'], 'junk.log')]);
    const s = store.getState();
    expect(s.errors).toEqual([
      "junk.log:1: not a QEMU trace log: bad prefix: expected a decimal thread id at column 1, found 'this is not a trace'",
    ]);
    expect(s.session).toBe(before);
    expect(s.status).toBe('ready');
    expect(s.traceProgress).toBeNull();
    await store.getState().openFiles([new File(['x'], 'notes.txt')]);
    expect(store.getState().errors[0]).toMatch(/^notes\.txt: not a file GIC Lab opens/);
    expect(store.getState().session).toBe(before);
  });

  it('opens trace lesson 5.1 from the catalog, by its path, at a position', async () => {
    const store = createAppStore(deps());
    await store.getState().open('track5/5.1-a-linux-guest-boots.json', 9000);
    const s = store.getState();
    expect(s.errors).toEqual([]);
    expect(s.session?.title).toBe('A Linux guest boots');
    expect(s.file).toBe('track5/5.1-a-linux-guest-boots.json');
    expect(s.source?.text).toBe(lesson);
    expect(s.position).toBe(9000);
    expect(s.tab).toBe('events');
    // A scenario opened afterwards leaves no trace tab behind.
    store.getState().setTab('trace');
    await store.getState().open('c27.json');
    expect(store.getState().tab).toBe('events');
    expect(store.getState().session?.trace).toBeUndefined();
  });
});
