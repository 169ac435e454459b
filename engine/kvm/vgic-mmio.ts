/**
 * The guest's GICv3 distributor and redistributors as KVM emulates them: the register tables of
 * vgic-mmio-v3.c (vgic_v3_dist_registers, vgic_v3_rd_registers) and the per-interrupt handlers of
 * vgic-mmio.c, acting on the vgic state (vgic-state.ts). A guest load or store to the GICD frame
 * or to a vCPU's GICR frames exits to KVM, which finds the register and runs its handler; this
 * module is that handler. Sources: Linux vgic-mmio-v3.c (oupton mirror @908fb3b9d091) and
 * vgic-mmio.c (@a2f0dc060674), reference §1.2, §1.3, §2.1, §2.2, §5.4, §6.3, §6.10.
 *
 * How KVM emulates the frames
 * ---------------------------
 * - **Finding the register.** A region matches the offset; the access must be 8, 32 or 64 bits
 *   as the region allows (never 16), naturally aligned, and a per-interrupt register must name an
 *   INTID below nr_spis + 32 (check_region). Anything else finds no region: a read returns 0 and a
 *   write is dropped. Here that is `ok: false` with the reason; the caller makes it RAZ/WI.
 *   Registers KVM's tables leave out are unmapped too: GICD_NSACR, GICD_SGIR, GICD_[CS]PENDSGIR,
 *   GICD_SETSPI_*, GICR_SETLPIR/CLRLPIR, the extended SPI/PPI ranges.
 * - **Affinity routing only.** GICD_CTLR reads ARE and DS as 1; the distributor's rows for INTIDs
 *   0..31 are a separate RAZ/WI region (they are banked in each vCPU's SGI_base frame).
 * - **One distributor enable.** GICD_CTLR.EnableGrp1 is dist->enabled; EnableGrp0 is RAZ/WI.
 *   Turning it on kicks, through vgic_kick_vcpus, every vCPU whose ap_list has something to take
 *   (`kickAll`, the vCPUs in `queued`); it queues nothing. An interrupt that became pending while
 *   the distributor was off was sent nowhere by the target oracle, and stays off every ap_list
 *   until something queues it again (an injection, an ISPENDR/ISENABLER/IGROUPR write).
 * - **Queueing.** The writes that can make an interrupt deliverable end in vgic_queue_irq_unlock
 *   (`vgicQueueIrq`): ISENABLER, ISPENDR, ISACTIVER (when the interrupt is left active) and
 *   IGROUPR, which queues each of its 32 interrupts whatever the bit. Writes that can only make one
 *   undeliverable (ICENABLER, ICPENDR, ICACTIVER) change the vgic_irq and leave it listed: the
 *   prune at the vCPU's next exit takes it off. ICFGR, IPRIORITYR and IROUTER queue nothing, even
 *   when the change makes an interrupt pending (a level line already high becoming level) or
 *   moves it (a new route): KVM leaves that to the next queue or prune. Every vCPU a queue call
 *   names, queued or already listed, is in `queued` (KVM kicks it either way).
 * - **Pending.** A read is irq_is_pending: the latch, or the line for a level interrupt. ISPENDR
 *   sets the latch; ICPENDR clears only the latch, so a level interrupt whose line is high stays
 *   pending. (The userspace paths, which read and write the raw latch, are not modelled.)
 * - **Priority.** Stored with the low bits cleared to VGIC_PRI_BITS = 5 (mask 0xF8), whatever the
 *   VM's ICH_VTR_EL2.PRIbits: vgic_mmio_write_priority masks with the constant. Byte or word.
 * - **Trigger.** SGIs and PPIs are fixed (the arch timer needs its PPIs level): ICFGR0/1 of the
 *   SGI frame ignore writes. SPIs take bit 2k+1 of each field.
 * - **IROUTER.** Only Aff2.Aff1.Aff0 are kept; IRM and the upper word (Aff3) are RAZ/WI, so
 *   1-of-N routing is not emulated (`vgicSetSpiAffinity`).
 * - **Active.** KVM halts every vCPU around an ISACTIVER/ICACTIVER access (kvm_arm_halt_guest),
 *   so that no LR holds a stale copy of the state it reads or writes: for SPIs always, for private
 *   interrupts when another vCPU than the frame's own makes the access. The result says so
 *   (`haltGuest`); `vgicAccessHaltsGuest` answers it before the access, so the caller can exit the
 *   running vCPUs first (and fold their LRs), as KVM does.
 * - **LPIs (RD_base).** GICR_CTLR.EnableLPIs is writable only when the VM has an ITS. Setting it
 *   works from "disabled"; clearing it works too (CES reads 1 with implementation revision 3):
 *   KVM goes through RWP, flushes the vCPU's LPIs from its ap_list (vgic_flush_pending_lpis) and
 *   invalidates every vITS translation cache. Both changes come back as `lpisEnabledChanged`; the
 *   caller runs the flush and the invalidation on a disable, and on an enable whatever its kernel
 *   version does (the vgic-mmio-v3.c read here no longer calls vgic_enable_lpis, §5.4).
 *   GICR_PROPBASER is one value for the VM; a write is dropped while LPIs are enabled on the
 *   redistributor written through (KVM checks that vCPU only, not the others). GICR_PENDBASER is
 *   per vCPU, dropped while its LPIs are enabled; PTZ is stored and reads 0. Both are sanitised
 *   (vgic_sanitise_*, shared with the physical model's kvm profile).
 * - **Direct invalidation.** GICR_INVLPIR and GICR_INVALLR re-read LPI configuration from the
 *   property table in guest memory (vgic_its_inv_lpi, vgic_its_invall): that needs the LPI
 *   module, so the write returns `invLpi` / `invAll` for the caller. KVM drops the write while the
 *   vCPU's LPIs are disabled or when only the upper word (the vPE form) is written, and
 *   vgic_get_irq decides what the INTID names: a mapped LPI or also an SPI (KVM would re-read an
 *   SPI's "configuration byte" from below the property table; the caller decides). GICR_SYNCR
 *   reads 0: the work is done inside the write.
 * - **Constant registers.** GICD_TYPER (ITLinesNumber, LPIS and IDbits 15 with an ITS, IDbits 9
 *   without; no MBIS, A3V, No1N, ESPI), GICD_TYPER2 0 (no GICv4.1 vSGIs), GICD_IIDR 0x4B00343B
 *   and GICR_IIDR 0x4B00043B (the kvm profile, implementation revision 3), GICD_STATUSR all ones,
 *   GICR_STATUSR and GICR_WAKER RAZ/WI, PIDR2 0x3B with every other ID register 0. Writes to the
 *   read-only ones are ignored (`ok`, with a note), as KVM's write handlers ignore them.
 * - **GICR_TYPER.** Aff2..Aff0 of the vCPU's MPIDR in [55:32], Processor_Number = the vCPU's
 *   vcpu_id (its index here), PLPIS with an ITS, Last on the last vCPU: the model places all
 *   redistributors in one region in vCPU order, so KVM's region walk reduces to that.
 *
 * HW-mapped interrupts, as far as the state model goes: the physical side is not state here, so
 * what KVM asks of the host interrupt (irq_set_irqchip_state active/pending, enable_irq /
 * disable_irq_nosync and its_prop_update_vsgi for a GICv4.1 vSGI) comes back in `host` for the
 * wiring to apply. ISENABLER of a mapped level interrupt re-reads its line (`ctx.phys`, else the
 * last level KVM saw) and deactivates the host interrupt if the line dropped; a pending read of
 * one reports the physical line, as KVM does for the guest. Not modelled: a vSGI's pending state
 * (it lives in the host GIC: reads 0, with a note), GICD_CTLR.nASSGIreq and GICD_TYPER2.nASSGIcap
 * (no GICv4.1 here), implementation revision 2, the GICv2 frames (a GICv2 guest gets `ok: false`),
 * and userspace's KVM_DEV_ARM_VGIC_GRP_DIST_REGS/REDIST_REGS accessors.
 *
 * Nothing here throws: bad offsets, widths, vCPUs or values come back as `ok: false` with a reason.
 */

