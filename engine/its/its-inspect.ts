/**
 * Read-only views of an ITS for the UI's inspectors: its registers decoded, the command queue as a
 * ring, the Device Table, each ITT (with GICv4's virtual ITEs), the Collection Table, the vPE
 * Table (GICv4) and the translation cache.
 *
 * Where the ITS keeps its mappings depends on the profile (docs/profiles.md, "Where the ITS keeps
 * its mappings"), and each view reads them from there and says so in `source`:
 *  - 'kvm lists': KVM keeps its_device / its_ite / its_collection lists in the kernel; it writes
 *    guest memory only to clear an entry (MAPD V=0, DISCARD) and when the tables are saved. The
 *    views list the lists; the addresses they give are where KVM_DEV_ARM_ITS_SAVE_TABLES would write
 *    each entry (its-save-restore.ts), which is not what memory holds until then.
 *  - 'memory': QEMU and the spec profile keep the tables in guest memory, so the views walk them
 *    as the ITS does: through GITS_BASER<n>, flat or two-level, with the profile's ID limits and
 *    entry formats. Every entry listed is confirmed by the ITS's own lookup (lookup.ts, tables.ts),
 *    so a view shows exactly what a command or an MSI would find. A two-level table lists only its
 *    valid level-1 entries.
 *
 * Tables can be large (a 64 KiB flat Device Table has 8,192 slots; a two-level one up to 2^32 IDs)
 * but guest RAM is sparse: a page nobody wrote reads as zero, and a zero entry is invalid in every
 * format, so the scans visit only written pages. They stop after INSPECT_ROWS rows or
 * INSPECT_EXAMINED entries and say `capped`.
 *
 * Nothing here changes the machine or emits an event: lookups run with no `touches`, the
 * translation cache is read without the LRU reordering a real lookup does, registers are read
 * through their tables' read functions. Results are plain data (64-bit register values as hex
 * strings), so they cross the worker boundary as they are.
 */

import {
  decodedRegister,
  hexOf,
  INSPECT_ROWS,
  isIndex,
  readByName,
  type DecodedRegister,
  type InspectError,
} from '../gic/gic-inspect';
import { memReadU32, memVisible, PAGE_SIZE, type MemoryState } from '../mem/memory';
import { decodeCommand, formatCommand, hexWord, wordsFromU32 } from './command-encoding';
import { isEnabled, isStalled, offsetOf, queueGeometry } from './command-queue';
import { formatItsError } from './errors';
import type { ItsMachine } from './its-machine';
import { GITS_REGISTERS } from './its-registers';
import { BASER_TYPE_COLLECTION, BASER_TYPE_DEVICE, BASER_TYPE_VPE, type ItsState } from './its-state';
import { lookupCollection, lookupDevice, lookupVpe, rdbaseOf, resolveTarget } from './lookup';
import { entryBytes, readCte, readDte, readIte, readVte } from './table-formats';
import { baserGeometry, entryAddress, findTable, idLimit, tableTypeName, type TableGeometry } from './tables';
import { residencies } from '../gic/vlpi';
import { cacheEntries } from './translation-cache';

/** Where a view's contents come from (see the overview). */
export type ItsSource = 'kvm lists' | 'memory';

/** Most table entries a scan looks at before it gives up and says `capped`. */
export const INSPECT_EXAMINED = 1 << 17;
/** Most queue slots one `queueSlots` call decodes. */
export const QUEUE_WINDOW = 1024;

const sourceOf = (m: ItsMachine): ItsSource => (m.itsRules.state === 'kvm-lists' ? 'kvm lists' : 'memory');

function itsAt(m: ItsMachine, index: number): ItsState | InspectError {
  const n = m.s.its.length;
  return isIndex(index, n)
    ? m.s.its[index]!
    : { ok: false, error: `there is no ITS ${String(index)} (the machine has ${n})` };
}

const isError = (x: ItsState | InspectError): x is InspectError => 'ok' in x;

// ---------------------------------------------------------------- scanning sparse memory

interface Budget {
  examined: number;
  capped: boolean;
}

/**
 * Calls fn(k, addr) for each entry k < count of a table of `size`-byte entries at `start` that lies
 * at least partly in a written page, in order (entries in unwritten RAM read as zero: invalid).
 * Stops when fn returns false or the budget is spent (then marks it capped).
 */
