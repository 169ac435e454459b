/**
 * Every task a VM runs, in one table, and how the host machine reaches it: the kernel's
 * SCOPED_TASK carries the VM's index, and `scopedTask` runs the named handler on that VM's
 * context (vm-context.ts). Besides the run loop (vcpu-tasks.ts) and the guest (guest-software.ts),
 * this file holds the paths into the vgic from outside the guest:
 *
 *  - the virtual ITS's own tasks (engine/its under KVM's rules), and the two it sends to "the
 *    redistributor", which in a VM is the vgic: an LPI made pending or cleared
 *    (vgic_its_trigger_msi, CLEAR) and a configuration reload (INV/INVALL: update_lpi_config);
 *  - an eventfd signalled (by the VMM, or by VFIO's interrupt handler) and the irqfd bound to it
 *    injecting through the GSI routing: an irqchip route into an SPI, an MSI route into the
 *    virtual ITS;
 *  - VFIO's handler for an assigned device's host interrupt (vfio_msihandler), which the host
 *    reaches through `kvmHostInterrupt` when its software acknowledges that interrupt.
 */

import type { DirectInvTask } from '../gic/redistributor';
import { GIC_HANDLERS, type LpiRequest, type VptTask } from '../gic/gic-tasks';
import type { VinvRequest, VlpiRequest } from '../gic/vlpi';
import { wantGuest } from './guest-software';
import { wakeHostOps } from './host-ops';
import { residentVcpu, vgicV4Doorbell, vgicV4Init } from './vgic-v4';
import { forwardedOf, v4Invall, v4PropUpdate, v4SetPending } from './vgic-v4-forwarding';
import { ITS_HANDLERS } from '../its/its-tasks';
import { offsetOf } from '../its/command-queue';
import { cacheFlush, cacheLookup } from '../its/translation-cache';
import { SOFTWARE_HANDLERS } from '../platform/software';
import type { PlatformMachine } from '../platform/platform-machine';
import { InternalError, schedule, type ScopedTask } from '../sim/kernel';
import { GUEST_HANDLERS } from './guest-software';
import { eventfdSignal, type IrqfdInjection } from './irqfd';
import { kickAll, kvmHostIdle, kvmHostIrqExit, VCPU_HANDLERS, vmEmit } from './vcpu-tasks';
import { hopCost, vmContext, type VmContext } from './vm-context';
import { vgicLpiInvalidate, vgicLpiSetPending } from './vgic-lpi';
import { vmIrqContext } from './vm-state';
import { NO_VCPU } from './vgic-irq';

/**
 * 'gicr.lpi' in a VM: the vITS made an LPI pending (MSI, INT) or cleared it (CLEAR). Its cost is in
 * `vitsInject` (vgic_its_inject_msi: translation, latch, vgic_queue_irq_unlock), so the kick
 * follows at once. An injection made inside a host interrupt handler (an irqfd whose translation
 * was cached) kicks from that pCPU, and that handler then returns.
 */
function vgicLpiTask(ctx: VmContext, r: LpiRequest): void {
  const vm = ctx.s.vm;
  // A forwarded LPI's pending state is the hardware's (vgic_its_trigger_msi, CLEAR on an hw LPI).
  const fwd = forwardedOf(vm, r.intid);
  if (fwd) {
    v4SetPending(ctx, fwd, r.set, `the guest's ${r.via} on forwarded vLPI ${r.intid}`);
    vmEmit(ctx, r.set ? 'vgic.lpi.pending' : 'vgic.lpi.clear', -1, -1, r.intid, {
      via: r.via,
      its: r.its,
      devid: r.devid,
      eventid: r.eventid,
      found: true,
      forwarded: true,
      text: `LPI ${r.intid} is forwarded (GICv4): KVM sets its pending state in the hardware (${r.set ? 'INT' : 'CLEAR'} on the host ITS)`,
    });
    return;
  }
  const at = vm.inIrq.findIndex((x) => x.its === r.its && x.devid === r.devid && x.eventid === r.eventid);
  const inIrq = at >= 0 && r.via === 'MSI' ? vm.inIrq.splice(at, 1)[0] : undefined;
  const res = vgicLpiSetPending(vm.vgic, r.intid, r.set);
  const irq = vm.vgic.dist.lpis.get(r.intid);
  vmEmit(ctx, r.set ? 'vgic.lpi.pending' : 'vgic.lpi.clear', -1, -1, r.intid, {
    via: r.via,
    its: r.its,
    devid: r.devid,
    eventid: r.eventid,
    found: res.found,
    ...(irq
      ? { target: irq.targetVcpu, enabled: irq.enabled, priority: irq.priority, queuedOn: irq.vcpu }
      : {}),
    ...(!res.found ? { problem: `LPI ${r.intid} is not mapped in the vgic` } : {}),
    ...(inIrq ? { inIrqOf: { pcpu: inIrq.pcpu, intid: inIrq.intid } } : {}),
  });
  kickAll(ctx, res.kicks, 0, inIrq?.pcpu);
  if (inIrq) schedule(ctx, 0, 'host.eoi', { cpu: inIrq.pcpu, intid: inIrq.intid });
}