import { GICD_REGISTERS } from '../gic/distributor';
import type { GicMachine } from '../gic/gic-machine';
import { GIC_RULES } from '../gic/gic-rules';
import { priorityMask } from '../gic/priority';
import {
  GICR_REGISTERS,
  PENDBASER_RES0,
  PROPBASER_RES0,
  PTZ,
  sanitiseAttributes,
} from '../gic/redistributor';
import {
  coresightIdRegisters,
  defineTable,
  findByName,
  hex,
  locate,
  merge,
  mmioRead,
  mmioWrite,
  type AccessProblem,
  type AccessWidth,
  type FieldDef,
  type RegisterDef,
  type RegisterTable,
} from '../gic/registers';
import { vgicKickVcpus, vgicQueueIrq } from './ap-list';
import type { VgicPhysLines } from './list-registers';
import {
  irqIsPending,
  NO_VCPU,
  VGIC_CONFIG_EDGE,
  VGIC_CONFIG_LEVEL,
  VGIC_NR_PRIVATE_IRQS,
  vgicIrqIsMappedLevel,
  vgicIrqIsSgi,
  type VgicIrq,
} from './vgic-irq';
import { vgicGetIrq, vgicSetSpiAffinity, type VgicState } from './vgic-state';

// ---- The interface ------------------------------------------------------------------------------

export interface VgicMmioContext {
  vgic: VgicState;
  /**
   * vgic_get_phys_line_level for HW-mapped level interrupts (ISENABLER re-reads the line, a
   * pending read reports it). Absent: the last level KVM saw, `irq.lineLevel`.
   */
  phys?: VgicPhysLines;
}

/** Something KVM asks of the host interrupt behind a HW-mapped vgic_irq. */
export interface VgicHostIrqOp {
  /** The virtual INTID. */
  intid: number;
  /** irq->host_irq and irq->hwintid. */
  hostIrq: number;
  hwintid: number;
  /**
   * set-/clear-active, set-/clear-pending: irq_set_irqchip_state(host_irq, ACTIVE or PENDING).
   * enable/disable: enable_irq / disable_irq_nosync of a GICv4.1 vSGI. update-vsgi:
   * its_prop_update_vsgi (a vSGI's priority or group changed).
   */
  op: 'set-active' | 'clear-active' | 'set-pending' | 'clear-pending' | 'enable' | 'disable' | 'update-vsgi';
}

export interface VgicMmioResult {
  /** false: the access is not to a register (unmapped offset / bad width); KVM makes it RAZ/WI, the caller records why. */
  ok: boolean;
  /** Read value (0n for writes). */
  value: bigint;
  /** Spec name of the register instance ('GICD_ISENABLER1', 'GICR_CTLR'), or '' when none. */
  reg: string;
  /** When !ok, or a note ("write ignored: ...") for a WI. */
  reason?: string;
  /** vCPUs to kick: vgic_queue_irq_unlock made an IRQ reach a vCPU's ap_list (QueueResult.kick from ap-list.ts). */
  queued: number[];
  /** GICR_CTLR.EnableLPIs changed: the caller syncs pending tables (its_sync_lpi_pending_table) or flushes (vgic_flush_pending_lpis). */
  lpisEnabledChanged?: { vcpu: number; enabled: boolean };
  /** GICD_CTLR enable changed: vgic_kick_vcpus. */
  kickAll?: boolean;
  /** KVM halted every vCPU around this access (kvm_arm_halt_guest: ISACTIVER/ICACTIVER). */
  haltGuest?: boolean;
  /** What KVM asked of the host interrupts behind HW-mapped IRQs, in order. */
  host?: VgicHostIrqOp[];
  /** GICR_INVLPIR: vgic_its_inv_lpi, re-read this INTID's configuration from the property table. */
  invLpi?: { vcpu: number; intid: number };
  /** GICR_INVALLR: vgic_its_invall, re-read the configuration of every LPI targeting this vCPU. */
  invAll?: { vcpu: number };
}

/** One access in progress: what the register handlers see (the M of the register tables). */
export interface VgicMmioAccess {
  ctx: VgicMmioContext;
  /** The vCPU making the access (kvm_get_running_vcpu). */
  accessor: number;
  out: VgicMmioResult;
  notes: string[];
}

