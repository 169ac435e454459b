/**
 * MSIs per second through KVM's software path (a passed-through device's MSI: host ITS, host LPI,
 * the host's handler, VFIO's handler, eventfd, irqfd, the virtual ITS, the vgic, a kick, entry
 * with a list register, the guest's ICV_IAR1_EL1 and ICV_EOIR1_EL1), against the physical path
 * in the same run (a device the host keeps: host ITS, host LPI, the host acknowledges and EOIs).
 * Both on one machine: two pCPUs, a VM of two vCPUs pinned one per pCPU, one device of each
 * kind. The machine keeps its default snapshot policy, so the cost of history is included.
 *
 * Also reported, from the model's clock rather than the wall clock: the modelled latency of the
 * software path, from the device's write to the guest's ICV_IAR1_EL1 read, against the cost
 * model's figure for the same hops (vfioSoftwarePath), and the exits each MSI costs.
 */

import '../../engine/kvm/kvm-extension';
import { pathCost, vfioSoftwarePath, COST_DEFAULTS } from '../../engine/kvm/cost-model';
import type { Machine } from '../../engine/platform/machine';
import { buildRig, msiLatency, msiRate, run } from './setup';

export interface VfioFigures {
  msis: number;
  softwarePerSecond: number;
  physicalPerSecond: number;
  /** physical / software: how many times faster the host takes its own device's MSIs. */
  ratio: number;
  softwareEventsPerMsi: number;
  physicalEventsPerMsi: number;
  /** Model ns from the device's write to the guest's acknowledge, and the cost model's sum for those hops. */
  modelledLatencyNs: number;
  costModelPathNs: number;
  exitsPerMsi: number;
}

const VITS_DOORBELL = '0x08090040';

/** The rig: host device dev0 (kept by the host) and dev1 (assigned to vm0 as guest DeviceID 16). */
function vfioRig(): Machine {
  const rig = buildRig('spec', 2, 2, 1, {
    vms: [{ vcpus: 2, pin: [0, 1], assigned: [{ device: 'dev1', guestRid: 16 }] }],
  });
  const m = rig.machine;
  // dev0's event 0 is host LPI 8192 on pCPU 0 and dev1's is host LPI 8193 on pCPU 1 (buildRig).
  run(m, [
    'vm0 vcpu0 write GICD_CTLR 0x12',
    'vm0 vcpu0 write ICC_PMR_EL1 0xf0',
    'vm0 vcpu0 write ICC_IGRPEN1_EL1 1',
    'vm0 vcpu1 write ICC_PMR_EL1 0xf0',
    'vm0 vcpu1 write ICC_IGRPEN1_EL1 1',
    'vm0 vcpu0 write64 GICR_PROPBASER 0x4013000f',
    'vm0 vcpu1 write64 GICR_PENDBASER 0x40210000',
    'vm0 vcpu0 lpi-config 8192 0xa1',
    'vm0 vcpu1 write GICR_CTLR 1',
    'vm0 vcpu0 write64 GITS_BASER0 0x8107000040100200',
    'vm0 vcpu0 write64 GITS_BASER1 0x8407000040110200',
    'vm0 vcpu0 write64 GITS_CBASER 0x800000004012000f',
    'vm0 vcpu0 write GITS_CTLR 1',
    'vm0 vcpu0 its MAPD DeviceID=16 Size=0 ITT_addr=0x40300000 V=1',
    'vm0 vcpu0 its MAPC ICID=1 RDbase=1 V=1',
    'vm0 vcpu0 its MAPTI DeviceID=16 EventID=0 pINTID=8192 ICID=1',
    `vm0 set-gsi-routing gsi=1:msi:${VITS_DOORBELL}:0:16`,
    'vm0 eventfd',
    'vm0 irqfd fd=3 gsi=1',
    'vm0 vfio dev1 vector=0 lpi=8193 fd=3',
  ]);
  return m;
}

export function vfioThroughput(msis = 20_000): VfioFigures {
  const m = vfioRig();
  const lat = msiLatency(m, 1);
  const software = msiRate(m, 1, msis);
  const physical = msiRate(m, 0, msis);
  const model = Object.fromEntries(COST_DEFAULTS.map((e) => [e.key, e.ns]));
  return {
    msis,
    softwarePerSecond: software.perSecond,
    physicalPerSecond: physical.perSecond,
    ratio: physical.perSecond / software.perSecond,
    softwareEventsPerMsi: software.eventsPerMsi,
    physicalEventsPerMsi: physical.eventsPerMsi,
    modelledLatencyNs: lat.ns,
    costModelPathNs: pathCost(model, vfioSoftwarePath()).totalNs,
    exitsPerMsi: lat.exits,
  };
}