function forEachStoredEntry(
  mem: MemoryState,
  start: number,
  count: number,
  size: number,
  budget: Budget,
  fn: (k: number, addr: number) => boolean,
): void {
  if (!(count > 0) || !(size > 0) || !Number.isSafeInteger(start) || start < 0) return;
  const len = count * size;
  const first = Math.floor(start / PAGE_SIZE);
  const last = Math.floor((start + len - 1) / PAGE_SIZE);
  const pages =
    last - first < mem.pages.size
      ? Array.from({ length: last - first + 1 }, (_, i) => first + i).filter((pn) => mem.pages.has(pn))
      : [...mem.pages.keys()].filter((pn) => pn >= first && pn <= last).sort((a, b) => a - b);
  let next = 0;
  for (const pn of pages) {
    const lo = pn * PAGE_SIZE - start;
    // Entries overlapping [lo, lo + PAGE_SIZE) relative to the table; one straddling two pages is
    // visited once.
    const end = Math.min(count, Math.ceil((lo + PAGE_SIZE) / size));
    for (let k = Math.max(next, Math.floor(lo / size), 0); k < end; k++) {
      if (budget.examined >= INSPECT_EXAMINED) {
        budget.capped = true;
        return;
      }
      budget.examined++;
      if (!fn(k, start + k * size)) return;
    }
    next = Math.max(next, end);
  }
}

/** Adds a row unless the list is full (then marks the budget capped and asks the scan to stop). */
function pushRow<T>(rows: T[], row: T, budget: Budget): boolean {
  if (rows.length >= INSPECT_ROWS) {
    budget.capped = true;
    return false;
  }
  rows.push(row);
  return true;
}

// ---------------------------------------------------------------- table geometry

const TYPE_NAMES: Record<number, string> = {
  0: 'Unimplemented',
  [BASER_TYPE_DEVICE]: 'Devices',
  [BASER_TYPE_VPE]: 'vPEs',
  [BASER_TYPE_COLLECTION]: 'Collections',
};
export const baserTypeName = (type: number): string => TYPE_NAMES[type] ?? `Reserved (${type})`;

/** A GITS_BASER<n> table as the ITS uses it. */
export interface ItsTableInfo {
  /** n of GITS_BASER<n>. */
  baser: number;
  type: number;
  typeName: string;
  valid: boolean;
  indirect: boolean;
  base: number;
  pageSize: number;
  pages: number;
  /** pages * pageSize: the flat table, or the level-1 table of a two-level one. */
  bytes: number;
  entrySize: number;
  /** IDs the ITS accepts for this table (its ID space; for a flat table, also the entries that fit). */
  ids: number;
  /** Two-level: the size of a level-2 page and the IDs one holds (KVM: always 64 KiB). */
  level2PageSize?: number;
  idsPerLevel2Page?: number;
}

/** A valid level-1 entry of a two-level table. */
export interface Level1Entry {
  index: number;
  /** Where the level-1 entry is. */
  addr: number;
  /** The level-2 page it points at, as the profile decodes the entry. */
  l2?: number;
  /** The IDs it covers: [firstId, firstId + ids). */
  firstId: number;
  ids: number;
  /** Why the ITS cannot use it (IDs beyond its ID space, a level-2 page outside RAM...). */
  problem?: string;
}

function tableInfo(m: ItsMachine, its: ItsState, g: TableGeometry): ItsTableInfo {
  const bytes = g.pages * g.pageSize;
  const limit =
    g.type === BASER_TYPE_DEVICE || g.type === BASER_TYPE_COLLECTION || g.type === BASER_TYPE_VPE
      ? idLimit(m, its, g.type)
      : 0;
  const info: ItsTableInfo = {
    baser: g.n,
    type: g.type,
    typeName: baserTypeName(g.type),
    valid: g.valid,
    indirect: g.indirect,
    base: g.base,
    pageSize: g.pageSize,
    pages: g.pages,
    bytes,
    entrySize: g.entrySize,
    ids: g.indirect ? limit : Math.min(limit, Math.floor(bytes / g.entrySize)),
  };
  if (g.indirect) {
    // As tables.ts entryAddress: KVM supports only 64 KiB level-2 pages whatever Page_Size says.
    const l2 = m.profile === 'kvm' ? 0x10000 : g.pageSize;
    info.level2PageSize = l2;
    info.idsPerLevel2Page = Math.floor(l2 / g.entrySize);
  }
  return info;
}

const tableName = tableTypeName;

/** The valid level-1 entries of a two-level table, each resolved by the ITS's own walk. */
function scanLevel1(m: ItsMachine, its: ItsState, t: ItsTableInfo, budget: Budget): Level1Entry[] {
  const out: Level1Entry[] = [];
  const mem = m.s.mem;
  const perPage = t.idsPerLevel2Page ?? 1;
  forEachStoredEntry(mem, t.base, Math.floor(t.bytes / 8), 8, budget, (k, addr) => {
    if (!memVisible(mem, addr, 8) || memReadU32(mem, addr + 4) >>> 31 !== 1) return true;
    const firstId = k * perPage;
    const e: Level1Entry = { index: k, addr, firstId, ids: Math.max(0, Math.min(perPage, t.ids - firstId)) };
    if (firstId >= t.ids)
      e.problem = `IDs from ${firstId} are beyond the ${tableName(t.type)} ID space (${t.ids} IDs)`;
    else {
      const at = entryAddress(m, its, t.type, firstId, null);
      if (at.ok) e.l2 = at.addr;
      else {
        // A level-2 page outside RAM still has an address: the fault names the entry it wanted.
        if (at.problem === 'fault' && at.addr !== undefined && at.addr !== addr) e.l2 = at.addr;
        e.problem = at.reason;
      }
    }
    return pushRow(out, e, budget);
  });
  return out;
}

