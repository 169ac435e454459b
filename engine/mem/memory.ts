/**
 * Sparse, little-endian physical memory: guest RAM, where the GIC's tables and the ITS command
 * queue live.
 *
 * RAM is a list of regions; an access outside every region is a fault (what QEMU reports as a
 * MEMTX error and what KVM's "guest page visible" check refuses). Inside RAM, memory is stored in
 * 4 KiB pages created on first write; unwritten RAM reads as zero, like fresh guest RAM.
 *
 * Snapshots share pages copy-on-write: `memShare` hands out the current page map and forgets which
 * pages this state owns, so the next write to any page copies it first. A history of a million
 * steps therefore costs one page copy per page actually written between snapshots, not a copy of
 * all of RAM per snapshot.
 *
 * Addresses are JS numbers: exact up to 2^53, beyond the architecture's 52-bit physical addresses.
 */

export const PAGE_SIZE = 4096;

export interface MemoryRegion {
  name: string;
  base: number;
  size: number;
}

export interface MemoryState {
  regions: MemoryRegion[];
  pages: Map<number, Uint8Array>;
  /** Pages this state may write in place (not shared with any snapshot). */
  owned: Set<number>;
}

export function createMemory(regions: MemoryRegion[]): MemoryState {
  return { regions: regions.map((r) => ({ ...r })), pages: new Map(), owned: new Set() };
}

/** True when [addr, addr+len) lies wholly inside one RAM region. */
export function memVisible(mem: MemoryState, addr: number, len: number): boolean {
  if (!Number.isSafeInteger(addr) || addr < 0) return false;
  for (const r of mem.regions) if (addr >= r.base && addr + len <= r.base + r.size) return true;
  return false;
}

/** How many bytes from `addr` on, up to `len`, lie in the RAM region holding `addr` (0: none). */
export function memVisiblePrefix(mem: MemoryState, addr: number, len: number): number {
  if (!Number.isSafeInteger(addr) || addr < 0) return 0;
  for (const r of mem.regions)
    if (addr >= r.base && addr < r.base + r.size) return Math.min(len, r.base + r.size - addr);
  return 0;
}

function pageForWrite(mem: MemoryState, pn: number): Uint8Array {
  let p = mem.pages.get(pn);
  if (p && mem.owned.has(pn)) return p;
  p = p ? p.slice() : new Uint8Array(PAGE_SIZE);
  mem.pages.set(pn, p);
  mem.owned.add(pn);
  return p;
}

/** Reads one byte (0 for unwritten RAM). The caller checks visibility where faults matter. */
export function memReadU8(mem: MemoryState, addr: number): number {
  const pn = Math.floor(addr / PAGE_SIZE);
  const p = mem.pages.get(pn);
  return p ? p[addr - pn * PAGE_SIZE]! : 0;
}

export function memWriteU8(mem: MemoryState, addr: number, v: number): void {
  const pn = Math.floor(addr / PAGE_SIZE);
  pageForWrite(mem, pn)[addr - pn * PAGE_SIZE] = v & 0xff;
}

/** Little-endian 32-bit read. */
export function memReadU32(mem: MemoryState, addr: number): number {
  const pn = Math.floor(addr / PAGE_SIZE);
  const o = addr - pn * PAGE_SIZE;
  if (o <= PAGE_SIZE - 4) {
    const p = mem.pages.get(pn);
    if (!p) return 0;
    return (p[o]! | (p[o + 1]! << 8) | (p[o + 2]! << 16) | (p[o + 3]! << 24)) >>> 0;
  }
  let v = 0;
  for (let i = 3; i >= 0; i--) v = v * 256 + memReadU8(mem, addr + i);
  return v;
}

export function memWriteU32(mem: MemoryState, addr: number, v: number): void {
  const pn = Math.floor(addr / PAGE_SIZE);
  const o = addr - pn * PAGE_SIZE;
  if (o <= PAGE_SIZE - 4) {
    const p = pageForWrite(mem, pn);
    p[o] = v & 0xff;
    p[o + 1] = (v >>> 8) & 0xff;
    p[o + 2] = (v >>> 16) & 0xff;
    p[o + 3] = (v >>> 24) & 0xff;
    return;
  }
  for (let i = 0; i < 4; i++) memWriteU8(mem, addr + i, (v >>> (8 * i)) & 0xff);
}

