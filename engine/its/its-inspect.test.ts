/**
 * The ITS inspector views (its-inspect.ts) say what the ITS's state is, read from where each
 * profile keeps it: KVM's lists under kvm, the tables in memory under qemu and spec.
 *
 * Machines are built by running command-language scenarios through the engine, starting from the
 * bring-up of public/scenarios/conformance/kut-c27-its-int-dev2.json (S1, S4, S5: ITS tables, a
 * 64 KiB command queue, property and pending tables, EnableLPIs, ITS on) and its S7 (devices 2 and
 * 7, collections 3 and 2, two MAPTIs). The expected values come from that scenario and from the
 * table layouts (KVM ABI revision 0: 8-byte DTE/CTE/ITE; QEMU: 12-byte ITE), not from the views.
 */

import { describe, expect, it } from 'vitest';
import { serialiseState } from '../platform/migrate';
import { cache, collections, devices, inspectIts, itt, queueSlots } from './its-inspect';
import { viewCte, viewDte, viewIte } from './table-view';
import { bringUp, c27, machine, ok, PROFILES, type Profile } from '../scenario/inspect-fixture';

const DEVICE_TABLE = 0x4010_0000;
const COLLECTION_TABLE = 0x4011_0000;
const QUEUE = 0x4012_0000;

const ITE_BYTES: Record<Profile, number> = { kvm: 8, qemu: 12, spec: 8 };

