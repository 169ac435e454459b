/**
 * The vCPU inspector's view, checked against what the engine recorded in its events (the LRs an
 * entry loaded, the MISR a maintenance exit saw, the entries, exits and acknowledges counted in the
 * log) rather than against the state it is read from.
 */

import { describe, expect, it } from 'vitest';
import type { Machine } from '../../engine';
import type { InspectResult, VcpuView } from './api';
import { inspectMachine } from './inspect-host';
import { vmStory } from './vm-fixture';

function vcpuAt(m: Machine, p: number, vcpu = 0): VcpuView {
  m.seek(p);
  const r: InspectResult = inspectMachine(m, { view: 'vcpu', vm: 0, vcpu });
  if (!r.ok) throw new Error(r.error);
  return r as VcpuView;
}

const seqOf = (m: Machine, kind: string, intid?: number, from = 0): number => {
  for (let s = from; s < m.log.length; s++) {
    const e = m.log.get(s)!;
    if (e.kind === kind && (intid === undefined || e.intid === intid)) return s;
  }
  throw new Error(`no ${kind}`);
};

const STATES = ['invalid', 'pending', 'active', 'pending+active'];

describe('the vCPU view', () => {
  it('decodes the list registers exactly as the entry loaded them, and lists the ap_list in order', () => {
    const m = vmStory();
    const entry = seqOf(m, 'vcpu.entry', undefined, seqOf(m, 'kvm.irq-line', 34));
    const loaded = (m.log.get(entry)!.data as { lrs: Record<string, number | boolean>[] }).lrs;
    const v = vcpuAt(m, entry + 1);
    expect(v.usedLrs).toBe(2);
    expect(v.lrs).toHaveLength(2);
    for (const l of loaded) {
      const shown = v.lrs[l.lr as number]!;
      expect({
        vintid: shown.vintid,
        state: shown.state,
        priority: shown.priority,
        group: shown.group,
        hw: shown.hw,
        pintid: shown.pintid,
        eoi: shown.eoi,
      }).toEqual({
        vintid: l.vintid,
        state: STATES[l.state as number],
        priority: l.priority,
        group: l.group,
        hw: l.hw,
        pintid: l.pintid,
        eoi: l.eoi,
      });
      expect(shown.used).toBe(true);
      // The 64-bit value: State in [63:62], vINTID in [31:0].
      expect(Number(BigInt(shown.value) >> 62n)).toBe(l.state);
      expect(Number(BigInt(shown.value) & 0xffffffffn)).toBe(l.vintid);
    }
    m.seek(entry + 1);
    expect(v.apList.map((i) => i.intid)).toEqual(m.s.kvm!.vms[0]!.vgic.vcpus[0]!.apList);
    expect(v.apList.map((i) => [i.intid, i.lr])).toEqual([
      [32, 0],
      [33, 1],
      [34, -1],
    ]);
    expect(v.apList[2]).toMatchObject({
      kind: 'SPI',
      pending: true,
      pendingLatch: true,
      enabled: true,
      config: 'edge',
      target: 0,
      hw: false,
    });
    expect(v.mode).toBe('guest');
  });

  it('derives ICH_MISR_EL2 as the maintenance interrupt saw it, and reads the ICV registers', () => {
    const m = vmStory();
    const ack = seqOf(m, 'icv.ack', 32);
    const eoi = seqOf(m, 'icv.eoi', 32);
    const exit = seqOf(m, 'vcpu.exit', undefined, eoi);
    const d = m.log.get(exit)!.data as { source?: string; misr?: string };
    expect(d.source).toBe('maintenance');
    // The guest acknowledged 32: it runs at its priority, 33 is the next one it would take.
    const a = vcpuAt(m, ack + 1);
    const icv = Object.fromEntries(a.icv.map((r) => [r.name, Number(r.value)]));
    expect(icv).toMatchObject({
      ICV_PMR_EL1: 0xf0,
      ICV_RPR_EL1: 0,
      ICV_HPPIR1_EL1: 33,
      ICV_IGRPEN1_EL1: 1,
      ICV_AP1R0_EL1: 1,
    });
    expect(a.lrs[0]!.state).toBe('active');
    expect(a.guest.depth).toBe(1);
    // After the EOI one LR is valid and UIE is set: the underflow condition the exit reports.
    const e = vcpuAt(m, eoi + 1);
    expect(Number(e.ich.misr.value)).toBe(Number(d.misr));
    expect(e.ich.misr.fields.find((f) => f.name === 'U')?.value).toBe(1);
    expect(e.ich.hcr.fields.find((f) => f.name === 'UIE')?.value).toBe(1);
    expect(e.ich.vmcr.fields.find((f) => f.name === 'VPMR')?.value).toBe(0xf0);
    expect(e.lrs[0]!.state).toBe('invalid');
    expect(Number(e.ich.elrsr) & 1).toBe(1);
  });

  it("counts entries, exits by reason and the guest's acknowledges as the log does", () => {
    const m = vmStory();
    const end = m.log.length;
    const v = vcpuAt(m, end, 0);
    let entries = 0;
    const exits: Record<string, number> = {};
    const acked: Record<number, number> = {};
    for (let s = 0; s < end; s++) {
      const e = m.log.get(s)!;
      const d = e.data as { vcpu?: number; reason?: string };
      if (d?.vcpu !== 0 || !e.unit.startsWith('vm0')) continue;
      if (e.kind === 'vcpu.entry') entries++;
      if (e.kind === 'vcpu.exit') exits[d.reason!] = (exits[d.reason!] ?? 0) + 1;
      if (e.kind === 'icv.ack' && e.intid !== 1023) acked[e.intid!] = (acked[e.intid!] ?? 0) + 1;
    }
    expect(v.counters.entries).toBe(entries);
    for (const [reason, n] of Object.entries(v.counters.exits)) expect(n, reason).toBe(exits[reason] ?? 0);
    expect(v.guest.acked).toEqual(
      Object.entries(acked).map(([intid, count]) => ({ intid: Number(intid), count })),
    );
    expect(v.guest.acked.map((a) => a.intid)).toEqual([32, 33, 34]);
  });

  it('refuses a VM or vCPU that does not exist, with what there is', () => {
    const m = vmStory();
    expect(inspectMachine(m, { view: 'vcpu', vm: 1, vcpu: 0 })).toEqual({
      ok: false,
      error: 'there is no VM 1 (the machine has 1)',
    });
    expect(inspectMachine(m, { view: 'vcpu', vm: 0, vcpu: 2 })).toEqual({
      ok: false,
      error: 'vm0 has no vCPU 2 (it has 2)',
    });
    expect(inspectMachine(m, { view: 'lanes', from: Number.NaN })).toMatchObject({ ok: false });
  });
});