/** 'gicr.inv' in a VM: INV (one LPI) or INVALL (every LPI on the vCPU) re-reads the property table. */
function vgicInvTask(ctx: VmContext, t: DirectInvTask): void {
  const vm = ctx.s.vm;
  const r = vgicLpiInvalidate(vm.vgic, vm.mem, t.cpu, t.intid);
  // its_prop_update_vlpi for each forwarded LPI whose configuration was re-read.
  const fwd = (t.intid >= 0 ? [t.intid] : r.updated).flatMap((i) => forwardedOf(vm, i) ?? []);
  for (const f of fwd) v4PropUpdate(ctx, f);
  if (t.intid < 0 && vm.v4) v4Invall(ctx, t.cpu);
  vmEmit(ctx, 'vgic.lpi.inv', t.cpu, -1, t.intid, {
    via: t.via,
    updated: r.updated,
    ...(fwd.length ? { forwarded: fwd.map((f) => f.vintid) } : {}),
  });
  kickAll(ctx, r.kicks);
}

/** 'its.caches.flush' in a VM: every virtual ITS's translation cache. */
function vitsCacheFlush(ctx: VmContext, a: { reason: string }): void {
  let n = 0;
  for (const its of ctx.s.vm.its) n += cacheFlush(its);
  vmEmit(ctx, 'its.cache.flush', -1, -1, -1, { reason: a.reason, entries: n });
}

/** The host interrupt whose handler signalled the eventfd (VFIO), if any. */
export interface HostIrq {
  pcpu: number;
  intid: number;
}

/**
 * What an irqfd injection asks for next (irqfd_wakeup). An SPI route injects at once
 * (kvm_arch_set_irq_inatomic). An MSI route injects at once only if the vITS's translation cache
 * holds the DeviceID/EventID; otherwise irqfd_wakeup queues its inject work and returns, and a
 * kworker translates and injects later. Inside a host interrupt handler (`irq`: VFIO's), the
 * handler returns when the in-atomic injection is done, or at once after queuing the work; a kick
 * made in it comes from that pCPU.
 */
export function scheduleIrqfdInjection(ctx: VmContext, inj: IrqfdInjection, irq?: HostIrq): void {
  const vm = ctx.s.vm;
  const kicks: number[] = [];
  for (const st of inj.steps)
    for (const o of st.routes) if (o.kind === 'spi' && 'kick' in o.result) kicks.push(o.result.kick);
  kickAll(
    ctx,
    kicks.filter((k) => k !== NO_VCPU),
    hopCost(ctx, 'vgicQueue'),
    irq?.pcpu,
  );
  let handlerWaits = false;
  for (const msi of inj.msis) {
    const its = vm.its[msi.itsIndex];
    const cached = !!its && cacheLookup(ctx, its, msi.devid, msi.eventid) !== undefined;
    if (irq && cached) {
      vm.inIrq.push({
        its: msi.itsIndex,
        devid: msi.devid,
        eventid: msi.eventid,
        pcpu: irq.pcpu,
        intid: irq.intid,
      });
      handlerWaits = true;
    }
    schedule(ctx, hopCost(ctx, 'irqfdWakeup') + hopCost(ctx, 'vitsInject'), 'its.translate', {
      its: msi.itsIndex,
      devid: msi.devid,
      eventid: msi.eventid,
      stage: 'arrive',
      from: 'device',
    });
  }
  if (irq && !handlerWaits)
    schedule(ctx, hopCost(ctx, 'irqfdWakeup'), 'host.eoi', { cpu: irq.pcpu, intid: irq.intid });
}