type TableScan = { table?: ItsTableInfo; level1?: Level1Entry[]; problem?: string };

/** What a view read from a table in memory says of its scan: the table, its level 1, its problem. */
function scanned(scan: TableScan, budget: Budget) {
  return {
    source: 'memory' as const,
    ...(scan.table ? { table: scan.table } : {}),
    ...(scan.level1 ? { level1: scan.level1 } : {}),
    capped: budget.capped,
    ...(scan.problem ? { problem: scan.problem } : {}),
  };
}

/**
 * Visits every slot of a table in memory that may hold a valid entry, as (id, address): flat, or
 * through the valid level-1 entries. Says why there is nothing to visit.
 */
function scanTable(
  m: ItsMachine,
  its: ItsState,
  type: number,
  budget: Budget,
  visit: (id: number, addr: number) => boolean,
): TableScan {
  const g = findTable(its, type);
  if (!g) return { problem: `no GITS_BASER<n> describes a ${tableName(type)} table` };
  const table = tableInfo(m, its, g);
  // QEMU gives an invalid table no entries (KVM's check_id ignores Valid, but KVM is not scanned).
  if (!g.valid && m.profile !== 'kvm')
    return { table, problem: `GITS_BASER${g.n} is not valid: the ITS gives the table no entries` };
  const mem = m.s.mem;
  if (!g.indirect) {
    forEachStoredEntry(mem, g.base, table.ids, g.entrySize, budget, visit);
    return { table };
  }
  const level1 = scanLevel1(m, its, table, budget);
  for (const e of level1) {
    if (e.l2 === undefined || e.problem || budget.capped) continue;
    let stop = false;
    forEachStoredEntry(mem, e.l2, e.ids, g.entrySize, budget, (j, addr) => {
      stop = !visit(e.firstId + j, addr);
      return !stop;
    });
    if (stop) break;
  }
  return { table, level1 };
}

/** The level-1 entries of a table for a view under 'kvm lists' (the guest still writes them). */
function kvmTable(
  m: ItsMachine,
  its: ItsState,
  type: number,
  budget: Budget,
): { table?: ItsTableInfo; level1?: Level1Entry[] } {
  const g = findTable(its, type);
  if (!g) return {};
  const table = tableInfo(m, its, g);
  return g.indirect ? { table, level1: scanLevel1(m, its, table, budget) } : { table };
}

// ---------------------------------------------------------------- registers and queue

export interface ItsBaserView extends DecodedRegister {
  n: number;
  type: number;
  typeName: string;
  valid: boolean;
  indirect: boolean;
  pageSize: number;
  pages: number;
  entrySize: number;
  base: number;
}

export interface ItsView {
  ok: true;
  index: number;
  profile: string;
  /** ITS_base (the control frame; GITS_TRANSLATER is at +0x10040). */
  base: number;
  source: ItsSource;
  ctlr: DecodedRegister & { enabled: boolean; quiescent: boolean };
  iidr: DecodedRegister;
  typer: DecodedRegister & {
    physical: boolean;
    virtual: boolean;
    ittEntrySize: number;
    eventIdBits: number;
    deviceIdBits: number;
    /** 16 unless CIL reports CIDbits. */
    collectionIdBits: number;
    pta: boolean;
    hcc: number;
    /** GICv4: one VMOVP moves a vPE in every ITS. */
    vmovp: boolean;
    /** GICv4.1: GITS_SGIR and the VSGI command. */
    vsgi: boolean;
  };
  cbaser: DecodedRegister & { valid: boolean; base: number; size: number };
  creadr: DecodedRegister & { offset: number; stalled: boolean; stallReason?: string };
  cwriter: DecodedRegister & { offset: number; retry: boolean };
  basers: ItsBaserView[];
  queue: {
    /** 32-byte slots in the ring (0 when CBASER is not valid). */
    slots: number;
    /** Slot of GITS_CREADR (the next command the ITS reads) and of GITS_CWRITER. */
    readSlot: number;
    writeSlot: number;
    /** Commands written and not yet consumed. */
    waiting: number;
    /** An 'its.process' task is queued. */
    processing: boolean;
    /** Why the ITS is not consuming the waiting commands, if it is not. */
    blocked?: string;
  };
  cache: { policy: ItsCacheView['policy']; entries: number; capacity: number | null };
}

