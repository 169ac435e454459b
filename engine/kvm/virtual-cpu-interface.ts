/**
 * The guest's GICv3 CPU interface as the hardware virtualises it (ICV_*_EL1): with HCR_EL2.IMO/FMO
 * set, the guest's ICC_* accesses reach the virtual interface, which works on the list registers,
 * ICH_VMCR_EL2 and ICH_AP0R/AP1R_EL2 of ich-registers.ts without KVM seeing them. This is the
 * architecture's behaviour (the GIC spec's VirtualReadIAR/VirtualWriteEOIR/VirtualWriteDIR
 * pseudocode, as QEMU's hw/intc/arm_gicv3_cpuif.c implements it), not KVM code.
 *
 *  - The highest-priority pending virtual interrupt (HPPVI) is the LR in state Pending (not
 *    Pending+Active) whose group is enabled, with the lowest priority value; equal priorities go to
 *    the lowest LR index; an LR at priority 0xFF is never chosen.
 *  - ICV_IAR1_EL1 returns it if it is Group 1 and may preempt: the interface is enabled
 *    (ICH_HCR_EL2.En), its priority is below ICH_VMCR_EL2.VPMR and its group priority is above the
 *    virtual running priority. The LR goes Pending -> Active and its group priority's bit is set
 *    in ICH_AP1R. Otherwise 1023.
 *  - ICV_EOIR1_EL1 drops the highest active priority; with EOImode 0 (or for an LPI) it also
 *    deactivates the LR holding that INTID in Active state, if its group and group priority match.
 *    When no LR holds it, the deactivation the guest asked for happened outside the LRs:
 *    ICH_HCR_EL2.EOIcount is incremented (with EOImode 0 only, never for an LPI, and not for an SGI
 *    when vSGIEOICount is set). EOIcount != 0 with LRENPIE raises the LRENP maintenance interrupt.
 *  - ICV_DIR_EL1 (EOImode 1) deactivates; traps to EL2 when ICH_HCR_EL2.TDIR is set.
 *  - Deactivating an LR with HW = 1 also deactivates pINTID at the physical distributor (reported
 *    in the result for the wiring to apply); an LR with EOI = 1 and HW = 0 that becomes invalid
 *    raises the EOI maintenance interrupt (ich-registers.ts ichMisr).
 *
 * The priority arithmetic (group priority under the binary point, active-priority bits, running
 * priority, priority drop) is engine/gic/priority.ts's, applied to a view of the virtual state:
 * ICV_PMR/BPR0/BPR1/CTLR/IGRPEN are fields of ICH_VMCR_EL2, ICV_AP*R are ICH_AP*R.
 *
 * ICC_SGI0R/SGI1R/ASGI1R_EL1 writes are not virtualised: they trap to KVM
 * (ap-list.ts vgicV3DispatchSgi). ICC_SRE_EL1 is not an ICV register.
 */

import { SPURIOUS } from '../gic/gic-config';
import type { CpuInterfaceState } from '../gic/gic-state';
import { ICC_REGISTERS, type IccRegister } from '../gic/icc-registers';
import {
  canSignal,
  dropPriority,
  groupPriorityMask,
  preemptionBits,
  priorityMask,
  runningPriority,
  setActivePriority,
} from '../gic/priority';
import {
  eoiCount,
  ICH_HCR_EN,
  ICH_HCR_TDIR,
  ICH_HCR_VSGIEOICOUNT,
  ICH_LR_STATE_PENDING,
  ICH_VMCR_VBPR0_SHIFT,
  ICH_VMCR_VBPR1_SHIFT,
  ICH_VMCR_VCBPR,
  ICH_VMCR_VENG0,
  ICH_VMCR_VENG1,
  ICH_VMCR_VEOIM,
  ICH_VMCR_VPMR_SHIFT,
  ichVmcrSanitize,
  LRH_ACTIVE,
  LRH_HW,
  LRH_PENDING,
  LRH_PINTID_MASK,
  lrGroup,
  lrPriority,
  lrState,
  vmcrBpr0,
  vmcrBpr1,
  vmcrPmr,
  withEoiCount,
  type IchState,
} from './ich-registers';
import { VGIC_MIN_LPI } from './vgic-irq';
import type { VgicState } from './vgic-state';

