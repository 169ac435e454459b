/**
 * Entry formats of the ITS's tables in memory. The architecture leaves them to the implementation;
 * the model has two:
 *
 *  - 'abi-rev0', KVM's ITS table ABI revision 0 (Documentation/virt/kvm/devices/arm-vgic-its.rst),
 *    8-byte little-endian entries:
 *      DTE: V [63], next [62:49], ITT_addr[51:8] in [48:5], Size [4:0]
 *      CTE: V [63], RDBase [51:16], ICID [15:0]
 *      ITE: next [63:48], pINTID [47:16] (0 = invalid), ICID [15:0]
 *  - 'qemu', QEMU's own (hw/intc/gicv3_internal.h):
 *      DTE (8 bytes): Valid [0], Size [5:1], ITT_addr[51:8] in [49:6]
 *      CTE (8 bytes): Valid [0], RDbase [16:1]
 *      ITE (12 bytes): Valid [0], IntType [1] (1 physical), IntNum [25:2], ICID [47:32],
 *                      vPEID [63:48]; then a 32-bit word with Doorbell [23:0]
 *    The spec profile uses these on a GICv4 too: ABI revision 0 has no room for a virtual ITE.
 *
 * The vPE table (GITS_BASER2, GICv4) has one layout, sized by the table's Entry_Size:
 *      VTE (8 bytes, QEMU's): Valid [0], VPT_size [5:1], VPT_addr[51:16] in [41:6],
 *                             RDbase [57:42] (a processor number)
 *      VTE (16 bytes, the spec profile's): those 8, then Default_Doorbell [31:0] and
 *                             VCONF_addr[47:16] in [63:32] (GICv4.1's VMAPP fields)
 *    The RDbase field holds the target PE's number whatever GITS_TYPER.PTA says (with PTA = 1 the
 *    ITS resolves the RDbase of the command first): the format is the implementation's.
 *
 * Decoding works on 32-bit halves so a translation allocates no bigint.
 */

import { memReadU32, memWriteU32 } from '../mem/memory';
import type { MemoryState } from '../mem/memory';

export type TableFormat = 'abi-rev0' | 'qemu';

export interface Dte {
  valid: boolean;
  /** EventID bits - 1. */
  size: number;
  /** ITT byte address. */
  itt: number;
  /** ABI rev 0: offset to the next valid DTE (0 = last). */
  next?: number;
}

export interface Cte {
  valid: boolean;
  /** As stored: a processor number (PTA = 0) or RD address bits [51:16] (PTA = 1). */
  rdbase: number;
  icid?: number;
}

export interface Ite {
  valid: boolean;
  physical: boolean;
  intid: number;
  icid: number;
  vpeid: number;
  doorbell: number;
  next?: number;
}

export const entryBytes = (format: TableFormat, table: 'dte' | 'cte' | 'ite'): number =>
  format === 'qemu' && table === 'ite' ? 12 : 8;

export function readDte(mem: MemoryState, addr: number, format: TableFormat): Dte {
  const lo = memReadU32(mem, addr);
  const hi = memReadU32(mem, addr + 4);
  if (format === 'qemu') {
    return {
      valid: (lo & 1) === 1,
      size: (lo >>> 1) & 0x1f,
      itt: ((lo >>> 6) + (hi & 0x3ffff) * 2 ** 26) * 256,
    };
  }
  return {
    valid: hi >>> 31 === 1,
    size: lo & 0x1f,
    itt: ((lo >>> 5) + (hi & 0x1ffff) * 2 ** 27) * 256,
    next: (hi >>> 17) & 0x3fff,
  };
}

export function writeDte(mem: MemoryState, addr: number, format: TableFormat, d: Dte): void {
  if (!d.valid) {
    memWriteU32(mem, addr, 0);
    memWriteU32(mem, addr + 4, 0);
    return;
  }
  const itt = Math.floor(d.itt / 256);
  if (format === 'qemu') {
    const lo = (1 | ((d.size & 0x1f) << 1) | ((itt % 2 ** 26) << 6)) >>> 0;
    memWriteU32(mem, addr, lo);
    memWriteU32(mem, addr + 4, Math.floor(itt / 2 ** 26) & 0x3ffff);
    return;
  }
  const lo = ((d.size & 0x1f) | ((itt % 2 ** 27) << 5)) >>> 0;
  const hi = ((Math.floor(itt / 2 ** 27) & 0x1ffff) | (((d.next ?? 0) & 0x3fff) << 17) | (1 << 31)) >>> 0;
  memWriteU32(mem, addr, lo);
  memWriteU32(mem, addr + 4, hi);
}

export function readCte(mem: MemoryState, addr: number, format: TableFormat): Cte {
  const lo = memReadU32(mem, addr);
  const hi = memReadU32(mem, addr + 4);
  if (format === 'qemu') return { valid: (lo & 1) === 1, rdbase: (lo >>> 1) & 0xffff };
  return { valid: hi >>> 31 === 1, rdbase: (lo >>> 16) + (hi & 0xfffff) * 0x10000, icid: lo & 0xffff };
}

