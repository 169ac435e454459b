/**
 * The residency timeline against the engine: at every position, the span a lane shows is the vPE
 * GICR_VPENDBASER names on that redistributor (where Dirty reads 0: while the redistributor
 * parses or cleans a VPT, 'gicr.vpe' has not been emitted yet, and the lane follows the events);
 * VMOVP arrows go from where the vPE table pointed to where it points after; marks sit where the
 * engine's events happened.
 */

import { describe, expect, it } from 'vitest';
import { inspectV4, residentVpeOn, type Machine } from '../../engine';
import { residencyIndex, residencyView } from './v4-lanes';
import { v4MoveStory, v4Story } from './v4-fixture';

/** Per redistributor at position p: 'vcpu<n>' resident, '-' none, '?' Dirty (the VPT is being parsed). */
function truthAt(m: Machine, p: number): string[] {
  m.seek(p);
  return m.s.gic.rd.map((rd, c) => {
    if ((rd.vpendbaser >> 60n) & 1n) return '?';
    const r = residentVpeOn(m, c);
    return r ? `vcpu${r.vcpu}` : '-';
  });
}

function lanesAt(view: ReturnType<typeof residencyView>, p: number): string[] {
  return view.lanes.map((l) => {
    const s = l.spans.find((x) => x.from <= p && p < x.to);
    return s ? `vcpu${s.vcpu}` : '-';
  });
}

const seqsOf = (
  m: Machine,
  pred: (e: NonNullable<ReturnType<Machine['log']['get']>>) => boolean,
): number[] => {
  const out: number[] = [];
  for (let s = 0; s < m.log.length; s++) if (pred(m.log.get(s)!)) out.push(s);
  return out;
};

