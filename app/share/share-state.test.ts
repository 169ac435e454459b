/**
 * Share links against the real engine, in process: the state a link carries for a catalog
 * scenario, a file from disk and a sandbox with console lines; a link decoded into a fresh page
 * (a new store and engine) reopens the same history at the same position; a scenario the engine
 * refuses is reported with its diagnostics and the page keeps its session.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SessionDeps } from '../store/session-slice';
import type { AppState } from '../store/store';
import { createAppStore } from '../store/store';
import { inProcessClient } from '../worker/in-process-client';
import { decodeShare, encodeShare, SHARE_LIMITS, type SharedState } from './share-link';
import { restoreShared, safeName, shareSourceOf } from './share-state';

const C27_FILE = 'conformance/kut-c27-its-int-dev2.json';
const c27 = readFileSync(`public/scenarios/${C27_FILE}`, 'utf8');

/** A page: a store on its own engine, with a server that has c27 (and nothing else). */
function page(files: Record<string, string> = { [C27_FILE]: c27 }) {
  const engine = inProcessClient();
  const fetchScenario = (file: string): Promise<string> =>
    file in files
      ? Promise.resolve(files[file]!)
      : Promise.reject(new Error(`Scenario ${file} was not found`));
  const deps: SessionDeps = { engine: () => engine, fetchScenario, fetchCatalog: () => Promise.resolve([]) };
  return { store: createAppStore(deps), fetchScenario };
}

/** Through the wire format, as a link would carry it. */
async function viaLink(state: SharedState): Promise<SharedState> {
  const e = await encodeShare(state);
  if (!e.ok) throw new Error(e.error);
  const d = await decodeShare(e.payload);
  if (!d.ok) throw new Error(d.error);
  return d.state;
}

const SHAPE = { profile: 'spec', cpus: 2, its: 1, devices: 1, bringUp: true } as const;

describe('the state a link carries', () => {
  it('a catalog scenario, unchanged: its path and the position', async () => {
    const { store, fetchScenario } = page();
    await store.getState().open(C27_FILE, 17);
    expect(await shareSourceOf(store.getState(), fetchScenario)).toEqual({
      state: { scenario: C27_FILE, at: 17 },
      edits: 0,
    });
  });

  it('a path the server now serves differently: the text that is open', async () => {
    const { store } = page();
    await store.getState().open(C27_FILE, 5);
    const changed = (): Promise<string> => Promise.resolve(c27.replace('"title"', '"title" '));
    expect((await shareSourceOf(store.getState(), changed)).state).toEqual({
      text: c27,
      name: 'kut-c27-its-int-dev2.json',
      at: 5,
    });
    const gone = (): Promise<string> => Promise.reject(new Error('404'));
    expect((await shareSourceOf(store.getState(), gone)).state).toMatchObject({ text: c27 });
  });

  it('a file from disk: its text and name', async () => {
    const { store, fetchScenario } = page();
    await store.getState().openText(c27, 'my copy.json');
    await store.getState().seek(9);
    expect(await shareSourceOf(store.getState(), fetchScenario)).toEqual({
      state: { text: c27, name: 'my copy.json', at: 9 },
      edits: 0,
    });
  });

  it('a scenario with console lines: the saved session, so the lines travel too', async () => {
    const { store, fetchScenario } = page();
    await store.getState().open(C27_FILE);
    await store.getState().exec('read GITS_CTLR');
    await store.getState().exec('write rd9 GICR_CTLR 1'); // refused: not part of the session
    const src = await shareSourceOf(store.getState(), fetchScenario);
    expect(src.edits).toBe(1);
    expect(src.state).toMatchObject({
      name: 'kut-c27-its-int-dev2-session.json',
      at: store.getState().length,
    });
    expect('text' in src.state && src.state.text).toContain('"read GITS_CTLR"');
  });

  it('file names the decoder would refuse are made safe', () => {
    expect(safeName('conformance/kut-c27.json')).toBe('kut-c27.json');
    expect(safeName('b\\c\u0001.json')).toBe('b-c-.json');
    expect(safeName('   ')).toBe('session.json');
    const long = safeName(`${'x'.repeat(300)}.json`);
    expect(long).toHaveLength(SHARE_LIMITS.nameChars);
    expect(long.endsWith('.json')).toBe(true);
  });

  it('nothing for a trace opened from files: they are not in the page to put in a link', async () => {
    const { store, fetchScenario } = page();
    await store.getState().open(C27_FILE);
    const traceFromDisk = {
      ...store.getState(),
      file: 'qemu.log',
      // The request's shape is the trace loader's business; only its presence matters here.
      source: { text: '', name: 'qemu.log', trace: { kind: 'files' } } as unknown as AppState['source'],
    };
    await expect(shareSourceOf(traceFromDisk, fetchScenario)).rejects.toThrow(
      /a trace opened from files on your computer, which a link cannot carry/,
    );
  });

  it('nothing when no scenario is open', async () => {
    const { store, fetchScenario } = page();
    await expect(shareSourceOf(store.getState(), fetchScenario)).rejects.toThrow(/no scenario is open/);
  });
});

