/**
 * struct vgic_irq: what KVM keeps for one virtual INTID (reference §6.1, [arm_vgic.h]), as plain
 * data, and the predicates KVM derives from it (vgic.h).
 *
 * KVM holds one vgic_irq per SGI and PPI of each vCPU (private_irqs[32]), one per SPI (dist->spis)
 * and one per mapped LPI (dist->lpi_xa). The structure carries no lock, list link or RCU head here:
 * the model is single-threaded and deterministic, so irq_lock, ap_list_lock and the retry loops
 * that re-check after re-locking have nothing to protect. The ap_list link becomes the vCPU's
 * ap_list, an ordered array of INTIDs (vgic-state.ts), and pointers to vCPUs become vCPU indices
 * (-1 for KVM's NULL). Everything here survives clonePlain and the JSON snapshot codec.
 *
 * Pending is derived, never stored: an edge interrupt is pending when its latch is set, a level
 * interrupt when its latch (a software ISPENDR write) or its input line is set (irq_is_pending,
 * §1.3). That is why injecting a level interrupt only moves line_level, and why acknowledging one
 * in a list register leaves it pending while the line stays high.
 */

/** VGIC_NR_SGIS: INTIDs 0..15. */
export const VGIC_NR_SGIS = 16;
/** VGIC_NR_PPIS: INTIDs 16..31. */
export const VGIC_NR_PPIS = 16;
/** VGIC_NR_PRIVATE_IRQS: SGIs and PPIs, banked per vCPU. */
export const VGIC_NR_PRIVATE_IRQS = 32;
/** VGIC_MAX_PRIVATE: the last private INTID. */
export const VGIC_MAX_PRIVATE = VGIC_NR_PRIVATE_IRQS - 1;
/** VGIC_MAX_SPI: the last SPI INTID. */
export const VGIC_MAX_SPI = 1019;
/** VGIC_MAX_RESERVED: 1020..1023 are special INTIDs (1023 spurious). */
export const VGIC_MAX_RESERVED = 1023;
/** VGIC_MIN_LPI: the first LPI INTID. */
export const VGIC_MIN_LPI = 8192;
/** KVM's 16 ID bits: the highest LPI INTID (VGIC_LPI_MAX_INTID). */
export const VGIC_LPI_MAX_INTID = 0xffff;

/** enum vgic_irq_config: VGIC_CONFIG_EDGE = 0, VGIC_CONFIG_LEVEL = 1 (as the debugfs C column). */
export const VGIC_CONFIG_EDGE = 0;
export const VGIC_CONFIG_LEVEL = 1;
export type VgicIrqConfig = typeof VGIC_CONFIG_EDGE | typeof VGIC_CONFIG_LEVEL;

/**
 * irq_ops flag VGIC_IRQ_SW_RESAMPLE (bit 0): the mapped interrupt cannot be deactivated by the
 * hardware through the LR's HW bit, so KVM resamples it in software (it goes into an LR as a
 * purely virtual interrupt and KVM clears the physical active state itself).
 */
export const VGIC_IRQ_SW_RESAMPLE = 1;

/** KVM's NULL vCPU pointer. */
export const NO_VCPU = -1;

export interface VgicIrq {
  /** The guest-visible INTID. */
  intid: number;
  /** The vCPU whose ap_list holds this IRQ (NO_VCPU if on none). */
  vcpu: number;
  /**
   * Where the IRQ should go: the owner for SGIs/PPIs, from GICD_IROUTER for SPIs, from the
   * collection for LPIs. NO_VCPU if unroutable (an IROUTER naming no vCPU, an unmapped collection).
   */
  targetVcpu: number;
  /** Input level of a level-sensitive source (the device's line, as last injected). */
  lineLevel: boolean;
  /** The latched pending state: an edge, or a software-set (ISPENDR) level interrupt. */
  pendingLatch: boolean;
  /** Active state (not used for LPIs, which have none). */
  active: boolean;
  enabled: boolean;
  /**
   * Backed by a host interrupt: a mapped PPI/SPI (the virtual timer, a passthrough device), a
   * forwarded GICv4 vLPI or a GICv4.1 vSGI. Put into an LR with HW = 1 and pINTID = hwintid, so the
   * guest's deactivation also deactivates the physical interrupt.
   */
  hw: boolean;
  /** Physical INTID of a HW-mapped IRQ (0 when not mapped). */
  hwintid: number;
  /** Linux irq number of the host interrupt (0 when not mapped). */
  hostIrq: number;
  /**
   * GICv3: the affinity this IRQ is routed to, Aff2.Aff1.Aff0 in bits [23:0] (KVM keeps no Aff3
   * and no IRM: 1-of-N routing is not emulated, §1.2). A union with `targets` in KVM.
   */
  mpidr: number;
  /** GICv2: the GICD_ITARGETSR CPU mask (the other half of KVM's union). */
  targets: number;
  /** GICv2 SGIs only: bitmap of the vCPUs (by id) that sent this SGI and are still to be seen. */
  source: number;
  /** GICv2 SGIs only: the source of the instance that is active. */
  activeSource: number;
  /** Priority byte; a lower value is a higher priority. */
  priority: number;
  group: 0 | 1;
  config: VgicIrqConfig;
  /** irq_ops flags (VGIC_IRQ_SW_RESAMPLE). The get_input_level callback is the fold's `phys`. */
  opsFlags: number;
  /**
   * The in-kernel device that owns the line (arch timer, PMU...), or null for userspace, which is
   * how KVM refuses injections into a line a device owns (vgic_validate_injection).
   */
  owner: string | null;
  /** kref; meaningful for LPIs only (held by each ITE, the ap_list and translation caches). */
  refcount: number;
}

