/**
 * vCPU threads and world switches: KVM's run loop (kvm_arch_vcpu_ioctl_run in
 * arch/arm64/kvm/arm.c), the kick (kvm_vcpu_kick in virt/kvm/kvm_main.c), WFI blocking
 * (kvm_vcpu_wfi / kvm_vcpu_block) and the host scheduler placing vCPU threads on physical CPUs,
 * as pure transitions over plain data. Only what the vgic cares about is modelled.
 *
 * How a vCPU thread lives
 * -----------------------
 * A vCPU is a host thread that sits in the KVM_RUN ioctl. While the scheduler has it on a pCPU it
 * is *loaded* there (vcpu_load: kvm_arch_vcpu_load sets vcpu->cpu and restores the vgic's VMCR
 * and active priorities, kvm_vgic_load) and loops:
 *
 *     host ──enter──▶ guest ──exit(reason)──▶ host ──enter──▶ ...
 *
 * Entry (with interrupts masked on the pCPU): pending requests are consumed (KVM_REQ_IRQ_PENDING
 * only guarantees this pass), kvm_vgic_flush_hwstate writes the ap_list into the list registers
 * (list-registers.ts), vcpu->mode becomes IN_GUEST_MODE and the world switch enters the guest.
 * The guest then runs on the LRs through ICV_* without exiting (virtual-cpu-interface.ts) until
 * something traps: a physical interrupt (every physical IRQ is taken at EL2 while a guest runs:
 * a kick's reschedule IPI, the vgic maintenance interrupt, a host device or timer), a WFI, or an
 * MMIO/system-register access KVM emulates. Exit: vcpu->mode leaves IN_GUEST_MODE, the exit is
 * counted, kvm_vgic_sync_hwstate folds the LRs back and prunes the ap_list, then the exit is
 * handled: a WFI blocks unless kvm_vgic_vcpu_pending_irq says the vCPU has something to take.
 *
 * A blocked vCPU has scheduled itself out (the preempt notifier's sched_out runs vcpu_put, so it
 * occupies no pCPU). kvm_vcpu_kick wakes it; kvm_vcpu_block then re-checks whether the vCPU is
 * runnable and, if nothing is pending, sleeps again. A vCPU in guest mode on another pCPU is sent
 * a reschedule IPI (only if its mode can be switched from IN_GUEST_MODE to EXITING_GUEST_MODE, so
 * a second kick sends none) and exits with reason IRQ when it arrives. A vCPU in host mode needs
 * nothing: it consumes the request and flushes again before it enters.
 *
 * The maintenance interrupt (§6.9) is the physical PPI the vgic hardware raises while
 * ICH_MISR_EL2 is not 0 (underflow, no-pending, EOI, LRENP, group enable changes); KVM's handler
 * does nothing but end the run, and the fold on exit does the work. `kvmVcpuGuestCheck` is where
 * the wiring asks, after entry and after each guest ICV access, whether it fires.
 *
 * Every transition mutates the run state (and the vgic through flush/sync) and returns the
 * events it made, in order, as data: the wiring turns each into one engine event and decides the
 * time between them (the cost model). Nothing throws: a request that does not fit the vCPU's
 * state is refused with a reason and changes nothing. Kicks that a flush or prune asks for
 * (QueueResult.kick, PruneResult.kicks) are not applied here: the wiring schedules them as tasks,
 * since an IPI takes time, and calls kvmVcpuKick when they run.
 */

import { rngBelow, type RngState } from '../sim/rng';
import { kvmVgicVcpuPendingIrq } from './ap-list';
import { ichMaintenance, ichMisr } from './ich-registers';
import {
  kvmVgicFlushHwstate,
  kvmVgicSyncHwstate,
  type FlushResult,
  type SyncResult,
  type VgicPhysLines,
} from './list-registers';
import { icvSignals } from './virtual-cpu-interface';
import { NO_VCPU } from './vgic-irq';
import type { VgicState } from './vgic-state';

/** No physical CPU (vcpu->cpu = -1: the vCPU is not loaded anywhere). */
export const NO_PCPU = -1;

/**
 * The SGI a kick's IPI uses on the host: Linux arm64 sends kvm_vcpu_kick's smp_send_reschedule as
 * IPI_RESCHEDULE, the first IPI of arch/arm64/kernel/smp.c, which the host's GICv3 driver maps to
 * the first SGI.
 */
export const KVM_KICK_IPI_SGI = 0;
/** The vgic maintenance interrupt: PPI 9, INTID 25, as firmware tables describe it on Arm systems. */
export const KVM_MAINTENANCE_PPI = 25;