function reg(m: ItsMachine, i: number, name: string): { v: bigint; d: DecodedRegister } {
  const r = readByName(m, i, GITS_REGISTERS, name);
  const v = r ? r.value : 0n;
  return { v, d: decodedRegister(r?.fields, v) };
}

const bit = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n;
const bitsOf = (v: bigint, msb: number, lsb: number): number =>
  Number((v >> BigInt(lsb)) & ((1n << BigInt(msb - lsb + 1)) - 1n));

/** The queue's occupancy: slots between CREADR and CWRITER, or why they cannot be counted. */
function queueWindow(its: ItsState): {
  slots: number;
  rd: number;
  wr: number;
  waiting: number;
  problem?: string;
} {
  const q = queueGeometry(its);
  const rd = offsetOf(its.creadr);
  const wr = offsetOf(its.cwriter);
  const slots = q.size / 32;
  if (!q.valid) return { slots: 0, rd, wr, waiting: 0, problem: 'GITS_CBASER is not valid' };
  if (rd >= q.size || wr >= q.size)
    return {
      slots,
      rd,
      wr,
      waiting: 0,
      problem: `GITS_CREADR (0x${rd.toString(16)}) or GITS_CWRITER (0x${wr.toString(16)}) is beyond the ${q.size}-byte queue: processing refused`,
    };
  return { slots, rd, wr, waiting: ((wr - rd + q.size) % q.size) / 32 };
}

/** ITS `index`: registers decoded, the queue's state and the cache's size. */
export function inspectIts(m: ItsMachine, index: number): ItsView | InspectError {
  const its = itsAt(m, index);
  if (isError(its)) return its;
  const ctlr = reg(m, index, 'GITS_CTLR');
  const typer = reg(m, index, 'GITS_TYPER');
  const cbaser = reg(m, index, 'GITS_CBASER');
  const creadr = reg(m, index, 'GITS_CREADR');
  const cwriter = reg(m, index, 'GITS_CWRITER');
  const q = queueGeometry(its);
  const w = queueWindow(its);
  const stalled = isStalled(its);
  let blocked: string | undefined;
  if (w.waiting > 0 || w.problem) {
    if (!isEnabled(its)) blocked = 'the ITS is disabled (GITS_CTLR.Enabled = 0)';
    else if (w.problem) blocked = w.problem;
    else if (stalled && m.itsRules.stalledBit === 'blocks-processing')
      blocked = 'the queue is stalled (GITS_CREADR.Stalled = 1)';
  }
  const basers = its.baser.map((_, n): ItsBaserView => {
    const r = reg(m, index, `GITS_BASER${n}`);
    const g = baserGeometry(r.v, n);
    return {
      ...r.d,
      n,
      type: g.type,
      typeName: baserTypeName(g.type),
      valid: g.valid,
      indirect: g.indirect,
      pageSize: g.pageSize,
      pages: g.pages,
      entrySize: g.entrySize,
      base: g.base,
    };
  });
  const cil = bit(typer.v, 36);
  const cachePolicy = m.itsRules.translationCache;
  return {
    ok: true,
    index,
    profile: m.profile,
    base: its.cfg.base,
    source: sourceOf(m),
    ctlr: { ...ctlr.d, enabled: bit(ctlr.v, 0), quiescent: bit(ctlr.v, 31) },
    iidr: reg(m, index, 'GITS_IIDR').d,
    typer: {
      ...typer.d,
      physical: bit(typer.v, 0),
      virtual: bit(typer.v, 1),
      ittEntrySize: bitsOf(typer.v, 7, 4) + 1,
      eventIdBits: bitsOf(typer.v, 12, 8) + 1,
      deviceIdBits: bitsOf(typer.v, 17, 13) + 1,
      collectionIdBits: cil ? bitsOf(typer.v, 35, 32) + 1 : 16,
      pta: bit(typer.v, 19),
      hcc: bitsOf(typer.v, 31, 24),
      vmovp: bit(typer.v, 37),
      vsgi: bit(typer.v, 39),
    },
    cbaser: { ...cbaser.d, valid: q.valid, base: q.base, size: q.size },
    creadr: {
      ...creadr.d,
      offset: offsetOf(creadr.v),
      stalled,
      ...(stalled && its.stall ? { stallReason: formatItsError(its.stall) } : {}),
    },
    cwriter: { ...cwriter.d, offset: offsetOf(cwriter.v), retry: bit(cwriter.v, 0) },
    basers,
    queue: {
      slots: w.slots,
      readSlot: Math.floor(w.rd / 32),
      writeSlot: Math.floor(w.wr / 32),
      waiting: w.waiting,
      processing: its.processQueued,
      ...(blocked ? { blocked } : {}),
    },
    cache: {
      policy: cachePolicy,
      entries: its.cache.size,
      capacity: cachePolicy === 'bounded-lru' ? its.cfg.cacheEntries : cachePolicy === 'none' ? 0 : null,
    },
  };
}

