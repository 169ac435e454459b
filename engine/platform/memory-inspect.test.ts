/**
 * The memory inspector (memory-inspect.ts): the structures the GIC and the ITS keep in guest RAM,
 * found through the registers that describe them, and a hex view with those structures and their
 * entries named. Machines are built from the bring-up and S7 of
 * public/scenarios/conformance/kut-c27-its-int-dev2.json, run through the engine; the expected
 * addresses and sizes come from that scenario (tables at 0x40100000, 0x40110000, the queue at
 * 0x40120000, the property table at 0x40130000 with IDbits 13, pending tables at 0x40200000 +
 * 64 KiB per PE, ITTs at 0x40300000 and 0x40301000 for 2^8 events).
 */

import { describe, expect, it } from 'vitest';
import { memoryMap, readMemory, type MemoryStructure } from './memory-inspect';
import { serialiseState } from './migrate';
import { bringUp, c27, machine, ok, PROFILES } from '../scenario/inspect-fixture';

const shape = (s: MemoryStructure): [string, number, number, string] => [s.kind, s.base, s.size, s.owner];

describe('memoryMap', () => {
  for (const profile of PROFILES)
    it(`${profile}: the queue, the tables, each mapped device's ITT and the LPI tables`, () => {
      const map = memoryMap(c27(profile));
      expect(map.ram).toEqual([{ name: 'ram0', base: 0x4000_0000, size: 0x4000_0000 }]);
      const itt = profile === 'qemu' ? 256 * 12 : 256 * 8;
      expect(map.structures.map(shape)).toEqual([
        ['its-device-table', 0x4010_0000, 0x10000, 'its0'],
        ['its-collection-table', 0x4011_0000, 0x10000, 'its0'],
        ['its-command-queue', 0x4012_0000, 0x10000, 'its0'],
        // One property table, shared by every redistributor (IDbits 13: LPIs 8192..16383).
        ['lpi-property-table', 0x4013_0000, 8192, 'rd0 rd1 rd2 rd3'],
        ...[0, 1, 2, 3].map((c): [string, number, number, string] => [
          'lpi-pending-table',
          0x4020_0000 + c * 0x10000,
          2048,
          `rd${c}`,
        ]),
        ['its-itt', 0x4030_0000, itt, 'its0'],
        ['its-itt', 0x4030_1000, itt, 'its0'],
      ]);
      expect(map.structures.find((s) => s.kind === 'its-itt')).toMatchObject({
        id: 2,
        source: profile === 'kvm' ? 'kvm lists' : 'memory',
      });
      expect(map.capped).toBe(false);
    });

  it('at reset nothing points into RAM: no structures', () => {
    expect(memoryMap(machine('spec', [[]])).structures).toEqual([]);
  });

  it('a two-level device table: its level-1 table and the level-2 pages valid entries point at', () => {
    const m = machine('spec', [
      bringUp().map((l) =>
        l.startsWith('write64 GITS_BASER0') ? 'write64 GITS_BASER0 0xc907000040100000' : l,
      ),
      ['mem write64 0x40100008 0x8000000040500000', 'its MAPD DeviceID=600 Size=3 ITT_addr=0x40302000 V=1'],
    ]);
    const s = memoryMap(m).structures;
    expect(s.filter((x) => x.kind.startsWith('its-device')).map(shape)).toEqual([
      ['its-device-l1', 0x4010_0000, 0x1000, 'its0'],
      ['its-device-l2', 0x4050_0000, 0x1000, 'its0'],
    ]);
    expect(s.find((x) => x.kind === 'its-itt')).toMatchObject({ base: 0x4030_2000, size: 16 * 8, id: 600 });
  });
});

