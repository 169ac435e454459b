/** The sandbox console's calls on the engine host: exec, complete and save, driven directly. */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emptyMachineScenario } from '../sandbox/empty-machine';
import type { ExecResponse } from './api';
import { EngineHost } from './engine-host';
import { blameColumn, slug } from './sandbox-host';

const MAP_AND_FIRE = [
  'lpi-config 8195 0xa3',
  'its MAPD DeviceID=16 Size=4 ITT_addr=0x40300000 V=1',
  'its MAPC ICID=1 RDbase=1 V=1',
  'its MAPTI DeviceID=16 EventID=3 pINTID=8195 ICID=1',
  'its SYNC RDbase=1',
  'msi dev0 3',
];

function sandbox(bringUp = true, cpus = 2): EngineHost {
  const host = new EngineHost();
  const r = host.load(
    emptyMachineScenario({ profile: 'spec', cpus, its: 1, devices: 1, bringUp }),
    'sb.json',
  );
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return host;
}

function ok(r: ExecResponse): Extract<ExecResponse, { ok: true }> {
  if (!r.ok) throw new Error(`refused: column ${r.column}: ${r.error}`);
  return r;
}

describe('exec: a console line runs at the end of the history, as a step of its own', () => {
  it('maps and fires: each line is a step, the history grows, CPU 1 takes LPI 8195', () => {
    const host = sandbox();
    const start = host.frame(1e9).position;
    let length = start;
    let last: ExecResponse | undefined;
    for (const line of MAP_AND_FIRE) {
      last = ok(host.exec(line, length));
      expect(last.movedToEnd).toBe(false);
      expect(last.from).toBe(length);
      expect(last.to).toBeGreaterThan(length);
      expect(last.length).toBe(last.to);
      expect(last.session.steps.at(-1)).toMatchObject({
        title: line,
        from: length,
        to: last.to,
        passed: true,
      });
      length = last.length;
    }
    const fired = ok(last!);
    expect(fired.message).toMatch(/CPU 1 took LPI 8195/);
    expect(fired.session.steps).toHaveLength(1 + MAP_AND_FIRE.length);
    expect(fired.session.marks.deliveries).toHaveLength(1);
    expect(fired.session.marks.commands.length).toBeGreaterThanOrEqual(4);
    // The rows of the new events belong to the new steps.
    const rows = host.events(start, length);
    expect(rows.find((r) => r.kind === 'icc.ack')).toMatchObject({
      cpu: 1,
      intid: 8195,
      step: MAP_AND_FIRE.length,
    });
  });

  it('a read answers with the value read', () => {
    const host = sandbox();
    const r = ok(host.exec('read GITS_CTLR'));
    expect(r.message).toMatch(/reads GITS_CTLR.*0x1/);
    expect(ok(host.exec('cpu1 read ICC_PMR_EL1')).message).toMatch(/0xf0/);
  });

  it('a line that does not parse is refused with the column, and nothing changes', () => {
    const host = sandbox();
    const before = host.frame(1e9).position;
    const steps = ok(host.exec('read GITS_CTLR')).session.steps.length;
    const r = host.exec('its MAPD DeviceID=16 Szie=4');
    expect(r).toMatchObject({ ok: false, column: 22 });
    expect(!r.ok && r.error).toMatch(/MAPD has no field 'Szie'/);
    const typo = host.exec('wirte GICD_CTLR 1');
    expect(typo).toMatchObject({ ok: false, column: 1 });
    // Leading blanks count in the column.
    expect(host.exec('   wirte GICD_CTLR 1')).toMatchObject({ ok: false, column: 4 });
    const again = ok(host.exec('read GITS_CTLR'));
    expect(again.from).toBe(before + 1);
    expect(again.session.steps).toHaveLength(steps + 1);
  });

  it('a line naming something the machine lacks is refused before it runs, pointing at the name', () => {
    const host = sandbox(true, 2);
    const length = host.frame(1e9).position;
    const cases: [string, number, RegExp][] = [
      ['write rd9 GICR_CTLR 1', 7, /no redistributor 9/],
      ['msi nic9 1', 5, /no device named 'nic9'/],
      ['cpu4 write ICC_PMR_EL1 0xf0', 1, /no cpu4/],
      ['its1 MAPC ICID=1 RDbase=1 V=1', 1, /no ITS 1/],
      ['lpi-config rd3 8192 0xa3', 12, /no rd3/],
      ['expect pending rd5 8195', 16, /no rd5/],
      ['expect delivered cpu7 8195', 18, /no cpu7/],
    ];
    for (const [line, column, reason] of cases) {
      const r = host.exec(line);
      expect(r, line).toMatchObject({ ok: false, column });
      expect(!r.ok && r.error, line).toMatch(reason);
    }
    expect(host.frame(1e9).position).toBe(length);
    const r = ok(host.exec('read GITS_CTLR'));
    expect(r.session.steps).toHaveLength(2);
  });

  it('an ITS command with no command queue is refused on a machine that was not brought up', () => {
    const host = sandbox(false);
    const r = host.exec('its MAPC ICID=1 RDbase=1 V=1');
    expect(r).toMatchObject({ ok: false, column: 1 });
    expect(!r.ok && r.error).toMatch(/GITS_CBASER of ITS 0 is not valid/);
    expect(host.frame(1e9).position).toBe(0);
  });

  it('expect lines are checked against the line before them and recorded under its step', () => {
    const host = sandbox();
    for (const line of MAP_AND_FIRE) ok(host.exec(line));
    const good = ok(host.exec('expect deliveries cpu1:8195'));
    expect(good).toMatchObject({ outcome: 'ok', kind: 'expect' });
    const bad = ok(host.exec('expect deliveries cpu0:8195'));
    expect(bad.outcome).toBe('failed');
    expect(bad.message).toMatch(/cpu0 INTID 8195: missing/);
    expect(ok(host.exec('expect events its.ite devid=16 eventid=3 == 1')).outcome).toBe('ok');
    // No new steps: the expectations went under the msi's step, which now fails.
    const s = bad.session;
    expect(s.steps).toHaveLength(1 + MAP_AND_FIRE.length);
    expect(s.steps.at(-1)!.expectations.map((x) => x.ok)).toEqual([true, false]);
    expect(s.steps.at(-1)!.passed).toBe(false);
    expect(s.passed).toBe(false);
    // `unchanged` compares with the state the line's step began in.
    ok(host.exec('write GITS_IIDR 0x12345678'));
    expect(ok(host.exec('expect reg GITS_IIDR unchanged')).outcome).toBe('ok');
    ok(host.exec('write GICD_CTLR 0x10'));
    expect(ok(host.exec('expect reg GICD_CTLR unchanged')).outcome).toBe('failed');
  });

  it('runs at the end even when the page shows an earlier position, and says so', () => {
    const host = sandbox();
    const length = host.frame(1e9).position;
    host.frame(5);
    const r = ok(host.exec('read GITS_CTLR', 5));
    expect(r.movedToEnd).toBe(true);
    expect(r.from).toBe(length);
    expect(r.length).toBe(length + 1);
    // Without a position, the machine's own (where the last frame put it) tells.
    host.frame(3);
    expect(ok(host.exec('read GITS_CTLR')).movedToEnd).toBe(true);
    expect(ok(host.exec('read GITS_CTLR')).movedToEnd).toBe(false);
  });

  it('goes on from the exact end state, model time included, after the page looked elsewhere', () => {
    const lines = ['wait 5ms', 'msi dev0 3', 'its MAPC ICID=1 RDbase=1 V=1'];
    const straight = sandbox();
    for (const l of lines) ok(straight.exec(l));
    const wandering = sandbox();
    for (const l of lines) {
      wandering.frame(0);
      ok(wandering.exec(l, 0));
    }
    const end = straight.frame(1e9).position;
    expect(wandering.frame(1e9).position).toBe(end);
    expect(wandering.events(0, end)).toEqual(straight.events(0, end));
  });

  it('a storm is reported, not hung', () => {
    const host = sandbox();
    for (const l of ['write GICD_IGROUPR1 0x100', 'write GICD_ISENABLER1 0x100', 'write64 GICD_IROUTER40 1'])
      ok(host.exec(l));
    const r = ok(host.exec('line 40 high'));
    expect(r.warnings.join(' ')).toMatch(/did not settle/);
    expect(r.to - r.from).toBeGreaterThanOrEqual(200_000);
  });
});

