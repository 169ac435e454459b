/**
 * A KVM virtual machine in the machine state: its description, and everything KVM and the guest
 * keep for it, as plain data. The host's physical GIC, ITSs and memory stay where they are
 * (MachineState.gic/its/mem); a VM adds, per VM:
 *
 *  - the vgic (struct vgic_dist + vgic_cpu per vCPU: vgic_irq, ap_lists, the ICH_* shadow);
 *  - the vCPU threads on the host's physical CPUs (vcpu-run.ts);
 *  - the userspace-facing tables: GSI routing, irqfds and eventfds;
 *  - guest physical memory (its own address space: the guest's ITS tables and command queue live
 *    there) and the virtual ITSs KVM emulates on it (engine/its under KVM's rules);
 *  - the guest software on each vCPU (guest-software.ts);
 *  - VFIO: which host interrupts of assigned devices signal which eventfd.
 *
 * Several VMs may share the host; a pCPU runs at most one vCPU at a time, whichever VM it
 * belongs to (the wiring refuses a placement on a pCPU another VM occupies).
 */

import { defaultAffinity } from '../gic/gic-config';
import { createItsState, type ItsState } from '../its/its-state';
import type { ItsConfig } from '../its/its-config';
import { ITS_RULES } from '../its/its-rules';
import { createMemory, memShare, type MemoryRegion, type MemoryState } from '../mem/memory';
import { clonePlain } from '../sim/plain-codec';
import {
  createKvmIrqRouting,
  kvmVgicSetupDefaultIrqRouting,
  type KvmIrqContext,
  type KvmIrqRoutingTable,
} from './gsi-routing';
import { createVtimer, mapVtimer, type VtimerState } from './arch-timer';
import type { KvmV4Host } from './its-v4-host';
import type { VmV4State } from './vgic-v4';
import { createKvmIrqfdState, type KvmIrqfdState } from './irqfd';
import type { GuestOp } from './kvm-input-types';
import { createKvmRunState, NO_PCPU, type KvmRunState } from './vcpu-run';
import {
  checkVgicConfig,
  createVgicState,
  defaultVgicConfig,
  type VgicLrPolicy,
  type VgicState,
} from './vgic-state';

/**
 * What the guest does when it takes a virtual interrupt (guest-software.ts), as the host's
 * software policies (platform/software.ts): end it (EOIR), deactivate it through GICD/GICR_ICACTIVER
 * without an EOI (kvm-unit-tests' "active" test), keep it active and unmask, or never take any.
 */
export type GuestPolicy = 'eoi' | 'deactivate-icactiver' | 'hold' | 'masked';
export const GUEST_POLICIES: readonly GuestPolicy[] = ['eoi', 'deactivate-icactiver', 'hold', 'masked'];

/** What a VM's vCPU does when its guest has nothing left to run. */
export type GuestIdle = 'wfi' | 'spin';

/** A host PCI endpoint assigned to the VM (VFIO), as the guest sees it. */
export interface AssignedDeviceOptions {
  /** The host device's name in `devices`. */
  device: string;
  /** The guest's Requester ID = DeviceID on the virtual ITS (default: the host RID). */
  guestRid?: number;
}

/** The `vms` entries of a machine description. */
export interface VmOptions {
  name?: string;
  vcpus?: number;
  /** List registers per vCPU (ICH_VTR_EL2.ListRegs + 1), 1..16; default 4. */
  lrs?: number;
  lrPolicy?: VgicLrPolicy;
  /** SPIs (a multiple of 32); KVM's default 224. */
  spis?: number;
  priorityBits?: number;
  /** A virtual ITS (KVM_DEV_TYPE_ARM_VGIC_ITS); default true. */
  its?: boolean;
  /** Guest RAM; default 1 GiB at 0x4000_0000 (the guest's own address space). */
  memory?: { base: number; size: number }[];
  /** vCPU i is pinned to pCPU pin[i] (-1 or absent: the scheduler chooses). */
  pin?: number[];
  /** The guest's handler policy: one for every vCPU, or per vCPU number (and 'all' for the rest). */
  software?: GuestPolicy | Record<string, GuestPolicy>;
  idle?: GuestIdle;
  assigned?: AssignedDeviceOptions[];
  /**
   * GICv4 direct injection for this VM (vgic-v4.ts). Default: on when the host's GIC is a GICv4,
   * as on a host booted with kvm-arm.vgic_v4_enable=1. Off keeps every interrupt on KVM's software
   * path, a per-VM switch only the model has, for comparing the two paths on one host.
   */
  gicv4?: boolean;
}