describe('readMemory', () => {
  it('the queue: bytes as stored, the structure, and the commands in the range', () => {
    const m = c27('spec');
    const d = ok(readMemory(m, 0x4012_0000, 96));
    expect(d).toMatchObject({ addr: 0x4012_0000, len: 96, requested: 96, capped: false });
    // MAPD DeviceID=2: DW0 = 0x0000000200000008, little-endian.
    expect(d.bytes.slice(0, 8)).toEqual([0x08, 0, 0, 0, 0x02, 0, 0, 0]);
    expect(d.ram).toEqual([{ addr: 0x4012_0000, len: 96 }]);
    expect(d.structures.map((s) => s.name)).toEqual(['its0 command queue']);
    expect(d.entries.map((e) => [e.addr, e.kind, e.label])).toEqual([
      [
        0x4012_0000,
        'command',
        'its0 queue slot 0 (consumed): MAPD DeviceID=0x2 Size=0x7 ITT_addr=0x40300000 V=0x1',
      ],
      [
        0x4012_0020,
        'command',
        'its0 queue slot 1 (consumed): MAPD DeviceID=0x7 Size=0x7 ITT_addr=0x40301000 V=0x1',
      ],
      [0x4012_0040, 'command', 'its0 queue slot 2 (consumed): MAPC ICID=0x3 RDbase=0x3 V=0x1'],
    ]);
  });

  for (const profile of PROFILES)
    it(`${profile}: the device table's DTE of DeviceID 2 ${profile === 'kvm' ? 'is in memory only after a save' : 'is in memory'}`, () => {
      const dte = 0x4010_0000 + 2 * 8;
      const m = c27(profile);
      const d = ok(readMemory(m, dte, 8));
      expect(d.structures.map((s) => s.kind)).toEqual(['its-device-table']);
      expect(d.entries).toHaveLength(1);
      expect(d.entries[0]).toMatchObject({ addr: dte, size: 8, kind: 'dte' });
      expect(d.entries[0]!.label).toMatch(/^its0 DTE of DeviceID 2: ITT 0x40300000, 8 EventID bits/);
      if (profile === 'kvm') {
        // KVM keeps the device in its lists: memory is still zero until the tables are saved.
        expect(d.entries[0]!.source).toBe('kvm lists');
        expect(d.bytes.every((b) => b === 0)).toBe(true);
        const saved = ok(readMemory(c27(profile, ['migrate']), dte, 8));
        expect(saved.bytes.some((b) => b !== 0)).toBe(true);
      } else {
        expect(d.entries[0]!.source).toBe('memory');
        expect(d.bytes.some((b) => b !== 0)).toBe(true);
      }
    });

  it("qemu: 12-byte ITEs, named in the device's ITT", () => {
    const m = c27('qemu');
    const at = 0x4030_0000 + 20 * 12;
    const d = ok(readMemory(m, at - 4, 20));
    expect(d.structures.map((s) => s.name)).toEqual(['its0 ITT of DeviceID 2']);
    expect(d.entries).toEqual([
      {
        addr: at,
        size: 12,
        kind: 'ite',
        label: 'its0 ITE of DeviceID 2 EventID 20: LPI 8195, collection 3',
        source: 'memory',
      },
    ]);
  });

  it('caps the range at 4 KiB, and says which parts are RAM', () => {
    const m = c27('kvm');
    const big = ok(readMemory(m, 0x4000_0000, 10_000));
    expect(big).toMatchObject({ len: 4096, requested: 10_000, capped: true });
    expect(big.bytes).toHaveLength(4096);
    const edge = ok(readMemory(m, 0x3fff_fff0, 32));
    expect(edge.ram).toEqual([{ addr: 0x4000_0000, len: 16 }]);
    expect(edge.bytes).toHaveLength(32);
    expect(ok(readMemory(m, 0x0800_0000, 16)).ram).toEqual([]); // the distributor: not RAM
    expect(ok(readMemory(m, 0x4000_0000, 0))).toMatchObject({
      len: 0,
      bytes: [],
      structures: [],
      entries: [],
    });
  });

  it('bad addresses and lengths are errors, not exceptions', () => {
    const m = c27('spec');
    for (const r of [
      readMemory(m, -1, 4),
      readMemory(m, 1.5, 4),
      readMemory(m, Number.NaN, 4),
      readMemory(m, 0x4000_0000, -1),
      readMemory(m, 0x4000_0000, Number.NaN),
    ])
      expect(r).toMatchObject({ ok: false, error: expect.any(String) as string });
  });

  for (const profile of PROFILES)
    it(`${profile}: reading memory and the map changes nothing and emits nothing`, () => {
      const m = c27(profile, ['msi rid=2 20']);
      const before = serialiseState(m.s);
      const seq = m.seq;
      const pages = m.s.mem.pages.size;
      memoryMap(m);
      for (const s of memoryMap(m).structures) readMemory(m, s.base, 4096);
      readMemory(m, 0, 4096); // not RAM
      expect(m.seq).toBe(seq);
      expect(m.s.mem.pages.size).toBe(pages);
      expect(serialiseState(m.s)).toBe(before);
    });
});
