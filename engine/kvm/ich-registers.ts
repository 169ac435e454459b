/**
 * The GICv3 virtual interface control registers (ICH_*_EL2) as the hardware defines them: a table in
 * spec names with their system-register encodings, the architected field layouts, and the values
 * the hardware derives from the list registers (ICH_EISR_EL2, ICH_ELRSR_EL2, ICH_MISR_EL2). No KVM
 * policy lives here: what KVM writes into these registers, and when, is list-registers.ts.
 *
 * ICH_LR<n>_EL2 (reference §6.7):
 *
 *   [63:62] State     0 invalid, 1 pending, 2 active, 3 pending and active
 *   [61]    HW        the virtual interrupt is backed by a physical one: deactivating it in the
 *                     guest also deactivates pINTID at the physical distributor
 *   [60]    Group     1 = Group 1 (a virtual IRQ), 0 = Group 0 (a virtual FIQ)
 *   [59]    NMI       FEAT_GICv3_NMI (never set by KVM)
 *   [55:48] Priority
 *   [44:32] pINTID    when HW = 1. The architecture's field is 13 bits; Linux and QEMU only ever
 *                     write 10 ([41:32], §10.1), which this layout contains.
 *   [41]    EOI       when HW = 0: raise an EOI maintenance interrupt when the guest deactivates it
 *   [31:0]  vINTID
 *
 * A list register is held as two 32-bit halves (bits [31:0] and [63:32]), like the distributor's
 * GICD_IROUTER words: exact, cheap to copy in snapshots, and no BigInt arithmetic on the path
 * every virtual interrupt takes. `ichLrRead`/`ichLrWrite` give the 64-bit value.
 */

import { minBpr0 } from '../gic/gic-state';
import { priorityMask, preemptionBits } from '../gic/priority';
import { decodeFields, type FieldDef } from '../gic/registers';

/** The hardware state of one virtual CPU interface: what ICH_*_EL2 hold. */
export interface IchState {
  /** ICH_HCR_EL2 (its defined bits are all in [31:0]). */
  hcr: number;
  /** ICH_VMCR_EL2. */
  vmcr: number;
  /**
   * ICH_AP0R0..3_EL2 then ICH_AP1R0..3_EL2: the virtual active priorities, in the layout
   * engine/gic/priority.ts reads for the physical ICC_AP0R/AP1R (the ICV_AP*R registers alias them).
   */
  apr: number[];
  /** ICH_LR<n>_EL2 bits [31:0] (vINTID), one per implemented list register. */
  lrLo: number[];
  /** ICH_LR<n>_EL2 bits [63:32]. */
  lrHi: number[];
}

// ---- ICH_LR<n>_EL2 ---------------------------------------------------------------------------

export const ICH_LR_STATE_INVALID = 0;
export const ICH_LR_STATE_PENDING = 1;
export const ICH_LR_STATE_ACTIVE = 2;
export const ICH_LR_STATE_PENDING_ACTIVE = 3;
export type IchLrState = 0 | 1 | 2 | 3;

/** Bits of the upper word (bit n here is bit 32 + n of the register). */
export const LRH_EOI = 1 << 9; // bit 41
export const LRH_NMI = 1 << 27; // bit 59
export const LRH_GROUP = 1 << 28; // bit 60
export const LRH_HW = 1 << 29; // bit 61
export const LRH_PENDING = 1 << 30; // bit 62 (ICH_LR_PENDING_BIT)
export const LRH_ACTIVE = 0x80000000; // bit 63 (ICH_LR_ACTIVE_BIT)
export const LRH_STATE = (LRH_PENDING | LRH_ACTIVE) >>> 0;
export const LRH_PINTID_MASK = 0x1fff; // [44:32]
export const LRH_PRIORITY_SHIFT = 16; // [55:48]

export const ICH_LR_FIELDS: readonly FieldDef[] = [
  { name: 'State', msb: 63, lsb: 62, doc: '0 invalid, 1 pending, 2 active, 3 pending and active' },
  { name: 'HW', msb: 61, lsb: 61, doc: 'backed by a physical interrupt (pINTID)' },
  { name: 'Group', msb: 60, lsb: 60, doc: '1 = Group 1 (vIRQ), 0 = Group 0 (vFIQ)' },
  { name: 'NMI', msb: 59, lsb: 59, doc: 'non-maskable (FEAT_GICv3_NMI)' },
  { name: 'Priority', msb: 55, lsb: 48 },
  { name: 'pINTID', msb: 44, lsb: 32, doc: 'physical INTID, when HW = 1' },
  { name: 'EOI', msb: 41, lsb: 41, doc: 'when HW = 0: maintenance interrupt on deactivation' },
  { name: 'vINTID', msb: 31, lsb: 0 },
];