/**
 * Where a vCPU thread is:
 *  - 'guest': loaded on a pCPU and running guest code (vcpu->mode IN_GUEST_MODE);
 *  - 'host': loaded on a pCPU, in KVM's run loop between an exit and the next entry;
 *  - 'blocked': in WFI, scheduled out, waiting for a kick (kvm_vcpu_block);
 *  - 'runnable': ready, waiting for the scheduler to give it a pCPU;
 *  - 'stopped': powered off (KVM_MP_STATE_STOPPED), not scheduled until powered on.
 */
export type VcpuMode = 'guest' | 'host' | 'blocked' | 'runnable' | 'stopped';

/**
 * Why the guest stopped running:
 *  - 'irq': a physical interrupt taken at EL2 (ARM_EXCEPTION_IRQ); see VcpuIrqSource;
 *  - 'wfi': a trapped WFI (ESR_ELx_EC_WFx). Under the default WFI trap policy of current kernels
 *    KVM leaves HCR_EL2.TWI clear only for a vCPU alone on its pCPU with GICv4 vLPIs or vSGIs,
 *    which are not modelled: WFI always traps;
 *  - 'mmio': a stage-2 data abort on an emulated device (the vgic's GICD/GICR frames, or a device
 *    userspace emulates);
 *  - 'sysreg': a trapped system-register access (ICC_SGI1R_EL1 and friends, a trapped ICV_DIR);
 *  - 'preempt': the host scheduler takes the pCPU away. On hardware this is an IRQ exit (the host
 *    timer tick or a reschedule IPI) after which the run loop's pending-work check calls
 *    schedule(); it is a reason of its own here because its outcome differs (the thread leaves).
 */
export type VcpuExitReason = 'irq' | 'wfi' | 'mmio' | 'sysreg' | 'preempt';
export const VCPU_EXIT_REASONS: readonly VcpuExitReason[] = ['irq', 'wfi', 'mmio', 'sysreg', 'preempt'];

/** Which physical interrupt ended an 'irq' exit. */
export type VcpuIrqSource = 'kick' | 'maintenance' | 'host';
export const VCPU_IRQ_SOURCES: readonly VcpuIrqSource[] = ['kick', 'maintenance', 'host'];

export interface VcpuExit {
  reason: VcpuExitReason;
  /** For 'irq': which interrupt. */
  source?: VcpuIrqSource;
  /** The physical INTID taken at EL2 for an 'irq' exit, -1 if not known. */
  intid?: number;
  /** For a maintenance exit: ICH_MISR_EL2 when the interrupt fired (before the fold changed it). */
  misr?: number;
}

export interface VcpuRunCounters {
  /** Guest entries (world switches into the guest). */
  entries: number;
  /** Exits by reason (KVM's stat.exits is their sum). */
  exits: Record<VcpuExitReason, number>;
  /** 'irq' exits by source. */
  irqExits: Record<VcpuIrqSource, number>;
  /** vcpu_load onto a pCPU, and those onto a pCPU other than the last one. */
  loads: number;
  migrations: number;
  /** Kicks received, and those that sent an IPI. */
  kicks: number;
  ipis: number;
  /** WFIs that blocked, and those that found an interrupt pending and went back to the guest. */
  blocks: number;
  wfiNoBlock: number;
  /** Wakes from WFI (halt_wakeup), and kicks that woke a blocked vCPU with nothing pending. */
  wakeups: number;
  spuriousWakeups: number;
}

/** One vCPU thread. */
export interface VcpuRun {
  mode: VcpuMode;
  /** The pCPU the vCPU is loaded on ('guest' and 'host' only), NO_PCPU otherwise. */
  pcpu: number;
  /** The pCPU it was last loaded on (the scheduler's preference), NO_PCPU if never. */
  lastPcpu: number;
  /** A pCPU the scenario pinned it to (it runs nowhere else), NO_PCPU for none. */
  pinned: number;
  /** vcpu->mode == EXITING_GUEST_MODE: kicked while in the guest, its IPI not yet arrived. */
  exiting: boolean;
  /** KVM_REQ_IRQ_PENDING is set (consumed at the next entry). */
  irqPendingRequest: boolean;
  /** Run-queue order: the run clock when it last became runnable. */
  runnableSince: number;
  /** The run clock when it was loaded on its pCPU (the tick's preemption order). */
  loadedAt: number;
  lastExit: VcpuExit | null;
  counters: VcpuRunCounters;
}

/** The vCPU threads of one VM on the host's physical CPUs. Plain data. */
export interface KvmRunState {
  nrPcpus: number;
  /** Per pCPU: the vCPU loaded there, NO_VCPU for none (idle, or host work not modelled). */
  pcpus: number[];
  /** Per pCPU: the vCPU that last ran there (KVM's per-CPU last_vcpu_ran), NO_VCPU for none. */
  lastRan: number[];
  vcpus: VcpuRun[];
  /** A logical clock advanced by every transition, ordering the run queue. */
  clock: number;
}

