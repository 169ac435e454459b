/**
 * The context a VM's code runs in: the host machine seen through one VM. KVM's virtual ITS is the
 * engine's ITS (engine/its) under KVM's rules, run on this context: its `s` shows the VM's guest
 * memory and virtual ITSs instead of the host's, its LPIs go to the VM's vgic (vgic-lpi.ts), its
 * events are recorded under 'vm0.its0', and the tasks it schedules carry the VM's index (the
 * kernel's SCOPED_TASK) so that they run on this context again.
 *
 * The kernel's bookkeeping (the current event, its cause, whether the running task emitted or
 * scheduled) is the host machine's: the context forwards it, so an event a VM task emits is one
 * event of the host's log, in sequence with everything else.
 *
 * Contexts are cached per host machine and VM; `s` is rebuilt when the host's state object is
 * replaced (a seek restores a snapshot wholesale).
 */

import type { GicRules, ProfileName } from '../gic/gic-rules';
import { GIC_RULES } from '../gic/gic-rules';
import type { GicTiming } from '../gic/gic-machine';
import type { ItsHostState, ItsMachine, ItsTiming, KvmLpiStore } from '../its/its-machine';
import { ITS_RULES, type ItsRules } from '../its/its-rules';
import type { PlatformMachine } from '../platform/platform-machine';
import { costModelFrom, type CostModel } from './cost-model';
import type { EventLog } from '../sim/event-log';
import { InternalError, schedule } from '../sim/kernel';
import { unitId, type Unit } from '../sim/unit-names';
import { vgicLpiLimit, vgicLpiMap, vgicLpiRetarget, vgicLpiUnmap } from './vgic-lpi';
import type { VmState } from './vm-state';
import { forwardedOf, unsetForwarding, v4Retarget } from './vgic-v4-forwarding';

/** What engine/its sees of a VM: the VM's memory and virtual ITSs; `gic` is not there. */
export interface VmItsView extends ItsHostState {
  vm: VmState;
}

export type VmContext = ItsMachine<VmItsView> & {
  readonly host: PlatformMachine;
  readonly vmIndex: number;
};

const NO_GIC = {
  get(): never {
    throw new InternalError("a VM's virtual ITS reached for the host's GIC state");
  },
};

/** The vITS's LPI store: the VM's vgic_irq objects, and kicks for what they queue. */
const VGIC_LPI_STORE: KvmLpiStore<ItsMachine<VmItsView>> = {
  add(m, intid, target) {
    const vm = m.s.vm;
    const r = vgicLpiMap(vm.vgic, vm.mem, intid, target);
    for (const v of r.kicks) scheduleKick(m, v);
    return { created: r.created, pendingFromTable: r.pendingFromTable };
  },
  release(m, intid) {
    // its_free_ite: a forwarded LPI stops being forwarded (its_unmap_vlpi) before it goes.
    const f = forwardedOf(m.s.vm, intid);
    if (f) unsetForwarding(m as VmContext, f, 'its event was freed (DISCARD or MAPD)');
    vgicLpiUnmap(m.s.vm.vgic, intid);
  },
  retarget(m, intid, to) {
    const from = m.s.vm.vgic.dist.lpis.get(intid)?.targetVcpu ?? -1;
    vgicLpiRetarget(m.s.vm.vgic, intid, to);
    // update_affinity: a forwarded LPI's vPE changes in the hardware (VMOVI).
    const f = forwardedOf(m.s.vm, intid);
    if (f && from !== to) v4Retarget(m as VmContext, f, from, to);
  },
  intids: (m) => [...m.s.vm.vgic.dist.lpis.keys()],
  target: (m, intid) => m.s.vm.vgic.dist.lpis.get(intid)?.targetVcpu ?? -1,
  limit: (m) => vgicLpiLimit(m.s.vm.vgic),
  enabled: (m, pe) => m.s.vm.vgic.vcpus[pe]?.lpisEnabled ?? false,
  pes: (m) => m.s.vm.vgic.vcpus.length,
};

