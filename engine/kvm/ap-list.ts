/**
 * The ap_list: KVM's per-vCPU list of the interrupts that are pending or active for it, and the
 * rules that put an interrupt on one, order it and take it off (reference §6.3-§6.5, §6.8 step 3,
 * §6.10, §6.11; Linux arch/arm64/kvm/vgic/vgic.c).
 *
 * How KVM uses the ap_list
 * ------------------------
 * An interrupt becomes interesting when something makes it pending (a device line, an MSI through
 * the vITS, a guest SGI, an ISPENDR write): KVM then asks the target oracle where it should go and,
 * if it is on no list yet, appends it to the TAIL of that vCPU's ap_list and kicks the vCPU
 * (vgic_queue_irq_unlock). The list is NOT kept sorted: it is sorted only at guest entry, and only
 * when its interrupts do not all fit in the list registers (list-registers.ts). Nothing is removed
 * when an interrupt stops being interesting (a line dropped, a disable, an acknowledge): the prune
 * after the next exit walks the list, drops what the oracle no longer sends anywhere and moves what
 * it now sends to another vCPU.
 *
 * Everything here mutates the vgic state in place and returns what happened as data (which vCPU to
 * kick, what was removed or moved), so the wiring can turn each outcome into an event and each
 * kick into a task. Kicks are KVM's kvm_make_request(KVM_REQ_IRQ_PENDING) + kvm_vcpu_kick.
 */

import {
  irqIsLpi,
  irqIsPending,
  NO_VCPU,
  VGIC_CONFIG_LEVEL,
  VGIC_NR_PRIVATE_IRQS,
  vgicValidateInjection,
  type VgicIrq,
} from './vgic-irq';
import { ICH_VMCR_VENG0, ICH_VMCR_VENG1, vmcrPmr } from './ich-registers';
import {
  apListIrqs,
  vgicGetIrq,
  vgicGetIrqKref,
  vgicMpidrToVcpu,
  vgicPutIrq,
  type VgicState,
} from './vgic-state';

/**
 * vgic_target_oracle (§6.3): which vCPU the IRQ should be queued on, NO_VCPU for none.
 *  - active: where it already is (irq.vcpu), else its target. An active interrupt never moves, so
 *    that its deactivation happens on the vCPU that acknowledged it.
 *  - enabled and pending: its target, unless the distributor is disabled.
 *  - otherwise: none.
 */
export function vgicTargetOracle(vgic: VgicState, irq: VgicIrq): number {
  if (irq.active) return irq.vcpu !== NO_VCPU ? irq.vcpu : irq.targetVcpu;
  if (irq.enabled && irqIsPending(irq)) {
    if (irq.targetVcpu !== NO_VCPU && !vgic.dist.enabled) return NO_VCPU;
    return irq.targetVcpu;
  }
  return NO_VCPU;
}

/**
 * vgic_irq_cmp, classic (Linux up to v6.18, oupton mirror @44bb5ab; unchanged in substance since
 * the vgic rewrite of v4.7 except for the same-element check added in v5.3, commit d4a8061a7c5f).
 * Negative sorts `a` first, positive `b` first, 0 keeps their order (list_sort is stable):
 *  1. if either is active, active first; two active interrupts compare equal, whatever their
 *     priorities (they keep their list order);
 *  2. otherwise enabled-and-pending first; two that are not compare equal;
 *  3. both enabled and pending: the numerically lower priority first; equal priorities keep their
 *     list order (so the earlier-queued one wins).
 * Active interrupts go first because KVM cannot trap their deactivation: they must stay in the LRs.
 */
export function vgicIrqCmpClassic(a: VgicIrq, b: VgicIrq): number {
  if (a === b) return 0;
  if (a.active || b.active) return Number(b.active) - Number(a.active);
  const pa = a.enabled && irqIsPending(a);
  const pb = b.enabled && irqIsPending(b);
  if (!pa || !pb) return Number(pb) - Number(pa);
  return a.priority - b.priority;
}

/**
 * vgic_irq_cmp, v6.19 ("Invert ap_list sorting to push active interrupts out" and "Move
 * undeliverable interrupts to the end of ap_list", Marc Zyngier, Nov 2025), for the vCPU being
 * entered:
 *  1. interrupts the oracle sends to this vCPU first;
 *  2. then those whose group is enabled in ICH_VMCR_EL2 (VENG0/VENG1);
 *  3. then enabled, pending and NOT active (pending+active sorts with the active ones);
 *  4. then the lower priority value, whatever the state;
 *  5. then HW-backed first. Ties keep list order.
 */