describe('restoring a link', () => {
  it('a sandbox session with console lines reopens at the same position, event for event', async () => {
    const a = page();
    await a.store.getState().newSandbox(SHAPE);
    for (const l of [
      'lpi-config 8195 0xa3',
      'its MAPD DeviceID=16 Size=4 ITT_addr=0x40300000 V=1',
      'its MAPC ICID=1 RDbase=1 V=1',
      'its MAPTI DeviceID=16 EventID=3 pINTID=8195 ICID=1',
      'msi dev0 3',
      'expect deliveries cpu1:8195',
    ])
      expect((await a.store.getState().exec(l)).outcome).toBe('ok');
    const at = a.store.getState().length - 4;
    await a.store.getState().seek(at);
    const src = await shareSourceOf(a.store.getState(), a.fetchScenario);

    const b = page();
    expect(await restoreShared(b.store, await viaLink(src.state))).toEqual({ ok: true });
    const [sa, sb] = [a.store.getState(), b.store.getState()];
    expect(sb.errors).toEqual([]);
    expect(sb.position).toBe(at);
    expect(sb.length).toBe(sa.length);
    expect(sb.session!.steps.map((s) => [s.title, s.from, s.to, s.passed])).toEqual(
      sa.session!.steps.map((s) => [s.title, s.from, s.to, s.passed]),
    );
    expect(sb.session!.steps.at(-1)!.expectations.map((x) => x.text)).toContain(
      'expect deliveries cpu1:8195',
    );
    // The same machine at that position: the same stage, the same event log, the same tables.
    expect(sb.frame?.position).toBe(at);
    expect(sb.frame).toEqual(sa.frame);
    expect(sb.rows.filter(Boolean)).toEqual(sa.rows.filter(Boolean));
    const itt = { view: 'itt', its: 0, devid: 16 } as const;
    expect(await sb.inspect(itt)).toEqual(await sa.inspect(itt));
  });

  it('a catalog scenario opens by its path at its position', async () => {
    const b = page();
    expect(await restoreShared(b.store, await viaLink({ scenario: C27_FILE, at: 30 }))).toEqual({ ok: true });
    expect(b.store.getState()).toMatchObject({ file: C27_FILE, position: 30, errors: [] });
  });

  it('a position past the end shows the end, and says so', async () => {
    const b = page();
    await restoreShared(b.store, { scenario: C27_FILE, at: 999_999 });
    const s = b.store.getState();
    expect(s.position).toBe(s.length);
    expect(s.notice).toBe(
      `share link: event 999999 is past the end of this scenario (it has ${s.length} events); showing its end.`,
    );
  });

  it('a scenario the engine refuses is reported with its diagnostics, and the open session stays', async () => {
    const b = page();
    await b.store.getState().open(C27_FILE, 12);
    const before = b.store.getState().session;
    const bad = c27.replace('"read64 GITS_TYPER"', '"reed64 GITS_TYPER"');
    expect(bad).not.toBe(c27);
    const r = await restoreShared(b.store, { text: bad, name: 'evil.json', at: 3 });
    expect(r.ok).toBe(false);
    const s = b.store.getState();
    expect(s.errors[0]).toMatch(/^share link: the scenario in the link was refused: evil\.json:\d+:\d+: /);
    expect(s.session).toBe(before);
    expect(s.position).toBe(12);
    expect(s.file).toBe(C27_FILE);
  });

  it('a catalog path that is not there is reported', async () => {
    const b = page();
    const r = await restoreShared(b.store, { scenario: 'track9/none.json', at: 0 });
    expect(r).toEqual({
      ok: false,
      errors: [
        'share link: the scenario the link names (track9/none.json) could not be opened: Scenario track9/none.json was not found',
      ],
    });
    expect(b.store.getState().session).toBeNull();
  });
});
