/**
 * Reading a VM's state the way its guest would see it, without side effects: for expectations
 * (`expect vm0 ...`), inspectors and the console. A register is read through the same emulation a
 * guest access runs (vgic-mmio.ts for GICD/GICR, the virtual ITS's register table for GITS) on the
 * current state, and nothing it reports (kicks, notes) is acted on; the ICV registers through
 * icvPeek (an IAR read shows what it would return, and acknowledges nothing); the virtual ITS's
 * tables through the same views the host's ITS inspector uses; guest RAM through the host's memory
 * inspector run on the VM's context, with the LPI tables the guest gave its vgic.
 */

import { FIRST_LPI } from '../gic/gic-config';
import type { InspectError } from '../gic/gic-inspect';
import { mmioRead, type AccessWidth } from '../gic/registers';
import { GITS_REGISTERS } from '../its/its-registers';
import { viewCte, viewDte, viewIte, type CteView, type DteView, type IteView } from '../its/table-view';
import { memReadU8, memVisible } from '../mem/memory';
import {
  memoryMap,
  readMemory,
  type LpiTableRef,
  type MemoryDump,
  type MemoryMapView,
} from '../platform/memory-inspect';
import type { PlatformMachine } from '../platform/platform-machine';
import { guestFrame } from './guest-software';
import { physLines } from './vcpu-tasks';
import { vgicDistAccess, vgicRedistAccess } from './vgic-mmio';
import { vgicLpiLimit, vgicPendTableBase, vgicPropTableBase } from './vgic-lpi';
import { icvPeek } from './virtual-cpu-interface';
import { vmContext } from './vm-context';
import type { VmState } from './vm-state';

/** VM `vm` of the machine, or why there is none. */
export function guestVm(m: PlatformMachine, vm: number): VmState | string {
  const vms = m.s.kvm?.vms ?? [];
  return (
    vms[vm] ??
    (vms.length ? `there is no VM ${vm} (the machine has ${vms.length})` : 'the machine runs no VMs')
  );
}

/**
 * What the guest of VM `vm`, on vCPU `vcpu`, reads at guest physical address `addr` (a GIC frame
 * or RAM); undefined where a read returns nothing (no device, a bad width, not RAM).
 */
export function guestPeek(
  m: PlatformMachine,
  vm: number,
  vcpu: number,
  addr: number,
  width: AccessWidth,
): bigint | undefined {
  const ctx = vmContext(m, vm);
  const st = ctx.s.vm;
  const f = guestFrame(ctx, addr);
  switch (f.unit) {
    case 'gicd':
    case 'gicr': {
      const mctx = { vgic: st.vgic, phys: physLines(ctx) };
      const r =
        f.unit === 'gicd'
          ? vgicDistAccess(mctx, vcpu, f.offset, width, false, 0n)
          : vgicRedistAccess(mctx, f.n, f.offset, width, false, 0n, vcpu);
      return r.ok ? r.value : undefined;
    }
    case 'its': {
      const saved = m.notes.length;
      const r = mmioRead(ctx, f.n, GITS_REGISTERS, f.offset, width);
      m.notes.length = saved;
      return r.ok ? r.value : undefined;
    }
    case 'ram': {
      const n = width / 8;
      if (!memVisible(st.mem, addr, n)) return undefined;
      let v = 0n;
      for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(memReadU8(st.mem, addr + i));
      return v;
    }
    case 'none':
      return undefined;
  }
}

/** An ICC_ (or ICV_) register of the guest on vCPU `vcpu`, as the virtual CPU interface shows it. */
export function guestIccPeek(m: PlatformMachine, vm: number, vcpu: number, reg: string): bigint | undefined {
  const st = m.s.kvm?.vms[vm];
  return st ? icvPeek(st.vgic, vcpu, reg.toUpperCase().replace(/^ICC_/, 'ICV_')) : undefined;
}

/** The virtual ITS's table entries, as its inspector shows them. */
export function guestDte(m: PlatformMachine, vm: number, its: number, devid: number): DteView | undefined {
  const ctx = vmContext(m, vm);
  const s = ctx.s.vm.its[its];
  return s ? viewDte(ctx, s, devid) : undefined;
}

export function guestIte(
  m: PlatformMachine,
  vm: number,
  its: number,
  devid: number,
  eventid: number,
): IteView | undefined {
  const ctx = vmContext(m, vm);
  const s = ctx.s.vm.its[its];
  return s ? viewIte(ctx, s, devid, eventid) : undefined;
}

export function guestCte(m: PlatformMachine, vm: number, its: number, icid: number): CteView | undefined {
  const ctx = vmContext(m, vm);
  const s = ctx.s.vm.its[its];
  return s ? viewCte(ctx, s, icid) : undefined;
}

/** Whether LPI `intid` is pending for vCPU `vcpu` (its vgic_irq's latch, the LPI targeting that vCPU). */
export function guestLpiPending(m: PlatformMachine, vm: number, vcpu: number, intid: number): boolean {
  const irq = m.s.kvm?.vms[vm]?.vgic.dist.lpis.get(intid);
  return !!irq && irq.pendingLatch && irq.targetVcpu === vcpu;
}

/**
 * The LPI tables the guest of `st` points its redistributors at: the one property table of
 * vgic_dist.propbaser (every vCPU's GICR_PROPBASER shows it) and each vCPU's pending table.
 */
function guestLpiTables(st: VmState): LpiTableRef[] {
  const vgic = st.vgic;
  const limit = vgicLpiLimit(vgic);
  const base = vgicPropTableBase(vgic);
  const unit = (v: number): string => `${st.cfg.name}.vcpu${v}`;
  return vgic.vcpus.flatMap((_, v): LpiTableRef[] => [
    {
      kind: 'lpi-property-table',
      base,
      size: limit - FIRST_LPI,
      owner: unit(v),
      note: `byte n configures LPI ${FIRST_LPI} + n (INTIDs below ${limit}); KVM reads a byte when its LPI is mapped and on INV/INVALL`,
    },
    {
      kind: 'lpi-pending-table',
      base: vgicPendTableBase(vgic, v),
      size: limit / 8,
      owner: unit(v),
      note: 'bit n is INTID n; KVM reads a bit when its LPI is mapped and when EnableLPIs is set',
    },
  ]);
}

/**
 * The memory map of VM `vm`'s guest physical address space: its RAM, its virtual ITSs' command
 * queues, tables and ITTs, and the LPI tables its vgic was given (memory-inspect.ts memoryMap).
 */
export function guestMemoryMap(m: PlatformMachine, vm: number): MemoryMapView | InspectError {
  const st = guestVm(m, vm);
  if (typeof st === 'string') return { ok: false, error: st };
  return memoryMap(vmContext(m, vm), guestLpiTables(st));
}

/** Guest physical memory of VM `vm` from `addr`, as readMemory shows the host's. */
export function guestReadMemory(
  m: PlatformMachine,
  vm: number,
  addr: number,
  len: number,
): MemoryDump | InspectError {
  const st = guestVm(m, vm);
  if (typeof st === 'string') return { ok: false, error: st };
  return readMemory(vmContext(m, vm), addr, len, guestLpiTables(st));
}
