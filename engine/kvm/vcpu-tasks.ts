/**
 * KVM's run loop as timed tasks: each transition of vcpu-run.ts becomes one event, and the model
 * time between them is the cost model's (cost-model.ts). This is the wiring the pure modules leave
 * to it: what follows an exit, when a kick's IPI arrives, when the scheduler runs, when the guest
 * gets to run its code again.
 *
 *     kvm.schedule ─▶ kvm.enter ─▶ kvm.guest ─▶ (guest software) ─▶ exit ─▶ kvm.enter ...
 *                       ▲                                          │
 *       kvm.kick ─▶ kvm.ipi (exit: irq, kick) ─────────────────────┘
 *
 * Every task runs on the VM's context (vm-context.ts) and takes the vCPU it is about. A task that
 * finds its vCPU no longer where it expected (a guest task whose entry has been left, an entry for
 * a vCPU that was moved) does nothing, silently: the pass it belonged to is over.
 *
 * Physical interrupts: a kick's reschedule IPI and the maintenance interrupt are modelled here,
 * at the cost model's latencies, rather than sent through the host's GIC model (the host would
 * need to be brought up by every scenario to see them). A host interrupt that the host's GIC does
 * deliver to a pCPU running a guest (a VFIO device's LPI) makes the vCPU exit first
 * (kvmHostIrqExit) and the vCPU enters again when the host's handler has returned.
 */

import { emit, schedule } from '../sim/kernel';
import { unitId, type Unit } from '../sim/unit-names';
import { kvmVgicInjectIrq, vgicFlushPendingLpis, vgicKickVcpus, vgicV3DispatchSgi } from './ap-list';
import { vmPhysLines, vtimerLine, VTIMER_INTID, VTIMER_OWNER } from './arch-timer';
import { ichMaintenance } from './ich-registers';
import { kvmNotifyAckedPins } from './irqfd';
import { decodeIchLr, type VgicPhysLines } from './list-registers';
import { vgicV4Init, vgicV4Load, vgicV4Put, vgicV4Reload } from './vgic-v4';
import { hopCost, type VmContext } from './vm-context';
import { vmIrqContext } from './vm-state';
import { cacheFlush } from '../its/translation-cache';
import { vgicLpiInvalidate, vgicLpiSyncPendingTable } from './vgic-lpi';
import {
  kvmIpiArrive,
  kvmSchedTick,
  kvmSchedule,
  kvmVcpuEnter,
  kvmVcpuExit,
  kvmVcpuGuestCheck,
  kvmVcpuKick,
  NO_PCPU,
  type VcpuExit,
  type VcpuRunEvent,
} from './vcpu-run';
import { NO_VCPU } from './vgic-irq';

/**
 * The physical lines of a VM's mapped interrupts, as the fold asks for them
 * (vgic_get_phys_line_level): the virtual timer's condition (arch-timer.ts).
 */
export function physLines(ctx: VmContext): VgicPhysLines {
  const vm = ctx.s.vm;
  return vmPhysLines(vm.timers, () => ctx.s.core.time);
}

const vcpuUnits = new Map<string, Unit>();
/** 'vm0.vcpu1'. */
export function vcpuUnit(ctx: VmContext, vcpu: number): Unit {
  const name = `${ctx.s.vm.cfg.name}.vcpu${vcpu}`;
  let u = vcpuUnits.get(name);
  if (u === undefined) vcpuUnits.set(name, (u = unitId(name)));
  return u;
}

/** Emits a VM event about `vcpu`; `pcpu` goes in the event's cpu identifier (-1: none). */
export function vmEmit(
  ctx: VmContext,
  kind: string,
  vcpu: number,
  pcpu: number,
  intid: number,
  data: Record<string, unknown>,
): void {
  emit(ctx, kind, vcpu >= 0 ? vcpuUnit(ctx, vcpu) : vmUnit(ctx), pcpu, -1, intid, -1, -1, {
    vm: ctx.vmIndex,
    ...(vcpu >= 0 ? { vcpu } : {}),
    ...data,
  });
}