describe("after C27's setup", () => {
  for (const profile of PROFILES) {
    const source = profile === 'kvm' ? 'kvm lists' : 'memory';

    it(`${profile}: devices 2 and 7 with their ITTs, read from ${source}`, () => {
      const m = c27(profile);
      const d = ok(devices(m, 0));
      expect(d.source).toBe(source);
      expect(d.capped).toBe(false);
      expect(
        d.devices.map(({ devid, itt: a, eventIdBits, dte }) => ({ devid, itt: a, eventIdBits, dte })),
      ).toEqual([
        { devid: 2, itt: 0x4030_0000, eventIdBits: 8, dte: DEVICE_TABLE + 2 * 8 },
        { devid: 7, itt: 0x4030_1000, eventIdBits: 8, dte: DEVICE_TABLE + 7 * 8 },
      ]);
      expect(d.table).toMatchObject({
        typeName: 'Devices',
        valid: true,
        indirect: false,
        base: DEVICE_TABLE,
      });

      const i2 = ok(itt(m, 0, 2));
      expect(i2).toMatchObject({ source, mapped: true, itt: 0x4030_0000, eventIdBits: 8 });
      expect(i2.events).toEqual([
        {
          eventid: 20,
          intid: 8195,
          icid: 3,
          addr: 0x4030_0000 + 20 * ITE_BYTES[profile],
          target: 3,
          physical: true,
        },
      ]);
      const i7 = ok(itt(m, 0, 7));
      expect(i7.events.map((e) => [e.eventid, e.intid, e.icid, e.target])).toEqual([[255, 8196, 2, 2]]);

      // What the views list is what the ITS's own lookups find.
      const its = m.s.its[0]!;
      for (const dev of d.devices) expect(viewDte(m, its, dev.devid)).toMatchObject({ itt: dev.itt });
      for (const e of i2.events)
        expect(viewIte(m, its, 2, e.eventid)).toEqual({ intid: e.intid, icid: e.icid });
      expect(ok(itt(m, 0, 3))).toMatchObject({ mapped: false, events: [] });
    });

    it(`${profile}: collections 2 and 3 and where their entries are`, () => {
      const m = c27(profile);
      const c = ok(collections(m, 0));
      expect(c.source).toBe(source);
      // KVM packs its collections in list order when it saves (3 was mapped first); the tables in
      // memory index them by ICID.
      const addr =
        profile === 'kvm'
          ? { 2: COLLECTION_TABLE + 8, 3: COLLECTION_TABLE }
          : { 2: COLLECTION_TABLE + 2 * 8, 3: COLLECTION_TABLE + 3 * 8 };
      expect(c.collections).toEqual([
        { icid: 2, target: 2, rdbase: 2, addr: addr[2] },
        { icid: 3, target: 3, rdbase: 3, addr: addr[3] },
      ]);
      for (const col of c.collections)
        expect(viewCte(m, m.s.its[0]!, col.icid)).toEqual({ valid: true, target: col.target });
    });

    it(`${profile}: registers decoded, the queue's CREADR and CWRITER after eight commands`, () => {
      const m = c27(profile);
      const v = ok(inspectIts(m, 0));
      expect(v.source).toBe(source);
      expect(v.ctlr.enabled).toBe(true);
      // Quiescent: KVM when CREADR == CWRITER; QEMU always; the spec model only while disabled.
      expect(v.ctlr.quiescent).toBe(profile !== 'spec');
      expect(v.cbaser).toMatchObject({ valid: true, base: QUEUE, size: 0x10000 });
      // KVM sanitises the attributes: InnerCache RaWb (0b011) for a write of 0 (non-cacheable).
      expect(v.cbaser.value).toBe(profile === 'kvm' ? '0x980000004012000f' : '0x800000004012000f');
      expect(v.creadr).toMatchObject({ offset: 0x100, stalled: false, value: '0x100' });
      expect(v.creadr.stallReason).toBeUndefined();
      expect(v.cwriter).toMatchObject({ offset: 0x100, retry: false });
      expect(v.queue).toMatchObject({ slots: 2048, readSlot: 8, writeSlot: 8, waiting: 0 });
      expect(v.queue.blocked).toBeUndefined();
      expect(v.basers[0]).toMatchObject({
        type: 1,
        typeName: 'Devices',
        valid: true,
        indirect: false,
        pageSize: 0x10000,
        pages: 1,
        entrySize: 8,
        base: DEVICE_TABLE,
      });
      expect(v.basers[1]).toMatchObject({ typeName: 'Collections', valid: true, base: COLLECTION_TABLE });
      expect(v.basers[2]).toMatchObject({ typeName: 'Unimplemented', valid: false, value: '0x0' });
      expect(v.basers[0]!.fields.find((f) => f.name === 'Type')?.value).toBe(1);
      expect(v.typer).toMatchObject({
        physical: true,
        eventIdBits: 16,
        deviceIdBits: 16,
        ittEntrySize: ITE_BYTES[profile],
      });

      const q = ok(queueSlots(m, 0, 0, 10));
      expect(q.window.map((s) => s.command)).toEqual([
        'MAPD',
        'MAPD',
        'MAPC',
        'MAPC',
        'INVALL',
        'INVALL',
        'MAPTI',
        'MAPTI',
        'UNKNOWN',
        'UNKNOWN',
      ]);
      expect(q.window.every((s) => s.state === 'consumed')).toBe(true);
      expect(q.window[0]!.dws).toEqual([
        '0x0000000200000008',
        '0x0000000000000007',
        '0x8000000040300000',
        '0x0000000000000000',
      ]);
      expect(q.window[6]!.fields).toEqual({
        DeviceID: '0x2',
        EventID: '0x14',
        pINTID: '0x2003',
        ICID: '0x3',
      });
      expect(q.window[6]!.text).toBe('MAPTI DeviceID=0x2 EventID=0x14 pINTID=0x2003 ICID=0x3');
      expect(q.window[8]).toMatchObject({
        slot: 8,
        atCreadr: true,
        atCwriter: true,
        empty: true,
        addr: QUEUE + 256,
      });
      expect(q.window.filter((s) => s.atCreadr).length).toBe(1);
    });
  }
});

