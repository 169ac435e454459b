/**
 * The GICv3 CPU interface of each PE (ICC_*_EL1): choosing the highest-priority pending interrupt
 * (HPPI) among the PE's SGIs and PPIs, the SPIs routed to it and the LPIs pending at its
 * redistributor; signalling IRQ/FIQ; acknowledge (IAR), priority drop (EOIR) and deactivation
 * (EOIR with EOImode 0, or DIR with EOImode 1).
 *
 * Ties between equal priorities go to the lowest INTID, as in QEMU's irqbetter (the architecture
 * leaves the choice to the implementation), so an SGI, PPI or SPI beats an LPI of the same
 * priority. (KVM's own order, that of its list registers, belongs to the vGIC model.)
 */

import { payloadKind } from '../sim/event-payload';
import { emitPacked, schedule } from '../sim/kernel';
import { markDirty } from './dirty';
import { FIRST_LPI, SPURIOUS } from './gic-config';
import type { GicMachine } from './gic-machine';
import { irqPending } from './irq-bank';
import { lpiBest, lpiClearPending } from './lpi';
import { canSignal, dropPriority, highestActive, setActivePriority } from './priority';
import { privateTouched, setPrivateLatch } from './private-irqs';
import { spiSetLatch, spiTarget, spiTouched } from './spi';
import { cpuUnit } from '../sim/unit-names';

export interface Hppi {
  intid: number;
  prio: number;
  group: number;
}

const NONE: Hppi = { intid: SPURIOUS, prio: 0xff, group: 1 };

/** The highest-priority pending interrupt the distributor and redistributor forward to `cpu`. */
export function computeHppi(m: GicMachine, cpu: number): Hppi {
  const gic = m.s.gic;
  // Bit g of `dctlr` enables group g; KVM's one distributor enable covers both groups.
  const dctlr = m.gicRules.singleDistributorEnable ? (gic.dist.ctlr & 2 ? 3 : 0) : gic.dist.ctlr;
  const rd = gic.rd[cpu]!;
  // A sleeping PE's redistributor forwards nothing (only where the profile models it).
  if (m.gicRules.waker === 'gates-delivery' && (rd.waker & 2) !== 0) return NONE;
  let best = SPURIOUS;
  let bestPrio = 0x100;
  let bestGroup = 1;
  const priv = rd.priv;
  for (let bits = rd.privPending; bits !== 0; bits &= bits - 1) {
    const i = 31 - Math.clz32(bits & -bits);
    if (!priv.enabled[i] || priv.active[i]) continue;
    const g = priv.group[i]!;
    if (!((dctlr >> g) & 1)) continue;
    const p = priv.priority[i]!;
    if (p < bestPrio) {
      best = i;
      bestPrio = p;
      bestGroup = g;
    }
  }
  const d = gic.dist;
  if (d.pendingSet.size > 0) {
    const spi = d.spi;
    for (const i of d.pendingSet) {
      if (!spi.enabled[i] || spi.active[i]) continue;
      const g = spi.group[i]!;
      if (!((dctlr >> g) & 1)) continue;
      const p = spi.priority[i]!;
      if (p > bestPrio || (p === bestPrio && 32 + i > best)) continue;
      if (spiTarget(m, i) !== cpu) continue;
      best = 32 + i;
      bestPrio = p;
      bestGroup = g;
    }
  }
  if (dctlr & 2) {
    const l = lpiBest(m, cpu);
    if (l && l.prio < bestPrio) {
      best = l.intid;
      bestPrio = l.prio;
      bestGroup = 1;
    }
  }
  return best === SPURIOUS ? NONE : { intid: best, prio: bestPrio, group: bestGroup };
}

const SIGNAL = payloadKind('gic.signal', [
  ['hppi', 'num'],
  ['prio', 'num'],
  ['group', 'num'],
  ['irq', 'num'],
  ['fiq', 'num'],
] as const);

/** 'gic.update' task: recompute HPPI and the IRQ/FIQ outputs; an event only when they change. */
export function gicUpdate(m: GicMachine, cpu: number): void {
  const c = m.s.gic.cpu[cpu]!;
  c.updateQueued = false;
  const h = computeHppi(m, cpu);
  const bits = m.s.gic.cfg.priorityBits;
  const signal = h.intid !== SPURIOUS && canSignal(c, bits, h.group, h.prio);
  const irq = signal && h.group === 1 ? 1 : 0;
  const fiq = signal && h.group === 0 ? 1 : 0;
  if (h.intid === c.hppi && h.prio === c.hppiPrio && irq === c.irq && fiq === c.fiq) return;
  const rose = irq === 1 && c.irq === 0;
  c.hppi = h.intid;
  c.hppiPrio = h.prio;
  c.hppiGroup = h.group;
  c.irq = irq;
  c.fiq = fiq;
  const intid = h.intid === SPURIOUS ? -1 : h.intid;
  emitPacked(m, SIGNAL, cpuUnit(cpu), cpu, -1, intid, -1, -1, h.intid, h.prio, h.group, irq, fiq);
  if (rose) schedule(m, 0, 'pe.irq', cpu);
}