const vmUnits = new Map<string, Unit>();
export function vmUnit(ctx: VmContext): Unit {
  const name = ctx.s.vm.cfg.name;
  let u = vmUnits.get(name);
  if (u === undefined) vmUnits.set(name, (u = unitId(name)));
  return u;
}

const hex = (v: bigint | number): string => '0x' + v.toString(16);

/** An LR as events and inspectors show it. */
export function lrView(lr: number, value: bigint): Record<string, unknown> {
  const d = decodeIchLr(value);
  return {
    lr,
    vintid: d.vintid,
    state: d.state,
    priority: d.priority,
    group: d.group,
    hw: d.hw,
    pintid: d.pintid,
    eoi: d.eoi,
  };
}

// ---- Scheduling ------------------------------------------------------------------------------

/** Queues the scheduler for this VM (once). */
export function wantSchedule(ctx: VmContext, delay = 0): void {
  const vm = ctx.s.vm;
  if (vm.scheduleQueued) return;
  vm.scheduleQueued = true;
  schedule(ctx, delay, 'kvm.schedule', {});
}

/** pCPUs a vCPU of another VM occupies. */
function takenByOthers(ctx: VmContext): number[] {
  const out: number[] = [];
  for (const other of ctx.host.s.kvm!.vms)
    if (other.index !== ctx.vmIndex)
      other.run.pcpus.forEach((v, p) => {
        if (v !== NO_VCPU) out.push(p);
      });
  return out;
}

/**
 * Runs a scheduler transition with the pCPUs other VMs occupy marked taken: vcpu-run.ts sees only
 * this VM's threads, so those pCPUs hold a value other than NO_VCPU for the call, then are given
 * back.
 */
function onFreePcpus<T>(ctx: VmContext, f: () => T): T {
  const run = ctx.s.vm.run;
  const others = takenByOthers(ctx);
  for (const p of others) run.pcpus[p] = -2;
  try {
    return f();
  } finally {
    for (const p of others) run.pcpus[p] = NO_VCPU;
  }
}

type LoadEvent = Extract<VcpuRunEvent, { kind: 'vcpu.load' }>;
export const loadsOf = (events: VcpuRunEvent[]): LoadEvent[] =>
  events.filter((e): e is LoadEvent => e.kind === 'vcpu.load');

/**
 * Enters each vCPU just loaded, after the cost of loading it; with GICv4, once vgic_v4_load has
 * made its vPE resident (the host driver's operations on that pCPU, then the entry).
 */
export function enterLoaded(ctx: VmContext, loads: LoadEvent[]): void {
  for (const e of loads) {
    const delay = hopCost(ctx, e.flushContext ? 'vcpuLoadFlush' : 'vcpuLoad');
    const then = { k: 'then' as const, vm: ctx.vmIndex, task: 'kvm.enter', args: { vcpu: e.vcpu } };
    if (!vgicV4Load(ctx.host, ctx.vmIndex, e.vcpu, e.pcpu, then, delay))
      schedule(ctx, delay, 'kvm.enter', { vcpu: e.vcpu });
  }
}

/** vgic_v4_put for each vCPU a transition put (a doorbell wanted when it blocks). */
export function putVpes(ctx: VmContext, events: VcpuRunEvent[]): void {
  for (const e of events)
    if (e.kind === 'vcpu.put') vgicV4Put(ctx.host, ctx.vmIndex, e.vcpu, e.pcpu, e.to === 'blocked');
}

/** A vCPU still waits for a pCPU: the scheduler tick will preempt someone when the slice ends. */
function wantTick(ctx: VmContext): void {
  const vm = ctx.s.vm;
  if (vm.tickQueued || !vm.run.vcpus.some((r) => r.mode === 'runnable')) return;
  vm.tickQueued = true;
  schedule(ctx, hopCost(ctx, 'schedSlice'), 'kvm.tick', {});
}