/** One list register, decoded. */
export interface IchLr {
  state: IchLrState;
  hw: boolean;
  group: 0 | 1;
  nmi: boolean;
  priority: number;
  /** Physical INTID (HW = 1 only; 0 otherwise). */
  pintid: number;
  /** EOI maintenance request (HW = 0 only; false otherwise). */
  eoi: boolean;
  vintid: number;
}

/** The upper word of a list register from its fields. */
export function lrHiOf(lr: Omit<IchLr, 'vintid'>): number {
  let hi = ((lr.state & 3) << 30) | ((lr.priority & 0xff) << LRH_PRIORITY_SHIFT);
  if (lr.group) hi |= LRH_GROUP;
  if (lr.nmi) hi |= LRH_NMI;
  if (lr.hw) hi |= LRH_HW | (lr.pintid & LRH_PINTID_MASK);
  else if (lr.eoi) hi |= LRH_EOI;
  return hi >>> 0;
}

export function decodeLrHalves(lo: number, hi: number): IchLr {
  const hw = (hi & LRH_HW) !== 0;
  return {
    state: (hi >>> 30) as IchLrState,
    hw,
    group: (hi & LRH_GROUP) !== 0 ? 1 : 0,
    nmi: (hi & LRH_NMI) !== 0,
    priority: (hi >>> LRH_PRIORITY_SHIFT) & 0xff,
    pintid: hw ? hi & LRH_PINTID_MASK : 0,
    eoi: !hw && (hi & LRH_EOI) !== 0,
    vintid: lo >>> 0,
  };
}

export const lrValue = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

export function encodeIchLr(lr: IchLr): bigint {
  return lrValue(lr.vintid, lrHiOf(lr));
}

export function decodeIchLr(v: bigint): IchLr {
  return decodeLrHalves(Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn));
}

export function ichLrRead(s: IchState, n: number): bigint {
  return lrValue(s.lrLo[n]!, s.lrHi[n]!);
}

export function ichLrWrite(s: IchState, n: number, v: bigint): void {
  s.lrLo[n] = Number(v & 0xffffffffn);
  s.lrHi[n] = Number((v >> 32n) & 0xffffffffn);
}

export const lrState = (s: IchState, n: number): IchLrState => (s.lrHi[n]! >>> 30) as IchLrState;
export const lrPriority = (s: IchState, n: number): number => (s.lrHi[n]! >>> LRH_PRIORITY_SHIFT) & 0xff;
export const lrGroup = (s: IchState, n: number): 0 | 1 => ((s.lrHi[n]! & LRH_GROUP) !== 0 ? 1 : 0);

// ---- ICH_HCR_EL2 -----------------------------------------------------------------------------

export const ICH_HCR_EN = 1 << 0;
export const ICH_HCR_UIE = 1 << 1;
export const ICH_HCR_LRENPIE = 1 << 2;
export const ICH_HCR_NPIE = 1 << 3;
export const ICH_HCR_VGRP0EIE = 1 << 4;
export const ICH_HCR_VGRP0DIE = 1 << 5;
export const ICH_HCR_VGRP1EIE = 1 << 6;
export const ICH_HCR_VGRP1DIE = 1 << 7;
export const ICH_HCR_VSGIEOICOUNT = 1 << 8;
export const ICH_HCR_TC = 1 << 10;
export const ICH_HCR_TALL0 = 1 << 11;
export const ICH_HCR_TALL1 = 1 << 12;
export const ICH_HCR_TSEI = 1 << 13;
export const ICH_HCR_TDIR = 1 << 14;
export const ICH_HCR_EOICOUNT_SHIFT = 27;
export const ICH_HCR_EOICOUNT_MASK = 0x1f << ICH_HCR_EOICOUNT_SHIFT;

