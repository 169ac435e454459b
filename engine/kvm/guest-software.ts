/**
 * The guest's software on each vCPU, reduced to what the vgic sees of it: an interrupt handler on
 * the virtual CPU interface (ICV_*), the accesses a scenario gives the guest to make, and what the
 * guest does when it has nothing to do (WFI, which traps, or spinning, which does not).
 *
 * While the vCPU is in the guest, 'kvm.guest' decides the next thing the guest does, in this
 * order: (1) the maintenance interrupt, if the vgic raises it, ends the pass (exit); (2) a guest
 * step that was interrupted by an exit goes on; (3) a virtual interrupt the interface signals is
 * taken unless the guest masks interrupts; (4) the next access of its program runs; (5) idle.
 *
 * Handling one interrupt is four steps, each a task and an event, as on the host
 * (platform/software.ts): 'guest.take', 'icv.ack' (ICV_IAR1_EL1), 'icv.eoi' (ICV_EOIR1_EL1, plus
 * ICV_DIR_EL1 when the guest runs with EOImode 1), 'guest.eret'. None of them exits: that is the
 * point of list registers. A step that comes due while the vCPU is out of the guest waits for the
 * next entry (GuestCpuState.resume).
 *
 * Program accesses: a load or store to the guest's GIC frames is an MMIO exit and KVM emulates it
 * (vgic-mmio.ts for GICD/GICR, the virtual ITS's register table for GITS); ICC_SGI1R_EL1 and
 * friends trap (a system-register exit); other ICC_* registers are the ICV_* ones and do not trap;
 * RAM is written without KVM knowing.
 */

import { SPURIOUS } from '../gic/gic-config';
import { mmioRead, mmioWrite, type AccessWidth } from '../gic/registers';
import { queueGeometry } from '../its/command-queue';
import { GITS_REGISTERS } from '../its/its-registers';
import { memReadBytes, memVisible, memWriteBytes } from '../mem/memory';
import { schedule } from '../sim/kernel';
import type { GuestOp } from './kvm-input-types';
import { ICH_VMCR_VEOIM } from './ich-registers';
import {
  vgicDistAccess,
  vgicRedistAccess,
  VGICD_FRAME_SIZE,
  VGICR_FRAME_SIZE,
  VGICR_SGI_BASE,
} from './vgic-mmio';
import { DIRECT_LR, icvAccess, icvSignals } from './virtual-cpu-interface';
import { directCandidate } from './vgic-v4';
import { vlpiAcknowledge } from '../gic/vlpi';
import { vgicPendTableBase, vgicPropTableBase } from './vgic-lpi';
import { VGIC_MIN_LPI } from './vgic-irq';
import { VTIMER_INTID } from './arch-timer';
import {
  afterExit,
  afterVgicWrite,
  checkMaintenance,
  exitNow,
  inPass,
  physLines,
  vmEmit,
  type GuestPass,
} from './vcpu-tasks';
import { hopCost, type VmContext } from './vm-context';
import { kvmVcpuGuestCheck } from './vcpu-run';
import { VM_FRAMES } from './vm-state';

/**
 * Model time of one guest access that does not trap (a RAM store, an ICV register): a few
 * instructions. An assumption, not a measured figure.
 */
export const GUEST_ACCESS_NS = 10;

const hex = (v: bigint | number): string => '0x' + v.toString(16);

/** The system registers whose writes trap to KVM (vgic_v3_dispatch_sgi's callers). */
const SGI_REGS = new Set(['ICC_SGI1R_EL1', 'ICC_ASGI1R_EL1', 'ICC_SGI0R_EL1']);

/** Where a guest physical address falls: one of the VM's GIC frames, its RAM, or nothing. */
export type GuestFrame =
  | { unit: 'gicd'; offset: number }
  | { unit: 'gicr'; n: number; offset: number }
  | { unit: 'its'; n: number; offset: number }
  | { unit: 'ram' }
  | { unit: 'none' };

export function guestFrame(ctx: VmContext, addr: number): GuestFrame {
  const vm = ctx.s.vm;
  const d = addr - VM_FRAMES.distributorBase;
  if (d >= 0 && d < VGICD_FRAME_SIZE) return { unit: 'gicd', offset: d };
  const r = addr - VM_FRAMES.redistributorBase;
  if (r >= 0 && r < VGICR_FRAME_SIZE * vm.cfg.vcpus)
    return { unit: 'gicr', n: Math.floor(r / VGICR_FRAME_SIZE), offset: r % VGICR_FRAME_SIZE };
  for (const its of vm.its) {
    const o = addr - its.cfg.base;
    if (o >= 0 && o < 0x20000) return { unit: 'its', n: its.index, offset: o };
  }
  if (memVisible(vm.mem, addr, 1)) return { unit: 'ram' };
  return { unit: 'none' };
}

