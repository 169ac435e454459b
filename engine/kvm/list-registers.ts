/**
 * How KVM moves interrupts between its ap_lists and the list registers around every guest run
 * (reference §6.6-§6.9; Linux arch/arm64/kvm/vgic/vgic.c and vgic-v3.c).
 *
 * The cycle
 * ---------
 * Before entry (kvm_vgic_flush_hwstate), KVM writes the interrupts of the vCPU's ap_list into the
 * list registers, highest priority first when they do not all fit, and asks for the maintenance
 * interrupts that will bring the vCPU back when the LRs need attention. The guest then acknowledges
 * and ends interrupts through its ICV_* registers without exiting (virtual-cpu-interface.ts): the
 * hardware moves each LR from pending to active to invalid. After exit (kvm_vgic_sync_hwstate), KVM
 * reads the LRs back into the vgic_irqs ("fold"), then prunes the ap_list (ap-list.ts).
 *
 * What an LR carries away, and what comes back:
 *  - an edge interrupt's pending state MOVES into the LR (populate clears pending_latch); if the
 *    guest has not acknowledged it by exit, the fold sets the latch again;
 *  - a level interrupt's pending state is NOT moved: it follows the line. Its LR asks for an EOI
 *    maintenance interrupt (EOI bit), so the guest's deactivation exits; the fold then clears the
 *    soft latch and tells irqfd resamplers (kvm_notify_acked_irq) so a device can re-assert;
 *  - a HW-mapped interrupt's LR carries the physical INTID: the guest's deactivation deactivates
 *    the physical interrupt directly, and its pending state lives at the physical distributor. A
 *    mapped level interrupt is only seen on rising edges, so KVM samples the physical line when it
 *    folds and clears the physical active state if the line went low (vgic_irq_handle_resampling).
 *
 * Two kernel generations are modelled (VgicConfig.lrPolicy, see vgic-state.ts): 'classic' (up to
 * v6.18) and 'v6.19'. The LR encoding (vgic_v3_populate_lr) and the per-LR fold are the same in
 * both; they differ in the sort, when to sort, which maintenance interrupts to request and what
 * EOIcount means on exit.
 *
 * The ICH_*_EL2 layouts and register table are in ich-registers.ts (re-exported below): they are
 * the hardware's, and keeping them apart keeps this layer's imports acyclic.
 */

import { vgicPruneApList, vgicSortApList, vgicTargetOracle, type PruneResult } from './ap-list';
import {
  eoiCount,
  ICH_HCR_EN,
  ICH_HCR_EOICOUNT_MASK,
  ICH_HCR_LRENPIE,
  ICH_HCR_NPIE,
  ICH_HCR_TDIR,
  ICH_HCR_UIE,
  ICH_HCR_VGRP0DIE,
  ICH_HCR_VGRP0EIE,
  ICH_HCR_VGRP1DIE,
  ICH_HCR_VGRP1EIE,
  ICH_HCR_VSGIEOICOUNT,
  ICH_VMCR_VENG0,
  ICH_VMCR_VENG1,
  LRH_ACTIVE,
  LRH_EOI,
  LRH_GROUP,
  LRH_HW,
  LRH_PENDING,
  LRH_PINTID_MASK,
  LRH_PRIORITY_SHIFT,
  LRH_STATE,
  lrValue,
} from './ich-registers';
import {
  irqIsPending,
  VGIC_CONFIG_EDGE,
  VGIC_CONFIG_LEVEL,
  VGIC_NR_PRIVATE_IRQS,
  vgicIrqGetLrCount,
  vgicIrqIsMappedLevel,
  vgicIrqIsMultiSgi,
  vgicIrqIsSgi,
  vgicIrqNeedsResampling,
  type VgicIrq,
} from './vgic-irq';
import { vgicGetIrq, vgicValidSpi, type VgicState } from './vgic-state';