export const ICH_HCR_FIELDS: readonly FieldDef[] = [
  { name: 'EOIcount', msb: 31, lsb: 27, doc: 'deactivations of interrupts not in any LR' },
  { name: 'TDIR', msb: 14, lsb: 14, doc: 'trap ICV_DIR_EL1 to EL2' },
  { name: 'TSEI', msb: 13, lsb: 13 },
  { name: 'TALL1', msb: 12, lsb: 12 },
  { name: 'TALL0', msb: 11, lsb: 11 },
  { name: 'TC', msb: 10, lsb: 10 },
  { name: 'vSGIEOICount', msb: 8, lsb: 8, doc: 'vSGI deactivations do not count in EOIcount' },
  { name: 'VGrp1DIE', msb: 7, lsb: 7 },
  { name: 'VGrp1EIE', msb: 6, lsb: 6 },
  { name: 'VGrp0DIE', msb: 5, lsb: 5 },
  { name: 'VGrp0EIE', msb: 4, lsb: 4 },
  { name: 'NPIE', msb: 3, lsb: 3, doc: 'maintenance interrupt when no LR is pending' },
  { name: 'LRENPIE', msb: 2, lsb: 2, doc: 'maintenance interrupt while EOIcount is not 0' },
  { name: 'UIE', msb: 1, lsb: 1, doc: 'maintenance interrupt when at most one LR is valid' },
  { name: 'En', msb: 0, lsb: 0, doc: 'virtual CPU interface enable' },
];

export const eoiCount = (hcr: number): number => (hcr >>> ICH_HCR_EOICOUNT_SHIFT) & 0x1f;
export const withEoiCount = (hcr: number, n: number): number =>
  ((hcr & ~ICH_HCR_EOICOUNT_MASK) | ((n & 0x1f) << ICH_HCR_EOICOUNT_SHIFT)) >>> 0;

// ---- ICH_VMCR_EL2 ----------------------------------------------------------------------------

export const ICH_VMCR_VENG0 = 1 << 0;
export const ICH_VMCR_VENG1 = 1 << 1;
export const ICH_VMCR_VACKCTL = 1 << 2;
export const ICH_VMCR_VFIQEN = 1 << 3;
export const ICH_VMCR_VCBPR = 1 << 4;
export const ICH_VMCR_VEOIM = 1 << 9;
export const ICH_VMCR_VBPR1_SHIFT = 18;
export const ICH_VMCR_VBPR0_SHIFT = 21;
export const ICH_VMCR_VPMR_SHIFT = 24;

export const ICH_VMCR_FIELDS: readonly FieldDef[] = [
  { name: 'VPMR', msb: 31, lsb: 24, doc: 'ICV_PMR_EL1' },
  { name: 'VBPR0', msb: 23, lsb: 21, doc: 'ICV_BPR0_EL1' },
  { name: 'VBPR1', msb: 20, lsb: 18, doc: 'ICV_BPR1_EL1' },
  { name: 'VEOIM', msb: 9, lsb: 9, doc: 'ICV_CTLR_EL1.EOImode' },
  { name: 'VCBPR', msb: 4, lsb: 4, doc: 'ICV_CTLR_EL1.CBPR' },
  { name: 'VFIQEn', msb: 3, lsb: 3, doc: 'RES1 with system-register access' },
  { name: 'VAckCtl', msb: 2, lsb: 2, doc: 'RES0 with system-register access' },
  { name: 'VENG1', msb: 1, lsb: 1, doc: 'ICV_IGRPEN1_EL1' },
  { name: 'VENG0', msb: 0, lsb: 0, doc: 'ICV_IGRPEN0_EL1' },
];

export const vmcrPmr = (vmcr: number): number => (vmcr >>> ICH_VMCR_VPMR_SHIFT) & 0xff;
export const vmcrBpr0 = (vmcr: number): number => (vmcr >>> ICH_VMCR_VBPR0_SHIFT) & 7;
export const vmcrBpr1 = (vmcr: number): number => (vmcr >>> ICH_VMCR_VBPR1_SHIFT) & 7;

/**
 * The value ICH_VMCR_EL2 holds after a write of `v`: only its defined fields, VFIQEn RES1 (KVM's
 * GICv3 guests use system registers; a GICv2 guest keeps VAckCtl and VFIQEn), VPMR without the
 * unimplemented low priority bits, and each binary point raised to its minimum, so that writing 0
 * "restores the binary points to their reset values" as KVM's vgic_v3_enable relies on. QEMU's
 * ich_vmcr_write does the same clamping.
 */
