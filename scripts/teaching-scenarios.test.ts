/**
 * The teaching library (../shared/domain/teaching-flows.md): every lesson in public/scenarios/track1
 * to track5 (the files in the `giclab-scenario/1` format; track 5 may also hold lessons in other
 * formats, such as a trace replay) loads, passes under its own profile, and its predictions are
 * answered by what the machine did, by exactly one choice each; every row of tracks 1 to 4 is
 * there, and 5.2; each lesson is a full lesson: goals, a difficulty, prerequisites that name shipped
 * scenarios in a learning order without cycles, a prediction with its explanation, speaker notes on
 * every step, and only inspectors its machine has. "Map and fire", "More pending than list
 * registers", "Passthrough, the slow way", "Doorbells", "Software vs direct" and "Live migration of
 * an ITS" tell their stories in the order the flows ask for (an order the scenarios' own
 * expectations cannot check).
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadScenario } from '../engine/scenario/loader';
import { ScenarioRun } from '../engine/scenario/runner';
// After the loader, which brings in the KVM layer first (engine/kvm/kvm-extension).
import { checkExpectation } from '../engine/scenario/expectations';
import { DIFFICULTIES } from '../engine/scenario/schema';
import type { SimEvent } from '../engine/sim/event-log';

const ROOT = join(import.meta.dirname, '..', 'public', 'scenarios');
const FORMAT = 'giclab-scenario/1';
const DIRS = ['track1', 'track2', 'track3', 'track4', 'track5'];
const isLesson = (f: string): boolean =>
  (JSON.parse(readFileSync(join(ROOT, f), 'utf8')) as { format?: unknown }).format === FORMAT;
const files = DIRS.flatMap((d) =>
  existsSync(join(ROOT, d))
    ? readdirSync(join(ROOT, d))
        .filter((f) => f.endsWith('.json'))
        .map((f) => `${d}/${f}`)
        .filter(isLesson)
    : [],
);

/** Every scenario file shipped (any folder, any format), relative to ROOT; the catalog excepted. */
function shipped(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? shipped(join(dir, d.name))
      : d.name.endsWith('.json') && d.name !== 'index.json'
        ? [relative(ROOT, join(dir, d.name)).split(sep).join('/')]
        : [],
  );
}

interface TeachingFile {
  format: string;
  id: string;
  title: string;
  track?: string;
  summary?: string;
  goals?: string[];
  difficulty?: string;
  prerequisites?: string[];
  machine?: { profile?: string; gic?: number; vms?: unknown[] };
  steps: {
    title: string;
    narration?: string;
    notes?: string;
    inspect?: string;
    predict?: { question: string; choices: { text: string; when: string }[]; explain?: string };
    expect?: string[];
  }[];
}
const read = (f: string): TeachingFile => JSON.parse(readFileSync(join(ROOT, f), 'utf8')) as TeachingFile;

function run(file: string): ScenarioRun {
  return runWithChoices(file).run;
}

/** Runs a lesson step by step; for each prediction, which of its choices hold after the step. */
function runWithChoices(file: string): { run: ScenarioRun; holds: Map<number, boolean[]> } {
  const loaded = loadScenario(readFileSync(join(ROOT, file), 'utf8'), file);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
  const r = new ScenarioRun(loaded.scenario);
  const holds = new Map<number, boolean[]>();
  for (let st = r.runStep(); st; st = r.runStep()) {
    const p = loaded.scenario.steps[st.index]!.predict;
    const from = st.from;
    if (p)
      holds.set(
        st.index,
        p.choices.map(
          (c) =>
            c.when.action.kind === 'expect' && checkExpectation(r.machine, c.when.action.expect, from).ok,
        ),
      );
  }
  return { run: r, holds };
}

const failures = (r: ScenarioRun): string[] =>
  r.results.flatMap((s) => [
    ...s.actions.filter((a) => !a.ok).map((a) => `step ${s.index + 1} line ${a.line}: ${a.message}`),
    ...s.expectations.filter((x) => !x.ok).map((x) => `step ${s.index + 1} ${x.text}: ${x.message}`),
    ...s.warnings.map((w) => `step ${s.index + 1}: ${w}`),
  ]);

const TRACKS = [
  ...['1.1', '1.2', '1.3', '1.4', '1.5'],
  ...['2.1', '2.2', '2.3', '2.4', '2.5', '2.6', '2.7', '2.8'],
  ...['3.1', '3.2', '3.3', '3.4', '3.5', '3.6'],
  ...['4.1', '4.2', '4.3', '4.4', '4.5', '4.6', '4.7', '4.8'],
];

