/**
 * GICv4 virtual LPIs at the redistributor: virtual pending tables (VPTs) in memory, residency
 * (GICR_VPENDBASER.Valid), the resident vPE's highest-priority pending vLPI that the virtual CPU
 * interface presents without any list register, and doorbells for vPEs that are not resident.
 *
 * Where a vLPI's state lives:
 *  - Its pending bit is in its vPE's VPT, one bit per vINTID (byte vINTID / 8, bit vINTID % 8);
 *    the first KiB is the implementation's (IDAI says whether what is there may be trusted). The
 *    model keeps the VPT in memory as the truth whether or not the vPE is resident, which is one
 *    of the behaviours the architecture allows (while resident its contents are UNKNOWN) and the
 *    one QEMU implements.
 *  - Its configuration byte (priority, enable) is in the vLPI configuration table: GICv4.0's
 *    GICR_VPROPBASER on the redistributor where the vPE is resident, GICv4.1's VMAPP VCONF_addr.
 *    The spec profile caches the bytes of the resident vPE until INV (on the virtual event),
 *    VINVALL or the next residency change; QEMU reads them on every rescan (rule lpiConfig).
 *  - Each redistributor caches the resident vPE's best candidate (hppvlpi), rescanning the VPT
 *    when it becomes resident, on INV/VINVALL and when the candidate itself is cleared or taken.
 *
 * Residency: GICv4.0 names the resident vPE by its VPT address in VPENDBASER; GICv4.1 by vPEID,
 * the GIC looking the rest up in its vPE configuration (VMAPP, gic-state.ts VpeConfig).
 *
 * Doorbells, when a vLPI becomes pending for a vPE that is not resident on the redistributor the
 * ITS sent it to (the VTE's RDbase):
 *  - GICv4.0: the ITE's doorbell pINTID (1023: none) is made pending there as a physical LPI,
 *    every time; software masks it by its configuration byte while it does not want it.
 *  - GICv4.1: the vPE's default doorbell, once, and only if the vPE was descheduled with
 *    VPENDBASER.DB = 1 and PendingLast read 0 (the doorbell is then "armed").
 *
 * What the architecture leaves UNPREDICTABLE (changing VPENDBASER while Valid stays 1, making one
 * vPE resident on two redistributors) is reported as such in the event, with the resolution the
 * model took (QEMU's, where QEMU has one).
 */

import { memForEachSetBit, memReadU8, memVisible, memWriteU8 } from '../mem/memory';
import { markDirty } from './dirty';
import { FIRST_LPI, isGicV41 } from './gic-config';
import type { GicMachine } from './gic-machine';
import type { RedistributorState, VpeConfig } from './gic-state';
import { configEnabled, configPriority } from './lpi';

// ---------------------------------------------------------------- VPENDBASER / VPROPBASER fields

export const VPENDBASER_VALID = 1n << 63n;
/** GICv4.0: the IMPLEMENTATION DEFINED area of the VPT is not valid. */
export const VPENDBASER_IDAI = 1n << 62n;
/** GICv4.1 (replaces IDAI): raise the default doorbell when a vLPI becomes pending after deschedule. */
export const VPENDBASER_DB = 1n << 62n;
export const VPENDBASER_PENDING_LAST = 1n << 61n;
export const VPENDBASER_DIRTY = 1n << 60n;
export const VPENDBASER_VGRP0EN = 1n << 59n;
export const VPENDBASER_VGRP1EN = 1n << 58n;
const PA_51_16 = ((1n << 36n) - 1n) << 16n;
const PA_51_12 = ((1n << 40n) - 1n) << 12n;
const ATTRS_V40 = (7n << 7n) | (3n << 10n) | (7n << 56n);

/** Bits software may write in GICR_VPENDBASER (Dirty is read-only). */
export function vpendbaserWritable(v41: boolean): bigint {
  return v41
    ? 0xffffn |
        VPENDBASER_VGRP1EN |
        VPENDBASER_VGRP0EN |
        VPENDBASER_PENDING_LAST |
        VPENDBASER_DB |
        VPENDBASER_VALID
    : ATTRS_V40 | PA_51_16 | VPENDBASER_PENDING_LAST | VPENDBASER_IDAI | VPENDBASER_VALID;
}