/** What one transition did, in order; the wiring makes each an event. */
export type VcpuRunEvent =
  | {
      kind: 'vcpu.load';
      vcpu: number;
      pcpu: number;
      lastPcpu: number;
      migrated: boolean;
      /** Another vCPU of this VM ran on the pCPU since: KVM flushes the CPU's TLB context. */
      flushContext: boolean;
    }
  | { kind: 'vcpu.put'; vcpu: number; pcpu: number; to: 'runnable' | 'blocked' | 'stopped' }
  | {
      kind: 'vcpu.entry';
      vcpu: number;
      pcpu: number;
      flush: FlushResult;
      /** KVM_REQ_IRQ_PENDING was set and consumed by this entry. */
      requestConsumed: boolean;
    }
  | ({ kind: 'vcpu.exit'; vcpu: number; pcpu: number; sync: SyncResult } & VcpuExit)
  | { kind: 'vcpu.wfi'; vcpu: number; pcpu: number; pending: boolean }
  | { kind: 'vcpu.kick'; vcpu: number; from: number; action: VcpuKickAction; to: number }
  | { kind: 'vcpu.ipi-absorbed'; pcpu: number; why: string }
  | { kind: 'vcpu.pin'; vcpu: number; pcpu: number }
  | { kind: 'vcpu.power'; vcpu: number; on: boolean }
  | { kind: 'vcpu.refused'; op: string; vcpu: number; why: string };

/**
 * What kvm_vcpu_kick did:
 *  - 'ipi': the vCPU runs the guest on another pCPU; a reschedule IPI goes to `to`;
 *  - 'already-exiting': kicked before and the IPI is on its way (the mode is no longer
 *    IN_GUEST_MODE), so no second IPI;
 *  - 'same-cpu': the kicker runs on the vCPU's own pCPU, where it cannot be in the guest; no IPI;
 *  - 'wake': blocked and something is pending: runnable;
 *  - 'spurious-wake': blocked with nothing pending: kvm_vcpu_block checks and sleeps again;
 *  - 'request': in host mode, or runnable: the request is enough, the next entry flushes;
 *  - 'none': stopped.
 */
export type VcpuKickAction =
  'ipi' | 'already-exiting' | 'same-cpu' | 'wake' | 'spurious-wake' | 'request' | 'none';

export interface VcpuRunResult {
  ok: boolean;
  events: VcpuRunEvent[];
  /** Why it was refused (ok = false). */
  error?: string;
}

const zeroCounters = (): VcpuRunCounters => ({
  entries: 0,
  exits: { irq: 0, wfi: 0, mmio: 0, sysreg: 0, preempt: 0 },
  irqExits: { kick: 0, maintenance: 0, host: 0 },
  loads: 0,
  migrations: 0,
  kicks: 0,
  ipis: 0,
  blocks: 0,
  wfiNoBlock: 0,
  wakeups: 0,
  spuriousWakeups: 0,
});

/**
 * `nrVcpus` vCPU threads (KVM_MP_STATE_RUNNABLE, as KVM_ARM_VCPU_INIT leaves a vCPU without the
 * POWER_OFF feature) on a host of `nrPcpus` physical CPUs, none placed yet.
 */
export function createKvmRunState(nrVcpus: number, nrPcpus: number): KvmRunState {
  const n = Math.max(0, Math.floor(nrVcpus));
  const p = Math.max(0, Math.floor(nrPcpus));
  return {
    nrPcpus: p,
    pcpus: new Array<number>(p).fill(NO_VCPU),
    lastRan: new Array<number>(p).fill(NO_VCPU),
    vcpus: Array.from({ length: n }, (): VcpuRun => ({
      mode: 'runnable',
      pcpu: NO_PCPU,
      lastPcpu: NO_PCPU,
      pinned: NO_PCPU,
      exiting: false,
      irqPendingRequest: false,
      runnableSince: 0,
      loadedAt: 0,
      lastExit: null,
      counters: zeroCounters(),
    })),
    clock: 0,
  };
}

// ---- Checks ----------------------------------------------------------------------------------

const validVcpu = (run: KvmRunState, vgic: VgicState | null, v: number): boolean =>
  Number.isInteger(v) && v >= 0 && v < run.vcpus.length && (vgic === null || v < vgic.vcpus.length);
const validPcpu = (run: KvmRunState, p: number): boolean => Number.isInteger(p) && p >= 0 && p < run.nrPcpus;

function refuse(op: string, vcpu: number, why: string): VcpuRunResult {
  return { ok: false, events: [{ kind: 'vcpu.refused', op, vcpu, why }], error: why };
}