type Reg = RegisterDef<VgicMmioAccess, number>;

// ---- Constants ----------------------------------------------------------------------------------

const KVM = GIC_RULES.kvm;
/** The GICD frame (KVM_VGIC_V3_DIST_SIZE) and a redistributor: RD_base and SGI_base (2 x 64 KiB). */
export const VGICD_FRAME_SIZE = 0x10000;
export const VGICR_FRAME_SIZE = 0x20000;
export const VGICR_SGI_BASE = 0x10000;
/** VGIC_PRI_BITS: the priority bits vgic_mmio_write_priority keeps (mask 0xF8). */
export const VGIC_PRI_BITS = 5;
const PRIORITY_KEEP = priorityMask(VGIC_PRI_BITS);
const GICD_CTLR_ENABLE_SS_G1 = 1n << 1n;
const GICD_CTLR_NASSGIREQ = 1n << 8n;
const GICR_CTLR_ENABLE_LPIS = 1n;
const GICR_TYPER_PLPIS = 1;
const GICR_TYPER_LAST = 1 << 4;
const LO32 = 0xffffffffn;
const PRIVATE_ROWS = 'INTIDs 0-31 are banked in the redistributors (ARE = 1)';

/**
 * redistributor.ts's KVM sanitising (vgic_sanitise_*) keys on the machine's profile and reads
 * nothing else of it; the vgic has no GicMachine, so it is called with the profile alone.
 */
const KVM_PROFILE_ONLY = { profile: 'kvm' } as Pick<GicMachine, 'profile'> as GicMachine;
const sanitise = (v: bigint): bigint => sanitiseAttributes(KVM_PROFILE_ONLY, v);

// ---- Small helpers ------------------------------------------------------------------------------

const note = (a: VgicMmioAccess, text: string): void => {
  if (!a.notes.includes(text)) a.notes.push(text);
};

/** vgic_queue_irq_unlock, recording the vCPU it kicks. */
function queue(a: VgicMmioAccess, irq: VgicIrq): void {
  const q = vgicQueueIrq(a.ctx.vgic, irq);
  if (q.kick !== NO_VCPU && !a.out.queued.includes(q.kick)) a.out.queued.push(q.kick);
}

function hostOp(a: VgicMmioAccess, irq: VgicIrq, op: VgicHostIrqOp['op']): void {
  (a.out.host ??= []).push({ intid: irq.intid, hostIrq: irq.hostIrq, hwintid: irq.hwintid, op });
}

/** A GICv4.1 vSGI: an SGI backed by the host GIC. */
const isHwSgi = (irq: VgicIrq): boolean => irq.hw && vgicIrqIsSgi(irq.intid);

const physLevel = (a: VgicMmioAccess, irq: VgicIrq): boolean =>
  a.ctx.phys ? a.ctx.phys.lineLevel(irq) : irq.lineLevel;

function fieldsOf<M, C>(table: RegisterTable<M, C>, name: string): readonly FieldDef[] | undefined {
  return findByName(table, name)?.def.fields;
}

// ---- Per-interrupt behaviour (vgic-mmio.c), for a guest access -----------------------------------

/** vgic_mmio_write_group: every bit of the register is written, and every IRQ queued. */
function writeGroup(a: VgicMmioAccess, irq: VgicIrq, bit: boolean): void {
  irq.group = bit ? 1 : 0;
  if (isHwSgi(irq)) hostOp(a, irq, 'update-vsgi');
  else queue(a, irq);
}

/** vgic_mmio_write_senable. */
function setEnabled(a: VgicMmioAccess, irq: VgicIrq): void {
  if (isHwSgi(irq)) {
    if (!irq.enabled) {
      irq.enabled = true;
      hostOp(a, irq, 'enable');
    }
    return;
  }
  if (vgicIrqIsMappedLevel(irq)) {
    // The device may have changed while the interrupt was disabled at the vgic: re-read the line,
    // and deactivate the host interrupt so that the host GIC reports the next assertion.
    const wasHigh = irq.lineLevel;
    irq.lineLevel = physLevel(a, irq);
    if (!irq.active && wasHigh && !irq.lineLevel) hostOp(a, irq, 'clear-active');
  }
  irq.enabled = true;
  queue(a, irq);
}

/** vgic_mmio_write_cenable: the IRQ stays listed until the next prune. */
function clearEnabled(a: VgicMmioAccess, irq: VgicIrq): void {
  if (isHwSgi(irq) && irq.enabled) hostOp(a, irq, 'disable');
  irq.enabled = false;
}

/** vgic_mmio_read_pending (the guest's view, not userspace's raw latch). */
function readPending(a: VgicMmioAccess, irq: VgicIrq): boolean {
  if (isHwSgi(irq)) {
    note(a, "a GICv4.1 vSGI's pending state is in the host GIC (not modelled): read as 0");
    return false;
  }
  if (vgicIrqIsMappedLevel(irq)) return physLevel(a, irq);
  return irqIsPending(irq);
}

/** vgic_mmio_write_spending (__set_pending, guest). */
function setPending(a: VgicMmioAccess, irq: VgicIrq): void {
  if (isHwSgi(irq)) return hostOp(a, irq, 'set-pending');
  irq.pendingLatch = true;
  // Keep the host interrupt from firing again while the virtual one is pending.
  if (irq.hw) hostOp(a, irq, 'set-active');
  queue(a, irq);
}

/** vgic_mmio_write_cpending (__clear_pending, guest): only the latch; a high level line stays. */
function clearPending(a: VgicMmioAccess, irq: VgicIrq): void {
  if (isHwSgi(irq)) return hostOp(a, irq, 'clear-pending');
  irq.pendingLatch = false;
  if (irq.hw) {
    // vgic_hw_irq_cpending: the guest must not mask the host interrupt with ISPENDR + ICPENDR.
    hostOp(a, irq, 'clear-pending');
    if (!irq.active) hostOp(a, irq, 'clear-active');
  }
}

