/** The console's slice, on the real engine host in-process: run lines, recall them, save the session. */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inProcessClient } from '../worker/in-process-client';
import type { SessionDeps } from './session-slice';
import { createAppStore } from './store';

const c27 = readFileSync('public/scenarios/conformance/kut-c27-its-int-dev2.json', 'utf8');

const inProcess = inProcessClient;

function store() {
  const engine = inProcess();
  const deps: SessionDeps = {
    engine: () => engine,
    fetchScenario: () => Promise.resolve(c27),
    fetchCatalog: () => Promise.resolve([]),
  };
  return createAppStore(deps);
}

const SHAPE = { profile: 'spec', cpus: 2, its: 1, devices: 1, bringUp: true } as const;

describe('the sandbox slice', () => {
  it('starts an empty machine of the chosen shape and opens the console', async () => {
    const s = store();
    expect(await s.getState().newSandbox(SHAPE)).toBe(true);
    const st = s.getState();
    expect(st.file).toBe('sandbox.json');
    expect(st.tab).toBe('console');
    expect(st.session?.shape.devices.map((d) => d.name)).toEqual(['dev0']);
    expect(st.source?.text).toMatch(/giclab-scenario\/1/);
    // At the end of the bring-up, where the console goes on from.
    expect(st.length).toBeGreaterThan(0);
    expect(st.position).toBe(st.length);
    expect(st.focusRequest).toBe(1);
  });

  it('runs a line at the end: the session grows and the page jumps to the new end', async () => {
    const s = store();
    await s.getState().newSandbox(SHAPE);
    const length = s.getState().length;
    await s.getState().seek(3);
    const e = await s.getState().exec('its MAPC ICID=1 RDbase=1 V=1');
    expect(e).toMatchObject({ outcome: 'ok', kind: 'action', movedToEnd: true });
    expect(e.events).toBeGreaterThan(0);
    const st = s.getState();
    expect(st.length).toBe(length + e.events);
    expect(st.session!.length).toBe(st.length);
    expect(st.position).toBe(st.length);
    expect(st.frame?.position).toBe(st.length);
    expect(st.session!.steps.at(-1)!.title).toBe('its MAPC ICID=1 RDbase=1 V=1');
    expect(st.transcript.map((x) => x.outcome)).toEqual(['ok']);
    // The log's rows are those of the new history.
    expect(st.rows.filter(Boolean).length).toBe(st.length);
  });

  it('a refused line is in the transcript with its column and changes nothing', async () => {
    const s = store();
    await s.getState().newSandbox(SHAPE);
    const { length, session } = s.getState();
    const e = await s.getState().exec('write rd7 GICR_CTLR 1');
    expect(e).toMatchObject({ outcome: 'refused', column: 7 });
    expect(e.message).toMatch(/no redistributor 7/);
    const syntax = await s.getState().exec('its MAPTI DeviceID=16 EventID=3 pINTID=0x2g03 ICID=1');
    expect(syntax.outcome).toBe('refused');
    expect(syntax.column).toBe(40);
    expect(s.getState().length).toBe(length);
    expect(s.getState().session).toBe(session);
    expect(s.getState().transcript.map((x) => x.outcome)).toEqual(['refused', 'refused']);
  });

  it('an expectation that does not hold is failed, with the reason', async () => {
    const s = store();
    await s.getState().newSandbox(SHAPE);
    await s.getState().exec('read GITS_CTLR');
    const good = await s.getState().exec('expect reg GITS_CTLR & 1 == 1');
    const bad = await s.getState().exec('expect reg GITS_CTLR & 1 == 0');
    expect([good.outcome, bad.outcome]).toEqual(['ok', 'failed']);
    expect(bad.message).toMatch(/expected 0x0/);
    expect(s.getState().session!.passed).toBe(false);
  });

  it('keeps the input history across scenarios, without repeating a line twice in a row', async () => {
    const s = store();
    await s.getState().newSandbox(SHAPE);
    for (const l of ['read GITS_CTLR', 'read GITS_CTLR', 'wirte', 'read GICD_CTLR'])
      await s.getState().exec(l);
    expect(s.getState().history).toEqual(['read GITS_CTLR', 'wirte', 'read GICD_CTLR']);
    await s.getState().open('c27.json');
    expect(s.getState().transcript).toEqual([]);
    expect(s.getState().history).toHaveLength(3);
    await s.getState().exec('read GITS_TYPER');
    expect(s.getState().history.at(-1)).toBe('read GITS_TYPER');
  });

  it('completes words for the open machine', async () => {
    const s = store();
    expect(await s.getState().complete('wr', 2)).toBeNull();
    await s.getState().newSandbox({ ...SHAPE, cpus: 3 });
    const c = await s.getState().complete('write rd', 8);
    expect(c?.candidates.map((x) => x.text)).toEqual(['rd0', 'rd1', 'rd2']);
    expect(c).toMatchObject({ from: 6, to: 8 });
  });

  it('saves the session as a scenario that opens again to the same history', async () => {
    const s = store();
    await s.getState().newSandbox(SHAPE);
    for (const l of [
      'lpi-config 8195 0xa3',
      'its MAPD DeviceID=16 Size=4 ITT_addr=0x40300000 V=1',
      'its MAPC ICID=1 RDbase=1 V=1',
      'its MAPTI DeviceID=16 EventID=3 pINTID=8195 ICID=1',
      'msi dev0 3',
      'expect deliveries cpu1:8195',
    ])
      expect((await s.getState().exec(l)).outcome).toBe('ok');
    const length = s.getState().length;
    const saved = await s.getState().saveAsScenario('Fire dev0');
    expect(saved.fileName).toBe('fire-dev0.json');
    await s.getState().openText(saved.text, saved.fileName);
    expect(s.getState().errors).toEqual([]);
    expect(s.getState().session?.title).toBe('Fire dev0');
    expect(s.getState().length).toBe(length);
    expect(s.getState().session?.passed).toBe(true);
  });

  it('edits the words of the open session: the page shows them, a refused edit changes nothing', async () => {
    const s = store();
    await s.getState().newSandbox(SHAPE);
    await s.getState().exec('msi dev0 3');
    expect(
      await s.getState().editStep(1, { title: 'dev0 fires', narration: 'Nothing is mapped yet.' }),
    ).toEqual({
      ok: true,
    });
    expect(s.getState().session!.steps[1]).toMatchObject({
      title: 'dev0 fires',
      narration: 'Nothing is mapped yet.',
    });
    expect(s.getState().authorEdits).toBe(1);
    const session = s.getState().session;
    const refused = await s.getState().editStep(1, { title: ' ', narration: 'typed' });
    expect(refused).toEqual({ ok: false, error: expect.stringMatching(/step 2's title is empty/) as string });
    expect(s.getState().session).toBe(session);
    expect(s.getState().authorEdits).toBe(1);
    expect(await s.getState().editMeta({ title: 'An unmapped MSI' })).toEqual({ ok: true });
    expect(s.getState().session!.title).toBe('An unmapped MSI');
    const saved = await s.getState().saveAsScenario();
    expect(saved.fileName).toBe('an-unmapped-msi.json');
    expect(saved.text).toContain('"narration": "Nothing is mapped yet."');
    // Opening another scenario starts its own count of edits.
    await s.getState().open('c27.json');
    expect(s.getState().authorEdits).toBe(0);
  });

  it('groups two console lines into one step, at the same position, and the frame says which step', async () => {
    const s = store();
    await s.getState().newSandbox(SHAPE);
    for (const l of ['its MAPD DeviceID=16 Size=4 ITT_addr=0x40300000 V=1', 'its MAPC ICID=1 RDbase=1 V=1'])
      await s.getState().exec(l);
    const { length } = s.getState();
    await s.getState().seek(length);
    expect(s.getState().frame!.step).toBe(2);
    expect(await s.getState().mergeStep(2)).toEqual({ ok: true });
    const st = s.getState();
    expect(st.session!.steps).toHaveLength(2);
    expect(st.session!.steps[1]!.actions).toHaveLength(2);
    expect(st.length).toBe(length);
    expect(st.position).toBe(length);
    expect(st.frame!.step).toBe(1);
    expect(await s.getState().mergeStep(0)).toMatchObject({ ok: false, error: /no step before it/ });
  });

  it('says so when no machine is open', async () => {
    const s = store();
    const e = await s.getState().exec('read GITS_CTLR');
    expect(e).toMatchObject({ outcome: 'refused' });
    expect(e.message).toMatch(/no machine is open/);
  });
});
