/**
 * The host kernel running its GICv4 driver code on a pCPU: each pCPU has a queue of driver
 * operations (its-v4-host.ts HostOp) that KVM's vgic-v4 code appends to, run in order, one task
 * each, so that what Linux does between two guest entries can be stepped through:
 *
 *  - an ITS command is written into the host ITS's command queue at GITS_CWRITER and announced by
 *    a GITS_CWRITER write (that write is the operation's event); then, as its_send_single_command
 *    does, the pCPU waits until GITS_CREADR has moved past it before it goes on. The ITS's own
 *    task wakes it (no polling events). An ITS that stalls on the command is given up on, as
 *    Linux gives up after its timeout ("ITS queue timeout"), and said so; an ITS that never
 *    processes (disabled) leaves the pCPU waiting, as a real one would;
 *  - a register write (GICR_VPROPBASER, GICR_VPENDBASER, GICR_INVLPIR) is a bus access: its event;
 *  - a wait on GICR_VPENDBASER.Dirty ends when the redistributor has parsed the VPT (its task wakes
 *    the pCPU), with one event;
 *  - a property-table byte written by the driver (lpi_write_config) is its own event;
 *  - 'then' resumes the VM's run loop (the entry that waited for vgic_v4_load, for example).
 *
 * Operations of one pCPU are strictly ordered (a descheduling finishes before the next vCPU's
 * scheduling writes GICR_VPENDBASER); different pCPUs interleave, sharing the one command queue as
 * Linux's CPUs share it under the ITS lock.
 */

import { encodeCommand } from '../its/command-encoding';
import { isStalled, offsetOf, queueGeometry } from '../its/command-queue';
import { memVisible, memWriteU8 } from '../mem/memory';
import { busAccess } from '../platform/bus';
import type { PlatformMachine } from '../platform/platform-machine';
import { emit, schedule } from '../sim/kernel';
import { cpuUnit } from '../sim/unit-names';
import { VPENDBASER_DIRTY, VPENDBASER_IDAI, VPENDBASER_PENDING_LAST } from '../gic/vlpi';
import { redistAddress, VLPI_BASE } from '../gic/gic-config';
import type { HostOp, HostOpQueue, KvmV4Host } from './its-v4-host';
import { kvmCostOf } from './vm-context';
import { scopedTask } from './vm-handlers';

const cost = (m: PlatformMachine, key: string): number => kvmCostOf(m)[key] ?? 0;

function hostOf(m: PlatformMachine): KvmV4Host | undefined {
  return m.s.kvm?.v4;
}

/** Appends driver operations to pCPU `pcpu`'s queue and starts it if idle. */
export function hostRun(m: PlatformMachine, pcpu: number, ops: HostOp[], delay = 0): void {
  const h = hostOf(m);
  const q = h?.queues[pcpu];
  if (!q || !ops.length) return;
  q.ops.push(...ops);
  if (q.busy) return;
  q.busy = true;
  schedule(m, delay, 'kvm.hostop', { pcpu });
}

/** The address of redistributor `cpu`'s VLPI_base frame register at `offset`. */
export function vlpiRegister(m: PlatformMachine, cpu: number, offset: number): number {
  return redistAddress(m.s.gic.cfg, cpu) + VLPI_BASE + offset;
}

const bytesLE = (v: bigint, n: number): number[] =>
  Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));

function next(m: PlatformMachine, pcpu: number, delay: number): void {
  schedule(m, delay, 'kvm.hostop', { pcpu });
}

/** Whether the pCPU's wait is over: 'done', 'stalled' (the ITS stalled on it) or 'waiting'. */
function waitState(m: PlatformMachine, w: NonNullable<HostOpQueue['wait']>): 'done' | 'stalled' | 'waiting' {
  if ('dirty' in w) return (m.s.gic.rd[w.dirty]!.vpendbaser & VPENDBASER_DIRTY) === 0n ? 'done' : 'waiting';
  const its = m.s.its[w.its];
  if (!its) return 'done';
  const size = queueGeometry(its).size;
  const rd = offsetOf(its.creadr);
  const wr = offsetOf(its.cwriter);
  if (!size || rd === wr) return 'done';
  const toRd = (rd - w.slot + size) % size;
  if (toRd > 0 && toRd <= (wr - w.slot + size) % size) return 'done';
  return isStalled(its) && rd === w.slot ? 'stalled' : 'waiting';
}

/**
 * 'kvm.hostop': the pCPU goes on with its driver operations. It runs operations until one emits
 * an event (the next follows after that operation's cost) or has to wait; operations that emit
 * nothing (a continuation that found nothing to do) do not end the turn.
 */
function hostOpTask(m: PlatformMachine, a: { pcpu: number }): void {
  const q = hostOf(m)?.queues[a.pcpu];
  if (!q) return;
  if (q.wait) {
    const w = waitState(m, q.wait);
    if (w === 'waiting') return;
    const was = q.wait;
    q.wait = undefined;
    if (w === 'stalled' && 'its' in was) {
      emit(m, 'kvm.v4.timeout', cpuUnit(a.pcpu), a.pcpu, was.its, -1, -1, -1, {
        text: 'the host ITS stalled on the driver\'s command (GITS_CREADR.Stalled): Linux gives up waiting after its timeout ("ITS queue timeout") and carries on; so does the model',
      });
      if (q.ops.length) next(m, a.pcpu, 0);
      else q.busy = false;
      return;
    }
  }
  for (;;) {
    const op = q.ops.shift();
    if (!op) {
      q.busy = false;
      return;
    }
    const r = runOp(m, a.pcpu, op, q);
    if (r === 'waiting') return;
    if (m.emitted) {
      if (q.ops.length) next(m, a.pcpu, r);
      else q.busy = false;
      return;
    }
  }
}

