/**
 * Small builders for the vgic tests (and for anyone scripting the vgic core by hand): a VM with its
 * distributor enabled, a guest CPU interface set up the way a Linux guest leaves it (Group 1
 * enabled, priority mask open), and interrupts configured as a guest would configure them.
 */

import {
  encodeIchLr,
  ICH_VMCR_VENG1,
  ICH_VMCR_VPMR_SHIFT,
  ichVmcrSanitize,
  type IchLr,
} from './ich-registers';
import type { VgicPhysLines } from './list-registers';
import { VGIC_CONFIG_EDGE, VGIC_CONFIG_LEVEL, type VgicIrq } from './vgic-irq';
import {
  createVgicState,
  defaultVgicConfig,
  vgicGetIrq,
  type VgicConfig,
  type VgicState,
} from './vgic-state';

/** A VM whose distributor is enabled and whose vCPUs' interfaces accept Group 1 at any priority. */
export function testVm(vcpus: number, over: Partial<VgicConfig> = {}): VgicState {
  const vgic = createVgicState(defaultVgicConfig(vcpus, over));
  vgic.dist.enabled = true;
  for (let v = 0; v < vcpus; v++) guestReady(vgic, v);
  return vgic;
}

/** ICC_IGRPEN1_EL1 = 1, ICC_PMR_EL1 = 0xff, as a guest's GIC driver leaves them. */
export function guestReady(vgic: VgicState, vcpu: number): void {
  const v3 = vgic.vcpus[vcpu]!.v3;
  v3.vmcr = ichVmcrSanitize(v3.vmcr | ICH_VMCR_VENG1 | (0xff << ICH_VMCR_VPMR_SHIFT), vgic.cfg.priorityBits);
}

export interface IrqSetup {
  prio?: number;
  level?: boolean;
  enabled?: boolean;
  target?: number;
  group?: 0 | 1;
}

/** Configures an interrupt (enable, priority, trigger, target) the way GICD/GICR writes would. */
export function configure(vgic: VgicState, vcpu: number, intid: number, s: IrqSetup = {}): VgicIrq {
  const irq = vgicGetIrq(vgic, vcpu, intid);
  if (!irq) throw new Error(`no INTID ${intid}`);
  irq.enabled = s.enabled ?? true;
  irq.priority = s.prio ?? 0xa0;
  if (intid >= 16) irq.config = s.level ? VGIC_CONFIG_LEVEL : VGIC_CONFIG_EDGE;
  if (s.target !== undefined) irq.targetVcpu = s.target;
  if (s.group !== undefined) irq.group = s.group;
  return irq;
}

/** A physical side whose lines are given by a map from INTID (absent: low). */
export function physLines(levels: Record<number, boolean> = {}): VgicPhysLines {
  return { lineLevel: (irq) => levels[irq.intid] ?? false };
}

/** A list register value: a pending Group 1 vINTID 40 at priority 0xa0, with `over` applied. */
export const lrValue = (over: Partial<IchLr> = {}): bigint =>
  encodeIchLr({
    state: 1,
    hw: false,
    group: 1,
    nmi: false,
    priority: 0xa0,
    pintid: 0,
    eoi: false,
    vintid: 40,
    ...over,
  });
