/**
 * The vgic of one VM as plain data: the distributor side (struct vgic_dist: enable, SPIs, the LPI
 * xarray), one vgic_cpu per vCPU (private IRQs, the ap_list, the GICv3 CPU interface shadow), and
 * the lookups and reference counting KVM does on them (reference §6.1, §6.2, §6.12).
 *
 * vCPUs are named by index (vcpu_idx); the model gives vCPU i the vcpu_id i, so KVM's "lower
 * vcpu_id first" lock ordering needs no representation. The CPU interface shadow (vgic_v3_cpu_if)
 * is also what the hardware holds while the vCPU runs: the model has no separate physical ICH_*
 * bank per pCPU, so KVM's save/restore of the shadow is the identity and the guest's ICV_* accesses
 * (virtual-cpu-interface.ts) act on it directly.
 */

import { defaultAffinity } from '../gic/gic-config';
import { GIC_RULES } from '../gic/gic-rules';
import { ICH_HCR_EN, ichVmcrSanitize, type IchState } from './ich-registers';
import {
  createVgicIrq,
  irqIsLpi,
  NO_VCPU,
  VGIC_CONFIG_EDGE,
  VGIC_CONFIG_LEVEL,
  VGIC_LPI_MAX_INTID,
  VGIC_MAX_PRIVATE,
  VGIC_MIN_LPI,
  VGIC_NR_PRIVATE_IRQS,
  VGIC_NR_SGIS,
  type VgicIrq,
} from './vgic-irq';

/** KVM_DEV_TYPE_ARM_VGIC_V2 / _V3: the GIC the guest sees (both run on a GICv3 host here). */
export type VgicModel = 2 | 3;

/**
 * How KVM fills the list registers, which differs by kernel version (ARCHITECTURE.md §2: a named
 * choice where implementations differ):
 *  - 'classic': Linux up to v6.18 (vgic.c/vgic-v3.c read at the oupton mirror @44bb5ab, §6.6): the
 *    ap_list is sorted active-first when it does not fit, only UIE is requested, and active
 *    interrupts never leave the LRs.
 *  - 'v6.19': Marc Zyngier's maintenance-interrupt rework merged for v6.19 (patch series v4,
 *    Nov 2025, plus the 6.19-stable fix 6da5e537 that starts the EOIcount walk after the last
 *    interrupt put in an LR): pending interrupts sort before active ones, undeliverable ones last,
 *    ICH_HCR_EL2 is rebuilt at every entry (NPIE, LRENPIE, UIE, vSGIEOICount, VGrpN{E,D}IE, TDIR),
 *    and deactivations of active interrupts left outside the LRs come back through EOIcount.
 */
export type VgicLrPolicy = 'classic' | 'v6.19';

export interface VgicConfig {
  model: VgicModel;
  /** MPIDR affinity of each vCPU by index, packed Aff3<<24 | Aff2<<16 | Aff1<<8 | Aff0. */
  affinity: number[];
  /** Number of SPIs (KVM_DEV_ARM_VGIC_GRP_NR_IRQS minus 32); KVM's default is 224. */
  nrSpis: number;
  /** Implemented list registers (ICH_VTR_EL2.ListRegs + 1), 1..16. */
  nrLr: number;
  /** Virtual priority bits (ICH_VTR_EL2.PRIbits + 1; KVM's num_pri_bits), 4..8. */
  priorityBits: number;
  lrPolicy: VgicLrPolicy;
  /**
   * Whether the VM has an ITS (KVM sets dist->has_its when userspace creates a
   * KVM_DEV_TYPE_ARM_VGIC_ITS device): GICD_TYPER.LPIS, GICR_TYPER.PLPIS, a writable
   * GICR_CTLR.EnableLPIs. Absent means true. A GICv2 guest never has one (vgic_has_its).
   */
  lpis?: boolean;
}

/** struct vgic_v3_cpu_if: the ICH_* shadow, plus how many LRs the last entry used. */
export interface VgicV3CpuIf extends IchState {
  usedLrs: number;
}

