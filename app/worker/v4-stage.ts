/**
 * GICv4's part of the stage model: the direct path of a forwarded device MSI, read from the
 * machine's state and events like the rest of the stage (stage-model.ts, vm-stage.ts):
 *
 *  - a vLPI the host ITS has translated (a virtual ITE, then the vPE table) and not yet handed to
 *    the redistributor is a queued 'gicr.vlpi' request: it sits at the ITS's vPE table;
 *  - a vLPI pending in a vPE's virtual pending table (memory: engine/gic/vlpi.ts vptPending) sits at
 *    the redistributor where the vPE is resident, else at the one its VTE names (where its doorbell
 *    rings);
 *  - a vLPI the guest acknowledged directly (icv.ack with `direct`, no list register) is in the
 *    guest until its EOI (the VPT has no active state; the virtual CPU interface holds the
 *    priority).
 *
 * The token keeps the id of the MSI that started it ('t' + the chain's first event, as the host's
 * tokens are named), so one token travels from the device through the ITS to the redistributor
 * and into the guest: on the direct path there is no host LPI and no second token. A doorbell is
 * a host LPI of its own ('db' + the same origin, stage-model.ts).
 *
 * Also: which vPE each redistributor has resident (StageCpu.vpe), each vCPU's vPE (StageVcpu.vpe),
 * and where a GICv4 event happened (the focus). Only a machine whose VMs use GICv4 gets any of it.
 */

import { residentVpeOn, vpeSummaries, type Machine, type SimEvent } from '../../engine';
import type { Focus, Place, StageCpu, StageVm, Token } from './api';
import { lastBefore, logIndex, pushTo, type LogIndex } from './log-index';
import { chainOrigin } from './vm-stage';

interface Task {
  k: string;
  cause: number;
  a: unknown;
}

interface VlpiTask {
  cpu: number;
  vpeid: number;
  vpt: number;
  vintid: number;
  set: boolean;
  its: number;
}

/** Whether any VM of the machine has vPEs (or will: KVM uses GICv4 for it). */
export const hasV4 = (m: Machine): boolean => (m.s.kvm?.vms ?? []).some((vm) => vm.cfg.gicv4);

// ---- The history's vLPIs: who set each, who took it and when it ended -----------------------------

interface DirectAck {
  ack: number;
  /** The guest's EOI of it, or Infinity while it is still being handled. */
  eoi: number;
  intid: number;
  id: string;
}

interface VlpiIndex extends LogIndex {
  /** `${vpt}:${vintid}` -> [seq, token id] of each gicr.vlpi that set it. */
  sets: Map<string, [number, string][]>;
  /** 'vm.vcpu' -> the direct acknowledges of that vCPU, in order. */
  acks: Map<string, DirectAck[]>;
  /** 'vm.vcpu' -> its vPE's VPT, and vPEID -> owner, from kvm.v4.init. */
  vpt: Map<string, number>;
  owner: Map<number, { vm: number; vcpu: number }>;
  byVpt: Map<number, { vm: number; vcpu: number }>;
}

const KINDS = new Set(['kvm.v4.init', 'gicr.vlpi', 'icv.ack', 'icv.eoi']);

const num = (v: unknown, fallback = -1): number =>
  typeof v === 'number' ? v : typeof v === 'string' && /^(0x)?[0-9a-f]+$/i.test(v) ? Number(v) : fallback;

