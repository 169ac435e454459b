/**
 * irqfd: an eventfd that injects a GSI when signalled (KVM_IRQFD, virt/kvm/eventfd.c; reference
 * §5.5), with its resampler for level-triggered lines, modelled as plain data.
 *
 * How an irqfd delivers
 * ---------------------
 * Userspace (or VFIO, for a passthrough device) binds an eventfd to a GSI. A write to the eventfd
 * wakes the irqfd, which fires the GSI through the routing table (gsi-routing.ts kvmSetIrq):
 *  - plain irqfd: kvm_set_irq(gsi, 1) then kvm_set_irq(gsi, 0), an edge pulse. On arm64 the irq
 *    source id (KVM_USERSPACE_IRQ_SOURCE_ID) is ignored by the vgic, so on an SPI the guest
 *    configured as LEVEL the pulse raises and immediately lowers line_level: the SPI is queued but
 *    is no longer pending by the next entry, and the guest never sees it. Level lines need the
 *    resampler.
 *  - resample irqfd (KVM_IRQFD_FLAG_RESAMPLE): kvm_set_irq(gsi, 1) only; the line stays high. When
 *    the guest completes the interrupt, the list register's EOI maintenance (list-registers.ts
 *    fold, FoldResult.ackedPins) calls kvm_notify_acked_irq(0, pin); the pin's GSI's resampler
 *    lowers the line (kvm_set_irq(gsi, 0), KVM_IRQFD_RESAMPLE_IRQ_SOURCE_ID in KVM) and signals
 *    every resamplefd sharing that GSI, so the device's owner can re-assert it if still needed.
 *  - an MSI route: kvm_set_msi with level 1 gives one MSI to the vITS (returned as a VitsMsi for
 *    the wiring); level 0 is a no-op (-1). KVM first tries the vITS translation cache in the
 *    eventfd's wakeup (kvm_arch_set_irq_inatomic) and defers to a work item on a miss; both end in
 *    the same MSI, so the result only says the cache probe happens (`atomicCacheProbe`).
 *
 * The model keeps the host's file table (which fds are eventfds, and their counters) alongside the
 * irqfds, because KVM's errors depend on it (-EBADF, -EINVAL for a non-eventfd). There is no
 * workqueue: injection happens in the call, and the wiring can schedule the returned steps.
 */

import { kvmErr, fdArg, u32, type KvmErr, type KvmErrnoName } from './kvm-errno';
import {
  KVM_IRQ_ROUTING_IRQCHIP,
  KVM_IRQ_ROUTING_MSI,
  kvmIrqMapChipPin,
  kvmIrqMapGsi,
  kvmSetIrq,
  type KvmIrqContext,
  type SetIrqResult,
} from './gsi-routing';
import type { VitsMsi } from './msi';

export const KVM_IRQFD_FLAG_DEASSIGN = 1 << 0;
export const KVM_IRQFD_FLAG_RESAMPLE = 1 << 1;

/** An open file of the VMM process: an eventfd (with its 64-bit counter) or any other file. */
export interface KvmFile {
  fd: number;
  kind: 'eventfd' | 'file';
  /** The eventfd counter: signals add 1, a read or an irqfd shutdown empties it. */
  count: number;
}

/** struct kvm_kernel_irqfd, as plain data (list order = kvm->irqfds.items). */
export interface KvmIrqfd {
  /** The eventfd (the model identifies an eventfd context by its fd). */
  fd: number;
  gsi: number;
  /** The resamplefd of a resample irqfd, else null. */
  resamplefd: number | null;
}

/** struct kvm_kernel_irqfd_resampler: one per GSI with resample irqfds, shared by all of them. */
export interface KvmIrqfdResampler {
  gsi: number;
  /** The eventfds of its irqfds, in list order (each new one is added at the head). */
  irqfds: number[];
}

export interface KvmIrqfdState {
  files: KvmFile[];
  nextFd: number;
  irqfds: KvmIrqfd[];
  resamplers: KvmIrqfdResampler[];
}

/** struct kvm_irqfd (the pad words are not modelled). */
export interface KvmIrqfdArgs {
  fd: number;
  gsi: number;
  flags: number;
  resamplefd: number;
}

export function createKvmIrqfdState(firstFd = 3): KvmIrqfdState {
  return { files: [], nextFd: firstFd, irqfds: [], resamplers: [] };
}

function openFile(s: KvmIrqfdState, kind: KvmFile['kind']): number {
  const fd = s.nextFd++;
  s.files.push({ fd, kind, count: 0 });
  return fd;
}

/** eventfd(0, 0): a new eventfd with a zero counter. */
export const eventfdCreate = (s: KvmIrqfdState): number => openFile(s, 'eventfd');
/** Any other open file (to exercise KVM's "not an eventfd" error). */
export const fileOpen = (s: KvmIrqfdState): number => openFile(s, 'file');

