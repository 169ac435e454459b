/**
 * The hypervisor's part of the stage model: the VMs and their vCPUs, what KVM keeps for each VM,
 * the virtual interrupts on their way to a guest, and where a VM event happened. Like the host's
 * part (stage-model.ts), everything is read from the machine's state and events, never invented:
 *
 *  - a signal or an MSI inside KVM is queued VM work: an eventfd signal waiting for its irqfd
 *    ('eventfd.signal'), a translation in the virtual ITS ('its.translate'), an LPI leaving the
 *    virtual ITS for the vgic ('gicr.lpi'), each a task the VM's context scheduled;
 *  - a virtual interrupt that has arrived is a vgic_irq: while its vCPU runs the guest, the list
 *    register holding it is the truth (pending there: in the LR; active: acknowledged by the
 *    guest; an LR the guest deactivated: gone, even though KVM folds it back only at the next
 *    exit); otherwise it waits on the vCPU's ap_list, or, pending but queued nowhere (disabled,
 *    or the distributor off), in the vgic.
 *
 * Token ids follow an interrupt through KVM as they do through the host: named after the input
 * that started it (a KVM_IRQ_LINE, an eventfd write, the host MSI a VFIO device sent, a guest ITS
 * command), prefixed 'v' so the host's LPI and the guest's vLPI it turns into are two tokens.
 * Which input made a vgic_irq pending is looked up in an index of the history's injections,
 * built once and extended as the history grows.
 */

import type { Machine, SimEvent } from '../../engine';
import type { Focus, KvmPart, Place, StageCpu, StageIts, StageVm, Token } from './api';
import { itsEntryOf } from './its-focus';
import { lastBefore, logIndex, pushTo, type LogIndex } from './log-index';
import {
  icvSignals,
  irqIsPending,
  isEnabled,
  isStalled,
  offsetOf,
  queueGeometry,
  vgicGetIrq,
  type VgicIrq,
  type VmState,
} from '../../engine';

interface Task {
  k: string;
  cause: number;
  a: unknown;
}

interface ScopedTask {
  scope: number;
  k: string;
  a: unknown;
}

const SCOPED = 'scoped';

/** The event that started the chain `seq` belongs to (as stage-model.ts names host tokens). */
export function chainOrigin(m: Machine, seq: number): number {
  let s = seq;
  for (let guard = 0; guard < 10_000; guard++) {
    const k = m.log.kindAt(s);
    if (k === 'pci.msi' || k === 'its.cmd') return s;
    const c = m.log.causeAt(s);
    if (c < 0) return s;
    s = c;
  }
  return s;
}

// ---- Which input made a virtual interrupt pending ----------------------------------------------

interface Injections extends LogIndex {
  /** `${vm}:${intid}` (SPI, LPI) or `${vm}.${vcpu}:${intid}` (SGI, PPI) -> [seq, origin] pairs. */
  byKey: Map<string, [number, number][]>;
}

const INJECT_KINDS = new Set(['kvm.irq-line', 'vgic.lpi.pending', 'vgic.sgi', 'eventfd.signal']);

const keyOf = (vm: number, vcpu: number, intid: number): string =>
  intid < 32 ? `${vm}.${vcpu}:${intid}` : `${vm}:${intid}`;

function applyInjection(ix: Injections, m: Machine, seq: number): void {
  const add = (key: string): void => pushTo(ix.byKey, key, [seq, chainOrigin(m, seq)]);
  const e = m.log.get(seq)!;
  const d = (e.data ?? {}) as Record<string, unknown>;
  const vm = typeof d.vm === 'number' ? d.vm : -1;
  const intid = e.intid ?? -1;
  if (vm >= 0 && e.kind === 'eventfd.signal') {
    // An irqfd injecting into an SPI through GSI routing: indexed by GSI (the route says which SPI).
    if (d.ret === 0 && typeof d.gsi === 'number' && d.msis === 0) add(`${vm}:gsi${d.gsi}`);
    return;
  }
  if (vm < 0 || intid < 0) return;
  if (e.kind === 'kvm.irq-line') {
    const dec = d.decoded as { vcpu?: number } | undefined;
    if (d.ret === 0 && d.level) add(keyOf(vm, dec?.vcpu ?? 0, intid));
  } else if (e.kind === 'vgic.lpi.pending') {
    if (d.found) add(keyOf(vm, 0, intid));
  } else {
    const targets = (d.targets as number[] | undefined) ?? [];
    const accepted = (d.accepted as boolean[] | undefined) ?? [];
    targets.forEach((t, i) => {
      if (accepted[i]) add(keyOf(vm, t, intid));
    });
  }
}