/** The ICV_*_EL1 registers: the ICC_* ones a guest reaches through the virtual interface. */
export const ICV_REGISTERS: readonly IccRegister[] = ICC_REGISTERS.filter(
  (r) => !/^ICC_(A?SGI[01]R|SRE)_EL1$/.test(r.name),
).map((r) => ({ ...r, name: r.name.replace(/^ICC_/, 'ICV_') }));

/** Finds an ICV register by ICV_ or ICC_ name, with or without _EL1. */
export function findIcvRegister(name: string): IccRegister | undefined {
  const upper = name.toUpperCase().replace(/^ICC_/, 'ICV_');
  const full = upper.endsWith('_EL1') ? upper : `${upper}_EL1`;
  return ICV_REGISTERS.find((r) => r.name === full);
}

/**
 * The virtual state seen through a CpuInterfaceState, so engine/gic/priority.ts applies to it. The
 * active-priority words are shared, not copied: setActivePriority and dropPriority write through
 * to ICH_AP0R/AP1R.
 */
function view(s: IchState): CpuInterfaceState {
  const vmcr = s.vmcr;
  return {
    pmr: vmcrPmr(vmcr),
    bpr0: vmcrBpr0(vmcr),
    bpr1: vmcrBpr1(vmcr),
    ctlr: (vmcr & ICH_VMCR_VCBPR ? 1 : 0) | (vmcr & ICH_VMCR_VEOIM ? 2 : 0),
    igrpen0: vmcr & ICH_VMCR_VENG0 ? 1 : 0,
    igrpen1: vmcr & ICH_VMCR_VENG1 ? 1 : 0,
    apr: s.apr,
    hppi: SPURIOUS,
    hppiPrio: 0xff,
    hppiGroup: 1,
    irq: 0,
    fiq: 0,
    updateQueued: false,
  };
}

const ichOf = (vgic: VgicState, vcpu: number): IchState => vgic.vcpus[vcpu]!.v3;
const isSpecial = (intid: number): boolean => intid >= 1020 && intid <= 1023;

/** The LR index of the highest-priority pending virtual interrupt, -1 for none. */
export function hppviIndex(s: IchState): number {
  if ((s.vmcr & (ICH_VMCR_VENG0 | ICH_VMCR_VENG1)) === 0) return -1;
  let best = -1;
  let prio = 0xff;
  for (let n = 0; n < s.lrHi.length; n++) {
    if (lrState(s, n) !== ICH_LR_STATE_PENDING) continue;
    const g = lrGroup(s, n);
    if ((s.vmcr & (g ? ICH_VMCR_VENG1 : ICH_VMCR_VENG0)) === 0) continue;
    const p = lrPriority(s, n);
    if (p < prio) {
      prio = p;
      best = n;
    }
  }
  return best;
}

/** Whether LR `n` may be signalled now (CanSignalVirtualInterrupt). */
function canPreempt(s: IchState, priorityBits: number, n: number): boolean {
  if ((s.hcr & ICH_HCR_EN) === 0) return false;
  return canSignal(view(s), priorityBits, lrGroup(s, n), lrPriority(s, n));
}

/**
 * GICv4: a vLPI the redistributor presents for the vPE resident where this vCPU runs, beside the
 * LRs. It is always Group 1; it wins only with a strictly higher priority than the best pending LR
 * (an LR wins a tie, as QEMU decides), and only while VENG1 is set.
 */
export interface DirectVlpi {
  intid: number;
  prio: number;
}

/** The `lr` an acknowledge of a direct vLPI reports: no list register was involved. */
export const DIRECT_LR = -2;

