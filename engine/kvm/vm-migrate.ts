/**
 * Migrating a VM's interrupt state the way a VMM does with KVM's device ioctls (reference §5.6):
 * the vCPUs are stopped (each one in the guest is kicked out, which folds its list registers),
 * KVM_DEV_ARM_ITS_SAVE_TABLES writes every virtual ITS's device, interrupt translation and
 * collection tables into guest memory in KVM's ITS table ABI (revision 0),
 * KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES writes each LPI's pending latch into its target vCPU's
 * pending table, and then the destination rebuilds the same VM from guest memory:
 * KVM_DEV_ARM_ITS_RESTORE_TABLES walks the tables, and vgic_add_lpi reads each LPI's configuration
 * and consumes its pending bit.
 *
 * The distributor, redistributor and CPU-interface state of the non-LPI interrupts travels in
 * registers (KVM_DEV_ARM_VGIC_GRP_DIST_REGS and friends), which restore it exactly; it is kept as
 * it is. What is rebuilt is what KVM keeps only in its own lists: the vITS's devices, events and
 * collections, its translation cache, and the LPIs' vgic_irqs.
 */

import {
  restoreItsTables,
  saveItsTables,
  type RestoreReport,
  type SaveReport,
} from '../its/its-save-restore';
import { memReadU8, memVisible, memWriteU8 } from '../mem/memory';
import { vgicPutIrq } from './vgic-state';
import { irqIsLpi, NO_VCPU } from './vgic-irq';
import { vgicPendTableBase } from './vgic-lpi';
import { kvmVcpuExit, type VcpuRunEvent } from './vcpu-run';
import { physLines } from './vcpu-tasks';
import type { VmContext } from './vm-context';

export interface VmMigrationReport {
  /** vCPUs that were in the guest and were stopped (their LRs folded). */
  stopped: number[];
  saved: SaveReport[];
  /** Pending bits written (set or cleared) by the pending-table save. */
  pendingSaved: number;
  restored: RestoreReport[];
  /** The exits of the stopped vCPUs, for the caller's follow-ups. */
  exits: Extract<VcpuRunEvent, { kind: 'vcpu.exit' }>[];
}

/** vgic_v3_save_pending_tables: each targeted LPI's latch into its vCPU's pending table. */
function savePendingTables(ctx: VmContext): number {
  const vm = ctx.s.vm;
  let n = 0;
  for (const irq of vm.vgic.dist.lpis.values()) {
    if (irq.targetVcpu === NO_VCPU) continue;
    const addr = vgicPendTableBase(vm.vgic, irq.targetVcpu) + Math.floor(irq.intid / 8);
    if (!memVisible(vm.mem, addr, 1)) continue;
    const bit = 1 << (irq.intid % 8);
    const byte = memReadU8(vm.mem, addr);
    const next = irq.pendingLatch ? byte | bit : byte & ~bit;
    if (next === byte) continue;
    memWriteU8(vm.mem, addr, next);
    n++;
  }
  return n;
}

/** Drops every LPI KVM holds (the destination starts without them): off the ap_lists, out of the xarray. */
function dropLpis(ctx: VmContext): void {
  const vgic = ctx.s.vm.vgic;
  for (const cpu of vgic.vcpus) cpu.apList = cpu.apList.filter((intid) => !irqIsLpi(intid));
  for (const irq of [...vgic.dist.lpis.values()]) {
    irq.vcpu = NO_VCPU;
    irq.refcount = 1;
    vgicPutIrq(vgic, irq);
  }
}

export function migrateVm(ctx: VmContext): VmMigrationReport {
  const vm = ctx.s.vm;
  const exits: VmMigrationReport['exits'] = [];
  const stopped: number[] = [];
  vm.run.vcpus.forEach((r, v) => {
    if (r.mode !== 'guest') return;
    const res = kvmVcpuExit(vm.run, vm.vgic, v, { reason: 'irq', source: 'kick' }, physLines(ctx));
    for (const e of res.events) if (e.kind === 'vcpu.exit') exits.push(e);
    stopped.push(v);
  });
  const saved = vm.its.map((its) => saveItsTables(ctx, its));
  const pendingSaved = savePendingTables(ctx);
  for (const its of vm.its) {
    its.devices.clear();
    its.collections.clear();
    its.cache.clear();
  }
  dropLpis(ctx);
  const restored = vm.its.map((its) => restoreItsTables(ctx, its));
  return { stopped, saved, pendingSaved, restored, exits };
}
