/**
 * KVM's vgic-v4 layer (arch/arm64/kvm/vgic/vgic-v4.c), on a host whose GIC is a GICv4: every vCPU
 * has a vPE, and an assigned device's MSIs can go straight to the guest as vLPIs without KVM.
 *
 *  - vgic_v4_init, at the VM's first vCPU load once the host's ITS is up: one vPE per vCPU (a
 *    system-wide vPEID, a 64 KiB virtual pending table, a doorbell LPI), the VM's vLPI property
 *    page, and (eager mapping) VMAPP + VINVALL on the host ITS. The doorbell irq is requested
 *    disabled on GICv4.0 (NOAUTOEN) and stays enabled on GICv4.1.
 *  - vgic_v4_load, at each vcpu_load: VMOVP if the vCPU moved to another pCPU, the doorbell masked
 *    (GICv4.0), the vPE made resident (GICR_VPENDBASER.Valid), the doorbell's stale pending state
 *    cleared (GICv4.0), then the entry waits for the VPT to be parsed (vgic_v4_commit).
 *  - vgic_v4_put, at each vcpu_put: the vPE made non-resident; when the vCPU blocks in WFI, with a
 *    doorbell requested (GICv4.0: the doorbell irq unmasked; GICv4.1: VPENDBASER.DB), and
 *    pending_last taken from PendingLast so that a blocked vCPU with a vLPI pending wakes.
 *  - The doorbell's handler (the host takes the doorbell LPI): GICv4.0 masks it again,
 *    pending_last is set, KVM_REQ_IRQ_PENDING and a kick wake the vCPU.
 *  - Forwarding (kvm_vgic_v4_set_forwarding, vgic-v4-forwarding.ts): when VFIO's interrupt (the irq-bypass producer) and
 *    an irqfd (the consumer) share an eventfd whose GSI routes to an MSI for the virtual ITS, the
 *    guest's DeviceID/EventID is resolved through the virtual ITS to its LPI and the host maps the
 *    physical event as that vLPI (DISCARD + VMAPTI): pDevID/pEventID -> vLPI, no KVM on the way.
 *  - What guest commands do to a forwarded LPI (its_prop_update_vlpi, INT/CLEAR in hardware, VMOVI
 *    on MOVI/MOVALL, unforwarding on DISCARD and MAPD) is applied from the vITS's hooks
 *    (vm-context.ts, vm-handlers.ts) through the functions here.
 *
 * The host driver's side (which commands, which registers) is its-v4-driver.ts; the pCPU that runs
 * it is host-ops.ts.
 */

import { residentOn } from '../gic/vlpi';
import { memFill } from '../mem/memory';
import type { PlatformMachine } from '../platform/platform-machine';
import { hostRun } from './host-ops';
import {
  allocVpeid,
  directInjectionProblem,
  hostIsV41,
  poolAlloc,
  virtualItss,
  type HostOp,
  type KvmV4Host,
} from './its-v4-host';
import {
  deschedule,
  doorbellConfig,
  doorbellOp,
  eagerMapping,
  schedule as scheduleVpe,
  viaProxy,
  vmapp,
  vmovp,
  VLPI_BITS,
  type ItsVpe,
} from './its-v4-driver';
import { vmContext, type VmContext } from './vm-context';
import type { VmState } from './vm-state';
import type { ForwardedLpi } from './vgic-v4-forwarding';

/** The VM's GICv4 state (struct its_vm and the vPEs of its vCPUs). */
export interface VmV4State {
  v41: boolean;
  /** The VM's vLPI property page (vprop_page). */
  vprop: number;
  vpes: ItsVpe[];
  forwarded: ForwardedLpi[];
  /**
   * While vgic_v4_init's operations (VMAPP...) are still queued, the pCPU whose queue holds them:
   * the vCPUs' own loads and puts queue behind them there, since in Linux vgic_v4_init is done
   * before any vCPU runs (a VMOVP must not reach the ITS before its vPE's VMAPP). -1 otherwise.
   */
  initQueue: number;
}

/** The pCPU queue the VM's driver work for `pcpu` goes to (behind vgic_v4_init's, while it runs). */
const queueFor = (vm: VmState, pcpu: number): number =>
  vm.v4 && vm.v4.initQueue >= 0 ? vm.v4.initQueue : pcpu;

const vmOf = (m: PlatformMachine, vm: number): VmState => m.s.kvm!.vms[vm]!;
export const hostV4 = (m: PlatformMachine): KvmV4Host | undefined => m.s.kvm?.v4;

/** Finds a vPE of any VM by vPEID (the proxy evicts slots of other VMs' vPEs). */
export function vpeById(m: PlatformMachine): (vpeid: number) => ItsVpe | undefined {
  return (id) => {
    for (const vm of m.s.kvm?.vms ?? []) {
      const p = vm.v4?.vpes.find((x) => x.vpeid === id);
      if (p) return p;
    }
    return undefined;
  };
}

