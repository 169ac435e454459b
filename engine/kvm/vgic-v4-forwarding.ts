/**
 * Forwarding, the half of KVM's vgic-v4.c that pairs a passed-through device with the guest: when
 * VFIO's interrupt (the irq-bypass producer) and an irqfd (the consumer) share an eventfd whose GSI
 * routes to an MSI for the virtual ITS, kvm_vgic_v4_set_forwarding resolves the guest's
 * DeviceID/EventID through the vITS to its LPI and the host maps the physical event as that vLPI
 * (DISCARD + VMAPTI); kvm_vgic_v4_unset_forwarding maps it back. What the guest's ITS commands do
 * to a forwarded LPI (its_prop_update_vlpi, INT/CLEAR in hardware, VMOVI on MOVI/MOVALL, VINVALL)
 * is applied from the vITS's hooks (vm-context.ts, vm-handlers.ts) through the functions here.
 * The vPEs themselves (init, load, put, doorbells) are vgic-v4.ts.
 */

import { lookupCollection, lookupDevice, lookupEvent } from '../its/lookup';
import type { PlatformMachine } from '../platform/platform-machine';
import { KVM_IRQ_ROUTING_MSI, kvmIrqMapGsi } from './gsi-routing';
import { hostRun } from './host-ops';
import type { HostOp } from './its-v4-host';
import {
  invallVpe,
  mapVlpi,
  moveVlpi,
  propUpdate,
  setVlpiPending,
  unmapVlpi,
  vmapp,
  type HostEvent,
} from './its-v4-driver';
import { vgicMsiToIts } from './msi';
import { told, vgicV4Init } from './vgic-v4';
import type { VmContext } from './vm-context';
import { vmIrqContext, type VmState } from './vm-state';

/** A guest LPI whose vITS event is forwarded: irq->hw with host_irq, and the host event behind it. */
export interface ForwardedLpi extends HostEvent {
  /** The guest's vITS event the LPI came from. */
  vits: number;
  vdevid: number;
  veventid: number;
  vintid: number;
  /** The eventfd that paired VFIO and the irqfd. */
  fd: number;
}

/** The host event behind a VFIO vector: the device's DeviceID on its ITS, EventID = the vector. */
function hostEventOf(
  m: PlatformMachine,
  device: string,
  vector: number,
  hostIntid: number,
): HostEvent | undefined {
  const d = m.s.machine.devices.find((x) => x.name === device);
  if (!d) return undefined;
  const its = m.s.its[d.its];
  if (!its) return undefined;
  const devid = d.rid + d.deviceIdOffset;
  const dte = lookupDevice(m, its, devid, null);
  if (!dte.ok) return undefined;
  const ite = lookupEvent(m, its, devid, dte.value, vector, null);
  const icid = ite.ok ? ite.value.icid : 0;
  return { its: d.its, devid, eventid: vector, hostIntid, icid };
}

/**
 * kvm_arch_irq_bypass_add_producer / kvm_vgic_v4_set_forwarding for every VFIO vector of the VM
 * whose eventfd has an irqfd whose GSI is an MSI route into a virtual ITS, and which is not
 * forwarded yet. Called after each VMM call that can make or break such a pair. Returns what it
 * did, for the caller's event.
 */
