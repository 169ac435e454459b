/**
 * The ITS's tables in memory as GITS_BASER<n> describes them: type, entry size, page size, number
 * of pages, flat or two-level (Indirect). Given an ID, `entryAddress` finds where its entry lives,
 * reading the level-1 entry of a two-level table on the way, and says why when it cannot.
 *
 * A two-level table's level-1 entries are 8 bytes, Valid in bit 63, the level-2 page address in
 * the bits above the page offset; each level-2 page holds page_size / entry_size entries. The
 * implementations disagree on which address bits they take (KVM [51:16], QEMU [50:0]) and on what
 * limits an ID: see the rules noted inline.
 */

import { memReadU32, memVisible } from '../mem/memory';
import type { ItsMachine } from './its-machine';
import type { ItsState } from './its-state';

export const BASER_TYPE_DEVICE = 1;
export const BASER_TYPE_VPE = 2;
export const BASER_TYPE_COLLECTION = 4;

export interface TableGeometry {
  n: number;
  valid: boolean;
  type: number;
  entrySize: number;
  pageSize: number;
  pages: number;
  indirect: boolean;
  base: number;
}

const PAGE_SIZES = [0x1000, 0x4000, 0x10000, 0x10000];

export function baserGeometry(b: bigint, n: number): TableGeometry {
  const pageSize = PAGE_SIZES[Number((b >> 8n) & 3n)]!;
  // With 64 KiB pages PA[47:16] sits in [47:16] and PA[51:48] in [15:12].
  const base =
    pageSize === 0x10000
      ? Number((b >> 16n) & 0xffffffffn) * 0x10000 + Number((b >> 12n) & 0xfn) * 2 ** 48
      : Number((b >> 12n) & 0xfffffffffn) * 0x1000;
  return {
    n,
    valid: b >> 63n === 1n,
    type: Number((b >> 56n) & 7n),
    entrySize: Number((b >> 48n) & 0x1fn) + 1,
    pageSize,
    pages: Number(b & 0xffn) + 1,
    indirect: ((b >> 62n) & 1n) === 1n,
    base,
  };
}

export function findTable(its: ItsState, type: number): TableGeometry | undefined {
  const geom = its.geom;
  for (let n = 0; n < geom.length; n++) if (geom[n]!.type === type) return geom[n];
  return undefined;
}

/** Records a new GITS_BASER<n> value and its decoding. */
export function setBaser(its: ItsState, n: number, v: bigint): void {
  its.baser[n] = v;
  its.geom[n] = baserGeometry(v, n);
}

/** A memory access made while walking or updating a table, for events and the inspector. */
export interface Touch {
  table: 'device' | 'collection' | 'itt' | 'vpe' | 'l1' | 'queue';
  op: 'read' | 'write';
  addr: number;
  /** The entry's ID (DeviceID, ICID, EventID, vPEID). */
  id?: number;
  /** Entry size in bytes (its bytes are in memory at `addr` at that step). */
  size?: number;
  /** Decoded fields. */
  fields?: Record<string, number | boolean>;
}

export type EntryLookup =
  | {
      ok: true;
      addr: number;
      geometry: TableGeometry;
      /** The level-1 entry read on the way, for a two-level table. */ l1?: number;
    }
  | {
      ok: false;
      problem: 'no-table' | 'out-of-range' | 'l1-invalid' | 'fault';
      reason: string;
      addr?: number;
    };

/** 'device', 'collection', 'vPE': how reasons name a table. */
export const tableTypeName = (type: number): string =>
  type === BASER_TYPE_DEVICE
    ? 'device'
    : type === BASER_TYPE_COLLECTION
      ? 'collection'
      : type === BASER_TYPE_VPE
        ? 'vPE'
        : `type ${type}`;

const POW2 = Array.from({ length: 33 }, (_, n) => 2 ** n);

export function idLimit(m: ItsMachine, its: ItsState, type: number): number {
  if (m.profile === 'kvm') return 0x10000; // vgic_its_check_id: DeviceID <= 0xFFFF, ICID < 0x10000
  // vPEIDs are 16 bits (QEMU caps the vPE table there too; SVPET = 0, no shared table).
  if (type === BASER_TYPE_VPE) return POW2[16]!;
  const bits = type === BASER_TYPE_DEVICE ? its.cfg.devBits : its.cfg.cil ? its.cfg.cidBits : 16;
  return POW2[Math.min(bits, m.profile === 'qemu' ? 16 : 32)]!;
}