export interface QueueSlotView {
  slot: number;
  /** Byte offset in the queue (what CREADR/CWRITER hold) and physical address. */
  offset: number;
  addr: number;
  /**
   * 'waiting': between CREADR and CWRITER, still to be consumed (the stalled command included).
   * 'consumed': anything else: read by the ITS already, or never written (see `empty`).
   */
  state: 'waiting' | 'consumed';
  atCreadr: boolean;
  atCwriter: boolean;
  /** The command at CREADR on which the queue is stalled. */
  stalled: boolean;
  /** The slot is not RAM: the ITS would fault fetching it. */
  fault: boolean;
  /** All 32 bytes are zero. */
  empty: boolean;
  command: string;
  opcode: number;
  /** Field values by spec name, hex (addresses as byte addresses). */
  fields: Record<string, string>;
  /** 'MAPTI DeviceID=0x2 EventID=0x14 pINTID=0x2003 ICID=0x3' */
  text: string;
  /** The four doublewords, hex. */
  dws: string[];
}

export interface QueueSlotsView {
  ok: true;
  index: number;
  slots: number;
  readSlot: number;
  writeSlot: number;
  /** The slots asked for, in ring order from `from` (wrapping at the end of the ring). */
  window: QueueSlotView[];
  /** Fewer slots than asked (the window is at most QUEUE_WINDOW and at most the ring). */
  capped: boolean;
  problem?: string;
}

/** Decodes `count` ring slots from slot `from` (wrapping), with their place relative to CREADR/CWRITER. */
export function queueSlots(
  m: ItsMachine,
  index: number,
  from: number,
  count: number,
): QueueSlotsView | InspectError {
  const its = itsAt(m, index);
  if (isError(its)) return its;
  if (!Number.isInteger(from) || !Number.isInteger(count) || count < 0)
    return { ok: false, error: `a window of ${String(count)} slots from slot ${String(from)}` };
  const q = queueGeometry(its);
  const w = queueWindow(its);
  const n = Math.min(count, w.slots, QUEUE_WINDOW);
  const readSlot = Math.floor(w.rd / 32);
  const writeSlot = Math.floor(w.wr / 32);
  const stalled = isStalled(its);
  const mem = m.s.mem;
  const shown: QueueSlotView[] = [];
  for (let k = 0; k < n; k++) {
    const slot = (((from + k) % w.slots) + w.slots) % w.slots;
    const offset = slot * 32;
    const addr = q.base + offset;
    const waiting = !w.problem && ((offset - w.rd + q.size) % q.size) / 32 < w.waiting;
    const fault = !memVisible(mem, addr, 32);
    const words = Array.from({ length: 8 }, (_, i) => (fault ? 0 : memReadU32(mem, addr + 4 * i)));
    const dws = wordsFromU32(words);
    const d = decodeCommand(dws);
    const fields: Record<string, string> = {};
    for (const [k2, v] of Object.entries(d.fields)) fields[k2] = hexOf(v);
    shown.push({
      slot,
      offset,
      addr,
      state: waiting ? 'waiting' : 'consumed',
      atCreadr: slot === readSlot,
      atCwriter: slot === writeSlot,
      stalled: stalled && slot === readSlot,
      fault,
      empty: words.every((x) => x === 0),
      command: fault ? 'FETCH-FAULT' : d.name,
      opcode: d.opcode,
      fields,
      text: fault ? `the slot at 0x${addr.toString(16)} is not RAM` : formatCommand(d),
      dws: dws.map(hexWord),
    });
  }
  return {
    ok: true,
    index,
    slots: w.slots,
    readSlot,
    writeSlot,
    window: shown,
    capped: n < count,
    ...(w.problem ? { problem: w.problem } : {}),
  };
}

// ---------------------------------------------------------------- devices

export interface ItsDeviceView {
  devid: number;
  /** ITT address and the device's EventID bits (Size + 1). */
  itt: number;
  eventIdBits: number;
  /** Where the DTE is (kvm: where a save writes it); absent when the ITS cannot place it. */
  dte?: number;
  /** Two-level device table: the level-1 entry the walk went through. */
  l1?: number;
  /** kvm: number of mapped events. */
  events?: number;
}

export interface ItsDevicesView {
  ok: true;
  index: number;
  source: ItsSource;
  table?: ItsTableInfo;
  level1?: Level1Entry[];
  devices: ItsDeviceView[];
  capped: boolean;
  problem?: string;
}