export { decodeIchLr, encodeIchLr, ICH_LR_FIELDS, ichLrRead, ichLrWrite, type IchLr } from './ich-registers';

/** GICv2 guests: the SGI source CPU travels in vINTID bits [12:10] (GICH_LR_PHYSID_CPUID). */
const V2_CPUID_SHIFT = 10;
const V2_VIRTUALID_MASK = 0x3ff;

/**
 * What KVM asks of the physical side while folding: vgic_get_phys_line_level, the level of a
 * mapped interrupt's physical line (or its device's get_input_level callback, as the arch timer
 * provides). The wiring answers from the physical GIC model; tests answer directly.
 */
export interface VgicPhysLines {
  lineLevel(irq: VgicIrq): boolean;
}

// ---- One LR from one vgic_irq (vgic_v3_compute_lr / vgic_v3_populate_lr, §6.7) -----------------

/**
 * The LR value KVM builds for `irq`, as [bits 31:0, bits 63:32], without changing anything
 * (v6.19's vgic_v3_compute_lr; the classic vgic_v3_populate_lr computes the same value).
 *  - vINTID = intid; for a GICv2 guest's SGI, the source CPU in [12:10].
 *  - Active: State.Active; a GICv2 SGI carries its active source. A multi-source GICv2 SGI that is
 *    active goes in active-only, with EOI, so its next source comes after the guest's EOI.
 *  - HW-mapped (unless software resampling): HW and pINTID. Never pending+active: the pending
 *    state is at the physical distributor.
 *  - Otherwise a level interrupt asks for EOI maintenance, and is never pending+active either
 *    (software resampling cannot work from P+A).
 *  - Pending (if allowed): State.Pending; a GICv2 SGI takes its lowest source, and asks for EOI
 *    maintenance if more sources remain.
 *  - Group and Priority copied.
 */
export function vgicV3ComputeLr(vgic: VgicState, irq: VgicIrq): [number, number] {
  const isV2Sgi = vgic.cfg.model === 2 && vgicIrqIsSgi(irq.intid);
  let lo = irq.intid >>> 0;
  let hi = 0;
  let allowPending = true;
  if (irq.active) {
    hi |= LRH_ACTIVE;
    if (isV2Sgi) lo |= (irq.activeSource & 7) << V2_CPUID_SHIFT;
    if (vgicIrqIsMultiSgi(irq)) {
      allowPending = false;
      hi |= LRH_EOI;
    }
  }
  if (irq.hw && !vgicIrqNeedsResampling(irq)) {
    hi |= LRH_HW | (irq.hwintid & LRH_PINTID_MASK);
    if (irq.active) allowPending = false;
  } else if (irq.config === VGIC_CONFIG_LEVEL) {
    hi |= LRH_EOI;
    if (irq.active) allowPending = false;
  }
  if (allowPending && irqIsPending(irq)) {
    hi |= LRH_PENDING;
    if (isV2Sgi) {
      const src = lowestBit(irq.source);
      if (src < 0) return [0, 0]; // KVM warns "No SGI source" and loads nothing useful
      lo |= src << V2_CPUID_SHIFT;
      if (irq.source & ~(1 << src)) hi |= LRH_EOI;
    }
  }
  if (irq.group) hi |= LRH_GROUP;
  hi |= (irq.priority & 0xff) << LRH_PRIORITY_SHIFT;
  return [lo >>> 0, hi >>> 0];
}

function lowestBit(v: number): number {
  return v === 0 ? -1 : 31 - Math.clz32(v & -v);
}

/**
 * vgic_v3_populate_lr: writes LR `n` for `irq` and applies what loading it means to the vgic_irq.
 * A pending edge interrupt's latch moves into the LR (cleared); a GICv2 SGI gives up the source it
 * loaded, staying latched while others remain; a mapped level interrupt loaded pending gets
 * line_level = false, since only its rising edges are observed.
 */