export interface ResolvedVm {
  name: string;
  vcpus: number;
  lrs: number;
  lrPolicy: VgicLrPolicy;
  spis: number;
  priorityBits: number;
  its: ItsConfig[];
  memory: MemoryRegion[];
  pin: number[];
  /** Per vCPU. */
  software: GuestPolicy[];
  idle: GuestIdle;
  assigned: { device: string; guestRid: number }[];
  /** Whether KVM uses GICv4 for this VM (the host has one and the VM did not turn it off). */
  gicv4: boolean;
}

/** Where the guest's GIC frames are: QEMU's virt board, as for the host. */
export const VM_FRAMES = {
  distributorBase: 0x0800_0000,
  itsBase: 0x0808_0000,
  redistributorBase: 0x080a_0000,
} as const;

/** Resolves one `vms` entry. `pcpus`: the host's PE count; `hostRid`: a host device's RID by name. */
export function resolveVm(
  o: VmOptions,
  i: number,
  pcpus: number,
  hostRid: (name: string) => number | undefined,
  problems: string[],
  hostGicv4 = false,
): ResolvedVm {
  const at = `vms[${i}]`;
  const vcpus = o.vcpus ?? 2;
  const spis = o.spis ?? 224;
  const cfg = defaultVgicConfig(Math.max(1, Math.min(512, Math.floor(vcpus) || 1)), {
    nrLr: o.lrs ?? 4,
    nrSpis: spis,
    priorityBits: o.priorityBits ?? 5,
    lrPolicy: o.lrPolicy ?? 'classic',
  });
  if (!Number.isInteger(vcpus) || vcpus < 1) problems.push(`${at}.vcpus: ${vcpus}; must be 1 or more`);
  for (const p of checkVgicConfig(cfg))
    problems.push(`${at}: ${p.replace('nrLr', 'lrs').replace('nrSpis', 'spis')}`);
  const pin = Array.from({ length: cfg.affinity.length }, (_, v) => o.pin?.[v] ?? NO_PCPU);
  pin.forEach((p, v) => {
    if (p !== NO_PCPU && !(Number.isInteger(p) && p >= 0 && p < pcpus))
      problems.push(`${at}.pin[${v}]: there is no pCPU ${p} (the host has ${pcpus})`);
  });
  const policyOf = (v: number): GuestPolicy => {
    const s = o.software;
    if (s === undefined) return 'eoi';
    if (typeof s === 'string') return s;
    return s[String(v)] ?? s.all ?? 'eoi';
  };
  const software = Array.from({ length: cfg.affinity.length }, (_, v) => policyOf(v));
  for (const p of software)
    if (!GUEST_POLICIES.includes(p))
      problems.push(`${at}.software: '${String(p)}'; one of ${GUEST_POLICIES.join(', ')}`);
  if (o.software && typeof o.software === 'object')
    for (const k of Object.keys(o.software))
      if (k !== 'all' && !(Number(k) >= 0 && Number(k) < cfg.affinity.length))
        problems.push(`${at}.software: no vCPU '${k}'`);
  if (o.idle !== undefined && o.idle !== 'wfi' && o.idle !== 'spin')
    problems.push(`${at}.idle: '${String(o.idle)}'; wfi or spin`);
  const assigned = (o.assigned ?? []).map((a, k) => {
    const rid = hostRid(a.device);
    if (rid === undefined) problems.push(`${at}.assigned[${k}]: there is no host device '${a.device}'`);
    const guestRid = a.guestRid ?? rid ?? 0;
    if (!Number.isInteger(guestRid) || guestRid < 0 || guestRid > 0xffff)
      problems.push(`${at}.assigned[${k}].guestRid: ${guestRid}; a 16-bit Requester ID`);
    return { device: a.device, guestRid };
  });
  const memory = (o.memory ?? [{ base: 0x4000_0000, size: 0x4000_0000 }]).map((r, k) => ({
    name: `${o.name ?? `vm${i}`}.ram${k}`,
    base: r.base,
    size: r.size,
  }));
  return {
    name: o.name ?? `vm${i}`,
    vcpus: cfg.affinity.length,
    lrs: cfg.nrLr,
    lrPolicy: cfg.lrPolicy,
    spis: cfg.nrSpis,
    priorityBits: cfg.priorityBits,
    its: o.its === false ? [] : [{ ...ITS_RULES.kvm.defaults, base: VM_FRAMES.itsBase }],
    memory,
    pin,
    software,
    idle: o.idle ?? 'wfi',
    assigned,
    gicv4: hostGicv4 && o.gicv4 !== false && o.its !== false,
  };
}

