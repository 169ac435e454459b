/**
 * SGIs and PPIs (INTIDs 0..31), banked per redistributor. Any change to them concerns only the
 * redistributor's own PE.
 */

import { markDirty } from './dirty';
import type { GicMachine } from './gic-machine';

export function privateTouched(m: GicMachine, cpu: number): void {
  markDirty(m, cpu);
}

export function setPrivateLatch(m: GicMachine, cpu: number, intid: number, v: 0 | 1): void {
  m.s.gic.rd[cpu]!.priv.latch[intid] = v;
  markDirty(m, cpu);
}

/** A PPI's input line (a timer, a PMU): level-sensitive PPIs stay pending while it is high. */
export function setPpiLine(m: GicMachine, cpu: number, intid: number, level: 0 | 1): void {
  const priv = m.s.gic.rd[cpu]!.priv;
  const was = priv.line[intid];
  priv.line[intid] = level;
  // An edge-triggered input latches on the rising edge.
  if (priv.edge[intid] && level && !was) priv.latch[intid] = 1;
  markDirty(m, cpu);
}