export function vgicV3PopulateLr(vgic: VgicState, vcpu: number, irq: VgicIrq, n: number): void {
  const v3 = vgic.vcpus[vcpu]!.v3;
  const [lo, hi] = vgicV3ComputeLr(vgic, irq);
  v3.lrLo[n] = lo;
  v3.lrHi[n] = hi;
  if (hi & LRH_PENDING) {
    if (irq.config === VGIC_CONFIG_EDGE) irq.pendingLatch = false;
    if (vgic.cfg.model === 2 && vgicIrqIsSgi(irq.intid)) {
      irq.source &= ~(1 << ((lo >>> V2_CPUID_SHIFT) & 7));
      if (irq.source) irq.pendingLatch = true;
    }
    if (vgicIrqIsMappedLevel(irq)) irq.lineLevel = false;
  }
}

// ---- Flush: ap_list -> LRs before entry (§6.6) -------------------------------------------------

export interface LoadedLr {
  lr: number;
  intid: number;
  /** The 64-bit ICH_LR<n>_EL2 value written. */
  value: bigint;
}

export interface FlushResult {
  policy: VgicState['cfg']['lrPolicy'];
  /** The ap_list was sorted first. */
  sorted: boolean;
  loaded: LoadedLr[];
  /** ap_list entries not put in an LR, in list order. */
  notLoaded: number[];
  usedLrs: number;
  /** ICH_HCR_EL2 for the run. */
  hcr: number;
  /** Classic: the depth KVM computed (vgic_irq_get_lr_count summed) and whether a GICv2 SGI needs several LRs. */
  depth?: number;
  multiSgi?: boolean;
  /** Classic: the walk stopped at an IRQ of lower priority than a multi-source SGI. */
  stoppedForMultiSgi?: boolean;
  /** v6.19: summarize_ap_list over the IRQs the oracle sends to this vCPU. */
  summary?: { nrPend: number; nrAct: number; nrSgi: number };
}

function clearRest(vgic: VgicState, vcpu: number, count: number): void {
  const v3 = vgic.vcpus[vcpu]!.v3;
  for (let n = count; n < v3.lrLo.length; n++) {
    v3.lrLo[n] = 0;
    v3.lrHi[n] = 0;
  }
  v3.usedLrs = count;
}

const loadedAt = (vgic: VgicState, vcpu: number, n: number, intid: number): LoadedLr => {
  const v3 = vgic.vcpus[vcpu]!.v3;
  return { lr: n, intid, value: lrValue(v3.lrLo[n]!, v3.lrHi[n]!) };
};

/**
 * The classic vgic_flush_lr_state (Linux up to v6.18):
 *  1. depth = sum of vgic_irq_get_lr_count over the list (pending-or-active counts 1, a GICv2 SGI
 *     one per source plus one if active), noting whether some IRQ needs several LRs;
 *  2. sort the list (active first, then pending by priority) if depth > nr_lr or a multi-LR SGI;
 *  3. walk it, loading each IRQ the oracle sends to this vCPU into the next LR; with a multi-source
 *     SGI, stop at the first IRQ of lower priority than the last SGI loaded that still has sources;
 *  4. when the LRs are full and the list goes on, request the underflow maintenance interrupt
 *     (UIE: raised when at most one LR is still valid, so KVM can refill them);
 *  5. zero the unused LRs. What did not fit stays on the list for a later entry.
 * ICH_HCR_EL2 is otherwise as KVM left it (UIE is cleared again by the fold), and EOIcount starts
 * at 0 since KVM's restore writes its shadow, which never holds a count.
 */