/** An event told by the pCPU's driver queue (the task that decided it has emitted its own). */
export const told = (kind: string, vm: number, data: Record<string, unknown>): HostOp => ({
  k: 'event',
  kind,
  vm,
  data,
});

/**
 * vgic_v4_init, tried at each vCPU load until the host's ITS can take virtual commands (the host
 * boots before a VM runs on real hardware; here the boot is scenario lines). Returns whether the
 * VM now has its vPEs.
 */
export function vgicV4Init(m: PlatformMachine, vmIndex: number, pcpu: number, loading = -1): boolean {
  const vm = vmOf(m, vmIndex);
  const h = hostV4(m);
  if (vm.v4) return true;
  if (!vm.cfg.gicv4 || !h) return false;
  if (directInjectionProblem(m)) return false;
  const n = vm.cfg.vcpus;
  const vprop = poolAlloc(h, 1 << VLPI_BITS);
  const vpts = Array.from({ length: n }, () => poolAlloc(h, (1 << VLPI_BITS) / 8));
  if (vprop === undefined || vpts.some((x) => x === undefined)) {
    hostRun(m, pcpu, [
      told('kvm.v4.init', vmIndex, {
        problem: "the driver's memory pool is exhausted",
        text: "vgic_v4_init failed: no memory for the vPEs' tables; the VM's interrupts stay on KVM's software path",
      }),
    ]);
    vm.cfg = { ...vm.cfg, gicv4: false };
    return false;
  }
  // its_allocate_prop_table: every byte the default priority, Group 1, disabled; VPTs zeroed.
  memFill(m.s.mem, vprop, 1 << VLPI_BITS, 0xa2);
  for (const a of vpts) memFill(m.s.mem, a!, (1 << VLPI_BITS) / 8, 0);
  // Doorbell LPIs: a power-of-two block, one per vPE.
  let block = 1;
  while (block < n) block *= 2;
  const db = h.nextDoorbell;
  h.nextDoorbell += block;
  const v41 = hostIsV41(m);
  vm.v4 = {
    v41,
    vprop,
    vpes: vpts.map((vpt, i) => ({
      vpeid: allocVpeid(h),
      doorbell: db + i,
      vpt: vpt!,
      colIdx: 0,
      mappedOn: [],
      resident: false,
      ready: false,
      idai: true,
      pendingLast: false,
      dbDepth: v41 ? 0 : 1,
      vlpiCount: 0,
      proxyEvent: -1,
    })),
    forwarded: [],
    initQueue: pcpu,
  };
  const ops: HostOp[] = [
    told('kvm.v4.init', vmIndex, {
      vpes: vm.v4.vpes.map((p) => ({ vpeid: p.vpeid, doorbell: p.doorbell, vpt: '0x' + p.vpt.toString(16) })),
      vprop: '0x' + vprop.toString(16),
      gic: v41 ? '4.1' : '4.0',
      eager: eagerMapping(m),
      text:
        `vgic_v4_init: ${n} vPE(s) (vPEID ${vm.v4.vpes.map((p) => p.vpeid).join(', ')}), doorbell LPIs ` +
        `${db}..${db + n - 1}, vLPI property page at 0x${vprop.toString(16)}` +
        (eagerMapping(m)
          ? '; each vPE is mapped on the host ITS (VMAPP) now'
          : '; vPEs are mapped at their first vLPI'),
    }),
  ];
  // The driver's one-time setup: the proxy device (GICv4.0 without DirectLPI).
  if (viaProxy(m) && !h.proxy) {
    const its = virtualItss(m)[0]!;
    const cfg = m.s.its[its]!.cfg;
    let events = 1;
    while (events < m.s.gic.cfg.affinity.length) events *= 2;
    const itt = poolAlloc(h, Math.max(256, events * cfg.ittEntrySize), 256)!;
    const devid = 2 ** cfg.devBits - 1;
    h.proxy = { its, devid, events, itt, mapped: true, slots: new Array<number>(events).fill(-1), next: 0 };
    let size = 0;
    while (2 ** (size + 1) < events) size++;
    ops.push({
      k: 'cmd',
      its,
      name: 'MAPD',
      fields: { DeviceID: BigInt(devid), Size: BigInt(size), ITT_addr: BigInt(itt), V: 1n },
      why: `the GICv4.0 doorbell proxy device (no DirectLPI): DeviceID 0x${devid.toString(16)}, ${events} event(s)`,
    });
  }
  if (eagerMapping(m))
    for (const vpe of vm.v4.vpes) for (const its of virtualItss(m)) ops.push(...vmapp(m, vm, vpe, its, true));
  // GICv4.1: request_irq starts the doorbell (no NOAUTOEN): unmasked, then INVDB + VSYNC.
  if (v41)
    for (const vpe of vm.v4.vpes) {
      const its = virtualItss(m)[0]!;
      ops.push(
        doorbellConfig(
          m,
          vpe,
          true,
          `vPE ${vpe.vpeid}'s default doorbell LPI ${vpe.doorbell} enabled (the GIC manages it)`,
        ),
        {
          k: 'cmd',
          its,
          name: 'INVDB',
          fields: { vPEID: BigInt(vpe.vpeid) },
          why: `vPE ${vpe.vpeid}'s doorbell configuration reloaded`,
        },
        { k: 'cmd', its, name: 'VSYNC', fields: { vPEID: BigInt(vpe.vpeid) }, why: 'after INVDB' },
      );
    }
  // vCPUs already running (the host's ITS came up after they were first loaded) get their vPE
  // made resident now, as if vgic_v4_init had come before their first run, as it does in Linux.
  vm.run.vcpus.forEach((r, v) => {
    if (v !== loading && r.pcpu >= 0 && (r.mode === 'guest' || r.mode === 'host'))
      ops.push(...loadOps(m, vm, v, r.pcpu));
  });
  hostRun(m, pcpu, [...ops, { k: 'init-done', vm: vmIndex }]);
  return true;
}

