/**
 * Applying the VM inputs (kvm-input-types.ts): the VMM's ioctls and eventfd writes, the guest's
 * code, vCPU pinning. Each input emits exactly one event (its outcome, with KVM's return value and
 * errno name when it fails) and schedules what follows on the VM's context. Nothing throws: a call
 * KVM refuses is an event that says so, and nothing changes.
 */

import type { PlatformMachine } from '../platform/platform-machine';
import { emit, schedule } from '../sim/kernel';
import { UNIT } from '../sim/unit-names';
import { wantGuest } from './guest-software';
import { kvmSetGsiRouting } from './gsi-routing';
import { kvmVmIoctlIrqLine } from './irq-line';
import { eventfdCreate, kvmIrqfd } from './irqfd';
import type { GuestOp, KvmCall, KvmInput } from './kvm-input-types';
import { E_ITS } from '../its/errors';
import { translate } from '../its/lookup';
import { kvmSendUserspaceMsi, kvmSignalMsiReturn, type VitsMsiOutcome } from './msi';
import { enterLoaded, kickAll, loadsOf, physLines, putVpes, vmEmit, wantSchedule } from './vcpu-tasks';
import { kvmVcpuPlace, NO_PCPU } from './vcpu-run';
import { scheduleIrqfdInjection } from './vm-handlers';
import { migrateVm } from './vm-migrate';
import { vmIrqContext } from './vm-state';
import { vgicV4Rebind, vgicV4RoutingUpdate } from './vgic-v4-forwarding';
import { hopCost, vmContext, type VmContext } from './vm-context';

const isU = (v: number, bits: number): boolean => Number.isInteger(v) && v >= 0 && v < 2 ** bits;

/** Why the input cannot be applied at all (a VM, vCPU or pCPU that does not exist), or undefined. */
export function kvmInputProblem(m: PlatformMachine, i: KvmInput): string | undefined {
  const vms = m.s.kvm?.vms ?? [];
  const vm = vms[i.vm];
  if (!vm) return `there is no VM ${i.vm} (the machine has ${vms.length})`;
  if (i.kind === 'guest' || i.kind === 'vcpu-pin') {
    if (!isU(i.vcpu, 16) || i.vcpu >= vm.cfg.vcpus)
      return `${vm.cfg.name} has no vCPU ${i.vcpu} (it has ${vm.cfg.vcpus})`;
  }
  if (
    i.kind === 'vcpu-pin' &&
    i.pcpu !== NO_PCPU &&
    !(isU(i.pcpu, 16) && i.pcpu < m.s.gic.cfg.affinity.length)
  )
    return `there is no pCPU ${i.pcpu} (the host has ${m.s.gic.cfg.affinity.length})`;
  if (i.kind === 'guest' && i.op.kind === 'mmio' && ![8, 16, 32, 64].includes(i.op.width))
    return `an access of ${i.op.width} bits`;
  return undefined;
}

const errText = (r: { ret: number; errno?: string }): string =>
  r.ret < 0 ? ` = -${r.errno ?? r.ret}` : ` = ${r.ret}`;