/**
 * The run-state invariants: a pCPU holds at most one vCPU and a vCPU is loaded on at most one
 * pCPU (the two maps agree); exactly the 'guest' and 'host' vCPUs are loaded; only a vCPU in the
 * guest can be exiting; a pinned vCPU is loaded nowhere else. Returns the violations.
 */
export function checkKvmRun(run: KvmRunState): string[] {
  const p: string[] = [];
  if (run.pcpus.length !== run.nrPcpus) p.push(`${run.pcpus.length} pCPU slots for ${run.nrPcpus} pCPUs`);
  run.pcpus.forEach((v, c) => {
    if (v === NO_VCPU) return;
    const r = run.vcpus[v];
    if (!r) p.push(`pCPU ${c} holds vCPU ${v}, which does not exist`);
    else if (r.pcpu !== c) p.push(`pCPU ${c} holds vCPU ${v}, which says it is on pCPU ${r.pcpu}`);
  });
  run.vcpus.forEach((r, v) => {
    const loaded = r.mode === 'guest' || r.mode === 'host';
    if (loaded !== (r.pcpu !== NO_PCPU)) p.push(`vCPU ${v} is '${r.mode}' with pcpu ${r.pcpu}`);
    if (r.pcpu !== NO_PCPU && run.pcpus[r.pcpu] !== v)
      p.push(`vCPU ${v} says it is on pCPU ${r.pcpu}, which holds ${run.pcpus[r.pcpu]}`);
    if (r.exiting && r.mode !== 'guest') p.push(`vCPU ${v} is exiting but '${r.mode}'`);
    if (r.pinned !== NO_PCPU && r.pcpu !== NO_PCPU && r.pcpu !== r.pinned)
      p.push(`vCPU ${v} is pinned to pCPU ${r.pinned} but loaded on ${r.pcpu}`);
  });
  return p;
}

// ---- Load and put (sched_in / sched_out) -----------------------------------------------------

/**
 * vcpu_load on `pcpu` (kvm_arch_vcpu_load): vcpu->cpu is set; if another vCPU of this VM ran there
 * since this one, KVM flushes the pCPU's TLB context (last_vcpu_ran); kvm_vgic_load restores
 * ICH_VMCR_EL2 and the active priorities, the identity here since the shadow is the hardware.
 * The thread is then in KVM's run loop: 'host'. The caller made sure the pCPU is free.
 */
function load(run: KvmRunState, v: number, pcpu: number, out: VcpuRunEvent[]): void {
  const r = run.vcpus[v]!;
  const migrated = r.lastPcpu !== NO_PCPU && r.lastPcpu !== pcpu;
  const flushContext = run.lastRan[pcpu] !== v;
  out.push({ kind: 'vcpu.load', vcpu: v, pcpu, lastPcpu: r.lastPcpu, migrated, flushContext });
  run.pcpus[pcpu] = v;
  run.lastRan[pcpu] = v;
  r.pcpu = pcpu;
  r.lastPcpu = pcpu;
  r.mode = 'host';
  r.loadedAt = ++run.clock;
  r.counters.loads++;
  if (migrated) r.counters.migrations++;
}

/** vcpu_put (kvm_arch_vcpu_put: kvm_vgic_put saves VMCR and APRs; vcpu->cpu = -1). */
function put(run: KvmRunState, v: number, to: 'runnable' | 'blocked' | 'stopped', out: VcpuRunEvent[]): void {
  const r = run.vcpus[v]!;
  out.push({ kind: 'vcpu.put', vcpu: v, pcpu: r.pcpu, to });
  if (r.pcpu !== NO_PCPU && run.pcpus[r.pcpu] === v) run.pcpus[r.pcpu] = NO_VCPU;
  r.pcpu = NO_PCPU;
  r.exiting = false;
  r.mode = to;
  if (to === 'runnable') r.runnableSince = ++run.clock;
}

// ---- Entry, guest, exit ----------------------------------------------------------------------

export interface VcpuEnterOptions {
  /**
   * After entering, ask whether the maintenance interrupt fires at once (kvmVcpuGuestCheck) and
   * if so exit. Default true; the wiring may set it false to put the entry's cost in between.
   */
  checkMaintenance?: boolean;
}

/**
 * One pass of the run loop into the guest, from 'host': KVM_REQ_IRQ_PENDING is consumed
 * (check_vcpu_requests), kvm_vgic_flush_hwstate loads the LRs, vcpu->mode = IN_GUEST_MODE, entry.
 * KVM re-checks for requests after setting the mode and, if one arrived meanwhile, syncs and loops
 * without entering; with nothing concurrent in the model, no request can arrive in between.
 */
