/**
 * Priority arithmetic of a GICv3 CPU interface: implemented bits, group priority under the binary
 * point, the active-priority registers and the running priority.
 *
 * With P implemented priority bits the interface has min(P, 7) preemption bits; ICC_BPR0_EL1 can
 * go no lower than 7 - min(P, 7) and ICC_BPR1_EL1 no lower than that plus one. An acknowledged
 * interrupt sets bit (group priority >> (8 - preemption bits)) in ICC_AP0Rn_EL1 (Group 0) or
 * ICC_AP1Rn_EL1 (Group 1); the running priority is the priority of the lowest set bit across both,
 * or 0xFF when none is set. A priority drop clears that lowest bit.
 */

import type { CpuInterfaceState } from './gic-state';

export const preemptionBits = (priorityBits: number): number => Math.min(priorityBits, 7);

/** Mask of the priority bits an implementation with `bits` priority bits keeps. */
export const priorityMask = (bits: number): number => (0xff << (8 - bits)) & 0xff;

/** Group-priority mask for an interrupt of `group` on this CPU interface. */
export function groupPriorityMask(c: CpuInterfaceState, group: number): number {
  const cbpr = (c.ctlr & 1) === 1;
  if (group === 0 || cbpr) return (0xff << (c.bpr0 + 1)) & 0xff;
  return (0xff << c.bpr1) & 0xff;
}

/** Index of the lowest set active-priority bit across AP0R/AP1R, and its group; -1 when idle. */
export function highestActive(c: CpuInterfaceState): { bit: number; group: number } {
  let best = -1;
  let group = 1;
  for (let g = 0; g < 2; g++) {
    for (let w = 0; w < 4; w++) {
      const v = c.apr[g * 4 + w]!;
      if (v === 0) continue;
      const bit = w * 32 + (31 - Math.clz32(v & -v));
      if (best < 0 || bit < best) {
        best = bit;
        group = g;
      }
      break;
    }
  }
  return { bit: best, group };
}

/** ICC_RPR_EL1: the running priority (0xFF when nothing is active). */
export function runningPriority(c: CpuInterfaceState, priorityBits: number): number {
  const { bit } = highestActive(c);
  return bit < 0 ? 0xff : (bit << (8 - preemptionBits(priorityBits))) & 0xff;
}

export function setActivePriority(
  c: CpuInterfaceState,
  priorityBits: number,
  group: number,
  prio: number,
): void {
  const gp = prio & groupPriorityMask(c, group);
  const bit = gp >> (8 - preemptionBits(priorityBits));
  c.apr[group * 4 + (bit >> 5)] = (c.apr[group * 4 + (bit >> 5)]! | (1 << (bit & 31))) >>> 0;
}

/** Priority drop: clears the highest active priority; returns its group and priority, or undefined. */
export function dropPriority(
  c: CpuInterfaceState,
  priorityBits: number,
): { group: number; prio: number } | undefined {
  const { bit, group } = highestActive(c);
  if (bit < 0) return undefined;
  c.apr[group * 4 + (bit >> 5)] = (c.apr[group * 4 + (bit >> 5)]! & ~(1 << (bit & 31))) >>> 0;
  return { group, prio: (bit << (8 - preemptionBits(priorityBits))) & 0xff };
}

/**
 * Whether an interrupt of `prio` in `group` can be signalled: its group is enabled at the CPU
 * interface, its priority is above the priority mask, and its group priority is above the running
 * priority (preemption).
 */
export function canSignal(c: CpuInterfaceState, priorityBits: number, group: number, prio: number): boolean {
  if ((group === 0 ? c.igrpen0 : c.igrpen1) === 0) return false;
  if (prio >= c.pmr) return false;
  const rpr = runningPriority(c, priorityBits);
  if (rpr === 0xff) return true;
  const mask = groupPriorityMask(c, group);
  return (prio & mask) < (rpr & mask);
}
