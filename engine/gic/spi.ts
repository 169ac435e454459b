/**
 * SPIs at the distributor: routing by GICD_IROUTER<n> (with 1-of-N where the profile supports it)
 * and the pending index that keeps the highest-pending computation proportional to the number of
 * pending SPIs rather than to the number of SPIs.
 */

import { rngBelow } from '../sim/rng';
import { markAllDirty, markDirty } from './dirty';
import type { GicMachine } from './gic-machine';
import { irqPending } from './irq-bank';

/** PE index whose affinity is `aff`, or -1. */
export function peByAffinity(m: GicMachine, aff: number): number {
  const a = m.s.gic.cfg.affinity;
  for (let i = 0; i < a.length; i++) if (a[i] === aff) return i;
  return -1;
}

export function irouterIrm(m: GicMachine, i: number): boolean {
  return m.gicRules.irouter === 'one-of-n' && ((m.s.gic.dist.irouterLo[i]! >>> 31) & 1) === 1;
}

/** The PE an SPI (bank index i) is routed to, or -1 (no match, or 1-of-N not chosen yet). */
export function spiTarget(m: GicMachine, i: number): number {
  const d = m.s.gic.dist;
  if (irouterIrm(m, i)) return d.chosen[i]!;
  const aff = (d.irouterLo[i]! & 0xffffff) | ((d.irouterHi[i]! & 0xff) << 24);
  return peByAffinity(m, aff >>> 0);
}

/** Marks whoever may now signal SPI i dirty, choosing a PE for a 1-of-N SPI that became pending. */
export function spiTouched(m: GicMachine, i: number): void {
  const d = m.s.gic.dist;
  if (irouterIrm(m, i)) {
    const pending = irqPending(d.spi, i);
    if (d.chosen[i]! < 0 && pending && !d.spi.active[i]) {
      // 1-of-N: any PE may take it; the seeded generator makes the choice reproducible.
      const n = m.s.gic.cfg.affinity.length;
      const group = d.spi.group[i]!;
      const willing = [...Array(n).keys()].filter(
        (c) => (group ? m.s.gic.cpu[c]!.igrpen1 : m.s.gic.cpu[c]!.igrpen0) === 1,
      );
      const pool = willing.length > 0 ? willing : [...Array(n).keys()];
      d.chosen[i] = pool[rngBelow(m.s.core.rng, pool.length)]!;
    }
    if (d.chosen[i]! >= 0) markDirty(m, d.chosen[i]!);
    if (!pending && !d.spi.active[i]) d.chosen[i] = -1;
    return;
  }
  const t = spiTarget(m, i);
  if (t >= 0) markDirty(m, t);
}

function reindex(m: GicMachine, i: number): void {
  const d = m.s.gic.dist;
  if (irqPending(d.spi, i)) d.pendingSet.add(i);
  else d.pendingSet.delete(i);
  spiTouched(m, i);
}

export function spiSetLatch(m: GicMachine, i: number, v: 0 | 1): void {
  m.s.gic.dist.spi.latch[i] = v;
  reindex(m, i);
}

export function spiSetLine(m: GicMachine, i: number, v: 0 | 1): void {
  m.s.gic.dist.spi.line[i] = v;
  reindex(m, i);
}

export function spiSetEdge(m: GicMachine, i: number, v: 0 | 1): void {
  m.s.gic.dist.spi.edge[i] = v;
  reindex(m, i);
}

/** A change of IROUTER: the old and the new target both need to look again. */
export function spiSetRoute(m: GicMachine, i: number, lo: number, hi: number): void {
  const d = m.s.gic.dist;
  const old = spiTarget(m, i);
  d.irouterLo[i] = lo >>> 0;
  d.irouterHi[i] = hi >>> 0;
  d.chosen[i] = -1;
  if (old >= 0) markDirty(m, old);
  spiTouched(m, i);
}

/** After GICD_CTLR changes every PE may see a different picture. */
export function distributorChanged(m: GicMachine): void {
  markAllDirty(m);
}