/** Queues 'kvm.guest' for the vCPU's current pass (once). */
export function wantGuest(ctx: VmContext, vcpu: number, delay = 0): void {
  const vm = ctx.s.vm;
  const g = vm.guest[vcpu]!;
  const r = vm.run.vcpus[vcpu]!;
  if (r.mode !== 'guest' || g.queued === r.counters.entries) return;
  g.queued = r.counters.entries;
  schedule(ctx, delay, 'kvm.guest', { vcpu, entry: r.counters.entries });
}

/** A guest step that finds the vCPU out of the guest waits for the next entry. Returns whether it may run. */
function present(ctx: VmContext, k: string, a: GuestPass & { intid?: number }): boolean {
  if (inPass(ctx, a)) return true;
  const g = ctx.s.vm.guest[a.vcpu];
  const r = ctx.s.vm.run.vcpus[a.vcpu];
  if (g && r && r.mode !== 'stopped') {
    g.resume = { k, a };
    // Already back in the guest in a later pass: that pass picks the step up.
    if (r.mode === 'guest') wantGuest(ctx, a.vcpu);
  }
  return false;
}

function pcpuOf(ctx: VmContext, vcpu: number): number {
  return ctx.s.vm.run.vcpus[vcpu]!.pcpu;
}

/** 'kvm.guest': what the guest does next in this pass (see the overview). */
function guestRun(ctx: VmContext, a: GuestPass): void {
  const vm = ctx.s.vm;
  const g = vm.guest[a.vcpu];
  if (!g) return;
  if (g.queued === a.entry) g.queued = -1;
  if (!inPass(ctx, a)) return;
  const check = kvmVcpuGuestCheck(vm.run, vm.vgic, a.vcpu, physLines(ctx));
  if (check.maintenance) {
    afterExit(ctx, a.vcpu, check.result.events);
    return;
  }
  if (g.resume) {
    const { k, a: args } = g.resume;
    g.resume = null;
    GUEST_STEPS[k]!(ctx, { ...args, entry: a.entry });
    return;
  }
  // GICv4: a vLPI the redistributor presents beside the LRs (no LR, no KVM).
  const direct = directCandidate(ctx, a.vcpu);
  const sig = direct ? icvSignals(vm.vgic, a.vcpu, direct) : check;
  if (sig.virq && !g.masked) {
    g.masked = true;
    g.depth++;
    vmEmit(ctx, 'guest.take', a.vcpu, pcpuOf(ctx, a.vcpu), -1, {
      lr: sig.lr,
      ...(sig.lr === DIRECT_LR ? { direct: direct!.intid } : {}),
      depth: g.depth,
      policy: g.policy,
    });
    schedule(ctx, hopCost(ctx, 'guestIrqTake'), 'guest.ack', a);
    return;
  }
  // The guest's code runs outside its handler, or inside one that has unmasked ('hold').
  const free = g.depth === 0 || !g.masked;
  if (free && g.program.length) {
    runOp(ctx, a, g.program.shift()!);
    return;
  }
  if (free && g.idle === 'wfi') {
    // GICv4: what PendingLast will say when the vPE is descheduled for this WFI (vgic_v4_put
    // runs before kvm_vcpu_halt checks for work).
    const c = vm.vgic.vcpus[a.vcpu]!;
    if (vm.v4) c.vpePendingLast = direct !== undefined;
    exitNow(ctx, a.vcpu, { reason: 'wfi' });
  }
}

