import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  createMemory,
  memFill,
  memForEachSetBit,
  memReadBytes,
  memReadU32,
  memReadU64,
  memReadU8,
  memShare,
  memVisible,
  memWriteBytes,
  memWriteU32,
  memWriteU64,
  memWriteU8,
  PAGE_SIZE,
} from './memory';

const ram = () => createMemory([{ name: 'ram', base: 0x4000_0000, size: 0x100_0000 }]);

describe('sparse memory', () => {
  it('reads unwritten RAM as zero and stores little-endian', () => {
    const m = ram();
    expect(memReadU32(m, 0x4000_0000)).toBe(0);
    memWriteU32(m, 0x4000_0010, 0x11223344);
    expect(memReadU8(m, 0x4000_0010)).toBe(0x44);
    expect(memReadU8(m, 0x4000_0013)).toBe(0x11);
    memWriteU64(m, 0x4000_0020, 0x8000_0000_0003_0003n);
    expect(memReadU64(m, 0x4000_0020)).toBe(0x8000_0000_0003_0003n);
    expect(memReadU32(m, 0x4000_0024)).toBe(0x8000_0000);
  });

  it('handles accesses that straddle a page boundary', () => {
    const m = ram();
    const a = 0x4000_0000 + PAGE_SIZE - 2;
    memWriteU32(m, a, 0xdeadbeef);
    expect(memReadU32(m, a)).toBe(0xdeadbeef);
    expect(memReadU8(m, a + 3)).toBe(0xde);
  });

  it('knows what is RAM and what is not', () => {
    const m = ram();
    expect(memVisible(m, 0x4000_0000, 8)).toBe(true);
    expect(memVisible(m, 0x40ff_fff8, 8)).toBe(true);
    expect(memVisible(m, 0x40ff_fffc, 8)).toBe(false);
    expect(memVisible(m, 0x3fff_fff8, 8)).toBe(false);
    expect(memVisible(m, -8, 8)).toBe(false);
  });

  it('shares pages copy-on-write between a snapshot and the live state', () => {
    const m = ram();
    memWriteU32(m, 0x4000_0000, 1);
    const snap = memShare(m);
    memWriteU32(m, 0x4000_0000, 2);
    expect(memReadU32(snap, 0x4000_0000)).toBe(1);
    expect(memReadU32(m, 0x4000_0000)).toBe(2);
    const restored = memShare(snap);
    memWriteU32(restored, 0x4000_0000, 3);
    expect(memReadU32(snap, 0x4000_0000)).toBe(1);
    expect(memReadU32(restored, 0x4000_0000)).toBe(3);
  });

  it('fills and reads back byte ranges', () => {
    const m = ram();
    memFill(m, 0x4000_0ff0, 0x20, 0xa3);
    expect([...memReadBytes(m, 0x4000_0fee, 4)]).toEqual([0, 0, 0xa3, 0xa3]);
    memFill(m, 0x4000_0ff0, 0x20, 0);
    expect(memReadU32(m, 0x4000_0ff0)).toBe(0);
  });

  it('behaves like a flat byte array under random writes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 3 * PAGE_SIZE - 8 }),
            fc.uint8Array({ minLength: 1, maxLength: 8 }),
          ),
        ),
        (writes) => {
          const m = ram();
          const flat = new Uint8Array(3 * PAGE_SIZE);
          for (const [off, bytes] of writes) {
            memWriteBytes(m, 0x4000_0000 + off, bytes);
            flat.set(bytes, off);
          }
          expect([...memReadBytes(m, 0x4000_0000, flat.length)]).toEqual([...flat]);
        },
      ),
    );
  });

  it('finds the set bits of a bitmap as a byte-by-byte scan does, across pages and alignments', () => {
    const base = 0x4000_0000 + 3 * PAGE_SIZE;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 * PAGE_SIZE }), fc.integer({ min: 1, max: 255 })), {
          maxLength: 40,
        }),
        fc.integer({ min: 0, max: 2 * PAGE_SIZE }),
        fc.integer({ min: 0, max: 2 * PAGE_SIZE }),
        (writes, start, len) => {
          const m = ram();
          for (const [off, v] of writes) memWriteU8(m, base + off, v);
          const found: number[] = [];
          memForEachSetBit(m, base + start, len, (b) => found.push(b));
          const expected: number[] = [];
          for (let i = 0; i < len; i++) {
            const v = memReadU8(m, base + start + i);
            for (let b = 0; b < 8; b++) if ((v >> b) & 1) expected.push(i * 8 + b);
          }
          expect(found).toEqual(expected);
        },
      ),
    );
  });
});
