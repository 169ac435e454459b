/**
 * The GIC's architectural state as plain data: distributor, one redistributor and one CPU
 * interface per PE. Everything here is structured-cloneable and JSON-encodable (engine/sim/
 * plain-codec), so snapshots and "migration" carry it whole.
 */

import type { GicConfig } from './gic-config';
import { createIrqBank, type IrqBank } from './irq-bank';

export interface DistributorState {
  ctlr: number;
  spi: IrqBank;
  /** GICD_IROUTER<n> split in two words (the register is 64-bit). Index = INTID - 32. */
  irouterLo: Uint32Array;
  irouterHi: Uint32Array;
  /** 1-of-N routing: the PE chosen for a pending SPI (-1: none chosen yet). */
  chosen: Int16Array;
  /** Index of SPIs that are pending (latch or high level line): bank indices. */
  pendingSet: Set<number>;
}

export interface RedistributorState {
  /** GICR_CTLR as stored (EnableLPIs bit 0, RWP bit 3...). */
  ctlr: number;
  waker: number;
  propbaser: bigint;
  pendbaser: bigint;
  /** SGIs and PPIs, INTID 0..31. */
  priv: IrqBank;
  /**
   * Bit n set when INTID n is pending (irqPending of `priv`): an index kept by private-irqs.ts,
   * so that choosing the highest pending interrupt skips the 32 private ones when none is.
   */
  privPending: number;
  /** Pending LPIs held inside the redistributor (profiles 'latch' and 'redistributor'). */
  lpiPending: Set<number>;
  /** Cached LPI configuration bytes, INTID -> byte (profile 'redistributor-cache'). */
  lpiConfig: Map<number, number>;
  /** QEMU's cached highest-priority pending LPI (profile 'hpplpi-rescan'); prio 0xff = none. */
  hpplpi: { intid: number; prio: number };
  /** GICR_SYNCR.Busy: number of direct invalidations still in flight. */
  invInFlight: number;
  /** GICv4: GICR_VPROPBASER and GICR_VPENDBASER as stored (VPENDBASER with Dirty and PendingLast). */
  vpropbaser: bigint;
  vpendbaser: bigint;
  /** The resident vPE's highest-priority pending, enabled vLPI or vSGI (prio 0xff: none). */
  hppvlpi: { intid: number; prio: number };
  /** Cached vLPI configuration bytes of the resident vPE (profile rule lpiConfig 'redistributor-cache'). */
  vlpiConfig: Map<number, number>;
  /** GICv4.1 GICR_VSGIR: the vPE whose vSGI pending state GICR_VSGIPENDR reports (-1: none asked). */
  vsgir: number;
}

/**
 * GICv4.1: what the GIC knows of a vPE from VMAPP (its vPE configuration table entry): where its
 * virtual pending table and vLPI configuration table are, its default doorbell, the redistributor
 * it is mapped to, whether a doorbell is armed (descheduled with VPENDBASER.DB = 1 and nothing
 * pending), and its sixteen vSGIs (VSGI command, GITS_SGIR).
 */
export interface VpeConfig {
  vpt: number;
  /** vINTID bits of its VPT (VPT_size + 1). */
  vptBits: number;
  vconf: number;
  doorbell: number;
  cpu: number;
  dbArmed: boolean;
  /** vSGI n: bit n of each mask; priority per vSGI. */
  sgiPending: number;
  sgiEnabled: number;
  sgiGroup: number;
  sgiPriority: number[];
}

export interface CpuInterfaceState {
  pmr: number;
  bpr0: number;
  bpr1: number;
  /** ICC_CTLR_EL1 writable bits (CBPR bit 0, EOImode bit 1, PMHE bit 6). */
  ctlr: number;
  igrpen0: number;
  igrpen1: number;
  /** Active priorities: ICC_AP0R<n>_EL1 then ICC_AP1R<n>_EL1, four words each. */
  apr: number[];
  /** Highest-priority pending interrupt as last computed (1023: none). */
  hppi: number;
  hppiPrio: number;
  hppiGroup: number;
  /** IRQ / FIQ outputs to the PE. */
  irq: number;
  fiq: number;
  /** A 'gic.update' task is queued for this CPU interface. */
  updateQueued: boolean;
}