/** The events of a finished run, in order. */
function events(r: ScenarioRun): SimEvent[] {
  const m = r.machine;
  return Array.from({ length: m.seq }, (_, s) => m.log.get(s)!);
}

/** A track number as a pair, to compare "1.5" with "2.10". */
const order = (t: string): [number, number] => t.split('.').map(Number) as [number, number];
const before = (a: string, b: string): boolean => {
  const [x, y] = [order(a), order(b)];
  return x[0] < y[0] || (x[0] === y[0] && x[1] < y[1]);
};

describe('teaching scenarios, tracks 1 to 5', () => {
  it('has every row of tracks 1 to 4 and lesson 5.2, each file in the folder of its track', () => {
    const tracks = files.map((f) => read(f).track!);
    expect([...new Set(tracks.filter((t) => !t.startsWith('5.')))].sort()).toEqual(TRACKS);
    expect(tracks).toContain('5.2');
    for (const f of files) {
      const t = read(f).track!;
      expect(f.startsWith(`track${t.split('.')[0]}/${t}-`), f).toBe(true);
    }
  });

  it('has the titles of the flows: "Map and fire" (2.2), "Why INV exists" (2.3) and the six of track 3', () => {
    const byTitle = new Map(files.map((f) => [read(f).title, read(f).track]));
    expect(byTitle.get('Map and fire')).toBe('2.2');
    expect(byTitle.get('Why INV exists')).toBe('2.3');
    expect(byTitle.get("A virtual interrupt's life")).toBe('3.1');
    expect(byTitle.get('More pending than list registers')).toBe('3.2');
    expect(byTitle.get('KVM_IRQ_LINE')).toBe('3.3');
    expect(byTitle.get('irqfd and GSI routing')).toBe('3.4');
    expect(byTitle.get("The guest's own ITS")).toBe('3.5');
    expect(byTitle.get('Passthrough, the slow way')).toBe('3.6');
  });

  it('has the eight lessons of track 4 under the titles of the flows', () => {
    const byTrack = new Map(files.map((f) => [read(f).track, read(f).title]));
    expect(byTrack.get('4.1')).toMatch(/^Forwarding/);
    expect(byTrack.get('4.2')).toBe('vPE residency');
    expect(byTrack.get('4.3')).toBe('Doorbells');
    expect(byTrack.get('4.4')).toBe('Guest commands on forwarded LPIs');
    expect(byTrack.get('4.5')).toBe('The DISCARD/MAPTI trap');
    expect(byTrack.get('4.6')).toBe('GICv4.1');
    expect(byTrack.get('4.7')).toBe('Software vs direct, side by side');
    expect(byTrack.get('4.8')).toBe('The doorbell proxy device');
  });

  it('runs every track-3 lesson on a machine with a VM', () => {
    for (const f of files.filter((x) => read(x).track?.startsWith('3.'))) {
      const m = JSON.parse(readFileSync(join(ROOT, f), 'utf8')) as { machine?: { vms?: unknown[] } };
      expect(m.machine?.vms?.length, f).toBe(1);
    }
  });

  it("runs every track-4 lesson on a GICv4 host with a VM, 4.6 on a GICv4.1 and 4.8 on QEMU's GICv4.0", () => {
    for (const f of files.filter((x) => read(x).track?.startsWith('4.'))) {
      const m = JSON.parse(readFileSync(join(ROOT, f), 'utf8')) as {
        machine?: { gic?: number; profile?: string; vms?: unknown[] };
      };
      expect(m.machine?.vms?.length, f).toBeGreaterThan(0);
      const t = read(f).track;
      expect(m.machine?.gic, f).toBe(t === '4.6' ? 4.1 : 4);
      expect(m.machine?.profile, f).toBe(t === '4.8' ? 'qemu' : 'spec');
    }
  });

  it('tells 2.5 (tearing down) on both KVM and QEMU', () => {
    const profiles = files.filter((f) => read(f).track === '2.5').map((f) => read(f).machine?.profile);
    expect(profiles.sort()).toEqual(['kvm', 'qemu']);
  });

  it.each(files)(
    '%s is a lesson: summary, 3 to 5 goals, a difficulty, narration and speaker notes on every step',
    (file) => {
      const sc = read(file);
      expect(sc.summary?.length).toBeGreaterThan(0);
      expect(sc.goals?.length, file).toBeGreaterThanOrEqual(3);
      expect(sc.goals?.length, file).toBeLessThanOrEqual(5);
      for (const g of sc.goals ?? []) expect(g.trim().length, file).toBeGreaterThan(0);
      expect(DIFFICULTIES, file).toContain(sc.difficulty);
      expect(sc.machine?.profile).toMatch(/^(kvm|qemu|spec)$/);
      for (const s of sc.steps) {
        expect(s.title.length, file).toBeGreaterThan(0);
        expect(s.narration?.length, `${file}: ${s.title}`).toBeGreaterThan(0);
        expect(s.notes?.trim().length, `${file}: ${s.title} has no speaker notes`).toBeGreaterThan(0);
      }
    },
  );

  it.each(files)('%s asks for at least one prediction, and explains every answer', (file) => {
    const sc = read(file);
    const predicted = sc.steps.filter((s) => s.predict);
    expect(predicted.length, file).toBeGreaterThan(0);
    for (const s of predicted) {
      expect(s.predict!.choices.length, `${file}: ${s.title}`).toBeGreaterThanOrEqual(2);
      expect(s.predict!.explain?.trim().length, `${file}: ${s.title} has no explanation`).toBeGreaterThan(0);
    }
  });

  it.each(files)('%s opens only inspectors its machine has', (file) => {
    const sc = read(file);
    const vms = sc.machine?.vms?.length ?? 0;
    for (const s of sc.steps) {
      if (s.inspect === 'vcpus') expect(vms, `${file}: ${s.title}`).toBeGreaterThan(0);
      if (s.inspect === 'vpes') {
        expect(vms, `${file}: ${s.title}`).toBeGreaterThan(0);
        expect(sc.machine?.gic ?? 3, `${file}: ${s.title}`).toBeGreaterThanOrEqual(4);
      }
    }
  });

  it('names shipped scenarios as prerequisites, earlier lessons only, with no cycle', () => {
    const all = shipped().map((f) => ({
      f,
      s: JSON.parse(readFileSync(join(ROOT, f), 'utf8')) as TeachingFile,
    }));
    const byId = new Map(all.filter((x) => typeof x.s.id === 'string').map((x) => [x.s.id, x.s]));
    for (const f of files) {
      const sc = read(f);
      for (const p of sc.prerequisites ?? []) {
        expect(byId.has(p), `${f}: prerequisite '${p}' is not a shipped scenario`).toBe(true);
        expect(p, f).not.toBe(sc.id);
        const t = byId.get(p)?.track;
        if (t && sc.track)
          expect(before(t, sc.track), `${f}: prerequisite ${p} (${t}) is not earlier`).toBe(true);
      }
    }
    // No cycle through any scenario's prerequisites (depth-first, with the path on a stack).
    const state = new Map<string, 'open' | 'done'>();
    const visit = (id: string, path: string[]): void => {
      if (state.get(id) === 'done') return;
      expect(state.get(id), `prerequisite cycle: ${[...path, id].join(' -> ')}`).not.toBe('open');
      state.set(id, 'open');
      for (const p of byId.get(id)?.prerequisites ?? []) if (byId.has(p)) visit(p, [...path, id]);
      state.set(id, 'done');
    };
    for (const id of byId.keys()) visit(id, []);
    // The first lesson has none; every other lesson of tracks 1 to 5 builds on one.
    for (const f of files) {
      const sc = read(f);
      if (sc.track === '1.1') expect(sc.prerequisites ?? [], f).toEqual([]);
      else expect(sc.prerequisites?.length, `${f} names no prerequisite`).toBeGreaterThan(0);
    }
  });

  it.each(files)(
    '%s passes under its own profile, and exactly one choice of each prediction holds',
    (file) => {
      const { run: r, holds } = runWithChoices(file);
      expect(failures(r)).toEqual([]);
      expect(r.report().passed).toBe(true);
      const sc = read(file);
      for (const s of r.results)
        if (sc.steps[s.index]!.predict) {
          const where = `${file} step ${s.index + 1}`;
          expect(s.answer, where).toBeDefined();
          expect(holds.get(s.index)!.filter(Boolean).length, `${where}: choices that hold`).toBe(1);
        }
    },
  );

  it('Map and fire: MAPD, MAPC, MAPTI, SYNC from the queue, then a device MSI taken as LPI 8195 and EOIed', () => {
    const file = files.find((f) => read(f).title === 'Map and fire')!;
    const m = run(file).machine;
    const story: string[] = [];
    for (let s = 0; s < m.seq; s++) {
      const kind = m.log.kindAt(s);
      const e = m.log.get(s)!;
      const d = e.data as Record<string, unknown>;
      if (kind === 'its.cmd') story.push(`${String(d.command)}:${String(d.outcome)}`);
      else if (kind === 'pci.msi') story.push(`MSI from ${String(d.device)}`);
      else if (kind === 'icc.ack' && e.intid === 8195) story.push(`cpu${e.cpu} IAR 8195`);
      else if (kind === 'icc.eoi' && e.intid === 8195) story.push(`cpu${e.cpu} EOIR 8195`);
    }
    expect(story.slice(0, 8)).toEqual([
      'MAPD:ok',
      'MAPC:ok',
      'MAPTI:ok',
      'SYNC:ok',
      'MSI from nic0',
      'cpu1 IAR 8195',
      'cpu1 EOIR 8195',
      'MSI from nic0',
    ]);
  });
  it('More pending than list registers: two LRs filled by priority, refilled after each underflow', () => {
    const file = files.find((f) => read(f).track === '3.2')!;
    const ev = events(run(file));
    const story: string[] = [];
    for (const e of ev) {
      const d = e.data as Record<string, unknown>;
      if (e.kind === 'vcpu.entry' && Array.isArray(d.lrs) && d.lrs.length)
        story.push(
          `LRs ${(d.lrs as { vintid: number }[]).map((l) => l.vintid).join(',')}${d.hcr === '0x3' ? ' +UIE' : ''}`,
        );
      else if (e.kind === 'icv.ack') story.push(`ack ${e.intid}`);
      else if (e.kind === 'vcpu.exit' && d.source === 'maintenance') story.push('underflow exit');
    }
    expect(story.slice(0, 11)).toEqual([
      'LRs 33,35 +UIE',
      'ack 33',
      'underflow exit',
      'LRs 35,32 +UIE',
      'ack 35',
      'underflow exit',
      'LRs 32,34',
      'ack 32',
      'ack 34',
      // then the same four one at a time: one LR each, no UIE
      'LRs 32',
      'ack 32',
    ]);
  });

  it("Passthrough, the slow way: every hop in order, from the device's write to the guest's acknowledge", () => {
    const file = files.find((f) => read(f).track === '3.6')!;
    const ev = events(run(file));
    const first = ev.findIndex((e) => e.kind === 'pci.msi');
    const hops: string[] = [];
    for (const e of ev.slice(first)) {
      const d = e.data as Record<string, unknown>;
      let hop: string | undefined;
      if (e.kind === 'pci.msi') hop = `device write, RID ${String(d.rid)}`;
      else if (e.kind === 'its.ite')
        hop = `${e.unit}: DeviceID ${e.devid} EventID ${e.eventid} -> LPI ${e.intid}`;
      else if (e.kind === 'icc.ack') hop = `host cpu${e.cpu} IAR ${e.intid}`;
      else if (e.kind === 'vfio.irq') hop = 'vfio_msihandler';
      else if (e.kind === 'eventfd.signal') hop = `eventfd ${String(d.fd)} -> GSI ${String(d.gsi)}`;
      else if (e.kind === 'vgic.lpi.pending') hop = `vLPI ${e.intid} pending`;
      else if (e.kind === 'vcpu.kick') hop = `kick vcpu${String(d.vcpu)}: ${String(d.action)}`;
      else if (e.kind === 'vcpu.exit')
        hop = `exit vcpu${String(d.vcpu)}: ${String(d.reason)}/${String(d.source)}`;
      else if (e.kind === 'vcpu.entry')
        hop = `entry vcpu${String(d.vcpu)}, LRs ${(d.lrs as { vintid: number }[]).map((l) => l.vintid).join(',')}`;
      else if (e.kind === 'icv.ack') hop = `guest vcpu${String(d.vcpu)} IAR ${e.intid}`;
      if (hop) hops.push(hop);
      if (e.kind === 'icv.ack') break;
    }
    expect(hops).toEqual([
      'device write, RID 256',
      'its0: DeviceID 256 EventID 0 -> LPI 8200',
      'host cpu0 IAR 8200',
      'vfio_msihandler',
      'eventfd 3 -> GSI 224',
      'vm0.its0: DeviceID 24 EventID 0 -> LPI 8192',
      'vLPI 8192 pending',
      'kick vcpu1: ipi',
      'exit vcpu1: irq/kick',
      'entry vcpu1, LRs 8192',
      'guest vcpu1 IAR 8192',
    ]);
    // From the device's write to the guest's ICV_IAR1_EL1: the figure the lesson narrates.
    const ack = ev.slice(first).find((e) => e.kind === 'icv.ack')!;
    const ns = ack.time - ev[first]!.time;
    expect(ns).toBeGreaterThan(5000);
    expect(ns).toBeLessThan(6000);
  });
  it('Doorbells: a vLPI for a blocked vCPU is recorded, rings the doorbell, and is taken from the hardware after the wake-up', () => {
    const file = files.find((f) => read(f).track === '4.3')!;
    const ev = events(run(file));
    const first = ev.findIndex((e) => e.kind === 'pci.msi');
    const story: string[] = [];
    for (const e of ev.slice(first)) {
      const d = e.data as Record<string, unknown>;
      let hop: string | undefined;
      if (e.kind === 'gicr.vlpi')
        hop = `vLPI ${e.intid} ${d.resident ? 'resident' : 'not resident'}: ${String(d.done)}`;
      else if (e.kind === 'gicr.doorbell') hop = `doorbell LPI ${e.intid} on gicr${e.cpu}`;
      else if (e.kind === 'kvm.v4.doorbell') hop = `KVM's doorbell handler: vcpu${String(d.vcpu)}`;
      else if (e.kind === 'vcpu.kick') hop = `kick vcpu${String(d.vcpu)}: ${String(d.action)}`;
      else if (e.kind === 'vcpu.entry')
        hop = `entry vcpu${String(d.vcpu)}, ${(d.lrs as unknown[]).length} LRs`;
      else if (e.kind === 'icv.ack')
        hop = `guest vcpu${String(d.vcpu)} IAR ${e.intid}${d.direct ? ' direct' : ''}`;
      else if (e.kind === 'vgic.lpi.pending' || e.kind === 'vfio.irq') hop = `software: ${e.kind}`;
      if (hop) story.push(hop);
      if (e.kind === 'icv.ack') break;
    }
    expect(story).toEqual([
      'vLPI 8192 not resident: recorded',
      'doorbell LPI 12289 on gicr2',
      "KVM's doorbell handler: vcpu1",
      'kick vcpu1: wake',
      'entry vcpu1, 0 LRs',
      'guest vcpu1 IAR 8192 direct',
    ]);
  });
  it('Software vs direct: the same MSI, 185 ns with no exit against about 5.2 µs with one', () => {
    const file = files.find((f) => read(f).track === '4.7')!;
    const ev = events(run(file));
    const first = ev.findIndex((e) => e.kind === 'pci.msi');
    const at = ev[first]!.time;
    const ack = (vm: number) =>
      ev.slice(first).find((e) => e.kind === 'icv.ack' && (e.data as { vm: number }).vm === vm)!;
    const direct = ack(0);
    const software = ack(1);
    expect((direct.data as { direct?: boolean }).direct).toBe(true);
    expect(direct.time - at).toBeLessThan(300);
    expect((software.data as { lr: number }).lr).toBe(0);
    expect(software.time - at).toBeGreaterThan(5000);
    expect(software.time - at).toBeLessThan(6000);
    const exits = (vm: number) =>
      ev.filter(
        (e) =>
          e.seq > first &&
          e.seq < software.seq &&
          e.kind === 'vcpu.exit' &&
          (e.data as { vm: number }).vm === vm,
      ).length;
    expect([exits(0), exits(1)]).toEqual([0, 1]);
  });
  it('Live migration of an ITS: the tables are written by the save, and each LPI pending across it is taken once', () => {
    const file = files.find((f) => read(f).track === '5.2')!;
    expect(read(file).machine?.profile).toBe('kvm');
    const ev = events(run(file));
    const migrate = ev.findIndex((e) => e.kind === 'machine.migrate');
    expect(migrate).toBeGreaterThan(0);
    // The save wrote KVM's lists into the guest's tables (two devices, four events, two collections)
    // and three pending latches into the pending tables; the restore read three pending bits back.
    const report = ev[migrate]!.data as {
      saved: { devices: number; events: number; collections: number; error?: string }[];
      pendingSaved: number;
      pendingRestored: number;
    };
    expect(report.saved).toEqual([{ devices: 2, events: 4, collections: 2 }]);
    expect([report.pendingSaved, report.pendingRestored]).toEqual([3, 3]);
    // Between the restore and the next device write, the three LPIs pending at the save are taken once each.
    const next = ev.findIndex((e, i) => i > migrate && e.kind === 'pci.msi');
    const acks = ev
      .slice(migrate, next)
      .filter((e) => e.kind === 'icc.ack')
      .map((e) => `cpu${e.cpu}:${e.intid}`);
    expect(acks.sort()).toEqual(['cpu0:8193', 'cpu1:8195', 'cpu1:8200']);
    // Nothing was left pending to be taken a second time by the last migration.
    const last = ev.map((e) => e.kind).lastIndexOf('machine.migrate');
    expect(last).toBeGreaterThan(migrate);
    expect(ev.slice(last).filter((e) => e.kind === 'icc.ack')).toEqual([]);
  });
});
