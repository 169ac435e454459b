/**
 * LPIs at the redistributor: where their pending state and configuration live, and what INV,
 * INVALL, MOVI, MOVALL and GICR_CTLR.EnableLPIs do to them.
 *
 * The architecture lets a redistributor hold LPI state internally and treat the tables in memory
 * as backing store, which is exactly where implementations differ, so three strategies follow the
 * profile rules `lpiPending` and `lpiConfig` (see gic-rules.ts):
 *
 *  - spec ('redistributor' + 'redistributor-cache'): pending LPIs are a set inside the
 *    redistributor, loaded from the pending table when LPIs are enabled and written back when they
 *    are disabled or saved; configuration bytes are cached on first use and only INV/INVALL (or the
 *    direct GICR_INVLPIR/INVALLR) refresh them. This is what makes INV observable.
 *  - kvm ('latch' + 'captured-at-map'): one VgicLpi per mapped LPI, VM-wide, holding its target,
 *    configuration (read at MAPTI, refreshed by INV) and pending latch; the pending table is read
 *    (and the bit consumed) when the LPI is mapped and when EnableLPIs goes 0 -> 1.
 *  - qemu ('pending-table' + 'hpplpi-rescan'): the pending table in guest memory is the truth;
 *    the redistributor keeps only its highest-priority pending LPI (hpplpi), updated when an LPI
 *    becomes pending and recomputed by a full scan of the table on INV, INVALL, MOVALL, an
 *    EnableLPIs write or when that LPI is cleared.
 *
 * Each redistributor also keeps `lpiPending` as an index of the LPIs pending on it (the set itself
 * in spec, the latches of LPIs targeting it in kvm), so choosing the highest pending LPI costs the
 * number of pending LPIs, not the size of the INTID space.
 */

import {
  memFill,
  memForEachSetBit,
  memReadU8,
  memVisible,
  memVisiblePrefix,
  memWriteU8,
} from '../mem/memory';
import { markDirty } from './dirty';
import { FIRST_LPI } from './gic-config';
import type { GicMachine } from './gic-machine';
import type { RedistributorState } from './gic-state';

const PA_52_12 = (1n << 40n) - 1n;
const PA_52_16 = (1n << 36n) - 1n;

export function propbaserOf(m: GicMachine, cpu: number): bigint {
  return m.gicRules.propbaserScope === 'shared' ? m.s.gic.sharedPropbaser : m.s.gic.rd[cpu]!.propbaser;
}

// What a GICR_PROPBASER / GICR_PENDBASER value says, decoded once per value: BigInt arithmetic
// allocates, and every MSI asks (the registers rarely change, and a few PEs share one value).
let propValue = -1n;
let propLimit = 0;
let propBase = 0;
let pendValue = -1n;
let pendBase = 0;

function decodePropbaser(v: bigint): void {
  if (v === propValue) return;
  propLimit = 2 ** (Math.min(Number(v & 0x1fn), 15) + 1);
  propBase = Number((v >> 12n) & PA_52_12) * 0x1000;
  propValue = v;
}

/** Exclusive upper bound of LPI INTIDs the property table covers (at most 2^16 in this model). */
export function lpiLimit(m: GicMachine, cpu: number): number {
  decodePropbaser(propbaserOf(m, cpu));
  return propLimit;
}

export function propTableBase(m: GicMachine, cpu: number): number {
  decodePropbaser(propbaserOf(m, cpu));
  return propBase;
}

export function pendTableBase(m: GicMachine, cpu: number): number {
  const v = m.s.gic.rd[cpu]!.pendbaser;
  if (v !== pendValue) {
    pendBase = Number((v >> 16n) & PA_52_16) * 0x10000;
    pendValue = v;
  }
  return pendBase;
}

export const lpisEnabled = (m: GicMachine, cpu: number): boolean => (m.s.gic.rd[cpu]!.ctlr & 1) === 1;

/** The configuration byte in memory (undefined when the address is not RAM). */
export function readConfigByte(m: GicMachine, cpu: number, intid: number): number | undefined {
  const a = propTableBase(m, cpu) + (intid - FIRST_LPI);
  return memVisible(m.s.mem, a, 1) ? memReadU8(m.s.mem, a) : undefined;
}

function readPendingBit(m: GicMachine, cpu: number, intid: number): boolean {
  const a = pendTableBase(m, cpu) + Math.floor(intid / 8);
  return memVisible(m.s.mem, a, 1) && ((memReadU8(m.s.mem, a) >> (intid % 8)) & 1) === 1;
}