/** A kick task for vCPU `vcpu` (kvm-tasks.ts 'kvm.kick'), after the cost of vgic_queue_irq_unlock. */
export function scheduleKick(m: ItsMachine<VmItsView>, vcpu: number): void {
  schedule(m, 0, 'kvm.kick', { vcpu });
}

class Context implements ItsMachine<VmItsView> {
  readonly profile: ProfileName = 'kvm';
  readonly gicRules: GicRules = GIC_RULES.kvm;
  readonly itsRules: ItsRules = ITS_RULES.kvm;
  readonly kvmLpis = VGIC_LPI_STORE;
  readonly scope: number;
  private hostState: unknown = undefined;
  private view: VmItsView | undefined;
  private readonly units: Unit[] = [];
  private gicTimingCache: GicTiming | undefined;
  private itsTimingCache: ItsTiming | undefined;

  constructor(
    readonly host: PlatformMachine,
    readonly vmIndex: number,
  ) {
    this.scope = vmIndex;
  }

  get s(): VmItsView {
    const hs = this.host.s;
    if (hs !== this.hostState || !this.view) {
      const vm = hs.kvm?.vms[this.vmIndex];
      if (!vm) throw new InternalError(`there is no VM ${this.vmIndex}`);
      const view = { core: hs.core, mem: vm.mem, its: vm.its, vm } as Omit<VmItsView, 'gic'>;
      Object.defineProperty(view, 'gic', NO_GIC);
      this.view = view as VmItsView;
      this.hostState = hs;
    }
    // The core object is replaced with the state, the VM's fields may be reassigned in place.
    const vm = hs.kvm!.vms[this.vmIndex]!;
    if (this.view.vm !== vm || this.view.core !== hs.core) {
      this.view.vm = vm;
      this.view.mem = vm.mem;
      this.view.its = vm.its;
      this.view.core = hs.core;
    }
    return this.view;
  }
  get log(): EventLog {
    return this.host.log;
  }
  get cur(): number {
    return this.host.cur;
  }
  set cur(v: number) {
    this.host.cur = v;
  }
  get cause(): number {
    return this.host.cause;
  }
  set cause(v: number) {
    this.host.cause = v;
  }
  get emitted(): boolean {
    return this.host.emitted;
  }
  set emitted(v: boolean) {
    this.host.emitted = v;
  }
  get scheduled(): boolean {
    return this.host.scheduled;
  }
  set scheduled(v: boolean) {
    this.host.scheduled = v;
  }
  get notes(): string[] {
    return this.host.notes;
  }
  /**
   * The virtual ITS is software: its translation and the LPI's way into the vgic are all in the
   * cost model's `vitsInject`, charged before the translation starts, so its internal hops take no
   * time of their own. Its commands keep the host ITS's per-command time.
   */
  get gicTiming(): GicTiming {
    return (this.gicTimingCache ??= { ...this.host.gicTiming, lpi: 0, signal: 0 });
  }
  get itsTiming(): ItsTiming {
    return (this.itsTimingCache ??= { ...this.host.itsTiming, msi: 0, tableRead: 0, cacheLookup: 0 });
  }
  itsUnit(index: number): Unit {
    return (this.units[index] ??= unitId(`${this.s.vm.cfg.name}.its${index}`));
  }
}

const COSTS = new WeakMap<object, CostModel>();

/** KVM's per-hop costs (ns) on this host: the defaults with the machine's `kvm.*` timing overrides. */
export function kvmCostOf(m: PlatformMachine): CostModel {
  const r = m.s.machine;
  let c = COSTS.get(r);
  if (!c) COSTS.set(r, (c = costModelFrom(r.timing).model));
  return c;
}

/** One hop's cost (ns), `times` times. */
export const hopCost = (ctx: VmContext, key: string, times = 1): number =>
  (kvmCostOf(ctx.host)[key] ?? 0) * times;

const CONTEXTS = new WeakMap<PlatformMachine, VmContext[]>();

/** The context of VM `vm` on `host` (cached). */
export function vmContext(host: PlatformMachine, vm: number): VmContext {
  let list = CONTEXTS.get(host);
  if (!list) CONTEXTS.set(host, (list = []));
  return (list[vm] ??= new Context(host, vm));
}