describe('the command queue as a ring', () => {
  for (const profile of PROFILES) {
    it(`${profile}: commands written while the ITS is disabled are waiting between CREADR and CWRITER`, () => {
      const m = c27(profile, [
        'write GITS_CTLR 0',
        'its INT DeviceID=2 EventID=20',
        'its INT DeviceID=7 EventID=255',
      ]);
      const v = ok(inspectIts(m, 0));
      expect(v.queue).toMatchObject({ readSlot: 8, writeSlot: 10, waiting: 2 });
      expect(v.queue.blocked).toMatch(/disabled/);
      const q = ok(queueSlots(m, 0, 7, 4));
      expect(q.window.map((s) => [s.slot, s.state, s.command])).toEqual([
        [7, 'consumed', 'MAPTI'],
        [8, 'waiting', 'INT'],
        [9, 'waiting', 'INT'],
        [10, 'consumed', 'UNKNOWN'],
      ]);
      expect(q.window[1]!.atCreadr).toBe(true);
      expect(q.window[3]!.atCwriter).toBe(true);
      // The window wraps at the end of the ring.
      expect(ok(queueSlots(m, 0, 2047, 3)).window.map((s) => s.slot)).toEqual([2047, 0, 1]);
      // Enabling the ITS drains them.
      const m2 = c27(profile, ['write GITS_CTLR 0', 'its INT DeviceID=2 EventID=20', 'write GITS_CTLR 1']);
      expect(ok(inspectIts(m2, 0)).queue).toMatchObject({ readSlot: 9, writeSlot: 9, waiting: 0 });
    });

    it(`${profile}: a command that fails a check ${profile === 'spec' ? 'stalls the queue and the view says why' : 'is passed over'}`, () => {
      const m = c27(profile, ['its MAPTI DeviceID=9 EventID=0 pINTID=8200 ICID=3']);
      const v = ok(inspectIts(m, 0));
      if (profile === 'spec') {
        expect(v.creadr.stalled).toBe(true);
        expect(v.creadr.stallReason).toMatch(/E_ITS_MAPTI_UNMAPPED_DEVICE/);
        expect(v.queue).toMatchObject({ readSlot: 8, writeSlot: 9, waiting: 1 });
        expect(v.queue.blocked).toMatch(/stalled/);
        const slot = ok(queueSlots(m, 0, 8, 1)).window[0]!;
        expect(slot).toMatchObject({ command: 'MAPTI', state: 'waiting', stalled: true, atCreadr: true });
      } else {
        expect(v.creadr.stalled).toBe(false);
        expect(v.queue).toMatchObject({ readSlot: 9, writeSlot: 9, waiting: 0 });
      }
    });
  }
});

describe('the translation cache', () => {
  const msis = ['msi rid=2 20', 'msi rid=7 255', 'msi rid=2 20'];

  it('kvm: filled by translations, in the order they filled it', () => {
    const c = ok(cache(c27('kvm', msis), 0));
    expect(c).toMatchObject({ policy: 'per-its-unbounded', capacity: null });
    expect(c.entries).toEqual([
      { devid: 2, eventid: 20, intid: 8195, cpu: 3, icid: 3 },
      { devid: 7, eventid: 255, intid: 8196, cpu: 2, icid: 2 },
    ]);
  });

  it('spec: least recently used first (a hit moves an entry to the end)', () => {
    const c = ok(cache(c27('spec', msis), 0));
    expect(c.policy).toBe('bounded-lru');
    expect(c.capacity).toBeGreaterThan(0);
    expect(c.entries.map((e) => `${e.devid}/${e.eventid}`)).toEqual(['7/255', '2/20']);
  });

  it('qemu: there is none', () => {
    const c = ok(cache(c27('qemu', msis), 0));
    expect(c).toMatchObject({ policy: 'none', capacity: 0, entries: [] });
    expect(ok(inspectIts(c27('qemu'), 0)).cache).toEqual({ policy: 'none', entries: 0, capacity: 0 });
  });
});

describe('views read the state from where the profile keeps it', () => {
  // A valid DTE for DeviceID 5 (ITT 0x40302000, Size 7) written straight into the device table.
  const dte: Record<Profile, string> = {
    kvm: '0x8000000008060407', // ABI rev 0: V [63], ITT_addr[51:8] in [48:5], Size [4:0]
    spec: '0x8000000008060407',
    qemu: '0x100c080f', // QEMU: Valid [0], Size [5:1], ITT_addr[51:8] in [49:6]
  };
  for (const profile of PROFILES)
    it(`${profile}: a DTE written into memory by hand ${profile === 'kvm' ? 'is not a device (KVM reads its lists)' : 'is a device the ITS will use'}`, () => {
      const m = c27(profile, [`mem write64 0x${(DEVICE_TABLE + 5 * 8).toString(16)} ${dte[profile]}`]);
      const ids = ok(devices(m, 0)).devices.map((d) => d.devid);
      if (profile === 'kvm') expect(ids).toEqual([2, 7]);
      else {
        expect(ids).toEqual([2, 5, 7]);
        expect(ok(devices(m, 0)).devices[1]).toMatchObject({ devid: 5, itt: 0x4030_2000, eventIdBits: 8 });
        expect(viewDte(m, m.s.its[0]!, 5)).toMatchObject({ itt: 0x4030_2000 });
      }
    });

  it('kvm: a memory DTE of a mapped device does not change the view; the lists do', () => {
    const m = c27('kvm', [`mem write64 0x${(DEVICE_TABLE + 2 * 8).toString(16)} 0`]);
    expect(ok(devices(m, 0)).devices.map((d) => d.devid)).toEqual([2, 7]);
  });
});