/** struct vgic_cpu. */
export interface VgicCpu {
  /** MPIDR affinity of the vCPU (packed as in VgicConfig.affinity). */
  mpidr: number;
  /** SGIs and PPIs, INTID 0..31. */
  privateIrqs: VgicIrq[];
  /**
   * ap_list_head: the INTIDs of the IRQs queued on this vCPU, in list order. An INTID here names the
   * private IRQ of this vCPU (< 32), an SPI or an LPI. Each IRQ is on at most one list, once.
   */
  apList: number[];
  /**
   * 'v6.19' only: the INTID of the last IRQ the flush put in an LR (KVM keeps it as last_lr_irq in
   * per-CPU host data while the vCPU is loaded), -1 for none.
   */
  lastLrIrq: number;
  v3: VgicV3CpuIf;
  /**
   * vgic_cpu.pendbaser: GICR_PENDBASER as the guest last wrote it (sanitised; PTZ kept, though it
   * reads as 0). Reset: INITIAL_PENDBASER_VALUE (RaWb, SameAsInner, Inner Shareable, address 0).
   */
  pendbaser: bigint;
  /**
   * vgic_lpis_enabled(vcpu): vgic_cpu.ctlr == GICR_CTLR_ENABLE_LPIS. KVM's ctlr also has an RWP
   * state, held only inside a GICR_CTLR write that disables LPIs; the model's writes are atomic,
   * so a boolean is the whole of it.
   */
  lpisEnabled: boolean;
  /**
   * GICv4: its_vpe.pending_last, "a vLPI may be pending for this vCPU's vPE": set by the doorbell
   * handler and by a deschedule that read PendingLast = 1; a blocked vCPU with it set wakes.
   */
  vpePendingLast: boolean;
}

/** struct vgic_dist (the parts the core uses). */
export interface VgicDist {
  /** vgic_init has run (KVM_DEV_ARM_VGIC_CTRL_INIT for a GICv3; lazily for a GICv2). */
  initialized: boolean;
  /** GICD_CTLR enable: the one KVM checks in the target oracle and the pending check. */
  enabled: boolean;
  nrSpis: number;
  /** INTID 32 + i. */
  spis: VgicIrq[];
  /** lpi_xa: mapped LPIs by INTID. */
  lpis: Map<number, VgicIrq>;
  /** vgic_has_its(kvm): the VM has an ITS and a GICv3 model (VgicConfig.lpis). */
  lpisSupported: boolean;
  /**
   * vgic_dist.propbaser: the one GICR_PROPBASER every redistributor of the VM shows. Reset: 0, or
   * INITIAL_PROPBASER_VALUE (RaWb, SameAsInner, Inner Shareable) when the VM has an ITS
   * (vgic_its_create writes it).
   */
  propbaser: bigint;
}

export interface VgicState {
  cfg: VgicConfig;
  dist: VgicDist;
  vcpus: VgicCpu[];
}

/** KVM's default SPI count: VGIC_NR_IRQS_LEGACY (256) minus the 32 private INTIDs. */
export const VGIC_DEFAULT_NR_SPIS = 224;
/** VGIC_V3_MAX_LRS. */
export const VGIC_V3_MAX_LRS = 16;
/**
 * INITIAL_PENDBASER_VALUE / INITIAL_PROPBASER_VALUE: InnerCache RaWb, OuterCache SameAsInner,
 * Inner Shareable, address 0 (the kvm profile's GICR reset attributes).
 */
export const VGIC_INITIAL_LPI_BASER = BigInt(GIC_RULES.kvm.lpiBaserResetAttrs);

export function defaultVgicConfig(vcpus: number, over: Partial<VgicConfig> = {}): VgicConfig {
  return {
    model: 3,
    affinity: Array.from({ length: vcpus }, (_, i) => defaultAffinity(i)),
    nrSpis: VGIC_DEFAULT_NR_SPIS,
    nrLr: 4,
    priorityBits: 5,
    lrPolicy: 'classic',
    ...over,
  };
}

