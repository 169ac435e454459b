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
