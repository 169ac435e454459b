/**
 * Builders for tests that run VMs on a machine (the counterpart of vgic-fixture.ts for the pure
 * modules): the guest's frames, its accesses as GuestOps, and the bring-up the KVM tests share
 * (LPIs on vCPU 1 and the guest's ITS mapping DeviceID 16 EventID 0 to LPI 8192).
 */

import { encodeCommand } from '../its/command-encoding';
import type { Machine } from '../platform/machine';
import type { SimEvent } from '../sim/event-log';
import type { GuestOp, KvmCall } from './kvm-input-types';
import { KVM_MSI_VALID_DEVID } from './msi';

/** The guest's GIC frames (QEMU virt's layout, in the guest's address space). */
export const VM_GICD = 0x0800_0000;
export const VITS = 0x0808_0000;
/** vCPU v's RD_base (SGI_base is +0x10000). */
export const RD = (v: number): number => 0x080a_0000 + v * 0x20000;

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

/** The machine's events from `from` on, and the same as text for assertion messages. */
export const eventsFrom = (m: Machine, from = 0): SimEvent[] =>
  Array.from({ length: m.log.length - from }, (_, i) => m.log.get(from + i)!);
export const dumpFrom = (m: Machine, from = 0): string =>
  eventsFrom(m, from)
    .map((e) => `${e.seq} ${e.kind} ${e.intid} ${JSON.stringify(e.data)}`)
    .join('\n');