/** 'kvm.schedule': free pCPUs go to runnable vCPUs (kvmSchedule); each loaded vCPU then enters. */
function kvmScheduleTask(ctx: VmContext): void {
  const vm = ctx.s.vm;
  vm.scheduleQueued = false;
  const loads = loadsOf(onFreePcpus(ctx, () => kvmSchedule(vm.run, ctx.s.core.rng)).events);
  const waiting = vm.run.vcpus.flatMap((r, v) => (r.mode === 'runnable' ? [v] : []));
  // Nothing placed and nobody newly waiting for the tick: nothing to tell.
  if (!loads.length && (vm.tickQueued || !waiting.length)) return;
  vmEmit(ctx, 'kvm.schedule', -1, -1, -1, {
    loads: loads.map((e) => ({ vcpu: e.vcpu, pcpu: e.pcpu, migrated: e.migrated })),
    waiting,
    text: [
      ...loads.map((e) => `vCPU ${e.vcpu} → pCPU ${e.pcpu}${e.migrated ? ' (migrated)' : ''}`),
      ...waiting.map((v) => `vCPU ${v} waits for a pCPU until the time slice ends`),
    ].join(', '),
  });
  enterLoaded(ctx, loads);
  wantTick(ctx);
}

/**
 * 'kvm.tick': the time slice ended with vCPUs still waiting: each takes the pCPU of the vCPU that
 * has run longest there (kvmSchedTick), which exits (preempt) and waits in its turn.
 */
function kvmTickTask(ctx: VmContext): void {
  const vm = ctx.s.vm;
  vm.tickQueued = false;
  const res = onFreePcpus(ctx, () => kvmSchedTick(vm.run, vm.vgic, ctx.s.core.rng, physLines(ctx)));
  putVpes(ctx, res.events);
  const loads = loadsOf(res.events);
  const preempted = [
    ...new Set(res.events.flatMap((e) => (e.kind === 'vcpu.exit' || e.kind === 'vcpu.put' ? [e.vcpu] : []))),
  ];
  if (!loads.length && !preempted.length) return;
  vmEmit(ctx, 'kvm.tick', -1, -1, -1, {
    preempted,
    loads: loads.map((e) => ({ vcpu: e.vcpu, pcpu: e.pcpu, migrated: e.migrated })),
    text:
      `time slice over: ` +
      [
        ...preempted.map((v) => `vCPU ${v} preempted`),
        ...loads.map((e) => `vCPU ${e.vcpu} → pCPU ${e.pcpu}`),
      ].join(', '),
  });
  for (const e of res.events) if (e.kind === 'vcpu.exit') kickAll(ctx, e.sync.pruned.kicks);
  enterLoaded(ctx, loads);
  wantTick(ctx);
}

// ---- Entry and the guest -----------------------------------------------------------------------

/** Whether the host is busy on `pcpu` (its software handling an interrupt): entry waits for it. */
function hostBusy(ctx: VmContext, pcpu: number): boolean {
  const sw = ctx.host.s.sw[pcpu];
  return !!sw && (sw.depth > 0 || sw.irqQueued);
}

/** 'kvm.enter': kvm_vgic_flush_hwstate and the world switch into the guest. */
function kvmEnterTask(ctx: VmContext, a: { vcpu: number }): void {
  const vm = ctx.s.vm;
  const r = vm.run.vcpus[a.vcpu];
  if (!r || r.mode !== 'host') return;
  // The host takes its pending interrupts (local_irq_enable in the run loop) before entering;
  // its handler's return enters again (kvmHostIdle).
  if (hostBusy(ctx, r.pcpu)) return;
  const res = kvmVcpuEnter(vm.run, vm.vgic, a.vcpu, physLines(ctx), { checkMaintenance: false });
  const e = res.events[0];
  if (!res.ok || !e || e.kind !== 'vcpu.entry') return;
  const f = e.flush;
  vmEmit(ctx, 'vcpu.entry', a.vcpu, e.pcpu, -1, {
    pcpu: e.pcpu,
    lrs: f.loaded.map((l) => lrView(l.lr, l.value)),
    notLoaded: f.notLoaded,
    sorted: f.sorted,
    hcr: hex(f.hcr),
    requestConsumed: e.requestConsumed,
    entry: r.counters.entries,
  });
  vm.guest[a.vcpu]!.queued = r.counters.entries;
  // A VM waiting for vgic_v4_init (the host's ITS was not up yet) gets it at its next entry.
  if (vm.cfg.gicv4 && !vm.v4) vgicV4Init(ctx.host, ctx.vmIndex, e.pcpu);
  schedule(
    ctx,
    hopCost(ctx, 'vgicFlushBase') + hopCost(ctx, 'lrFlush', f.loaded.length) + hopCost(ctx, 'guestEntry'),
    'kvm.guest',
    { vcpu: a.vcpu, entry: r.counters.entries },
  );
}