function guestAck(ctx: VmContext, a: GuestPass): void {
  if (!present(ctx, 'guest.ack', a)) return;
  const vm = ctx.s.vm;
  const g = vm.guest[a.vcpu]!;
  const r = icvAccess(vm.vgic, a.vcpu, 'ICV_IAR1_EL1', false, 0n, directCandidate(ctx, a.vcpu));
  const ack = r.ok ? r.ack : undefined;
  const intid = ack?.intid ?? SPURIOUS;
  // A direct vLPI: the redistributor clears its pending bit in the VPT.
  const direct = ack?.lr === DIRECT_LR;
  if (direct) vlpiAcknowledge(ctx.host, pcpuOf(ctx, a.vcpu), intid);
  if (intid !== SPURIOUS) g.acked[intid] = (g.acked[intid] ?? 0) + 1;
  // Linux's virtual timer handler (arch_timer_handler_virt) masks the timer (CNTV_CTL_EL0.IMASK)
  // before it returns, so the level-sensitive line drops and the EOI does not bring it back.
  const timer = intid === VTIMER_INTID && vm.vgic.vcpus[a.vcpu]!.privateIrqs[VTIMER_INTID]!.hw;
  if (timer) vm.timers[a.vcpu]!.masked = true;
  vmEmit(ctx, 'icv.ack', a.vcpu, pcpuOf(ctx, a.vcpu), intid, {
    lr: ack?.lr ?? -1,
    ...(direct ? { direct: true } : {}),
    prio: ack?.prio ?? 0xff,
    rpr: ack?.rpr ?? 0xff,
    ...(timer ? { timerMasked: true } : {}),
  });
  checkMaintenance(ctx, a);
  const after = hopCost(ctx, 'icvIar') + ctx.host.swTiming.handler;
  if (intid === SPURIOUS) schedule(ctx, hopCost(ctx, 'icvIar'), 'guest.eret', a);
  else if (g.policy === 'hold') schedule(ctx, after, 'guest.unmask', a);
  else if (g.policy === 'deactivate-icactiver') schedule(ctx, after, 'guest.icactiver', { ...a, intid });
  else schedule(ctx, after, 'guest.eoi', { ...a, intid });
}

function guestEoi(ctx: VmContext, a: GuestPass & { intid: number }): void {
  if (!present(ctx, 'guest.eoi', a)) return;
  const vm = ctx.s.vm;
  const r = icvAccess(vm.vgic, a.vcpu, 'ICV_EOIR1_EL1', true, BigInt(a.intid));
  const e = r.ok ? r.eoi : undefined;
  vmEmit(ctx, 'icv.eoi', a.vcpu, pcpuOf(ctx, a.vcpu), a.intid, {
    lr: e?.lr ?? -1,
    deactivated: e?.deactivated ?? false,
    counted: e?.counted ?? false,
    ...(e?.dropped !== undefined ? { dropped: e.dropped } : {}),
    ...(e?.ignored ? { ignored: e.ignored } : {}),
  });
  checkMaintenance(ctx, a);
  const eoiMode1 = (vm.vgic.vcpus[a.vcpu]!.v3.vmcr & ICH_VMCR_VEOIM) !== 0;
  schedule(ctx, hopCost(ctx, 'icvEoir'), eoiMode1 ? 'guest.dir' : 'guest.eret', a);
}

function guestDir(ctx: VmContext, a: GuestPass & { intid: number }): void {
  if (!present(ctx, 'guest.dir', a)) return;
  const vm = ctx.s.vm;
  const r = icvAccess(vm.vgic, a.vcpu, 'ICV_DIR_EL1', true, BigInt(a.intid));
  const e = r.ok ? r.eoi : undefined;
  vmEmit(ctx, 'icv.dir', a.vcpu, pcpuOf(ctx, a.vcpu), a.intid, {
    lr: e?.lr ?? -1,
    deactivated: e?.deactivated ?? false,
    ...(e?.trapped ? { trapped: true } : {}),
  });
  checkMaintenance(ctx, a);
  schedule(ctx, ctx.host.swTiming.exit, 'guest.eret', a);
}

/**
 * 'deactivate-icactiver': the handler clears the interrupt's active bit through GICR_ICACTIVER0
 * (an SGI or PPI, in the vCPU's own redistributor) or GICD_ICACTIVER<n> (an SPI) instead of an
 * EOI. The store traps (an MMIO exit); the handler returns once the vCPU is back in the guest.
 */
function guestIcactiver(ctx: VmContext, a: GuestPass & { intid: number }): void {
  if (!present(ctx, 'guest.icactiver', a)) return;
  const n = a.intid;
  const addr =
    n < 32
      ? VM_FRAMES.redistributorBase + a.vcpu * VGICR_FRAME_SIZE + VGICR_SGI_BASE + 0x380
      : VM_FRAMES.distributorBase + 0x380 + 4 * Math.floor(n / 32);
  ctx.s.vm.guest[a.vcpu]!.resume = { k: 'guest.eret', a: { vcpu: a.vcpu, entry: a.entry } };
  exitNow(
    ctx,
    a.vcpu,
    { reason: 'mmio' },
    { task: 'kvm.mmio', args: { vcpu: a.vcpu, addr, width: 32, write: true, value: hex(1 << (n % 32)) } },
    { addr: hex(addr), write: true, width: 32, handler: 'ICACTIVER' },
  );
}