/** vgic_mmio_change_active from a running vCPU (requester_vcpu set). */
function changeActive(a: VgicMmioAccess, irq: VgicIrq, active: boolean): void {
  if (irq.hw && !vgicIrqIsSgi(irq.intid)) {
    irq.active = active;
    hostOp(a, irq, active ? 'set-active' : 'clear-active');
  } else if (irq.hw) {
    irq.active = false; // a GICv4.1 vSGI has no active state
  } else {
    irq.active = active;
  }
  if (irq.active) queue(a, irq);
}

// ---- Register bodies shared by the two frames ----------------------------------------------------

interface BitOps {
  read: (a: VgicMmioAccess, irq: VgicIrq) => boolean;
  /** Called for the set bits only, unless `everyBit`. */
  write: (a: VgicMmioAccess, irq: VgicIrq, bit: boolean) => void;
  everyBit?: boolean;
  /** ISACTIVER/ICACTIVER: KVM halts the guest around the access. */
  active?: boolean;
}

const GROUP: BitOps = { read: (_a, irq) => irq.group === 1, write: writeGroup, everyBit: true };
const SENABLE: BitOps = { read: (_a, irq) => irq.enabled, write: setEnabled };
const CENABLE: BitOps = { read: (_a, irq) => irq.enabled, write: clearEnabled };
const SPEND: BitOps = { read: readPending, write: setPending };
const CPEND: BitOps = { read: readPending, write: clearPending };
const SACTIVE: BitOps = {
  read: (_a, irq) => irq.active,
  write: (a, irq) => changeActive(a, irq, true),
  active: true,
};
const CACTIVE: BitOps = {
  read: (_a, irq) => irq.active,
  write: (a, irq) => changeActive(a, irq, false),
  active: true,
};

function readBitsOf(a: VgicMmioAccess, vcpu: number, first: number, ops: BitOps): bigint {
  let v = 0;
  for (let i = 0; i < 32; i++) {
    const irq = vgicGetIrq(a.ctx.vgic, vcpu, first + i);
    if (irq && ops.read(a, irq)) v |= 1 << i;
  }
  return BigInt(v >>> 0);
}

function writeBitsOf(
  a: VgicMmioAccess,
  vcpu: number,
  first: number,
  ops: BitOps,
  value: bigint,
  mask: bigint,
): void {
  for (let i = 0; i < 32; i++) {
    if (((mask >> BigInt(i)) & 1n) === 0n) continue;
    const bit = ((value >> BigInt(i)) & 1n) === 1n;
    if (!bit && !ops.everyBit) continue;
    const irq = vgicGetIrq(a.ctx.vgic, vcpu, first + i);
    if (irq) ops.write(a, irq, bit);
  }
}

/** vgic_mmio_read_priority: one byte per INTID. */
function readPriority(a: VgicMmioAccess, vcpu: number, first: number): bigint {
  let v = 0;
  for (let b = 0; b < 4; b++) {
    const irq = vgicGetIrq(a.ctx.vgic, vcpu, first + b);
    if (irq) v |= irq.priority << (8 * b);
  }
  return BigInt(v >>> 0);
}

/** vgic_mmio_write_priority: the bytes written, narrowed to VGIC_PRI_BITS. */
function writePriority(a: VgicMmioAccess, vcpu: number, first: number, value: bigint, mask: bigint): void {
  for (let b = 0; b < 4; b++) {
    if (((mask >> BigInt(8 * b)) & 0xffn) === 0n) continue;
    const irq = vgicGetIrq(a.ctx.vgic, vcpu, first + b);
    if (!irq) continue;
    irq.priority = Number((value >> BigInt(8 * b)) & 0xffn) & PRIORITY_KEEP;
    if (isHwSgi(irq)) hostOp(a, irq, 'update-vsgi');
  }
}

/** vgic_mmio_read_config: 0b10 per edge-triggered INTID. */
function readConfig(a: VgicMmioAccess, vcpu: number, first: number): bigint {
  let v = 0;
  for (let k = 0; k < 16; k++) {
    const irq = vgicGetIrq(a.ctx.vgic, vcpu, first + k);
    if (irq?.config === VGIC_CONFIG_EDGE) v |= 2 << (2 * k);
  }
  return BigInt(v >>> 0);
}

/** vgic_mmio_write_config: SGIs and PPIs are fixed; an SPI is edge if bit 2k+1 is set. */
function writeConfig(a: VgicMmioAccess, vcpu: number, first: number, value: bigint, mask: bigint): void {
  for (let k = 0; k < 16; k++) {
    if (((mask >> BigInt(2 * k + 1)) & 1n) === 0n) continue;
    if (first + k < VGIC_NR_PRIVATE_IRQS) {
      note(a, 'write ignored: SGI and PPI trigger modes are fixed');
      continue;
    }
    const irq = vgicGetIrq(a.ctx.vgic, vcpu, first + k);
    if (irq) irq.config = ((value >> BigInt(2 * k + 1)) & 1n) === 1n ? VGIC_CONFIG_EDGE : VGIC_CONFIG_LEVEL;
  }
}

const raz = (): bigint => 0n;
const wi =
  (why: string) =>
  (a: VgicMmioAccess): void =>
    note(a, `write ignored: ${why}`);

// ---- The distributor (vgic_v3_dist_registers) ----------------------------------------------------

/**
 * One row of a per-interrupt register: register n covers INTIDs 32n..32n+31 (n = 0: the private
 * rows, RAZ/WI). vgic_mmio_read/write_* of vgic-mmio.c on the SPIs.
 */
function distBits(name: string, offset: number, ops: BitOps): Reg {
  return {
    name,
    offset,
    size: 4,
    count: 32,
    widths: [32],
    access: 'rw',
    read: (a, c, n) => {
      if (n === 0) return raz();
      if (ops.active) a.out.haltGuest = true;
      return readBitsOf(a, c, 32 * n, ops);
    },
    write: (a, c, n, value, mask) => {
      if (n === 0) return wi(PRIVATE_ROWS)(a);
      if (ops.active) a.out.haltGuest = true;
      writeBitsOf(a, c, 32 * n, ops, value, mask);
    },
  };
}

