/**
 * Where implementations of the GICv3 distributor, redistributors and CPU interfaces differ, the
 * model follows a named behaviour profile. Each rule below is one documented divergence, with the
 * value each profile takes and the source it comes from (tags refer to
 * ../shared/domain/gic-its-kvm-reference.md §0; "[qemu src]" means QEMU's hw/intc/arm_gicv3*.c as
 * read for this project). docs/profiles.md is generated from these tables.
 *
 *  - kvm:  Linux KVM's emulated GICv3 (vgic-mmio-v3.c, vgic-its.c) as a guest sees it.
 *  - qemu: QEMU's TCG GICv3 model (-M virt,gic-version=3), the model the shipped traces recorded.
 *  - spec: the architecture (IHI 0069); where it leaves a choice to the implementation, the choice
 *          is named in the rule's text.
 */

export type ProfileName = 'kvm' | 'qemu' | 'spec';
export const PROFILES: readonly ProfileName[] = ['kvm', 'qemu', 'spec'];

/**
 * The CoreSight ID registers a unit reports (PIDR0, PIDR1, PIDR2, PIDR4), given its GICv3 values:
 * PIDR2.ArchRev (bits [7:4]) names the architecture version, 3 or 4, in QEMU (revision << 4 |
 * 0x0B) and in the architecture (a GICv4.1 is ArchRev 4 too); KVM's vGIC is always a GICv3.
 */
export function pidrFor(
  profile: ProfileName,
  pidr: readonly [number, number, number, number],
  version: number,
): readonly [number, number, number, number] {
  if (profile === 'kvm' || version < 4) return pidr;
  return [pidr[0], pidr[1], (pidr[2] & 0x0f) | 0x40, pidr[3]];
}

export interface GicRules {
  /** GICD_CTLR bits software may write (DS=1 view: bit 0 EnableGrp0, bit 1 EnableGrp1). */
  gicdCtlrWritable: number;
  /** Whether one enable (GICD_CTLR bit 1) gates both groups, as in KVM, instead of one per group. */
  singleDistributorEnable: boolean;
  /** GICD_CTLR bits that always read as one (ARE bit 4, DS bit 6). */
  gicdCtlrFixed: number;
  /** Extra GICD_TYPER bits beyond ITLinesNumber / IDbits / LPIS (No1N bit 25, A3V bit 24). */
  gicdTyperExtra: number;
  /** GICD_TYPER.IDbits when no ITS exists (KVM: 9, i.e. 10-bit INTIDs). */
  gicdIdBitsNoLpis: number;
  gicdIidr: number;
  gicrIidr: number;
  /** GICD_STATUSR read value. */
  gicdStatusr: number;
  /** CoreSight PIDR0/PIDR1/PIDR2/PIDR4 of the distributor and redistributors. */
  gicdPidr: readonly [number, number, number, number];
  gicrPidr: readonly [number, number, number, number];
  /** How GICD_IROUTER<n> is stored and used. */
  irouter: 'aff-only' | 'stored-irm-ignored' | 'one-of-n';
  /** How IPRIORITYR stores a written priority. */
  priorityStore: 'implemented-bits' | 'all-bits';
  /** Whether software may change the trigger mode of PPIs (GICR_ICFGR1). SGIs are always edge. */
  ppiConfigWritable: boolean;
  /** Which configured SGI group an ICC_SGI1R_EL1 write may set pending. */
  sgi1rGroups: 'either' | 'group1-only';
  /** ICC_SGI1R_EL1.RS (range selector): ignored (Aff0 < 16 only) or honoured (Aff0 = RS*16 + n). */
  sgiRangeSelector: 'ignored' | 'honoured';
  /** GICR_WAKER. */
  waker: 'raz-wi' | 'stored' | 'gates-delivery';
  /** GICR_CTLR.EnableLPIs: what setting and clearing do. */
  enableLpis: 'kvm' | 'qemu' | 'spec';
  /** Whether GICR_PROPBASER / GICR_PENDBASER writes are ignored while EnableLPIs is set. */
  lpiBasersLockedWhileEnabled: boolean;
  /** One GICR_PROPBASER for the whole GIC (KVM) or one per redistributor. */
  propbaserScope: 'shared' | 'per-redistributor';
  /** GICR_TYPER.CommonLPIAff. */
  commonLpiAff: number;
  /** Where an LPI's configuration (priority, enable) is held between INVs. */
  lpiConfig: 'captured-at-map' | 'hpplpi-rescan' | 'redistributor-cache';
  /** Where an LPI's pending state lives while LPIs are enabled. */
  lpiPending: 'latch' | 'pending-table' | 'redistributor';
  /** Whether GICR_INVLPIR / GICR_INVALLR / GICR_SYNCR exist (else RAZ/WI). */
  directInvRegisters: boolean;
  /** Default implemented priority bits of the CPU interface. */
  priorityBits: number;
  /** GICR_CTLR bits that read as one (CES bit 1, IR bit 2). */
  gicrCtlrFixed: number;
  /** Group of every SGI, PPI and SPI at reset. */
  resetGroup: 0 | 1;
  /** Whether SGIs come out of reset enabled. */
  sgisEnabledAtReset: boolean;
  /**
   * Attribute bits (InnerCache [9:7], Shareability [11:10]) GICR_PENDBASER, and GICR_PROPBASER
   * when an ITS exists, hold at reset.
   */
  lpiBaserResetAttrs: number;
}