export function ichVmcrSanitize(v: number, priorityBits: number, sysregs = true): number {
  let out = v & (ICH_VMCR_VENG0 | ICH_VMCR_VENG1 | ICH_VMCR_VCBPR | ICH_VMCR_VEOIM);
  out |= sysregs ? ICH_VMCR_VFIQEN : v & (ICH_VMCR_VACKCTL | ICH_VMCR_VFIQEN);
  const min0 = minBpr0(priorityBits);
  const bpr0 = Math.max(vmcrBpr0(v), min0);
  const bpr1 = Math.max(vmcrBpr1(v), min0 + 1);
  const pmr = vmcrPmr(v) & priorityMask(priorityBits);
  out |= (bpr0 << ICH_VMCR_VBPR0_SHIFT) | (bpr1 << ICH_VMCR_VBPR1_SHIFT) | (pmr << ICH_VMCR_VPMR_SHIFT);
  return out >>> 0;
}

// ---- ICH_VTR_EL2, ICH_MISR_EL2, ICH_EISR_EL2, ICH_ELRSR_EL2 ----------------------------------

export const ICH_VTR_FIELDS: readonly FieldDef[] = [
  { name: 'PRIbits', msb: 31, lsb: 29, doc: 'priority bits - 1' },
  { name: 'PREbits', msb: 28, lsb: 26, doc: 'preemption bits - 1' },
  { name: 'IDbits', msb: 25, lsb: 23, doc: '0 = 16-bit virtual INTIDs' },
  { name: 'SEIS', msb: 22, lsb: 22 },
  { name: 'A3V', msb: 21, lsb: 21 },
  { name: 'nV4', msb: 20, lsb: 20, doc: '1 = no direct injection (GICv4)' },
  { name: 'TDS', msb: 19, lsb: 19 },
  { name: 'ListRegs', msb: 4, lsb: 0, doc: 'list registers - 1' },
];

/**
 * ICH_VTR_EL2 for `nrLr` list registers and `priorityBits` virtual priority bits: 16-bit virtual
 * INTIDs (IDbits 0, KVM's INTERRUPT_ID_BITS), Aff3 supported (A3V, as ICC_CTLR_EL1 of the physical
 * model says), separate ICV_DIR_EL1 trapping (TDS: ICH_HCR_EL2.TDIR is modelled), no direct
 * injection (nV4: GICv4 is not part of this interface model), no SEIS.
 */
export function ichVtr(nrLr: number, priorityBits: number): number {
  return (
    ((((priorityBits - 1) & 7) << 29) |
      (((preemptionBits(priorityBits) - 1) & 7) << 26) |
      (1 << 21) | // A3V
      (1 << 20) | // nV4
      (1 << 19) | // TDS
      ((nrLr - 1) & 0x1f)) >>>
    0
  );
}

export const ICH_MISR_EOI = 1 << 0;
export const ICH_MISR_U = 1 << 1;
export const ICH_MISR_LRENP = 1 << 2;
export const ICH_MISR_NP = 1 << 3;
export const ICH_MISR_VGRP0E = 1 << 4;
export const ICH_MISR_VGRP0D = 1 << 5;
export const ICH_MISR_VGRP1E = 1 << 6;
export const ICH_MISR_VGRP1D = 1 << 7;

export const ICH_MISR_FIELDS: readonly FieldDef[] = [
  { name: 'VGrp1D', msb: 7, lsb: 7 },
  { name: 'VGrp1E', msb: 6, lsb: 6 },
  { name: 'VGrp0D', msb: 5, lsb: 5 },
  { name: 'VGrp0E', msb: 4, lsb: 4 },
  { name: 'NP', msb: 3, lsb: 3, doc: 'no LR pending (NPIE)' },
  { name: 'LRENP', msb: 2, lsb: 2, doc: 'EOIcount is not 0 (LRENPIE)' },
  { name: 'U', msb: 1, lsb: 1, doc: 'underflow: at most one LR valid (UIE)' },
  { name: 'EOI', msb: 0, lsb: 0, doc: 'an LR asked for an EOI maintenance interrupt' },
];

/**
 * ICH_EISR_EL2: bit n set when LR n signals an EOI maintenance interrupt, i.e. it is invalid with
 * EOI = 1 and HW = 0 (KVM's lr_signals_eoi_mi is the same test).
 */