describe('complete', () => {
  it("completes for the session's machine: its units, its devices, the kinds in its history", () => {
    const host = sandbox(true, 3);
    expect(host.complete('write rd', 8).candidates.map((c) => c.text)).toEqual(['rd0', 'rd1', 'rd2']);
    expect(host.complete('msi ', 4).candidates.map((c) => c.text)).toEqual(['dev0', 'rid=']);
    const kinds = host.complete('expect events ', 14).candidates.map((c) => c.text);
    expect(kinds).toContain('mmio.write');
    expect(kinds).not.toContain('icc.ack');
    for (const l of MAP_AND_FIRE) ok(host.exec(l));
    expect(host.complete('expect events icc.', 18).candidates.map((c) => c.text)).toContain('icc.ack');
  });
});

describe('save: the session as a scenario', () => {
  it('is the loaded scenario followed by a step per line, and replays to the same history', () => {
    const host = sandbox();
    for (const l of MAP_AND_FIRE) ok(host.exec(l));
    ok(host.exec('expect deliveries cpu1:8195'));
    ok(host.exec('wait 1us'));
    ok(host.exec('run'));
    const session = ok(host.exec('expect events icc.ack == 0')).session;
    const text = host.save('My map and fire!');
    const doc = JSON.parse(text) as {
      id: string;
      title: string;
      machine: unknown;
      steps: { title: string; actions?: string[]; expect?: string[]; settle?: string }[];
    };
    expect(doc.title).toBe('My map and fire!');
    expect(doc.id).toBe('my-map-and-fire');
    expect(doc.machine).toMatchObject({
      profile: 'spec',
      cpus: 2,
      devices: [{ name: 'dev0', bdf: '00:02.0' }],
    });
    expect(doc.steps.slice(1).map((s) => s.title)).toEqual([...MAP_AND_FIRE, 'wait 1us', 'run']);
    expect(doc.steps[MAP_AND_FIRE.length]).toEqual({
      title: 'msi dev0 3',
      actions: ['msi dev0 3'],
      expect: ['expect deliveries cpu1:8195'],
    });
    expect(doc.steps.at(-2)).toEqual({ title: 'wait 1us', actions: ['wait 1us'], settle: 'none' });
    expect(doc.steps.at(-1)).toMatchObject({ expect: ['expect events icc.ack == 0'] });

    const again = new EngineHost();
    const r = again.load(text, 'saved.json');
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.session.length).toBe(session.length);
    expect(r.session.passed).toBe(session.passed);
    expect(r.session.steps.map((s) => [s.from, s.to, s.passed])).toEqual(
      session.steps.map((s) => [s.from, s.to, s.passed]),
    );
    expect(again.events(0, session.length)).toEqual(host.events(0, session.length));
  });

  it('keeps a shipped scenario whole, adds the console lines, and marks it as a session', () => {
    const file = readFileSync('public/scenarios/track2/2.2-map-and-fire.json', 'utf8');
    const host = new EngineHost();
    const loaded = host.load(file, 'track2/2.2-map-and-fire.json');
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    const untouched = JSON.parse(host.save()) as Record<string, unknown>;
    const original = JSON.parse(file) as Record<string, unknown>;
    delete original.$schema;
    expect(untouched).toEqual(original);
    ok(host.exec('expect deliveries cpu1:8195'));
    ok(host.exec('msi nic0 3'));
    const saved = host.save();
    const doc = JSON.parse(saved) as { id: string; steps: { expect: string[] }[] };
    expect(doc.id).toBe('track2-map-and-fire-session');
    expect(doc.steps).toHaveLength((original.steps as unknown[]).length + 1);
    expect(doc.steps.at(-2)!.expect.at(-1)).toBe('expect deliveries cpu1:8195');
    const again = new EngineHost();
    const r = again.load(saved, 'saved.json');
    expect(r.ok && r.session.length).toBe(host.frame(1e9).position);
  });
});