export const vpendValid = (v: bigint): boolean => (v & VPENDBASER_VALID) !== 0n;
/** GICv4.0: the VPT address VPENDBASER names. */
export const vpendVpt = (v: bigint): number => Number(v & PA_51_16);
/** GICv4.1: the vPEID VPENDBASER names. */
export const vpendVpeid = (v: bigint): number => Number(v & 0xffffn);
/** GICv4.0 VPROPBASER: the vLPI configuration table and its vINTID bits (IDbits + 1, at most 16). */
export const vpropTable = (v: bigint): number => Number(v & PA_51_12);
export const vpropBits = (v: bigint): number => Math.min(Number(v & 0x1fn), 15) + 1;

// ---------------------------------------------------------------- the resident vPE

/** What a redistributor knows of the vPE resident on it (undefined: none). */
export interface Resident {
  /** vPEID (GICv4.1; -1 on GICv4.0, whose redistributors know only the VPT). */
  vpeid: number;
  vpt: number;
  bits: number;
  /** The vLPI configuration table. */
  conf: number;
  vpe?: VpeConfig;
}

export function residentOn(m: GicMachine, cpu: number): Resident | undefined {
  const rd = m.s.gic.rd[cpu]!;
  const v = rd.vpendbaser;
  if (!vpendValid(v)) return undefined;
  if (isGicV41(m.s.gic.cfg)) {
    const vpeid = vpendVpeid(v);
    const vpe = m.s.gic.vpes.get(vpeid);
    if (!vpe) return { vpeid, vpt: 0, bits: 0, conf: 0 };
    return { vpeid, vpt: vpe.vpt, bits: vpe.vptBits, conf: vpe.vconf, vpe };
  }
  return { vpeid: -1, vpt: vpendVpt(v), bits: vpropBits(rd.vpropbaser), conf: vpropTable(rd.vpropbaser) };
}

/** Whether the vPE (`vpeid` on GICv4.1, its VPT on GICv4.0) is resident on `cpu`. */
export function isResident(m: GicMachine, cpu: number, vpeid: number, vpt: number): boolean {
  const r = residentOn(m, cpu);
  if (!r) return false;
  return isGicV41(m.s.gic.cfg) ? r.vpeid === vpeid : r.vpt === vpt;
}

/** The redistributors on which the vPE is resident (more than one is UNPREDICTABLE). */
export function residencies(m: GicMachine, vpeid: number, vpt: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < m.s.gic.rd.length; c++) if (isResident(m, c, vpeid, vpt)) out.push(c);
  return out;
}

// ---------------------------------------------------------------- the VPT in memory

function vptBitAddr(vpt: number, vintid: number): number {
  return vpt + Math.floor(vintid / 8);
}

export function vptBit(m: GicMachine, vpt: number, vintid: number): boolean {
  const a = vptBitAddr(vpt, vintid);
  return memVisible(m.s.mem, a, 1) && ((memReadU8(m.s.mem, a) >> (vintid % 8)) & 1) === 1;
}

/** Sets or clears a VPT bit: 'changed', 'unchanged', or 'fault' when the VPT is not RAM. */
export function writeVptBit(
  m: GicMachine,
  vpt: number,
  vintid: number,
  level: boolean,
): 'changed' | 'unchanged' | 'fault' {
  const a = vptBitAddr(vpt, vintid);
  if (!memVisible(m.s.mem, a, 1)) return 'fault';
  const byte = memReadU8(m.s.mem, a);
  const bit = 1 << (vintid % 8);
  const next = level ? byte | bit : byte & ~bit;
  if (next === byte) return 'unchanged';
  memWriteU8(m.s.mem, a, next);
  return 'changed';
}

/** The pending vLPIs recorded in a VPT of `bits` vINTID bits, ascending (first KiB excluded). */
export function vptPending(m: GicMachine, vpt: number, bits: number): number[] {
  const out: number[] = [];
  const start = vpt + FIRST_LPI / 8;
  const len = Math.max(0, 2 ** bits / 8 - FIRST_LPI / 8);
  if (len === 0 || !memVisible(m.s.mem, start, len)) return out;
  memForEachSetBit(m.s.mem, start, len, (bit) => out.push(FIRST_LPI + bit));
  return out;
}

// ---------------------------------------------------------------- configuration and hppvlpi