function guestUnmask(ctx: VmContext, a: GuestPass): void {
  if (!present(ctx, 'guest.unmask', a)) return;
  const g = ctx.s.vm.guest[a.vcpu]!;
  g.masked = g.policy === 'masked';
  vmEmit(ctx, 'guest.unmask', a.vcpu, pcpuOf(ctx, a.vcpu), -1, { depth: g.depth });
  wantGuest(ctx, a.vcpu);
}

function guestEret(ctx: VmContext, a: GuestPass): void {
  if (!present(ctx, 'guest.eret', a)) return;
  const g = ctx.s.vm.guest[a.vcpu]!;
  g.depth = Math.max(0, g.depth - 1);
  g.masked = g.policy === 'masked';
  vmEmit(ctx, 'guest.eret', a.vcpu, pcpuOf(ctx, a.vcpu), -1, { depth: g.depth });
  wantGuest(ctx, a.vcpu);
}

const GUEST_STEPS: Record<string, (ctx: VmContext, a: GuestPass & { intid?: number }) => void> = {
  'guest.ack': guestAck,
  'guest.eoi': (ctx, a) => guestEoi(ctx, { ...a, intid: a.intid ?? SPURIOUS }),
  'guest.dir': (ctx, a) => guestDir(ctx, { ...a, intid: a.intid ?? SPURIOUS }),
  'guest.unmask': guestUnmask,
  'guest.eret': guestEret,
  'guest.icactiver': (ctx, a) => guestIcactiver(ctx, { ...a, intid: a.intid ?? SPURIOUS }),
};

// ---- Program accesses -------------------------------------------------------------------------------

function bytesLE(v: bigint, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
}