export function kvmVcpuEnter(
  run: KvmRunState,
  vgic: VgicState,
  vcpu: number,
  phys: VgicPhysLines,
  opts: VcpuEnterOptions = {},
): VcpuRunResult {
  if (!validVcpu(run, vgic, vcpu)) return refuse('enter', vcpu, `no vCPU ${vcpu}`);
  const r = run.vcpus[vcpu]!;
  if (r.mode !== 'host')
    return refuse(
      'enter',
      vcpu,
      `vCPU ${vcpu} is '${r.mode}'; only a vCPU loaded on a pCPU (host mode) enters`,
    );
  const requestConsumed = r.irqPendingRequest;
  r.irqPendingRequest = false;
  const flush = kvmVgicFlushHwstate(vgic, vcpu);
  r.mode = 'guest';
  r.exiting = false;
  r.counters.entries++;
  run.clock++;
  const events: VcpuRunEvent[] = [{ kind: 'vcpu.entry', vcpu, pcpu: r.pcpu, flush, requestConsumed }];
  if (opts.checkMaintenance ?? true) events.push(...kvmVcpuGuestCheck(run, vgic, vcpu, phys).result.events);
  return { ok: true, events };
}

export interface VcpuGuestView {
  result: VcpuRunResult;
  /** The maintenance interrupt fired and the vCPU exited. */
  maintenance: boolean;
  /** Otherwise: the virtual IRQ/FIQ the interface signals to the guest, and the LR (icvSignals). */
  virq: boolean;
  vfiq: boolean;
  lr: number;
}

/**
 * The guest is running: does the vgic hardware raise the maintenance interrupt now (ichMaintenance:
 * ICH_HCR_EL2.En and ICH_MISR_EL2 not 0)? Then the vCPU exits with reason IRQ (maintenance), the
 * MISR recorded. Otherwise the virtual interrupt lines the guest sees. Call it after entry and
 * after every guest ICV access, which is when the LR state can change.
 */
export function kvmVcpuGuestCheck(
  run: KvmRunState,
  vgic: VgicState,
  vcpu: number,
  phys: VgicPhysLines,
): VcpuGuestView {
  const none = { maintenance: false, virq: false, vfiq: false, lr: -1 };
  if (!validVcpu(run, vgic, vcpu)) return { result: refuse('guest-check', vcpu, `no vCPU ${vcpu}`), ...none };
  const r = run.vcpus[vcpu]!;
  if (r.mode !== 'guest')
    return { result: refuse('guest-check', vcpu, `vCPU ${vcpu} is '${r.mode}', not in the guest`), ...none };
  const v3 = vgic.vcpus[vcpu]!.v3;
  if (ichMaintenance(v3)) {
    const misr = ichMisr(v3);
    const result = kvmVcpuExit(
      run,
      vgic,
      vcpu,
      {
        reason: 'irq',
        source: 'maintenance',
        intid: KVM_MAINTENANCE_PPI,
        misr,
      },
      phys,
    );
    return { result, ...none, maintenance: true };
  }
  const sig = icvSignals(vgic, vcpu);
  return { result: { ok: true, events: [] }, maintenance: false, ...sig };
}

/**
 * The guest exits (from 'guest'): vcpu->mode = OUTSIDE_GUEST_MODE, the exit counted,
 * kvm_vgic_sync_hwstate (fold, prune), then the exit handled:
 *  - 'irq', 'mmio', 'sysreg': back in the run loop ('host'); the wiring emulates the access;
 *  - 'wfi': kvm_vcpu_wfi. If kvm_vgic_vcpu_pending_irq (after the fold, so an interrupt still
 *    pending in an LR counts) the vCPU does not block and goes back to 'host'; otherwise it
 *    blocks: scheduled out ('blocked', off its pCPU);
 *  - 'preempt': scheduled out, 'runnable'.
 * The prune's kicks (sync.pruned.kicks) are for the wiring to deliver.
 */