export function ichEisr(s: IchState): number {
  let v = 0;
  for (let n = 0; n < s.lrHi.length; n++) {
    if ((s.lrHi[n]! & (LRH_STATE | LRH_HW | LRH_EOI)) === LRH_EOI) v |= 1 << n;
  }
  return v >>> 0;
}

/** ICH_ELRSR_EL2: bit n set when LR n is empty (invalid, and no EOI maintenance outstanding). */
export function ichElrsr(s: IchState): number {
  let v = 0;
  for (let n = 0; n < s.lrHi.length; n++) {
    const hi = s.lrHi[n]!;
    if ((hi & LRH_STATE) === 0 && !((hi & LRH_HW) === 0 && (hi & LRH_EOI) !== 0)) v |= 1 << n;
  }
  return v >>> 0;
}

/**
 * ICH_MISR_EL2: which maintenance conditions hold (§6.9). U: at most one LR valid, with UIE. NP: no
 * LR in the Pending state, with NPIE. LRENP: EOIcount not 0, with LRENPIE. EOI: some LR signals an
 * EOI maintenance interrupt (ICH_EISR_EL2 not 0). VGrpNE / VGrpND: group N enabled / disabled in
 * ICH_VMCR_EL2, with the matching enable.
 */
export function ichMisr(s: IchState): number {
  const hcr = s.hcr;
  let valid = 0;
  let pending = false;
  for (let n = 0; n < s.lrHi.length; n++) {
    const st = s.lrHi[n]! >>> 30;
    if (st !== ICH_LR_STATE_INVALID) valid++;
    if (st === ICH_LR_STATE_PENDING) pending = true;
  }
  let misr = 0;
  if (ichEisr(s) !== 0) misr |= ICH_MISR_EOI;
  if (hcr & ICH_HCR_UIE && valid < 2) misr |= ICH_MISR_U;
  if (hcr & ICH_HCR_LRENPIE && eoiCount(hcr) !== 0) misr |= ICH_MISR_LRENP;
  if (hcr & ICH_HCR_NPIE && !pending) misr |= ICH_MISR_NP;
  const eng0 = (s.vmcr & ICH_VMCR_VENG0) !== 0;
  const eng1 = (s.vmcr & ICH_VMCR_VENG1) !== 0;
  if (hcr & ICH_HCR_VGRP0EIE && eng0) misr |= ICH_MISR_VGRP0E;
  if (hcr & ICH_HCR_VGRP0DIE && !eng0) misr |= ICH_MISR_VGRP0D;
  if (hcr & ICH_HCR_VGRP1EIE && eng1) misr |= ICH_MISR_VGRP1E;
  if (hcr & ICH_HCR_VGRP1DIE && !eng1) misr |= ICH_MISR_VGRP1D;
  return misr;
}

/** The maintenance interrupt output: the interface is enabled and some condition holds. */
export const ichMaintenance = (s: IchState): boolean => (s.hcr & ICH_HCR_EN) !== 0 && ichMisr(s) !== 0;

// ---- The register table ----------------------------------------------------------------------

export interface IchRegister {
  name: string;
  /** op0, op1, CRn, CRm, op2 */
  enc: readonly [number, number, number, number, number];
  access: 'rw' | 'ro';
  doc: string;
  fields?: readonly FieldDef[];
}