export function writeCte(mem: MemoryState, addr: number, format: TableFormat, c: Cte): void {
  if (!c.valid) {
    memWriteU32(mem, addr, 0);
    memWriteU32(mem, addr + 4, 0);
    return;
  }
  if (format === 'qemu') {
    memWriteU32(mem, addr, (1 | ((c.rdbase & 0xffff) << 1)) >>> 0);
    memWriteU32(mem, addr + 4, 0);
    return;
  }
  memWriteU32(mem, addr, (((c.icid ?? 0) & 0xffff) | ((c.rdbase % 0x10000) << 16)) >>> 0);
  memWriteU32(mem, addr + 4, ((Math.floor(c.rdbase / 0x10000) & 0xfffff) | (1 << 31)) >>> 0);
}

export function readIte(mem: MemoryState, addr: number, format: TableFormat): Ite {
  const lo = memReadU32(mem, addr);
  const hi = memReadU32(mem, addr + 4);
  if (format === 'qemu') {
    const db = memReadU32(mem, addr + 8);
    return {
      valid: (lo & 1) === 1,
      physical: ((lo >>> 1) & 1) === 1,
      intid: (lo >>> 2) & 0xffffff,
      icid: hi & 0xffff,
      vpeid: hi >>> 16,
      doorbell: db & 0xffffff,
    };
  }
  const intid = (lo >>> 16) + (hi & 0xffff) * 0x10000;
  return {
    valid: intid !== 0,
    physical: true,
    intid,
    icid: lo & 0xffff,
    vpeid: 0,
    doorbell: 1023,
    next: hi >>> 16,
  };
}

/** An entry with Valid clear: what DISCARD and a save of an unmapped collection leave behind. */
export const INVALID_ITE: Ite = { valid: false, physical: true, intid: 0, icid: 0, vpeid: 0, doorbell: 0 };

export function writeIte(mem: MemoryState, addr: number, format: TableFormat, e: Ite): void {
  if (format === 'qemu') {
    if (!e.valid) {
      memWriteU32(mem, addr, 0);
      memWriteU32(mem, addr + 4, 0);
      memWriteU32(mem, addr + 8, 0);
      return;
    }
    memWriteU32(mem, addr, (1 | ((e.physical ? 1 : 0) << 1) | ((e.intid & 0xffffff) << 2)) >>> 0);
    memWriteU32(mem, addr + 4, ((e.icid & 0xffff) | ((e.vpeid & 0xffff) << 16)) >>> 0);
    memWriteU32(mem, addr + 8, e.doorbell & 0xffffff);
    return;
  }
  if (!e.valid) {
    memWriteU32(mem, addr, 0);
    memWriteU32(mem, addr + 4, 0);
    return;
  }
  memWriteU32(mem, addr, ((e.icid & 0xffff) | ((e.intid % 0x10000) << 16)) >>> 0);
  memWriteU32(
    mem,
    addr + 4,
    ((Math.floor(e.intid / 0x10000) & 0xffff) | (((e.next ?? 0) & 0xffff) << 16)) >>> 0,
  );
}

/** A vPE table entry (VMAPP). */
export interface Vte {
  valid: boolean;
  /** VPT_size: the VPT's vINTID bits - 1. */
  vptSize: number;
  /** VPT byte address (64 KiB aligned). */
  vpt: number;
  /** The target redistributor's processor number. */
  rdbase: number;
  /** 16-byte entries (GICv4.1): the vPE's default doorbell pINTID (1023: none). */
  doorbell?: number;
  /** 16-byte entries (GICv4.1): the vLPI configuration table's byte address (64 KiB aligned). */
  vconf?: number;
}

export const INVALID_VTE: Vte = { valid: false, vptSize: 0, vpt: 0, rdbase: 0 };

/** Reads the VTE at `addr` of a vPE table with `bytes`-byte entries (8 or 16). */
export function readVte(mem: MemoryState, addr: number, bytes: number): Vte {
  const lo = memReadU32(mem, addr);
  const hi = memReadU32(mem, addr + 4);
  const v: Vte = {
    valid: (lo & 1) === 1,
    vptSize: (lo >>> 1) & 0x1f,
    vpt: ((lo >>> 6) + (hi & 0x3ff) * 2 ** 26) * 0x10000,
    rdbase: (hi >>> 10) & 0xffff,
  };
  if (bytes >= 16) {
    v.doorbell = memReadU32(mem, addr + 8);
    v.vconf = memReadU32(mem, addr + 12) * 0x10000;
  }
  return v;
}

/** Writes a VTE; an invalid one is all zeros (as QEMU's update_vte writes it). */
export function writeVte(mem: MemoryState, addr: number, bytes: number, v: Vte): void {
  const words = Math.min(bytes, 16) / 4;
  if (!v.valid) {
    for (let i = 0; i < words; i++) memWriteU32(mem, addr + 4 * i, 0);
    return;
  }
  const pa = Math.floor(v.vpt / 0x10000);
  memWriteU32(mem, addr, (1 | ((v.vptSize & 0x1f) << 1) | ((pa % 2 ** 26) << 6)) >>> 0);
  memWriteU32(mem, addr + 4, ((Math.floor(pa / 2 ** 26) & 0x3ff) | ((v.rdbase & 0xffff) << 10)) >>> 0);
  if (words >= 4) {
    memWriteU32(mem, addr + 8, (v.doorbell ?? 0) >>> 0);
    memWriteU32(mem, addr + 12, Math.floor((v.vconf ?? 0) / 0x10000) >>> 0);
  }
}