function flushClassic(vgic: VgicState, vcpu: number): FlushResult {
  const cpu = vgic.vcpus[vcpu]!;
  const nrLr = vgic.cfg.nrLr;
  let depth = 0;
  let multiSgi = false;
  for (const intid of cpu.apList) {
    const irq = vgicGetIrq(vgic, vcpu, intid);
    if (!irq) continue;
    const w = vgicIrqGetLrCount(irq);
    depth += w;
    if (w > 1) multiSgi = true;
  }
  const sorted = depth > nrLr || multiSgi;
  if (sorted) vgicSortApList(vgic, vcpu);
  cpu.v3.hcr = (cpu.v3.hcr & ~ICH_HCR_EOICOUNT_MASK) >>> 0;
  const loaded: LoadedLr[] = [];
  let count = 0;
  let prio = 0xff;
  let stoppedForMultiSgi = false;
  for (let i = 0; i < cpu.apList.length; i++) {
    const irq = vgicGetIrq(vgic, vcpu, cpu.apList[i]!);
    if (!irq) continue;
    if (multiSgi && irq.priority > prio) {
      stoppedForMultiSgi = true;
      break;
    }
    if (vgicTargetOracle(vgic, irq) === vcpu) {
      vgicV3PopulateLr(vgic, vcpu, irq, count);
      loaded.push(loadedAt(vgic, vcpu, count, irq.intid));
      count++;
      if (irq.source) prio = irq.priority;
    }
    if (count === nrLr) {
      if (i !== cpu.apList.length - 1) cpu.v3.hcr = (cpu.v3.hcr | ICH_HCR_UIE) >>> 0;
      break;
    }
  }
  clearRest(vgic, vcpu, count);
  const inLr = new Set(loaded.map((l) => l.intid));
  return {
    policy: 'classic',
    sorted,
    loaded,
    notLoaded: cpu.apList.filter((intid) => !inLr.has(intid)),
    usedLrs: count,
    hcr: cpu.v3.hcr >>> 0,
    depth,
    multiSgi,
    stoppedForMultiSgi,
  };
}

/**
 * v6.19's vgic_flush_lr_state + vgic_v3_configure_hcr:
 *  1. summarize the IRQs the oracle sends to this vCPU: nr_pend (not active), nr_act (active or
 *     active+pending), nr_sgi (INTID < 16); a GICv2 SGI counts once;
 *  2. sort (v6.19 order: deliverable, group enabled, pending-not-active, priority, HW) only if
 *     nr_pend + nr_act > nr_lr ("IRQs outside the LRs");
 *  3. load deliverable IRQs in list order until the LRs are full, remembering the last one loaded
 *     (last_lr_irq): the ones after it are the overflow the EOIcount walk looks at;
 *  4. rebuild ICH_HCR_EL2 from En: NPIE if nr_pend > nr_lr; LRENPIE if active IRQs exist and some
 *     IRQs are outside; UIE if some are outside; vSGIEOICount if no SGI is listed; VGrp0DIE or
 *     VGrp0EIE (and the same for group 1) to exit when the guest disables or enables a group;
 *     TDIR while active IRQs are outside, so the guest's ICV_DIR_EL1 traps (KVM also sets it when
 *     the host lacks FEAT_GICv3_TDIR, or while SPIs are active: not modelled).
 * KVM reconfigures ICH_HCR_EL2 on every entry; the model does it even for an empty ap_list, so a
 * stale NPIE or UIE never outlives the interrupts that needed it.
 */