const injectionIndex = logIndex<Injections>(
  () => ({ upTo: 0, byKey: new Map() }),
  applyInjection,
  INJECT_KINDS,
);

/** The last injection in `list` before `position`. */
const lastInjection = (
  list: [number, number][] | undefined,
  position: number,
): [number, number] | undefined => lastBefore(list, position, (x) => x[0]);

/**
 * The id of virtual interrupt `intid` of (vm, vcpu) at `position`: named after its last injection
 * (for an SPI, also an irqfd signal on a GSI the VM's routing sends to it), else after itself.
 */
function virtualId(m: Machine, vmState: VmState, position: number, vcpu: number, intid: number): string {
  const vm = vmState.index;
  const key = keyOf(vm, vcpu, intid);
  const byKey = injectionIndex(m).byKey;
  let hit = lastInjection(byKey.get(key), position);
  if (intid >= 32 && intid < 1020) {
    for (const r of vmState.routing.routes) {
      if (r.type !== 1 || r.pin + 32 !== intid) continue;
      const viaGsi = lastInjection(byKey.get(`${vm}:gsi${r.gsi}`), position);
      if (viaGsi && (!hit || viaGsi[0] > hit[0])) hit = viaGsi;
    }
  }
  if (hit) return intid < 32 ? `v${hit[1]}/${vcpu}` : `v${hit[1]}`;
  return `v${key}`;
}

// ---- Tokens ----------------------------------------------------------------------------------------

const KIND_OF = (intid: number): Token['kind'] =>
  intid < 16 ? 'sgi' : intid < 32 ? 'ppi' : intid < 8192 ? 'spi' : 'lpi';

const LABEL_OF = (intid: number): string => `v${KIND_OF(intid).toUpperCase()} ${intid}`;

/** Signals and MSIs KVM is still carrying to a vgic. */
function vmInFlight(m: Machine): Token[] {
  const tokens: Token[] = [];
  for (const task of m.s.core.queue.heap as Task[]) {
    if (task.k !== SCOPED) continue;
    const t = task.a as ScopedTask;
    const vm = t.scope;
    const id = `v${chainOrigin(m, task.cause)}`;
    if (t.k === 'eventfd.signal') {
      const a = t.a as { fd: number };
      tokens.push({
        id,
        kind: 'eventfd',
        label: `eventfd ${a.fd}`,
        vm,
        at: { node: 'kvm', vm, part: 'irqfd' },
        state: 'travelling',
      });
    } else if (t.k === 'its.translate') {
      const a = t.a as { devid: number; eventid: number };
      tokens.push({
        id,
        kind: 'msi',
        label: `MSI ${a.devid}/${a.eventid}`,
        vm,
        at: { node: 'kvm', vm, part: 'its' },
        state: 'travelling',
      });
    } else if (t.k === 'gicr.lpi') {
      const a = t.a as { intid: number; set: boolean };
      if (!a.set) continue;
      tokens.push({
        id,
        kind: 'lpi',
        label: LABEL_OF(a.intid),
        intid: a.intid,
        vm,
        at: { node: 'kvm', vm, part: 'its' },
        state: 'travelling',
      });
    }
  }
  return tokens;
}

const LR_STATE: Record<number, Token['state'] | undefined> = {
  1: 'pending',
  2: 'active',
  3: 'active+pending',
};

