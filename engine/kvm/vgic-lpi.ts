/**
 * LPIs in a VM's vgic, as KVM's virtual ITS keeps them (arch/arm64/kvm/vgic/vgic-its.c and
 * vgic-v3.c, reference §5.4, §6.1): one vgic_irq per mapped INTID in the VM-wide LPI xarray, its
 * configuration byte read from the guest's property table when it is mapped and again only on
 * INV/INVALL, its pending latch taken from the guest's pending table when it is mapped
 * (vgic_v3_lpi_sync_pending_status, which also clears the bit in memory) and when the vCPU's
 * EnableLPIs goes 0 -> 1 (its_sync_lpi_pending_table, which leaves memory alone and sets the latch
 * to the bit, so a clear bit clears it).
 *
 * The tables are in guest memory: GICR_PROPBASER is one value for the whole VM
 * (vgic_dist.propbaser), GICR_PENDBASER one per vCPU. A byte or bit outside guest RAM reads as 0,
 * as kvm_read_guest failing leaves KVM's locals.
 *
 * Every function here mutates the vgic and returns the vCPUs to kick (vgic_queue_irq_unlock's
 * kicks); the caller schedules them.
 */

import { memReadU8, memVisible, memWriteU8, type MemoryState } from '../mem/memory';
import { vgicQueueIrq } from './ap-list';
import { NO_VCPU, vgicApplyLpiConfig, VGIC_MIN_LPI, type VgicIrq } from './vgic-irq';
import { vgicAddLpi, vgicPutIrq, type VgicState } from './vgic-state';

const PA_51_12 = (1n << 40n) - 1n;
const PA_51_16 = (1n << 36n) - 1n;

/** The property table's base address (GICR_PROPBASER[51:12]). */
export const vgicPropTableBase = (vgic: VgicState): number =>
  Number((vgic.dist.propbaser >> 12n) & PA_51_12) * 0x1000;

/** The vCPU's pending table base (GICR_PENDBASER[51:16]). */
export const vgicPendTableBase = (vgic: VgicState, vcpu: number): number =>
  Number(((vgic.vcpus[vcpu]?.pendbaser ?? 0n) >> 16n) & PA_51_16) * 0x10000;

/**
 * One past the highest INTID the property table covers: GICR_PROPBASER.IDbits + 1 bits, capped at
 * the 16 bits KVM's vITS implements (INTERRUPT_ID_BITS_ITS); below 8192 nothing is an LPI.
 */
export function vgicLpiLimit(vgic: VgicState): number {
  const idbits = Math.min(Number(vgic.dist.propbaser & 0x1fn), 15) + 1;
  return 2 ** idbits;
}

/** The guest's configuration byte for `intid` (0 outside guest RAM). */
export function vgicLpiConfigByte(vgic: VgicState, mem: MemoryState, intid: number): number {
  const a = vgicPropTableBase(vgic) + (intid - VGIC_MIN_LPI);
  return memVisible(mem, a, 1) ? memReadU8(mem, a) : 0;
}

function pendingBit(vgic: VgicState, vcpu: number, intid: number): { addr: number; bit: number } {
  return { addr: vgicPendTableBase(vgic, vcpu) + Math.floor(intid / 8), bit: intid % 8 };
}

function readPending(vgic: VgicState, mem: MemoryState, vcpu: number, intid: number): boolean {
  const { addr, bit } = pendingBit(vgic, vcpu, intid);
  return memVisible(mem, addr, 1) && ((memReadU8(mem, addr) >> bit) & 1) === 1;
}

export interface LpiMapResult {
  created: boolean;
  pendingFromTable: boolean;
  /** vCPUs to kick (the LPI was pending in the table and queued). */
  kicks: number[];
}

const queue = (vgic: VgicState, irq: VgicIrq, kicks: number[]): void => {
  const q = vgicQueueIrq(vgic, irq);
  if (q.kick !== NO_VCPU && !kicks.includes(q.kick)) kicks.push(q.kick);
};

/**
 * vgic_add_lpi from MAPTI/MAPI or an ITS restore: an existing LPI gains a reference; a new one
 * reads its configuration byte (update_lpi_config) and, with a target, its pending bit
 * (vgic_v3_lpi_sync_pending_status: the bit is cleared in memory and the latch set, then queued).
 */
