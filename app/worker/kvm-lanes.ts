/**
 * The lanes of the physical CPUs: which vCPU each one had loaded over the whole history, in the
 * guest or in KVM's run loop, and where the world switches happened. Derived from the events
 * (never from a replay): kvm.schedule loads vCPUs, vcpu.entry enters the guest, vcpu.exit leaves
 * it (and puts the vCPU when it blocks, is preempted or moved), and every VM event that reports a
 * vCPU's mode (vcpu.pin, vcpu.kick, guest.program) keeps the picture honest when nothing else
 * says where a vCPU went. A pCPU runs one vCPU at a time: a vCPU loaded on a pCPU takes it from
 * whichever vCPU the lanes had there.
 *
 * The index is built once per history and extended as it grows (the console appends at its end),
 * one pass over the new events whose kinds are read as a column; it is rebuilt when the log is
 * shorter than what was indexed (another history; log-index.ts). A request then cuts a window out
 * of it (lane-window.ts) and, when a lane holds more intervals or marks than a message should
 * carry, summarises them into buckets (ARCHITECTURE.md §3: nothing that crosses the boundary grows
 * with the history).
 */

import type { Machine } from '../../engine';
import type { LaneMark, LaneSegment, LanesView } from './api';
import { atMost, clip, laneWindow, marksIn } from './lane-window';
import { logIndex, type LogIndex } from './log-index';

type Loaded = 'guest' | 'host';

interface Occupant {
  vm: number;
  vcpu: number;
  mode: Loaded;
  /** The position it started at. */
  from: number;
}

interface Lane {
  segments: LaneSegment[];
  marks: LaneMark[];
  now: Occupant | null;
}

export interface LaneIndex extends LogIndex {
  lanes: Lane[];
  /** Per VM, per vCPU: where the events last put it. */
  vcpus: { pcpu: number; mode: string }[][];
}

/** The kinds that move vCPUs (read as a column; only these are built into objects). */
const KINDS = new Set([
  'kvm.schedule',
  'kvm.tick',
  'kvm.migrate',
  'vcpu.entry',
  'vcpu.exit',
  'vcpu.pin',
  'vcpu.kick',
  'guest.program',
]);

const isLoaded = (mode: string): mode is Loaded => mode === 'guest' || mode === 'host';

function emptyIndex(m: Machine): LaneIndex {
  const pcpus = m.s.gic.cpu.length;
  return {
    upTo: 0,
    lanes: Array.from({ length: pcpus }, () => ({ segments: [], marks: [], now: null })),
    vcpus: (m.s.machine.vms ?? []).map((vm) =>
      Array.from({ length: vm.vcpus }, () => ({ pcpu: -1, mode: 'runnable' })),
    ),
  };
}

/** Ends whatever lane `p` had loaded, at position `at`; returns who that was. */
function vacate(ix: LaneIndex, p: number, at: number): Occupant | null {
  const lane = ix.lanes[p];
  const o = lane?.now;
  if (!lane || !o) return null;
  if (at > o.from) lane.segments.push({ from: o.from, to: at, vm: o.vm, vcpu: o.vcpu, mode: o.mode });
  lane.now = null;
  return o;
}

/** vCPU (vm, vcpu) is now in `mode`, on `pcpu` when it is loaded, from position `at`. */
function place(ix: LaneIndex, vm: number, vcpu: number, mode: string, pcpu: number, at: number): void {
  const v = ix.vcpus[vm]?.[vcpu];
  if (!v) return;
  const where = isLoaded(mode) ? (pcpu >= 0 ? pcpu : v.pcpu) : -1;
  if (v.pcpu >= 0 && v.pcpu !== where) {
    const lane = ix.lanes[v.pcpu];
    if (lane?.now && lane.now.vm === vm && lane.now.vcpu === vcpu) vacate(ix, v.pcpu, at);
  }
  v.mode = mode;
  v.pcpu = where;
  if (where < 0 || !isLoaded(mode)) return;
  const lane = ix.lanes[where];
  if (!lane) return;
  const o = lane.now;
  if (o && o.vm === vm && o.vcpu === vcpu && o.mode === mode) return;
  if (o) {
    vacate(ix, where, at);
    // Another vCPU had it (a move the events only imply): it is not loaded there any more.
    const other = o.vm !== vm || o.vcpu !== vcpu ? ix.vcpus[o.vm]?.[o.vcpu] : undefined;
    if (other && other.pcpu === where) {
      other.pcpu = -1;
      other.mode = 'runnable';
    }
  }
  lane.now = { vm, vcpu, mode, from: at };
}

const num = (v: unknown, fallback = -1): number => (typeof v === 'number' ? v : fallback);

const vcpuOf = (x: unknown): number =>
  typeof x === 'number' ? x : typeof x === 'object' && x !== null ? num((x as { vcpu?: unknown }).vcpu) : -1;

/** An exit the event implies for vCPU (vm, vcpu) if it is in the guest (a preemption, a kick). */
function impliedExit(ix: LaneIndex, vm: number, vcpu: number, seq: number, reason: string): void {
  const v = ix.vcpus[vm]?.[vcpu];
  const lane = v && v.pcpu >= 0 ? ix.lanes[v.pcpu] : undefined;
  if (lane?.now?.vm === vm && lane.now.vcpu === vcpu && lane.now.mode === 'guest')
    lane.marks.push({ seq, kind: 'exit', vm, vcpu, reason });
}

