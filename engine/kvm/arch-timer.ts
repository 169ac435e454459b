/**
 * The guest's virtual timer as KVM forwards it (arch/arm64/kvm/arch_timer.c): the one mapped (HW)
 * interrupt of a VM in this model. The timer's output is a level-sensitive PPI, INTID 27
 * (CNTV, the EL1 virtual timer), and KVM maps each vCPU's vINTID 27 to the physical PPI 27 of the
 * pCPU it runs on (kvm_vgic_map_phys_irq: vgic_irq.hw = 1, hwintid = 27). Its level is the
 * architecture's condition: CNTV_CTL_EL0.ENABLE = 1, IMASK = 0, and the counter at or past
 * CNTV_CVAL_EL0.
 *
 * What the model keeps per vCPU is the guest's programming (CNTV_CVAL as a model time, ENABLE,
 * IMASK); the guest's accesses to these registers do not trap (a VHE host gives the guest its own
 * virtual timer). When the deadline comes:
 *  - the vCPU in the guest: the physical PPI is taken at EL2, the vCPU exits (irq), and KVM's
 *    timer handler (kvm_arch_timer_handler → kvm_timer_update_irq) raises vINTID 27's line;
 *  - otherwise: KVM's background timer (an hrtimer armed by kvm_timer_schedule when the vCPU
 *    blocked, kvm_bg_timer_expire) wakes the vCPU, and the line is raised for its next entry.
 * The next entry loads vINTID 27 into a list register with HW = 1, pINTID = 27. The guest's timer
 * handler (Linux's arch_timer_handler_virt) sets IMASK before it ends the interrupt, so the line
 * drops; its EOI deactivates the physical interrupt through the HW LR, and the fold at the next
 * exit resamples the line (vgic_get_phys_line_level: the timer's condition) and finds it low.
 *
 * The physical PPI 27 is KVM's own, like the kick IPI and the maintenance interrupt, so it is not
 * sent through the host's GIC model (docs/kvm-vgic.md "Decisions").
 */

import type { VgicPhysLines } from './list-registers';
import { VGIC_CONFIG_LEVEL, type VgicIrq } from './vgic-irq';
import type { VgicState } from './vgic-state';

/** The EL1 virtual timer's PPI (CNTV): INTID 27, on every Arm system KVM runs. */
export const VTIMER_INTID = 27;
/** The owner KVM gives the mapped timer interrupt (vgic_validate_injection checks it). */
export const VTIMER_OWNER = 'arch_timer';

/** One vCPU's virtual timer as the guest programmed it. */
export interface VtimerState {
  /** CNTV_CTL_EL0.ENABLE. */
  enabled: boolean;
  /** CNTV_CTL_EL0.IMASK. */
  masked: boolean;
  /** CNTV_CVAL_EL0, as model time (ns). */
  cval: number;
  /** Bumped at every reprogramming, so a stale expiry task does nothing. */
  gen: number;
}

export const createVtimer = (): VtimerState => ({ enabled: false, masked: false, cval: 0, gen: 0 });

/** CNTV_CTL_EL0.ISTATUS and the output line: enabled, unmasked, and the counter at or past CVAL. */
export const vtimerLine = (t: VtimerState | undefined, now: number): boolean =>
  !!t && t.enabled && !t.masked && now >= t.cval;

/** kvm_timer_enable / kvm_vgic_map_phys_irq: each vCPU's vINTID 27 mapped to the physical PPI 27. */
export function mapVtimer(vgic: VgicState): void {
  for (const cpu of vgic.vcpus) {
    const irq = cpu.privateIrqs[VTIMER_INTID]!;
    irq.hw = true;
    irq.hwintid = VTIMER_INTID;
    irq.owner = VTIMER_OWNER;
    irq.config = VGIC_CONFIG_LEVEL;
  }
}

/**
 * What the fold asks of the physical side (vgic_get_phys_line_level): the timer's condition for a
 * vCPU's mapped vINTID 27; any other mapped interrupt keeps the level KVM last recorded.
 */
export function vmPhysLines(timers: readonly VtimerState[], now: () => number): VgicPhysLines {
  return {
    lineLevel: (irq: VgicIrq) =>
      irq.hw && irq.intid === VTIMER_INTID && irq.targetVcpu >= 0
        ? vtimerLine(timers[irq.targetVcpu], now())
        : irq.lineLevel,
  };
}