function readVconf(m: GicMachine, conf: number, vintid: number): number {
  const a = conf + (vintid - FIRST_LPI);
  return memVisible(m.s.mem, a, 1) ? memReadU8(m.s.mem, a) : 0;
}

/** The configuration byte the redistributor acts on for the resident vPE's `vintid`. */
export function vlpiConfigOf(m: GicMachine, cpu: number, r: Resident, vintid: number): number {
  if (m.gicRules.lpiConfig !== 'redistributor-cache') return readVconf(m, r.conf, vintid);
  const rd = m.s.gic.rd[cpu]!;
  let c = rd.vlpiConfig.get(vintid);
  if (c === undefined) {
    c = readVconf(m, r.conf, vintid);
    rd.vlpiConfig.set(vintid, c);
  }
  return c;
}

const NONE = { intid: 1023, prio: 0xff };

function consider(rd: RedistributorState, intid: number, prio: number): void {
  const h = rd.hppvlpi;
  if (prio < h.prio || (prio === h.prio && intid < h.intid)) rd.hppvlpi = { intid, prio };
}

/**
 * Recomputes the resident vPE's best candidate from its VPT (and, on GICv4.1, its vSGIs). The
 * virtual CPU interface of the PE is told by markDirty (the physical one is unaffected).
 */
export function rescanVpt(m: GicMachine, cpu: number): void {
  const rd = m.s.gic.rd[cpu]!;
  rd.hppvlpi = NONE;
  const r = residentOn(m, cpu);
  if (r && !dirty(rd)) {
    for (const vintid of vptPending(m, r.vpt, r.bits)) {
      const cfg = vlpiConfigOf(m, cpu, r, vintid);
      if (configEnabled(cfg)) consider(rd, vintid, configPriority(cfg));
    }
    const vpe = r.vpe;
    if (vpe)
      for (let n = 0; n < 16; n++)
        if ((vpe.sgiPending >> n) & (vpe.sgiEnabled >> n) & 1) consider(rd, n, vpe.sgiPriority[n]!);
  }
  markDirty(m, cpu);
}

const dirty = (rd: RedistributorState): boolean => (rd.vpendbaser & VPENDBASER_DIRTY) !== 0n;

/** The virtual CPU interface's candidate from the redistributor: the resident vPE's best vLPI/vSGI. */
export function vlpiBest(m: GicMachine, cpu: number): { intid: number; prio: number } | undefined {
  const h = m.s.gic.rd[cpu]!.hppvlpi;
  return h.prio === 0xff ? undefined : h;
}

// ---------------------------------------------------------------- set, clear, take

/** An ITS asks the redistributor of the vPE (its VTE's RDbase) to set or clear a vLPI. */
export interface VlpiRequest {
  cpu: number;
  vpeid: number;
  /** The vPE's VPT (from the VTE) and its vINTID bits (VPT_size + 1). */
  vpt: number;
  vptBits: number;
  vintid: number;
  set: boolean;
  /** GICv4.0: the ITE's doorbell pINTID (1023: none). GICv4.1 uses the vPE's default doorbell. */
  doorbell: number;
  its: number;
  devid: number;
  eventid: number;
  /** What asked: 'MSI', 'INT', 'CLEAR', 'DISCARD', 'VMOVI'. */
  via: string;
}

export type VlpiOutcome =
  | { done: 'pending'; resident: true; config: number }
  | { done: 'recorded'; resident: false; doorbell?: number; noDoorbell?: string }
  | { done: 'already-pending'; resident: boolean; doorbell?: number; noDoorbell?: string }
  | { done: 'cleared' | 'not-pending'; resident: boolean }
  | { done: 'dropped'; why: string };

/** A doorbell the set made pending: the physical LPI and the redistributor that gets it. */
export interface Doorbell {
  cpu: number;
  intid: number;
  vpeid: number;
}