/** The virtual interrupts of one VM that have reached its vgic. */
function vmArrived(m: Machine, vm: VmState, position: number, moving: Set<string>, out: Token[]): void {
  const vgic = vm.vgic;
  const seen = new Set<VgicIrq>();
  const push = (vcpu: number, irq: VgicIrq, at: Place, state: Token['state']): void => {
    seen.add(irq);
    const id = virtualId(m, vm, position, vcpu, irq.intid);
    if (moving.has(id)) return;
    out.push({
      id,
      kind: KIND_OF(irq.intid),
      label: LABEL_OF(irq.intid),
      intid: irq.intid,
      vm: vm.index,
      at,
      state,
    });
  };
  vgic.vcpus.forEach((cpu, vcpu) => {
    const inGuest = vm.run.vcpus[vcpu]?.mode === 'guest';
    // While the guest runs, the LRs the entry loaded hold the truth for what they hold.
    const inLr = new Map<number, number>();
    if (inGuest)
      for (let n = 0; n < cpu.v3.usedLrs; n++) inLr.set(cpu.v3.lrLo[n]! >>> 0, cpu.v3.lrHi[n]! >>> 30);
    for (const intid of cpu.apList) {
      const irq = vgicGetIrq(vgic, vcpu, intid);
      if (!irq) continue;
      const lrState = inLr.get(intid);
      if (lrState !== undefined) {
        seen.add(irq);
        const state = LR_STATE[lrState];
        // An LR the guest deactivated: the interrupt is done, whatever KVM folds back at the exit.
        if (!state) continue;
        const part = state === 'pending' ? 'lr' : 'guest';
        push(vcpu, irq, { node: 'vcpu', vm: vm.index, vcpu, part }, state);
        continue;
      }
      const pending = irqIsPending(irq);
      if (!pending && !irq.active) continue;
      push(
        vcpu,
        irq,
        { node: 'vcpu', vm: vm.index, vcpu, part: 'aplist' },
        irq.active ? (pending ? 'active+pending' : 'active') : 'pending',
      );
    }
  });
  // Pending (or active) but queued on no ap_list: the vgic holds it (disabled, distributor off...).
  const loose = (irq: VgicIrq, vcpu: number): void => {
    if (seen.has(irq) || irq.vcpu >= 0) return;
    const pending = irqIsPending(irq);
    if (!pending && !irq.active) return;
    push(
      vcpu,
      irq,
      { node: 'kvm', vm: vm.index, part: 'vgic' },
      irq.active ? (pending ? 'active+pending' : 'active') : 'pending',
    );
  };
  vgic.vcpus.forEach((cpu, vcpu) => cpu.privateIrqs.forEach((irq) => loose(irq, vcpu)));
  for (const irq of vgic.dist.spis) loose(irq, Math.max(0, irq.targetVcpu));
  for (const irq of vgic.dist.lpis.values()) loose(irq, Math.max(0, irq.targetVcpu));
}

/** The VMs' tokens: those still carried by KVM, then those that have reached a vgic. */
export function vmTokens(m: Machine, position: number): Token[] {
  const vms = m.s.kvm?.vms;
  if (!vms?.length) return [];
  const moving = vmInFlight(m);
  const ids = new Set(moving.map((t) => t.id));
  const out = [...moving];
  for (const vm of vms) vmArrived(m, vm, position, ids, out);
  return out;
}

// ---- Summaries --------------------------------------------------------------------------------------

/**
 * A virtual ITS's command queue, as the host ITS's is summarised (its-inspect.ts's queue window):
 * the slots between GITS_CREADR and GITS_CWRITER are waiting, none when either is out of range.
 */
function vitsSummary(vm: VmState): StageIts[] {
  return vm.its.map((its, index) => {
    const q = queueGeometry(its);
    const rd = offsetOf(its.creadr);
    const wr = offsetOf(its.cwriter);
    const fits = q.valid && rd < q.size && wr < q.size;
    return {
      index,
      enabled: isEnabled(its),
      waiting: fits ? ((wr - rd + q.size) % q.size) / 32 : 0,
      stalled: isStalled(its),
      creadrSlot: rd / 32,
      cwriterSlot: wr / 32,
      slots: q.size / 32,
    };
  });
}

/** Each VM at this position: its vCPUs, and the sizes of what KVM keeps for it. */
export function vmSummaries(m: Machine): StageVm[] | undefined {
  const vms = m.s.kvm?.vms;
  if (!vms?.length) return undefined;
  return vms.map((vm) => ({
    index: vm.index,
    enabled: vm.vgic.dist.enabled,
    routes: vm.routing.routes.length,
    irqfds: vm.irqfd.irqfds.length,
    eventfds: vm.irqfd.files.filter((f) => f.kind === 'eventfd').length,
    its: vitsSummary(vm),
    vcpus: vm.run.vcpus.map((r, vcpu) => {
      const v3 = vm.vgic.vcpus[vcpu]!.v3;
      let lrsUsed = 0;
      for (let n = 0; n < v3.usedLrs; n++) if (v3.lrHi[n]! >>> 30 !== 0) lrsUsed++;
      return {
        vcpu,
        mode: r.mode,
        pcpu: r.pcpu,
        apList: vm.vgic.vcpus[vcpu]!.apList.length,
        lrsUsed,
        depth: vm.guest[vcpu]?.depth ?? 0,
        virq: r.mode === 'guest' && icvSignals(vm.vgic, vcpu).virq,
        entries: r.counters.entries,
        exits: Object.values(r.counters.exits).reduce((a, b) => a + b, 0),
      };
    }),
  }));
}