function directWins(s: IchState, n: number, d: DirectVlpi | undefined): d is DirectVlpi {
  if (!d || (s.vmcr & ICH_VMCR_VENG1) === 0) return false;
  return n < 0 || d.prio < lrPriority(s, n);
}

/** The virtual IRQ (Group 1) and FIQ (Group 0) the interface signals to the vCPU. */
export function icvSignals(
  vgic: VgicState,
  vcpu: number,
  direct?: DirectVlpi,
): { virq: boolean; vfiq: boolean; lr: number } {
  const s = ichOf(vgic, vcpu);
  const n = hppviIndex(s);
  if (directWins(s, n, direct)) {
    const ok = (s.hcr & ICH_HCR_EN) !== 0 && canSignal(view(s), vgic.cfg.priorityBits, 1, direct.prio);
    return { virq: ok, vfiq: false, lr: ok ? DIRECT_LR : n };
  }
  if (n < 0 || !canPreempt(s, vgic.cfg.priorityBits, n)) return { virq: false, vfiq: false, lr: n };
  const g = lrGroup(s, n);
  return { virq: g === 1, vfiq: g === 0, lr: n };
}

export interface IcvAckResult {
  /** The INTID returned (1023 when nothing could be acknowledged). */
  intid: number;
  /** The LR acknowledged, -1 for none. */
  lr: number;
  prio: number;
  group: number;
  /** The virtual running priority after the read. */
  rpr: number;
}

/**
 * ICV_IAR0_EL1 / ICV_IAR1_EL1 read. A direct vLPI that wins is acknowledged with lr = DIRECT_LR
 * (its active priority recorded here; the caller clears its pending bit at the redistributor).
 */
export function icvAcknowledge(
  vgic: VgicState,
  vcpu: number,
  group: 0 | 1,
  direct?: DirectVlpi,
): IcvAckResult {
  const s = ichOf(vgic, vcpu);
  const bits = vgic.cfg.priorityBits;
  const n = hppviIndex(s);
  const none = (): IcvAckResult => ({
    intid: SPURIOUS,
    lr: -1,
    prio: 0xff,
    group,
    rpr: runningPriority(view(s), bits),
  });
  if (directWins(s, n, direct)) {
    if (group !== 1 || (s.hcr & ICH_HCR_EN) === 0 || !canSignal(view(s), bits, 1, direct.prio)) return none();
    setActivePriority(view(s), bits, 1, direct.prio);
    return {
      intid: direct.intid,
      lr: DIRECT_LR,
      prio: direct.prio,
      group: 1,
      rpr: runningPriority(view(s), bits),
    };
  }
  if (n < 0 || lrGroup(s, n) !== group || !canPreempt(s, bits, n)) return none();
  const intid = s.lrLo[n]! & 0xffffff;
  const prio = lrPriority(s, n);
  if (isSpecial(intid)) {
    // A special INTID in an LR: Pending -> Invalid, and the bogus ID is returned (pseudocode).
    s.lrHi[n] = (s.lrHi[n]! & ~LRH_PENDING) >>> 0;
  } else {
    s.lrHi[n] = ((s.lrHi[n]! & ~LRH_PENDING) | LRH_ACTIVE) >>> 0;
    setActivePriority(view(s), bits, group, prio);
  }
  return { intid, lr: n, prio, group, rpr: runningPriority(view(s), bits) };
}

export interface IcvEoiResult {
  intid: number;
  /** The priority dropped (undefined: none was active, or the write was ignored). */
  dropped?: number;
  /** The LR deactivated, -1 for none. */
  lr: number;
  deactivated: boolean;
  /** No LR held the INTID and the deactivation was counted in ICH_HCR_EL2.EOIcount. */
  counted: boolean;
  /** A physical INTID deactivated with it (the LR had HW = 1). */
  physDeactivate?: number;
  /** The register access trapped to EL2 (ICV_DIR_EL1 with ICH_HCR_EL2.TDIR). */
  trapped?: boolean;
  ignored?: string;
}