/** 'eventfd.signal': the eventfd's counter goes up and its irqfd, if any, injects. */
function eventfdTask(ctx: VmContext, a: { fd: number; by: string; irq?: HostIrq }): void {
  const vm = ctx.s.vm;
  const r = eventfdSignal(vmIrqContext(vm), vm.irqfd, a.fd);
  vmEmit(ctx, 'eventfd.signal', -1, -1, -1, {
    fd: a.fd,
    by: a.by,
    ret: r.ret,
    ...(r.errno ? { errno: r.errno } : {}),
    ...(r.count !== undefined ? { count: r.count } : {}),
    ...(r.inject ? { gsi: r.inject.gsi, msis: r.inject.msis.length } : {}),
    text: r.reason,
  });
  if (r.inject) scheduleIrqfdInjection(ctx, r.inject, a.irq);
  else if (a.irq) schedule(ctx, 0, 'host.eoi', { cpu: a.irq.pcpu, intid: a.irq.intid });
}

/** 'vfio.irq': vfio_msihandler runs for the host interrupt and signals the vector's eventfd. */
function vfioIrqTask(
  ctx: VmContext,
  a: { device: string; vector: number; hostIntid: number; fd: number; pcpu: number },
): void {
  vmEmit(ctx, 'vfio.irq', -1, a.pcpu, a.hostIntid, {
    device: a.device,
    vector: a.vector,
    fd: a.fd,
    pcpu: a.pcpu,
    text: `VFIO's handler for ${a.device} vector ${a.vector} (host LPI ${a.hostIntid}) signals eventfd ${a.fd}`,
  });
  schedule(ctx, hopCost(ctx, 'eventfdSignal'), 'eventfd.signal', {
    fd: a.fd,
    by: `vfio ${a.device}`,
    irq: { pcpu: a.pcpu, intid: a.hostIntid },
  });
}

/**
 * 'host.eoi': the host's handler of an interrupt KVM owned (VFIO's) is done: the host's software
 * ends the interrupt as its policy does for any other (platform/software.ts 'sw.eoi').
 */
function hostEoi(ctx: VmContext, a: { cpu: number; intid: number }): void {
  SOFTWARE_HANDLERS['sw.eoi'](ctx.host, a);
}

const VM_HANDLERS: Record<string, (ctx: VmContext, a: never) => void> = {
  ...VCPU_HANDLERS,
  ...GUEST_HANDLERS,
  'its.process': ITS_HANDLERS['its.process'],
  'its.translate': ITS_HANDLERS['its.translate'],
  'its.caches.flush': vitsCacheFlush,
  'gicr.lpi': vgicLpiTask,
  'gicr.inv': vgicInvTask,
  'eventfd.signal': eventfdTask,
  'vfio.irq': vfioIrqTask,
  'host.eoi': hostEoi,
};

/** The host machine's handler for SCOPED_TASK: runs the VM task on the VM's context. */
export function scopedTask(m: PlatformMachine, t: ScopedTask): void {
  const h = VM_HANDLERS[t.k];
  if (!h) throw new InternalError(`no VM handler for task '${t.k}'`);
  h(vmContext(m, t.scope), t.a as never);
}

/**
 * The host's software acknowledged `intid` on `pcpu`: if VFIO requested it for an assigned
 * device's vector, VFIO's handler runs, and it ends the interrupt when it is done (true).
 */