export function vgicIrqCmpV619(vgic: VgicState, vcpu: number, a: VgicIrq, b: VgicIrq): number {
  if (a === b) return 0;
  let ret = Number(vgicTargetOracle(vgic, b) === vcpu) - Number(vgicTargetOracle(vgic, a) === vcpu);
  if (ret) return ret;
  const vmcr = vgic.vcpus[vcpu]!.v3.vmcr;
  const grpen = (x: VgicIrq): number => ((vmcr & (x.group ? ICH_VMCR_VENG1 : ICH_VMCR_VENG0)) !== 0 ? 1 : 0);
  ret = grpen(b) - grpen(a);
  if (ret) return ret;
  const pa = a.enabled && irqIsPending(a) && !a.active;
  const pb = b.enabled && irqIsPending(b) && !b.active;
  ret = Number(pb) - Number(pa);
  if (ret) return ret;
  ret = a.priority - b.priority;
  if (ret) return ret;
  return Number(b.hw) - Number(a.hw);
}

/** The comparator of the VM's LR policy. */
export function vgicIrqCmp(vgic: VgicState, vcpu: number, a: VgicIrq, b: VgicIrq): number {
  return vgic.cfg.lrPolicy === 'v6.19' ? vgicIrqCmpV619(vgic, vcpu, a, b) : vgicIrqCmpClassic(a, b);
}

/**
 * vgic_sort_ap_list: a stable sort of `vcpu`'s ap_list by vgicIrqCmp (list_sort is a stable merge
 * sort; Array.prototype.sort is stable, and the comparators are total preorders, so both give the
 * one stable order).
 */
export function vgicSortApList(vgic: VgicState, vcpu: number): void {
  const cpu = vgic.vcpus[vcpu]!;
  const irqs = apListIrqs(vgic, vcpu);
  irqs.sort((a, b) => vgicIrqCmp(vgic, vcpu, a, b));
  // An entry naming no IRQ cannot happen in KVM (the list holds a reference); should a caller
  // break that, the entry stays, last, for checkApLists to report, rather than the sort throwing.
  const known = new Set(irqs.map((irq) => irq.intid));
  cpu.apList = [...irqs.map((irq) => irq.intid), ...cpu.apList.filter((intid) => !known.has(intid))];
}

/** What vgic_queue_irq_unlock did. */
export interface QueueResult {
  /** The IRQ was appended to `kick`'s ap_list. */
  queued: boolean;
  /**
   * The vCPU that gets KVM_REQ_IRQ_PENDING and a kick, NO_VCPU for none. KVM kicks the oracle's
   * vCPU even when the IRQ is already queued: an edge re-triggered while it sits in an LR gets no
   * EOI maintenance interrupt, so the vCPU must exit to see it.
   */
  kick: number;
}

/**
 * vgic_queue_irq_unlock (§6.3), after the caller changed the IRQ's state. Already on a list, or
 * going nowhere: nothing to queue (kick the oracle's vCPU if there is one). Otherwise append it to
 * the tail of the oracle's ap_list, take the list's reference, and kick that vCPU. KVM's
 * drop-the-lock-and-recheck retry is for concurrent changes the model cannot have.
 */
export function vgicQueueIrq(vgic: VgicState, irq: VgicIrq): QueueResult {
  const target = vgicTargetOracle(vgic, irq);
  if (irq.vcpu !== NO_VCPU || target === NO_VCPU) return { queued: false, kick: target };
  vgicGetIrqKref(irq);
  vgic.vcpus[target]!.apList.push(irq.intid);
  irq.vcpu = target;
  return { queued: true, kick: target };
}

export const EINVAL = -22;
export const EBUSY = -16;

export interface InjectResult {
  /** 0, or KVM's negative errno. */
  ret: number;
  error?: 'EINVAL' | 'EBUSY';
  /** The injection changed the IRQ (vgic_validate_injection accepted it). */
  acted: boolean;
  queued: boolean;
  kick: number;
}

/**
 * kvm_vgic_inject_irq(kvm, vcpu, intid, level, owner) (§6.5): how devices and userspace drive a
 * line. `vcpu` names the owner of a private INTID (NO_VCPU for SPIs); `owner` is the in-kernel
 * device, null for userspace. A GICv3 must have been initialised (-EBUSY); a GICv2 is initialised
 * lazily. A private INTID without a vCPU, or an INTID the VM does not have, is -EINVAL. Then: a
 * level change of a level IRQ, or a rising edge of an edge IRQ, by its owner, sets line_level or
 * the latch and queues; anything else returns 0 and changes nothing. Lowering a level line does
 * not dequeue the IRQ: the prune at the next exit does.
 */