function findActive(s: IchState, intid: number): number {
  for (let n = 0; n < s.lrHi.length; n++) {
    if ((s.lrHi[n]! & LRH_ACTIVE) !== 0 && s.lrLo[n]! >>> 0 === intid) return n;
  }
  return -1;
}

function deactivateLr(s: IchState, n: number, r: IcvEoiResult): void {
  const hi = s.lrHi[n]!;
  if (hi & LRH_HW) r.physDeactivate = hi & LRH_PINTID_MASK;
  // Active -> Invalid, Pending+Active -> Pending.
  s.lrHi[n] = (hi & ~LRH_ACTIVE) >>> 0;
  r.lr = n;
  r.deactivated = true;
}

/** Counts a deactivation that happened outside the LRs, when the architecture counts it. */
function countOutside(s: IchState, intid: number, r: IcvEoiResult): void {
  if (intid >= VGIC_MIN_LPI) return;
  if (intid < 16 && (s.hcr & ICH_HCR_VSGIEOICOUNT) !== 0) return;
  s.hcr = withEoiCount(s.hcr, eoiCount(s.hcr) + 1);
  r.counted = true;
}

/**
 * ICV_EOIR0_EL1 / ICV_EOIR1_EL1 write. The priority drop comes first (QEMU's choice of the
 * IMPLEMENTATION DEFINED order); with no active priority the write is ignored and no LR is looked
 * at (CONSTRAINED UNPREDICTABLE). EOIcount counts only an EOI that would have deactivated
 * (EOImode 0): ICH_HCR_EL2 says it counts "a write to EOIR or DIR that would have resulted in a
 * deactivation". (QEMU also counts EOIR writes with EOImode 1; KVM's v6.19 EOIcount replay assumes
 * EOImode 0 and traps DIR instead, so the architecture's reading is the one KVM relies on.)
 */
export function icvEndOfInterrupt(vgic: VgicState, vcpu: number, group: 0 | 1, value: number): IcvEoiResult {
  const s = ichOf(vgic, vcpu);
  const bits = vgic.cfg.priorityBits;
  const intid = value & 0xffffff;
  const r: IcvEoiResult = { intid, lr: -1, deactivated: false, counted: false };
  if (isSpecial(intid)) return { ...r, ignored: 'special INTID' };
  const v = view(s);
  const d = dropPriority(v, bits);
  if (!d) return { ...r, ignored: 'no active priority to drop' };
  r.dropped = d.prio;
  const eoimode = (s.vmcr & ICH_VMCR_VEOIM) !== 0;
  const n = findActive(s, intid);
  if (n < 0) {
    if (!eoimode) countOutside(s, intid, r);
    return r;
  }
  const lrGprio = lrPriority(s, n) & groupPriorityMask(v, group);
  if (lrGroup(s, n) !== group || lrGprio !== d.prio) {
    r.ignored = `LR${n} holds INTID ${intid} in Group ${lrGroup(s, n)} at group priority 0x${lrGprio.toString(16)}, not the one dropped`;
    return r;
  }
  if (!eoimode || intid >= VGIC_MIN_LPI) deactivateLr(s, n, r);
  return r;
}

/** ICV_DIR_EL1 write. */
export function icvDeactivate(vgic: VgicState, vcpu: number, value: number): IcvEoiResult {
  const s = ichOf(vgic, vcpu);
  const intid = value & 0xffffff;
  const r: IcvEoiResult = { intid, lr: -1, deactivated: false, counted: false };
  if ((s.hcr & ICH_HCR_TDIR) !== 0) return { ...r, trapped: true };
  if (intid >= 1020) return { ...r, ignored: 'special INTID or LPI' };
  if ((s.vmcr & ICH_VMCR_VEOIM) === 0) return { ...r, ignored: 'ICV_CTLR_EL1.EOImode is 0' };
  const n = findActive(s, intid);
  if (n < 0) countOutside(s, intid, r);
  else deactivateLr(s, n, r);
  return r;
}