function applyCall(ctx: VmContext, call: KvmCall): void {
  const vm = ctx.s.vm;
  switch (call.kind) {
    case 'irq-line': {
      const r = kvmVmIoctlIrqLine({ vgic: vm.vgic, cpuLines: [] }, { irq: call.irq, level: call.level });
      vmEmit(ctx, 'kvm.irq-line', -1, -1, r.inject?.intid ?? -1, {
        irq: '0x' + (call.irq >>> 0).toString(16),
        level: call.level,
        ret: r.ret,
        ...(r.errno ? { errno: r.errno } : {}),
        decoded: r.decoded,
        text: `KVM_IRQ_LINE${errText(r)}: ${r.reason}`,
      });
      if (r.inject) kickAll(ctx, [r.inject.result.kick]);
      return;
    }
    case 'signal-msi': {
      const ic = vmIrqContext(ctx.s.vm);
      const r = kvmSendUserspaceMsi(ic.msi, {
        addressLo: call.addressLo,
        addressHi: call.addressHi,
        data: call.data,
        flags: call.flags,
        devid: call.devid,
      });
      const outcome = r.ok ? signalOutcome(ctx, r.its.itsIndex, r.its.devid, r.its.eventid) : undefined;
      const ret = outcome ? kvmSignalMsiReturn(outcome.outcome) : r.ret;
      vmEmit(ctx, 'kvm.signal-msi', -1, -1, -1, {
        ret,
        ...(!r.ok && 'errno' in r && r.errno ? { errno: r.errno } : {}),
        ...(outcome?.outcome.kind === 'errno' ? { errno: 'EBUSY' } : {}),
        text: `KVM_SIGNAL_MSI = ${ret}: ${r.reason}${outcome ? `; ${outcome.why}` : ''}`,
      });
      if (r.ok) scheduleVitsMsi(ctx, r.its.itsIndex, r.its.devid, r.its.eventid, hopCost(ctx, 'vitsInject'));
      return;
    }
    case 'set-gsi-routing': {
      const r = kvmSetGsiRouting(vm.routing, { nr: call.entries.length, flags: 0, entries: call.entries });
      // kvm_arch_update_irqfd_routing: a forwarded irqfd whose route changed falls back to software.
      const fwd = r.ret === 0 ? vgicV4RoutingUpdate(ctx) : [];
      vmEmit(ctx, 'kvm.set-gsi-routing', -1, -1, -1, {
        ret: r.ret,
        ...(r.errno ? { errno: r.errno } : {}),
        entries: call.entries.length,
        ...(fwd.length ? { forwarding: fwd } : {}),
        text: `KVM_SET_GSI_ROUTING${errText(r)}: ${r.reason}${fwd.length ? `; ${fwd.join('; ')}` : ''}`,
      });
      return;
    }
    case 'eventfd': {
      const fd = eventfdCreate(vm.irqfd);
      vmEmit(ctx, 'vmm.eventfd', -1, -1, -1, { fd, text: `eventfd() = ${fd}` });
      return;
    }
    case 'irqfd': {
      const r = kvmIrqfd(vmIrqContext(ctx.s.vm), vm.irqfd, {
        fd: call.fd,
        gsi: call.gsi,
        flags: call.flags,
        resamplefd: call.resamplefd,
      });
      // The irqfd is an irq-bypass consumer: paired with VFIO's producer on the same eventfd.
      const fwd = r.ret === 0 ? vgicV4Rebind(ctx) : [];
      vmEmit(ctx, 'kvm.irqfd', -1, -1, -1, {
        fd: call.fd,
        gsi: call.gsi,
        ret: r.ret,
        ...(r.errno ? { errno: r.errno } : {}),
        ...(fwd.length ? { forwarding: fwd } : {}),
        text: `KVM_IRQFD${errText(r)}: ${r.reason}${fwd.length ? `; ${fwd.join('; ')}` : ''}`,
      });
      if (r.inject) scheduleIrqfdInjection(ctx, r.inject);
      return;
    }
    case 'eventfd-signal':
      vmEmit(ctx, 'vmm.eventfd-write', -1, -1, -1, { fd: call.fd, text: `write(${call.fd}, 1)` });
      schedule(ctx, hopCost(ctx, 'eventfdSignal'), 'eventfd.signal', { fd: call.fd, by: 'vmm' });
      return;
    case 'migrate': {
      // KVM_DEV_ARM_ITS_SAVE_TABLES with a forwarded LPI: -EACCES without GICv4.1 (its pending
      // state is in the hardware). GICv4.1's path (reading each vLPI from its unmapped vPE's VPT)
      // is not modelled either, so the model refuses both and changes nothing.
      const fwd = vm.v4?.forwarded ?? [];
      if (fwd.length) {
        vmEmit(ctx, 'kvm.migrate', -1, -1, -1, {
          errno: 'EACCES',
          forwarded: fwd.map((f) => f.vintid),
          text:
            `KVM_DEV_ARM_ITS_SAVE_TABLES = -EACCES: LPI ${fwd.map((f) => f.vintid).join(', ')} is forwarded to the hardware (GICv4)` +
            (vm.v4!.v41
              ? '; on GICv4.1 KVM would read it back from the VPT, which the model does not do'
              : ''),
        });
        return;
      }
      const r = migrateVm(ctx);
      const errors = [...r.saved, ...r.restored].flatMap((x) => (x.error ? [x.error] : []));
      vmEmit(ctx, 'kvm.migrate', -1, -1, -1, {
        stopped: r.stopped,
        saved: r.saved.map((x) => ({ devices: x.devices, events: x.events, collections: x.collections })),
        pendingSaved: r.pendingSaved,
        restored: r.restored.map((x) => ({
          devices: x.devices,
          events: x.events,
          collections: x.collections,
          pendingFromTables: x.pendingFromTables,
        })),
        ...(errors.length ? { errors } : {}),
        text:
          `vCPUs stopped (${r.stopped.length} kicked out of the guest); ITS tables saved ` +
          `(${r.saved.reduce((n, x) => n + x.events, 0)} event(s)), ${r.pendingSaved} pending bit(s) saved; ` +
          `restored from guest memory: ${r.restored.reduce((n, x) => n + x.events, 0)} event(s), ` +
          `${r.restored.reduce((n, x) => n + x.pendingFromTables, 0)} LPI(s) pending again` +
          (errors.length ? `; ${errors.join('; ')}` : ''),
      });
      for (const e of r.exits) kickAll(ctx, e.sync.pruned.kicks);
      // The vCPUs resume: each loaded one enters again; the LPIs restored pending were queued.
      vm.run.vcpus.forEach((run, v) => {
        if (run.mode === 'host') schedule(ctx, hopCost(ctx, 'vcpuLoad'), 'kvm.enter', { vcpu: v });
      });
      kickAll(
        ctx,
        vm.vgic.vcpus.flatMap((c, v) => (c.apList.length ? [v] : [])),
      );
      return;
    }
    case 'vfio-irq': {
      const dev = ctx.host.s.machine.devices.find((d) => d.name === call.device);
      const assigned = vm.cfg.assigned.some((x) => x.device === call.device);
      const problem = !dev
        ? `there is no host device '${call.device}'`
        : !assigned
          ? `${call.device} is not assigned to ${vm.cfg.name}`
          : !vm.irqfd.files.some((f) => f.fd === call.fd && f.kind === 'eventfd')
            ? `${call.fd} is not an eventfd (-EBADF)`
            : undefined;
      let fwd: string[] = [];
      if (!problem) {
        vm.vfio = vm.vfio.filter((v) => !(v.device === call.device && v.vector === call.vector));
        vm.vfio.push({ device: call.device, vector: call.vector, hostIntid: call.hostIntid, fd: call.fd });
        // VFIO's vector is an irq-bypass producer: paired with an irqfd on the same eventfd.
        fwd = vgicV4Rebind(ctx);
      }
      vmEmit(ctx, 'vfio.set-irqs', -1, -1, call.hostIntid, {
        device: call.device,
        vector: call.vector,
        fd: call.fd,
        ...(problem ? { problem } : {}),
        ...(fwd.length ? { forwarding: fwd } : {}),
        text: problem
          ? `VFIO_DEVICE_SET_IRQS refused: ${problem}`
          : `VFIO_DEVICE_SET_IRQS: ${call.device} MSI vector ${call.vector} (host LPI ${call.hostIntid}) signals eventfd ${call.fd}` +
            (fwd.length ? `; ${fwd.join('; ')}` : ''),
      });
      return;
    }
  }
}