/** GICD_TYPER as vgic_mmio_read_v3_misc builds it. */
export function vgicdTyper(vgic: VgicState): number {
  const itLines = (vgic.dist.nrSpis + VGIC_NR_PRIVATE_IRQS) / 32 - 1;
  const lpis = vgic.dist.lpisSupported;
  const idBits = lpis ? 15 : KVM.gicdIdBitsNoLpis; // INTERRUPT_ID_BITS_ITS / _SPIS, minus one
  return (itLines | (lpis ? 1 << 17 : 0) | (idBits << 19) | KVM.gicdTyperExtra) >>> 0;
}

export const VGICD_REGISTERS: RegisterTable<VgicMmioAccess, number> = defineTable<VgicMmioAccess, number>(
  'GICD',
  [
    {
      name: 'GICD_CTLR',
      offset: 0x0000,
      size: 4,
      widths: [32],
      access: 'rw',
      fields: fieldsOf(GICD_REGISTERS, 'GICD_CTLR'),
      doc: 'EnableGrp1 is dist->enabled; ARE and DS read 1; RWP reads 0.',
      read: (a) => BigInt(((a.ctx.vgic.dist.enabled ? 2 : 0) | KVM.gicdCtlrFixed) >>> 0),
      write: (a, _c, _n, value) => {
        const vgic = a.ctx.vgic;
        const was = vgic.dist.enabled;
        vgic.dist.enabled = (value & GICD_CTLR_ENABLE_SS_G1) !== 0n;
        if (value & GICD_CTLR_NASSGIREQ) note(a, 'nASSGIreq ignored: no GICv4.1 vSGIs');
        if (!was && vgic.dist.enabled) {
          // vgic_kick_vcpus: nothing is queued, only vCPUs with something listed are kicked.
          a.out.kickAll = true;
          for (const v of vgicKickVcpus(vgic)) if (!a.out.queued.includes(v)) a.out.queued.push(v);
        }
      },
    },
    {
      name: 'GICD_TYPER',
      offset: 0x0004,
      size: 4,
      widths: [32],
      access: 'ro',
      fields: fieldsOf(GICD_REGISTERS, 'GICD_TYPER'),
      read: (a) => BigInt(vgicdTyper(a.ctx.vgic)),
    },
    {
      name: 'GICD_IIDR',
      offset: 0x0008,
      size: 4,
      widths: [32],
      access: 'ro',
      fields: fieldsOf(GICD_REGISTERS, 'GICD_IIDR'),
      read: () => BigInt(KVM.gicdIidr),
    },
    // nASSGIcap only with GICv4.1 and vSGI support, which the model does not have.
    { name: 'GICD_TYPER2', offset: 0x000c, size: 4, widths: [32], access: 'ro', read: raz },
    {
      name: 'GICD_STATUSR',
      offset: 0x0010,
      size: 4,
      widths: [32],
      access: 'rw',
      read: () => BigInt(KVM.gicdStatusr), // vgic_mmio_read_rao
      write: wi('GICD_STATUSR reads as ones and ignores writes in KVM'),
    },
    distBits('GICD_IGROUPR<n>', 0x0080, GROUP),
    distBits('GICD_ISENABLER<n>', 0x0100, SENABLE),
    distBits('GICD_ICENABLER<n>', 0x0180, CENABLE),
    distBits('GICD_ISPENDR<n>', 0x0200, SPEND),
    distBits('GICD_ICPENDR<n>', 0x0280, CPEND),
    distBits('GICD_ISACTIVER<n>', 0x0300, SACTIVE),
    distBits('GICD_ICACTIVER<n>', 0x0380, CACTIVE),
    {
      name: 'GICD_IPRIORITYR<n>',
      offset: 0x0400,
      size: 4,
      count: 255,
      widths: [8, 32],
      access: 'rw',
      read: (a, c, n) => (n < 8 ? raz() : readPriority(a, c, 4 * n)),
      write: (a, c, n, value, mask) =>
        n < 8 ? wi(PRIVATE_ROWS)(a) : writePriority(a, c, 4 * n, value, mask),
    },
    {
      name: 'GICD_ITARGETSR<n>',
      offset: 0x0800,
      size: 4,
      count: 255,
      widths: [8, 32],
      access: 'rw',
      read: raz,
      write: wi('GICD_ITARGETSR is RES0 with affinity routing'),
    },
    {
      name: 'GICD_ICFGR<n>',
      offset: 0x0c00,
      size: 4,
      count: 64,
      widths: [32],
      access: 'rw',
      read: (a, c, n) => (n < 2 ? raz() : readConfig(a, c, 16 * n)),
      write: (a, c, n, value, mask) => (n < 2 ? wi(PRIVATE_ROWS)(a) : writeConfig(a, c, 16 * n, value, mask)),
    },
    {
      name: 'GICD_IGRPMODR<n>',
      offset: 0x0d00,
      size: 4,
      count: 32,
      widths: [32],
      access: 'rw',
      read: raz,
      write: wi('one Security state (DS = 1): GICD_IGRPMODR is RAZ/WI'),
    },
    {
      name: 'GICD_IROUTER<n>',
      offset: 0x6000,
      size: 8,
      count: 1020,
      widths: [32, 64],
      access: 'rw',
      fields: fieldsOf(GICD_REGISTERS, 'GICD_IROUTER32'),
      doc: 'Aff2.Aff1.Aff0 only; IRM and Aff3 are RAZ/WI.',
      read: (a, _c, n) => {
        if (n < VGIC_NR_PRIVATE_IRQS) return raz();
        const irq = vgicGetIrq(a.ctx.vgic, NO_VCPU, n);
        return irq ? BigInt(irq.mpidr >>> 0) : 0n;
      },
      write: (a, _c, n, value, mask) => {
        if (n < VGIC_NR_PRIVATE_IRQS) return wi(PRIVATE_ROWS)(a);
        if ((mask & LO32) === 0n) return wi('the upper word of GICD_IROUTER (Aff3) is RAZ/WI in KVM')(a);
        const irq = vgicGetIrq(a.ctx.vgic, NO_VCPU, n);
        if (!irq) return;
        const lo = Number(value & LO32);
        if ((lo & ~0xffffff) !== 0 || (value & mask & ~LO32) !== 0n)
          note(a, 'IRM and Aff3 ignored: KVM keeps Aff2.Aff1.Aff0 only (no 1-of-N routing)');
        vgicSetSpiAffinity(a.ctx.vgic, irq, lo);
      },
    },
    ...coresightIdRegisters<VgicMmioAccess, number>(
      'GICD',
      () => KVM.gicdPidr,
      () => [0, 0, 0, 0],
    ),
  ],
);

