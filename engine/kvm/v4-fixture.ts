/**
 * A GICv4 host with one VM for tests and benches: nic0 assigned to a 2-vCPU VM pinned 1:1 on two
 * pCPUs, the host's GIC and ITS up (with a vPE table, GITS_BASER2), the guest's LPI 8192 on vCPU 1
 * for DeviceID 16 (vm-fixture.ts guestLpiBringUp), and the VMM's wiring: an MSI route, an eventfd,
 * an irqfd and VFIO's vector 0 on it (host LPI 8200), which KVM forwards (vgic-v4.ts).
 */

import './kvm-extension';
import { Machine } from '../platform/machine';
import { resolveMachine } from '../platform/machine-config';
import { guest, guestLpiBringUp, hostItsCommands, vmmWiresNic0 } from './vm-fixture';

export { guest };
import type { GicVersion } from '../gic/gic-config';

/** Host redistributor `c` on a GICv4 (256 KiB each). */
const HRD = (c: number): number => 0x080a_0000 + c * 0x40000;

/**
 * A GICv4 host (2 pCPUs, spec profile unless `profile`), nic0 assigned to a 2-vCPU VM pinned 1:1,
 * the host's GIC and ITS up (with a vPE table), the guest's LPI 8192 on vCPU 1 for DeviceID 16, and
 * the VMM's wiring: an MSI route, an eventfd, an irqfd and VFIO's vector 0 on it (host LPI 8200).
 */
export function v4Machine(
  o: {
    idle?: 'wfi' | 'spin';
    gic?: GicVersion;
    profile?: 'spec' | 'qemu';
    gicv4?: boolean;
    /** GITS_TYPER.VMOVP of the host ITS (default 1). */
    vmovp?: boolean;
  } = {},
): Machine {
  const r = resolveMachine({
    profile: o.profile ?? 'spec',
    gic: o.gic ?? 4,
    cpus: 2,
    ...(o.vmovp === false ? { its: [{ vmovp: false }] } : {}),
    devices: [{ name: 'nic0', bdf: '00:02.0' }],
    vms: [
      {
        vcpus: 2,
        assigned: [{ device: 'nic0', guestRid: 16 }],
        pin: [0, 1],
        idle: o.idle ?? 'spin',
        ...(o.gicv4 === false ? { gicv4: false } : {}),
      },
    ],
  });
  if (!r.ok) throw new Error(r.problems.join('; '));
  const m = Machine.create(r.machine);
  const host = (addr: number, width: 32 | 64, value: bigint) =>
    m.input({ kind: 'mmio', addr, width, write: true, value, by: 'host' });
  // The host ITS (a GICv4.1's has a third frame and sits after the redistributors).
  const HITS = m.s.its[0]!.cfg.base;
  host(0x0800_0000, 32, 0x13n);
  m.input({ kind: 'mem-fill', addr: 0x4013_0000, len: 0x10000, byte: 0xa2 });
  for (const c of [0, 1]) {
    host(HRD(c) + 0x14, 32, 0n);
    m.input({ kind: 'icc', cpu: c, reg: 'ICC_PMR_EL1', write: true, value: 0xf0n });
    m.input({ kind: 'icc', cpu: c, reg: 'ICC_IGRPEN1_EL1', write: true, value: 1n });
    host(HRD(c) + 0x70, 64, 0x4013_000fn);
    host(HRD(c) + 0x78, 64, BigInt(0x4040_0000 + c * 0x10000));
    host(HRD(c), 32, 1n);
  }
  m.input({ kind: 'mem-fill', addr: 0x4013_0000 + 8, len: 1, byte: 0xa3 }); // LPI 8200 enabled
  // A flat device table of 8 x 64 KiB: every 16-bit DeviceID, the doorbell proxy's 0xffff too.
  host(HITS + 0x100, 64, 0x8107_0000_4080_0207n);
  host(HITS + 0x108, 64, 0x8407_0000_4011_0200n);
  host(HITS + 0x110, 64, 0x8200_0000_4014_0200n); // GITS_BASER2: the vPE table
  host(HITS + 0x80, 64, 0x8000_0000_4012_000fn);
  host(HITS, 32, 1n);
  hostItsCommands(m, HITS, [
    ['MAPC', { ICID: 0n, RDbase: 0n, V: 1n }],
    ['MAPC', { ICID: 1n, RDbase: 1n, V: 1n }],
    ['MAPD', { DeviceID: 16n, Size: 4n, ITT_addr: 0x4030_0000n, V: 1n }],
    ['MAPTI', { DeviceID: 16n, EventID: 0n, pINTID: 8200n, ICID: 1n }],
  ]);
  guestLpiBringUp((v, op) => void m.input(guest(v, op)));
  m.run();
  vmmWiresNic0(m);
  m.run();
  return m;
}

/** nic0 fires vector 0; the machine runs 200 µs of model time. Returns the first new event's seq. */
export function fire(m: Machine): number {
  const from = m.log.length;
  m.input({ kind: 'msi', device: 'nic0', rid: 0x10, devid: 0x10, its: 0, eventid: 0 });
  m.run({ until: m.time + 200_000 });
  return from;
}