/** Sets or clears a pending-table bit; returns whether it changed (false also when not RAM). */
function writePendingBit(m: GicMachine, cpu: number, intid: number, level: boolean): boolean {
  const a = pendTableBase(m, cpu) + Math.floor(intid / 8);
  if (!memVisible(m.s.mem, a, 1)) return false;
  const byte = memReadU8(m.s.mem, a);
  const bit = 1 << (intid % 8);
  const next = level ? byte | bit : byte & ~bit;
  if (next === byte) return false;
  memWriteU8(m.s.mem, a, next);
  return true;
}

export const configPriority = (byte: number): number => byte & 0xfc;
export const configEnabled = (byte: number): boolean => (byte & 1) === 1;

/** The configuration the redistributor currently acts on for `intid` (see the rules above). */
export function effectiveConfig(m: GicMachine, cpu: number, intid: number): number {
  switch (m.gicRules.lpiConfig) {
    case 'captured-at-map': {
      const l = m.s.gic.lpis.get(intid);
      if (l) return l.config;
      break;
    }
    case 'redistributor-cache': {
      const c = m.s.gic.rd[cpu]!.lpiConfig.get(intid);
      if (c !== undefined) return c;
      break;
    }
    case 'hpplpi-rescan':
      break;
  }
  return readConfigByte(m, cpu, intid) ?? 0;
}

export function lpiIsPending(m: GicMachine, cpu: number, intid: number): boolean {
  if (m.gicRules.lpiPending === 'pending-table') return readPendingBit(m, cpu, intid);
  return m.s.gic.rd[cpu]!.lpiPending.has(intid);
}

/** Pending LPIs of a redistributor, ascending (for inspectors, tests and invariants). */
export function pendingLpis(m: GicMachine, cpu: number): number[] {
  if (m.gicRules.lpiPending !== 'pending-table')
    return [...m.s.gic.rd[cpu]!.lpiPending].sort((a, b) => a - b);
  const out: number[] = [];
  forEachPendingBit(m, cpu, (intid) => out.push(intid));
  return out;
}

/**
 * Calls fn for each LPI whose bit is set in the pending table of `cpu`: none unless the whole
 * table is RAM or, with `prefix`, as far as RAM goes.
 */
function forEachPendingBit(m: GicMachine, cpu: number, fn: (intid: number) => void, prefix = false): void {
  const base = pendTableBase(m, cpu);
  const limit = lpiLimit(m, cpu);
  const start = base + FIRST_LPI / 8;
  const want = (limit - FIRST_LPI) / 8;
  let len = want;
  if (prefix) len = memVisiblePrefix(m.s.mem, start, want);
  else if (!memVisible(m.s.mem, base, limit / 8)) return;
  memForEachSetBit(m.s.mem, start, len, (bit) => fn(FIRST_LPI + bit));
}

// ---------------------------------------------------------------- QEMU: hpplpi and full rescans

function considerHpplpi(m: GicMachine, cpu: number, rd: RedistributorState, intid: number): void {
  const cfg = readConfigByte(m, cpu, intid) ?? 0;
  if (!configEnabled(cfg)) return;
  const prio = configPriority(cfg);
  if (prio < rd.hpplpi.prio || (prio === rd.hpplpi.prio && intid <= rd.hpplpi.intid))
    rd.hpplpi = { intid, prio };
}

/** QEMU's update_for_all_lpis: recompute hpplpi from the whole pending table. */
export function rescanPendingTable(m: GicMachine, cpu: number): void {
  const rd = m.s.gic.rd[cpu]!;
  rd.hpplpi = { intid: 1023, prio: 0xff };
  if (!lpisEnabled(m, cpu)) return;
  forEachPendingBit(m, cpu, (intid) => considerHpplpi(m, cpu, rd, intid));
}

// ---------------------------------------------------------------- set / clear

export type LpiSetOutcome =
  | { done: 'pending'; config: number; configFrom: 'cache' | 'memory' | 'lpi' }
  | { done: 'already-pending' }
  | { done: 'dropped'; why: string };

