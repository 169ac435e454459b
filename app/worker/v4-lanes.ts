/**
 * The residency timeline of a GICv4 host: for each physical CPU's redistributor, which vPE its
 * GICR_VPENDBASER named when, with what moved and rang there. Derived from the events, never from
 * a replay, like the vCPU lanes (kvm-lanes.ts):
 *
 *  - 'kvm.v4.init' says which vPE (vPEID, VPT) belongs to which vCPU (they never change after);
 *  - 'gicr.vpe' is a VPENDBASER write's effect on one redistributor: 'schedule' (Valid 0 -> 1)
 *    starts a span, 'deschedule' (1 -> 0) ends it; the vPE is named by its vPEID on a GICv4.1 and
 *    by its VPT on a GICv4.0 (whose redistributors know nothing else);
 *  - a host 'its.cmd' VMOVP moves a vPE from the redistributor its VTE named (VMAPP's or the last
 *    VMOVP's RDbase) to the one the command names: an arrow between the two lanes;
 *  - 'vcpu.exit' with the thread blocked (WFI) starts a blocked stretch on the pCPU it left, which
 *    ends when the vCPU is loaded again (kvm.schedule, a pin, a tick: the events' `loads`);
 *  - 'gicr.doorbell' marks the lane of the redistributor where the doorbell rang, and a guest's
 *    direct acknowledge ('icv.ack' with `direct`) the lane of the pCPU its vCPU ran on.
 *
 * The index is built once per history and extended as it grows (the console appends), reading
 * kinds as a column and building only the events it needs (log-index.ts); a request cuts a window
 * out of it and summarises lanes that hold more than it asked for (lane-window.ts, ARCHITECTURE.md
 * §3).
 */

import { rdbaseCpu, type Machine } from '../../engine';
import type { BlockedSpan, LaneSegment, ResidencyMark, ResidencySpan, ResidencyView, VpeMove } from './api';
import { summarise } from './kvm-lanes';
import { atMost, clip, laneWindow, marksIn } from './lane-window';
import { logIndex, type LogIndex } from './log-index';

interface VpeOwner {
  vm: number;
  vcpu: number;
  vpeid: number;
}

interface Lane {
  spans: ResidencySpan[];
  blocked: BlockedSpan[];
  marks: ResidencyMark[];
  now: (VpeOwner & { from: number }) | null;
}

export interface ResidencyIndex extends LogIndex {
  lanes: Lane[];
  moves: VpeMove[];
  byVpt: Map<number, VpeOwner>;
  byVpeid: Map<number, VpeOwner>;
  /** 'vm.vcpu' -> vPEID. */
  byVcpu: Map<string, number>;
  /** Where each vPE's VTE points (pCPU), by vPEID, as the host ITS's commands set it. */
  target: Map<number, number>;
  /** vCPUs blocked now: 'vm.vcpu' -> the pCPU they left and since when. */
  blocked: Map<string, { pcpu: number; from: number }>;
}

const KINDS = new Set([
  'kvm.v4.init',
  'gicr.vpe',
  'its.cmd',
  'gicr.doorbell',
  'icv.ack',
  'vcpu.exit',
  'vcpu.entry',
  'kvm.schedule',
  'kvm.tick',
  'vcpu.pin',
]);

const num = (v: unknown, fallback = -1): number =>
  typeof v === 'number' ? v : typeof v === 'string' && /^(0x)?[0-9a-f]+$/i.test(v) ? Number(v) : fallback;

const UNKNOWN = (vpeid: number): VpeOwner => ({ vm: -1, vcpu: -1, vpeid });

function emptyIndex(m: Machine): ResidencyIndex {
  return {
    upTo: 0,
    lanes: Array.from({ length: m.s.gic.cpu.length }, () => ({
      spans: [],
      blocked: [],
      marks: [],
      now: null,
    })),
    moves: [],
    byVpt: new Map(),
    byVpeid: new Map(),
    byVcpu: new Map(),
    target: new Map(),
    blocked: new Map(),
  };
}

function close(lane: Lane, at: number): void {
  const o = lane.now;
  if (!o) return;
  if (at > o.from) lane.spans.push({ from: o.from, to: at, vm: o.vm, vcpu: o.vcpu, vpeid: o.vpeid });
  lane.now = null;
}

function unblock(ix: ResidencyIndex, key: string, at: number): void {
  const b = ix.blocked.get(key);
  if (!b) return;
  ix.blocked.delete(key);
  const [vm, vcpu] = key.split('.').map(Number) as [number, number];
  const lane = ix.lanes[b.pcpu];
  if (lane && at > b.from) lane.blocked.push({ from: b.from, to: at, vm, vcpu });
}

/** The RDbase value of a command's fields or of a VTE it read ('0x2', 2). */
function rdbaseOf(x: unknown): number {
  return num((x as { RDbase?: unknown } | undefined)?.RDbase);
}

