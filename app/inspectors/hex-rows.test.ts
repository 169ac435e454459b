import { describe, expect, it } from 'vitest';
import type { MemoryDump, MemoryStructure } from '../../engine';
import { asciiOf, hexRows } from './hex-rows';

const queue: MemoryStructure = {
  name: 'its0 command queue',
  kind: 'its-command-queue',
  base: 0x1000,
  size: 0x40,
  owner: 'its0',
};
const itt: MemoryStructure = {
  name: 'its0 ITT of DeviceID 16',
  kind: 'its-itt',
  base: 0x1040,
  size: 0x20,
  owner: 'its0',
  id: 16,
};

function dump(addr: number, len: number, over: Partial<MemoryDump> = {}): MemoryDump {
  return {
    ok: true,
    addr,
    len,
    requested: len,
    capped: false,
    bytes: Array.from({ length: len }, (_, i) => (addr + i) & 0xff),
    ram: [{ addr, len }],
    structures: [queue, itt],
    entries: [
      { addr: 0x1000, size: 32, kind: 'command', label: 'slot 0: MAPD', source: 'memory' },
      { addr: 0x1020, size: 32, kind: 'command', label: 'slot 1: MAPC', source: 'memory' },
      { addr: 0x1058, size: 8, kind: 'ite', label: 'EventID 3', source: 'memory' },
    ],
    ...over,
  };
}

describe('hex rows', () => {
  it('aligns rows on 16 bytes and leaves bytes outside the range empty', () => {
    const d = hexRows(dump(0x1008, 0x20));
    expect(d.rows.map((r) => r.addr)).toEqual([0x1000, 0x1010, 0x1020]);
    expect(d.rows[0]!.cells[7]!.value).toBeNull();
    expect(d.rows[0]!.cells[8]!.value).toBe(0x08);
    expect(d.rows[2]!.cells[7]!.value).toBe(0x27);
    expect(d.rows[2]!.cells[8]!.value).toBeNull();
  });

  it('gives each byte its structure and entry, and says where entries start', () => {
    const d = hexRows(dump(0x1030, 0x30));
    const s = (i: number): string | undefined => d.structures[i]?.name;
    const row30 = d.rows[0]!;
    expect(s(row30.cells[0]!.structure)).toBe('its0 command queue');
    const row50 = d.rows[2]!;
    expect(s(row50.cells[0]!.structure)).toBe('its0 ITT of DeviceID 16');
    expect(row50.cells[7]!.entry).toBe(-1);
    expect(d.entries[row50.cells[8]!.entry]!.label).toBe('EventID 3');
    // The slot-1 command began before the range: the view names it in the first row.
    expect(row30.starts.map((k) => d.entries[k]!.label)).toEqual(['slot 1: MAPC']);
    expect(row50.starts.map((k) => d.entries[k]!.label)).toEqual(['EventID 3']);
    expect(d.rows[1]!.structures.map(s)).toEqual(['its0 ITT of DeviceID 16']);
    // Past the ITT, nothing.
    expect(hexRows(dump(0x1060, 0x10)).rows[0]!.cells[0]!.structure).toBe(-1);
  });

  it('marks the bytes that are not RAM', () => {
    const d = hexRows(dump(0x1000, 0x20, { ram: [{ addr: 0x1010, len: 0x10 }] }));
    expect(d.rows[0]!.cells[0]!.ram).toBe(false);
    expect(d.rows[1]!.cells[0]!.ram).toBe(true);
    expect(hexRows(dump(0x1000, 0)).rows).toEqual([]);
  });

  it('prints ASCII', () => {
    expect(asciiOf(0x41)).toBe('A');
    expect(asciiOf(0)).toBe('.');
    expect(asciiOf(null)).toBe(' ');
  });
});
