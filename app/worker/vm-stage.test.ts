/**
 * The stage model of a machine that runs a VM, checked against the engine's own state and events
 * at every position: where each virtual interrupt is (ap_list, list register, guest), what the
 * vCPUs and KVM's objects say, and which places a VM event lights up. A machine without VMs gets
 * the model it always had.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../engine';
import type { Token } from './api';
import { EngineHost } from './engine-host';
import { stageFrames } from './stage-frames';
import { stageModel } from './stage-model';
import { irqfdStory, pinStory, vmStory } from './vm-fixture';

const where = (t: Token | undefined): string =>
  !t
    ? 'gone'
    : t.at.node === 'vcpu'
      ? `vcpu${t.at.vcpu}/${t.at.part}:${t.state}`
      : t.at.node === 'kvm'
        ? `${t.at.part}:${t.state}`
        : t.at.node;

const seqOf = (m: Machine, kind: string, intid?: number, from = 0): number => {
  for (let s = from; s < m.log.length; s++) {
    const e = m.log.get(s)!;
    if (e.kind === kind && (intid === undefined || e.intid === intid)) return s;
  }
  throw new Error(`no ${kind} ${intid ?? ''}`);
};

describe('the stage model of a VM', () => {
  it('follows a vSPI from KVM_IRQ_LINE to the ap_list, an LR at entry, the guest at ack, gone at EOI', () => {
    const m = vmStory();
    const fr = stageFrames(m);
    const line = seqOf(m, 'kvm.irq-line', 32);
    const id = `v${line}`;
    const tok = (p: number) => fr[p]!.tokens.find((t) => t.id === id);
    const entry = seqOf(m, 'vcpu.entry', undefined, line);
    const ack = seqOf(m, 'icv.ack', 32);
    const eoi = seqOf(m, 'icv.eoi', 32);
    expect(where(tok(line))).toBe('gone');
    expect(tok(line + 1)).toMatchObject({ kind: 'spi', label: 'vSPI 32', intid: 32, vm: 0 });
    expect(where(tok(line + 1))).toBe('vcpu0/aplist:pending');
    expect(where(tok(entry))).toBe('vcpu0/aplist:pending');
    expect(where(tok(entry + 1))).toBe('vcpu0/lr:pending');
    expect(where(tok(ack))).toBe('vcpu0/lr:pending');
    expect(where(tok(ack + 1))).toBe('vcpu0/guest:active');
    expect(where(tok(eoi + 1))).toBe('gone');
    // The same token all the way: the id never changes while it lives.
    for (let p = line + 1; p <= eoi; p++) expect(tok(p), `position ${p}`).toBeDefined();
  });

  it('leaves on the ap_list what does not fit in the list registers, as the entry event says', () => {
    const m = vmStory();
    const fr = stageFrames(m);
    const line = seqOf(m, 'kvm.irq-line', 34);
    const entry = seqOf(m, 'vcpu.entry', undefined, line);
    const e = m.log.get(entry)!;
    const data = e.data as { lrs: { vintid: number }[]; notLoaded: number[] };
    expect(data.notLoaded).toEqual([34]);
    const at = (intid: number) => where(fr[entry + 1]!.tokens.find((t) => t.intid === intid && t.vm === 0));
    for (const l of data.lrs) expect(at(l.vintid)).toBe('vcpu0/lr:pending');
    expect(at(34)).toBe('vcpu0/aplist:pending');
  });

  it.each([
    ['the SPI story', vmStory],
    ['the pin, time-slice and migration story', pinStory],
  ])(
    'puts every virtual token where the vgic and the LRs hold it, at every position (%s)',
    (_name, story) => {
      const m = story();
      const fr = stageFrames(m);
      for (let p = 0; p <= m.log.length; p++) {
        m.seek(p);
        const vm = m.s.kvm!.vms[0]!;
        for (const t of fr[p]!.tokens.filter((x) => x.vm === 0 && x.intid !== undefined)) {
          if (t.at.node !== 'vcpu') continue;
          const cpu = vm.vgic.vcpus[t.at.vcpu]!;
          expect(cpu.apList, `position ${p}: ${t.label}`).toContain(t.intid);
          const n = cpu.v3.lrLo.findIndex((lo, i) => i < cpu.v3.usedLrs && lo === t.intid);
          if (t.at.part === 'aplist')
            expect(n === -1 || vm.run.vcpus[t.at.vcpu]!.mode !== 'guest').toBe(true);
          else
            expect(cpu.v3.lrHi[n]! >>> 30, `position ${p}: ${t.label} in LR${n}`).toBe(
              t.at.part === 'lr' ? 1 : 2,
            );
        }
      }
    },
  );

  it.each([
    ['the SPI story', vmStory],
    ['the pin, time-slice and migration story', pinStory],
  ])(
    'summarises each vCPU as the run state has it, and says which vCPU each pCPU runs (%s)',
    (_name, story) => {
      const m = story();
      const fr = stageFrames(m);
      let loaded = 0;
      for (let p = 0; p <= m.log.length; p++) {
        m.seek(p);
        const vm = m.s.kvm!.vms[0]!;
        const st = fr[p]!;
        expect(st.vms).toHaveLength(1);
        st.vms![0]!.vcpus.forEach((v, i) => {
          const r = vm.run.vcpus[i]!;
          expect({ mode: v.mode, pcpu: v.pcpu, apList: v.apList }).toEqual({
            mode: r.mode,
            pcpu: r.pcpu,
            apList: vm.vgic.vcpus[i]!.apList.length,
          });
        });
        st.cpus.forEach((c, pcpu) => {
          const v = vm.run.pcpus[pcpu]!;
          if (v < 0) expect(c.vcpu).toBeUndefined();
          else {
            loaded++;
            expect(c.vcpu).toEqual({ vm: 0, vcpu: v, mode: vm.run.vcpus[v]!.mode });
          }
        });
      }
      expect(loaded).toBeGreaterThan(10);
    },
  );

  it('lights both sides of a world switch, and says why the vCPU exited', () => {
    const m = vmStory();
    const exit = seqOf(m, 'vcpu.exit');
    const e = m.log.get(exit)!;
    m.seek(exit + 1);
    const f = stageModel(m, exit + 1, e).focus!;
    expect(f.places).toEqual([
      { node: 'vcpu', vm: 0, vcpu: (e.data as { vcpu: number }).vcpu, part: 'guest' },
      { node: 'cpu', cpu: e.cpu },
    ]);
    expect(f.note).toBe('exit: wfi');
    const entry = seqOf(m, 'vcpu.entry', undefined, seqOf(m, 'kvm.irq-line', 34));
    m.seek(entry + 1);
    expect(stageModel(m, entry + 1, m.log.get(entry)).focus).toMatchObject({
      note: 'entry · 2 LRs',
      places: [{ node: 'vcpu', vm: 0, vcpu: 0, part: 'lr' }, { node: 'cpu' }],
    });
  });

  it('carries an eventfd signal through the irqfd and names the vSPI it injects after it', () => {
    const m = irqfdStory();
    const fr = stageFrames(m);
    const write = seqOf(m, 'vmm.eventfd-write');
    const signal = seqOf(m, 'eventfd.signal');
    const id = `v${write}`;
    expect(fr[write + 1]!.tokens.find((t) => t.id === id)).toMatchObject({
      kind: 'eventfd',
      at: { node: 'kvm', vm: 0, part: 'irqfd' },
      state: 'travelling',
    });
    // GSI 1 under the default routing is SPI 33: the same token, now the vSPI on the ap_list.
    expect(fr[signal + 1]!.tokens.find((t) => t.id === id)).toMatchObject({
      kind: 'spi',
      intid: 33,
      at: { node: 'vcpu', vm: 0, vcpu: 0, part: 'aplist' },
    });
    expect(fr[signal + 1]!.focus?.places).toEqual([
      { node: 'kvm', vm: 0, part: 'irqfd' },
      { node: 'kvm', vm: 0, part: 'routing' },
      { node: 'kvm', vm: 0, part: 'vgic' },
    ]);
    expect(fr.at(-1)!.vms![0]).toMatchObject({ irqfds: 1, eventfds: 1, routes: 224 });
  });

  it('gives a machine without VMs the model it always had: no VMs, no vCPUs on its CPUs', () => {
    const host = new EngineHost();
    const r = host.load(readFileSync('public/scenarios/track2/2.2-map-and-fire.json', 'utf8'), 'x.json');
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.session.shape).not.toHaveProperty('vms');
    for (let p = 0; p <= r.session.length; p += 7) {
      const f = host.frame(p);
      expect(f.stage).not.toHaveProperty('vms');
      for (const c of f.stage.cpus) expect(c).not.toHaveProperty('vcpu');
      for (const t of f.stage.tokens) expect(t).not.toHaveProperty('vm');
    }
  });
});

describe('a scenario with a VM, through the engine host', () => {
  const text = readFileSync('e2e/fixtures/kvm-stage.json', 'utf8');

  it("describes the VM in the session's shape, marks the guest's acknowledges as deliveries", () => {
    const host = new EngineHost();
    const r = host.load(text, 'kvm-stage.json');
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.session.passed).toBe(true);
    expect(r.session.shape.vms).toEqual([{ index: 0, name: 'vm0', vcpus: 2, lrs: 2, its: 1 }]);
    const rows = host.events(0, r.session.length);
    const acks = rows.filter((e) => e.kind === 'icv.ack' && e.intid !== 1023).map((e) => e.seq);
    expect(acks.length).toBe(5);
    expect(r.session.marks.deliveries).toEqual(acks);
    // 'delivery' steps stop right after each acknowledge, both ways.
    let p = 0;
    for (const seq of acks) {
      p = host.find(p, 1, 'delivery', []).position;
      expect(p).toBe(seq + 1);
    }
    expect(host.find(p, -1, 'delivery', []).position).toBe(acks.at(-2)! + 1);
  });

  it('answers the vCPU and lanes views at any position, and refuses them on a machine without VMs', () => {
    const host = new EngineHost();
    const r = host.load(text, 'kvm-stage.json');
    if (!r.ok) throw new Error(r.errors.join('\n'));
    const v = host.inspect(r.session.length, { view: 'vcpu', vm: 0, vcpu: 0 });
    expect(v).toMatchObject({ ok: true, name: 'vm0', vcpu: 0, mode: 'blocked', pinned: 0 });
    const lanes = host.inspect(10, { view: 'lanes' });
    expect(lanes).toMatchObject({ ok: true, length: r.session.length, from: 0, to: r.session.length });
    const plain = new EngineHost();
    const q = plain.load(readFileSync('public/scenarios/track2/2.2-map-and-fire.json', 'utf8'), 'x.json');
    if (!q.ok) throw new Error('map and fire');
    expect(plain.inspect(3, { view: 'lanes' })).toEqual({
      ok: false,
      error: 'this machine runs no VMs: its CPUs run the host only',
    });
    expect(plain.inspect(3, { view: 'vcpu', vm: 0, vcpu: 0 })).toEqual({
      ok: false,
      error: 'this machine runs no VMs',
    });
  });

  it('stops an error breakpoint at a KVM ioctl that KVM refuses', () => {
    const bad = JSON.parse(text) as { steps: { actions: string[] }[] };
    bad.steps[1]!.actions.push('vm0 irq-line spi 2000 1');
    const host = new EngineHost();
    const r = host.load(JSON.stringify(bad), 'bad.json');
    if (!r.ok) throw new Error(r.errors.join('\n'));
    const rows = host.events(0, r.session.length);
    // The fourth KVM_IRQ_LINE of the step (SPI 2000 is beyond the VM's SPIs) is the refused one.
    const lines = rows.filter((e) => e.kind === 'kvm.irq-line');
    const refused = lines[3]!;
    expect(lines.slice(0, 3).map((e) => e.intid)).toEqual([32, 33, 34]);
    expect(r.session.marks.errors).toEqual([refused.seq]);
    expect(host.find(0, 1, 'event', [{ error: true }], 1e9)).toEqual({
      position: refused.seq + 1,
      breakpoint: 0,
    });
  });
});