/** Problems with a configuration (empty when sound). */
export function checkVgicConfig(cfg: VgicConfig): string[] {
  const p: string[] = [];
  const n = cfg.affinity.length;
  if (n < 1 || n > 512) p.push(`vcpus: ${n}; KVM allows 1 to 512 (VGIC_V3_MAX_CPUS)`);
  if (cfg.model === 2 && n > 8) p.push(`vcpus: ${n}; a GICv2 guest has at most 8 (VGIC_V2_MAX_CPUS)`);
  if (new Set(cfg.affinity).size !== n) p.push('vcpus: two vCPUs have the same MPIDR');
  if (!Number.isInteger(cfg.nrSpis) || cfg.nrSpis < 32 || cfg.nrSpis > 988 || cfg.nrSpis % 32 !== 0)
    p.push(`nrSpis: ${cfg.nrSpis}; must be a multiple of 32 from 32 to 960 (SPIs end at INTID 1019)`);
  if (!Number.isInteger(cfg.nrLr) || cfg.nrLr < 1 || cfg.nrLr > VGIC_V3_MAX_LRS)
    p.push(`nrLr: ${cfg.nrLr}; must be 1 to ${VGIC_V3_MAX_LRS}`);
  if (!Number.isInteger(cfg.priorityBits) || cfg.priorityBits < 4 || cfg.priorityBits > 8)
    p.push(`priorityBits: ${cfg.priorityBits}; must be 4 to 8`);
  if (cfg.lrPolicy !== 'classic' && cfg.lrPolicy !== 'v6.19') p.push(`lrPolicy: '${String(cfg.lrPolicy)}'`);
  if (cfg.lpis !== undefined && typeof cfg.lpis !== 'boolean')
    p.push(`lpis: ${String(cfg.lpis)}; must be a boolean`);
  return p;
}

/** vgic_v3_enable: VMCR forced to 0 (binary points at their minimum), ICH_HCR_EL2 = En. */
export function createVgicV3CpuIf(cfg: VgicConfig): VgicV3CpuIf {
  return {
    hcr: ICH_HCR_EN,
    vmcr: ichVmcrSanitize(0, cfg.priorityBits, cfg.model === 3),
    apr: [0, 0, 0, 0, 0, 0, 0, 0],
    lrLo: new Array<number>(cfg.nrLr).fill(0),
    lrHi: new Array<number>(cfg.nrLr).fill(0),
    usedLrs: 0,
  };
}

/**
 * A VM's vgic after vgic_init and vgic_v3_enable (§6.12): SGIs enabled and edge, PPIs level and
 * disabled, each private IRQ targeting its vCPU with the vCPU's affinity (GICv3) or target bit
 * (GICv2); SPIs disabled, priority 0, edge (kcalloc leaves config 0 = EDGE), targeting vCPU 0 with
 * mpidr 0; group 1 everywhere for a GICv3 guest, 0 for a GICv2 one. The distributor starts
 * disabled, as GICD_CTLR resets. LPIs start disabled on every vCPU, each GICR_PENDBASER holds
 * INITIAL_PENDBASER_VALUE (vgic_v3_enable), and GICR_PROPBASER INITIAL_PROPBASER_VALUE if the VM
 * has an ITS (vgic_its_create), else 0.
 */
export function createVgicState(cfg: VgicConfig): VgicState {
  const problems = checkVgicConfig(cfg);
  if (problems.length) throw new Error(`vgic configuration: ${problems.join('; ')}`);
  const group = cfg.model === 3 ? 1 : 0;
  const vcpus: VgicCpu[] = cfg.affinity.map((aff, v) => ({
    mpidr: aff,
    privateIrqs: Array.from({ length: VGIC_NR_PRIVATE_IRQS }, (_, i) =>
      createVgicIrq(i, {
        targetVcpu: v,
        enabled: i < VGIC_NR_SGIS,
        config: i < VGIC_NR_SGIS ? VGIC_CONFIG_EDGE : VGIC_CONFIG_LEVEL,
        group,
        mpidr: cfg.model === 3 ? aff & 0xffffff : 0,
        targets: cfg.model === 2 ? 1 << v : 0,
      }),
    ),
    apList: [],
    lastLrIrq: -1,
    v3: createVgicV3CpuIf(cfg),
    pendbaser: VGIC_INITIAL_LPI_BASER,
    lpisEnabled: false,
    vpePendingLast: false,
  }));
  const lpisSupported = cfg.model === 3 && cfg.lpis !== false;
  return {
    cfg: { ...cfg, affinity: [...cfg.affinity] },
    dist: {
      initialized: true,
      enabled: false,
      nrSpis: cfg.nrSpis,
      spis: Array.from({ length: cfg.nrSpis }, (_, i) =>
        createVgicIrq(32 + i, { targetVcpu: 0, group, mpidr: 0, targets: 0 }),
      ),
      lpis: new Map(),
      lpisSupported,
      propbaser: lpisSupported ? VGIC_INITIAL_LPI_BASER : 0n,
    },
    vcpus,
  };
}