/** Sets or clears a vLPI; a doorbell to raise, if any, is returned in `ring`. */
export function vlpiRequest(m: GicMachine, r: VlpiRequest, ring: Doorbell[]): VlpiOutcome {
  if (r.vintid < FIRST_LPI || r.vintid >= 2 ** r.vptBits)
    return { done: 'dropped', why: `vINTID ${r.vintid} is outside the vPE's ${r.vptBits}-bit VPT` };
  const resident = isResident(m, r.cpu, r.vpeid, r.vpt);
  const w = writeVptBit(m, r.vpt, r.vintid, r.set);
  if (w === 'fault') return { done: 'dropped', why: `the VPT at 0x${r.vpt.toString(16)} is not in RAM` };
  const rd = m.s.gic.rd[r.cpu]!;
  if (!r.set) {
    if (resident && w === 'changed' && rd.hppvlpi.intid === r.vintid) rescanVpt(m, r.cpu);
    return { done: w === 'changed' ? 'cleared' : 'not-pending', resident };
  }
  if (resident) {
    if (w === 'unchanged') return { done: 'already-pending', resident };
    const res = residentOn(m, r.cpu)!;
    const cfg = vlpiConfigOf(m, r.cpu, res, r.vintid);
    if (configEnabled(cfg) && !dirty(rd)) {
      consider(rd, r.vintid, configPriority(cfg));
      markDirty(m, r.cpu);
    }
    return { done: 'pending', resident: true, config: cfg };
  }
  const db = doorbellFor(m, r);
  if (db.intid !== undefined) ring.push({ cpu: db.cpu, intid: db.intid, vpeid: r.vpeid });
  const out = { resident: false as const, ...(db.intid !== undefined ? { doorbell: db.intid } : {}) };
  const why = db.why !== undefined ? { noDoorbell: db.why } : {};
  return w === 'unchanged'
    ? { done: 'already-pending', ...out, ...why }
    : { done: 'recorded', ...out, ...why };
}

function doorbellFor(m: GicMachine, r: VlpiRequest): { cpu: number; intid?: number; why?: string } {
  if (!isGicV41(m.s.gic.cfg)) {
    if (r.doorbell === 1023) return { cpu: r.cpu, why: 'the ITE has no doorbell (1023)' };
    return { cpu: r.cpu, intid: r.doorbell };
  }
  const vpe = m.s.gic.vpes.get(r.vpeid);
  if (!vpe) return { cpu: r.cpu, why: `vPE ${r.vpeid} is not mapped (no VMAPP)` };
  if (!vpe.dbArmed) return { cpu: vpe.cpu, why: `vPE ${r.vpeid}'s doorbell is not armed (VPENDBASER.DB)` };
  if (vpe.doorbell === 1023) return { cpu: vpe.cpu, why: `vPE ${r.vpeid} has no default doorbell (1023)` };
  vpe.dbArmed = false;
  return { cpu: vpe.cpu, intid: vpe.doorbell };
}

/**
 * The virtual CPU interface of PE `cpu` acknowledges `vintid`: its pending bit is cleared (a vLPI
 * has no active state in the VPT; the interface records its priority as active) and the
 * redistributor looks for the next candidate. Returns whether it was the resident vPE's.
 */
export function vlpiAcknowledge(m: GicMachine, cpu: number, vintid: number): boolean {
  const r = residentOn(m, cpu);
  if (!r) return false;
  if (vintid < 16 && r.vpe) {
    const bit = 1 << vintid;
    if (!(r.vpe.sgiPending & bit)) return false;
    r.vpe.sgiPending &= ~bit;
  } else if (writeVptBit(m, r.vpt, vintid, false) !== 'changed') return false;
  rescanVpt(m, cpu);
  return true;
}

// ---------------------------------------------------------------- invalidation

export interface VinvRequest {
  cpu: number;
  vpeid: number;
  vpt: number;
  /** The vINTID to reload, or -1 for all of the vPE's (VINVALL, GICR_INVALLR with V = 1). */
  vintid: number;
  via: string;
}

/** INV on a virtual event, VINVALL: the redistributor reloads the vPE's configuration if resident. */
export function vlpiInvalidate(m: GicMachine, t: VinvRequest): string {
  const rd = m.s.gic.rd[t.cpu]!;
  if (!isResident(m, t.cpu, t.vpeid, t.vpt))
    return 'the vPE is not resident here: its configuration is read when it next becomes resident';
  if (t.vintid < 0) rd.vlpiConfig.clear();
  else rd.vlpiConfig.delete(t.vintid);
  rescanVpt(m, t.cpu);
  return t.vintid < 0
    ? 'configuration of every vLPI of the resident vPE reloaded'
    : `configuration of vLPI ${t.vintid} reloaded`;
}