/** The arguments of a task that belongs to one pass in the guest (entry number `entry`). */
export interface GuestPass {
  vcpu: number;
  entry: number;
}

/** Whether the vCPU is still in the guest, in the pass the task was scheduled in. */
export function inPass(ctx: VmContext, a: GuestPass): boolean {
  const r = ctx.s.vm.run.vcpus[a.vcpu];
  return !!r && r.mode === 'guest' && r.counters.entries === a.entry;
}

/**
 * After a guest access that can change the LRs: if the vgic now raises the maintenance interrupt,
 * it reaches EL2 after its latency (the guest cannot mask it).
 */
export function checkMaintenance(ctx: VmContext, a: GuestPass): void {
  const v3 = ctx.s.vm.vgic.vcpus[a.vcpu]!.v3;
  // The condition kvmVcpuGuestCheck exits on, asked without exiting: the exit comes with the interrupt.
  if (ichMaintenance(v3))
    schedule(ctx, hopCost(ctx, 'maintenanceIrq'), 'kvm.maintenance', { vcpu: a.vcpu, entry: a.entry });
}

/** 'kvm.maintenance': the maintenance interrupt is taken at EL2: the vCPU exits (irq). */
function kvmMaintenanceTask(ctx: VmContext, a: GuestPass): void {
  if (!inPass(ctx, a)) return;
  const vm = ctx.s.vm;
  const g = kvmVcpuGuestCheck(vm.run, vm.vgic, a.vcpu, physLines(ctx));
  if (g.maintenance) afterExit(ctx, a.vcpu, g.result.events);
}

// ---- Exits --------------------------------------------------------------------------------------

/** Makes the vCPU exit now (from a guest task) with `exit`, and carries on as afterExit says. */
export function exitNow(
  ctx: VmContext,
  vcpu: number,
  exit: VcpuExit,
  then?: { task: string; args: unknown },
  detail?: Record<string, unknown>,
): number {
  const vm = ctx.s.vm;
  const res = kvmVcpuExit(vm.run, vm.vgic, vcpu, exit, physLines(ctx));
  return res.ok ? afterExit(ctx, vcpu, res.events, then, detail) : 0;
}

/**
 * Emits the exit (one event for the exit, its fold and prune, and a WFI's outcome) and schedules
 * what follows: the emulation (`then`) or the next entry for a vCPU still loaded, the scheduler
 * for a pCPU given up, and the kicks the prune asked for. Returns the exit's cost: the world
 * switch out and the fold, after which the host runs.
 */