/** An ITS (INT, MSI, MOVI) asks redistributor `cpu` to make `intid` pending. */
export function lpiSetPending(m: GicMachine, cpu: number, intid: number): LpiSetOutcome {
  const rd = m.s.gic.rd[cpu]!;
  if (!lpisEnabled(m, cpu))
    return { done: 'dropped', why: 'GICR_CTLR.EnableLPIs is 0 on the target redistributor' };
  if (intid < FIRST_LPI || intid >= lpiLimit(m, cpu))
    return { done: 'dropped', why: `INTID ${intid} is outside the LPI range GICR_PROPBASER.IDbits allows` };
  switch (m.gicRules.lpiPending) {
    case 'pending-table': {
      if (!writePendingBit(m, cpu, intid, true)) return { done: 'already-pending' };
      considerHpplpi(m, cpu, rd, intid);
      markDirty(m, cpu);
      return { done: 'pending', config: readConfigByte(m, cpu, intid) ?? 0, configFrom: 'memory' };
    }
    case 'latch': {
      const l = m.s.gic.lpis.get(intid);
      if (!l) return { done: 'dropped', why: `no LPI ${intid} is mapped` };
      if (l.pending) return { done: 'already-pending' };
      l.pending = true;
      if (l.target >= 0) {
        m.s.gic.rd[l.target]!.lpiPending.add(intid);
        markDirty(m, l.target);
      }
      return { done: 'pending', config: l.config, configFrom: 'lpi' };
    }
    case 'redistributor': {
      if (rd.lpiPending.has(intid)) return { done: 'already-pending' };
      rd.lpiPending.add(intid);
      let from: 'cache' | 'memory' = 'cache';
      let cfg = rd.lpiConfig.get(intid);
      if (cfg === undefined) {
        cfg = readConfigByte(m, cpu, intid) ?? 0;
        rd.lpiConfig.set(intid, cfg);
        from = 'memory';
      }
      markDirty(m, cpu);
      return { done: 'pending', config: cfg, configFrom: from };
    }
  }
}

/** Clears `intid`'s pending state at redistributor `cpu`; returns whether it was pending. */
export function lpiClearPending(m: GicMachine, cpu: number, intid: number): boolean {
  const rd = m.s.gic.rd[cpu]!;
  let was = false;
  switch (m.gicRules.lpiPending) {
    case 'pending-table':
      was = writePendingBit(m, cpu, intid, false);
      if (was && rd.hpplpi.intid === intid) rescanPendingTable(m, cpu);
      break;
    case 'latch': {
      const l = m.s.gic.lpis.get(intid);
      was = !!l?.pending;
      if (l) l.pending = false;
      // An LPI whose mappings are all gone lived on only because it was pending.
      if (l && l.refs <= 0) m.s.gic.lpis.delete(intid);
      rd.lpiPending.delete(intid);
      break;
    }
    case 'redistributor':
      was = rd.lpiPending.delete(intid);
      break;
  }
  if (was) markDirty(m, cpu);
  return was;
}

/** The highest-priority pending, enabled LPI of a redistributor (ties: lowest INTID). */
export function lpiBest(m: GicMachine, cpu: number): { intid: number; prio: number } | undefined {
  if (!lpisEnabled(m, cpu)) return undefined;
  const rd = m.s.gic.rd[cpu]!;
  if (m.gicRules.lpiPending === 'pending-table') return rd.hpplpi.prio !== 0xff ? rd.hpplpi : undefined;
  let best = -1;
  let bestPrio = 0x100;
  for (const intid of rd.lpiPending) {
    const cfg = effectiveConfig(m, cpu, intid);
    if (!configEnabled(cfg)) continue;
    const p = configPriority(cfg);
    if (p < bestPrio || (p === bestPrio && intid < best)) {
      best = intid;
      bestPrio = p;
    }
  }
  return best < 0 ? undefined : { intid: best, prio: bestPrio };
}

// ---------------------------------------------------------------- invalidation

/** INV / GICR_INVLPIR: make the redistributor's view of one LPI's configuration match memory. */
export function lpiInvalidate(m: GicMachine, cpu: number, intid: number): string {
  const rd = m.s.gic.rd[cpu]!;
  let what: string;
  switch (m.gicRules.lpiConfig) {
    case 'captured-at-map': {
      const l = m.s.gic.lpis.get(intid);
      if (!l) return `LPI ${intid} is not mapped: nothing to reload`;
      l.config = readConfigByte(m, cpu, intid) ?? l.config;
      what = `configuration of LPI ${intid} reloaded: 0x${l.config.toString(16)}`;
      // The LPI object is VM-wide: whichever redistributor was asked, its target looks again.
      if (l.target >= 0) markDirty(m, l.target);
      break;
    }
    case 'redistributor-cache': {
      const cfg = readConfigByte(m, cpu, intid);
      if (cfg === undefined) rd.lpiConfig.delete(intid);
      else rd.lpiConfig.set(intid, cfg);
      what = `configuration of LPI ${intid} reloaded into the cache: 0x${(cfg ?? 0).toString(16)}`;
      break;
    }
    case 'hpplpi-rescan':
      rescanPendingTable(m, cpu);
      what = 'pending table rescanned';
      break;
  }
  markDirty(m, cpu);
  return what;
}