/** The driver operations of vgic_v4_load for vCPU `vcpu` on `pcpu` (its vPE made resident there). */
function loadOps(m: PlatformMachine, vm: VmState, vcpu: number, pcpu: number): HostOp[] {
  const vpe = vm.v4!.vpes[vcpu]!;
  const h = hostV4(m)!;
  const ops: HostOp[] = [];
  if (vpe.colIdx !== pcpu) {
    if (vpe.mappedOn.length) ops.push(...vmovp(m, h, vpe, pcpu, h.vmovpSeq++));
    else vpe.colIdx = pcpu; // not mapped anywhere yet: the affinity is only recorded
  }
  if (!vm.v4!.v41) {
    // disable_irq_nosync(doorbell): masked on the 0 -> 1 step (the doorbell did not fire).
    vpe.dbDepth++;
    if (vpe.dbDepth === 1)
      ops.push(
        doorbellConfig(
          m,
          vpe,
          false,
          `vPE ${vpe.vpeid}'s doorbell LPI ${vpe.doorbell} masked: its vCPU is about to run`,
        ),
        ...doorbellOp(m, h, vpeById(m), vpe, 'INV', 'the masked doorbell configuration reloaded'),
      );
  }
  ops.push(...scheduleVpe(m, vm, vcpu, pcpu));
  vpe.resident = true;
  if (!vm.v4!.v41)
    ops.push(...doorbellOp(m, h, vpeById(m), vpe, 'CLEAR', `a stale doorbell of vPE ${vpe.vpeid} cleared`));
  // vgic_v4_commit at the entry: wait for the VPT to be parsed.
  ops.push({ k: 'vpend-wait', cpu: pcpu, vm: vm.index, vcpu, record: false });
  vpe.ready = true;
  // Resident again: whatever the doorbell or PendingLast announced is the hardware's to deliver.
  vpe.pendingLast = false;
  vm.vgic.vcpus[vcpu]!.vpePendingLast = false;
  return ops;
}

/**
 * vgic_v4_load on `pcpu` (the vCPU was just loaded there): the driver operations that make its
 * vPE resident, ending with `then` (the run loop's entry).
 */
export function vgicV4Load(
  m: PlatformMachine,
  vmIndex: number,
  vcpu: number,
  pcpu: number,
  then: HostOp,
  delay = 0,
): boolean {
  if (!vgicV4Init(m, vmIndex, pcpu, vcpu)) return false;
  const vm = vmOf(m, vmIndex);
  if (vm.v4!.vpes[vcpu]!.resident) return false;
  hostRun(m, queueFor(vm, pcpu), [...loadOps(m, vm, vcpu, pcpu), then], delay);
  return true;
}

/**
 * vgic_v4_put as the vCPU leaves `pcpu`; `db` when it blocks in WFI (a doorbell is then wanted).
 * Returns whether the driver has work (the pCPU's queue orders it before the next load there).
 */
export function vgicV4Put(
  m: PlatformMachine,
  vmIndex: number,
  vcpu: number,
  pcpu: number,
  db: boolean,
): boolean {
  const vm = vmOf(m, vmIndex);
  const vpe = vm.v4?.vpes[vcpu];
  const h = hostV4(m);
  if (!vpe || !h || !vpe.resident) return false;
  const ops: HostOp[] = [];
  if (!vm.v4!.v41 && db && vpe.dbDepth > 0) {
    // while (irqd_irq_disabled) enable_irq: unmasked on the 1 -> 0 step.
    vpe.dbDepth = 0;
    ops.push(
      doorbellConfig(
        m,
        vpe,
        true,
        `vPE ${vpe.vpeid}'s doorbell LPI ${vpe.doorbell} unmasked: its vCPU blocks`,
      ),
      ...doorbellOp(m, h, vpeById(m), vpe, 'INV', 'the unmasked doorbell configuration reloaded'),
    );
  }
  ops.push(...deschedule(m, vm, vcpu, pcpu, db));
  vpe.resident = false;
  vpe.ready = false;
  hostRun(m, queueFor(vm, pcpu), ops);
  return true;
}