export function vgicV4Rebind(ctx: VmContext): string[] {
  const m = ctx.host;
  const vm = ctx.s.vm;
  const out: string[] = [];
  if (!vm.v4 && !vgicV4Init(m, vm.index, 0)) return out;
  const v4 = vm.v4!;
  for (const vf of vm.vfio) {
    const irqfd = vm.irqfd.irqfds.find((i) => i.fd === vf.fd);
    const route = irqfd
      ? kvmIrqMapGsi(vm.routing, irqfd.gsi).find((r) => r.type === KVM_IRQ_ROUTING_MSI)
      : undefined;
    const had = v4.forwarded.find((f) => f.fd === vf.fd && f.hostIntid === vf.hostIntid);
    if (!route || route.type !== KVM_IRQ_ROUTING_MSI) {
      if (had) out.push(unsetForwarding(ctx, had, 'the irqfd or its MSI route went away'));
      continue;
    }
    const msi = vgicMsiToIts(vmIrqContext(vm).msi, route.msi);
    if (!msi.ok) continue;
    const its = vm.its[msi.its.itsIndex];
    if (!its) continue;
    // vgic_its_resolve_lpi: the ITS enabled, the event and its collection mapped, LPIs on at the target.
    const dte = lookupDevice(ctx, its, msi.its.devid, null);
    const ite = dte.ok ? lookupEvent(ctx, its, msi.its.devid, dte.value, msi.its.eventid, null) : undefined;
    const col = ite?.ok ? lookupCollection(ctx, its, ite.value.icid, null) : undefined;
    if ((its.ctlr & 1) === 0 || !ite?.ok || !col?.ok || !vm.vgic.vcpus[col.value.cpu]?.lpisEnabled) {
      if (had) out.push(unsetForwarding(ctx, had, 'the guest mapping no longer resolves'));
      continue;
    }
    const vintid = ite.value.intid;
    if (had && had.vintid === vintid) continue;
    if (had) out.push(unsetForwarding(ctx, had, 'the route now names another event'));
    const irq = vm.vgic.dist.lpis.get(vintid);
    const host = hostEventOf(m, vf.device, vf.vector, vf.hostIntid);
    if (!irq || !host) continue;
    if (irq.hw) continue;
    const vcpu = col.value.cpu;
    const vpe = v4.vpes[vcpu]!;
    const ops: HostOp[] = [];
    // Lazy mapping: the vPEs go on this ITS with its first vLPI.
    if (!vpe.mappedOn.includes(host.its))
      for (const p of v4.vpes) ops.push(...vmapp(m, vm, p, host.its, true));
    const config = (irq.priority & 0xfc) | (irq.enabled ? 1 : 0);
    ops.push(...mapVlpi(m, vm, vpe, host, vintid, config));
    irq.hw = true;
    irq.hostIrq = vf.hostIntid;
    vpe.vlpiCount++;
    const f: ForwardedLpi = {
      ...host,
      vits: msi.its.itsIndex,
      vdevid: msi.its.devid,
      veventid: msi.its.eventid,
      vintid,
      fd: vf.fd,
    };
    v4.forwarded.push(f);
    ops.unshift(
      told('kvm.v4.forward', vm.index, {
        on: true,
        vintid,
        vcpu,
        vpeid: vpe.vpeid,
        hostIntid: vf.hostIntid,
        devid: host.devid,
        eventid: host.eventid,
        text: `kvm_vgic_v4_set_forwarding: ${vf.device} vector ${vf.vector} (host DeviceID ${host.devid} EventID ${host.eventid}, LPI ${vf.hostIntid}) becomes vLPI ${vintid} of vCPU ${vcpu} (vPE ${vpe.vpeid}) in the hardware`,
      }),
    );
    // The pending state moves into the hardware.
    if (irq.pendingLatch) {
      ops.push(
        ...setVlpiPending(vpe, host, true, `vLPI ${vintid} was pending in the vgic: now in the hardware`),
      );
      irq.pendingLatch = false;
    }
    hostRun(m, 0, ops);
    out.push(
      `forwarding: ${vf.device} vector ${vf.vector} (host DeviceID ${host.devid} EventID ${host.eventid}, LPI ${vf.hostIntid}) ` +
        `-> vLPI ${vintid} of vCPU ${vcpu} (vPE ${vpe.vpeid})`,
    );
  }
  return out;
}

/**
 * kvm_arch_update_irqfd_routing (KVM_SET_GSI_ROUTING): a forwarded irqfd whose route still names the
 * same vITS event stays as it is; one whose route changed (or went away) falls back to software
 * injection (unset forwarding). A new route is never forwarded here: that takes the irq-bypass
 * pairing again (VFIO_DEVICE_SET_IRQS or KVM_IRQFD).
 */
