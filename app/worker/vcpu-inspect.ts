/**
 * The vCPU inspector's view: one vCPU of a VM as KVM and the hardware hold it at a position. The
 * ap_list in list order with each vgic_irq's state, every list register decoded, the ICH_*_EL2
 * registers (ICH_MISR_EL2, ICH_EISR_EL2 and ICH_ELRSR_EL2 derived from the LRs as the hardware
 * derives them), the ICV_*_EL1 registers as the guest would read them (peeked: reading ICV_IAR1
 * this way acknowledges nothing), the run loop's counters and what the guest acknowledged. All of
 * it is read from the engine's state; nothing is computed here that the engine does not define.
 */

import type { InspectError, Machine } from '../../engine';
import type { ApListIrq, IchRegisterView, ListRegisterView, VcpuView } from './api';
import {
  decodeFields,
  decodeLrHalves,
  ICH_HCR_FIELDS,
  ICH_MISR_FIELDS,
  ICH_VMCR_FIELDS,
  ichEisr,
  ichElrsr,
  ichMisr,
  icvPeek,
  icvSignals,
  irqIsPending,
  VGIC_CONFIG_LEVEL,
  vgicGetIrq,
  vgicIrqFlags,
} from '../../engine';

/** The ICV registers a kernel developer looks at first, in this order. */
export const ICV_SHOWN = [
  'ICV_PMR_EL1',
  'ICV_RPR_EL1',
  'ICV_HPPIR1_EL1',
  'ICV_IAR1_EL1',
  'ICV_CTLR_EL1',
  'ICV_IGRPEN1_EL1',
  'ICV_BPR1_EL1',
  'ICV_AP1R0_EL1',
] as const;

const hex = (v: number | bigint, digits = 0): string => `0x${v.toString(16).padStart(digits, '0')}`;

const LR_STATES: ListRegisterView['state'][] = ['invalid', 'pending', 'active', 'pending+active'];

function ichReg(name: string, v: number, fields: Parameters<typeof decodeFields>[0]): IchRegisterView {
  return { name, value: hex(v >>> 0, 8), fields: decodeFields(fields, BigInt(v >>> 0)) };
}

const kindOf = (intid: number): ApListIrq['kind'] =>
  intid < 16 ? 'SGI' : intid < 32 ? 'PPI' : intid < 8192 ? 'SPI' : 'LPI';

const bad = (error: string): InspectError => ({ ok: false, error });

export function inspectVcpu(m: Machine, vmIndex: unknown, vcpuIndex: unknown): VcpuView | InspectError {
  const vms = m.s.kvm?.vms ?? [];
  if (vms.length === 0) return bad('this machine runs no VMs');
  if (typeof vmIndex !== 'number' || !Number.isInteger(vmIndex) || !vms[vmIndex])
    return bad(`there is no VM ${String(vmIndex)} (the machine has ${vms.length})`);
  const vm = vms[vmIndex];
  if (typeof vcpuIndex !== 'number' || !Number.isInteger(vcpuIndex) || !vm.run.vcpus[vcpuIndex])
    return bad(`${vm.cfg.name} has no vCPU ${String(vcpuIndex)} (it has ${vm.cfg.vcpus})`);
  const vcpu = vcpuIndex;
  const vgic = vm.vgic;
  const cpu = vgic.vcpus[vcpu]!;
  const v3 = cpu.v3;
  const run = vm.run.vcpus[vcpu]!;
  const guest = vm.guest[vcpu]!;

  const lrs: ListRegisterView[] = v3.lrLo.map((lo, n) => {
    const hi = v3.lrHi[n]!;
    const d = decodeLrHalves(lo, hi);
    return {
      lr: n,
      value: hex((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0), 16),
      used: n < v3.usedLrs,
      state: LR_STATES[d.state]!,
      vintid: d.vintid,
      pintid: d.pintid,
      priority: d.priority,
      group: d.group,
      hw: d.hw,
      eoi: d.eoi,
    };
  });
  const lrOf = (intid: number): number => lrs.findIndex((l) => l.used && l.vintid === intid);

  const apList: ApListIrq[] = [];
  for (const intid of cpu.apList) {
    const irq = vgicGetIrq(vgic, vcpu, intid);
    if (!irq) continue;
    apList.push({
      intid,
      kind: kindOf(intid),
      pending: irqIsPending(irq),
      pendingLatch: irq.pendingLatch,
      lineLevel: irq.lineLevel,
      config: irq.config === VGIC_CONFIG_LEVEL ? 'level' : 'edge',
      active: irq.active,
      enabled: irq.enabled,
      priority: irq.priority,
      group: irq.group,
      target: irq.targetVcpu,
      hw: irq.hw,
      hwintid: irq.hwintid,
      lr: lrOf(intid),
      flags: vgicIrqFlags(irq),
    });
  }

  const signals = icvSignals(vgic, vcpu);
  const acked = Object.entries(guest.acked)
    .map(([intid, count]) => ({ intid: Number(intid), count }))
    .sort((a, b) => a.intid - b.intid);
  const last = run.lastExit;
  return {
    ok: true,
    vm: vmIndex,
    name: vm.cfg.name,
    vcpu,
    vcpus: vm.cfg.vcpus,
    mode: run.mode,
    pcpu: run.pcpu,
    lastPcpu: run.lastPcpu,
    pinned: run.pinned,
    exiting: run.exiting,
    irqPendingRequest: run.irqPendingRequest,
    lastExit: last
      ? {
          reason: last.reason,
          ...(last.source ? { source: last.source } : {}),
          ...(last.intid !== undefined && last.intid >= 0 ? { intid: last.intid } : {}),
          ...(last.misr !== undefined ? { misr: hex(last.misr) } : {}),
        }
      : null,
    counters: structuredClone(run.counters),
    lrPolicy: vgic.cfg.lrPolicy,
    priorityBits: vgic.cfg.priorityBits,
    apList,
    lrs,
    usedLrs: v3.usedLrs,
    ich: {
      hcr: ichReg('ICH_HCR_EL2', v3.hcr, ICH_HCR_FIELDS),
      vmcr: ichReg('ICH_VMCR_EL2', v3.vmcr, ICH_VMCR_FIELDS),
      misr: ichReg('ICH_MISR_EL2', ichMisr(v3), ICH_MISR_FIELDS),
      eisr: hex(ichEisr(v3)),
      elrsr: hex(ichElrsr(v3)),
      ap0r: v3.apr.slice(0, 4).map((w) => hex(w >>> 0, 8)),
      ap1r: v3.apr.slice(4, 8).map((w) => hex(w >>> 0, 8)),
    },
    icv: ICV_SHOWN.map((name) => ({ name, value: hex(icvPeek(vgic, vcpu, name) ?? 0n) })),
    virq: signals.virq,
    vfiq: signals.vfiq,
    lpisEnabled: cpu.lpisEnabled,
    guest: {
      policy: guest.policy,
      masked: guest.masked,
      depth: guest.depth,
      queued: guest.program.length,
      acked,
    },
  };
}