/**
 * Where the entry for `id` lives in the table of `type`, reading a level-1 entry if the table is
 * two-level (recorded in `touches`).
 */
export function entryAddress(
  m: ItsMachine,
  its: ItsState,
  type: number,
  id: number,
  touches: Touch[] | null,
): EntryLookup {
  const name = tableTypeName(type);
  const g = findTable(its, type);
  if (!g) return { ok: false, problem: 'no-table', reason: `no GITS_BASER<n> describes a ${name} table` };
  // KVM's check_id does not look at BASER.Valid; QEMU gives an invalid table no entries.
  if (!g.valid && m.profile !== 'kvm')
    return { ok: false, problem: 'no-table', reason: `GITS_BASER${g.n} (${name} table) is not valid` };
  const limit = idLimit(m, its, type);
  if (id >= limit)
    return {
      ok: false,
      problem: 'out-of-range',
      reason: `ID ${id} exceeds the ${name} ID space (${limit} IDs)`,
    };
  const tableBytes = g.pages * g.pageSize;
  if (!g.indirect) {
    if (id >= Math.floor(tableBytes / g.entrySize))
      return {
        ok: false,
        problem: 'out-of-range',
        reason: `ID ${id} is beyond the flat ${name} table (${Math.floor(tableBytes / g.entrySize)} entries)`,
      };
    const addr = g.base + id * g.entrySize;
    if (!memVisible(m.s.mem, addr, g.entrySize))
      return {
        ok: false,
        problem: 'fault',
        reason: `${name} table entry at 0x${addr.toString(16)} is not in RAM`,
        addr,
      };
    return { ok: true, addr, geometry: g };
  }
  // Two-level: KVM supports only 64 KiB level-2 pages whatever Page_Size says.
  const l2Size = m.profile === 'kvm' ? 0x10000 : g.pageSize;
  const perPage = Math.floor(l2Size / g.entrySize);
  const l1Index = Math.floor(id / perPage);
  if (l1Index >= Math.floor(tableBytes / 8))
    return {
      ok: false,
      problem: 'out-of-range',
      reason: `ID ${id} needs level-1 entry ${l1Index}, beyond the ${name} table's ${Math.floor(tableBytes / 8)}`,
    };
  const l1Addr = g.base + l1Index * 8;
  if (!memVisible(m.s.mem, l1Addr, 8))
    return {
      ok: false,
      problem: 'fault',
      reason: `level-1 entry at 0x${l1Addr.toString(16)} is not in RAM`,
      addr: l1Addr,
    };
  const lo = memReadU32(m.s.mem, l1Addr);
  const hi = memReadU32(m.s.mem, l1Addr + 4);
  const valid = hi >>> 31 === 1;
  let l2: number;
  if (m.profile === 'qemu')
    l2 = (hi & 0x7ffff) * 2 ** 32 + lo; // bits [50:0]
  else {
    const full = (hi & 0xfffff) * 2 ** 32 + lo; // bits [51:0]
    const align = m.profile === 'kvm' ? 0x10000 : l2Size; // KVM takes [51:16]
    l2 = full - (full % align);
  }
  touches?.push({
    table: 'l1',
    op: 'read',
    addr: l1Addr,
    id: l1Index,
    size: 8,
    fields: { Valid: valid, L2_addr: l2 },
  });
  if (!valid)
    return {
      ok: false,
      problem: 'l1-invalid',
      reason: `level-1 entry ${l1Index} of the ${name} table is not valid (no level-2 page for ID ${id})`,
      addr: l1Addr,
    };
  const addr = l2 + (id % perPage) * g.entrySize;
  if (!memVisible(m.s.mem, addr, g.entrySize))
    return {
      ok: false,
      problem: 'fault',
      reason: `${name} table entry at 0x${addr.toString(16)} is not in RAM`,
      addr,
    };
  return { ok: true, addr, geometry: g, l1: l1Addr };
}
