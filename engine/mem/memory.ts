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

/** Fills [addr, addr+len) with `byte`; zero fills of untouched pages cost nothing. */
export function memFill(mem: MemoryState, addr: number, len: number, byte: number): void {
  let a = addr;
  const end = addr + len;
  while (a < end) {
    const pn = Math.floor(a / PAGE_SIZE);
    const o = a - pn * PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - o, end - a);
    if (byte === 0 && !mem.pages.has(pn)) {
      a += n;
      continue;
    }
    pageForWrite(mem, pn).fill(byte & 0xff, o, o + n);
    a += n;
  }
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
