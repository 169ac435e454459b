/**
 * Turning the command language's names into addresses: a register name (with its unit), a unit
 * plus an offset, or a physical address becomes the address and width of one bus access, checked
 * against the machine at hand (a redistributor or ITS that does not exist is an error here, before
 * anything runs).
 *
 * The same names work in two address spaces, described by a `Frames`: the host's (hostFrames: the
 * machine's distributor, redistributors and ITSs) and a guest's (guestFrames: the frames KVM
 * emulates for a VM, at QEMU virt's guest addresses, seen from one vCPU). Only where the frames
 * are and which redistributor a bare GICR_* name means differ; the register tables are the same.
 */

import { redistStride } from '../gic/gic-config';
import { GICD_REGISTERS } from '../gic/distributor';
import { GICR_REGISTERS } from '../gic/redistributor';
import { findByName, type AccessWidth } from '../gic/registers';
import { GITS_REGISTERS } from '../its/its-registers';
import { VM_FRAMES, type VmState } from '../kvm/vm-state';
import type { Machine } from '../platform/machine';
import type { MmioTarget, Unit } from './actions';

export type Resolved =
  { ok: true; addr: number; width: AccessWidth; name: string } | { ok: false; error: string };

/** One address space's GIC frames, as the command language names them. */
export interface Frames {
  /** The base address of a unit's first frame, or why the unit does not exist. */
  unitBase(u: Unit): number | string;
  /** The redistributor a GICR_* name without a unit means. */
  defaultRd: number;
}

/** The host's frames: GICR_* names default to rd0. */
export function hostFrames(m: Machine): Frames {
  return { unitBase: (u) => unitBase(m, u), defaultRd: 0 };
}

/** A redistributor frame pair (RD_base + SGI_base) in a guest: KVM_VGIC_V3_REDIST_SIZE. */
export const GUEST_REDIST_STRIDE = 0x20000;

/**
 * VM `vm`'s frames as the guest code on vCPU `vcpu` sees them: the distributor and the
 * redistributors at QEMU virt's guest addresses (VM_FRAMES), the virtual ITSs where the VM's
 * configuration puts them. A GICR_* name without a unit means the issuing vCPU's own
 * redistributor, which is what a guest's `gic_data_rdist()` accessors reach.
 */
export function guestFrames(vm: VmState, vcpu: number): Frames {
  const vcpus = vm.cfg.vcpus;
  const name = vm.cfg.name;
  return {
    defaultRd: vcpu,
    unitBase: (u) => {
      switch (u.type) {
        case 'gicd':
          return VM_FRAMES.distributorBase;
        case 'rd':
          if (u.n >= vcpus)
            return `there is no redistributor ${u.n} in vm${vm.index} (${name} has ${vcpus} vCPU${vcpus === 1 ? '' : 's'})`;
          return VM_FRAMES.redistributorBase + u.n * GUEST_REDIST_STRIDE;
        case 'its': {
          const its = vm.its[u.n];
          if (!its) return noVits(vm, u.n);
          return its.cfg.base;
        }
      }
    },
  };
}

/** VM `n` of the machine, or why there is none. */
export function vmOf(m: Machine, n: number): VmState | string {
  const vms = m.s.kvm?.vms ?? [];
  const vm = vms[n];
  if (vm) return vm;
  return vms.length === 0
    ? `there is no vm${n}: the machine runs no VMs`
    : `there is no vm${n} (the machine has ${vms.length === 1 ? '1 VM: vm0' : `${vms.length} VMs: vm0..vm${vms.length - 1}`})`;
}

/** vCPU `v` of `vm`, or why there is none. */
export function noVcpu(vm: VmState, v: number): string | undefined {
  const n = vm.cfg.vcpus;
  return v < n
    ? undefined
    : `there is no vcpu${v} in vm${vm.index} (${vm.cfg.name} has ${n} vCPU${n === 1 ? '' : 's'})`;
}