/** A vgic_irq as KVM's allocators leave it (kcalloc: everything zero, no vCPU). */
export function createVgicIrq(intid: number, init: Partial<VgicIrq> = {}): VgicIrq {
  return {
    intid,
    vcpu: NO_VCPU,
    targetVcpu: NO_VCPU,
    lineLevel: false,
    pendingLatch: false,
    active: false,
    enabled: false,
    hw: false,
    hwintid: 0,
    hostIrq: 0,
    mpidr: 0,
    targets: 0,
    source: 0,
    activeSource: 0,
    priority: 0,
    group: 0,
    config: VGIC_CONFIG_EDGE,
    opsFlags: 0,
    owner: null,
    refcount: 1,
    ...init,
  };
}

/** vgic_irq_is_sgi: INTID 0..15. */
export const vgicIrqIsSgi = (intid: number): boolean => intid >= 0 && intid < VGIC_NR_SGIS;
/** irq_is_ppi: INTID 16..31. */
export const irqIsPpi = (intid: number): boolean => intid >= VGIC_NR_SGIS && intid < VGIC_NR_PRIVATE_IRQS;
/** irq_is_lpi: INTID 8192 and up. */
export const irqIsLpi = (intid: number): boolean => intid >= VGIC_MIN_LPI;

/**
 * irq_is_pending: an edge interrupt is pending when latched; a level interrupt when latched or
 * while its line is high.
 */
export function irqIsPending(irq: VgicIrq): boolean {
  if (irq.config === VGIC_CONFIG_EDGE) return irq.pendingLatch;
  return irq.pendingLatch || irq.lineLevel;
}

/** vgic_irq_is_mapped_level: a HW-mapped level interrupt (the virtual timer, VFIO INTx). */
export const vgicIrqIsMappedLevel = (irq: VgicIrq): boolean => irq.hw && irq.config === VGIC_CONFIG_LEVEL;

/** vgic_irq_needs_resampling: the mapped interrupt asked for software resampling. */
export const vgicIrqNeedsResampling = (irq: VgicIrq): boolean => (irq.opsFlags & VGIC_IRQ_SW_RESAMPLE) !== 0;

function popcount(v: number): number {
  let n = 0;
  for (let x = v >>> 0; x !== 0; x &= x - 1) n++;
  return n;
}

/**
 * vgic_irq_get_lr_count: how many LRs the IRQ would use. A GICv2 SGI with sources counts one per
 * source plus one if active (only GICv2 SGIs have sources); anything else counts 1 if pending or
 * active, else 0. Used by the classic flush (§6.6 step 2).
 */
export function vgicIrqGetLrCount(irq: VgicIrq): number {
  if (vgicIrqIsSgi(irq.intid) && irq.source !== 0) return popcount(irq.source) + (irq.active ? 1 : 0);
  return irqIsPending(irq) || irq.active ? 1 : 0;
}

/** vgic_irq_is_multi_sgi: a GICv2 SGI that needs more than one LR. */
export const vgicIrqIsMultiSgi = (irq: VgicIrq): boolean => vgicIrqGetLrCount(irq) > 1;

/**
 * vgic_validate_injection (§6.5 step 5): only the owner may drive a line; a level interrupt acts
 * only when the level changes, an edge interrupt only on a rising edge (level = true).
 */
export function vgicValidateInjection(irq: VgicIrq, level: boolean, owner: string | null): boolean {
  if (irq.owner !== owner) return false;
  return irq.config === VGIC_CONFIG_LEVEL ? irq.lineLevel !== level : level;
}

/**
 * The LPI configuration byte as the vITS applies it (update_lpi_config, §1.2): priority is the
 * byte with its two low bits cleared, enable is bit 0.
 */
export function vgicApplyLpiConfig(irq: VgicIrq, byte: number): void {
  irq.priority = byte & 0xfc;
  irq.enabled = (byte & 1) === 1;
}

/** The seven flag digits P L A E H C G of the debugfs "vgic-state" file (reference §9.2). */
export function vgicIrqFlags(irq: VgicIrq): string {
  const b = (x: boolean | number): string => (x ? '1' : '0');
  return (
    b(irq.pendingLatch) +
    b(irq.lineLevel) +
    b(irq.active) +
    b(irq.enabled) +
    b(irq.hw) +
    b(irq.config) +
    b(irq.group)
  );
}