export function vgicLpiMap(vgic: VgicState, mem: MemoryState, intid: number, target: number): LpiMapResult {
  const existed = vgic.dist.lpis.has(intid);
  const irq = vgicAddLpi(vgic, intid, target < 0 ? NO_VCPU : target);
  const out: LpiMapResult = { created: !existed && !!irq, pendingFromTable: false, kicks: [] };
  if (!irq || existed) return out;
  vgicApplyLpiConfig(irq, vgicLpiConfigByte(vgic, mem, intid));
  if (target >= 0 && readPending(vgic, mem, target, intid)) {
    const { addr, bit } = pendingBit(vgic, target, intid);
    memWriteU8(mem, addr, memReadU8(mem, addr) & ~(1 << bit));
    irq.pendingLatch = true;
    out.pendingFromTable = true;
    queue(vgic, irq, out.kicks);
  }
  return out;
}

/** vgic_put_irq of an ITE's reference (DISCARD, MAPD V=0); the LPI goes with its last reference. */
export function vgicLpiUnmap(vgic: VgicState, intid: number): void {
  const irq = vgic.dist.lpis.get(intid);
  if (irq) vgicPutIrq(vgic, irq);
}

/** update_affinity: the LPI targets `to` from now on; if it is queued elsewhere, the next prune moves it. */
export function vgicLpiRetarget(vgic: VgicState, intid: number, to: number): void {
  const irq = vgic.dist.lpis.get(intid);
  if (irq) irq.targetVcpu = to < 0 ? NO_VCPU : to;
}

/** vgic_its_trigger_msi (MSI, INT) and CLEAR: sets or clears the latch; a set queues the LPI. */
export function vgicLpiSetPending(
  vgic: VgicState,
  intid: number,
  set: boolean,
): { found: boolean; kicks: number[] } {
  const irq = vgic.dist.lpis.get(intid);
  const kicks: number[] = [];
  if (!irq) return { found: false, kicks };
  irq.pendingLatch = set;
  if (set) queue(vgic, irq, kicks);
  return { found: true, kicks };
}

/**
 * update_lpi_config for INV (one INTID) or INVALL (every LPI targeting `vcpu`, intid = -1): the
 * byte is read again; an LPI that became enabled while pending is queued.
 */
export function vgicLpiInvalidate(
  vgic: VgicState,
  mem: MemoryState,
  vcpu: number,
  intid: number,
): { updated: number[]; kicks: number[] } {
  const kicks: number[] = [];
  const updated: number[] = [];
  const one = (irq: VgicIrq): void => {
    const before = `${irq.priority}/${irq.enabled}`;
    vgicApplyLpiConfig(irq, vgicLpiConfigByte(vgic, mem, irq.intid));
    if (`${irq.priority}/${irq.enabled}` !== before) updated.push(irq.intid);
    queue(vgic, irq, kicks);
  };
  if (intid >= 0) {
    const irq = vgic.dist.lpis.get(intid);
    if (irq) one(irq);
  } else for (const irq of vgic.dist.lpis.values()) if (irq.targetVcpu === vcpu) one(irq);
  return { updated, kicks };
}

/**
 * its_sync_lpi_pending_table (EnableLPIs 0 -> 1): each LPI targeting the vCPU takes its latch from
 * the pending table (bits are not cleared; a clear bit clears the latch) and is queued if pending.
 */
export function vgicLpiSyncPendingTable(
  vgic: VgicState,
  mem: MemoryState,
  vcpu: number,
): { pending: number[]; kicks: number[] } {
  const pending: number[] = [];
  const kicks: number[] = [];
  for (const irq of vgic.dist.lpis.values()) {
    if (irq.targetVcpu !== vcpu) continue;
    // KVM assigns the latch from the bit, so a clear bit also clears a latch set before.
    irq.pendingLatch = readPending(vgic, mem, vcpu, irq.intid);
    if (!irq.pendingLatch) continue;
    pending.push(irq.intid);
    queue(vgic, irq, kicks);
  }
  return { pending, kicks };
}