/**
 * What vgic_its_inject_msi will return for this MSI, decided now as KVM decides it, synchronously
 * inside the ioctl (the translation's events follow, at the model's pace): delivered, blocked by
 * the guest's tables (an E_ITS_* code: the ioctl returns 0), or -EBUSY (the vITS or the target's
 * LPIs disabled).
 */
function signalOutcome(
  ctx: VmContext,
  itsIndex: number,
  devid: number,
  eventid: number,
): { outcome: VitsMsiOutcome; why: string } {
  const its = ctx.s.vm.its[itsIndex]!;
  if ((its.ctlr & 1) === 0)
    return { outcome: { kind: 'errno', ret: -16 }, why: 'the virtual ITS is disabled (-EBUSY)' };
  const w = translate(ctx, its, devid, eventid, null);
  if (!w.ok)
    return {
      outcome: { kind: 'its-error', code: E_ITS.E_ITS_INT_UNMAPPED_INTERRUPT },
      why: `blocked by the guest's tables (${w.reason}): returns 0`,
    };
  if (!ctx.kvmLpis.enabled(ctx, w.value.target.cpu))
    return {
      outcome: { kind: 'errno', ret: -16 },
      why: `vCPU ${w.value.target.cpu}'s LPIs are disabled (-EBUSY)`,
    };
  return {
    outcome: { kind: 'delivered' },
    why: `LPI ${w.value.ite.intid} for vCPU ${w.value.target.cpu}: returns 1`,
  };
}