export const GIC_RULES: Record<ProfileName, GicRules> = {
  kvm: {
    gicdCtlrWritable: 0x2,
    singleDistributorEnable: true,
    gicdCtlrFixed: 0x50,
    gicdTyperExtra: 0,
    gicdIdBitsNoLpis: 9,
    gicdIidr: 0x4b00343b,
    gicrIidr: 0x4b00043b,
    gicdStatusr: 0xffffffff,
    gicdPidr: [0, 0, 0x3b, 0],
    gicrPidr: [0, 0, 0x3b, 0],
    irouter: 'aff-only',
    priorityStore: 'implemented-bits',
    ppiConfigWritable: false,
    sgi1rGroups: 'either',
    sgiRangeSelector: 'ignored',
    waker: 'raz-wi',
    enableLpis: 'kvm',
    lpiBasersLockedWhileEnabled: true,
    propbaserScope: 'shared',
    commonLpiAff: 0,
    lpiConfig: 'captured-at-map',
    lpiPending: 'latch',
    directInvRegisters: true,
    priorityBits: 5,
    gicrCtlrFixed: 0x6,
    resetGroup: 1,
    sgisEnabledAtReset: true,
    lpiBaserResetAttrs: 0x580,
  },
  qemu: {
    gicdCtlrWritable: 0x3,
    singleDistributorEnable: false,
    gicdCtlrFixed: 0x50,
    gicdTyperExtra: (1 << 25) | (1 << 24),
    gicdIdBitsNoLpis: 15,
    gicdIidr: 0x43b,
    gicrIidr: 0x43b,
    gicdStatusr: 0,
    gicdPidr: [0x92, 0xb4, 0x3b, 0x44],
    gicrPidr: [0x93, 0xb4, 0x3b, 0x44],
    irouter: 'stored-irm-ignored',
    priorityStore: 'all-bits',
    ppiConfigWritable: true,
    sgi1rGroups: 'group1-only',
    sgiRangeSelector: 'ignored',
    waker: 'stored',
    enableLpis: 'qemu',
    lpiBasersLockedWhileEnabled: false,
    propbaserScope: 'per-redistributor',
    commonLpiAff: 1,
    lpiConfig: 'hpplpi-rescan',
    lpiPending: 'pending-table',
    directInvRegisters: false,
    priorityBits: 5,
    gicrCtlrFixed: 0x2,
    resetGroup: 0,
    sgisEnabledAtReset: false,
    lpiBaserResetAttrs: 0,
  },
  spec: {
    gicdCtlrWritable: 0x3,
    singleDistributorEnable: false,
    gicdCtlrFixed: 0x50,
    gicdTyperExtra: 1 << 24,
    gicdIdBitsNoLpis: 15,
    gicdIidr: 0x43b,
    gicrIidr: 0x43b,
    gicdStatusr: 0,
    gicdPidr: [0x92, 0xb4, 0x3b, 0x44],
    gicrPidr: [0x93, 0xb4, 0x3b, 0x44],
    irouter: 'one-of-n',
    priorityStore: 'implemented-bits',
    ppiConfigWritable: true,
    sgi1rGroups: 'group1-only',
    sgiRangeSelector: 'honoured',
    waker: 'gates-delivery',
    enableLpis: 'spec',
    lpiBasersLockedWhileEnabled: true,
    propbaserScope: 'per-redistributor',
    commonLpiAff: 0,
    lpiConfig: 'redistributor-cache',
    lpiPending: 'redistributor',
    directInvRegisters: true,
    priorityBits: 5,
    gicrCtlrFixed: 0x2,
    resetGroup: 0,
    sgisEnabledAtReset: false,
    lpiBaserResetAttrs: 0,
  },
};