// ---------------------------------------------------------------- residency (VPENDBASER writes)

export interface ResidencyChange {
  /** 'schedule' (Valid 0 -> 1), 'deschedule' (1 -> 0), 'store' (0 -> 0) or 'ignored' (1 -> 1). */
  op: 'schedule' | 'deschedule' | 'store' | 'ignored';
  vpeid: number;
  vpt: number;
  pendingLast?: boolean;
  /** GICv4.1: a doorbell armed by DB on deschedule. */
  armed?: boolean;
  unpredictable?: string;
  /** Dirty stays set until the VPT is parsed ('gicr.vpt'), when the profile takes time for it. */
  parsing?: boolean;
}

/**
 * A write of GICR_VPENDBASER (already merged with the old value and masked to the writable bits).
 * Valid 0 -> 1 makes the vPE resident: PendingLast reads 1, the configuration cache is dropped and
 * the VPT is parsed (at once in QEMU; the spec profile shows Dirty = 1 until 'gicr.vpt' runs).
 * Valid 1 -> 0: PendingLast records whether a vLPI was pending and enabled; on GICv4.1, DB = 1
 * with nothing pending arms the vPE's default doorbell.
 */
export function writeVpendbaser(m: GicMachine, cpu: number, value: bigint): ResidencyChange {
  const rd = m.s.gic.rd[cpu]!;
  const v41 = isGicV41(m.s.gic.cfg);
  const was = vpendValid(rd.vpendbaser);
  const now = vpendValid(value);
  const ids = (v: bigint) => ({ vpeid: v41 ? vpendVpeid(v) : -1, vpt: v41 ? 0 : vpendVpt(v) });
  if (was && now) {
    const changed = (rd.vpendbaser & vpendbaserWritable(v41)) !== value;
    return {
      op: 'ignored',
      ...ids(rd.vpendbaser),
      ...(changed
        ? {
            unpredictable:
              'changing GICR_VPENDBASER while Valid stays 1 is UNPREDICTABLE; the model ignores the write, as QEMU does',
          }
        : {}),
    };
  }
  if (!was && !now) {
    rd.vpendbaser = value;
    return { op: 'store', ...ids(value) };
  }
  const timed = m.gicRules.lpiPending === 'redistributor';
  if (now) {
    const { vpeid, vpt } = ids(value);
    const elsewhere = residencies(m, vpeid, vpt).filter((c) => c !== cpu);
    rd.vpendbaser = value | VPENDBASER_PENDING_LAST | (timed ? VPENDBASER_DIRTY : 0n);
    rd.vlpiConfig.clear();
    const vpe = v41 ? m.s.gic.vpes.get(vpeid) : undefined;
    if (vpe) vpe.dbArmed = false;
    rescanVpt(m, cpu);
    const out: ResidencyChange = { op: 'schedule', vpeid, vpt, pendingLast: true, parsing: timed };
    if (v41 && !vpe)
      out.unpredictable = `vPE ${vpeid} is not mapped (no VMAPP): nothing can be delivered to it`;
    if (elsewhere.length)
      out.unpredictable = `the vPE is already resident on redistributor ${elsewhere.join(', ')}: UNPREDICTABLE; the model lets each redistributor present it`;
    return out;
  }
  // Valid 1 -> 0.
  const { vpeid, vpt } = ids(rd.vpendbaser);
  const pending = rd.hppvlpi.prio !== 0xff;
  let next = value & ~VPENDBASER_PENDING_LAST & ~VPENDBASER_DIRTY;
  if (pending) next |= VPENDBASER_PENDING_LAST;
  if (timed) next |= VPENDBASER_DIRTY;
  rd.vpendbaser = next;
  rd.vlpiConfig.clear();
  rd.hppvlpi = NONE;
  markDirty(m, cpu);
  const out: ResidencyChange = { op: 'deschedule', vpeid, vpt, pendingLast: pending, parsing: timed };
  if (v41 && (value & VPENDBASER_DB) !== 0n) {
    const vpe = m.s.gic.vpes.get(vpeid);
    if (vpe && !pending) {
      vpe.dbArmed = true;
      out.armed = true;
    }
  }
  return out;
}