/** Wakes the pCPUs waiting on ITS `its` (its queue moved) or on redistributor `rd` (a VPT parsed). */
export function wakeHostOps(m: PlatformMachine, what: { its: number } | { rd: number }): void {
  const h = hostOf(m);
  if (!h) return;
  h.queues.forEach((q, pcpu) => {
    const w = q.wait;
    if (!w) return;
    const mine = 'its' in what ? 'its' in w && w.its === what.its : 'dirty' in w && w.dirty === what.rd;
    if (mine && waitState(m, w) !== 'waiting') next(m, pcpu, 0);
  });
}

/** Runs one operation; returns the delay before the next, or 'waiting'. */
function runOp(m: PlatformMachine, pcpu: number, op: HostOp, q: HostOpQueue): number | 'waiting' {
  const by = `cpu${pcpu} (host its driver)`;
  switch (op.k) {
    case 'cmd': {
      const its = m.s.its[op.its];
      const enc = encodeCommand(op.name, op.fields);
      const g = its ? queueGeometry(its) : undefined;
      if (!its || !g || !g.valid || !enc.ok) {
        emit(m, 'kvm.v4.cmd', cpuUnit(pcpu), pcpu, op.its, -1, -1, -1, {
          command: op.name,
          why: op.why,
          problem: !its
            ? `there is no ITS ${op.its}`
            : !enc.ok
              ? enc.error
              : 'the host ITS has no valid command queue (GITS_CBASER): the command is lost',
        });
        return cost(m, 'hostItsCmd');
      }
      const off = offsetOf(its.cwriter);
      const nextOff = (off + 32) % g.size;
      if (nextOff === offsetOf(its.creadr)) {
        // The queue is full: the driver waits for the ITS to make room, then posts.
        q.ops.unshift(op);
        q.wait = { its: op.its, slot: offsetOf(its.creadr) };
        return 'waiting';
      }
      const addr = g.base + off;
      if (memVisible(m.s.mem, addr, 32)) {
        const bytes = enc.dws.flatMap((d) => bytesLE(d, 8));
        for (let i = 0; i < 32; i++) memWriteU8(m.s.mem, addr + i, bytes[i]!);
      }
      busAccess(m, its.cfg.base + 0x88, 64, true, BigInt(nextOff), `${by}: ${op.name} (${op.why})`);
      q.wait = { its: op.its, slot: off };
      return 'waiting';
    }
    case 'write64':
      busAccess(m, op.addr, 64, true, op.value, `${by}: ${op.why}`);
      return cost(m, 'hostMmio');
    case 'vpend-wait': {
      const rd = m.s.gic.rd[op.cpu]!;
      if ((rd.vpendbaser & VPENDBASER_DIRTY) !== 0n) {
        // Not parsed yet: the redistributor's 'gicr.vpt' wakes the pCPU (its_wait_vpt_parse_complete).
        q.ops.unshift(op);
        q.wait = { dirty: op.cpu };
        return 'waiting';
      }
      const v = rd.vpendbaser;
      const vm = m.s.kvm?.vms[op.vm];
      // GICv4.1 without a doorbell: the driver set PendingLast itself and takes pending_last as
      // true without reading it back (its_vpe_4_1_deschedule); otherwise PendingLast as read.
      const pendingLast = vm?.v4?.v41 && op.record && !op.db ? true : (v & VPENDBASER_PENDING_LAST) !== 0n;
      const vpe = vm?.v4?.vpes[op.vcpu];
      if (op.record && vpe && vm) {
        vpe.pendingLast = pendingLast;
        if (!vm.v4!.v41) vpe.idai = (v & VPENDBASER_IDAI) !== 0n;
        vm.vgic.vcpus[op.vcpu]!.vpePendingLast = pendingLast;
      }
      emit(m, 'kvm.v4.vpt', cpuUnit(pcpu), pcpu, -1, -1, -1, -1, {
        vm: op.vm,
        vcpu: op.vcpu,
        rd: op.cpu,
        vpendbaser: '0x' + v.toString(16),
        ...(op.record ? { pendingLast } : {}),
        text: op.record
          ? `GICR_VPENDBASER.Dirty reads 0: vCPU ${op.vcpu}'s vPE is out; PendingLast = ${pendingLast ? 1 : 0} (${pendingLast ? 'something may be pending: pending_last set' : 'nothing pending'})`
          : `GICR_VPENDBASER.Dirty reads 0: the VPT of vCPU ${op.vcpu}'s vPE is parsed; the vCPU may enter`,
      });
      return cost(m, 'hostMmio');
    }
    case 'config': {
      if (memVisible(m.s.mem, op.addr, 1)) memWriteU8(m.s.mem, op.addr, op.byte);
      emit(m, 'kvm.v4.config', cpuUnit(pcpu), pcpu, -1, op.intid, -1, -1, {
        addr: '0x' + op.addr.toString(16),
        byte: '0x' + op.byte.toString(16),
        text: op.why,
      });
      return cost(m, 'hostMmio');
    }
    case 'event':
      emit(m, op.kind, cpuUnit(pcpu), pcpu, -1, -1, -1, -1, { vm: op.vm, ...op.data });
      return 0;
    case 'init-done': {
      const v4 = m.s.kvm?.vms[op.vm]?.v4;
      if (v4) v4.initQueue = -1;
      return 0;
    }
    case 'then':
      // The run loop goes on, in this task (it emits its own event, if it has something to say).
      scopedTask(m, { scope: op.vm, k: op.task, a: op.args });
      return 0;
  }
}

export const HOST_OP_HANDLERS = {
  'kvm.hostop': hostOpTask,
};