export interface GicState {
  cfg: GicConfig;
  dist: DistributorState;
  rd: RedistributorState[];
  cpu: CpuInterfaceState[];
  /** KVM: the VM-wide GICR_PROPBASER (rule propbaserScope = 'shared'). */
  sharedPropbaser: bigint;
  /**
   * KVM keeps one object per mapped LPI (struct vgic_irq) in the vgic core, VM-wide: its target
   * vCPU, the configuration byte captured at map time or by the last INV, its pending latch, and a
   * reference count (an LPI may be mapped by several events or ITSs). Used by the 'latch' and
   * 'captured-at-map' rules only.
   */
  lpis: Map<number, VgicLpi>;
  /** GICv4.1: vPEs mapped by VMAPP, by vPEID (GICv4.0 redistributors know vPEs only by VPT address). */
  vpes: Map<number, VpeConfig>;
}

export interface VgicLpi {
  /** Target PE (-1: the collection is not mapped). */
  target: number;
  config: number;
  pending: boolean;
  refs: number;
}

export function minBpr0(priorityBits: number): number {
  return 7 - Math.min(priorityBits, 7);
}

export interface GicReset {
  gicdCtlr: number;
  waker: number;
  group: 0 | 1;
  sgisEnabled: boolean;
  /** GICR_PENDBASER at reset, and the shared GICR_PROPBASER's (see gic-rules lpiBaserResetAttrs). */
  pendbaser: bigint;
  propbaser: bigint;
}

export function createGicState(cfg: GicConfig, reset: GicReset): GicState {
  const n = cfg.affinity.length;
  const spi = createIrqBank(32, cfg.spis);
  // SPIs reset level-sensitive, disabled, priority 0, in the profile's reset group.
  spi.group.fill(reset.group);
  return {
    cfg: { ...cfg, affinity: [...cfg.affinity] },
    dist: {
      ctlr: reset.gicdCtlr,
      spi,
      irouterLo: new Uint32Array(cfg.spis),
      irouterHi: new Uint32Array(cfg.spis),
      chosen: new Int16Array(cfg.spis).fill(-1),
      pendingSet: new Set<number>(),
    },
    rd: Array.from({ length: n }, () => {
      const priv = createIrqBank(0, 32);
      priv.edge.fill(1, 0, 16); // SGIs are always edge-triggered
      priv.group.fill(reset.group);
      if (reset.sgisEnabled) priv.enabled.fill(1, 0, 16);
      return {
        ctlr: 0,
        waker: reset.waker,
        propbaser: 0n,
        pendbaser: reset.pendbaser,
        priv,
        privPending: 0,
        lpiPending: new Set<number>(),
        lpiConfig: new Map<number, number>(),
        hpplpi: { intid: 1023, prio: 0xff },
        invInFlight: 0,
        vpropbaser: 0n,
        vpendbaser: 0n,
        hppvlpi: { intid: 1023, prio: 0xff },
        vlpiConfig: new Map<number, number>(),
        vsgir: -1,
      };
    }),
    cpu: Array.from({ length: n }, () => ({
      pmr: 0,
      bpr0: minBpr0(cfg.priorityBits),
      bpr1: minBpr0(cfg.priorityBits) + 1,
      ctlr: 0,
      igrpen0: 0,
      igrpen1: 0,
      apr: [0, 0, 0, 0, 0, 0, 0, 0],
      hppi: 1023,
      hppiPrio: 0xff,
      hppiGroup: 1,
      irq: 0,
      fiq: 0,
      updateQueued: false,
    })),
    sharedPropbaser: reset.propbaser,
    lpis: new Map(),
    vpes: new Map(),
  };
}