/** 'gicr.vpt': the redistributor has finished parsing (or cleaning) the VPT: Dirty reads 0. */
export function vptParsed(m: GicMachine, cpu: number): void {
  const rd = m.s.gic.rd[cpu]!;
  rd.vpendbaser &= ~VPENDBASER_DIRTY;
  rescanVpt(m, cpu);
}

// ---------------------------------------------------------------- GICv4.1: the GIC's vPE table

/** VMAPP V = 1 on a GICv4.1: the GIC learns (or updates) the vPE. */
export function vpeMap(
  m: GicMachine,
  vpeid: number,
  e: { vpt: number; vptBits: number; vconf: number; doorbell: number; cpu: number },
): void {
  const old = m.s.gic.vpes.get(vpeid);
  m.s.gic.vpes.set(vpeid, {
    ...e,
    dbArmed: old?.dbArmed ?? false,
    sgiPending: old?.sgiPending ?? 0,
    sgiEnabled: old?.sgiEnabled ?? 0,
    sgiGroup: old?.sgiGroup ?? 0,
    sgiPriority: old ? [...old.sgiPriority] : new Array<number>(16).fill(0),
  });
}

/** VMAPP V = 0 on a GICv4.1. Returns where it was still resident (UNPREDICTABLE). */
export function vpeUnmap(m: GicMachine, vpeid: number): number[] {
  const at = residencies(m, vpeid, 0);
  m.s.gic.vpes.delete(vpeid);
  return at;
}

/** VMOVP on a GICv4.1: the vPE's redistributor and, with DB, its default doorbell. */
export function vpeMove(m: GicMachine, vpeid: number, cpu: number, doorbell?: number): boolean {
  const vpe = m.s.gic.vpes.get(vpeid);
  if (!vpe) return false;
  vpe.cpu = cpu;
  if (doorbell !== undefined) vpe.doorbell = doorbell;
  return true;
}

/**
 * VSGI: configure vSGI `vintid` of a vPE (enable, group, priority) and, with `clear`, drop its
 * pending state. Returns a description, or undefined if the vPE is unknown.
 */
export function vsgiConfigure(
  m: GicMachine,
  vpeid: number,
  vintid: number,
  c: { enable: boolean; group: number; priority: number; clear: boolean },
): string | undefined {
  const vpe = m.s.gic.vpes.get(vpeid);
  if (!vpe) return undefined;
  const bit = 1 << vintid;
  vpe.sgiEnabled = c.enable ? vpe.sgiEnabled | bit : vpe.sgiEnabled & ~bit;
  vpe.sgiGroup = c.group ? vpe.sgiGroup | bit : vpe.sgiGroup & ~bit;
  vpe.sgiPriority[vintid] = c.priority & 0xf0;
  if (c.clear) vpe.sgiPending &= ~bit;
  for (const cpu of residencies(m, vpeid, 0)) rescanVpt(m, cpu);
  return (
    `vSGI ${vintid} of vPE ${vpeid}: ${c.enable ? 'enabled' : 'disabled'}, group ${c.group}, ` +
    `priority 0x${(c.priority & 0xf0).toString(16)}${c.clear ? ', pending state cleared' : ''}`
  );
}

/**
 * GITS_SGIR: vSGI `vintid` becomes pending for vPE `vpeid`. Resident: presented at once; not
 * resident: recorded, and an armed doorbell rings. Returns what happened.
 */
export function vsgiSetPending(
  m: GicMachine,
  vpeid: number,
  vintid: number,
  ring: Doorbell[],
): { done: 'pending' | 'recorded' | 'dropped'; why?: string; doorbell?: number } {
  const vpe = m.s.gic.vpes.get(vpeid);
  if (!vpe) return { done: 'dropped', why: `vPE ${vpeid} is not mapped (no VMAPP)` };
  vpe.sgiPending |= 1 << vintid;
  const at = residencies(m, vpeid, 0);
  if (at.length) {
    for (const cpu of at) rescanVpt(m, cpu);
    return { done: 'pending' };
  }
  if (vpe.dbArmed && vpe.doorbell !== 1023 && (vpe.sgiEnabled >> vintid) & 1) {
    vpe.dbArmed = false;
    ring.push({ cpu: vpe.cpu, intid: vpe.doorbell, vpeid });
    return { done: 'recorded', doorbell: vpe.doorbell };
  }
  return { done: 'recorded' };
}
