/**
 * Builders for tests that run VMs on a machine (the counterpart of vgic-fixture.ts for the pure
 * modules): the guest's frames, its accesses as GuestOps, and the bring-up the KVM tests share
 * (LPIs on vCPU 1 and the guest's ITS mapping DeviceID 16 EventID 0 to LPI 8192).
 */

import { encodeCommand } from '../its/command-encoding';
import type { Machine } from '../platform/machine';
import type { SimEvent } from '../sim/event-log';
import type { GuestOp, KvmCall, KvmInput } from './kvm-input-types';
import { KVM_MSI_VALID_DEVID } from './msi';
import { msiRouteEntry } from './gsi-routing';

/** The guest's GIC frames (QEMU virt's layout, in the guest's address space). */
export const VM_GICD = 0x0800_0000;
export const VITS = 0x0808_0000;
/** vCPU v's RD_base (SGI_base is +0x10000). */
export const RD = (v: number): number => 0x080a_0000 + v * 0x20000;

/** Guest code on vm0's vCPU `vcpu`, as an input. */
export const guest = (vcpu: number, op: GuestOp): KvmInput => ({ kind: 'guest', vm: 0, vcpu, op });

/** A guest store (an MMIO exit when it hits a GIC frame). */
export const store = (addr: number, value: number | bigint, width: 8 | 32 | 64 = 32): GuestOp => ({
  kind: 'mmio',
  addr,
  width,
  write: true,
  value: BigInt(value),
});

/** A guest access to an ICC register (ICV_* underneath): a write with a value, a read without. */
export const icc = (reg: string, value?: bigint): GuestOp => ({
  kind: 'icc',
  reg,
  write: value !== undefined,
  value: value ?? 0n,
});

/** The guest's ITS driver posting a command to vITS 0. */
export function itsCmd(name: string, fields: Record<string, bigint>): GuestOp {
  const e = encodeCommand(name, fields);
  if (!e.ok) throw new Error(e.error);
  return { kind: 'its-cmd', its: 0, dws: e.dws, name };
}

/** KVM_SIGNAL_MSI to vITS 0's doorbell. */
export const signalMsiCall = (devid: number, eventid: number, flags = KVM_MSI_VALID_DEVID): KvmCall => ({
  kind: 'signal-msi',
  addressLo: VITS + 0x10040,
  addressHi: 0,
  data: eventid,
  flags,
  devid,
});

/**
 * The guest's bring-up through `g(vcpu, op)`: the distributor and both vCPUs' interfaces, LPIs on
 * vCPU 1 (the VM's PROPBASER, vCPU 1's PENDBASER, LPI 8192 enabled at priority 0xa0), its ITS's
 * tables and queue, then MAPD DeviceID 16, MAPC collection 1 -> vCPU 1, MAPTI EventID 0 -> LPI 8192.
 */
export function guestLpiBringUp(g: (vcpu: number, op: GuestOp) => void): void {
  g(0, store(VM_GICD, 0x12)); // GICD_CTLR: ARE, EnableGrp1
  for (const v of [0, 1]) {
    g(v, icc('ICC_PMR_EL1', 0xf0n));
    g(v, icc('ICC_IGRPEN1_EL1', 1n));
  }
  g(0, store(RD(0) + 0x70, 0x4013_000fn, 64)); // GICR_PROPBASER (one for the VM)
  g(1, store(RD(1) + 0x78, 0x4021_0000n, 64)); // vCPU 1's GICR_PENDBASER
  g(0, { kind: 'lpi-config', intid: 8192, value: 0xa1 });
  g(1, store(RD(1), 1)); // EnableLPIs
  g(0, store(VITS + 0x100, 0x8107_0000_4010_0200n, 64)); // GITS_BASER0: device table
  g(0, store(VITS + 0x108, 0x8407_0000_4011_0200n, 64)); // GITS_BASER1: collection table
  g(0, store(VITS + 0x80, 0x8000_0000_4012_000fn, 64)); // GITS_CBASER
  g(0, store(VITS, 1)); // GITS_CTLR.Enabled
  g(0, itsCmd('MAPD', { DeviceID: 16n, Size: 4n, ITT_addr: 0x4030_0000n, V: 1n }));
  g(0, itsCmd('MAPC', { ICID: 1n, RDbase: 1n, V: 1n }));
  g(0, itsCmd('MAPTI', { DeviceID: 16n, EventID: 0n, pINTID: 8192n, ICID: 1n }));
}

/**
 * The host kernel's ITS driver posting `cmds` to the host ITS at `itsBase`, from slot 0 of its
 * queue at 0x4012_0000 (as the host bring-ups of the VFIO tests place it): each command written
 * into its slot, then GITS_CWRITER moved past it.
 */
export function hostItsCommands(m: Machine, itsBase: number, cmds: [string, Record<string, bigint>][]): void {
  cmds.forEach(([name, fields], slot) => {
    const e = encodeCommand(name, fields);
    if (!e.ok) throw new Error(e.error);
    const bytes = e.dws.flatMap((d) =>
      Array.from({ length: 8 }, (_, i) => Number((d >> BigInt(8 * i)) & 0xffn)),
    );
    m.input({ kind: 'mem-write', addr: 0x4012_0000 + slot * 32, bytes });
    m.input({
      kind: 'mmio',
      addr: itsBase + 0x88,
      width: 64,
      write: true,
      value: BigInt((slot + 1) * 32),
      by: 'host',
    });
  });
}

/**
 * The VMM wires nic0's vector 0 (host LPI 8200) to vm0's DeviceID 16 EventID 0: an MSI route on
 * GSI 9, eventfd 3, KVM_IRQFD and VFIO_DEVICE_SET_IRQS.
 */
export function vmmWiresNic0(m: Machine): void {
  const call = (c: KvmCall) => m.input({ kind: 'kvm', vm: 0, call: c });
  call({
    kind: 'set-gsi-routing',
    entries: [msiRouteEntry(9, { address: BigInt(VITS + 0x10040), data: 0, devid: 16 })],
  });
  call({ kind: 'eventfd' });
  call({ kind: 'irqfd', fd: 3, gsi: 9, flags: 0, resamplefd: 0 });
  call({ kind: 'vfio-irq', device: 'nic0', vector: 0, hostIntid: 8200, fd: 3 });
}

/** The machine's events from `from` on, and the same as text for assertion messages. */
export const eventsFrom = (m: Machine, from = 0): SimEvent[] =>
  Array.from({ length: m.log.length - from }, (_, i) => m.log.get(from + i)!);
export const dumpFrom = (m: Machine, from = 0): string =>
  eventsFrom(m, from)
    .map((e) => `${e.seq} ${e.kind} ${e.intid} ${JSON.stringify(e.data)}`)
    .join('\n');