/** vgic_valid_spi: an SPI INTID this VM has. */
export const vgicValidSpi = (vgic: VgicState, intid: number): boolean =>
  intid >= VGIC_NR_PRIVATE_IRQS && intid < VGIC_NR_PRIVATE_IRQS + vgic.dist.nrSpis;

/**
 * vgic_get_irq: INTID <= 31 is `vcpu`'s private IRQ, an SPI the distributor's, INTID >= 8192 a
 * mapped LPI; anything else (and a private INTID without a valid vCPU) is undefined. KVM takes a
 * reference on an LPI here and drops it with vgic_put_irq when done; the model only counts the
 * long-lived references (ITEs, ap_list), which are the ones that decide when an LPI is freed.
 */
export function vgicGetIrq(vgic: VgicState, vcpu: number, intid: number): VgicIrq | undefined {
  if (!Number.isInteger(intid) || intid < 0) return undefined;
  if (intid <= VGIC_MAX_PRIVATE) return vgic.vcpus[vcpu]?.privateIrqs[intid];
  if (vgicValidSpi(vgic, intid)) return vgic.dist.spis[intid - VGIC_NR_PRIVATE_IRQS];
  if (intid >= VGIC_MIN_LPI) return vgic.dist.lpis.get(intid);
  return undefined;
}

/** kvm_mpidr_to_vcpu: the vCPU whose affinity is `mpidr` (Aff3..Aff0 packed), or NO_VCPU. */
export function vgicMpidrToVcpu(vgic: VgicState, mpidr: number): number {
  const want = mpidr >>> 0;
  for (let v = 0; v < vgic.vcpus.length; v++) if (vgic.vcpus[v]!.mpidr >>> 0 === want) return v;
  return NO_VCPU;
}

/**
 * What a GICD_IROUTER<n> write does to an SPI in KVM (vgic_mmio_write_irouter): keep Aff2..Aff0
 * (bits [23:0]; Aff3 and IRM are RAZ/WI, §1.2) and retarget to the vCPU with that affinity, or to
 * none. An IRQ already queued stays where it is until the next prune moves it.
 */
export function vgicSetSpiAffinity(vgic: VgicState, irq: VgicIrq, irouter: number): void {
  irq.mpidr = irouter & 0xffffff;
  irq.targetVcpu = vgicMpidrToVcpu(vgic, irq.mpidr);
}

/**
 * vgic_add_lpi as MAPTI/MAPI use it: the LPI's vgic_irq, created (group 1, edge, one reference for
 * the ITE) or, if the INTID is already mapped, the existing one with one more reference. The
 * caller applies the configuration byte (vgicApplyLpiConfig) and the target.
 */
export function vgicAddLpi(vgic: VgicState, intid: number, targetVcpu: number): VgicIrq | undefined {
  if (!irqIsLpi(intid) || intid > VGIC_LPI_MAX_INTID) return undefined;
  const found = vgic.dist.lpis.get(intid);
  if (found) {
    found.refcount++;
    return found;
  }
  const irq = createVgicIrq(intid, { group: 1, config: VGIC_CONFIG_EDGE, targetVcpu, refcount: 1 });
  vgic.dist.lpis.set(intid, irq);
  return irq;
}

/** vgic_get_irq_kref: a long-lived reference (only LPIs are counted). */
export function vgicGetIrqKref(irq: VgicIrq): void {
  if (irqIsLpi(irq.intid)) irq.refcount++;
}

/**
 * vgic_put_irq: drops a reference; an LPI whose last reference goes is erased from the xarray.
 * Returns whether it was freed.
 */
export function vgicPutIrq(vgic: VgicState, irq: VgicIrq): boolean {
  if (!irqIsLpi(irq.intid)) return false;
  irq.refcount--;
  if (irq.refcount > 0) return false;
  if (vgic.dist.lpis.get(irq.intid) === irq) vgic.dist.lpis.delete(irq.intid);
  return true;
}

/** The IRQs on `vcpu`'s ap_list, in list order. */
export function apListIrqs(vgic: VgicState, vcpu: number): VgicIrq[] {
  const out: VgicIrq[] = [];
  for (const intid of vgic.vcpus[vcpu]?.apList ?? []) {
    const irq = vgicGetIrq(vgic, vcpu, intid);
    if (irq) out.push(irq);
  }
  return out;
}