// ---- The redistributor: RD_base and SGI_base (vgic_v3_rd_registers) -------------------------------

/**
 * A per-interrupt register of the SGI_base frame: the 32 private IRQs of the frame's vCPU. KVM
 * halts the guest around an active-state access made by another vCPU than the frame's own.
 */
function sgiBits(name: string, offset: number, ops: BitOps): Reg {
  const halt = (a: VgicMmioAccess, c: number): void => {
    if (ops.active && a.accessor !== c) a.out.haltGuest = true;
  };
  return {
    name,
    offset: VGICR_SGI_BASE + offset,
    size: 4,
    widths: [32],
    access: 'rw',
    read: (a, c) => {
      halt(a, c);
      return readBitsOf(a, c, 0, ops);
    },
    write: (a, c, _n, value, mask) => {
      halt(a, c);
      writeBitsOf(a, c, 0, ops, value, mask);
    },
  };
}

/** GICR_TYPER as vgic_mmio_read_v3r_typer builds it. */
export function vgicrTyper(vgic: VgicState, vcpu: number): bigint {
  const aff = (vgic.vcpus[vcpu]?.mpidr ?? 0) & 0xffffff;
  let low = (vcpu & 0xffff) << 8;
  if (vgic.dist.lpisSupported) low |= GICR_TYPER_PLPIS;
  if (vcpu === vgic.vcpus.length - 1) low |= GICR_TYPER_LAST;
  return (BigInt(aff) << 32n) | BigInt(low >>> 0);
}

export const VGICR_REGISTERS: RegisterTable<VgicMmioAccess, number> = defineTable<VgicMmioAccess, number>(
  'GICR',
  [
    // ------------------------------------------------------------------------------ RD_base
    {
      name: 'GICR_CTLR',
      offset: 0x0000,
      size: 4,
      widths: [32],
      access: 'rw',
      fields: fieldsOf(GICR_REGISTERS, 'GICR_CTLR'),
      doc: 'EnableLPIs (with an ITS); IR and CES read 1; RWP never seen by the guest.',
      read: (a, c) => BigInt(((a.ctx.vgic.vcpus[c]!.lpisEnabled ? 1 : 0) | KVM.gicrCtlrFixed) >>> 0),
      write: (a, c, _n, value) => {
        const vgic = a.ctx.vgic;
        const cpu = vgic.vcpus[c]!;
        if (!vgic.dist.lpisSupported) return wi('the VM has no ITS: EnableLPIs is RES0')(a);
        const want = (value & GICR_CTLR_ENABLE_LPIS) !== 0n;
        if (want === cpu.lpisEnabled) return;
        // Enable: cmpxchg(0 -> EnableLPIs). Disable: EnableLPIs -> RWP, flush this vCPU's LPIs,
        // invalidate the vITS caches, -> 0 (the caller does the flush and the invalidation).
        cpu.lpisEnabled = want;
        a.out.lpisEnabledChanged = { vcpu: c, enabled: want };
      },
    },
    {
      name: 'GICR_IIDR',
      offset: 0x0004,
      size: 4,
      widths: [32],
      access: 'ro',
      read: () => BigInt(KVM.gicrIidr),
    },
    {
      name: 'GICR_TYPER',
      offset: 0x0008,
      size: 8,
      widths: [32, 64],
      access: 'ro',
      fields: fieldsOf(GICR_REGISTERS, 'GICR_TYPER'),
      read: (a, c) => vgicrTyper(a.ctx.vgic, c),
    },
    {
      name: 'GICR_STATUSR',
      offset: 0x0010,
      size: 4,
      widths: [32],
      access: 'rw',
      read: raz,
      write: wi('GICR_STATUSR is RAZ/WI in KVM'),
    },
    {
      name: 'GICR_WAKER',
      offset: 0x0014,
      size: 4,
      widths: [32],
      access: 'rw',
      fields: fieldsOf(GICR_REGISTERS, 'GICR_WAKER'),
      read: raz,
      write: wi('GICR_WAKER is RAZ/WI in KVM: the vCPU always looks awake'),
    },
    {
      name: 'GICR_PROPBASER',
      offset: 0x0070,
      size: 8,
      widths: [32, 64],
      access: 'rw',
      fields: fieldsOf(GICR_REGISTERS, 'GICR_PROPBASER'),
      doc: 'One value for the VM (vgic_dist.propbaser).',
      read: (a) => a.ctx.vgic.dist.propbaser,
      write: (a, c, _n, value, mask) => {
        const vgic = a.ctx.vgic;
        if (vgic.vcpus[c]!.lpisEnabled) return wi('LPIs are enabled on this redistributor')(a);
        vgic.dist.propbaser = sanitise(merge(vgic.dist.propbaser, value, mask) & ~PROPBASER_RES0);
      },
    },
    {
      name: 'GICR_PENDBASER',
      offset: 0x0078,
      size: 8,
      widths: [32, 64],
      access: 'rw',
      fields: fieldsOf(GICR_REGISTERS, 'GICR_PENDBASER'),
      read: (a, c) => a.ctx.vgic.vcpus[c]!.pendbaser & ~PTZ,
      write: (a, c, _n, value, mask) => {
        const cpu = a.ctx.vgic.vcpus[c]!;
        if (cpu.lpisEnabled) return wi('LPIs are enabled on this redistributor')(a);
        cpu.pendbaser = sanitise(merge(cpu.pendbaser, value, mask) & ~PENDBASER_RES0);
      },
    },
    {
      name: 'GICR_INVLPIR',
      offset: 0x00a0,
      size: 8,
      widths: [32, 64],
      access: 'rw',
      fields: fieldsOf(GICR_REGISTERS, 'GICR_INVLPIR'),
      read: raz,
      write: (a, c, _n, value, mask) => {
        if ((mask & LO32) === 0n) return wi('the upper word names a vPE, which KVM does not support')(a);
        if (!a.ctx.vgic.vcpus[c]!.lpisEnabled) return wi('LPIs are disabled on this redistributor')(a);
        const intid = Number(value & LO32);
        // vgic_get_irq(kvm, NULL, intid): an SPI or a mapped LPI; nothing for anything else.
        if (!vgicGetIrq(a.ctx.vgic, NO_VCPU, intid))
          return note(a, `INTID ${intid} names no interrupt: nothing to do`);
        a.out.invLpi = { vcpu: c, intid };
      },
    },
    {
      name: 'GICR_INVALLR',
      offset: 0x00b0,
      size: 8,
      widths: [32, 64],
      access: 'rw',
      fields: fieldsOf(GICR_REGISTERS, 'GICR_INVALLR'),
      read: raz,
      write: (a, c, _n, _value, mask) => {
        if ((mask & LO32) === 0n) return wi('the upper word names a vPE, which KVM does not support')(a);
        if (!a.ctx.vgic.vcpus[c]!.lpisEnabled) return wi('LPIs are disabled on this redistributor')(a);
        a.out.invAll = { vcpu: c };
      },
    },
    {
      name: 'GICR_SYNCR',
      offset: 0x00c0,
      size: 4,
      widths: [32],
      access: 'ro',
      fields: fieldsOf(GICR_REGISTERS, 'GICR_SYNCR'),
      doc: 'Busy only inside an INVLPIR/INVALLR write: reads 0.',
      read: raz,
    },
    ...coresightIdRegisters<VgicMmioAccess, number>(
      'GICR',
      () => KVM.gicrPidr,
      () => [0, 0, 0, 0],
    ),
    // ------------------------------------------------------------------------------ SGI_base
    sgiBits('GICR_IGROUPR0', 0x0080, GROUP),
    sgiBits('GICR_ISENABLER0', 0x0100, SENABLE),
    sgiBits('GICR_ICENABLER0', 0x0180, CENABLE),
    sgiBits('GICR_ISPENDR0', 0x0200, SPEND),
    sgiBits('GICR_ICPENDR0', 0x0280, CPEND),
    sgiBits('GICR_ISACTIVER0', 0x0300, SACTIVE),
    sgiBits('GICR_ICACTIVER0', 0x0380, CACTIVE),
    {
      name: 'GICR_IPRIORITYR<n>',
      offset: VGICR_SGI_BASE + 0x0400,
      size: 4,
      count: 8,
      widths: [8, 32],
      access: 'rw',
      read: (a, c, n) => readPriority(a, c, 4 * n),
      write: (a, c, n, value, mask) => writePriority(a, c, 4 * n, value, mask),
    },
    {
      name: 'GICR_ICFGR0',
      offset: VGICR_SGI_BASE + 0x0c00,
      size: 4,
      widths: [32],
      access: 'rw',
      read: (a, c) => readConfig(a, c, 0),
      write: (a, c, _n, value, mask) => writeConfig(a, c, 0, value, mask),
    },
    {
      name: 'GICR_ICFGR1',
      offset: VGICR_SGI_BASE + 0x0c04,
      size: 4,
      widths: [32],
      access: 'rw',
      read: (a, c) => readConfig(a, c, 16),
      write: (a, c, _n, value, mask) => writeConfig(a, c, 16, value, mask),
    },
    {
      name: 'GICR_IGRPMODR0',
      offset: VGICR_SGI_BASE + 0x0d00,
      size: 4,
      widths: [32],
      access: 'rw',
      read: raz,
      write: wi('one Security state (DS = 1): GICR_IGRPMODR0 is RAZ/WI'),
    },
    {
      name: 'GICR_NSACR',
      offset: VGICR_SGI_BASE + 0x0e00,
      size: 4,
      widths: [32],
      access: 'rw',
      read: raz,
      write: wi('one Security state (DS = 1): GICR_NSACR is RAZ/WI'),
    },
  ],
);

