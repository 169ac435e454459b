/**
 * The register inspector (register-inspect.ts): every register of every frame, read through
 * readRegister, equals what an MMIO read of it returns, and reading them all changes nothing and
 * emits nothing. Field decoding follows the register tables. Machines are built from the bring-up
 * of public/scenarios/conformance/kut-c27-its-int-dev2.json, run through the engine.
 */

import { describe, expect, it } from 'vitest';
import { serialiseState } from './migrate';
import { readRegister, registerList, type RegisterReading } from './register-inspect';
import { bringUp, machine, ok, PROFILES } from '../scenario/inspect-fixture';
import type { Machine } from './machine';

/** Some state in the per-interrupt registers: SPIs enabled, routed, pending, active; an LPI mapped. */
const ACTIVITY = [
  'software cpu1 hold',
  'write GICD_ISENABLER1 0x300',
  'write64 GICD_IROUTER40 0x1',
  'write GICD_IPRIORITYR10 0x8090a0b0',
  'write GICD_ISPENDR1 0x100',
  'lpi-config 8195 0xa3',
  'its MAPD DeviceID=2 Size=7 ITT_addr=0x40300000 V=1',
  'its MAPC ICID=3 RDbase=3 V=1',
  'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3',
];

const UNITS = ['gicd', 'rd0', 'rd1', 'rd2', 'rd3', 'its0'];

describe('every register of every frame', () => {
  for (const profile of PROFILES)
    it(`${profile}: readRegister equals an MMIO read, and reading them all changes nothing`, () => {
      const m = machine(profile, [bringUp(), ACTIVITY]);
      const before = serialiseState(m.s);
      const seq = m.seq;
      const events = m.log.length;
      const readings: RegisterReading[] = [];
      for (const unit of UNITS) {
        const list = ok(registerList(m, unit));
        expect(list.registers.length).toBeGreaterThan(10);
        // Sorted by offset, one entry per instance.
        const offsets = list.registers.map((r) => r.offset);
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
        expect(new Set(list.registers.map((r) => r.name)).size).toBe(list.registers.length);
        for (const r of list.registers) {
          const v = ok(readRegister(m, unit, r.name));
          expect(v.addr).toBe(r.addr);
          readings.push(v);
        }
      }
      expect(m.seq).toBe(seq);
      expect(m.log.length).toBe(events);
      expect(serialiseState(m.s)).toBe(before);

      // Now the same registers through the bus, each access an event.
      for (const r of readings) {
        const at = m.seq;
        m.input({ kind: 'mmio', addr: r.addr, width: r.width, write: false, value: 0n, by: 'test' });
        const e = m.log.get(at)!;
        const data = e.data as { value?: string; reg?: string };
        if (r.readable) {
          expect(e.kind, r.name).toBe('mmio.read');
          expect(data.reg).toBe(r.name);
          expect(BigInt(data.value!), `${r.unit} ${r.name}`).toBe(BigInt(r.value));
        } else {
          // A write-only register: the hardware refuses the read, which returns 0.
          expect(e.kind, r.name).toBe('mmio.bad');
          expect(r.value).toBe('0x0');
        }
      }
    });
});

describe('fields and names', () => {
  it('fields decoded by name, with the frame prefix optional and names case-insensitive', () => {
    const m = machine('spec', [bringUp(), ACTIVITY]);
    const baser = ok(readRegister(m, 'its0', 'GITS_BASER0'));
    const f = Object.fromEntries(baser.fields.map((x) => [x.name, x.value]));
    expect(f).toMatchObject({ Type: 1, Valid: 1, Entry_Size: 7, Page_Size: 2, Indirect: 0 });
    expect(baser).toMatchObject({ offset: 0x100, width: 64, access: 'rw', value: '0xb907000040100600' });

    const prop = ok(readRegister(m, 'gicr2', 'propbaser'));
    expect(prop.name).toBe('GICR_PROPBASER');
    expect(prop.unit).toBe('rd2');
    expect(prop.fields.find((x) => x.name === 'IDbits')).toEqual({
      name: 'IDbits',
      value: 13,
      bits: '[4:0]',
    });

    const route = ok(readRegister(m, 'gicd', 'gicd_irouter40'));
    expect(route).toMatchObject({ name: 'GICD_IROUTER40', offset: 0x6000 + 40 * 8, value: '0x1' });
    expect(route.fields.find((x) => x.name === 'Aff0')?.value).toBe(1);

    // A register without fields is one value.
    expect(ok(readRegister(m, 'gicd', 'GICD_IPRIORITYR10'))).toMatchObject({
      value: '0x8090a0b0',
      fields: [],
    });
    // SGI_base registers live at +0x10000 in the redistributor's frame.
    expect(ok(readRegister(m, 'rd1', 'GICR_ISENABLER0'))).toMatchObject({ offset: 0x10100, value: '0xffff' });
  });

  it('a write-only register reads as refused', () => {
    const m = machine('qemu', [bringUp()]);
    expect(ok(readRegister(m, 'gicd', 'GICD_SGIR'))).toMatchObject({ readable: false, value: '0x0' });
    expect(ok(readRegister(m, 'its0', 'GITS_TRANSLATER'))).toMatchObject({ readable: false, access: 'wo' });
  });

  it('registers the profile lacks are neither listed nor readable', () => {
    const kvm = machine('kvm', [bringUp()]);
    const qemu = machine('qemu', [bringUp()]);
    const names = (m: Machine, unit: string): string[] =>
      ok(registerList(m, unit)).registers.map((r) => r.name);
    expect(names(kvm, 'its0')).not.toContain('GITS_TRANSLATER');
    expect(names(qemu, 'its0')).toContain('GITS_TRANSLATER');
    expect(names(qemu, 'rd0')).not.toContain('GICR_INVLPIR');
    expect(names(kvm, 'rd0')).toContain('GICR_INVLPIR');
    expect(readRegister(kvm, 'its0', 'GITS_TRANSLATER')).toMatchObject({ ok: false });
    expect(readRegister(qemu, 'rd0', 'GICR_SYNCR')).toMatchObject({ ok: false });
  });

  it('units and names the machine lacks are errors, not exceptions', () => {
    const m = machine('spec', [bringUp()]);
    for (const r of [
      registerList(m, 'rd4'),
      registerList(m, 'its1'),
      registerList(m, 'cpu0'),
      registerList(m, ''),
      readRegister(m, 'gicd', 'GITS_CTLR'),
      readRegister(m, 'rd0', 'GICR_NOSUCH'),
      readRegister(m, 'gicd', 'GICD_IPRIORITYR255'),
      readRegister(m, 'its0', ''),
    ])
      expect(r).toMatchObject({ ok: false, error: expect.any(String) as string });
  });
});