/** The vCPU each physical CPU has loaded (sets StageCpu.vcpu; nothing for a machine without VMs). */
export function markLoaded(m: Machine, cpus: StageCpu[]): void {
  for (const vm of m.s.kvm?.vms ?? []) {
    vm.run.pcpus.forEach((v, p) => {
      const c = cpus[p];
      const mode = vm.run.vcpus[v]?.mode;
      if (c && v >= 0 && (mode === 'guest' || mode === 'host')) c.vcpu = { vm: vm.index, vcpu: v, mode };
    });
  }
}

// ---- Where a VM event happened -------------------------------------------------------------------

const GUEST_KINDS = new Set([
  'guest.program',
  'guest.take',
  'guest.eret',
  'guest.mem',
  'guest.bad',
  'icv.access',
]);
const ICV_REG: Record<string, string> = {
  'icv.ack': 'ICV_IAR1_EL1',
  'icv.eoi': 'ICV_EOIR1_EL1',
  'icv.dir': 'ICV_DIR_EL1',
};

/** The VM an event belongs to: its data's `vm`, or its unit's VM name ('vm0.its0'). */
function vmOf(m: Machine, e: SimEvent, d: Record<string, unknown>): number {
  if (typeof d.vm === 'number') return d.vm;
  const vms = m.s.kvm?.vms;
  if (!vms) return -1;
  const name = e.unit.split('.')[0];
  return vms.findIndex((vm) => vm.cfg.name === name);
}

/**
 * Where VM event `e` happened, and what to say there; undefined for an event of the host. The
 * physical CPU involved (the event's cpu) lights up with the vCPU, so an entry or an exit shows
 * on both sides of the world switch.
 */