/** Every mapped device of ITS `index`, by DeviceID. */
export function devices(m: ItsMachine, index: number): ItsDevicesView | InspectError {
  const its = itsAt(m, index);
  if (isError(its)) return its;
  const budget: Budget = { examined: 0, capped: false };
  const rows: ItsDeviceView[] = [];
  if (m.itsRules.state === 'kvm-lists') {
    const { table, level1 } = kvmTable(m, its, BASER_TYPE_DEVICE, budget);
    for (const devid of [...its.devices.keys()].sort((a, b) => a - b)) {
      const d = its.devices.get(devid)!;
      const row: ItsDeviceView = { devid, itt: d.itt, eventIdBits: d.eventIdBits, events: d.ites.size };
      const at = entryAddress(m, its, BASER_TYPE_DEVICE, devid, null);
      if (at.ok) {
        row.dte = at.addr;
        if (at.l1 !== undefined) row.l1 = at.l1;
      }
      if (!pushRow(rows, row, budget)) break;
    }
    return {
      ok: true,
      index,
      source: 'kvm lists',
      ...(table ? { table } : {}),
      ...(level1 ? { level1 } : {}),
      devices: rows,
      capped: budget.capped,
    };
  }
  const format = m.itsRules.tableFormat;
  const scan = scanTable(m, its, BASER_TYPE_DEVICE, budget, (devid, addr) => {
    if (!memVisible(m.s.mem, addr, 8) || !readDte(m.s.mem, addr, format).valid) return true;
    const d = lookupDevice(m, its, devid, null);
    if (!d.ok || d.value.addr !== addr) return true;
    const row: ItsDeviceView = { devid, itt: d.value.itt, eventIdBits: d.value.size + 1, dte: addr };
    if (d.value.l1 !== undefined) row.l1 = d.value.l1;
    return pushRow(rows, row, budget);
  });
  rows.sort((a, b) => a.devid - b.devid);
  return {
    ok: true,
    index,
    devices: rows,
    ...scanned(scan, budget),
  };
}

// ---------------------------------------------------------------- ITTs

export interface ItsEventView {
  eventid: number;
  intid: number;
  /** kvm: -1 for an event whose collection was unmapped (MAPC V=0). */
  icid: number;
  /** Where the ITE is (kvm: where a save writes it). */
  addr: number;
  /** The PE its collection targets (-1: the collection is not mapped or names no redistributor, or the ITE is virtual). */
  target: number;
  /** QEMU's format: IntType; 0 is a virtual ITE (GICv4 VMAPTI), whose `intid` is the vINTID. */
  physical: boolean;
  /** A virtual ITE: its vLPI, vPE, doorbell (1023: none), and the PE the vPE's VTE names (-1: none). */
  virtual?: { vintid: number; vpeid: number; doorbell: number; cpu: number };
}

export interface IttView {
  ok: true;
  index: number;
  devid: number;
  source: ItsSource;
  mapped: boolean;
  /** Why the device has no ITT the ITS would use. */
  problem?: string;
  itt?: number;
  eventIdBits?: number;
  /** Bytes per ITE in this profile's format. */
  entrySize: number;
  events: ItsEventView[];
  capped: boolean;
}