function applyVlpi(ix: VlpiIndex, m: Machine, seq: number): void {
  const e = m.log.get(seq)!;
  const d = (e.data ?? {}) as Record<string, unknown>;
  if (e.kind === 'kvm.v4.init') {
    const vm = num(d.vm);
    ((d.vpes as { vpeid?: unknown; vpt?: unknown }[] | undefined) ?? []).forEach((p, vcpu) => {
      ix.vpt.set(`${vm}.${vcpu}`, num(p.vpt));
      ix.owner.set(num(p.vpeid), { vm, vcpu });
      ix.byVpt.set(num(p.vpt), { vm, vcpu });
    });
  } else if (e.kind === 'gicr.vlpi') {
    if (d.set !== true || (d.done !== 'pending' && d.done !== 'recorded')) return;
    pushTo(ix.sets, `${num(d.vpt)}:${e.intid ?? -1}`, [seq, `t${chainOrigin(m, seq)}`]);
  } else {
    const key = `${num(d.vm)}.${num(d.vcpu)}`;
    const intid = e.intid ?? -1;
    if (e.kind === 'icv.ack') {
      if (d.direct !== true) return;
      const vpt = ix.vpt.get(key) ?? -1;
      const set = lastBefore(ix.sets.get(`${vpt}:${intid}`), seq, (x) => x[0]);
      pushTo(ix.acks, key, { ack: seq, eoi: Infinity, intid, id: set?.[1] ?? `d${key}:${intid}` });
    } else {
      // The EOI ends the newest acknowledge of that vINTID still open.
      const open = [...(ix.acks.get(key) ?? [])]
        .reverse()
        .find((a) => a.intid === intid && a.eoi === Infinity);
      if (open) open.eoi = seq;
    }
  }
}

const vlpiIndex = logIndex<VlpiIndex>(
  () => ({ upTo: 0, sets: new Map(), acks: new Map(), vpt: new Map(), owner: new Map(), byVpt: new Map() }),
  applyVlpi,
  KINDS,
);

// ---- Tokens ------------------------------------------------------------------------------------

const label = (vintid: number): string => `vLPI ${vintid}`;

/** vLPIs on the direct path at `position` (the machine is there): in flight, in a VPT, in a guest. */
export function v4Tokens(m: Machine, position: number, moving: Set<string>): Token[] {
  if (!hasV4(m)) return [];
  const ix = vlpiIndex(m);
  const out: Token[] = [];
  const seen = new Set(moving);
  const push = (t: Token): void => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    out.push(t);
  };
  // Translated by the host ITS, on its way to the redistributor.
  for (const task of m.s.core.queue.heap as Task[]) {
    if (task.k !== 'gicr.vlpi') continue;
    const a = task.a as VlpiTask;
    if (!a.set) continue;
    const owner = ix.owner.get(a.vpeid) ?? ix.byVpt.get(a.vpt);
    push({
      id: `t${chainOrigin(m, task.cause)}`,
      kind: 'lpi',
      label: label(a.vintid),
      intid: a.vintid,
      ...(owner ? { vm: owner.vm } : {}),
      direct: true,
      at: { node: 'its', its: a.its, part: 'vt' },
      state: 'travelling',
    });
  }
  // Acknowledged by a guest and not yet ended.
  for (const [key, acks] of ix.acks) {
    const [vm, vcpu] = key.split('.').map(Number) as [number, number];
    for (let i = acks.length - 1; i >= 0; i--) {
      const a = acks[i]!;
      if (a.ack >= position) continue;
      if (a.eoi < position) break;
      push({
        id: a.id,
        kind: 'lpi',
        label: label(a.intid),
        intid: a.intid,
        vm,
        direct: true,
        at: { node: 'vcpu', vm, vcpu, part: 'guest' },
        state: 'active',
      });
    }
  }
  // Pending in a virtual pending table.
  for (const s of vpeSummaries(m)) {
    const rd = s.residentOn[0] ?? s.pcpu;
    for (const vintid of s.pending) {
      const set = lastBefore(ix.sets.get(`${s.vpt}:${vintid}`), position, (x) => x[0]);
      push({
        id: set?.[1] ?? `vpt${s.vpt}:${vintid}`,
        kind: 'lpi',
        label: label(vintid),
        intid: vintid,
        vm: s.vm,
        direct: true,
        at: { node: 'rd', cpu: Math.max(0, rd) },
        state: 'pending',
      });
    }
  }
  return out;
}

// ---- Residency on the CPUs and vCPUs ------------------------------------------------------------

/** Which vPE each redistributor has resident, and each vCPU's vPE (nothing for a machine without GICv4). */
export function markVpes(m: Machine, cpus: StageCpu[], vms: StageVm[] | undefined): void {
  if (!hasV4(m)) return;
  for (const c of cpus) {
    const r = residentVpeOn(m, c.index);
    if (r) c.vpe = { vm: r.vm, vcpu: r.vcpu, vpeid: r.vpeid, dirty: r.dirty };
  }
  for (const s of vpeSummaries(m, 4096)) {
    const v = vms?.find((x) => x.index === s.vm)?.vcpus[s.vcpu];
    if (v)
      v.vpe = {
        vpeid: s.vpeid,
        residentOn: s.residentOn[0] ?? -1,
        pending: s.pending.length,
        doorbell: s.doorbell,
      };
  }
}

