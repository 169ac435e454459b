import { describe, expect, it } from 'vitest';
import type { Machine } from '../../engine';
import { lanesView, laneIndex, summarise } from './kvm-lanes';
import { irqLine, pinStory, vmStory } from './vm-fixture';

/** What each pCPU has loaded at position p, read from the model's state (the truth). */
function stateAt(m: Machine, p: number): string[] {
  m.seek(p);
  const vms = m.s.kvm!.vms;
  return m.s.gic.cpu.map((_, pcpu) => {
    for (const vm of vms) {
      const v = vm.run.pcpus[pcpu]!;
      if (v >= 0) return `${vm.index}.${v}:${vm.run.vcpus[v]!.mode}`;
    }
    return 'host';
  });
}

/** The same, read from the lanes. */
function lanesAt(view: ReturnType<typeof lanesView>, p: number): string[] {
  return view.lanes.map((l) => {
    const s = l.segments.find((x) => x.from <= p && p < x.to);
    return s ? `${s.vm}.${s.vcpu}:${s.mode}` : 'host';
  });
}

describe('pCPU lanes', () => {
  it('agree with the run state at every position of a story with entries, exits, WFI and pins', () => {
    const m = vmStory();
    const view = lanesView(m, {});
    expect(view.length).toBe(m.log.length);
    // The history really moves vCPUs: both pCPUs run both vCPUs at some point.
    const ran = new Set(view.lanes.flatMap((l) => l.segments.map((s) => `${l.pcpu}<-${s.vcpu}`)));
    expect(ran).toEqual(new Set(['0<-0', '0<-1', '1<-0', '1<-1']));
    const wrong: string[] = [];
    // Position `length` is covered by the open segment's end; check 0..length-1 (segments are [from, to)).
    for (let p = 0; p < m.log.length; p++) {
      const want = stateAt(m, p);
      const got = lanesAt(view, p);
      if (want.join() !== got.join())
        wrong.push(`position ${p}: state ${want.join(' ')}, lanes ${got.join(' ')}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('agree with the run state when pins preempt vCPUs in the guest, time slices share a pCPU, a migration kicks', () => {
    const m = pinStory();
    const view = lanesView(m, {});
    const kinds = new Map<string, number>();
    for (let s = 0; s < m.log.length; s++) {
      const k = m.log.get(s)!.kind;
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    expect(kinds.get('vcpu.pin')).toBe(3);
    expect(kinds.get('kvm.tick')).toBeGreaterThan(3);
    expect(kinds.get('kvm.migrate')).toBe(1);
    const wrong: string[] = [];
    const seen = new Set<string>();
    for (let p = 0; p < m.log.length; p++) {
      const want = stateAt(m, p);
      want.forEach((w) => seen.add(w));
      const got = lanesAt(view, p);
      if (want.join() !== got.join())
        wrong.push(`position ${p}: state ${want.join(' ')}, lanes ${got.join(' ')}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    // The story does what it says: vCPU 1 ran the guest on pCPU 0, preemptions and a kick are marked.
    expect([...seen]).toContain('0.1:guest');
    const reasons = view.lanes.flatMap((l) => l.marks.map((mk) => mk.reason ?? ''));
    expect(reasons).toContain('preempt (pin)');
    expect(reasons).toContain('preempt (tick)');
    expect(reasons).toContain('kick (migrate)');
  });

  it('marks every entry and exit on the lane of the pCPU it happened on, with its reason', () => {
    const m = vmStory();
    const view = lanesView(m, {});
    const entries = [];
    const exits = [];
    for (let seq = 0; seq < m.log.length; seq++) {
      const e = m.log.get(seq)!;
      if (e.kind === 'vcpu.entry') entries.push(`${e.cpu}@${seq}`);
      if (e.kind === 'vcpu.exit') exits.push(`${e.cpu}@${seq}`);
    }
    const marks = (k: string) =>
      view.lanes.flatMap((l) => l.marks.filter((mk) => mk.kind === k).map((mk) => `${l.pcpu}@${mk.seq}`));
    expect(marks('entry').sort()).toEqual(entries.sort());
    expect(marks('exit').sort()).toEqual(exits.sort());
    const reasons = new Set(view.lanes.flatMap((l) => l.marks.map((mk) => mk.reason).filter(Boolean)));
    expect(reasons).toContain('wfi');
    expect(reasons).toContain('mmio');
    expect(reasons).toContain('irq (maintenance)');
  });

  it('is built once and extended as the history grows, to the same lanes as built in one go', () => {
    const m = vmStory();
    const before = laneIndex(m).upTo;
    expect(laneIndex(m)).toBe(laneIndex(m));
    m.seek(m.log.length);
    m.input(irqLine(33));
    m.run();
    expect(m.log.length).toBeGreaterThan(before);
    const grown = lanesView(m, {});
    const fresh = vmStory();
    fresh.input(irqLine(33));
    fresh.run();
    expect(grown).toEqual(lanesView(fresh, {}));
  });

  it('cuts a window and summarises a lane that holds more than the buckets asked for', () => {
    const m = vmStory();
    const all = lanesView(m, {});
    const mid = Math.floor(m.log.length / 2);
    const half = lanesView(m, { from: mid, to: m.log.length });
    for (const l of half.lanes) for (const s of l.segments) expect(s.from).toBeGreaterThanOrEqual(mid);
    for (const l of half.lanes) for (const mk of l.marks) expect(mk.seq).toBeGreaterThanOrEqual(mid);
    const few = lanesView(m, { buckets: 4 });
    expect(few.capped).toBe(true);
    for (const l of few.lanes) {
      expect(l.segments.length).toBeLessThanOrEqual(4);
      expect(l.marks.length).toBeLessThanOrEqual(4);
    }
    expect(all.capped).toBe(false);
  });

  it('summarises by what occupied most of each bucket, and leaves the host where it had most', () => {
    const segs = [
      { from: 0, to: 6, vm: 0, vcpu: 0, mode: 'guest' as const },
      { from: 6, to: 8, vm: 0, vcpu: 1, mode: 'guest' as const },
      { from: 12, to: 13, vm: 0, vcpu: 1, mode: 'host' as const },
    ];
    expect(summarise(segs, 0, 20, 2)).toEqual([{ from: 0, to: 10, vm: 0, vcpu: 0, mode: 'guest' }]);
    expect(summarise(segs, 0, 8, 4)).toEqual([
      { from: 0, to: 6, vm: 0, vcpu: 0, mode: 'guest' },
      { from: 6, to: 8, vm: 0, vcpu: 1, mode: 'guest' },
    ]);
  });
});