export interface RuleDoc {
  rule: string;
  title: string;
  kvm: string;
  qemu: string;
  spec: string;
  sources: string;
}

/** One row per GicRules key: what each profile does and where that comes from. */
export const GIC_RULE_DOCS: readonly RuleDoc[] = [
  {
    rule: 'gicdCtlrWritable',
    title: 'GICD_CTLR group enables',
    kvm: 'Only EnableGrp1 (bit 1) is stored; EnableGrp0 is RAZ/WI (KVM has no separate Group 0 enable).',
    qemu: 'EnableGrp0 (bit 0) and EnableGrp1 (bit 1) are writable.',
    spec: 'EnableGrp0 and EnableGrp1 (single Security state, DS=1).',
    sources: '[mmio-v3] vgic_mmio_write_v3_misc; [qemu src] gicd_writel',
  },
  {
    rule: 'singleDistributorEnable',
    title: 'What the distributor enable gates',
    kvm: 'One enable (bit 1, dist->enabled) for every interrupt, whatever its group.',
    qemu: 'EnableGrp0 gates Group 0, EnableGrp1 gates Group 1.',
    spec: 'EnableGrp0 gates Group 0, EnableGrp1 gates Group 1.',
    sources: '[mmio-v3] vgic_mmio_write_v3_misc; [vgic.c] vgic_target_oracle',
  },
  {
    rule: 'gicdCtlrFixed',
    title: 'GICD_CTLR bits that read as one',
    kvm: 'ARE (bit 4) and DS (bit 6); RWP never reads 1.',
    qemu: 'ARE and DS (reset value 0x50 without security extensions).',
    spec: 'ARE and DS (the model implements a single Security state).',
    sources: '[mmio-v3]; [qemu src] arm_gicv3_common reset',
  },
  {
    rule: 'gicdTyperExtra',
    title: 'GICD_TYPER extra bits',
    kvm: 'None: ITLinesNumber, IDbits and LPIS only.',
    qemu: 'No1N (bit 25, 1-of-N routing not supported) and A3V (bit 24).',
    spec: 'A3V (bit 24); 1-of-N routing is supported so No1N is 0.',
    sources: '[mmio-v3] vgic_mmio_read_v3_misc; [qemu src] gicd_readl',
  },
  {
    rule: 'gicdIdBitsNoLpis',
    title: 'GICD_TYPER.IDbits without an ITS',
    kvm: '9 (10-bit INTIDs).',
    qemu: '15 always.',
    spec: '15 (the model always implements 16-bit INTIDs).',
    sources: '[mmio-v3]; [qemu src] gicd_readl',
  },
  {
    rule: 'gicdIidr',
    title: 'GICD_IIDR',
    kvm: '0x4B00343B (ProductID K, revision 3, Arm).',
    qemu: '0x43B.',
    spec: '0x43B (implementer Arm; the model claims no product).',
    sources: '[mmio-v3]; [qemu src] gicv3_iidr',
  },
  {
    rule: 'gicrIidr',
    title: 'GICR_IIDR',
    kvm: '0x4B00043B.',
    qemu: '0x43B.',
    spec: '0x43B.',
    sources: '[mmio-v3]; [qemu src] gicv3_iidr',
  },
  {
    rule: 'gicdStatusr',
    title: 'GICD_STATUSR',
    kvm: 'Reads all ones (read_rao), writes ignored.',
    qemu: 'Not implemented: RAZ/WI.',
    spec: 'No errors to report: reads 0.',
    sources: '[mmio-v3]; [qemu src]',
  },
  {
    rule: 'gicdPidr',
    title: 'Distributor ID registers',
    kvm: 'PIDR2 = 0x3B, all others 0.',
    qemu: 'PIDR0 0x92, PIDR1 0xB4, PIDR2 = revision << 4 | 0x0B (0x3B on a GICv3, 0x4B on a GICv4), PIDR4 0x44.',
    spec: 'As QEMU (Arm CoreSight style values; PIDR2.ArchRev is 4 on a GICv4 and GICv4.1).',
    sources: '[mmio-v3]; [q-int] gicv3_idreg',
  },
  {
    rule: 'gicrPidr',
    title: 'Redistributor ID registers',
    kvm: 'PIDR2 = 0x3B, all others 0.',
    qemu: 'PIDR0 0x93, PIDR1 0xB4, PIDR2 = revision << 4 | 0x0B (0x3B on a GICv3, 0x4B on a GICv4), PIDR4 0x44.',
    spec: 'As QEMU (PIDR2.ArchRev 4 on a GICv4 and GICv4.1).',
    sources: '[mmio-v3]; [q-int] gicv3_idreg',
  },
  {
    rule: 'irouter',
    title: 'GICD_IROUTER<n> and 1-of-N routing',
    kvm: 'Only Aff2.Aff1.Aff0 (bits [23:0]) are stored; Aff3 and IRM are RAZ/WI, so 1-of-N is not emulated.',
    qemu: 'Stored as written; IRM is ignored and the SPI goes to the PE whose affinity matches (none: it stays pending).',
    spec: 'IRM=1 routes to one participating PE, chosen with the seeded generator when the SPI becomes pending.',
    sources: '[mmio-v3]; [qemu src] gicd_write_irouter, gicv3_cache_target_cpustate',
  },
  {
    rule: 'priorityStore',
    title: 'IPRIORITYR storage',
    kvm: 'Only the implemented bits are kept (VGIC_PRI_BITS = 5: mask 0xF8).',
    qemu: 'All 8 bits are kept, even those the PMR cannot express.',
    spec: 'Unimplemented low-order bits are RAZ/WI.',
    sources: '[vgic.h] VGIC_PRI_BITS; [qemu src] gicd_write_ipriorityr',
  },
  {
    rule: 'ppiConfigWritable',
    title: 'PPI trigger mode (GICR_ICFGR1)',
    kvm: 'Read-only: writes to ICFGR for INTIDs below 32 are ignored.',
    qemu: 'Writable.',
    spec: 'Writable (IMPLEMENTATION DEFINED per PPI; the model makes all PPIs programmable).',
    sources: '[mmio-v3] vgic_mmio_write_config',
  },
  {
    rule: 'sgi1rGroups',
    title: 'Which SGI group ICC_SGI1R_EL1 raises',
    kvm: 'Either: an SGI configured as Group 0 is raised too.',
    qemu: 'Group 1 only: an SGI configured as Group 0 at the target is silently dropped.',
    spec: 'Group 1 only (with DS=1).',
    sources: '[mmio-v3] vgic_v3_dispatch_sgi; [qemu src] gicv3_redist_send_sgi',
  },
  {
    rule: 'sgiRangeSelector',
    title: 'ICC_SGI1R_EL1.RS',
    kvm: 'Ignored: targets are Aff0 0..15 only.',
    qemu: 'Ignored.',
    spec: 'Honoured (ICC_CTLR_EL1.RSS = 1): target Aff0 = RS * 16 + bit.',
    sources: '[mmio-v3]; [qemu src] icc_generate_sgi',
  },
  {
    rule: 'waker',
    title: 'GICR_WAKER',
    kvm: 'RAZ/WI: the PE always looks awake.',
    qemu: 'Resets to 0x6; ProcessorSleep is writable and ChildrenAsleep follows it; delivery is not gated.',
    spec: 'As QEMU, and while ProcessorSleep is 1 the redistributor signals no interrupt to its CPU interface.',
    sources: '[mmio-v3]; [qemu src] gicr_writel',
  },
  {
    rule: 'enableLpis',
    title: 'GICR_CTLR.EnableLPIs',
    kvm: "Set only from 0; if PENDBASER.PTZ is 0 the pending table is read into the LPIs targeting this PE (memory is not cleared). Clearing goes through RWP, drops this PE's queued LPIs and invalidates the ITS caches; the latches survive.",
    qemu: 'Every write with bit 0 set rescans the pending table; PTZ is never read. Clearing is allowed.',
    spec: '0 -> 1 reads the pending table unless PTZ; 1 -> 0 writes pending state back to the table (clearing is supported in the model, an IMPLEMENTATION DEFINED choice).',
    sources: '[mmio-v3] vgic_mmio_write_v3r_ctlr, vgic_enable_lpis; [qemu src] gicr_writel',
  },
  {
    rule: 'lpiBasersLockedWhileEnabled',
    title: 'PROPBASER/PENDBASER writes while LPIs are enabled',
    kvm: 'Ignored.',
    qemu: 'Accepted and used at the next access.',
    spec: 'Ignored (the architecture makes them UNPREDICTABLE).',
    sources: '[mmio-v3]; [qemu src]',
  },
  {
    rule: 'propbaserScope',
    title: 'GICR_PROPBASER scope',
    kvm: 'One value shared by every redistributor of the VM.',
    qemu: 'One per redistributor.',
    spec: 'One per redistributor.',
    sources: '[mmio-v3]; [qemu src]',
  },
  {
    rule: 'commonLpiAff',
    title: 'GICR_TYPER.CommonLPIAff',
    kvm: '0.',
    qemu: '1 (all redistributors share LPI configuration).',
    spec: '0.',
    sources: '[mmio-v3]; [qemu src] arm_gicv3_common_realize',
  },
  {
    rule: 'lpiConfig',
    title: 'Where LPI configuration is held',
    kvm: 'Read from the property table when the LPI is mapped (MAPTI/MAPI) and kept in the LPI until INV, INVALL, INVLPIR or INVALLR re-reads it.',
    qemu: 'Read when the LPI becomes pending and on every full rescan of the pending table (INV, INVALL, MOVALL, EnableLPIs write, clearing the highest pending LPI): a change can take effect without INV, or stay hidden behind the cached highest pending LPI.',
    spec: 'Each redistributor caches configuration on first use; a property-table change is invisible until INV/INVALL/INVLPIR/INVALLR.',
    sources: '[its.c] update_lpi_config; [qemu src] gicv3_redist_lpi_pending, update_for_all_lpis',
  },
  {
    rule: 'lpiPending',
    title: 'Where LPI pending state lives',
    kvm: 'In the LPI (pending_latch). The table is read when the LPI is mapped (and the bit cleared in memory) and on EnableLPIs 0 -> 1; written only by SAVE_PENDING_TABLES (migration).',
    qemu: 'In the pending table in guest memory, read-modify-written on every change.',
    spec: 'Inside the redistributor while LPIs are enabled; read from the table on enable, written back on disable and on save.',
    sources: '[its.c], [v3.c]; [qemu src] set_pending_table_bit',
  },
  {
    rule: 'directInvRegisters',
    title: 'GICR_INVLPIR / GICR_INVALLR / GICR_SYNCR',
    kvm: 'Implemented (writes dropped while LPIs are disabled).',
    qemu: 'Not implemented: RAZ/WI.',
    spec: 'Implemented (GICv3.1 direct invalidation).',
    sources: '[mmio-v3]; [qemu src]',
  },
  {
    rule: 'priorityBits',
    title: 'Implemented priority bits',
    kvm: '5 (VGIC_PRI_BITS).',
    qemu: '5 (gic_pribits of cortex-a57 and similar).',
    spec: '5 (the architecture allows 4 to 8; a scenario may choose).',
    sources: '[vgic.h]; [qemu src] gicv3_init_cpuif',
  },
  {
    rule: 'gicrCtlrFixed',
    title: 'GICR_CTLR read-as-one bits',
    kvm: 'CES (bit 1) and IR (bit 2) with implementation revision 3.',
    qemu: 'CES (bit 1): EnableLPIs can be cleared.',
    spec: 'CES (bit 1): the model supports clearing EnableLPIs.',
    sources: '[mmio-v3] vgic_mmio_read_v3r_ctlr; [qemu src] gicr_readl',
  },
  {
    rule: 'resetGroup',
    title: 'Interrupt group at reset',
    kvm: 'Group 1 for every SGI, PPI and SPI (vgic_init with a GICv3 model).',
    qemu: 'Group 0 (IGROUPR reset to 0); software moves interrupts to Group 1.',
    spec: 'Group 0 (the architecture leaves the reset value to the implementation).',
    sources: '[init]; [qemu src] reset',
  },
  {
    rule: 'sgisEnabledAtReset',
    title: 'SGIs enabled at reset',
    kvm: 'Yes (kvm_vgic_vcpu_init enables SGIs).',
    qemu: 'No.',
    spec: 'No.',
    sources: '[init]; [qemu src] reset',
  },
  {
    rule: 'lpiBaserResetAttrs',
    title: 'GICR_PROPBASER / GICR_PENDBASER at reset',
    kvm: 'Attributes 0x580: InnerCache RaWb (0b011), OuterCache SameAsInner, Inner Shareable. PENDBASER on every vCPU; PROPBASER (one for the VM) once an ITS exists; addresses 0.',
    qemu: '0.',
    spec: '0 (the architecture leaves the reset value UNKNOWN; the model picks 0).',
    sources: '[init] (vgic_v3_enable), [its.c] vgic_its_create; [qemu src] reset',
  },
];