function runOp(ctx: VmContext, a: GuestPass, op: GuestOp): void {
  const vm = ctx.s.vm;
  const pcpu = pcpuOf(ctx, a.vcpu);
  const next = (): void => wantGuest(ctx, a.vcpu, GUEST_ACCESS_NS);
  switch (op.kind) {
    case 'mmio': {
      const f = guestFrame(ctx, op.addr);
      if (f.unit === 'gicd' || f.unit === 'gicr' || f.unit === 'its') {
        exitNow(
          ctx,
          a.vcpu,
          { reason: 'mmio' },
          {
            task: 'kvm.mmio',
            args: { vcpu: a.vcpu, addr: op.addr, width: op.width, write: op.write, value: hex(op.value) },
          },
          { addr: hex(op.addr), write: op.write, width: op.width },
        );
        return;
      }
      if (f.unit === 'ram' && memVisible(vm.mem, op.addr, op.width / 8)) {
        if (op.write) memWriteBytes(vm.mem, op.addr, bytesLE(op.value, op.width / 8));
        const bytes = memReadBytes(vm.mem, op.addr, op.width / 8);
        let v = 0n;
        for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
        vmEmit(ctx, 'guest.mem', a.vcpu, pcpu, -1, {
          addr: hex(op.addr),
          write: op.write,
          value: hex(v),
          width: op.width,
        });
      } else
        vmEmit(ctx, 'guest.bad', a.vcpu, pcpu, -1, {
          addr: hex(op.addr),
          problem:
            'nothing at this guest physical address: KVM would hand the access to the VMM (KVM_EXIT_MMIO), which has no device there',
        });
      next();
      return;
    }
    case 'icc': {
      const reg = op.reg.toUpperCase();
      if (op.write && SGI_REGS.has(reg)) {
        exitNow(
          ctx,
          a.vcpu,
          { reason: 'sysreg' },
          { task: 'kvm.sysreg', args: { vcpu: a.vcpu, reg, value: hex(op.value) } },
          { reg },
        );
        return;
      }
      const r = icvAccess(vm.vgic, a.vcpu, reg, op.write, op.value);
      if (!r.ok) vmEmit(ctx, 'guest.bad', a.vcpu, pcpu, -1, { reg, problem: r.problem });
      else if (r.ack) {
        if (r.ack.intid !== SPURIOUS)
          vm.guest[a.vcpu]!.acked[r.ack.intid] = (vm.guest[a.vcpu]!.acked[r.ack.intid] ?? 0) + 1;
        vmEmit(ctx, 'icv.ack', a.vcpu, pcpu, r.ack.intid, {
          lr: r.ack.lr,
          prio: r.ack.prio,
          rpr: r.ack.rpr,
          by: 'program',
        });
      } else if (r.eoi)
        vmEmit(ctx, reg.includes('DIR') ? 'icv.dir' : 'icv.eoi', a.vcpu, pcpu, r.eoi.intid, {
          lr: r.eoi.lr,
          deactivated: r.eoi.deactivated,
          counted: r.eoi.counted,
          by: 'program',
        });
      else
        vmEmit(ctx, 'icv.access', a.vcpu, pcpu, -1, {
          reg: reg.replace(/^ICC_/, 'ICV_'),
          write: op.write,
          value: hex(r.value),
        });
      checkMaintenance(ctx, a);
      next();
      return;
    }
    case 'mem':
      if (memVisible(vm.mem, op.addr, Math.max(1, op.bytes.length))) {
        memWriteBytes(vm.mem, op.addr, op.bytes);
        vmEmit(ctx, 'guest.mem', a.vcpu, pcpu, -1, {
          addr: hex(op.addr),
          write: true,
          bytes: op.bytes.length,
        });
      } else vmEmit(ctx, 'guest.bad', a.vcpu, pcpu, -1, { addr: hex(op.addr), problem: 'not guest RAM' });
      next();
      return;
    case 'its-cmd': {
      const its = vm.its[op.its];
      const q = its ? queueGeometry(its) : undefined;
      const off = its ? Number(its.cwriter & 0xfffe0n) : 0;
      const slot = q ? q.base + off : 0;
      if (!its || !q || !q.valid || off >= q.size || !memVisible(vm.mem, slot, 32)) {
        vmEmit(ctx, 'guest.bad', a.vcpu, pcpu, -1, {
          command: op.name,
          problem: !its
            ? `the VM has no virtual ITS ${op.its}`
            : 'the virtual ITS has no valid command queue in guest RAM (GITS_CBASER)',
        });
        next();
        return;
      }
      memWriteBytes(
        vm.mem,
        slot,
        op.dws.flatMap((d) => bytesLE(d, 8)),
      );
      vmEmit(ctx, 'guest.mem', a.vcpu, pcpu, -1, {
        addr: hex(slot),
        write: true,
        bytes: 32,
        command: op.name,
      });
      // Then the driver tells the ITS (its_post_commands): a store to GITS_CWRITER, which traps.
      vm.guest[a.vcpu]!.program.unshift({
        kind: 'mmio',
        addr: its.cfg.base + 0x88,
        width: 64,
        write: true,
        value: BigInt((off + 32) % q.size),
      });
      next();
      return;
    }
    case 'lpi-pending': {
      const addr = vgicPendTableBase(vm.vgic, op.vcpu) + Math.floor(op.intid / 8);
      if (op.intid >= VGIC_MIN_LPI && memVisible(vm.mem, addr, 1)) {
        const byte = memReadBytes(vm.mem, addr, 1)[0]!;
        const bit = 1 << (op.intid % 8);
        memWriteBytes(vm.mem, addr, [op.set ? byte | bit : byte & ~bit]);
        vmEmit(ctx, 'guest.mem', a.vcpu, pcpu, op.intid, {
          addr: hex(addr),
          write: true,
          what: `LPI ${op.intid}'s bit in vCPU ${op.vcpu}'s pending table ${op.set ? 'set' : 'cleared'}`,
        });
      } else
        vmEmit(ctx, 'guest.bad', a.vcpu, pcpu, op.intid, {
          problem: `LPI ${op.intid}'s pending bit at ${hex(addr)} is not in guest RAM (vCPU ${op.vcpu}'s GICR_PENDBASER)`,
        });
      next();
      return;
    }
    case 'timer': {
      // CNTV_CVAL_EL0 and CNTV_CTL_EL0 (no trap): a new deadline, or the timer off.
      const t = vm.timers[a.vcpu]!;
      t.gen++;
      t.masked = false;
      t.enabled = op.ns !== null;
      const now = ctx.s.core.time;
      t.cval = op.ns === null ? 0 : now + op.ns;
      vmEmit(ctx, 'guest.timer', a.vcpu, pcpu, VTIMER_INTID, {
        ...(op.ns === null ? { enabled: false } : { enabled: true, cval: t.cval, in: op.ns }),
        what:
          op.ns === null
            ? 'CNTV_CTL_EL0.ENABLE = 0: the virtual timer is off'
            : `CNTV_CVAL_EL0 = ${t.cval} ns, CNTV_CTL_EL0.ENABLE = 1: the virtual timer fires in ${op.ns} ns`,
      });
      if (op.ns !== null) schedule(ctx, op.ns, 'vtimer.expire', { vcpu: a.vcpu, gen: t.gen });
      next();
      return;
    }
    case 'lpi-config': {
      const addr = vgicPropTableBase(vm.vgic) + (op.intid - VGIC_MIN_LPI);
      if (op.intid >= VGIC_MIN_LPI && memVisible(vm.mem, addr, 1)) {
        memWriteBytes(vm.mem, addr, [op.value & 0xff]);
        vmEmit(ctx, 'guest.mem', a.vcpu, pcpu, op.intid, {
          addr: hex(addr),
          write: true,
          value: hex(op.value),
          what: 'LPI configuration byte',
        });
      } else
        vmEmit(ctx, 'guest.bad', a.vcpu, pcpu, op.intid, {
          problem: `LPI ${op.intid}'s byte at ${hex(addr)} is not in guest RAM (GICR_PROPBASER)`,
        });
      next();
      return;
    }
  }
}