/** The guest software on one vCPU (guest-software.ts). */
export interface GuestCpuState {
  policy: GuestPolicy;
  idle: GuestIdle;
  /** PSTATE.I inside the guest. */
  masked: boolean;
  /** Virtual interrupts taken and not yet returned from. */
  depth: number;
  /** The pass (entry number) a 'kvm.guest' task is queued for, -1 for none. */
  queued: number;
  /** Guest accesses still to run, in order (scenario lines the guest executes). */
  program: GuestOp[];
  /**
   * A guest step that came due while the vCPU was out of the guest (its handler was interrupted
   * by an exit): it runs when the vCPU is back in the guest.
   */
  resume: { k: string; a: { vcpu: number; entry: number; intid?: number } } | null;
  /** Virtual interrupts this vCPU acknowledged (for expectations), INTID -> count. */
  acked: Record<number, number>;
}

/** A host interrupt VFIO requested for an assigned device's MSI vector: its handler signals `fd`. */
export interface VfioIrq {
  device: string;
  vector: number;
  /** The host LPI the physical ITS maps the vector's MSI to. */
  hostIntid: number;
  fd: number;
}

export interface VmState {
  index: number;
  cfg: ResolvedVm;
  vgic: VgicState;
  run: KvmRunState;
  routing: KvmIrqRoutingTable;
  irqfd: KvmIrqfdState;
  mem: MemoryState;
  its: ItsState[];
  guest: GuestCpuState[];
  vfio: VfioIrq[];
  /**
   * vITS injections an irqfd made inside a host interrupt handler (the translation cache hit, so
   * kvm_arch_set_irq_inatomic injected at once): when the vLPI is queued, the kick comes from that
   * pCPU and the host's handler returns and ends its interrupt.
   */
  inIrq: { its: number; devid: number; eventid: number; pcpu: number; intid: number }[];
  /** Each vCPU's virtual timer (arch-timer.ts). */
  timers: VtimerState[];
  /** A 'kvm.schedule' task is queued. */
  scheduleQueued: boolean;
  /** A 'kvm.tick' task (the time slice of a vCPU others wait behind) is queued. */
  tickQueued: boolean;
  /** GICv4: the VM's vPEs and forwarded LPIs, once vgic_v4_init has run (vgic-v4.ts). */
  v4?: VmV4State;
}

export interface KvmState {
  vms: VmState[];
  /** The host's GICv4 driver (its-v4-host.ts), when the host GIC is a GICv4. */
  v4?: KvmV4Host;
}

export function createVmState(cfg: ResolvedVm, index: number, pcpus: number): VmState {
  const vgic = createVgicState(
    defaultVgicConfig(cfg.vcpus, {
      affinity: Array.from({ length: cfg.vcpus }, (_, v) => defaultAffinity(v)),
      nrLr: cfg.lrs,
      nrSpis: cfg.spis,
      priorityBits: cfg.priorityBits,
      lrPolicy: cfg.lrPolicy,
    }),
  );
  mapVtimer(vgic);
  const run = createKvmRunState(cfg.vcpus, pcpus);
  cfg.pin.forEach((p, v) => (run.vcpus[v]!.pinned = p));
  const routing = createKvmIrqRouting();
  kvmVgicSetupDefaultIrqRouting(routing, cfg.spis);
  return {
    index,
    cfg,
    vgic,
    run,
    routing,
    irqfd: createKvmIrqfdState(),
    mem: createMemory(cfg.memory),
    its: cfg.its.map((c, k) => createItsState(k, c, true)),
    guest: Array.from({ length: cfg.vcpus }, (_, v) => ({
      policy: cfg.software[v]!,
      idle: cfg.idle,
      masked: cfg.software[v] === 'masked',
      depth: 0,
      queued: -1,
      program: [],
      resume: null,
      acked: {},
    })),
    vfio: [],
    inIrq: [],
    timers: Array.from({ length: cfg.vcpus }, createVtimer),
    scheduleQueued: false,
    tickQueued: false,
  };
}

/** A copy of a VM's state; guest RAM pages are shared copy-on-write, as the host's are. */
export function cloneVmState(vm: VmState): VmState {
  const { mem, ...rest } = vm;
  return { ...clonePlain(rest), mem: memShare(mem) };
}

/** What cloning a VM's state costs, in the units of platform/machine.ts stateWeight. */
export function vmStateWeight(vm: VmState): number {
  let objects = vm.vgic.dist.lpis.size + vm.vgic.dist.spis.length + 32 * vm.vgic.vcpus.length;
  for (const its of vm.its) {
    objects += its.cache.size;
    for (const d of its.devices.values()) objects += 1 + d.ites.size;
  }
  return 2 + objects * 0.2 + vm.mem.pages.size * 0.15;
}

/** What the routing, irqfd and MSI code needs of a VM (kvm_set_irq's view of it). */
export function vmIrqContext(vm: VmState): KvmIrqContext {
  return {
    vgic: vm.vgic,
    routing: vm.routing,
    msi: {
      irqchipInKernel: true,
      hasIts: vm.its.length > 0,
      itsBases: vm.its.map((its) => BigInt(its.cfg.base)),
    },
  };
}