/** The ICH_*_EL2 registers of a virtual interface with `nrLr` list registers (1..16). */
export function ichRegisters(nrLr: number): IchRegister[] {
  const regs: IchRegister[] = [];
  for (let n = 0; n < 4; n++)
    regs.push({
      name: `ICH_AP0R${n}_EL2`,
      enc: [3, 4, 12, 8, n],
      access: 'rw',
      doc: 'Active priorities, Group 0',
    });
  for (let n = 0; n < 4; n++)
    regs.push({
      name: `ICH_AP1R${n}_EL2`,
      enc: [3, 4, 12, 9, n],
      access: 'rw',
      doc: 'Active priorities, Group 1',
    });
  regs.push(
    { name: 'ICH_HCR_EL2', enc: [3, 4, 12, 11, 0], access: 'rw', doc: 'Hyp control', fields: ICH_HCR_FIELDS },
    { name: 'ICH_VTR_EL2', enc: [3, 4, 12, 11, 1], access: 'ro', doc: 'VGIC type', fields: ICH_VTR_FIELDS },
    {
      name: 'ICH_MISR_EL2',
      enc: [3, 4, 12, 11, 2],
      access: 'ro',
      doc: 'Maintenance interrupt state',
      fields: ICH_MISR_FIELDS,
    },
    {
      name: 'ICH_EISR_EL2',
      enc: [3, 4, 12, 11, 3],
      access: 'ro',
      doc: 'End of interrupt status, one bit per LR',
    },
    {
      name: 'ICH_ELRSR_EL2',
      enc: [3, 4, 12, 11, 5],
      access: 'ro',
      doc: 'Empty list register status, one bit per LR',
    },
    {
      name: 'ICH_VMCR_EL2',
      enc: [3, 4, 12, 11, 7],
      access: 'rw',
      doc: "Virtual machine control: the guest's ICV_* state",
      fields: ICH_VMCR_FIELDS,
    },
  );
  for (let n = 0; n < nrLr; n++)
    regs.push({
      name: `ICH_LR${n}_EL2`,
      enc: [3, 4, 12, n < 8 ? 12 : 13, n & 7],
      access: 'rw',
      doc: 'List register',
      fields: ICH_LR_FIELDS,
    });
  return regs;
}

/** Finds an ICH register by name ('ICH_LR3_EL2', 'ich_hcr'...); undefined if it does not exist. */
export function findIchRegister(nrLr: number, name: string): IchRegister | undefined {
  const upper = name.toUpperCase();
  const full = upper.endsWith('_EL2') ? upper : `${upper}_EL2`;
  return ichRegisters(nrLr).find((r) => r.name === full);
}

/** Reads an ICH register by name (no side effects: none of them has a read side effect). */
export function ichRead(s: IchState, priorityBits: number, name: string): bigint | undefined {
  const nrLr = s.lrHi.length;
  const reg = findIchRegister(nrLr, name);
  if (!reg) return undefined;
  const lr = /^ICH_LR(\d+)_EL2$/.exec(reg.name);
  if (lr) return ichLrRead(s, Number(lr[1]));
  const ap = /^ICH_AP([01])R([0-3])_EL2$/.exec(reg.name);
  if (ap) return BigInt(s.apr[Number(ap[1]) * 4 + Number(ap[2])]! >>> 0);
  switch (reg.name) {
    case 'ICH_HCR_EL2':
      return BigInt(s.hcr >>> 0);
    case 'ICH_VTR_EL2':
      return BigInt(ichVtr(nrLr, priorityBits));
    case 'ICH_MISR_EL2':
      return BigInt(ichMisr(s));
    case 'ICH_EISR_EL2':
      return BigInt(ichEisr(s));
    case 'ICH_ELRSR_EL2':
      return BigInt(ichElrsr(s));
    case 'ICH_VMCR_EL2':
      return BigInt(s.vmcr >>> 0);
  }
  return undefined;
}

/** Writes an ICH register by name; false if it does not exist or is read-only. */
export function ichWrite(s: IchState, priorityBits: number, name: string, v: bigint): boolean {
  const reg = findIchRegister(s.lrHi.length, name);
  if (!reg || reg.access === 'ro') return false;
  const lo = Number(v & 0xffffffffn);
  const lr = /^ICH_LR(\d+)_EL2$/.exec(reg.name);
  if (lr) {
    ichLrWrite(s, Number(lr[1]), v);
    return true;
  }
  const ap = /^ICH_AP([01])R([0-3])_EL2$/.exec(reg.name);
  if (ap) {
    s.apr[Number(ap[1]) * 4 + Number(ap[2])] = lo >>> 0;
    return true;
  }
  if (reg.name === 'ICH_HCR_EL2') s.hcr = lo >>> 0;
  else if (reg.name === 'ICH_VMCR_EL2') s.vmcr = ichVmcrSanitize(lo, priorityBits);
  return true;
}

/** A register value decoded field by field (inspectors, narration). */
export function decodeIch(
  nrLr: number,
  name: string,
  v: bigint,
): { name: string; value: number; bits: string }[] | undefined {
  const reg = findIchRegister(nrLr, name);
  return reg?.fields ? decodeFields(reg.fields, v) : undefined;
}