/** 'there is no virtual ITS 1 in vm0 (it has 1)'. */
export function noVits(vm: VmState, n: number): string {
  const k = vm.its.length;
  return `there is no virtual ITS ${n} in vm${vm.index} (${k === 0 ? 'it has none' : `it has ${k}`})`;
}

export function unitBase(m: Machine, u: Unit): number | string {
  const g = m.s.gic.cfg;
  switch (u.type) {
    case 'gicd':
      return g.distBase;
    case 'rd':
      if (u.n >= g.affinity.length)
        return `there is no redistributor ${u.n} (the machine has ${g.affinity.length} PEs)`;
      return g.redistBase + u.n * redistStride(g);
    case 'its': {
      const its = m.s.its[u.n];
      if (!its) return `there is no ITS ${u.n} (the machine has ${m.s.its.length})`;
      return its.cfg.base;
    }
  }
}

const unitText = (u: Unit): string => (u.type === 'gicd' ? 'gicd' : `${u.type}${u.n}`);

/** Resolves a target in the host's address space (a Machine) or in the one `Frames` describes. */
export function resolveTarget(space: Machine | Frames, t: MmioTarget, width?: AccessWidth): Resolved {
  const frames = 'unitBase' in space ? space : hostFrames(space);
  if (t.kind === 'addr') {
    if (!width)
      return { ok: false, error: 'an access to a physical address needs a width (read32, write64...)' };
    return { ok: true, addr: t.addr, width, name: `@0x${t.addr.toString(16)}` };
  }
  if (t.kind === 'offset') {
    if (!width) return { ok: false, error: 'an access to a unit offset needs a width (read32, write64...)' };
    const base = frames.unitBase(t.unit);
    if (typeof base === 'string') return { ok: false, error: base };
    return { ok: true, addr: base + t.offset, width, name: `${unitText(t.unit)}+0x${t.offset.toString(16)}` };
  }
  const reg = t.reg.toUpperCase();
  let unit: Unit;
  let found: { def: { offset: number; size: number; stride?: number }; index: number } | undefined;
  if (reg.startsWith('GICD_')) {
    if (t.unit && t.unit.type !== 'gicd')
      return { ok: false, error: `${reg} is a distributor register, not one of ${unitText(t.unit)}` };
    unit = { type: 'gicd' };
    found = findByName(GICD_REGISTERS, reg);
  } else if (reg.startsWith('GICR_')) {
    if (t.unit && t.unit.type !== 'rd')
      return { ok: false, error: `${reg} is a redistributor register, not one of ${unitText(t.unit)}` };
    unit = t.unit ?? { type: 'rd', n: frames.defaultRd };
    found = findByName(GICR_REGISTERS, reg);
  } else if (reg.startsWith('GITS_')) {
    if (t.unit && t.unit.type !== 'its')
      return { ok: false, error: `${reg} is an ITS register, not one of ${unitText(t.unit)}` };
    unit = t.unit ?? { type: 'its', n: 0 };
    found = findByName(GITS_REGISTERS, reg);
  } else return { ok: false, error: `'${t.reg}' is not a GICD_, GICR_ or GITS_ register` };
  if (!found) return { ok: false, error: `no register named ${reg}` };
  const base = frames.unitBase(unit);
  if (typeof base === 'string') return { ok: false, error: base };
  const plus = t.plus ?? 0;
  const regWidth = (found.def.size * 8) as AccessWidth;
  const w = width ?? (plus ? 32 : regWidth);
  if (plus + w / 8 > found.def.size)
    return {
      ok: false,
      error: `${reg}+${plus} with a ${w}-bit access runs past the ${regWidth}-bit register`,
    };
  const addr = base + found.def.offset + found.index * (found.def.stride ?? found.def.size) + plus;
  const name = (unit.type === 'gicd' ? '' : `${unitText(unit)} `) + reg + (plus ? `+${plus}` : '');
  return { ok: true, addr, width: w, name };
}