describe('a two-level device table', () => {
  // Valid, Indirect, 4 KiB pages, one page of level-1 entries at 0x40100000: 512 IDs per level-2 page.
  const BASER0 = '0xc907000040100000';
  const L2 = 0x4050_0000;
  const steps = (): string[][] => [
    bringUp(BASER0),
    [
      // Level-1 entry 1 (DeviceIDs 512..1023) points at a level-2 page; entry 0 stays invalid.
      `mem write64 0x${(DEVICE_TABLE + 8).toString(16)} 0x80000000${L2.toString(16)}`,
      'its MAPD DeviceID=600 Size=3 ITT_addr=0x40302000 V=1',
      'its MAPC ICID=1 RDbase=1 V=1',
      'its MAPTI DeviceID=600 EventID=5 pINTID=8200 ICID=1',
    ],
  ];

  for (const profile of ['qemu', 'spec'] as const)
    it(`${profile}: only the valid level-1 entries, and the devices found through them`, () => {
      const m = machine(profile, steps());
      const d = ok(devices(m, 0));
      expect(d.table).toMatchObject({
        indirect: true,
        pageSize: 0x1000,
        level2PageSize: 0x1000,
        idsPerLevel2Page: 512,
      });
      expect(d.level1).toEqual([{ index: 1, addr: DEVICE_TABLE + 8, l2: L2, firstId: 512, ids: 512 }]);
      expect(d.devices).toEqual([
        { devid: 600, itt: 0x4030_2000, eventIdBits: 4, dte: L2 + (600 - 512) * 8, l1: DEVICE_TABLE + 8 },
      ]);
      expect(ok(itt(m, 0, 600)).events.map((e) => [e.eventid, e.intid, e.target])).toEqual([[5, 8200, 1]]);
      // A device whose level-1 entry is invalid is not mapped, and the view says why.
      expect(ok(itt(m, 0, 3)).problem).toMatch(/level-1 entry 0 .* not valid/);
    });

  it('kvm: the device list, with the DTE slot the walk through the guest level-1 entry gives', () => {
    // KVM forces 64 KiB pages: level-1 entry 0 covers DeviceIDs 0..8191.
    const m = machine('kvm', [
      bringUp(BASER0),
      [
        `mem write64 0x${DEVICE_TABLE.toString(16)} 0x80000000${L2.toString(16)}`,
        'its MAPD DeviceID=600 Size=3 ITT_addr=0x40302000 V=1',
      ],
    ]);
    const d = ok(devices(m, 0));
    expect(d.source).toBe('kvm lists');
    expect(d.level1).toEqual([{ index: 0, addr: DEVICE_TABLE, l2: L2, firstId: 0, ids: 8192 }]);
    expect(d.devices).toEqual([
      { devid: 600, itt: 0x4030_2000, eventIdBits: 4, events: 0, dte: L2 + 600 * 8, l1: DEVICE_TABLE },
    ]);
  });
});

describe('bad arguments and purity', () => {
  it('an ITS the machine lacks, a DeviceID that is not one, a window that is not one: errors, not exceptions', () => {
    const m = c27('spec');
    for (const r of [
      inspectIts(m, 1),
      devices(m, -1),
      collections(m, Number.NaN),
      cache(m, 2),
      itt(m, 0, -1),
      itt(m, 0, 2 ** 32),
      queueSlots(m, 0, 0, -1),
      queueSlots(m, 0, 0.5, 1),
    ])
      expect(r).toMatchObject({ ok: false, error: expect.any(String) as string });
    expect(ok(queueSlots(m, 0, 0, 10_000)).window.length).toBe(1024);
  });

  for (const profile of PROFILES)
    it(`${profile}: the views change nothing and emit nothing`, () => {
      const m = c27(profile, ['write GITS_CTLR 0', 'its INT DeviceID=2 EventID=20', 'msi rid=2 20']);
      const before = serialiseState(m.s);
      const seq = m.seq;
      const events = m.log.length;
      for (let k = 0; k < 2; k++) {
        inspectIts(m, 0);
        queueSlots(m, 0, 0, 2048);
        devices(m, 0);
        collections(m, 0);
        cache(m, 0);
        for (const d of [0, 2, 7, 9]) itt(m, 0, d);
      }
      expect(m.seq).toBe(seq);
      expect(m.log.length).toBe(events);
      expect(serialiseState(m.s)).toBe(before);
    });
});