/** A virtual ITS translation of DeviceID/EventID (vgic_its_inject_msi), `delay` from now. */
export function scheduleVitsMsi(
  ctx: VmContext,
  its: number,
  devid: number,
  eventid: number,
  delay: number,
): void {
  schedule(ctx, delay, 'its.translate', { its, devid, eventid, stage: 'arrive', from: 'device' });
}

export function applyKvmInput(m: PlatformMachine, i: KvmInput): void {
  const problem = kvmInputProblem(m, i);
  if (problem) {
    emit(m, 'input.bad', UNIT.machine, -1, -1, -1, -1, -1, { input: i.kind, problem });
    return;
  }
  const ctx = vmContext(m, i.vm);
  const vm = ctx.s.vm;
  switch (i.kind) {
    case 'kvm':
      applyCall(ctx, i.call);
      return;
    case 'guest': {
      const g = vm.guest[i.vcpu]!;
      const r = vm.run.vcpus[i.vcpu]!;
      g.program.push(i.op);
      const woke = r.mode === 'blocked';
      // A guest with work does not sit in WFI: the scenario's guest code stands for a task the
      // guest kernel would have been woken for (its timer), so a blocked vCPU becomes runnable.
      if (woke) {
        r.mode = 'runnable';
        r.runnableSince = ++vm.run.clock;
      }
      vmEmit(ctx, 'guest.program', i.vcpu, r.pcpu, -1, {
        op: describeOp(i.op),
        queued: g.program.length,
        mode: r.mode,
        ...(woke ? { woke: 'the vCPU was blocked in WFI: the guest has work, so it runs again' } : {}),
      });
      if (r.mode === 'guest') wantGuest(ctx, i.vcpu);
      else if (r.mode === 'runnable') wantSchedule(ctx);
      return;
    }
    case 'vcpu-pin': {
      // The move may preempt two vCPUs (the one moved, and the one in its way): one event tells
      // the whole placement, its exits' folds included.
      const res = kvmVcpuPlace(vm.run, vm.vgic, i.vcpu, i.pcpu, physLines(ctx));
      const exits = res.events.filter(
        (e): e is Extract<typeof e, { kind: 'vcpu.exit' }> => e.kind === 'vcpu.exit',
      );
      const loads = loadsOf(res.events);
      vmEmit(ctx, 'vcpu.pin', i.vcpu, i.pcpu, -1, {
        pcpu: i.pcpu,
        ok: res.ok,
        ...(res.error ? { problem: res.error } : {}),
        preempted: exits.map((e) => ({ vcpu: e.vcpu, pcpu: e.pcpu, folded: e.sync.folded?.lrs.length ?? 0 })),
        loads: loads.map((e) => ({ vcpu: e.vcpu, pcpu: e.pcpu })),
        mode: vm.run.vcpus[i.vcpu]!.mode,
      });
      for (const e of exits) kickAll(ctx, e.sync.pruned.kicks);
      putVpes(ctx, res.events);
      enterLoaded(ctx, loads);
      wantSchedule(ctx);
      return;
    }
  }
}

function describeOp(op: GuestOp): string {
  switch (op.kind) {
    case 'mmio':
      return `${op.write ? 'write' : 'read'}${op.width} @0x${op.addr.toString(16)}${op.write ? ` 0x${op.value.toString(16)}` : ''}`;
    case 'icc':
      return `${op.write ? 'write' : 'read'} ${op.reg}${op.write ? ` 0x${op.value.toString(16)}` : ''}`;
    case 'mem':
      return `store ${op.bytes.length} byte(s) @0x${op.addr.toString(16)}`;
    case 'its-cmd':
      return `ITS command ${op.name} to vITS ${op.its}`;
    case 'lpi-config':
      return `LPI ${op.intid} configuration 0x${op.value.toString(16)}`;
    case 'lpi-pending':
      return `LPI ${op.intid} ${op.set ? 'set' : 'cleared'} in vCPU ${op.vcpu}'s pending table`;
    case 'timer':
      return op.ns === null ? 'virtual timer off (CNTV_CTL_EL0.ENABLE = 0)' : `virtual timer in ${op.ns} ns`;
  }
}