export function afterExit(
  ctx: VmContext,
  vcpu: number,
  events: VcpuRunEvent[],
  then?: { task: string; args: unknown },
  detail?: Record<string, unknown>,
): number {
  const vm = ctx.s.vm;
  const ex = events.find((e): e is Extract<VcpuRunEvent, { kind: 'vcpu.exit' }> => e.kind === 'vcpu.exit');
  if (!ex) return 0;
  const wfi = events.find((e): e is Extract<VcpuRunEvent, { kind: 'vcpu.wfi' }> => e.kind === 'vcpu.wfi');
  const put = events.find((e): e is Extract<VcpuRunEvent, { kind: 'vcpu.put' }> => e.kind === 'vcpu.put');
  const folded = ex.sync.folded;
  const r = vm.run.vcpus[vcpu]!;
  putVpes(ctx, events);
  // The fold ran kvm_notify_acked_irq for each level SPI the guest completed (EOI maintenance):
  // irqfd resamplers lower their GSI and signal their resamplefds, in the same pass.
  const acked = folded?.ackedPins.length
    ? kvmNotifyAckedPins(vmIrqContext(vm), vm.irqfd, folded.ackedPins)
    : [];
  vmEmit(ctx, 'vcpu.exit', vcpu, ex.pcpu, ex.intid ?? -1, {
    pcpu: ex.pcpu,
    reason: ex.reason,
    ...(ex.source ? { source: ex.source } : {}),
    ...(ex.misr !== undefined ? { misr: hex(ex.misr) } : {}),
    folded: folded ? folded.lrs.map((l) => ({ lr: l.lr, intid: l.intid })) : [],
    pruned: ex.sync.pruned.removed,
    migrated: ex.sync.pruned.migrated,
    ...(wfi ? { wfiPending: wfi.pending } : {}),
    ...(put ? { put: put.to } : {}),
    mode: r.mode,
    ...(acked.length ? { acked: acked.map((x) => x.reason) } : {}),
    ...detail,
  });
  for (const k of ex.sync.pruned.kicks) schedule(ctx, hopCost(ctx, 'vgicQueue'), 'kvm.kick', { vcpu: k });
  const exitCost =
    hopCost(ctx, 'guestExit') +
    hopCost(ctx, 'vgicSyncBase') +
    hopCost(ctx, 'lrFold', folded ? folded.lrs.length : 0);
  if (then) schedule(ctx, exitCost, then.task, then.args);
  else if (r.mode === 'host') {
    const handle = ex.reason === 'irq' ? 'exitHandleIrq' : ex.reason === 'wfi' ? 'wfiWake' : 'trapEmulate';
    schedule(ctx, exitCost + hopCost(ctx, handle), 'kvm.enter', { vcpu });
  } else wantSchedule(ctx, exitCost + (ex.reason === 'wfi' ? hopCost(ctx, 'wfiBlock') : 0));
  return exitCost;
}

// ---- Kicks and IPIs --------------------------------------------------------------------------------

/** 'kvm.kick': KVM_REQ_IRQ_PENDING + kvm_vcpu_kick. */
function kvmKickTask(ctx: VmContext, a: { vcpu: number; from?: number }): void {
  const vm = ctx.s.vm;
  const res = kvmVcpuKick(vm.run, vm.vgic, a.vcpu, a.from ?? NO_PCPU);
  const e = res.events[0];
  if (!res.ok || !e || e.kind !== 'vcpu.kick') return;
  vmEmit(ctx, 'vcpu.kick', a.vcpu, e.to, -1, {
    action: e.action,
    to: e.to,
    mode: vm.run.vcpus[a.vcpu]!.mode,
  });
  if (e.action === 'ipi') schedule(ctx, hopCost(ctx, 'kickIpi'), 'kvm.ipi', { pcpu: e.to });
  else if (e.action === 'wake') wantSchedule(ctx, hopCost(ctx, 'wfiWake'));
  else if (e.action === 'request' && vm.run.vcpus[a.vcpu]!.mode === 'runnable') wantSchedule(ctx);
}

/** 'kvm.ipi': the reschedule IPI reaches the pCPU: its vCPU exits (irq, kick) if it is in the guest. */
function kvmIpiTask(ctx: VmContext, a: { pcpu: number }): void {
  const vm = ctx.s.vm;
  const res = kvmIpiArrive(vm.run, vm.vgic, a.pcpu, physLines(ctx));
  const e = res.events[0];
  if (!res.ok || !e) return;
  if (e.kind === 'vcpu.ipi-absorbed') {
    vmEmit(ctx, 'vcpu.ipi', -1, a.pcpu, -1, { pcpu: a.pcpu, absorbed: e.why });
    return;
  }
  afterExit(ctx, e.kind === 'vcpu.exit' ? e.vcpu : NO_VCPU, res.events);
}

// ---- Emulation after an MMIO or system-register exit ---------------------------------------------

/**
 * Kicks for vCPUs a vgic change queued interrupts on, after `delay` (default: vgic_queue_irq_unlock
 * for an SPI, PPI or SGI), made from pCPU `from` (NO_PCPU: from no modelled pCPU).
 */