function flushV619(vgic: VgicState, vcpu: number): FlushResult {
  const cpu = vgic.vcpus[vcpu]!;
  const nrLr = vgic.cfg.nrLr;
  const summary = { nrPend: 0, nrAct: 0, nrSgi: 0 };
  for (const intid of cpu.apList) {
    const irq = vgicGetIrq(vgic, vcpu, intid);
    if (!irq || vgicTargetOracle(vgic, irq) !== vcpu) continue;
    if (irq.active) summary.nrAct++;
    else summary.nrPend++;
    if (vgicIrqIsSgi(irq.intid)) summary.nrSgi++;
  }
  const outside = summary.nrPend + summary.nrAct > nrLr;
  if (outside) vgicSortApList(vgic, vcpu);
  cpu.lastLrIrq = -1;
  const loaded: LoadedLr[] = [];
  let count = 0;
  for (const intid of cpu.apList) {
    if (count === nrLr) break;
    const irq = vgicGetIrq(vgic, vcpu, intid);
    if (!irq || vgicTargetOracle(vgic, irq) !== vcpu) continue;
    vgicV3PopulateLr(vgic, vcpu, irq, count);
    loaded.push(loadedAt(vgic, vcpu, count, irq.intid));
    cpu.lastLrIrq = irq.intid;
    count++;
  }
  clearRest(vgic, vcpu, count);
  const activeOutside = summary.nrAct > 0 && outside;
  let hcr = ICH_HCR_EN;
  if (summary.nrPend > nrLr) hcr |= ICH_HCR_NPIE;
  if (activeOutside) hcr |= ICH_HCR_LRENPIE;
  if (outside) hcr |= ICH_HCR_UIE;
  if (summary.nrSgi === 0) hcr |= ICH_HCR_VSGIEOICOUNT;
  hcr |= (cpu.v3.vmcr & ICH_VMCR_VENG0) !== 0 ? ICH_HCR_VGRP0DIE : ICH_HCR_VGRP0EIE;
  hcr |= (cpu.v3.vmcr & ICH_VMCR_VENG1) !== 0 ? ICH_HCR_VGRP1DIE : ICH_HCR_VGRP1EIE;
  if (activeOutside) hcr |= ICH_HCR_TDIR;
  cpu.v3.hcr = hcr >>> 0;
  const inLr = new Set(loaded.map((l) => l.intid));
  return {
    policy: 'v6.19',
    sorted: outside,
    loaded,
    notLoaded: cpu.apList.filter((intid) => !inLr.has(intid)),
    usedLrs: count,
    hcr: cpu.v3.hcr,
    summary,
  };
}

/** vgic_flush_lr_state under the VM's LR policy. */
export function vgicFlushLrState(vgic: VgicState, vcpu: number): FlushResult {
  return vgic.cfg.lrPolicy === 'v6.19' ? flushV619(vgic, vcpu) : flushClassic(vgic, vcpu);
}

/**
 * kvm_vgic_flush_hwstate, before entering `vcpu`. Classic KVM skips the work for an empty ap_list
 * (its LRs are then all invalid, since the previous fold set used_lrs to 0 and only used LRs are
 * restored); the model zeroes them so the hardware view says the same.
 */
export function kvmVgicFlushHwstate(vgic: VgicState, vcpu: number): FlushResult {
  const cpu = vgic.vcpus[vcpu]!;
  if (vgic.cfg.lrPolicy === 'classic' && cpu.apList.length === 0) {
    clearRest(vgic, vcpu, 0);
    cpu.v3.hcr = (cpu.v3.hcr & ~ICH_HCR_EOICOUNT_MASK) >>> 0;
    return { policy: 'classic', sorted: false, loaded: [], notLoaded: [], usedLrs: 0, hcr: cpu.v3.hcr >>> 0 };
  }
  return vgicFlushLrState(vgic, vcpu);
}

// ---- Fold: LRs -> vgic_irq after exit (§6.8) ---------------------------------------------------

export interface FoldedLr {
  /** The LR index; -1 for a pseudo-LR KVM built to replay an EOIcount deactivation (v6.19). */
  lr: number;
  intid: number;
  value: bigint;
  /** The vgic_irq still exists (an LPI may have been unmapped meanwhile). */
  found: boolean;
  /** Active when loaded, no longer active in the LR: the guest deactivated it. */
  deactivated: boolean;
  /** The LR signalled an EOI maintenance interrupt (invalid, EOI = 1, HW = 0). */
  eoiMaintenance: boolean;
}