export function vmFocus(m: Machine, e: SimEvent): Focus | undefined {
  if (!m.s.kvm?.vms.length) return undefined;
  const d = (e.data ?? {}) as Record<string, unknown>;
  const vm = vmOf(m, e, d);
  if (vm < 0) return undefined;
  const focus: Focus = { seq: e.seq, kind: e.kind, places: [] };
  const places = focus.places;
  const vcpu = typeof d.vcpu === 'number' ? d.vcpu : -1;
  const pcpu = e.cpu ?? -1;
  const kvm = (part: KvmPart): void => {
    if (!places.some((p) => p.node === 'kvm' && p.part === part)) places.push({ node: 'kvm', vm, part });
  };
  const onVcpu = (v: number, part?: 'aplist' | 'lr' | 'guest'): void => {
    if (v >= 0) places.push(part ? { node: 'vcpu', vm, vcpu: v, part } : { node: 'vcpu', vm, vcpu: v });
  };
  const onCpu = (p: number): void => {
    if (p >= 0 && p < m.s.gic.cpu.length && !places.some((x) => x.node === 'cpu' && x.cpu === p))
      places.push({ node: 'cpu', cpu: p });
  };
  if (/\.its\d+$/.test(e.unit) || e.kind === 'its.cache.flush') {
    kvm('its');
    // The entry the virtual ITS used, for the ITS inspector showing it (the stage notes the command).
    const entry = itsEntryOf(e);
    if (entry) focus.entry = entry;
    if (e.kind === 'its.cmd' && typeof d.command === 'string') focus.note = d.command;
    if (typeof d.reg === 'string') focus.reg = d.reg;
    return focus;
  }
  // Events that move several vCPUs: those taken off a pCPU, and those loaded on one, with it.
  const vcpuOf = (x: unknown): number =>
    typeof x === 'number'
      ? x
      : typeof (x as { vcpu?: unknown })?.vcpu === 'number'
        ? (x as { vcpu: number }).vcpu
        : -1;
  for (const x of [...((d.preempted as unknown[]) ?? []), ...((d.stopped as unknown[]) ?? [])]) {
    const pc = (x as { pcpu?: unknown })?.pcpu;
    onVcpu(vcpuOf(x));
    if (typeof pc === 'number') onCpu(pc);
  }
  for (const l of (d.loads as { vcpu: number; pcpu: number }[] | undefined) ?? []) {
    if (!places.some((p) => p.node === 'vcpu' && p.vcpu === l.vcpu && !p.part)) onVcpu(l.vcpu);
    onCpu(l.pcpu);
  }
  switch (e.kind) {
    case 'kvm.schedule':
      focus.note = 'scheduled';
      break;
    case 'kvm.tick':
      focus.note = 'time slice over';
      break;
    case 'kvm.migrate':
      kvm('its');
      focus.note = 'save / restore';
      break;
    case 'vcpu.entry': {
      const lrs = Array.isArray(d.lrs) ? d.lrs.length : 0;
      onVcpu(vcpu, 'lr');
      onCpu(pcpu);
      focus.note = `entry · ${lrs} LR${lrs === 1 ? '' : 's'}`;
      break;
    }
    case 'vcpu.exit':
      onVcpu(vcpu, 'guest');
      onCpu(pcpu);
      focus.note = `exit: ${String(d.reason)}${typeof d.source === 'string' ? ` (${d.source})` : ''}`;
      break;
    case 'vcpu.kick':
      onVcpu(vcpu);
      onCpu(typeof d.to === 'number' ? d.to : -1);
      focus.note = `kick: ${String(d.action)}`;
      break;
    case 'vcpu.ipi':
      onCpu(pcpu);
      focus.note = 'IPI';
      break;
    case 'vcpu.pin':
      if (!places.some((p) => p.node === 'vcpu' && p.vcpu === vcpu && !p.part)) onVcpu(vcpu);
      onCpu(typeof d.pcpu === 'number' ? d.pcpu : -1);
      focus.note = typeof d.pcpu === 'number' && d.pcpu >= 0 ? `pinned to pCPU ${d.pcpu}` : 'unpinned';
      break;
    case 'icv.ack':
    case 'icv.eoi':
    case 'icv.dir':
      onVcpu(vcpu, e.kind === 'icv.ack' ? 'lr' : 'guest');
      if (e.kind === 'icv.ack') onVcpu(vcpu, 'guest');
      focus.reg = ICV_REG[e.kind];
      break;
    case 'vgic.mmio': {
      const reg = typeof d.reg === 'string' ? d.reg : '';
      kvm(reg.startsWith('GITS_') ? 'its' : 'vgic');
      if (reg) focus.reg = reg;
      break;
    }
    case 'vgic.sgi':
      kvm('vgic');
      ((d.targets as number[] | undefined) ?? []).forEach((t) => onVcpu(t, 'aplist'));
      break;
    case 'vgic.lpi.pending':
    case 'vgic.lpi.clear':
      if (typeof d.its === 'number') kvm('its');
      kvm('vgic');
      if (typeof d.queuedOn === 'number') onVcpu(d.queuedOn, 'aplist');
      break;
    case 'vgic.lpi.inv':
      kvm('vgic');
      break;
    case 'kvm.irq-line':
      kvm('vgic');
      focus.note = 'KVM_IRQ_LINE';
      break;
    case 'kvm.signal-msi':
      kvm('its');
      focus.note = 'KVM_SIGNAL_MSI';
      break;
    case 'kvm.set-gsi-routing':
      kvm('routing');
      focus.note = 'KVM_SET_GSI_ROUTING';
      break;
    case 'kvm.irqfd':
      kvm('irqfd');
      kvm('routing');
      focus.note = 'KVM_IRQFD';
      break;
    case 'vmm.eventfd':
    case 'vmm.eventfd-write':
    case 'vfio.set-irqs':
      kvm('irqfd');
      if (typeof d.fd === 'number') focus.note = `eventfd ${d.fd}`;
      break;
    case 'eventfd.signal':
      kvm('irqfd');
      if (typeof d.gsi === 'number') {
        kvm('routing');
        kvm(typeof d.msis === 'number' && d.msis > 0 ? 'its' : 'vgic');
      }
      if (typeof d.fd === 'number') focus.note = `eventfd ${d.fd}`;
      break;
    case 'vfio.irq':
      onCpu(pcpu);
      kvm('irqfd');
      focus.note = 'VFIO handler';
      break;
    default:
      if (GUEST_KINDS.has(e.kind)) {
        onVcpu(vcpu, 'guest');
        if (typeof d.reg === 'string') focus.reg = d.reg;
      } else onVcpu(vcpu);
  }
  return focus;
}