/** eventfd_ctx_fdget: the eventfd behind an fd argument, or the error KVM returns. */
function eventfdGet(s: KvmIrqfdState, fdWord: number, what: string): KvmFile | KvmErr {
  const fd = fdArg(fdWord);
  const f = s.files.find((x) => x.fd === fd);
  if (!f) return kvmErr('EBADF', `${what} ${fd} is not an open file`);
  if (f.kind !== 'eventfd') return kvmErr('EINVAL', `${what} ${fd} is not an eventfd`);
  return f;
}

const isErr = (x: KvmFile | KvmErr): x is KvmErr => 'ok' in x;

/** One irqfd injection: the kvm_set_irq calls made, and the MSIs they hand to the vITS. */
export interface IrqfdInjection {
  gsi: number;
  resample: boolean;
  /** KVM tries the vITS translation cache in the wakeup before deferring (an MSI route). */
  atomicCacheProbe: boolean;
  /** kvm_set_irq(gsi, 1) then, for a plain irqfd, kvm_set_irq(gsi, 0). */
  steps: SetIrqResult[];
  /** The MSIs to translate (from MSI routes at level 1). */
  msis: VitsMsi[];
  reason: string;
}

/** irqfd_inject: the pulse (plain) or the assertion (resample) of the irqfd's GSI. */
function irqfdInject(ctx: KvmIrqContext, irqfd: KvmIrqfd): IrqfdInjection {
  const resample = irqfd.resamplefd !== null;
  const routes = kvmIrqMapGsi(ctx.routing, irqfd.gsi);
  const steps = [kvmSetIrq(ctx, irqfd.gsi, true)];
  if (!resample) steps.push(kvmSetIrq(ctx, irqfd.gsi, false));
  const msis: VitsMsi[] = [];
  for (const st of steps)
    for (const o of st.routes) if (o.kind === 'msi' && o.result.ok) msis.push(o.result.its);
  const atomicCacheProbe = routes.length === 1 && routes[0]!.type === KVM_IRQ_ROUTING_MSI && ctx.msi.hasIts;
  const how = resample ? 'asserted (resample: stays high until the guest EOIs it)' : 'pulsed 1 then 0';
  return {
    gsi: irqfd.gsi,
    resample,
    atomicCacheProbe,
    steps,
    msis,
    reason: routes.length
      ? `GSI ${irqfd.gsi} ${how}: ${steps[0]!.reason}`
      : `GSI ${irqfd.gsi} has no route: nothing injected`,
  };
}

/** What shutting an irqfd down did (irqfd_shutdown, irqfd_resampler_shutdown). */
export interface IrqfdShutdown {
  fd: number;
  gsi: number;
  /** The last irqfd of its resampler: the resampler lowered the GSI (kvm_set_irq(gsi, 0)). */
  lowered?: SetIrqResult;
}

function resamplerLeave(ctx: KvmIrqContext, s: KvmIrqfdState, irqfd: KvmIrqfd): SetIrqResult | undefined {
  const r = s.resamplers.find((x) => x.gsi === irqfd.gsi);
  if (!r) return undefined;
  const at = r.irqfds.indexOf(irqfd.fd);
  if (at >= 0) r.irqfds.splice(at, 1);
  if (r.irqfds.length) return undefined;
  s.resamplers = s.resamplers.filter((x) => x !== r);
  return kvmSetIrq(ctx, irqfd.gsi, false);
}

/** irqfd_deactivate + irqfd_shutdown: off the list, eventfd counter drained, resampler left. */
function irqfdShutdown(ctx: KvmIrqContext, s: KvmIrqfdState, irqfd: KvmIrqfd): IrqfdShutdown {
  s.irqfds = s.irqfds.filter((x) => x !== irqfd);
  const f = s.files.find((x) => x.fd === irqfd.fd);
  if (f) f.count = 0; // eventfd_ctx_remove_wait_queue reads the counter
  const lowered = irqfd.resamplefd !== null ? resamplerLeave(ctx, s, irqfd) : undefined;
  return { fd: irqfd.fd, gsi: irqfd.gsi, ...(lowered ? { lowered } : {}) };
}

export interface KvmIrqfdResult {
  ok: boolean;
  ret: number;
  errno?: KvmErrnoName;
  reason: string;
  /** Assign: the irqfd added. */
  assigned?: KvmIrqfd;
  /** Assign of an eventfd already signalled: KVM injects at once "as if we didn't miss it". */
  inject?: IrqfdInjection;
  /** Deassign: the irqfds shut down (0 or 1; deassigning nothing is not an error). */
  removed?: IrqfdShutdown[];
  /** A resample assign that failed after creating the GSI's resampler lowered the line undoing it. */
  lowered?: SetIrqResult;
}