export function kickAll(
  ctx: VmContext,
  vcpus: readonly number[],
  delay = hopCost(ctx, 'vgicQueue'),
  from = NO_PCPU,
): void {
  for (const v of new Set(vcpus))
    if (v !== NO_VCPU) schedule(ctx, delay, 'kvm.kick', { vcpu: v, ...(from !== NO_PCPU ? { from } : {}) });
}

/**
 * Follow-ups of a guest GICD/GICR write that vgic-mmio.ts leaves to the caller (§5.4):
 *  - GICR_CTLR.EnableLPIs 0 -> 1 with PENDBASER.PTZ = 0: vgic_enable_lpis reads every LPI of the
 *    vCPU from its pending table. Version-dependent: the vgic-mmio-v3.c the reference read last no
 *    longer calls it; the flat machine's kvm profile and the kernels before it do, and so does this;
 *  - EnableLPIs 1 -> 0: vgic_flush_pending_lpis, and every virtual ITS's translation cache dropped;
 *  - GICR_INVLPIR / GICR_INVALLR: the configuration re-read (vgic_its_inv_lpi / vgic_its_invall);
 *  - a GICD_CTLR enable: vgic_kick_vcpus.
 */
export function afterVgicWrite(
  ctx: VmContext,
  r: {
    queued: number[];
    lpisEnabledChanged?: { vcpu: number; enabled: boolean };
    kickAll?: boolean;
    invLpi?: { vcpu: number; intid: number };
    invAll?: { vcpu: number };
  },
): string[] {
  const vm = ctx.s.vm;
  const notes: string[] = [];
  const kicks = [...r.queued];
  if (r.lpisEnabledChanged) {
    const { vcpu, enabled } = r.lpisEnabledChanged;
    if (enabled && ((vm.vgic.vcpus[vcpu]!.pendbaser >> 62n) & 1n) === 0n) {
      const s = vgicLpiSyncPendingTable(vm.vgic, vm.mem, vcpu);
      kicks.push(...s.kicks);
      notes.push(
        `LPIs enabled on vCPU ${vcpu}: ${s.pending.length} pending LPI(s) read from its pending table`,
      );
    } else if (enabled)
      notes.push(`LPIs enabled on vCPU ${vcpu}; PENDBASER.PTZ: the pending table is not read`);
    else {
      const removed = vgicFlushPendingLpis(vm.vgic, vcpu);
      let flushed = 0;
      for (const its of vm.its) flushed += cacheFlush(its);
      notes.push(
        `LPIs disabled on vCPU ${vcpu}: ${removed.length} LPI(s) taken off its ap_list, ${flushed} vITS cache entr${flushed === 1 ? 'y' : 'ies'} dropped`,
      );
    }
  }
  if (r.invLpi || r.invAll) {
    const vcpu = (r.invLpi ?? r.invAll)!.vcpu;
    const inv = vgicLpiInvalidate(vm.vgic, vm.mem, vcpu, r.invLpi ? r.invLpi.intid : -1);
    kicks.push(...inv.kicks);
    notes.push(`configuration re-read from the property table: ${inv.updated.length} LPI(s) changed`);
  }
  if (r.kickAll) {
    kicks.push(...vgicKickVcpus(vm.vgic));
    // GICv4.1: the vPEs' VGRP1EN follows the distributor's enable (KVM_REQ_RELOAD_GICv4).
    vgicV4Reload(ctx);
  }
  kickAll(ctx, kicks);
  return notes;
}

/** 'kvm.sysreg': a trapped ICC_SGI1R_EL1 / ICC_ASGI1R_EL1 / ICC_SGI0R_EL1 write (vgic_v3_dispatch_sgi). */
function kvmSysregTask(ctx: VmContext, a: { vcpu: number; reg: string; value: string }): void {
  const vm = ctx.s.vm;
  const value = BigInt(a.value);
  const d = vgicV3DispatchSgi(vm.vgic, a.vcpu, value, a.reg !== 'ICC_SGI0R_EL1');
  vmEmit(ctx, 'vgic.sgi', a.vcpu, vm.run.vcpus[a.vcpu]!.pcpu, d.intid, {
    reg: a.reg,
    value: hex(value),
    targets: d.targets,
    accepted: d.accepted,
  });
  kickAll(ctx, d.kicks);
  schedule(ctx, hopCost(ctx, 'trapEmulate'), 'kvm.enter', { vcpu: a.vcpu });
}