function apply(ix: ResidencyIndex, m: Machine, seq: number): void {
  const e = m.log.get(seq);
  if (!e) return;
  const d = (e.data ?? {}) as Record<string, unknown>;
  const at = seq + 1;
  switch (e.kind) {
    case 'kvm.v4.init': {
      const vm = num(d.vm);
      const vpes = (d.vpes as { vpeid?: unknown; vpt?: unknown }[] | undefined) ?? [];
      vpes.forEach((p, vcpu) => {
        const owner = { vm, vcpu, vpeid: num(p.vpeid) };
        ix.byVpeid.set(owner.vpeid, owner);
        ix.byVpt.set(num(p.vpt), owner);
        ix.byVcpu.set(`${vm}.${vcpu}`, owner.vpeid);
      });
      return;
    }
    case 'gicr.vpe': {
      const lane = ix.lanes[e.cpu ?? -1];
      if (!lane) return;
      const vpeid = num(d.vpeid);
      const owner = (vpeid >= 0 ? ix.byVpeid.get(vpeid) : ix.byVpt.get(num(d.vpt))) ?? UNKNOWN(vpeid);
      if (d.op === 'schedule') {
        close(lane, at);
        lane.now = { ...owner, from: at };
      } else if (d.op === 'deschedule') close(lane, at);
      return;
    }
    case 'its.cmd': {
      // The host's ITS only: a guest's virtual ITS has no vPEs ('vm0.its0').
      if (e.unit.startsWith('vm') || d.outcome !== 'ok') return;
      const cmd = d.command;
      if (cmd !== 'VMAPP' && cmd !== 'VMOVP') return;
      const f = d.fields as Record<string, unknown> | undefined;
      const vpeid = num(f?.vPEID);
      const its = e.its ?? 0;
      const to = rdbaseCpu(m, its, rdbaseOf(f));
      if (cmd === 'VMAPP') {
        if (num(f?.V) === 1) ix.target.set(vpeid, to);
        else ix.target.delete(vpeid);
        return;
      }
      // Where the VTE pointed before: what the commands set, else the VTE the VMOVP read.
      const read = (
        (d.touches as { table?: string; op?: string; fields?: unknown }[] | undefined) ?? []
      ).find((t) => t.table === 'vpe' && t.op === 'read');
      const from = ix.target.get(vpeid) ?? (read ? rdbaseCpu(m, its, rdbaseOf(read.fields)) : -1);
      ix.target.set(vpeid, to);
      if (from === to) return;
      const owner = ix.byVpeid.get(vpeid) ?? UNKNOWN(vpeid);
      ix.moves.push({ seq, vm: owner.vm, vcpu: owner.vcpu, vpeid, from, to });
      return;
    }
    case 'gicr.doorbell': {
      const lane = ix.lanes[e.cpu ?? -1];
      const vpeid = num(d.vpeid);
      const owner = ix.byVpeid.get(vpeid) ?? UNKNOWN(vpeid);
      lane?.marks.push({
        seq,
        kind: 'doorbell',
        vm: owner.vm,
        vcpu: owner.vcpu,
        vpeid,
        intid: e.intid ?? -1,
        vintid: num(d.vintid),
      });
      return;
    }
    case 'icv.ack': {
      if (d.direct !== true) return;
      const vm = num(d.vm);
      const vcpu = num(d.vcpu);
      ix.lanes[e.cpu ?? -1]?.marks.push({
        seq,
        kind: 'vlpi',
        vm,
        vcpu,
        vpeid: ix.byVcpu.get(`${vm}.${vcpu}`) ?? -1,
        intid: e.intid ?? -1,
      });
      return;
    }
    case 'vcpu.exit': {
      if (d.put !== 'blocked' && d.mode !== 'blocked') return;
      const key = `${num(d.vm)}.${num(d.vcpu)}`;
      unblock(ix, key, at);
      ix.blocked.set(key, { pcpu: num(d.pcpu, e.cpu ?? -1), from: at });
      return;
    }
    case 'vcpu.entry':
      unblock(ix, `${num(d.vm)}.${num(d.vcpu)}`, at);
      return;
    default:
      // kvm.schedule, kvm.tick, vcpu.pin: the vCPUs they load.
      for (const l of (d.loads as { vcpu: number }[] | undefined) ?? [])
        unblock(ix, `${num(d.vm)}.${l.vcpu}`, at);
  }
}

/** The residency index of `m`'s history, brought up to the end of its log. */
export const residencyIndex = logIndex(emptyIndex, apply, KINDS);

/** The residency lanes over positions [from, to) of `m`'s history (clamped to it). */
export function residencyView(
  m: Machine,
  request: { from?: number; to?: number; buckets?: number },
): ResidencyView {
  const ix = residencyIndex(m);
  const w = laneWindow(m.log.length, request);
  const { length, from, to, buckets } = w;
  const vpeOf = (vm: number, vcpu: number): number => ix.byVcpu.get(`${vm}.${vcpu}`) ?? -1;
  const lanes = ix.lanes.map((lane, pcpu) => {
    const open = lane.now
      ? [{ from: lane.now.from, to: length, vm: lane.now.vm, vcpu: lane.now.vcpu, vpeid: lane.now.vpeid }]
      : [];
    let spans = clip([...lane.spans, ...open], from, to);
    if (spans.length > buckets) {
      // The vCPU lanes' summary, by what occupied most of each bucket.
      const segs: LaneSegment[] = spans.map((s) => ({ ...s, mode: 'guest' }));
      spans = summarise(segs, from, to, buckets).map((s) => ({
        from: s.from,
        to: s.to,
        vm: s.vm,
        vcpu: s.vcpu,
        vpeid: vpeOf(s.vm, s.vcpu),
      }));
      w.capped = true;
    }
    const stillBlocked = [...ix.blocked]
      .filter(([, b]) => b.pcpu === pcpu)
      .map(([key, b]) => {
        const [vm, vcpu] = key.split('.').map(Number) as [number, number];
        return { from: b.from, to: length, vm, vcpu };
      });
    const blocked = atMost(
      w,
      clip([...lane.blocked, ...stillBlocked], from, to).sort((a, b) => a.from - b.from),
    );
    return { pcpu, spans, blocked, marks: atMost(w, marksIn(lane.marks, from, to)) };
  });
  const moves = atMost(w, marksIn(ix.moves, from, to));
  return { ok: true, length, from, to, lanes, moves, capped: w.capped };
}
