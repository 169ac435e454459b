/**
 * The memory inspector's hex dump, as rows of 16 bytes aligned on 16, each byte knowing which
 * structure (command queue, device table, ITT, LPI tables...) and which entry (a queue slot, a DTE,
 * an ITE...) it belongs to, so the view can tint and name them. Built from the engine's MemoryDump;
 * pure, tested in hex-rows.test.ts.
 */

import type { MemoryDump, MemoryEntry, MemoryStructure } from '../../engine';

export const ROW_BYTES = 16;

export interface HexCell {
  addr: number;
  /** The byte, or null when the address is outside the range read. */
  value: number | null;
  /** The address is RAM (bytes outside RAM read as 0 and are shown dimmed). */
  ram: boolean;
  /** Index in `structures` of the smallest structure holding the byte (-1: none). */
  structure: number;
  /** Index in `entries` of the entry holding the byte (-1: none). */
  entry: number;
}

export interface HexRow {
  addr: number;
  cells: HexCell[];
  /** Indexes in `structures` of the structures overlapping the row's bytes in range, by base. */
  structures: number[];
  /** Indexes in `entries` of the entries that start in this row. */
  starts: number[];
}

export interface HexDump {
  rows: HexRow[];
  structures: MemoryStructure[];
  entries: MemoryEntry[];
}

const contains = (base: number, size: number, a: number): boolean => a >= base && a < base + size;

/** The smallest of `list` holding address a (-1: none). */
function smallest(list: readonly { base: number; size: number }[], a: number): number {
  let best = -1;
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    if (contains(s.base, s.size, a) && (best < 0 || s.size < list[best]!.size)) best = i;
  }
  return best;
}

/** Rows of 16 bytes covering the dump, with each byte's structure and entry. */
export function hexRows(
  dump: Pick<MemoryDump, 'addr' | 'len' | 'bytes' | 'ram' | 'structures' | 'entries'>,
): HexDump {
  const { addr, len, bytes, ram } = dump;
  const structures = [...dump.structures].sort((a, b) => a.base - b.base || a.size - b.size);
  const entries = [...dump.entries].sort((a, b) => a.addr - b.addr);
  const entryBoxes = entries.map((e) => ({ base: e.addr, size: e.size }));
  const rows: HexRow[] = [];
  if (len <= 0) return { rows, structures, entries };
  const first = Math.floor(addr / ROW_BYTES) * ROW_BYTES;
  const end = addr + len;
  const isRam = (a: number): boolean => ram.some((r) => contains(r.addr, r.len, a));
  for (let row = first; row < end; row += ROW_BYTES) {
    const cells: HexCell[] = [];
    const inRow = new Set<number>();
    for (let i = 0; i < ROW_BYTES; i++) {
      const a = row + i;
      const inside = a >= addr && a < end;
      const structure = inside ? smallest(structures, a) : -1;
      if (inside)
        structures.forEach((s, k) => {
          if (contains(s.base, s.size, a)) inRow.add(k);
        });
      cells.push({
        addr: a,
        value: inside ? (bytes[a - addr] ?? 0) : null,
        ram: inside && isRam(a),
        structure,
        entry: inside ? smallest(entryBoxes, a) : -1,
      });
    }
    const starts: number[] = [];
    entries.forEach((e, k) => {
      // An entry that began before the range starts, for the view, in the first row.
      if (e.addr + e.size <= addr) return;
      const at = Math.max(e.addr, addr);
      if (at >= row && at < row + ROW_BYTES && at < end) starts.push(k);
    });
    rows.push({ addr: row, cells, structures: [...inRow].sort((a, b) => a - b), starts });
  }
  return { rows, structures, entries };
}

/** Printable ASCII of a byte for the dump's text column ('.' for the rest). */
export const asciiOf = (b: number | null): string =>
  b === null ? ' ' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