export function kvmVgicInjectIrq(
  vgic: VgicState,
  vcpu: number,
  intid: number,
  level: boolean,
  owner: string | null = null,
): InjectResult {
  const fail = (ret: number, error: 'EINVAL' | 'EBUSY'): InjectResult => ({
    ret,
    error,
    acted: false,
    queued: false,
    kick: NO_VCPU,
  });
  if (!vgic.dist.initialized) {
    if (vgic.cfg.model !== 2) return fail(EBUSY, 'EBUSY');
    vgic.dist.initialized = true; // vgic_lazy_init
  }
  if (intid < VGIC_NR_PRIVATE_IRQS && (vcpu < 0 || vcpu >= vgic.vcpus.length)) return fail(EINVAL, 'EINVAL');
  const irq = vgicGetIrq(vgic, vcpu, intid);
  if (!irq) return fail(EINVAL, 'EINVAL');
  if (!vgicValidateInjection(irq, level, owner))
    return { ret: 0, acted: false, queued: false, kick: NO_VCPU };
  if (irq.config === VGIC_CONFIG_LEVEL) irq.lineLevel = level;
  else irq.pendingLatch = true;
  const q = vgicQueueIrq(vgic, irq);
  return { ret: 0, acted: true, queued: q.queued, kick: q.kick };
}

/** What vgic_prune_ap_list did to one vCPU's list. */
export interface PruneResult {
  /** INTIDs taken off the list (the oracle sends them nowhere). */
  removed: number[];
  /** INTIDs moved to the tail of another vCPU's list. */
  migrated: { intid: number; to: number }[];
  /** vCPUs kicked (each target of a migration, in order, without repeats). */
  kicks: number[];
  /** LPIs whose last reference was the list's: freed (erased from the LPI table). */
  freed: number[];
}

/**
 * vgic_prune_ap_list (§6.8 step 3), after the LRs are folded: for each IRQ in list order, ask the
 * oracle. None: take it off the list and drop the list's reference. This vCPU: keep it. Another
 * vCPU: move it to the tail of that vCPU's list and kick that vCPU. (KVM restarts its walk after
 * each move because it dropped the locks; with nothing concurrent, one pass gives the same lists.)
 */
export function vgicPruneApList(vgic: VgicState, vcpu: number): PruneResult {
  const cpu = vgic.vcpus[vcpu]!;
  const out: PruneResult = { removed: [], migrated: [], kicks: [], freed: [] };
  const keep: number[] = [];
  for (const intid of cpu.apList) {
    const irq = vgicGetIrq(vgic, vcpu, intid);
    if (!irq) continue;
    const target = vgicTargetOracle(vgic, irq);
    if (target === vcpu) {
      keep.push(intid);
    } else if (target === NO_VCPU) {
      irq.vcpu = NO_VCPU;
      out.removed.push(intid);
      if (vgicPutIrq(vgic, irq)) out.freed.push(intid);
    } else {
      irq.vcpu = target;
      vgic.vcpus[target]!.apList.push(intid);
      out.migrated.push({ intid, to: target });
      if (!out.kicks.includes(target)) out.kicks.push(target);
    }
  }
  cpu.apList = keep;
  return out;
}

/**
 * vgic_flush_pending_lpis (GICR_CTLR.EnableLPIs 1 -> 0, vCPU destruction, §5.4): every LPI leaves
 * the list with its reference; its pending latch is kept. Returns the INTIDs removed.
 */
export function vgicFlushPendingLpis(vgic: VgicState, vcpu: number): number[] {
  const cpu = vgic.vcpus[vcpu]!;
  const removed: number[] = [];
  const keep: number[] = [];
  for (const intid of cpu.apList) {
    if (!irqIsLpi(intid)) {
      keep.push(intid);
      continue;
    }
    const irq = vgic.dist.lpis.get(intid);
    removed.push(intid);
    if (irq) {
      irq.vcpu = NO_VCPU;
      vgicPutIrq(vgic, irq);
    }
  }
  cpu.apList = keep;
  return removed;
}

/**
 * kvm_vgic_vcpu_pending_irq (§6.10), "should this vCPU wake from WFI": false with the distributor
 * disabled; otherwise whether some ap_list IRQ is pending, enabled, not active and of a priority
 * above the guest's priority mask (ICH_VMCR_EL2.VPMR). With GICv4, first: its vPE's pending_last
 * (a doorbell rang, or PendingLast read 1 when it was descheduled).
 */
export function kvmVgicVcpuPendingIrq(vgic: VgicState, vcpu: number): boolean {
  if (!vgic.dist.enabled) return false;
  if (vgic.vcpus[vcpu]!.vpePendingLast) return true;
  const pmr = vmcrPmr(vgic.vcpus[vcpu]!.v3.vmcr);
  for (const irq of apListIrqs(vgic, vcpu)) {
    if (irqIsPending(irq) && irq.enabled && !irq.active && irq.priority < pmr) return true;
  }
  return false;
}