/** ICV_CTLR_EL1: CBPR 0, EOImode 1, PRIbits [10:8], IDbits [13:11] = 0 (16 bits), A3V 15. */
function icvCtlr(vgic: VgicState, s: IchState): number {
  return (
    (s.vmcr & ICH_VMCR_VCBPR ? 1 : 0) |
    (s.vmcr & ICH_VMCR_VEOIM ? 2 : 0) |
    ((vgic.cfg.priorityBits - 1) << 8) |
    (1 << 15)
  );
}

function readIcv(vgic: VgicState, vcpu: number, name: string): bigint | undefined {
  const s = ichOf(vgic, vcpu);
  const bits = vgic.cfg.priorityBits;
  switch (name) {
    case 'ICV_PMR_EL1':
      return BigInt(vmcrPmr(s.vmcr));
    case 'ICV_BPR0_EL1':
      return BigInt(vmcrBpr0(s.vmcr));
    case 'ICV_BPR1_EL1':
      return BigInt(s.vmcr & ICH_VMCR_VCBPR ? Math.min(vmcrBpr0(s.vmcr) + 1, 7) : vmcrBpr1(s.vmcr));
    case 'ICV_CTLR_EL1':
      return BigInt(icvCtlr(vgic, s));
    case 'ICV_IGRPEN0_EL1':
      return BigInt(s.vmcr & ICH_VMCR_VENG0 ? 1 : 0);
    case 'ICV_IGRPEN1_EL1':
      return BigInt(s.vmcr & ICH_VMCR_VENG1 ? 1 : 0);
    case 'ICV_RPR_EL1':
      return BigInt(runningPriority(view(s), bits));
    case 'ICV_HPPIR0_EL1':
    case 'ICV_HPPIR1_EL1': {
      const n = hppviIndex(s);
      const want = name === 'ICV_HPPIR0_EL1' ? 0 : 1;
      return BigInt(n >= 0 && lrGroup(s, n) === want ? s.lrLo[n]! & 0xffffff : SPURIOUS);
    }
  }
  const ap = /^ICV_AP([01])R([0-3])_EL1$/.exec(name);
  if (ap) return BigInt(s.apr[Number(ap[1]) * 4 + Number(ap[2])]! >>> 0);
  return undefined;
}

const setField = (vmcr: number, shift: number, width: number, v: number): number =>
  ((vmcr & ~(((1 << width) - 1) << shift)) | ((v & ((1 << width) - 1)) << shift)) >>> 0;

function writeIcv(vgic: VgicState, vcpu: number, name: string, value: bigint): void {
  const s = ichOf(vgic, vcpu);
  const bits = vgic.cfg.priorityBits;
  const lo = Number(value & 0xffffffffn);
  let vmcr = s.vmcr;
  switch (name) {
    case 'ICV_PMR_EL1':
      vmcr = setField(vmcr, ICH_VMCR_VPMR_SHIFT, 8, lo & priorityMask(bits));
      break;
    case 'ICV_BPR0_EL1':
      vmcr = setField(vmcr, ICH_VMCR_VBPR0_SHIFT, 3, lo & 7);
      break;
    case 'ICV_BPR1_EL1':
      if (vmcr & ICH_VMCR_VCBPR) return; // BPR1 aliases BPR0 + 1; writes are ignored
      vmcr = setField(vmcr, ICH_VMCR_VBPR1_SHIFT, 3, lo & 7);
      break;
    case 'ICV_CTLR_EL1':
      vmcr = setField(vmcr, 4, 1, lo & 1); // CBPR -> VCBPR
      vmcr = setField(vmcr, 9, 1, (lo >> 1) & 1); // EOImode -> VEOIM
      break;
    case 'ICV_IGRPEN0_EL1':
      vmcr = setField(vmcr, 0, 1, lo & 1);
      break;
    case 'ICV_IGRPEN1_EL1':
      vmcr = setField(vmcr, 1, 1, lo & 1);
      break;
    default: {
      const ap = /^ICV_AP([01])R([0-3])_EL1$/.exec(name);
      if (!ap) return;
      // Only as many APR words exist as there are preemption levels (1, 2 or 4).
      const n = Number(ap[2]);
      if (n < Math.max(1, 2 ** preemptionBits(bits) / 32)) s.apr[Number(ap[1]) * 4 + n] = lo >>> 0;
      return;
    }
  }
  // Binary points below the minimum read back as the minimum; VPMR keeps implemented bits only.
  s.vmcr = ichVmcrSanitize(vmcr, bits, vgic.cfg.model === 3);
}