// ---- Dispatch -----------------------------------------------------------------------------------

/**
 * Bits per INTID of the distributor's per-interrupt registers: check_region refuses an access
 * whose first INTID is not below nr_spis + 32.
 */
const BITS_PER_IRQ: Readonly<Record<string, number>> = {
  'GICD_IGROUPR<n>': 1,
  'GICD_ISENABLER<n>': 1,
  'GICD_ICENABLER<n>': 1,
  'GICD_ISPENDR<n>': 1,
  'GICD_ICPENDR<n>': 1,
  'GICD_ISACTIVER<n>': 1,
  'GICD_ICACTIVER<n>': 1,
  'GICD_IPRIORITYR<n>': 8,
  'GICD_ITARGETSR<n>': 8,
  'GICD_ICFGR<n>': 2,
  'GICD_IGRPMODR<n>': 1,
  'GICD_IROUTER<n>': 64,
};

const ACTIVE_REGS = new Set(['GICD_ISACTIVER<n>', 'GICD_ICACTIVER<n>', 'GICR_ISACTIVER0', 'GICR_ICACTIVER0']);

const WIDTHS: readonly number[] = [8, 16, 32, 64];

function problemText(
  problem: AccessProblem,
  table: RegisterTable<VgicMmioAccess, number>,
  offset: number,
  width: number,
  name?: string,
): string {
  switch (problem) {
    case 'unmapped offset':
      return `no register at ${table.frame} offset ${hex(offset)}`;
    case 'unaligned access':
      return `${width}-bit access to ${name ?? table.frame} at offset ${hex(offset)} is not aligned`;
    case 'access width not allowed': {
      const widths = locate(table, offset)?.def.widths ?? [];
      return `${width}-bit access to ${name ?? table.frame}: KVM accepts ${widths.join('- or ')}-bit accesses only`;
    }
    default:
      return `${problem}: ${name ?? hex(offset)}`;
  }
}