export function kvmVcpuExit(
  run: KvmRunState,
  vgic: VgicState,
  vcpu: number,
  exit: VcpuExit,
  phys: VgicPhysLines,
): VcpuRunResult {
  if (!validVcpu(run, vgic, vcpu)) return refuse('exit', vcpu, `no vCPU ${vcpu}`);
  if (!VCPU_EXIT_REASONS.includes(exit.reason))
    return refuse('exit', vcpu, `unknown exit reason '${String(exit.reason)}'`);
  const r = run.vcpus[vcpu]!;
  if (r.mode !== 'guest') return refuse('exit', vcpu, `vCPU ${vcpu} is '${r.mode}', not in the guest`);
  const info: VcpuExit = { reason: exit.reason };
  if (exit.reason === 'irq') {
    info.source = exit.source && VCPU_IRQ_SOURCES.includes(exit.source) ? exit.source : 'host';
    info.intid =
      exit.intid ??
      (info.source === 'kick' ? KVM_KICK_IPI_SGI : info.source === 'maintenance' ? KVM_MAINTENANCE_PPI : -1);
    if (exit.misr !== undefined) info.misr = exit.misr;
  }
  const pcpu = r.pcpu;
  r.mode = 'host';
  r.exiting = false;
  r.lastExit = info;
  r.counters.exits[info.reason]++;
  if (info.source) r.counters.irqExits[info.source]++;
  run.clock++;
  const sync = kvmVgicSyncHwstate(vgic, vcpu, phys);
  const events: VcpuRunEvent[] = [{ kind: 'vcpu.exit', vcpu, pcpu, sync, ...info }];
  if (info.reason === 'wfi') {
    const pending = kvmVgicVcpuPendingIrq(vgic, vcpu);
    events.push({ kind: 'vcpu.wfi', vcpu, pcpu, pending });
    if (pending) r.counters.wfiNoBlock++;
    else {
      r.counters.blocks++;
      put(run, vcpu, 'blocked', events);
    }
  } else if (info.reason === 'preempt') {
    put(run, vcpu, 'runnable', events);
  }
  return { ok: true, events };
}

/** The guest executes WFI (trapped): kvmVcpuExit with reason 'wfi'. */
export const kvmVcpuWfi = (
  run: KvmRunState,
  vgic: VgicState,
  vcpu: number,
  phys: VgicPhysLines,
): VcpuRunResult => kvmVcpuExit(run, vgic, vcpu, { reason: 'wfi' }, phys);

// ---- Kicks -----------------------------------------------------------------------------------

/**
 * kvm_make_request(KVM_REQ_IRQ_PENDING) + kvm_vcpu_kick, from code running on pCPU `from`
 * (NO_PCPU: from outside any modelled pCPU, e.g. a scenario's input):
 *  1. kvm_vcpu_wake_up: a blocked vCPU's waiter is woken; kvm_vcpu_block re-checks
 *     kvm_arch_vcpu_runnable (here kvmVgicVcpuPendingIrq) and becomes 'runnable' or sleeps again.
 *     A kick that woke the waiter does nothing more.
 *  2. Otherwise, if the vCPU is loaded on a pCPU other than `from` and its mode goes from
 *     IN_GUEST_MODE to EXITING_GUEST_MODE, a reschedule IPI is sent there (kvmIpiArrive delivers
 *     it). Already exiting: no second IPI.
 */
export function kvmVcpuKick(run: KvmRunState, vgic: VgicState, vcpu: number, from = NO_PCPU): VcpuRunResult {
  if (!validVcpu(run, vgic, vcpu)) return refuse('kick', vcpu, `no vCPU ${vcpu}`);
  const r = run.vcpus[vcpu]!;
  r.counters.kicks++;
  run.clock++;
  const ev = (action: VcpuKickAction, to = NO_PCPU): VcpuRunResult => ({
    ok: true,
    events: [{ kind: 'vcpu.kick', vcpu, from, action, to }],
  });
  if (r.mode === 'stopped') return ev('none');
  r.irqPendingRequest = true;
  if (r.mode === 'blocked') {
    if (!kvmVgicVcpuPendingIrq(vgic, vcpu)) {
      r.counters.spuriousWakeups++;
      return ev('spurious-wake');
    }
    r.counters.wakeups++;
    r.mode = 'runnable';
    r.runnableSince = run.clock;
    return ev('wake');
  }
  if (r.mode !== 'guest') return ev('request');
  if (r.pcpu === from) return ev('same-cpu', r.pcpu);
  if (r.exiting) return ev('already-exiting', r.pcpu);
  r.exiting = true;
  r.counters.ipis++;
  return ev('ipi', r.pcpu);
}

/**
 * A kick's reschedule IPI reaches `pcpu`: whatever vCPU runs the guest there exits with reason
 * IRQ (kick). If none does (it exited meanwhile, or was moved), the host takes the IPI and
 * nothing happens to any vCPU.
 */
export function kvmIpiArrive(
  run: KvmRunState,
  vgic: VgicState,
  pcpu: number,
  phys: VgicPhysLines,
): VcpuRunResult {
  if (!validPcpu(run, pcpu)) return refuse('ipi', NO_VCPU, `no pCPU ${pcpu}`);
  const v = run.pcpus[pcpu]!;
  if (v === NO_VCPU)
    return { ok: true, events: [{ kind: 'vcpu.ipi-absorbed', pcpu, why: 'no vCPU loaded' }] };
  if (run.vcpus[v]!.mode !== 'guest')
    return { ok: true, events: [{ kind: 'vcpu.ipi-absorbed', pcpu, why: `vCPU ${v} is not in the guest` }] };
  return kvmVcpuExit(run, vgic, v, { reason: 'irq', source: 'kick', intid: KVM_KICK_IPI_SGI }, phys);
}