/** Deactivates an SGI, PPI or SPI (LPIs have no active state). Returns whether it was active. */
export function deactivate(m: GicMachine, cpu: number, intid: number): boolean {
  const gic = m.s.gic;
  if (intid < 32) {
    const priv = gic.rd[cpu]!.priv;
    const was = priv.active[intid] === 1;
    priv.active[intid] = 0;
    privateTouched(m, cpu);
    return was;
  }
  const i = intid - 32;
  if (i < gic.dist.spi.count) {
    const was = gic.dist.spi.active[i] === 1;
    gic.dist.spi.active[i] = 0;
    spiTouched(m, i);
    return was;
  }
  return false;
}

/** ICC_IAR0/1_EL1 read: acknowledge the HPPI if it is of `group` and may be signalled. */
export function acknowledge(m: GicMachine, cpu: number, group: number): Hppi {
  const c = m.s.gic.cpu[cpu]!;
  const bits = m.s.gic.cfg.priorityBits;
  const h = computeHppi(m, cpu);
  if (h.intid === SPURIOUS || h.group !== group || !canSignal(c, bits, h.group, h.prio))
    return { ...NONE, group };
  setActivePriority(c, bits, h.group, h.prio);
  const intid = h.intid;
  if (intid < 32) {
    const priv = m.s.gic.rd[cpu]!.priv;
    priv.active[intid] = 1;
    setPrivateLatch(m, cpu, intid, 0);
  } else if (intid < FIRST_LPI) {
    const i = intid - 32;
    m.s.gic.dist.spi.active[i] = 1;
    spiSetLatch(m, i, 0);
  } else {
    lpiClearPending(m, cpu, intid);
  }
  markDirty(m, cpu);
  return h;
}

export interface EoiResult {
  intid: number;
  /** Priority dropped (undefined: nothing was active, or the write was ignored). */
  dropped?: number;
  deactivated: boolean;
  ignored?: string;
}

/** ICC_EOIR0/1_EL1 write. */
export function endOfInterrupt(m: GicMachine, cpu: number, group: number, value: number): EoiResult {
  const c = m.s.gic.cpu[cpu]!;
  const intid = value & 0xffffff;
  if (intid >= 1020 && intid < FIRST_LPI && intid <= SPURIOUS)
    return { intid, deactivated: false, ignored: 'special INTID' };
  const top = highestActive(c);
  if (top.bit < 0) return { intid, deactivated: false, ignored: 'no active priority to drop' };
  if (top.group !== group)
    return {
      intid,
      deactivated: false,
      ignored: `the highest active priority belongs to Group ${top.group}`,
    };
  const d = dropPriority(c, m.s.gic.cfg.priorityBits)!;
  let deactivated = false;
  if ((c.ctlr & 2) === 0) deactivated = deactivate(m, cpu, intid);
  markDirty(m, cpu);
  return { intid, dropped: d.prio, deactivated };
}

/** ICC_DIR_EL1 write: deactivation, meaningful only with EOImode 1. */
export function deactivateInterrupt(m: GicMachine, cpu: number, value: number): EoiResult {
  const c = m.s.gic.cpu[cpu]!;
  const intid = value & 0xffffff;
  if ((c.ctlr & 2) === 0) return { intid, deactivated: false, ignored: 'ICC_CTLR_EL1.EOImode is 0' };
  if (intid >= 1020) return { intid, deactivated: false, ignored: 'not an SGI, PPI or SPI' };
  const deactivated = deactivate(m, cpu, intid);
  markDirty(m, cpu);
  return { intid, deactivated };
}

/** 'gic.pending' helper for SGIs/PPIs and SPIs made pending by software or by a line. */
export function isPendingAnywhere(m: GicMachine, cpu: number, intid: number): boolean {
  if (intid < 32) return irqPending(m.s.gic.rd[cpu]!.priv, intid);
  if (intid < FIRST_LPI) return irqPending(m.s.gic.dist.spi, intid - 32);
  return false;
}
