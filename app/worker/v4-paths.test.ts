/**
 * The two paths of a device MSI as the history took them: each MSI's chain of events (every event
 * whose first cause is its pci.msi) up to the guest's acknowledge, checked against the events, and
 * the cost model's figures as the engine gives them.
 */

import { describe, expect, it } from 'vitest';
import { modelledPaths, type Machine } from '../../engine';
import { pathIndex, pathsView } from './v4-paths';
import { v4MoveStory, v4Story } from './v4-fixture';

/** The seq of the pci.msi event `seq` descends from, walking its causes (the truth). */
function rootOf(m: Machine, seq: number): number {
  for (let s = seq; s >= 0; s = m.log.causeAt(s)) if (m.log.kindAt(s) === 'pci.msi') return s;
  return -1;
}

const msis = (m: Machine): number[] => {
  const out: number[] = [];
  for (let s = 0; s < m.log.length; s++) if (m.log.kindAt(s) === 'pci.msi') out.push(s);
  return out;
};

describe('the paths of a device MSI', () => {
  it('follows each MSI of the direct path to the guest: vLPI, doorbell, no VFIO, the latency to icv.ack', () => {
    const m = v4Story();
    const ix = pathIndex(m);
    for (let s = 0; s < m.log.length; s++) expect(ix.root[s], `event ${s}`).toBe(rootOf(m, s));
    const all = msis(m);
    expect(all).toHaveLength(2);
    for (const msi of all) {
      // The view at the MSI's own event is about it.
      const v = pathsView(m, msi + 1);
      const run = v.current!;
      expect(run.msi).toBe(msi);
      expect(run).toMatchObject({
        path: 'direct',
        device: 'nic0',
        devid: 256,
        eventid: 0,
        vm: 0,
        vcpu: 1,
        vintid: 8192,
      });
      const chain: number[] = [];
      for (let s = msi; s <= run.ack!; s++) if (rootOf(m, s) === msi) chain.push(s);
      const kinds = chain.map((s) => m.log.kindAt(s));
      expect(run.events).toBe(chain.length);
      expect(run.steps.map((st) => st.seq)).toEqual(chain.slice(0, 64));
      expect(kinds).toContain('gicr.vlpi');
      expect(kinds).not.toContain('vfio.irq');
      const ack = m.log.get(run.ack!)!;
      expect(ack.kind).toBe('icv.ack');
      expect((ack.data as { direct?: boolean }).direct).toBe(true);
      expect(run.latencyNs).toBe(ack.time - m.log.get(msi)!.time);
      expect(run.exits).toBe(kinds.filter((k) => k === 'vcpu.exit').length);
      // vCPU 1 was blocked both times: its doorbell rang, a host interrupt (the doorbell LPI).
      expect(run.doorbell).toBe(true);
      expect(run.hostIrqs).toBe(kinds.filter((k) => k === 'icc.ack').length);
      expect(run.hostIrqs).toBeGreaterThanOrEqual(1);
    }
    expect(pathsView(m, m.log.length).counts).toEqual({ direct: 2, software: 0 });
  });

  it("on a GICv3 host the same MSI takes KVM's software path: VFIO's handler, the irqfd, a list register", () => {
    const m = v4Story((j) => {
      j.machine.gic = 3;
    });
    const v = pathsView(m, m.log.length);
    expect(v.counts.direct).toBe(0);
    expect(v.counts.software).toBeGreaterThanOrEqual(1);
    const run = v.software!;
    const kinds = run.steps.map((s) => s.kind);
    expect(kinds).toContain('vfio.irq');
    expect(kinds).toContain('eventfd.signal');
    expect(kinds).not.toContain('gicr.vlpi');
    expect(run.vintid).toBe(8192);
    const ack = m.log.get(run.ack!)!;
    expect((ack.data as { lr?: number }).lr).toBeGreaterThanOrEqual(0);
    expect(run.latencyNs).toBe(ack.time - m.log.get(run.msi)!.time);
  });

  it('names the MSI the position is about, and the latest of each path (else the first after)', () => {
    const m = v4MoveStory();
    const all = msis(m);
    expect(all.length).toBe(3);
    // Before any MSI: nothing current, the direct path's first MSI is ahead.
    const start = pathsView(m, 1);
    expect(start.current).toBeUndefined();
    expect(start.direct?.msi).toBe(all[0]);
    expect(start.software).toBeUndefined();
    // Between the second and third MSI, on an event of neither chain: the second is the latest.
    const mid = all[2]! - 1;
    expect(rootOf(m, mid - 1)).not.toBe(all[2]);
    expect(pathsView(m, mid).direct?.msi).toBe(all[1]);
    expect(pathsView(m, mid).current?.msi).toBe(rootOf(m, mid - 1) >= 0 ? rootOf(m, mid - 1) : all[1]);
  });

  it("gives the cost model's figures for both paths, with the machine's overrides", () => {
    const m = v4Story();
    expect(pathsView(m, 0).modelled).toEqual(modelledPaths(m));
    const slow = v4Story((j) => {
      j.machine.timing = { 'kvm.guestExit': 4000 };
    });
    const a = pathsView(m, 0).modelled.software.totalNs;
    const b = pathsView(slow, 0).modelled.software.totalNs;
    expect(b - a).toBe(4000 - 1354);
    expect(pathsView(slow, 0).modelled.direct.totalNs).toBe(pathsView(m, 0).modelled.direct.totalNs);
  });
});