// ---- Placement and the scheduler -------------------------------------------------------------

/** Takes `v` off its pCPU, exiting the guest first ('preempt') if it is in it. */
function evict(run: KvmRunState, vgic: VgicState, v: number, phys: VgicPhysLines, out: VcpuRunEvent[]): void {
  const r = run.vcpus[v]!;
  if (r.mode === 'guest') out.push(...kvmVcpuExit(run, vgic, v, { reason: 'preempt' }, phys).events);
  else if (r.mode === 'host') put(run, v, 'runnable', out);
}

/**
 * The scenario pins vCPU `vcpu` to pCPU `pcpu` (NO_PCPU: unpins; the vCPU stays where it is).
 * A vCPU loaded elsewhere is moved now: it exits the guest if it is in it (reason 'preempt': the
 * migration is a reschedule), is put, and is loaded on `pcpu`; a vCPU already loaded there by
 * someone else is preempted the same way to make room. A runnable vCPU is loaded at once if it
 * can be. A blocked or stopped one only remembers the pin and goes there when it next runs.
 */
export function kvmVcpuPlace(
  run: KvmRunState,
  vgic: VgicState,
  vcpu: number,
  pcpu: number,
  phys: VgicPhysLines,
): VcpuRunResult {
  if (!validVcpu(run, vgic, vcpu)) return refuse('place', vcpu, `no vCPU ${vcpu}`);
  if (pcpu !== NO_PCPU && !validPcpu(run, pcpu)) return refuse('place', vcpu, `no pCPU ${pcpu}`);
  const r = run.vcpus[vcpu]!;
  const events: VcpuRunEvent[] = [{ kind: 'vcpu.pin', vcpu, pcpu }];
  r.pinned = pcpu;
  run.clock++;
  if (pcpu === NO_PCPU || r.pcpu === pcpu) return { ok: true, events };
  if (r.mode === 'guest' || r.mode === 'host') evict(run, vgic, vcpu, phys, events);
  if (r.mode !== 'runnable') return { ok: true, events };
  const occupant = run.pcpus[pcpu]!;
  if (occupant !== NO_VCPU) evict(run, vgic, occupant, phys, events);
  load(run, vcpu, pcpu, events);
  return { ok: true, events };
}

/**
 * The run queue: runnable vCPUs, longest-waiting first (runnableSince); vCPUs that became
 * runnable at the same clock are in an order drawn from the rng (a Fisher-Yates shuffle of each
 * tie, drawing only when a tie has two or more members).
 */
function runQueue(run: KvmRunState, rng: RngState): number[] {
  const q: number[] = [];
  run.vcpus.forEach((r, v) => {
    if (r.mode === 'runnable') q.push(v);
  });
  q.sort((a, b) => run.vcpus[a]!.runnableSince - run.vcpus[b]!.runnableSince || a - b);
  for (let i = 0; i < q.length;) {
    let j = i + 1;
    while (j < q.length && run.vcpus[q[j]!]!.runnableSince === run.vcpus[q[i]!]!.runnableSince) j++;
    for (let k = j - 1; k > i; k--) {
      const s = i + rngBelow(rng, k - i + 1);
      [q[k], q[s]] = [q[s]!, q[k]!];
    }
    i = j;
  }
  return q;
}

/**
 * The seeded scheduler: gives free pCPUs to runnable vCPUs, in run-queue order (see runQueue),
 * in three passes:
 *  1. a pinned vCPU takes its pCPU if it is free (else it waits: it runs nowhere else);
 *  2. an unpinned vCPU takes the pCPU it last ran on if that is free (cache-warm, as Linux's
 *     wake-up path prefers the previous CPU when idle);
 *  3. the remaining unpinned vCPUs take the lowest-numbered free pCPUs.
 * The rng only orders vCPUs that became runnable at the same moment. Loaded vCPUs are in 'host'
 * mode: the wiring enters them (kvmVcpuEnter). Nothing is preempted here (kvmSchedTick does).
 */
export function kvmSchedule(run: KvmRunState, rng: RngState): VcpuRunResult {
  const events: VcpuRunEvent[] = [];
  const q = runQueue(run, rng);
  const free = (p: number): boolean => run.pcpus[p] === NO_VCPU;
  for (const v of q) {
    const r = run.vcpus[v]!;
    if (r.pinned !== NO_PCPU && free(r.pinned)) load(run, v, r.pinned, events);
  }
  for (const v of q) {
    const r = run.vcpus[v]!;
    if (r.mode === 'runnable' && r.pinned === NO_PCPU && r.lastPcpu !== NO_PCPU && free(r.lastPcpu))
      load(run, v, r.lastPcpu, events);
  }
  for (const v of q) {
    const r = run.vcpus[v]!;
    if (r.mode !== 'runnable' || r.pinned !== NO_PCPU) continue;
    const p = run.pcpus.indexOf(NO_VCPU);
    if (p < 0) break;
    load(run, v, p, events);
  }
  return { ok: true, events };
}