function access(
  ctx: VgicMmioContext,
  table: RegisterTable<VgicMmioAccess, number>,
  frameSize: number,
  vcpu: number,
  accessor: number,
  offset: number,
  width: AccessWidth,
  write: boolean,
  value: bigint,
): VgicMmioResult {
  const fail = (reason: string, reg = ''): VgicMmioResult => ({
    ok: false,
    value: 0n,
    reg,
    reason,
    queued: [],
  });
  const vgic = ctx?.vgic;
  if (!vgic?.dist || !Array.isArray(vgic.vcpus)) return fail('no vgic');
  if (vgic.cfg.model !== 3) return fail('the VM has a GICv2 vgic: there are no GICv3 frames to access');
  if (!vgic.dist.initialized)
    return fail('the vgic is not initialised: no KVM device answers at this address');
  const validVcpu = (v: number): boolean => Number.isInteger(v) && v >= 0 && v < vgic.vcpus.length;
  if (!validVcpu(vcpu)) return fail(`no vCPU ${String(vcpu)}`);
  if (!validVcpu(accessor)) return fail(`no vCPU ${String(accessor)} to make the access`);
  if (!WIDTHS.includes(width)) return fail(`bad access width ${String(width)}: 8, 16, 32 or 64 bits`);
  if (!Number.isInteger(offset) || offset < 0 || offset >= frameSize)
    return fail(`offset ${String(offset)} is outside the ${table.frame} frame (${hex(frameSize)} bytes)`);
  let v = 0n;
  if (write) {
    if (typeof value === 'bigint') v = BigInt.asUintN(width, value);
    else if (typeof value === 'number' && Number.isSafeInteger(value))
      v = BigInt.asUintN(width, BigInt(value));
    else return fail(`value ${String(value)} is not an integer`);
  }

  const loc = locate(table, offset);
  const bpi = loc ? BITS_PER_IRQ[loc.def.name] : undefined;
  if (loc && bpi !== undefined) {
    const byte = loc.index * (loc.def.stride ?? loc.def.size) + loc.within;
    const intid = Math.floor((byte * 8) / bpi);
    const nrIrqs = vgic.dist.nrSpis + VGIC_NR_PRIVATE_IRQS;
    if (intid >= nrIrqs)
      return fail(
        `${loc.name} starts at INTID ${intid}, beyond the VM's ${nrIrqs} interrupts: KVM finds no register`,
        loc.name,
      );
  }

  const out: VgicMmioResult = { ok: true, value: 0n, reg: '', queued: [] };
  const a: VgicMmioAccess = { ctx, accessor, out, notes: [] };
  if (write) {
    const r = mmioWrite(a, vcpu, table, offset, width, v);
    if (r.ok) out.reg = r.name;
    else if (r.problem === 'write to a read-only register' && r.name) {
      out.reg = r.name;
      note(a, `write ignored: ${r.name} is read-only`);
    } else return fail(problemText(r.problem, table, offset, width, r.name), r.name ?? '');
  } else {
    const r = mmioRead(a, vcpu, table, offset, width);
    if (!r.ok) return fail(problemText(r.problem, table, offset, width, r.name), r.name ?? '');
    out.reg = r.name;
    out.value = r.value;
  }
  if (a.notes.length) out.reason = a.notes.join('; ');
  return out;
}

/**
 * A guest access to the distributor frame (offset from GICD base) by vCPU `vcpu`, as KVM's
 * dispatch_mmio_read/write runs it. Never throws.
 */
export function vgicDistAccess(
  ctx: VgicMmioContext,
  vcpu: number,
  offset: number,
  width: AccessWidth,
  write: boolean,
  value: bigint,
): VgicMmioResult {
  return access(ctx, VGICD_REGISTERS, VGICD_FRAME_SIZE, vcpu, vcpu, offset, width, write, value);
}

/**
 * A guest access to vCPU `vcpu`'s redistributor (offset from its RD_base; SGI_base is +0x10000).
 * `accessor` is the vCPU making the access (default: the frame's own); it matters only for the
 * guest halt around private active-state accesses. Never throws.
 */
export function vgicRedistAccess(
  ctx: VgicMmioContext,
  vcpu: number,
  offset: number,
  width: AccessWidth,
  write: boolean,
  value: bigint,
  accessor: number = vcpu,
): VgicMmioResult {
  return access(ctx, VGICR_REGISTERS, VGICR_FRAME_SIZE, vcpu, accessor, offset, width, write, value);
}

/**
 * Whether KVM would halt every vCPU around this access (vgic_access_active_prepare): the caller
 * exits the running vCPUs (folding their LRs) before making it, so the access sees and leaves the
 * state KVM would. Same arguments as the access functions, minus the data.
 */
export function vgicAccessHaltsGuest(
  ctx: VgicMmioContext,
  frame: 'gicd' | 'gicr',
  vcpu: number,
  offset: number,
  accessor: number = vcpu,
): boolean {
  const table = frame === 'gicd' ? VGICD_REGISTERS : VGICR_REGISTERS;
  const loc = Number.isInteger(offset) ? locate(table, offset) : undefined;
  if (!loc || !ACTIVE_REGS.has(loc.def.name)) return false;
  if (frame === 'gicr') return accessor !== vcpu;
  return loc.index >= 1 && 32 * loc.index < ctx.vgic.dist.nrSpis + VGIC_NR_PRIVATE_IRQS;
}

/**
 * Where a register instance lives: 'GICD_ISENABLER1', 'GICR_PROPBASER', 'GICR_ISENABLER0' (the
 * SGI frame: offset from RD_base, 0x10100). Case-insensitive; undefined for a name KVM's tables
 * do not have.
 */
export function findVgicRegister(
  name: string,
): { frame: 'gicd' | 'gicr'; offset: number; size: 4 | 8 } | undefined {
  if (typeof name !== 'string') return undefined;
  const tables = [
    ['gicd', VGICD_REGISTERS],
    ['gicr', VGICR_REGISTERS],
  ] as const;
  for (const [frame, table] of tables) {
    const found = findByName(table, name.trim());
    if (found)
      return {
        frame,
        offset: found.def.offset + found.index * (found.def.stride ?? found.def.size),
        size: found.def.size,
      };
  }
  return undefined;
}