export interface FoldResult {
  lrs: FoldedLr[];
  /**
   * kvm_notify_acked_irq(kvm, 0, intid - 32) for each SPI whose LR signalled an EOI maintenance
   * interrupt: irqchip pins, not GSIs (they are GSIs only under the default routing;
   * irqfd.ts's kvmNotifyAckedPins maps them through the routing table to the resamplers that run:
   * a level-triggered passthrough line is lowered and its resamplefd signalled).
   */
  ackedPins: number[];
  /**
   * Physical INTIDs whose active state KVM clears: a mapped level interrupt resampled low
   * (vgic_irq_set_phys_active(irq, false)), or a HW interrupt deactivated through EOIcount.
   */
  physDeactivate: number[];
  /** v6.19: the EOIcount the fold used (0 unless LRENPIE was set) and what it deactivated. */
  eoiCount: number;
  eoiCountDeactivated: number[];
}

const lrSignalsEoiMi = (hi: number): boolean => (hi & (LRH_STATE | LRH_EOI | LRH_HW)) === LRH_EOI;

/**
 * vgic_v3_fold_lr: one LR value back into its vgic_irq.
 *  - an invalid LR with EOI and no HW is an EOI maintenance interrupt: notify irqfd resamplers of an
 *    SPI;
 *  - active is copied from the LR (a deactivation is noted), and a GICv2 SGI's active source;
 *  - an edge IRQ still pending in the LR is latched again (a GICv2 SGI gets its source back);
 *  - a level IRQ whose LR is invalid was acknowledged and completed: its soft latch is cleared;
 *  - a mapped level IRQ is resampled (vgic_irq_handle_resampling).
 */
function foldLr(
  vgic: VgicState,
  vcpu: number,
  lo: number,
  hi: number,
  lr: number,
  phys: VgicPhysLines,
  out: FoldResult,
): void {
  const isV2 = vgic.cfg.model === 2;
  const intid = isV2 ? lo & V2_VIRTUALID_MASK : lo >>> 0;
  const cpuid = (lo >>> V2_CPUID_SHIFT) & 7;
  const isV2Sgi = isV2 && vgicIrqIsSgi(intid);
  const eoiMaintenance = lrSignalsEoiMi(hi);
  if (eoiMaintenance && vgicValidSpi(vgic, intid)) out.ackedPins.push(intid - VGIC_NR_PRIVATE_IRQS);
  const irq = vgicGetIrq(vgic, vcpu, intid);
  const rec: FoldedLr = {
    lr,
    intid,
    value: lrValue(lo, hi),
    found: !!irq,
    deactivated: false,
    eoiMaintenance,
  };
  out.lrs.push(rec);
  if (!irq) return;
  const lrActive = (hi & LRH_ACTIVE) !== 0;
  const lrPending = (hi & LRH_PENDING) !== 0;
  rec.deactivated = irq.active && !lrActive;
  irq.active = lrActive;
  if (irq.active && isV2Sgi) irq.activeSource = cpuid;
  if (irq.config === VGIC_CONFIG_EDGE && lrPending) {
    irq.pendingLatch = true;
    if (isV2Sgi) irq.source |= 1 << cpuid;
  }
  if (irq.config === VGIC_CONFIG_LEVEL && (hi & LRH_STATE) === 0) irq.pendingLatch = false;
  // vgic_irq_handle_resampling
  if (vgicIrqIsMappedLevel(irq)) {
    let resample = false;
    if (vgicIrqNeedsResampling(irq)) {
      resample = !(irq.active || irq.pendingLatch);
    } else if (lrPending || (rec.deactivated && irq.lineLevel)) {
      irq.lineLevel = phys.lineLevel(irq);
      resample = !irq.lineLevel;
    }
    if (resample) out.physDeactivate.push(irq.hwintid);
  }
}