describe('the residency timeline', () => {
  it('agrees with GICR_VPENDBASER on every redistributor at every position, across a VMOVP', () => {
    const m = v4MoveStory();
    const view = residencyView(m, {});
    const wrong: string[] = [];
    let checked = 0;
    for (let p = 0; p < m.log.length; p++) {
      const want = truthAt(m, p);
      const got = lanesAt(view, p);
      want.forEach((w, c) => {
        if (w === '?') return;
        checked++;
        if (w !== got[c]) wrong.push(`position ${p} rd${c}: VPENDBASER ${w}, lane ${got[c]}`);
      });
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(m.log.length * 2);
    // The story does what it says: vCPU 1's vPE was resident on pCPU 2, then on pCPU 0.
    const where = view.lanes.flatMap((l) => l.spans.map((s) => `${l.pcpu}:vcpu${s.vcpu}/vPE${s.vpeid}`));
    expect(new Set(where)).toEqual(new Set(['1:vcpu0/vPE0', '2:vcpu1/vPE1', '0:vcpu1/vPE1']));
  });

  it('draws each VMOVP from where the vPE table pointed to where it points after the command', () => {
    const m = v4MoveStory();
    const view = residencyView(m, {});
    const vmovps = seqsOf(
      m,
      (e) =>
        e.kind === 'its.cmd' && e.unit === 'its0' && (e.data as { command?: string }).command === 'VMOVP',
    );
    expect(view.moves.map((mv) => mv.seq)).toEqual(vmovps);
    const target = (p: number, vpeid: number): number => {
      m.seek(p);
      const v = inspectV4(m, 0);
      if (!v.ok) throw new Error(v.error);
      return v.vpeTables[0]!.rows.find((r) => r.vpeid === vpeid)?.target ?? -1;
    };
    for (const mv of view.moves) {
      expect(target(mv.seq, mv.vpeid), `before VMOVP ${mv.seq}`).toBe(mv.from);
      expect(target(mv.seq + 1, mv.vpeid), `after VMOVP ${mv.seq}`).toBe(mv.to);
    }
    // Each vPE leaves the redistributor VMAPP named (pCPU 0) for its vCPU's; vPE 1 then follows the pin.
    // (The two first loads run on two pCPUs at once: their order is the driver queues'.)
    expect(view.moves.map((mv) => `vPE${mv.vpeid}:${mv.from}>${mv.to}`).sort()).toEqual([
      'vPE0:0>1',
      'vPE1:0>2',
      'vPE1:2>0',
    ]);
    expect(view.moves.at(-1)).toMatchObject({ vpeid: 1, from: 2, to: 0 });
  });

  it('marks doorbells where they ring and direct deliveries where the vCPU ran', () => {
    const m = v4Story();
    const view = residencyView(m, {});
    const marks = (k: string) =>
      view.lanes.flatMap((l) => l.marks.filter((mk) => mk.kind === k).map((mk) => `${l.pcpu}@${mk.seq}`));
    const doorbells = seqsOf(m, (e) => e.kind === 'gicr.doorbell').map((s) => `${m.log.get(s)!.cpu}@${s}`);
    const direct = seqsOf(
      m,
      (e) => e.kind === 'icv.ack' && (e.data as { direct?: boolean }).direct === true,
    ).map((s) => `${m.log.get(s)!.cpu}@${s}`);
    expect(marks('doorbell')).toEqual(doorbells);
    expect(marks('vlpi')).toEqual(direct);
    // The fixture's doorbell rings on pCPU 2 (vCPU 1's), for vPE 1 and vLPI 8192.
    expect(doorbells.length).toBeGreaterThan(0);
    const db = view.lanes[2]!.marks.find((mk) => mk.kind === 'doorbell')!;
    expect(db).toMatchObject({ vm: 0, vcpu: 1, vpeid: 1, intid: 12289, vintid: 8192 });
    expect(view.lanes[2]!.marks.find((mk) => mk.kind === 'vlpi')).toMatchObject({ vcpu: 1, intid: 8192 });
  });

  it('shows a vCPU blocked from its WFI exit until it is loaded again, on the pCPU it left', () => {
    const m = v4Story();
    const view = residencyView(m, {});
    let spans = 0;
    for (const lane of view.lanes)
      for (const b of lane.blocked) {
        spans++;
        const exit = m.log.get(b.from - 1)!;
        expect(exit.kind).toBe('vcpu.exit');
        expect(exit.cpu).toBe(lane.pcpu);
        for (let p = b.from; p < b.to; p++) {
          m.seek(p);
          const run = m.s.kvm!.vms[b.vm]!.run.vcpus[b.vcpu]!;
          expect(run.pcpu, `position ${p}`).toBe(-1);
        }
        if (b.to < m.log.length) {
          m.seek(b.to);
          expect(m.s.kvm!.vms[b.vm]!.run.vcpus[b.vcpu]!.pcpu).toBeGreaterThanOrEqual(0);
        }
      }
    expect(spans).toBeGreaterThanOrEqual(3);
  });

  it('is extended as the history grows, to what a fresh build gives', () => {
    const m = v4Story();
    const ix = residencyIndex(m);
    expect(residencyIndex(m)).toBe(ix);
    const before = ix.upTo;
    m.seek(m.log.length);
    m.input({ kind: 'vcpu-pin', vm: 0, vcpu: 1, pcpu: 0 });
    m.run({ until: m.time + 200_000 });
    m.input({ kind: 'msi', device: 'nic0', rid: 0x100, devid: 0x100, its: 0, eventid: 0 });
    m.run({ until: m.time + 200_000 });
    expect(m.log.length).toBeGreaterThan(before);
    expect(residencyView(m, {})).toEqual(residencyView(v4MoveStory(), {}));
  });

  it('cuts a window, and summarises lanes that hold more than the buckets asked for', () => {
    const m = v4MoveStory();
    const mid = 200;
    const half = residencyView(m, { from: mid });
    for (const l of half.lanes) {
      for (const s of [...l.spans, ...l.blocked]) expect(s.from).toBeGreaterThanOrEqual(mid);
      for (const mk of l.marks) expect(mk.seq).toBeGreaterThanOrEqual(mid);
    }
    expect(half.moves.every((mv) => mv.seq >= mid)).toBe(true);
    const few = residencyView(m, { buckets: 2 });
    expect(few.capped).toBe(true);
    for (const l of few.lanes) {
      expect(l.spans.length).toBeLessThanOrEqual(2);
      expect(l.marks.length).toBeLessThanOrEqual(2);
      expect(l.blocked.length).toBeLessThanOrEqual(2);
    }
    expect(residencyView(m, {}).capped).toBe(false);
  });
});