/**
 * A scheduler tick (the time slice ended): every runnable vCPU that kvmSchedule cannot place takes
 * a pCPU from a loaded vCPU, round robin. For each waiting vCPU in run-queue order, the victim is
 * the vCPU loaded longest (lowest loadedAt; loadedAt is unique, so the order is total) among those
 * on a pCPU the waiter may use (its pinned pCPU, or any) and not loaded during this tick. The
 * victim exits ('preempt') if in the guest, or is put, and goes to the back of the run queue; the
 * waiter is loaded in its place. Then kvmSchedule places whoever still fits.
 */
export function kvmSchedTick(
  run: KvmRunState,
  vgic: VgicState,
  rng: RngState,
  phys: VgicPhysLines,
): VcpuRunResult {
  const events: VcpuRunEvent[] = [...kvmSchedule(run, rng).events];
  const fresh = new Set<number>();
  for (const e of events) if (e.kind === 'vcpu.load') fresh.add(e.vcpu);
  for (const v of runQueue(run, rng)) {
    const r = run.vcpus[v]!;
    let victim = NO_VCPU;
    run.pcpus.forEach((w, p) => {
      if (w === NO_VCPU || fresh.has(w) || (r.pinned !== NO_PCPU && r.pinned !== p)) return;
      if (victim === NO_VCPU || run.vcpus[w]!.loadedAt < run.vcpus[victim]!.loadedAt) victim = w;
    });
    if (victim === NO_VCPU) continue;
    const p = run.vcpus[victim]!.pcpu;
    evict(run, vgic, victim, phys, events);
    load(run, v, p, events);
    fresh.add(v);
  }
  return { ok: true, events };
}

// ---- Power -----------------------------------------------------------------------------------

/**
 * Power the vCPU off (KVM_MP_STATE_STOPPED, e.g. PSCI CPU_OFF or KVM_SET_MP_STATE): KVM requests
 * KVM_REQ_SLEEP and kicks; the model collapses that into an immediate exit ('irq', kick) if it
 * is in the guest, then vcpu_put: 'stopped'.
 */
export function kvmVcpuPowerOff(
  run: KvmRunState,
  vgic: VgicState,
  vcpu: number,
  phys: VgicPhysLines,
): VcpuRunResult {
  if (!validVcpu(run, vgic, vcpu)) return refuse('power-off', vcpu, `no vCPU ${vcpu}`);
  const r = run.vcpus[vcpu]!;
  const events: VcpuRunEvent[] = [{ kind: 'vcpu.power', vcpu, on: false }];
  run.clock++;
  if (r.mode === 'stopped') return { ok: true, events };
  if (r.mode === 'guest')
    events.push(
      ...kvmVcpuExit(run, vgic, vcpu, { reason: 'irq', source: 'kick', intid: KVM_KICK_IPI_SGI }, phys)
        .events,
    );
  if (r.mode === 'host') put(run, vcpu, 'stopped', events);
  else {
    r.mode = 'stopped';
    r.exiting = false;
  }
  return { ok: true, events };
}

/** Power the vCPU on (PSCI CPU_ON / KVM_MP_STATE_RUNNABLE): 'runnable', at the back of the queue. */
export function kvmVcpuPowerOn(run: KvmRunState, vgic: VgicState, vcpu: number): VcpuRunResult {
  if (!validVcpu(run, vgic, vcpu)) return refuse('power-on', vcpu, `no vCPU ${vcpu}`);
  const r = run.vcpus[vcpu]!;
  if (r.mode !== 'stopped') return refuse('power-on', vcpu, `vCPU ${vcpu} is '${r.mode}', not stopped`);
  r.mode = 'runnable';
  r.runnableSince = ++run.clock;
  return { ok: true, events: [{ kind: 'vcpu.power', vcpu, on: true }] };
}

/** The vCPU loaded on `pcpu` and what it is doing, for lanes and inspectors. */
export function kvmPcpuLane(run: KvmRunState, pcpu: number): { vcpu: number; mode: VcpuMode | 'idle' } {
  const v = run.pcpus[pcpu] ?? NO_VCPU;
  return v === NO_VCPU ? { vcpu: NO_VCPU, mode: 'idle' } : { vcpu: v, mode: run.vcpus[v]!.mode };
}