/** INVALL / GICR_INVALLR: reload every LPI configuration this redistributor (or its PE) uses. */
export function lpiInvalidateAll(m: GicMachine, cpu: number): string {
  const rd = m.s.gic.rd[cpu]!;
  let what: string;
  switch (m.gicRules.lpiConfig) {
    case 'captured-at-map': {
      let n = 0;
      for (const [intid, l] of m.s.gic.lpis) {
        if (l.target !== cpu) continue;
        l.config = readConfigByte(m, cpu, intid) ?? l.config;
        n++;
      }
      what = `configuration of ${n} LPI(s) targeting PE ${cpu} reloaded`;
      break;
    }
    case 'redistributor-cache': {
      rd.lpiConfig.clear();
      for (const intid of rd.lpiPending) rd.lpiConfig.set(intid, readConfigByte(m, cpu, intid) ?? 0);
      what = `configuration cache flushed (${rd.lpiPending.size} pending LPI(s) reloaded)`;
      break;
    }
    case 'hpplpi-rescan':
      rescanPendingTable(m, cpu);
      what = 'pending table rescanned';
      break;
  }
  markDirty(m, cpu);
  return what;
}

// ---------------------------------------------------------------- moving pending state

/** MOVI: move one LPI's pending state from one redistributor to another. Returns whether it moved. */
export function lpiMove(m: GicMachine, from: number, to: number, intid: number): boolean {
  if (from === to) return false;
  if (m.gicRules.lpiPending === 'latch') {
    vgicLpiRetarget(m, intid, to);
    return !!m.s.gic.lpis.get(intid)?.pending;
  }
  if (m.gicRules.lpiPending === 'pending-table' && (!lpisEnabled(m, from) || !lpisEnabled(m, to)))
    return false;
  if (!lpiClearPending(m, from, intid)) return false;
  lpiSetPending(m, to, intid);
  return true;
}

/** MOVALL: move every pending LPI of redistributor `from` to `to`. Returns the INTIDs moved. */
export function lpiMoveAll(m: GicMachine, from: number, to: number): number[] {
  if (from === to) return [];
  if (m.gicRules.lpiPending === 'pending-table' && (!lpisEnabled(m, from) || !lpisEnabled(m, to))) return [];
  const moved = pendingLpis(m, from);
  for (const intid of moved) {
    lpiClearPending(m, from, intid);
    lpiSetPending(m, to, intid);
  }
  if (m.gicRules.lpiPending === 'pending-table') {
    rescanPendingTable(m, from);
    rescanPendingTable(m, to);
  }
  markDirty(m, from);
  markDirty(m, to);
  return moved;
}

// ---------------------------------------------------------------- KVM's vgic_irq for LPIs

/**
 * vgic_add_lpi: an ITS maps an event to `intid` targeting PE `target` (-1: collection unmapped).
 * A new LPI reads its configuration byte and, when it has a target, consumes its pending bit from
 * the target's pending table (vgic_v3_lpi_sync_pending_status). An existing one gains a reference.
 */
export function vgicLpiAdd(
  m: GicMachine,
  intid: number,
  target: number,
): { created: boolean; pendingFromTable: boolean } {
  const lpis = m.s.gic.lpis;
  const existing = lpis.get(intid);
  if (existing) {
    existing.refs++;
    return { created: false, pendingFromTable: false };
  }
  const cfgCpu = target >= 0 ? target : 0;
  const l = { target, config: readConfigByte(m, cfgCpu, intid) ?? 0, pending: false, refs: 1 };
  lpis.set(intid, l);
  let fromTable = false;
  if (target >= 0 && readPendingBit(m, target, intid)) {
    writePendingBit(m, target, intid, false);
    l.pending = true;
    m.s.gic.rd[target]!.lpiPending.add(intid);
    markDirty(m, target);
    fromTable = true;
  }
  return { created: true, pendingFromTable: fromTable };
}

/**
 * Drops one reference (DISCARD, MAPD of a live device). The LPI goes away with the last one,
 * unless it is pending: then the vCPU's pending list still holds it (KVM's ap_list reference), so
 * it is still delivered, and it goes when it stops being pending.
 */