describe('helpers', () => {
  it('blameColumn points at the word a reason names', () => {
    expect(blameColumn('write rd9 GICR_CTLR 1', 'there is no redistributor 9 (the machine has 2 PEs)')).toBe(
      7,
    );
    expect(blameColumn('msi  nic9 1', "no device named 'nic9' (devices: dev0)")).toBe(6);
    expect(blameColumn('write GICD_CTLR 0x1ff', '0x1ff does not fit in a 8-bit access')).toBe(17);
    expect(blameColumn('its MAPC ICID=1', 'GITS_CBASER of ITS 0 is not valid')).toBe(1);
  });

  it('slug makes a scenario id', () => {
    expect(slug('  Hello, GIC world!  ')).toBe('hello-gic-world');
    expect(slug('!!!')).toBe('sandbox-session');
  });
});

describe('a sandbox with a VM', () => {
  const vmScenario = JSON.stringify({
    format: 'giclab-scenario/1',
    id: 'vm-sandbox',
    title: 'A VM',
    machine: { profile: 'spec', cpus: 2, vms: [{ vcpus: 2 }] },
    steps: [{ title: 'start', actions: [] }],
  });

  it('completes the VM, its vCPUs and the KVM calls, and runs a guest line and an ioctl', () => {
    const host = new EngineHost();
    const r = host.load(vmScenario, 'vm.json');
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(host.complete('vm', 2).candidates.map((c) => c.text)).toContain('vm0');
    expect(host.complete('vm0 vc', 6).candidates.map((c) => c.text)).toEqual(['vcpu0', 'vcpu1']);
    expect(host.complete('vm0 irq', 7).candidates.map((c) => c.text)).toContain('irq-line');
    ok(host.exec('vm0 vcpu0 write GICD_CTLR 0x12'));
    ok(host.exec('vm0 vcpu0 write GICD_ISENABLER1 1'));
    ok(host.exec('vm0 vcpu0 write ICC_PMR_EL1 0xf0'));
    ok(host.exec('vm0 vcpu0 write ICC_IGRPEN1_EL1 1'));
    ok(host.exec('vm0 irq-line spi 32 high'));
    const x = ok(host.exec('expect events icv.ack vm=0 vcpu=0 intid=32 == 1 total'));
    expect(x.outcome, x.message).toBe('ok');
  });
});