export function kvmHostInterrupt(m: PlatformMachine, pcpu: number, intid: number): boolean {
  // A vPE's doorbell: its handler runs; the host ends the interrupt as for any other.
  if (vgicV4Doorbell(m, pcpu, intid)) return false;
  for (const vm of m.s.kvm?.vms ?? []) {
    const hit = vm.vfio.find((v) => v.hostIntid === intid);
    if (!hit) continue;
    const ctx = vmContext(m, vm.index);
    schedule(ctx, hopCost(ctx, 'vfioHandler'), 'vfio.irq', { ...hit, pcpu });
    return true;
  }
  return false;
}

/**
 * A physical interrupt is about to be taken on `pcpu`: a vCPU running there exits first. Returns
 * the delay after which the host takes it, or undefined if no vCPU was in the guest there.
 */
export function kvmPcpuIrq(m: PlatformMachine, pcpu: number, intid: number): number | undefined {
  for (const vm of m.s.kvm?.vms ?? []) {
    const d = kvmHostIrqExit(vmContext(m, vm.index), pcpu, intid);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** The host's handler on `pcpu` returned: a vCPU waiting there enters the guest again. */
export function kvmPcpuIdle(m: PlatformMachine, pcpu: number): void {
  for (const vm of m.s.kvm?.vms ?? []) kvmHostIdle(vmContext(m, vm.index), pcpu);
}

/**
 * The host GIC's GICv4 tasks, run as the platform runs them, then: a vLPI (or the end of a VPT
 * parse, or a reloaded configuration) may now be presented to a vCPU running on that pCPU, whose
 * guest then takes it without KVM.
 */
function afterVirtual(m: PlatformMachine, cpu: number): void {
  const r = residentVcpu(m, cpu);
  if (r) wantGuest(r.ctx, r.vcpu);
}

export const V4_GIC_HANDLERS = {
  // The host ITS's queue moved: a pCPU waiting in its_send_single_command goes on.
  'its.process': (m: PlatformMachine, i: number) => {
    ITS_HANDLERS['its.process'](m, i);
    if (!m.s.kvm?.v4 || !m.emitted) return;
    wakeHostOps(m, { its: i });
    // The host's ITS is up and its driver's setup commands have all run (the queue is empty again):
    // VMs waiting for vgic_v4_init get it, after the host mapped its collections, as in Linux.
    const its = m.s.its[i]!;
    if (offsetOf(its.creadr) === offsetOf(its.cwriter))
      for (const vm of m.s.kvm.vms) if (vm.cfg.gicv4 && !vm.v4) vgicV4Init(m, vm.index, 0);
    // A command (VSGI, VINVALL...) may have changed what a resident vPE presents.
    for (let c = 0; c < m.s.gic.rd.length; c++) afterVirtual(m, c);
  },
  'its.sgir': (m: PlatformMachine, t: { its: number; vpeid: number; vintid: number }) => {
    ITS_HANDLERS['its.sgir'](m, t);
    if (m.s.kvm?.v4) for (let c = 0; c < m.s.gic.rd.length; c++) afterVirtual(m, c);
  },
  'gicr.vlpi': (m: PlatformMachine, r: VlpiRequest) => {
    GIC_HANDLERS['gicr.vlpi'](m, r);
    afterVirtual(m, r.cpu);
  },
  'gicr.vpt': (m: PlatformMachine, t: VptTask) => {
    GIC_HANDLERS['gicr.vpt'](m, t);
    wakeHostOps(m, { rd: t.cpu });
    afterVirtual(m, t.cpu);
  },
  'gicr.vinv': (m: PlatformMachine, t: VinvRequest) => {
    GIC_HANDLERS['gicr.vinv'](m, t);
    afterVirtual(m, t.cpu);
  },
};

/** Starts the VMs of a new machine: their vCPU threads are runnable and the scheduler places them. */
export function kvmStart(m: PlatformMachine): void {
  for (const vm of m.s.kvm?.vms ?? []) {
    const ctx = vmContext(m, vm.index);
    if (!vm.scheduleQueued) {
      vm.scheduleQueued = true;
      schedule(ctx, 0, 'kvm.schedule', {});
    }
  }
}