export function memReadU64(mem: MemoryState, addr: number): bigint {
  return (BigInt(memReadU32(mem, addr + 4)) << 32n) | BigInt(memReadU32(mem, addr));
}

export function memWriteU64(mem: MemoryState, addr: number, v: bigint): void {
  memWriteU32(mem, addr, Number(v & 0xffffffffn));
  memWriteU32(mem, addr + 4, Number((v >> 32n) & 0xffffffffn));
}

export function memReadBytes(mem: MemoryState, addr: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = memReadU8(mem, addr + i);
  return out;
}

export function memWriteBytes(mem: MemoryState, addr: number, bytes: ArrayLike<number>): void {
  for (let i = 0; i < bytes.length; i++) memWriteU8(mem, addr + i, bytes[i]!);
}

/** Splits [addr, addr+len) at page boundaries: fn(page number, offset in page, bytes, offset in range). */
function forEachPageSpan(
  addr: number,
  len: number,
  fn: (pn: number, o: number, n: number, at: number) => void,
): void {
  let a = addr;
  const end = addr + len;
  while (a < end) {
    const pn = Math.floor(a / PAGE_SIZE);
    const o = a - pn * PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - o, end - a);
    fn(pn, o, n, a - addr);
    a += n;
  }
}

/** Fills [addr, addr+len) with `byte`; zero fills of untouched pages cost nothing. */
export function memFill(mem: MemoryState, addr: number, len: number, byte: number): void {
  forEachPageSpan(addr, len, (pn, o, n) => {
    if (byte === 0 && !mem.pages.has(pn)) return;
    pageForWrite(mem, pn).fill(byte & 0xff, o, o + n);
  });
}

/**
 * Calls `fn(bit)` for each set bit of the bitmap in [addr, addr+len), in ascending order; bit n is
 * bit n%8 of byte n/8. Unwritten pages are skipped and zero words cost one read, so scanning a
 * sparse pending table (QEMU rescans one on every acknowledge) costs about the table's size / 4.
 */
export function memForEachSetBit(
  mem: MemoryState,
  addr: number,
  len: number,
  fn: (bit: number) => void,
): void {
  forEachPageSpan(addr, len, (pn, o, n, at) => {
    const p = mem.pages.get(pn);
    if (!p) return;
    const first = (at - o) * 8;
    let i = o;
    const stop = o + n;
    // Byte by byte up to a 4-byte boundary, then word by word, then the tail byte by byte.
    const words = (p.byteOffset & 3) === 0 ? new Int32Array(p.buffer, p.byteOffset, PAGE_SIZE / 4) : null;
    while (i < stop && (!words || (i & 3) !== 0 || stop - i < 4)) i = scanByte(p, i, first, fn);
    if (words)
      for (; i + 4 <= stop; i += 4) {
        if (words[i >> 2] === 0) continue;
        for (let k = i; k < i + 4; k++) scanByte(p, k, first, fn);
      }
    while (i < stop) i = scanByte(p, i, first, fn);
  });
}

function scanByte(p: Uint8Array, i: number, first: number, fn: (bit: number) => void): number {
  const v = p[i]!;
  if (v !== 0) for (let b = 0; b < 8; b++) if ((v >> b) & 1) fn(first + i * 8 + b);
  return i + 1;
}

/**
 * Returns a memory state that shares every page with `mem`, for a snapshot or a restore. Both
 * sides copy a page before writing it again.
 */
export function memShare(mem: MemoryState): MemoryState {
  mem.owned.clear();
  return { regions: mem.regions.map((r) => ({ ...r })), pages: new Map(mem.pages), owned: new Set() };
}

/** Number of bytes held in pages (a memory-use figure for benchmarks and the inspector). */
export function memResidentBytes(mem: MemoryState): number {
  return mem.pages.size * PAGE_SIZE;
}