/**
 * The host acknowledged `intid` on `pcpu`: if it is a vPE's doorbell, vgic_v4_doorbell_handler
 * runs (GICv4.0: the doorbell masked again; pending_last set; the vCPU kicked). Returns the VM
 * and vCPU it woke, or undefined if `intid` is no doorbell.
 */
export function vgicV4Doorbell(
  m: PlatformMachine,
  pcpu: number,
  intid: number,
): { vm: number; vcpu: number } | undefined {
  for (const vm of m.s.kvm?.vms ?? []) {
    const vcpu = vm.v4?.vpes.findIndex((p) => p.doorbell === intid) ?? -1;
    if (vcpu < 0) continue;
    const vpe = vm.v4!.vpes[vcpu]!;
    const h = hostV4(m)!;
    const ops: HostOp[] = [];
    if (!vm.v4!.v41 && vpe.dbDepth === 0) {
      vpe.dbDepth = 1;
      ops.push(
        doorbellConfig(
          m,
          vpe,
          false,
          `the doorbell handler masks vPE ${vpe.vpeid}'s doorbell: it has delivered its message`,
        ),
        ...doorbellOp(m, h, vpeById(m), vpe, 'INV', 'the masked doorbell configuration reloaded'),
      );
    }
    vpe.pendingLast = true;
    vm.vgic.vcpus[vcpu]!.vpePendingLast = true;
    ops.unshift(
      told('kvm.v4.doorbell', vm.index, {
        vcpu,
        vpeid: vpe.vpeid,
        doorbell: intid,
        text: `doorbell LPI ${intid} of vCPU ${vcpu}'s vPE ${vpe.vpeid} taken on pCPU ${pcpu}: pending_last set, KVM_REQ_IRQ_PENDING and a kick`,
      }),
    );
    ops.push({ k: 'then', vm: vm.index, task: 'kvm.kick', args: { vcpu, from: pcpu } });
    hostRun(m, pcpu, ops);
    return { vm: vm.index, vcpu };
  }
  return undefined;
}

/**
 * KVM_REQ_RELOAD_GICv4 (GICv4.1): the guest's distributor enable changed, and VGRP1EN in each
 * resident vPE's GICR_VPENDBASER follows it: every loaded vCPU's vPE is put and loaded again.
 */
export function vgicV4Reload(ctx: VmContext): void {
  const m = ctx.host;
  const vm = ctx.s.vm;
  if (!vm.v4?.v41) return;
  vm.run.vcpus.forEach((r, v) => {
    const vpe = vm.v4!.vpes[v];
    if (!vpe?.resident || r.pcpu < 0) return;
    vgicV4Put(m, vm.index, v, r.pcpu, false);
    hostRun(m, queueFor(vm, r.pcpu), loadOps(m, vm, v, r.pcpu));
  });
}

// ---------------------------------------------------------------- the guest's view

/** The vLPI the hardware presents to vCPU `vcpu` now (its vPE resident where it runs), if any. */
export function directCandidate(ctx: VmContext, vcpu: number): { intid: number; prio: number } | undefined {
  const vm = ctx.s.vm;
  const vpe = vm.v4?.vpes[vcpu];
  const run = vm.run.vcpus[vcpu];
  if (!vpe || !run || !vpe.resident || run.pcpu < 0) return undefined;
  const m = ctx.host;
  const r = residentOn(m, run.pcpu);
  if (!r || (vm.v4!.v41 ? r.vpeid !== vpe.vpeid : r.vpt !== vpe.vpt)) return undefined;
  const h = m.s.gic.rd[run.pcpu]!.hppvlpi;
  return h.prio === 0xff ? undefined : h;
}

/** The VM and vCPU whose vPE is resident on redistributor `cpu`, if any. */
export function residentVcpu(m: PlatformMachine, cpu: number): { ctx: VmContext; vcpu: number } | undefined {
  const r = residentOn(m, cpu);
  if (!r) return undefined;
  for (const vm of m.s.kvm?.vms ?? []) {
    const vcpu = vm.v4?.vpes.findIndex((p) => (vm.v4!.v41 ? p.vpeid === r.vpeid : p.vpt === r.vpt)) ?? -1;
    if (vcpu >= 0) return { ctx: vmContext(m, vm.index), vcpu };
  }
  return undefined;
}