/** vgic_kick_vcpus (the distributor became enabled): every vCPU with something to take. */
export function vgicKickVcpus(vgic: VgicState): number[] {
  const out: number[] = [];
  for (let v = 0; v < vgic.vcpus.length; v++) if (kvmVgicVcpuPendingIrq(vgic, v)) out.push(v);
  return out;
}

export interface SgiDispatch {
  intid: number;
  /** vCPUs the write named that exist, in order. */
  targets: number[];
  /** Per target: whether the SGI was made pending there (the group rule can refuse it). */
  accepted: boolean[];
  /** vCPUs kicked. */
  kicks: number[];
}

/**
 * vgic_v3_dispatch_sgi (§6.11): a guest write to ICC_SGI1R_EL1 (allowGroup1 = true),
 * ICC_ASGI1R_EL1 (true) or ICC_SGI0R_EL1 (false), trapped by KVM. IRM = 1 targets every vCPU but
 * the sender; otherwise each set bit n of TargetList names the vCPU with MPIDR Aff3.Aff2.Aff1.n
 * (RS is ignored, so only Aff0 0..15 are reachable). A target takes the SGI if that SGI is Group 0
 * or the register may generate Group 1: its latch is set and it is queued. (A GICv4.1 HW vSGI goes
 * to the ITS instead; that path belongs to the GICv4 model and is reported as not accepted here.)
 */
export function vgicV3DispatchSgi(
  vgic: VgicState,
  vcpu: number,
  reg: bigint,
  allowGroup1: boolean,
): SgiDispatch {
  const intid = Number((reg >> 24n) & 0xfn);
  const targets: number[] = [];
  if ((reg >> 40n) & 1n) {
    for (let v = 0; v < vgic.vcpus.length; v++) if (v !== vcpu) targets.push(v);
  } else {
    const list = Number(reg & 0xffffn);
    const aff1 = Number((reg >> 16n) & 0xffn);
    const aff2 = Number((reg >> 32n) & 0xffn);
    const aff3 = Number((reg >> 48n) & 0xffn);
    for (let aff0 = 0; aff0 < 16; aff0++) {
      if (!((list >> aff0) & 1)) continue;
      const t = vgicMpidrToVcpu(vgic, ((aff3 << 24) | (aff2 << 16) | (aff1 << 8) | aff0) >>> 0);
      if (t !== NO_VCPU) targets.push(t);
    }
  }
  const accepted: boolean[] = [];
  const kicks: number[] = [];
  for (const t of targets) {
    const irq = vgic.vcpus[t]!.privateIrqs[intid]!;
    const ok = (irq.group === 0 || allowGroup1) && !irq.hw;
    accepted.push(ok);
    if (!ok) continue;
    irq.pendingLatch = true;
    const q = vgicQueueIrq(vgic, irq);
    if (q.kick !== NO_VCPU) kicks.push(q.kick);
  }
  return { intid, targets, accepted, kicks };
}

/**
 * The ap_list invariants (for tests and for the wiring's own checks): each IRQ with vcpu = k is on
 * k's list exactly once and on no other; every list entry names an existing IRQ whose vcpu is that
 * list's; a private INTID is only ever on its own vCPU's list. Returns the violations.
 */
export function checkApLists(vgic: VgicState): string[] {
  const p: string[] = [];
  const seen = new Map<VgicIrq, number>();
  vgic.vcpus.forEach((cpu, v) => {
    for (const intid of cpu.apList) {
      const irq = vgicGetIrq(vgic, v, intid);
      if (!irq) {
        p.push(`vCPU ${v}: ap_list names INTID ${intid}, which does not exist`);
        continue;
      }
      if (seen.has(irq)) p.push(`INTID ${intid} is on the ap_lists of vCPUs ${seen.get(irq)} and ${v}`);
      seen.set(irq, v);
      if (irq.vcpu !== v) p.push(`vCPU ${v}: INTID ${intid} is on its ap_list but its vcpu is ${irq.vcpu}`);
    }
  });
  const all: VgicIrq[] = [...vgic.dist.spis, ...vgic.dist.lpis.values()];
  for (const cpu of vgic.vcpus) all.push(...cpu.privateIrqs);
  for (const irq of all) {
    if (irq.vcpu !== NO_VCPU && !seen.has(irq))
      p.push(`INTID ${irq.intid} says it is queued on vCPU ${irq.vcpu} but is on no ap_list`);
  }
  return p;
}