/**
 * vgic_v3_fold_lr_state, after `vcpu` exits: every used LR is folded back (see foldLr), then
 * used_lrs = 0. Classic: UIE is cleared. v6.19: with EOImode 0 the guest may have deactivated
 * interrupts that were active outside the LRs, which only counted in ICH_HCR_EL2.EOIcount (read
 * back only when LRENPIE was set); KVM replays that many deactivations on the active IRQs of the
 * ap_list AFTER the last one it had put in an LR, in list order, each as a pseudo-LR with Active
 * cleared (and a physical deactivation for HW ones).
 */
export function vgicV3FoldLrState(vgic: VgicState, vcpu: number, phys: VgicPhysLines): FoldResult {
  const cpu = vgic.vcpus[vcpu]!;
  const v3 = cpu.v3;
  const out: FoldResult = {
    lrs: [],
    ackedPins: [],
    physDeactivate: [],
    eoiCount: 0,
    eoiCountDeactivated: [],
  };
  if (vgic.cfg.lrPolicy === 'classic') v3.hcr = (v3.hcr & ~ICH_HCR_UIE) >>> 0;
  for (let n = 0; n < v3.usedLrs; n++) foldLr(vgic, vcpu, v3.lrLo[n]!, v3.lrHi[n]!, n, phys, out);
  if (vgic.cfg.lrPolicy === 'v6.19') {
    let count = v3.hcr & ICH_HCR_LRENPIE ? eoiCount(v3.hcr) : 0;
    out.eoiCount = count;
    const start = cpu.apList.indexOf(cpu.lastLrIrq);
    // The last IRQ loaded is still listed unless something removed it while the vCPU ran (an
    // EnableLPIs 0 write flushing LPIs); KVM's walk would then start from a stale entry, the
    // model does not walk.
    for (let i = start < 0 ? cpu.apList.length : start + 1; i < cpu.apList.length && count > 0; i++) {
      const irq = vgicGetIrq(vgic, vcpu, cpu.apList[i]!);
      if (!irq || !irq.active || vgicTargetOracle(vgic, irq) !== vcpu) continue;
      const [lo, hi0] = vgicV3ComputeLr(vgic, irq);
      const hi = (hi0 & ~LRH_ACTIVE) >>> 0;
      if (hi & LRH_HW) out.physDeactivate.push(hi & LRH_PINTID_MASK);
      foldLr(vgic, vcpu, lo, hi, -1, phys, out);
      out.eoiCountDeactivated.push(irq.intid);
      count--;
    }
  }
  v3.usedLrs = 0;
  return out;
}

export interface SyncResult {
  /** Undefined when there was nothing to fold (no LR used). */
  folded?: FoldResult;
  pruned: PruneResult;
}

/**
 * kvm_vgic_sync_hwstate, after `vcpu` exits: nothing for an empty ap_list; otherwise fold the LRs
 * if any were used (v6.19: if an IRQ was loaded, last_lr_irq), then prune the ap_list.
 */
export function kvmVgicSyncHwstate(vgic: VgicState, vcpu: number, phys: VgicPhysLines): SyncResult {
  const cpu = vgic.vcpus[vcpu]!;
  if (cpu.apList.length === 0) return { pruned: { removed: [], migrated: [], kicks: [], freed: [] } };
  const used = vgic.cfg.lrPolicy === 'v6.19' ? cpu.lastLrIrq !== -1 : cpu.v3.usedLrs > 0;
  const folded = used ? vgicV3FoldLrState(vgic, vcpu, phys) : undefined;
  // KVM keeps last_lr_irq in per-CPU host data, meaningful only while the vCPU is loaded; the
  // model forgets it at exit, so a second sync without an entry replays no stale EOIcount.
  cpu.lastLrIrq = -1;
  return { ...(folded ? { folded } : {}), pruned: vgicPruneApList(vgic, vcpu) };
}

/** The IRQ an LR names (its vINTID; for a GICv2 guest, without the source CPU bits). */
export function lrIntid(vgic: VgicState, lo: number): number {
  return vgic.cfg.model === 2 ? lo & V2_VIRTUALID_MASK : lo >>> 0;
}