/**
 * Applies event `seq` of the log to the index. Besides entries and exits, events that move
 * several vCPUs at once say so in their data: `preempted` (a pin or a time slice took their pCPU
 * away), `stopped` (kicked out of the guest, still loaded: a migration), `loads` (loaded on a pCPU,
 * in KVM's run loop until they enter).
 */
function apply(ix: LaneIndex, m: Machine, seq: number): void {
  const e = m.log.get(seq);
  if (!e) return;
  const d = (e.data ?? {}) as Record<string, unknown>;
  const vm = num(d.vm);
  if (vm < 0) return;
  const at = seq + 1;
  const what = e.kind.slice(e.kind.indexOf('.') + 1);
  for (const p of (d.preempted as unknown[] | undefined) ?? []) {
    impliedExit(ix, vm, vcpuOf(p), seq, `preempt (${what})`);
    place(ix, vm, vcpuOf(p), 'runnable', -1, at);
  }
  for (const s of (d.stopped as unknown[] | undefined) ?? []) {
    impliedExit(ix, vm, vcpuOf(s), seq, `kick (${what})`);
    place(ix, vm, vcpuOf(s), 'host', -1, at);
  }
  for (const l of (d.loads as { vcpu: number; pcpu: number }[] | undefined) ?? [])
    place(ix, vm, l.vcpu, 'host', l.pcpu, at);
  switch (e.kind) {
    case 'vcpu.entry': {
      const vcpu = num(d.vcpu);
      const pcpu = num(d.pcpu, e.cpu ?? -1);
      place(ix, vm, vcpu, 'guest', pcpu, at);
      ix.lanes[pcpu]?.marks.push({ seq, kind: 'entry', vm, vcpu });
      return;
    }
    case 'vcpu.exit': {
      const vcpu = num(d.vcpu);
      const pcpu = num(d.pcpu, e.cpu ?? -1);
      const reason = typeof d.reason === 'string' ? d.reason : '';
      const source = typeof d.source === 'string' ? ` (${d.source})` : '';
      ix.lanes[pcpu]?.marks.push({ seq, kind: 'exit', vm, vcpu, reason: reason + source });
      place(ix, vm, vcpu, typeof d.mode === 'string' ? d.mode : 'host', pcpu, at);
      return;
    }
    default: {
      // vcpu.pin, vcpu.kick, guest.program: the vCPU's mode after the event (where it is loaded,
      // if it is, the loads above said).
      const vcpu = num(d.vcpu);
      if (vcpu >= 0 && typeof d.mode === 'string') place(ix, vm, vcpu, d.mode, -1, at);
    }
  }
}

/** The lane index of `m`'s history, brought up to the end of its log. */
export const laneIndex = logIndex(emptyIndex, apply, KINDS);

/**
 * `segments` in at most `buckets` equal slices of [from, to): each slice shows what occupied most
 * of it (nothing, when the host had it more than any vCPU); neighbours that agree are merged.
 */
export function summarise(segments: LaneSegment[], from: number, to: number, buckets: number): LaneSegment[] {
  const n = Math.max(1, Math.floor(buckets));
  const width = (to - from) / n;
  const out: LaneSegment[] = [];
  let k = 0;
  for (let b = 0; b < n; b++) {
    const lo = from + b * width;
    const hi = b === n - 1 ? to : from + (b + 1) * width;
    const share = new Map<string, { seg: LaneSegment; len: number }>();
    let busy = 0;
    while (k < segments.length && segments[k]!.to <= lo) k++;
    for (let i = k; i < segments.length && segments[i]!.from < hi; i++) {
      const s = segments[i]!;
      const len = Math.min(s.to, hi) - Math.max(s.from, lo);
      if (len <= 0) continue;
      busy += len;
      const key = `${s.vm}.${s.vcpu}.${s.mode}`;
      const got = share.get(key);
      if (got) got.len += len;
      else share.set(key, { seg: s, len });
    }
    const best = [...share.values()].sort((a, b2) => b2.len - a.len)[0];
    if (!best || best.len < hi - lo - busy) continue;
    const start = Math.round(lo);
    const end = Math.round(hi);
    if (end <= start) continue;
    const last = out[out.length - 1];
    const s = best.seg;
    if (last && last.to === start && last.vm === s.vm && last.vcpu === s.vcpu && last.mode === s.mode)
      last.to = end;
    else out.push({ from: start, to: end, vm: s.vm, vcpu: s.vcpu, mode: s.mode });
  }
  return out;
}

/** The lanes over positions [from, to) of `m`'s history (clamped to it). */
export function lanesView(m: Machine, request: { from?: number; to?: number; buckets?: number }): LanesView {
  const ix = laneIndex(m);
  const w = laneWindow(m.log.length, request);
  const lanes = ix.lanes.map((lane, pcpu) => {
    const o = lane.now;
    const open = o ? [{ from: o.from, to: w.length, vm: o.vm, vcpu: o.vcpu, mode: o.mode }] : [];
    let segments = clip([...lane.segments, ...open], w.from, w.to);
    if (segments.length > w.buckets) {
      segments = summarise(segments, w.from, w.to, w.buckets);
      w.capped = true;
    }
    return { pcpu, segments, marks: atMost(w, marksIn(lane.marks, w.from, w.to)) };
  });
  return { ok: true, length: w.length, from: w.from, to: w.to, lanes, capped: w.capped };
}