describe('authoring: a recording narrated, grouped and saved', () => {
  /**
   * Every event of a host's history, narrated (what "the same event log" compares), without the
   * step each belongs to, which grouping changes on purpose.
   */
  const log = (h: EngineHost): unknown[] => h.events(0, h.frame(1e9).position).map(({ step: _, ...e }) => e);

  function edited(r: ReturnType<EngineHost['editStep']>): Extract<typeof r, { ok: true }> {
    if (!r.ok) throw new Error(`refused: ${r.error}`);
    return r;
  }

  it('titles, narration and notes change the steps and the saved file, never the history', () => {
    const host = sandbox();
    for (const l of MAP_AND_FIRE) ok(host.exec(l));
    const before = log(host);
    const s = edited(
      host.editStep(6, {
        title: '  nic fires  ',
        narration: 'The MSI becomes **LPI 8195**.\r\n\r\nCPU 1 takes it.  ',
        notes: 'Ask where it goes.',
      }),
    ).session;
    expect(s.steps[6]).toMatchObject({
      title: 'nic fires',
      narration: 'The MSI becomes **LPI 8195**.\n\nCPU 1 takes it.',
      notes: 'Ask where it goes.',
      actions: ['msi dev0 3'],
    });
    expect(log(host)).toEqual(before);
    const doc = JSON.parse(host.save()) as { steps: Record<string, unknown>[] };
    // A new narration goes after the title, as a hand-written file has it.
    expect(Object.keys(doc.steps[6]!)).toEqual(['title', 'narration', 'actions', 'notes']);
    expect(doc.steps[6]).toMatchObject({ title: 'nic fires', notes: 'Ask where it goes.' });
    // An empty narration removes it.
    edited(host.editStep(6, { narration: '   ' }));
    expect((JSON.parse(host.save()) as { steps: Record<string, unknown>[] }).steps[6]).not.toHaveProperty(
      'narration',
    );
  });

  it('a refused edit says why and changes nothing', () => {
    const host = sandbox();
    ok(host.exec('msi dev0 3'));
    edited(host.editStep(1, { title: 'Fire', narration: 'kept' }));
    const saved = host.save();
    const cases: [number, Parameters<EngineHost['editStep']>[1], RegExp][] = [
      [1, { title: '   ', narration: 'lost?' }, /step 2's title is empty/],
      [1, { title: 'two\nlines' }, /one line/],
      [1, { title: 'x'.repeat(201) }, /201 characters, more than the 200 allowed/],
      [1, { narration: 'x'.repeat(20_001) }, /narration is 20001 characters/],
      [1, { notes: 'x'.repeat(10_001) }, /speaker notes is 10001 characters/],
      [2, { title: 'nowhere' }, /there is no step 3: the scenario has 2/],
      [-1, { title: 'nowhere' }, /there is no step 0/],
    ];
    for (const [i, e, why] of cases) {
      const r = host.editStep(i, e);
      expect(r.ok, JSON.stringify(e).slice(0, 40)).toBe(false);
      expect(!r.ok && r.error).toMatch(why);
    }
    expect(host.save()).toBe(saved);
    expect(host.editMeta({ title: '' })).toMatchObject({ ok: false, error: /scenario's title is empty/ });
    expect(host.editMeta({ goals: Array.from({ length: 21 }, (_, i) => `goal ${i}`) })).toMatchObject({
      ok: false,
      error: /21 goals are more than the 20/,
    });
    expect(host.save()).toBe(saved);
  });

  it("the scenario's title, summary and goals: the session shows them, the saved id follows the title", () => {
    const host = sandbox();
    ok(host.exec('msi dev0 3'));
    const s = edited(
      host.editMeta({
        title: 'Map dev0, fire it',
        summary: 'One MSI.',
        goals: ['See an MSI', '', ' Read it '],
      }),
    ).session;
    expect(s).toMatchObject({
      title: 'Map dev0, fire it',
      summary: 'One MSI.',
      goals: ['See an MSI', 'Read it'],
    });
    const doc = JSON.parse(host.save()) as { id: string; title: string; goals: string[] };
    expect(doc).toMatchObject({
      id: 'map-dev0-fire-it',
      title: 'Map dev0, fire it',
      goals: ['See an MSI', 'Read it'],
    });
    // No goals, no summary: the fields go.
    edited(host.editMeta({ summary: '', goals: [] }));
    expect(JSON.parse(host.save())).not.toHaveProperty('goals');
    expect(JSON.parse(host.save())).not.toHaveProperty('summary');
  });

  it('grouping lines into one step: the same history, the merged step spans both, later steps keep theirs', () => {
    const host = sandbox();
    const lines = [...MAP_AND_FIRE, 'expect deliveries cpu1:8195', 'wait 1us'];
    for (const l of lines) ok(host.exec(l));
    const before = log(host);
    const was = host.frame(1e9).position;
    const steps = host.save();
    const old = (JSON.parse(steps) as { steps: unknown[] }).steps.length;
    host.frame(7); // the page looks somewhere: the merge does not move it
    edited(host.editStep(1, { narration: 'The LPI is configured.' }));
    edited(host.editStep(2, { narration: 'The device gets an ITT.' }));
    // MAPD, MAPC, MAPTI and SYNC become one step (merged into step 2 one at a time).
    for (let k = 0; k < 3; k++) edited(host.mergeStep(3));
    let s = edited(host.mergeStep(2)).session;
    expect(s.steps).toHaveLength(old - 4);
    expect(s.steps[1]).toMatchObject({
      title: 'lpi-config 8195 0xa3',
      narration: 'The LPI is configured.\n\nThe device gets an ITT.',
      actions: MAP_AND_FIRE.slice(0, 5),
    });
    expect(host.frame(7).position).toBe(7);
    expect(log(host)).toEqual(before);
    expect(s.length).toBe(was);
    // The msi's expectation stayed under it; the wait follows.
    expect(s.steps[2]).toMatchObject({ title: 'msi dev0 3', expectations: [{ ok: true }] });
    // A control line after an action: one step that settles after each line replays alike.
    s = edited(host.mergeStep(3)).session;
    expect(s.steps).toHaveLength(old - 5);
    expect(log(host)).toEqual(before);
    const doc = JSON.parse(host.save()) as {
      steps: { actions: string[]; settle?: string; expect?: string[] }[];
    };
    expect(doc.steps[2]).toEqual({
      title: 'msi dev0 3',
      actions: ['msi dev0 3', 'wait 1us'],
      expect: ['expect deliveries cpu1:8195'],
    });
  });

  it('refuses a merge that would change what the file checks, naming the expectation, and changes nothing', () => {
    const host = sandbox();
    for (const l of MAP_AND_FIRE) ok(host.exec(l));
    ok(host.exec('expect deliveries cpu1:8195'));
    ok(host.exec('msi dev0 3'));
    ok(host.exec('expect deliveries cpu1:8195'));
    const saved = host.save();
    const before = log(host);
    const r = host.mergeStep(7);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(
      /steps 7 and 8 cannot be one step: 'expect deliveries cpu1:8195' would no longer hold once its counts cover both steps' events/,
    );
    expect(host.save()).toBe(saved);
    expect(log(host)).toEqual(before);
    expect(host.mergeStep(0)).toMatchObject({ ok: false, error: 'step 1 has no step before it to join' });
    expect(host.mergeStep(9)).toMatchObject({ ok: false, error: /there is no step 10/ });
  });

  it('refuses a merge that would change the history, and says where', () => {
    // Two MSIs applied back to back (settle: end) make one delivery; a third after they settled,
    // another. As one step, either way, the MSIs would meet the CPU differently.
    const doc = JSON.parse(
      emptyMachineScenario({ profile: 'spec', cpus: 2, its: 1, devices: 1, bringUp: true }),
    ) as {
      steps: unknown[];
    };
    doc.steps.push(
      { title: 'map', actions: MAP_AND_FIRE.slice(0, 5) },
      { title: 'two MSIs at once', settle: 'end', actions: ['msi dev0 3', 'msi dev0 3'] },
      { title: 'one more', actions: ['msi dev0 3'] },
    );
    const host = new EngineHost();
    const loaded = host.load(JSON.stringify(doc), 'storm.json');
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    const saved = host.save();
    const r = host.mergeStep(3);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(
      /^steps 3 and 4 cannot be one step: the history would change at event \d+: “.+” instead of “.+”$/,
    );
    expect(host.save()).toBe(saved);
  });

  it('the saved recording reloads and replays to an identical event log, with its steps and words', () => {
    const host = sandbox();
    for (const l of [...MAP_AND_FIRE, 'expect deliveries cpu1:8195']) ok(host.exec(l));
    for (let k = 0; k < 4; k++) edited(host.mergeStep(2));
    edited(
      host.editStep(1, {
        title: 'Map event 3 of dev0 to LPI 8195 on CPU 1',
        narration: 'MAPD, MAPC, MAPTI.',
      }),
    );
    edited(host.editStep(2, { title: 'dev0 fires', notes: 'Which CPU?' }));
    edited(host.editMeta({ title: 'Map and fire dev0' }));
    const session = host.frame(1e9);
    const text = host.save();
    const again = new EngineHost();
    const r = again.load(text, 'map-and-fire-dev0.json');
    if (!r.ok) throw new Error(r.errors.join('\n'));
    const mine = edited(host.editMeta({})).session;
    expect(r.session.title).toBe('Map and fire dev0');
    expect(r.session.id).toBe('map-and-fire-dev0');
    expect(
      r.session.steps.map((s) => [s.title, s.narration, s.notes, s.actions, s.from, s.to, s.passed]),
    ).toEqual(mine.steps.map((s) => [s.title, s.narration, s.notes, s.actions, s.from, s.to, s.passed]));
    expect(r.session.length).toBe(session.position);
    expect(log(again)).toEqual(log(host));
    // And the reloaded file saves back to itself.
    expect(again.save()).toBe(text);
  });

  it('works on a shipped lesson (a trainer adapting it): predictions, notes and all', () => {
    const file = readFileSync('public/scenarios/track2/2.3-why-inv-exists.json', 'utf8');
    const host = new EngineHost();
    const loaded = host.load(file, 'track2/2.3-why-inv-exists.json');
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    const before = log(host);
    const i = loaded.session.steps.findIndex((s) => s.predict);
    edited(host.editStep(i, { narration: 'Our own words.' }));
    const doc = JSON.parse(host.save()) as { id: string; steps: { narration?: string; predict?: unknown }[] };
    expect(doc.id).toBe('track2-why-inv-exists');
    expect(doc.steps[i]).toMatchObject({ narration: 'Our own words.' });
    expect(doc.steps[i]!.predict).toEqual(
      (JSON.parse(file) as { steps: { predict?: unknown }[] }).steps[i]!.predict,
    );
    expect(log(host)).toEqual(before);
  });

  it('a replayed trace has no scenario text to edit', () => {
    const host = new EngineHost();
    expect(host.editStep(0, { title: 'x' })).toMatchObject({ ok: false, error: 'no scenario is open' });
  });
});