export type IcvResult =
  { ok: true; value: bigint; ack?: IcvAckResult; eoi?: IcvEoiResult } | { ok: false; problem: string };

/**
 * One guest access to a virtual CPU interface register (ICV_ or ICC_ name). Never throws: an
 * unknown register, a write to a read-only one or a read of a write-only one is a problem result.
 * Acknowledges, EOIs and DIR writes carry their detailed result.
 */
export function icvAccess(
  vgic: VgicState,
  vcpu: number,
  regName: string,
  write: boolean,
  value = 0n,
  direct?: DirectVlpi,
): IcvResult {
  const reg = findIcvRegister(regName);
  if (!reg) return { ok: false, problem: `no such ICV register: ${regName}` };
  if (!vgic.vcpus[vcpu]) return { ok: false, problem: `no vCPU ${vcpu}` };
  if (write && reg.access === 'ro') return { ok: false, problem: `${reg.name} is read-only` };
  if (!write && reg.access === 'wo') return { ok: false, problem: `${reg.name} is write-only` };
  switch (reg.name) {
    case 'ICV_IAR0_EL1':
    case 'ICV_IAR1_EL1': {
      const ack = icvAcknowledge(vgic, vcpu, reg.name === 'ICV_IAR0_EL1' ? 0 : 1, direct);
      return { ok: true, value: BigInt(ack.intid), ack };
    }
    case 'ICV_EOIR0_EL1':
    case 'ICV_EOIR1_EL1': {
      const eoi = icvEndOfInterrupt(
        vgic,
        vcpu,
        reg.name === 'ICV_EOIR0_EL1' ? 0 : 1,
        Number(value & 0xffffffn),
      );
      return { ok: true, value, eoi };
    }
    case 'ICV_DIR_EL1':
      return { ok: true, value, eoi: icvDeactivate(vgic, vcpu, Number(value & 0xffffffn)) };
  }
  if (write) {
    writeIcv(vgic, vcpu, reg.name, value);
    return { ok: true, value };
  }
  return { ok: true, value: readIcv(vgic, vcpu, reg.name) ?? 0n };
}

/** Reads an ICV register without side effects (IAR reads as the HPPVI it would return). */
export function icvPeek(vgic: VgicState, vcpu: number, regName: string): bigint | undefined {
  const reg = findIcvRegister(regName);
  if (!reg || reg.access === 'wo' || !vgic.vcpus[vcpu]) return undefined;
  if (reg.name === 'ICV_IAR0_EL1' || reg.name === 'ICV_IAR1_EL1') {
    const s = ichOf(vgic, vcpu);
    const n = hppviIndex(s);
    const group = reg.name === 'ICV_IAR0_EL1' ? 0 : 1;
    if (n < 0 || lrGroup(s, n) !== group || !canPreempt(s, vgic.cfg.priorityBits, n)) return BigInt(SPURIOUS);
    return BigInt(s.lrLo[n]! & 0xffffff);
  }
  return readIcv(vgic, vcpu, reg.name);
}
