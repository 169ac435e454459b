/**
 * MSIs per second through GICv4 direct injection (a passed-through device's MSI: the host ITS
 * translates it straight to a vLPI, the redistributor presents it to the running guest, which
 * acknowledges and ends it on ICV_*: no host interrupt, no KVM, no exit), against KVM's software
 * path in the same run (another device, assigned to a second VM with GICv4 turned off: host LPI,
 * VFIO's handler, eventfd, irqfd, the virtual ITS, the vgic, a list register). One GICv4 host of two
 * pCPUs; each VM has one vCPU pinned to its own pCPU. The machine keeps its default snapshot
 * policy, so the cost of history is included.
 *
 * Also reported, from the model's clock: each path's modelled latency from the device's write to
 * the guest's ICV_IAR1_EL1 read, and the exits on the way.
 */

import '../../engine/kvm/kvm-extension';
import type { Machine } from '../../engine/platform/machine';
import { buildRig, msiLatency, msiRate, run } from './setup';

export interface Gicv4Figures {
  msis: number;
  directPerSecond: number;
  softwarePerSecond: number;
  /** direct / software. */
  ratio: number;
  directEventsPerMsi: number;
  softwareEventsPerMsi: number;
  directLatencyNs: number;
  softwareLatencyNs: number;
  directExits: number;
  softwareExits: number;
}

const VITS_DOORBELL = '0x08090040';

/** The guest of VM `vm` maps its DeviceID 16 EventID 0 to LPI 8192 on vCPU 0; the VMM wires `dev`. */
function guestLines(vm: number, dev: string, hostLpi: number): string[] {
  const g = (line: string) => `vm${vm} vcpu0 ${line}`;
  return [
    g('write GICD_CTLR 0x12'),
    g('write ICC_PMR_EL1 0xf0'),
    g('write ICC_IGRPEN1_EL1 1'),
    g('write64 GICR_PROPBASER 0x4013000f'),
    g('write64 GICR_PENDBASER 0x40200000'),
    g('lpi-config 8192 0xa1'),
    g('write GICR_CTLR 1'),
    g('write64 GITS_BASER0 0x8107000040100200'),
    g('write64 GITS_BASER1 0x8407000040110200'),
    g('write64 GITS_CBASER 0x800000004012000f'),
    g('write GITS_CTLR 1'),
    g('its MAPD DeviceID=16 Size=0 ITT_addr=0x40300000 V=1'),
    g('its MAPC ICID=0 RDbase=0 V=1'),
    g('its MAPTI DeviceID=16 EventID=0 pINTID=8192 ICID=0'),
    `vm${vm} set-gsi-routing gsi=1:msi:${VITS_DOORBELL}:0:16`,
    `vm${vm} eventfd`,
    `vm${vm} irqfd fd=3 gsi=1`,
    `vm${vm} vfio ${dev} vector=0 lpi=${hostLpi} fd=3`,
  ];
}

/** dev1 -> vm0 (GICv4: forwarded) on pCPU 1; dev0 -> vm1 (GICv4 off: software) on pCPU 0. */
function gicv4Rig(): Machine {
  const rig = buildRig('spec', 2, 2, 1, {
    gic: 4,
    vms: [
      { vcpus: 1, pin: [1], idle: 'spin', assigned: [{ device: 'dev1', guestRid: 16 }] },
      { vcpus: 1, pin: [0], idle: 'spin', gicv4: false, assigned: [{ device: 'dev0', guestRid: 16 }] },
    ],
  });
  const m = rig.machine;
  // dev0's event 0 is host LPI 8192 on pCPU 0 and dev1's is host LPI 8193 on pCPU 1 (buildRig).
  run(m, [...guestLines(0, 'dev1', 8193), ...guestLines(1, 'dev0', 8192)]);
  m.run({ maxEvents: 100_000 });
  if (!m.s.kvm!.vms[0]!.v4?.forwarded.length) throw new Error('dev1 was not forwarded to vm0');
  return m;
}

export function gicv4Throughput(msis = 20_000): Gicv4Figures {
  const m = gicv4Rig();
  const d = msiLatency(m, 1, 0);
  const s = msiLatency(m, 0, 1);
  const direct = msiRate(m, 1, msis);
  const software = msiRate(m, 0, msis);
  return {
    msis,
    directPerSecond: direct.perSecond,
    softwarePerSecond: software.perSecond,
    ratio: direct.perSecond / software.perSecond,
    directEventsPerMsi: direct.eventsPerMsi,
    softwareEventsPerMsi: software.eventsPerMsi,
    directLatencyNs: d.ns,
    softwareLatencyNs: s.ns,
    directExits: d.exits,
    softwareExits: s.exits,
  };
}