export function vgicLpiRelease(m: GicMachine, intid: number): void {
  const l = m.s.gic.lpis.get(intid);
  if (!l) return;
  if (--l.refs > 0) return;
  if (l.pending && l.target >= 0) return;
  m.s.gic.lpis.delete(intid);
  if (l.target >= 0 && m.s.gic.rd[l.target]!.lpiPending.delete(intid)) markDirty(m, l.target);
}

/** update_affinity: the LPI now targets `to`; its latch moves with it. */
export function vgicLpiRetarget(m: GicMachine, intid: number, to: number): void {
  const l = m.s.gic.lpis.get(intid);
  if (!l || l.target === to) return;
  if (l.target >= 0 && m.s.gic.rd[l.target]!.lpiPending.delete(intid)) markDirty(m, l.target);
  l.target = to;
  if (l.pending && to >= 0) {
    m.s.gic.rd[to]!.lpiPending.add(intid);
    markDirty(m, to);
  }
}

// ---------------------------------------------------------------- EnableLPIs and saving

/**
 * Loads pending state from the pending table when LPIs become enabled. Returns the LPIs found.
 * spec: the table is read unless GICR_PENDBASER.PTZ was set. kvm: every mapped LPI targeting this
 * PE takes its latch from the table (memory untouched). qemu: a full rescan.
 */
export function lpiLoadPendingTable(m: GicMachine, cpu: number, ptz: boolean): number[] {
  const rd = m.s.gic.rd[cpu]!;
  switch (m.gicRules.lpiPending) {
    case 'pending-table':
      rescanPendingTable(m, cpu);
      markDirty(m, cpu);
      return pendingLpis(m, cpu);
    case 'latch': {
      if (ptz) return [];
      const found: number[] = [];
      for (const [intid, l] of m.s.gic.lpis) {
        if (l.target !== cpu) continue;
        l.pending = readPendingBit(m, cpu, intid);
        if (l.pending) {
          rd.lpiPending.add(intid);
          found.push(intid);
        } else rd.lpiPending.delete(intid);
      }
      markDirty(m, cpu);
      return found.sort((a, b) => a - b);
    }
    case 'redistributor': {
      rd.lpiPending.clear();
      rd.lpiConfig.clear();
      if (ptz) return [];
      forEachPendingBit(m, cpu, (intid) => rd.lpiPending.add(intid), true);
      for (const intid of rd.lpiPending) rd.lpiConfig.set(intid, readConfigByte(m, cpu, intid) ?? 0);
      markDirty(m, cpu);
      return [...rd.lpiPending].sort((a, b) => a - b);
    }
  }
}

/**
 * Writes this redistributor's pending LPIs into its pending table (spec: on EnableLPIs 1 -> 0 and
 * on save; kvm: SAVE_PENDING_TABLES sets or clears the bit of every LPI targeting it). The first
 * KiB of the table is never written. Returns the number of bits set.
 */
export function lpiWriteBackPending(m: GicMachine, cpu: number): number {
  const rd = m.s.gic.rd[cpu]!;
  let n = 0;
  switch (m.gicRules.lpiPending) {
    case 'pending-table':
      return pendingLpis(m, cpu).length;
    case 'latch':
      for (const [intid, l] of m.s.gic.lpis) {
        if (l.target !== cpu) continue;
        writePendingBit(m, cpu, intid, l.pending);
        if (l.pending) n++;
      }
      return n;
    case 'redistributor': {
      // The table is the redistributor's while LPIs are enabled: write all of it back, so a bit
      // loaded at enable time for an LPI taken since does not come back on the next enable.
      const base = pendTableBase(m, cpu);
      const end = lpiLimit(m, cpu) / 8;
      if (memVisible(m.s.mem, base + FIRST_LPI / 8, end - FIRST_LPI / 8))
        memFill(m.s.mem, base + FIRST_LPI / 8, end - FIRST_LPI / 8, 0);
      for (const intid of rd.lpiPending) {
        writePendingBit(m, cpu, intid, true);
        n++;
      }
      return n;
    }
  }
}

/** The flat machine's store for a 'kvm-lists' ITS: the VgicLpi objects above, in the GIC state. */
export const GIC_KVM_LPIS = {
  add: vgicLpiAdd,
  release: vgicLpiRelease,
  retarget: vgicLpiRetarget,
  intids: (m: GicMachine): number[] => [...m.s.gic.lpis.keys()],
  target: (m: GicMachine, intid: number): number => m.s.gic.lpis.get(intid)?.target ?? -1,
  limit: (m: GicMachine): number => lpiLimit(m, 0),
  enabled: lpisEnabled,
  pes: (m: GicMachine): number => m.s.gic.cfg.affinity.length,
};