// ---- Where a GICv4 event happened -------------------------------------------------------------

/**
 * The places of a GICv4 event, and what to say there; undefined for any other event (the host's
 * and KVM's focus rules take it).
 */
export function v4Focus(m: Machine, e: SimEvent): Focus | undefined {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const places: Place[] = [];
  const focus: Focus = { seq: e.seq, kind: e.kind, places };
  const ncpu = m.s.gic.cpu.length;
  const rd = (c: number): void => {
    if (c >= 0 && c < ncpu) places.push({ node: 'rd', cpu: c });
  };
  const cpu = (c: number): void => {
    if (c >= 0 && c < ncpu) places.push({ node: 'cpu', cpu: c });
  };
  const vcpu = (vm: number, v: number, part?: 'guest' | 'lr' | 'aplist'): void => {
    if (vm >= 0 && v >= 0)
      places.push(part ? { node: 'vcpu', vm, vcpu: v, part } : { node: 'vcpu', vm, vcpu: v });
  };
  const ix = (): VlpiIndex => vlpiIndex(m);
  switch (e.kind) {
    case 'its.vte':
      places.push({ node: 'its', its: e.its ?? 0, part: 'vt' });
      focus.note = `vPE ${num(d.vpeid)}`;
      return focus;
    case 'gicr.vlpi': {
      rd(e.cpu ?? -1);
      const done = typeof d.done === 'string' ? d.done : '';
      focus.note = `vLPI ${e.intid ?? ''} ${done === 'recorded' ? '→ VPT' : done}`.trim();
      return focus;
    }
    case 'gicr.doorbell': {
      rd(e.cpu ?? -1);
      focus.note = `doorbell ${e.intid ?? ''}`;
      return focus;
    }
    case 'gicr.vpe': {
      rd(e.cpu ?? -1);
      const vpeid = num(d.vpeid);
      const owner = vpeid >= 0 ? ix().owner.get(vpeid) : ix().byVpt.get(num(d.vpt));
      if (owner) vcpu(owner.vm, owner.vcpu);
      const op = typeof d.op === 'string' ? d.op : '';
      focus.note = op === 'schedule' ? 'vPE in' : op === 'deschedule' ? 'vPE out' : `VPENDBASER ${op}`;
      return focus;
    }
    case 'gicr.vinv':
      rd(e.cpu ?? -1);
      focus.note = typeof d.via === 'string' ? d.via : 'VINV';
      return focus;
    case 'kvm.v4.vpt':
      rd(num(d.rd));
      vcpu(num(d.vm), num(d.vcpu));
      focus.note = 'VPT parsed';
      return focus;
    case 'kvm.v4.doorbell':
      cpu(e.cpu ?? -1);
      vcpu(num(d.vm), num(d.vcpu));
      focus.note = 'doorbell handler';
      return focus;
    case 'kvm.v4.config':
      cpu(e.cpu ?? -1);
      places.push({ node: 'memory' });
      focus.note = typeof d.byte === 'string' ? `config ${d.byte}` : 'config';
      return focus;
    case 'kvm.v4.init':
      cpu(e.cpu ?? -1);
      places.push({ node: 'memory' });
      focus.note = 'vgic_v4_init';
      return focus;
    case 'kvm.v4.cmd':
    case 'kvm.v4.timeout':
      cpu(e.cpu ?? -1);
      places.push({ node: 'its', its: 0, part: 'queue' });
      return focus;
    case 'guest.take':
    case 'icv.ack': {
      const direct = e.kind === 'icv.ack' ? d.direct === true : typeof d.direct === 'number';
      if (!direct) return undefined;
      vcpu(num(d.vm), num(d.vcpu), 'guest');
      rd(e.cpu ?? -1);
      focus.note = 'direct';
      if (e.kind === 'icv.ack') focus.reg = 'ICV_IAR1_EL1';
      return focus;
    }
  }
  return undefined;
}