/**
 * KVM_IRQFD (kvm_irqfd). Checks, in KVM's order:
 *  - flags other than DEASSIGN | RESAMPLE → -EINVAL.
 *  - DEASSIGN: fd not open → -EBADF, not an eventfd → -EINVAL; then every irqfd with this eventfd
 *    AND this gsi is shut down; none is not an error (0).
 *  - assign: the vgic not initialised (kvm_arch_intc_initialized) → -EAGAIN; fd not open → -EBADF,
 *    not an eventfd → -EINVAL; RESAMPLE: resamplefd the same two errors, then the irqfd joins (or
 *    creates) the GSI's resampler; the eventfd already bound to an irqfd of this VM (any GSI) →
 *    -EBUSY (undoing the resampler join: a resampler left empty lowers its GSI). Then the irqfd is
 *    added at the tail, and if the eventfd's counter is non-zero it injects at once.
 * The GSI is not checked: a GSI without a route just injects nothing.
 */
export function kvmIrqfd(ctx: KvmIrqContext, s: KvmIrqfdState, args: KvmIrqfdArgs): KvmIrqfdResult {
  const flags = u32(args.flags);
  const gsi = u32(args.gsi);
  if (flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
    return kvmErr(
      'EINVAL',
      `flags 0x${flags.toString(16)}: only KVM_IRQFD_FLAG_DEASSIGN (1) and _RESAMPLE (2)`,
    );

  if (flags & KVM_IRQFD_FLAG_DEASSIGN) {
    const ev = eventfdGet(s, args.fd, 'fd');
    if (isErr(ev)) return ev;
    const removed = s.irqfds
      .filter((x) => x.fd === ev.fd && x.gsi === gsi)
      .map((x) => irqfdShutdown(ctx, s, x));
    return {
      ok: true,
      ret: 0,
      reason: removed.length
        ? `irqfd ${ev.fd} → GSI ${gsi} deassigned`
        : `no irqfd binds eventfd ${ev.fd} to GSI ${gsi}: nothing to do`,
      removed,
    };
  }

  if (!ctx.vgic || !ctx.vgic.dist.initialized)
    return kvmErr(
      'EAGAIN',
      'the vgic is not initialised yet (kvm_arch_intc_initialized): retry after KVM_DEV_ARM_VGIC_CTRL_INIT',
    );
  const ev = eventfdGet(s, args.fd, 'fd');
  if (isErr(ev)) return ev;
  const irqfd: KvmIrqfd = { fd: ev.fd, gsi, resamplefd: null };
  if (flags & KVM_IRQFD_FLAG_RESAMPLE) {
    const rf = eventfdGet(s, args.resamplefd, 'resamplefd');
    if (isErr(rf)) return rf;
    irqfd.resamplefd = rf.fd;
    let r = s.resamplers.find((x) => x.gsi === gsi);
    if (!r) {
      r = { gsi, irqfds: [] };
      s.resamplers.unshift(r);
    }
    r.irqfds.unshift(ev.fd);
  }
  if (s.irqfds.some((x) => x.fd === ev.fd)) {
    const lowered = irqfd.resamplefd !== null ? resamplerLeave(ctx, s, irqfd) : undefined;
    return {
      ...kvmErr('EBUSY', `eventfd ${ev.fd} already drives an irqfd of this VM`),
      ...(lowered ? { lowered } : {}),
    };
  }
  s.irqfds.push(irqfd);
  const inject = ev.count > 0 ? irqfdInject(ctx, irqfd) : undefined;
  return {
    ok: true,
    ret: 0,
    reason:
      `eventfd ${ev.fd} → GSI ${gsi}` +
      (irqfd.resamplefd !== null ? ` (resamplefd ${irqfd.resamplefd})` : '') +
      (inject ? '; it was already signalled, so it injects now' : ''),
    assigned: { ...irqfd },
    ...(inject ? { inject } : {}),
  };
}

export interface EventfdSignalResult {
  ok: boolean;
  ret: number;
  errno?: KvmErrnoName;
  reason: string;
  /** The counter after the signal. */
  count?: number;
  /** The injection of the irqfd bound to this eventfd, if any. */
  inject?: IrqfdInjection;
}

/**
 * A write of 1 to an eventfd (eventfd_signal, or userspace's write): the counter goes up and the
 * irqfd bound to it, if any, injects (irqfd_wakeup → irqfd_inject).
 */
export function eventfdSignal(ctx: KvmIrqContext, s: KvmIrqfdState, fd: number): EventfdSignalResult {
  const ev = eventfdGet(s, fd, 'fd');
  if (isErr(ev)) return ev;
  ev.count++;
  const irqfd = s.irqfds.find((x) => x.fd === ev.fd);
  if (!irqfd)
    return { ok: true, ret: 0, reason: `eventfd ${ev.fd} signalled; no irqfd listens`, count: ev.count };
  const inject = irqfdInject(ctx, irqfd);
  return { ok: true, ret: 0, reason: inject.reason, count: ev.count, inject };
}

/** read() of an eventfd: returns the counter and empties it (0 when nothing was signalled). */
export function eventfdRead(s: KvmIrqfdState, fd: number): { ok: boolean; count: number; reason: string } {
  const ev = eventfdGet(s, fd, 'fd');
  if (isErr(ev)) return { ok: false, count: 0, reason: ev.reason };
  const count = ev.count;
  ev.count = 0;
  return { ok: true, count, reason: `eventfd ${ev.fd} read ${count}` };
}

/**
 * close() of a file: an eventfd going away sends EPOLLHUP to its irqfd, which shuts down as on
 * deassign. (A resamplefd closed by userspace stays referenced by KVM and keeps working.)
 */
export function eventfdClose(
  ctx: KvmIrqContext,
  s: KvmIrqfdState,
  fd: number,
): { ok: boolean; reason: string; removed: IrqfdShutdown[] } {
  const n = fdArg(fd);
  const f = s.files.find((x) => x.fd === n);
  if (!f) return { ok: false, reason: `fd ${n} is not open (EBADF)`, removed: [] };
  const removed = s.irqfds.filter((x) => x.fd === n).map((x) => irqfdShutdown(ctx, s, x));
  s.files = s.files.filter((x) => x !== f);
  return {
    ok: true,
    reason: `fd ${n} closed${removed.length ? `; irqfd → GSI ${removed[0]!.gsi} shut down` : ''}`,
    removed,
  };
}

export interface AckResult {
  pin: number;
  /** The GSI routed to the pin, -1 for none (then nothing happens). */
  gsi: number;
  /** The GSI's resampler ran: it lowered the line and signalled these resamplefds. */
  lowered?: SetIrqResult;
  signalled: number[];
  reason: string;
}

/**
 * kvm_notify_acked_irq(kvm, irqchip, pin): the guest completed a level SPI whose LR asked for EOI
 * maintenance. The pin's GSI (rt->chip, last route wins) has its ack notifier run: an irqfd
 * resampler lowers the GSI once (kvm_set_irq(gsi, 0)) and signals every resamplefd on it.
 */
export function kvmNotifyAckedIrq(
  ctx: KvmIrqContext,
  s: KvmIrqfdState,
  irqchip: number,
  pin: number,
): AckResult {
  const gsi = kvmIrqMapChipPin(ctx.routing, irqchip, pin);
  if (gsi < 0) return { pin, gsi, signalled: [], reason: `pin ${pin} has no GSI: no ack notifier` };
  const r = s.resamplers.find((x) => x.gsi === gsi);
  if (!r) return { pin, gsi, signalled: [], reason: `GSI ${gsi} (pin ${pin}) has no resampler` };
  const lowered = kvmSetIrq(ctx, gsi, false);
  const signalled: number[] = [];
  for (const efd of r.irqfds) {
    const irqfd = s.irqfds.find((x) => x.fd === efd);
    const rfd = irqfd?.resamplefd;
    if (rfd === null || rfd === undefined) continue;
    const f = s.files.find((x) => x.fd === rfd);
    if (f) f.count++;
    signalled.push(rfd);
  }
  return {
    pin,
    gsi,
    lowered,
    signalled,
    reason: `GSI ${gsi} resampled: line lowered, resamplefd ${signalled.join(', ')} signalled`,
  };
}

/**
 * The fold's FoldResult.ackedPins through kvmNotifyAckedIrq. Those numbers are irqchip-0 PINS
 * (intid - 32), the arguments of kvm_notify_acked_irq; they equal GSIs only under the default
 * routing. Only routes of type IRQCHIP take part.
 */
export function kvmNotifyAckedPins(ctx: KvmIrqContext, s: KvmIrqfdState, pins: number[]): AckResult[] {
  return pins.map((pin) => kvmNotifyAckedIrq(ctx, s, 0, pin));
}

/** The irqfd route type of a GSI, for inspectors: 'irqchip', 'msi' or 'none'. */
export function irqfdRouteKind(ctx: KvmIrqContext, gsi: number): 'irqchip' | 'msi' | 'none' {
  const r = kvmIrqMapGsi(ctx.routing, gsi)[0];
  if (!r) return 'none';
  return r.type === KVM_IRQ_ROUTING_IRQCHIP ? 'irqchip' : 'msi';
}