// ---- The host side of a pCPU ---------------------------------------------------------------------

/**
 * A physical interrupt is about to be taken on `pcpu` by the host: a vCPU in the guest there exits
 * first (irq, host), and the host takes the interrupt once the world switch out and the fold are
 * done (KVM enables interrupts again only then). Returns that delay, or undefined if no vCPU was
 * in the guest there (then nothing was emitted).
 */
export function kvmHostIrqExit(ctx: VmContext, pcpu: number, intid: number): number | undefined {
  const vm = ctx.s.vm;
  const v = vm.run.pcpus[pcpu];
  if (v === undefined || v === NO_VCPU || vm.run.vcpus[v]!.mode !== 'guest') return undefined;
  return exitNow(ctx, v, { reason: 'irq', source: 'host', intid });
}

/** The host's handler on `pcpu` returned: a vCPU loaded there and waiting in the run loop enters. */
export function kvmHostIdle(ctx: VmContext, pcpu: number): void {
  const vm = ctx.s.vm;
  const v = vm.run.pcpus[pcpu];
  if (v === undefined || v === NO_VCPU || vm.run.vcpus[v]!.mode !== 'host') return;
  schedule(ctx, 0, 'kvm.enter', { vcpu: v });
}

/**
 * 'vtimer.expire': the guest's virtual timer reaches CNTV_CVAL_EL0 (arch-timer.ts). In the guest,
 * the physical timer PPI makes the vCPU exit and KVM's timer handler raises vINTID 27; otherwise
 * KVM's background timer raises it and wakes the vCPU.
 */
function vtimerExpire(ctx: VmContext, a: { vcpu: number; gen: number }): void {
  const vm = ctx.s.vm;
  const t = vm.timers[a.vcpu];
  const r = vm.run.vcpus[a.vcpu];
  if (!t || !r || t.gen !== a.gen || !vtimerLine(t, ctx.s.core.time)) return;
  const raise = (): number => {
    const res = kvmVgicInjectIrq(vm.vgic, a.vcpu, VTIMER_INTID, true, VTIMER_OWNER);
    return res.kick;
  };
  if (r.mode === 'guest') {
    const pcpu = r.pcpu;
    exitNow(ctx, a.vcpu, { reason: 'irq', source: 'host', intid: VTIMER_INTID }, undefined, {
      timer: 'the virtual timer fired: kvm_arch_timer_handler raises vINTID 27 (HW, pINTID 27)',
    });
    kickAll(ctx, [raise()], 0, pcpu);
    return;
  }
  const kick = raise();
  vmEmit(ctx, 'vtimer.expire', a.vcpu, r.pcpu, VTIMER_INTID, {
    mode: r.mode,
    text:
      r.mode === 'blocked'
        ? "KVM's background timer (kvm_bg_timer_expire) fires: vINTID 27 is raised and the vCPU is woken"
        : 'the virtual timer fires while the vCPU is out of the guest: vINTID 27 is raised for its next entry',
  });
  kickAll(ctx, [kick], 0);
}

export const VCPU_HANDLERS = {
  'vtimer.expire': (ctx: VmContext, a: { vcpu: number; gen: number }) => vtimerExpire(ctx, a),
  'kvm.schedule': (ctx: VmContext) => kvmScheduleTask(ctx),
  'kvm.tick': (ctx: VmContext) => kvmTickTask(ctx),
  'kvm.enter': (ctx: VmContext, a: { vcpu: number }) => kvmEnterTask(ctx, a),
  'kvm.maintenance': (ctx: VmContext, a: GuestPass) => kvmMaintenanceTask(ctx, a),
  'kvm.kick': (ctx: VmContext, a: { vcpu: number; from?: number }) => kvmKickTask(ctx, a),
  'kvm.ipi': (ctx: VmContext, a: { pcpu: number }) => kvmIpiTask(ctx, a),
  'kvm.sysreg': (ctx: VmContext, a: { vcpu: number; reg: string; value: string }) => kvmSysregTask(ctx, a),
};