export function vgicV4RoutingUpdate(ctx: VmContext): string[] {
  const vm = ctx.s.vm;
  const out: string[] = [];
  for (const f of [...(vm.v4?.forwarded ?? [])]) {
    const irqfd = vm.irqfd.irqfds.find((i) => i.fd === f.fd);
    const route = irqfd
      ? kvmIrqMapGsi(vm.routing, irqfd.gsi).find((r) => r.type === KVM_IRQ_ROUTING_MSI)
      : undefined;
    const msi =
      route && route.type === KVM_IRQ_ROUTING_MSI ? vgicMsiToIts(vmIrqContext(vm).msi, route.msi) : undefined;
    const same =
      msi?.ok && msi.its.itsIndex === f.vits && msi.its.devid === f.vdevid && msi.its.eventid === f.veventid;
    if (!same) out.push(unsetForwarding(ctx, f, 'its MSI route changed: software injection from now on'));
  }
  return out;
}

/** kvm_vgic_v4_unset_forwarding: irq->hw cleared and the host event mapped back to its LPI. */
export function unsetForwarding(ctx: VmContext, f: ForwardedLpi, why: string): string {
  const vm = ctx.s.vm;
  const v4 = vm.v4!;
  v4.forwarded = v4.forwarded.filter((x) => x !== f);
  const irq = vm.vgic.dist.lpis.get(f.vintid);
  if (irq) {
    irq.hw = false;
    irq.hostIrq = 0;
    const vpe = v4.vpes[irq.targetVcpu];
    if (vpe) vpe.vlpiCount = Math.max(0, vpe.vlpiCount - 1);
  }
  const text = `vLPI ${f.vintid} no longer forwarded (${why}): host LPI ${f.hostIntid} again`;
  hostRun(ctx.host, 0, [
    told('kvm.v4.forward', vm.index, {
      on: false,
      vintid: f.vintid,
      hostIntid: f.hostIntid,
      devid: f.devid,
      eventid: f.eventid,
      text: `kvm_vgic_v4_unset_forwarding: ${text}`,
    }),
    ...unmapVlpi(ctx.host, f),
  ]);
  return text;
}

/** The forwarded LPI a guest LPI is, if it is one. */
export const forwardedOf = (vm: VmState, vintid: number): ForwardedLpi | undefined =>
  vm.v4?.forwarded.find((f) => f.vintid === vintid);

/** A guest command changed a forwarded LPI's configuration (INV, INVLPIR): its_prop_update_vlpi. */
export function v4PropUpdate(ctx: VmContext, f: ForwardedLpi): void {
  const vm = ctx.s.vm;
  const irq = vm.vgic.dist.lpis.get(f.vintid);
  const vpe = irq ? vm.v4!.vpes[irq.targetVcpu] : undefined;
  if (!irq || !vpe) return;
  hostRun(ctx.host, 0, propUpdate(vm, vpe, f, f.vintid, (irq.priority & 0xfc) | (irq.enabled ? 1 : 0)));
}

/** INT / CLEAR (or a software MSI) on a forwarded LPI: the pending state set in the hardware. */
export function v4SetPending(ctx: VmContext, f: ForwardedLpi, pending: boolean, why: string): void {
  const vm = ctx.s.vm;
  const irq = vm.vgic.dist.lpis.get(f.vintid);
  const vpe = irq ? vm.v4!.vpes[irq.targetVcpu] : undefined;
  if (vpe) hostRun(ctx.host, 0, setVlpiPending(vpe, f, pending, why));
}

/** update_affinity on a forwarded LPI (MOVI, MOVALL, MAPC): its_map_vlpi again, i.e. VMOVI. */
export function v4Retarget(ctx: VmContext, f: ForwardedLpi, from: number, to: number): void {
  const vm = ctx.s.vm;
  const a = vm.v4!.vpes[from];
  const b = vm.v4!.vpes[to];
  if (!b) return;
  if (a) a.vlpiCount = Math.max(0, a.vlpiCount - 1);
  b.vlpiCount++;
  hostRun(
    ctx.host,
    0,
    moveVlpi(ctx.host, b, f, `vLPI ${f.vintid} follows the guest's MOVI to vCPU ${to} (vPE ${b.vpeid})`),
  );
}

/** INVALL on a vCPU with a vPE: its_invall_vpe. */
export function v4Invall(ctx: VmContext, vcpu: number): void {
  const vpe = ctx.s.vm.v4?.vpes[vcpu];
  if (vpe) hostRun(ctx.host, 0, invallVpe(ctx.host, vpe));
}