/** The events of DeviceID `devid` on ITS `index`, by EventID. */
export function itt(m: ItsMachine, index: number, devid: number): IttView | InspectError {
  const its = itsAt(m, index);
  if (isError(its)) return its;
  if (!Number.isInteger(devid) || devid < 0 || devid >= 2 ** 32)
    return { ok: false, error: `${String(devid)} is not a DeviceID` };
  const budget: Budget = { examined: 0, capped: false };
  const format = m.itsRules.tableFormat;
  const entrySize = entryBytes(format, 'ite');
  const events: ItsEventView[] = [];
  const base = { ok: true as const, index, devid, source: sourceOf(m), entrySize };
  if (m.itsRules.state === 'kvm-lists') {
    const d = its.devices.get(devid);
    if (!d)
      return {
        ...base,
        mapped: false,
        problem: `DeviceID ${devid} is not mapped (no MAPD)`,
        events,
        capped: false,
      };
    for (const e of [...d.ites.keys()].sort((a, b) => a - b)) {
      const ite = d.ites.get(e)!;
      const t = ite.icid >= 0 ? its.collections.get(ite.icid) : undefined;
      const row = {
        eventid: e,
        intid: ite.intid,
        icid: ite.icid,
        addr: d.itt + e * 8, // ABI revision 0: 8-byte ITEs
        target: t ?? -1,
        physical: true,
      };
      if (!pushRow(events, row, budget)) break;
    }
    return {
      ...base,
      mapped: true,
      itt: d.itt,
      eventIdBits: d.eventIdBits,
      events,
      capped: budget.capped,
    };
  }
  const d = lookupDevice(m, its, devid, null);
  if (!d.ok) return { ...base, mapped: false, problem: d.reason, events, capped: false };
  const bits = d.value.size + 1;
  const targets = new Map<number, number>();
  const targetOf = (icid: number): number => {
    let t = targets.get(icid);
    if (t === undefined) {
      const c = lookupCollection(m, its, icid, null);
      t = c.ok ? c.value.cpu : -1;
      targets.set(icid, t);
    }
    return t;
  };
  const vpes = new Map<number, number>();
  const vpeOf = (vpeid: number): number => {
    let t = vpes.get(vpeid);
    if (t === undefined) {
      const p = lookupVpe(m, its, vpeid, null);
      t = p.ok ? p.value.cpu : -1;
      vpes.set(vpeid, t);
    }
    return t;
  };
  // The ITS reads ITE e at ITT_addr + e * entry size (lookup.ts lookupEvent).
  forEachStoredEntry(m.s.mem, d.value.itt, 2 ** bits, entrySize, budget, (e, addr) => {
    if (!memVisible(m.s.mem, addr, entrySize)) return true;
    const ite = readIte(m.s.mem, addr, format);
    if (!ite.valid) return true;
    const row: ItsEventView = {
      eventid: e,
      intid: ite.intid,
      icid: ite.icid,
      addr,
      target: ite.physical ? targetOf(ite.icid) : -1,
      physical: ite.physical,
    };
    if (!ite.physical)
      row.virtual = { vintid: ite.intid, vpeid: ite.vpeid, doorbell: ite.doorbell, cpu: vpeOf(ite.vpeid) };
    return pushRow(events, row, budget);
  });
  const inRam = memVisible(m.s.mem, d.value.itt, 1);
  return {
    ...base,
    mapped: true,
    ...(inRam
      ? {}
      : { problem: `the ITT at 0x${d.value.itt.toString(16)} is not RAM: every event lookup faults` }),
    itt: d.value.itt,
    eventIdBits: bits,
    events,
    capped: budget.capped,
  };
}

// ---------------------------------------------------------------- collections

export interface ItsCollectionView {
  icid: number;
  /** The PE it targets (-1: created unmapped by MAPTI under kvm, or an RDbase naming no redistributor). */
  target: number;
  /** RDbase as stored (memory) or as this ITS's PTA setting names the target (kvm). -1: none. */
  rdbase: number;
  /** Where the CTE is (kvm: where a save writes it, in list order). */
  addr?: number;
  /** Two-level collection table: the level-1 entry the walk went through. */
  l1?: number;
}

export interface ItsCollectionsView {
  ok: true;
  index: number;
  source: ItsSource;
  table?: ItsTableInfo;
  level1?: Level1Entry[];
  collections: ItsCollectionView[];
  capped: boolean;
  problem?: string;
}

/** Every collection of ITS `index`, by ICID. */
export function collections(m: ItsMachine, index: number): ItsCollectionsView | InspectError {
  const its = itsAt(m, index);
  if (isError(its)) return its;
  const budget: Budget = { examined: 0, capped: false };
  const rows: ItsCollectionView[] = [];
  if (m.itsRules.state === 'kvm-lists') {
    const { table, level1 } = kvmTable(m, its, BASER_TYPE_COLLECTION, budget);
    // KVM's save packs the collections one after another in list order (its-save-restore.ts).
    const slots = table ? Math.floor(table.bytes / 8) : 0;
    let k = 0;
    for (const [icid, target] of its.collections) {
      const row: ItsCollectionView = { icid, target, rdbase: target >= 0 ? rdbaseOf(m, its, target) : -1 };
      if (table && k < slots) row.addr = table.base + k * 8;
      k++;
      if (!pushRow(rows, row, budget)) break;
    }
    rows.sort((a, b) => a.icid - b.icid);
    return {
      ok: true,
      index,
      source: 'kvm lists',
      ...(table ? { table } : {}),
      ...(level1 ? { level1 } : {}),
      collections: rows,
      capped: budget.capped,
    };
  }
  const format = m.itsRules.tableFormat;
  const scan = scanTable(m, its, BASER_TYPE_COLLECTION, budget, (icid, addr) => {
    if (!memVisible(m.s.mem, addr, 8)) return true;
    const cte = readCte(m.s.mem, addr, format);
    if (!cte.valid) return true;
    const at = entryAddress(m, its, BASER_TYPE_COLLECTION, icid, null);
    if (!at.ok || at.addr !== addr) return true;
    const row: ItsCollectionView = {
      icid,
      target: resolveTarget(m, its, cte.rdbase),
      rdbase: cte.rdbase,
      addr,
    };
    if (at.l1 !== undefined) row.l1 = at.l1;
    return pushRow(rows, row, budget);
  });
  rows.sort((a, b) => a.icid - b.icid);
  return {
    ok: true,
    index,
    collections: rows,
    ...scanned(scan, budget),
  };
}