/** 'kvm.mmio': KVM emulates the guest's access to its GIC frames, then the vCPU enters again. */
function kvmMmio(
  ctx: VmContext,
  a: { vcpu: number; addr: number; width: AccessWidth; write: boolean; value: string },
): void {
  const vm = ctx.s.vm;
  const f = guestFrame(ctx, a.addr);
  const value = BigInt(a.value);
  const pcpu = pcpuOf(ctx, a.vcpu);
  let reg = '';
  let ok: boolean;
  let read = 0n;
  const notes: string[] = [];
  if (f.unit === 'gicd' || f.unit === 'gicr') {
    const mctx = { vgic: vm.vgic, phys: physLines(ctx) };
    const r =
      f.unit === 'gicd'
        ? vgicDistAccess(mctx, a.vcpu, f.offset, a.width, a.write, value)
        : vgicRedistAccess(mctx, f.n, f.offset, a.width, a.write, value, a.vcpu);
    reg = r.reg;
    ok = r.ok;
    read = r.value;
    if (r.reason) notes.push(r.reason);
    notes.push(...afterVgicWrite(ctx, r));
  } else if (f.unit === 'its') {
    const r = a.write
      ? mmioWrite(ctx, f.n, GITS_REGISTERS, f.offset, a.width, value)
      : mmioRead(ctx, f.n, GITS_REGISTERS, f.offset, a.width);
    ok = r.ok;
    reg = r.name ?? '';
    if (r.ok && 'value' in r) read = (r as { value: bigint }).value;
    if (!r.ok) notes.push(r.problem);
    notes.push(...ctx.notes.splice(0));
  } else {
    ok = false;
    notes.push('not a GIC frame of the VM');
  }
  vmEmit(ctx, 'vgic.mmio', a.vcpu, pcpu, -1, {
    addr: hex(a.addr),
    reg: reg || hex(a.addr),
    write: a.write,
    width: a.width,
    value: hex(a.write ? value : read),
    ok,
    ...(notes.length ? { notes } : {}),
  });
  schedule(ctx, hopCost(ctx, 'trapEmulate'), 'kvm.enter', { vcpu: a.vcpu });
}

export const GUEST_HANDLERS = {
  'kvm.guest': (ctx: VmContext, a: GuestPass) => guestRun(ctx, a),
  'guest.ack': (ctx: VmContext, a: GuestPass) => guestAck(ctx, a),
  'guest.eoi': (ctx: VmContext, a: GuestPass & { intid: number }) => guestEoi(ctx, a),
  'guest.dir': (ctx: VmContext, a: GuestPass & { intid: number }) => guestDir(ctx, a),
  'guest.unmask': (ctx: VmContext, a: GuestPass) => guestUnmask(ctx, a),
  'guest.icactiver': (ctx: VmContext, a: GuestPass & { intid: number }) => guestIcactiver(ctx, a),
  'guest.eret': (ctx: VmContext, a: GuestPass) => guestEret(ctx, a),
  'kvm.mmio': kvmMmio,
};
