import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createMemory, memReadU64 } from '../mem/memory';
import { readCte, readDte, readIte, writeCte, writeDte, writeIte } from './table-formats';

const mem = () => createMemory([{ name: 'ram', base: 0, size: 0x100000 }]);

describe('ITS table entry formats', () => {
  it('lays out a KVM ABI rev 0 DTE as the KVM documentation says', () => {
    const m = mem();
    writeDte(m, 0x100, 'abi-rev0', { valid: true, size: 7, itt: 0x40410000, next: 5 });
    // V [63] | next 5 [62:49] | ITT_addr >> 8 in [48:5] | Size 7
    const expected = (1n << 63n) | (5n << 49n) | ((0x40410000n >> 8n) << 5n) | 7n;
    expect(memReadU64(m, 0x100)).toBe(expected);
    expect(readDte(m, 0x100, 'abi-rev0')).toEqual({ valid: true, size: 7, itt: 0x40410000, next: 5 });
  });

  it('lays out QEMU DTEs, CTEs and 12-byte ITEs like QEMU', () => {
    const m = mem();
    // "Device Table write for DeviceID 0x8: valid 1 size 0x1 ITTaddr 0x4819ba" (address >> 8)
    writeDte(m, 0x0, 'qemu', { valid: true, size: 1, itt: 0x4819ba00 });
    expect(memReadU64(m, 0x0)).toBe(1n | (1n << 1n) | (0x4819ban << 6n));
    writeCte(m, 0x8, 'qemu', { valid: true, rdbase: 1 });
    expect(memReadU64(m, 0x8)).toBe(0b11n);
    writeIte(m, 0x10, 'qemu', {
      valid: true,
      physical: true,
      intid: 0x2001,
      icid: 1,
      vpeid: 0,
      doorbell: 0x3ff,
    });
    expect(memReadU64(m, 0x10)).toBe(1n | 2n | (0x2001n << 2n) | (1n << 32n));
    expect(readIte(m, 0x10, 'qemu')).toEqual({
      valid: true,
      physical: true,
      intid: 0x2001,
      icid: 1,
      vpeid: 0,
      doorbell: 0x3ff,
    });
  });

  it('round-trips every field of every format', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'abi-rev0' | 'qemu'>('abi-rev0', 'qemu'),
        fc.integer({ min: 0, max: 31 }),
        fc.integer({ min: 0, max: 2 ** 40 - 1 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 8192, max: 0xffffff }),
        (format, size, ittPages, icid, intid) => {
          const m = mem();
          const itt = ittPages * 256;
          writeDte(m, 0, format, { valid: true, size, itt });
          const d = readDte(m, 0, format);
          expect([d.valid, d.size, d.itt]).toEqual([true, size, itt]);
          writeCte(m, 16, format, { valid: true, rdbase: icid, icid });
          expect(readCte(m, 16, format).rdbase).toBe(icid);
          const id = format === 'qemu' ? intid : Math.min(intid, 2 ** 32 - 1);
          writeIte(m, 32, format, { valid: true, physical: true, intid: id, icid, vpeid: 0, doorbell: 1023 });
          const e = readIte(m, 32, format);
          expect([e.valid, e.intid, e.icid]).toEqual([true, id, icid]);
          writeIte(m, 32, format, { valid: false, physical: true, intid: 0, icid: 0, vpeid: 0, doorbell: 0 });
          expect(readIte(m, 32, format).valid).toBe(false);
        },
      ),
    );
  });
});
