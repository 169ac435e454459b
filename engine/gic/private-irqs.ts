/**
 * SGIs and PPIs (INTIDs 0..31), banked per redistributor. Any change to them concerns only the
 * redistributor's own PE. Their pending state changes only here, which keeps the redistributor's
 * privPending index exact.
 */

import { markDirty } from './dirty';
import type { GicMachine } from './gic-machine';
import { irqPending } from './irq-bank';

export function privateTouched(m: GicMachine, cpu: number): void {
  markDirty(m, cpu);
}

function reindex(m: GicMachine, cpu: number, intid: number): void {
  const rd = m.s.gic.rd[cpu]!;
  const bit = 1 << intid;
  rd.privPending = irqPending(rd.priv, intid) ? rd.privPending | bit : rd.privPending & ~bit;
  markDirty(m, cpu);
}

export function setPrivateLatch(m: GicMachine, cpu: number, intid: number, v: 0 | 1): void {
  m.s.gic.rd[cpu]!.priv.latch[intid] = v;
  reindex(m, cpu, intid);
}

/** A PPI's input line (a timer, a PMU): level-sensitive PPIs stay pending while it is high. */
export function setPpiLine(m: GicMachine, cpu: number, intid: number, level: 0 | 1): void {
  const priv = m.s.gic.rd[cpu]!.priv;
  const was = priv.line[intid];
  priv.line[intid] = level;
  // An edge-triggered input latches on the rising edge.
  if (priv.edge[intid] && level && !was) priv.latch[intid] = 1;
  reindex(m, cpu, intid);
}

/** GICR_ICFGR1: a PPI becomes edge-triggered or level-sensitive (its line may now count). */
export function setPrivateEdge(m: GicMachine, cpu: number, intid: number, edge: 0 | 1): void {
  m.s.gic.rd[cpu]!.priv.edge[intid] = edge;
  reindex(m, cpu, intid);
}