// ---------------------------------------------------------------- vPEs (GICv4)

export interface ItsVpeView {
  vpeid: number;
  /** The virtual pending table and its vINTID bits (VPT_size + 1). */
  vpt: number;
  vptBits: number;
  /** The PE the VTE names (-1: none: its RDbase is beyond the PEs). */
  target: number;
  /** Where the VTE is. */
  addr: number;
  /** Two-level vPE table: the level-1 entry the walk went through. */
  l1?: number;
  /** 16-byte VTEs (GICv4.1): the default doorbell (1023: none) and the vLPI configuration table. */
  doorbell?: number;
  vconf?: number;
  /** Redistributors on which the vPE is resident now (GICR_VPENDBASER); more than one is UNPREDICTABLE. */
  residentOn: number[];
}

export interface ItsVpesView {
  ok: true;
  index: number;
  source: ItsSource;
  table?: ItsTableInfo;
  level1?: Level1Entry[];
  vpes: ItsVpeView[];
  capped: boolean;
  problem?: string;
}

/** Every mapped vPE of ITS `index` (its vPE Table, GITS_BASER2), by vPEID. */
export function vpes(m: ItsMachine, index: number): ItsVpesView | InspectError {
  const its = itsAt(m, index);
  if (isError(its)) return its;
  const budget: Budget = { examined: 0, capped: false };
  const rows: ItsVpeView[] = [];
  if (m.itsRules.state === 'kvm-lists')
    return {
      ok: true,
      index,
      source: 'kvm lists',
      vpes: rows,
      capped: false,
      problem: "KVM's vITS has no virtual LPI support (GITS_TYPER.Virtual = 0): no vPE table",
    };
  const scan = scanTable(m, its, BASER_TYPE_VPE, budget, (vpeid, addr) => {
    const g = findTable(its, BASER_TYPE_VPE)!;
    if (!memVisible(m.s.mem, addr, g.entrySize) || !readVte(m.s.mem, addr, g.entrySize).valid) return true;
    const at = entryAddress(m, its, BASER_TYPE_VPE, vpeid, null);
    if (!at.ok || at.addr !== addr) return true;
    const vte = readVte(m.s.mem, addr, g.entrySize);
    const p = lookupVpe(m, its, vpeid, null);
    const row: ItsVpeView = {
      vpeid,
      vpt: vte.vpt,
      vptBits: vte.vptSize + 1,
      target: p.ok ? p.value.cpu : -1,
      addr,
      residentOn: residencies(m, vpeid, vte.vpt),
    };
    if (at.l1 !== undefined) row.l1 = at.l1;
    if (vte.doorbell !== undefined) row.doorbell = vte.doorbell;
    if (vte.vconf !== undefined) row.vconf = vte.vconf;
    return pushRow(rows, row, budget);
  });
  rows.sort((a, b) => a.vpeid - b.vpeid);
  return { ok: true, index, vpes: rows, ...scanned(scan, budget) };
}

// ---------------------------------------------------------------- translation cache

export interface ItsCacheEntryView {
  devid: number;
  eventid: number;
  intid: number;
  /** Target PE. */
  cpu: number;
  icid: number;
}

export interface ItsCacheView {
  ok: true;
  index: number;
  policy: 'per-its-unbounded' | 'none' | 'bounded-lru';
  /** Entries the cache may hold (null: unbounded; 0: no cache). */
  capacity: number | null;
  /**
   * Oldest first. bounded-lru: least recently used first (a hit moves an entry to the end).
   * per-its-unbounded (KVM): in the order the translations filled it (KVM never reorders).
   */
  entries: ItsCacheEntryView[];
  capped: boolean;
}

/** The translation cache of ITS `index`, least recently used (or first filled) first. */
export function cache(m: ItsMachine, index: number): ItsCacheView | InspectError {
  const its = itsAt(m, index);
  if (isError(its)) return its;
  const policy = m.itsRules.translationCache;
  const all = cacheEntries(its);
  return {
    ok: true,
    index,
    policy,
    capacity: policy === 'bounded-lru' ? its.cfg.cacheEntries : policy === 'none' ? 0 : null,
    entries: all.slice(0, INSPECT_ROWS).map(({ devid, eventid, entry }) => ({
      devid,
      eventid,
      intid: entry.intid,
      cpu: entry.cpu,
      icid: entry.icid,
    })),
    capped: all.length > INSPECT_ROWS,
  };
}
