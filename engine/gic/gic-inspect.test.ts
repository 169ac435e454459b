/**
 * The GIC inspector views (gic-inspect.ts) say what the distributor, the redistributors and the CPU
 * interfaces hold, profile by profile, without changing anything (reading ICC_IAR1_EL1 through the
 * view does not acknowledge).
 *
 * Machines are built by running command-language scenarios through the engine from the bring-up
 * of public/scenarios/conformance/kut-c27-its-int-dev2.json and its S7 mapping (DeviceID 2
 * EventID 20 -> LPI 8195 in collection 3 on PE 3). The INV case follows
 * kut-its-trigger-inv-invall.json: a property-table change is not seen until INV in KVM (the LPI
 * keeps the byte read at MAPTI) and in the spec model (the redistributor's cache), while QEMU reads
 * the table when the LPI becomes pending (docs/profiles.md, "Where LPI configuration is held").
 */

import { describe, expect, it } from 'vitest';
import { serialiseState } from '../platform/migrate';
import { inspectCpu, inspectDistributor, inspectRedistributor } from './gic-inspect';
import { lpiIsPending } from './lpi';
import { c27, machine, ok, PROFILES } from '../scenario/inspect-fixture';

describe('the LPI configuration: memory beside what the redistributor acts on (why INV matters)', () => {
  const HELD = { kvm: 'kvm LPI copy', qemu: 'memory', spec: 'spec cache' } as const;

  for (const profile of PROFILES) {
    const differs = profile !== 'qemu';
    it(`${profile}: a property-table change without INV ${differs ? 'differs' : 'does not differ'}; after INV nothing differs`, () => {
      // INT first, so the spec redistributor has used (and cached) LPI 8195's configuration.
      const m = c27(profile, ['its INT DeviceID=2 EventID=20'], ['lpi-config 8195 0xa2']);
      const rd = ok(inspectRedistributor(m, 3));
      expect(rd.configHeldIn).toBe(HELD[profile]);
      const row = rd.lpis.find((l) => l.intid === 8195)!;
      expect(row.memory).toBe(0xa2);
      expect(row.effective).toBe(differs ? 0xa3 : 0xa2);
      expect(row.differs).toBe(differs);
      expect(row.configFrom).toBe(HELD[profile]);
      expect(row.enabled).toBe(differs); // 0xa3 is enabled, 0xa2 is not
      expect(row.priority).toBe(0xa0);
      expect(rd.differing).toBe(differs ? 1 : 0);
      if (profile === 'kvm') expect(row).toMatchObject({ mapped: true, target: 3 });
      if (profile === 'spec') expect(row.cached).toBe(true);
      // LPI 8196 (configured, mapped to PE 2) agrees with memory.
      expect(rd.lpis.find((l) => l.intid === 8196)).toMatchObject({
        memory: 0xa3,
        effective: 0xa3,
        differs: false,
      });

      const after = c27(
        profile,
        ['its INT DeviceID=2 EventID=20'],
        ['lpi-config 8195 0xa2', 'its INV DeviceID=2 EventID=20'],
      );
      const rd2 = ok(inspectRedistributor(after, 3));
      expect(rd2.differing).toBe(0);
      expect(rd2.lpis.find((l) => l.intid === 8195)).toMatchObject({
        memory: 0xa2,
        effective: 0xa2,
        differs: false,
        enabled: false,
      });
    });
  }
});

describe('redistributor registers', () => {
  for (const profile of PROFILES)
    it(`${profile}: GICR_CTLR, PROPBASER and PENDBASER decoded`, () => {
      const rd = ok(inspectRedistributor(c27(profile), 3));
      expect(rd.ctlr.enableLpis).toBe(true);
      expect(rd.ctlr.rwp).toBe(false);
      expect(rd.waker.processorSleep).toBe(false);
      expect(rd.propbaser).toMatchObject({
        base: 0x4013_0000,
        idBits: 13,
        lpiLimit: 16384,
        bytes: 8192,
        shared: profile === 'kvm',
      });
      expect(rd.propbaser.fields.find((f) => f.name === 'IDbits')?.value).toBe(13);
      expect(rd.pendbaser).toMatchObject({ base: 0x4023_0000, bytes: 2048, ptz: false });
      expect(rd.pendingHeldIn).toBe({ kvm: 'kvm latches', qemu: 'memory', spec: 'redistributor' }[profile]);
    });

  for (const profile of PROFILES)
    it(`${profile}: PTZ as written, though the register ${profile === 'qemu' ? 'echoes it' : 'reads it as 0'}`, () => {
      const m = machine(profile, [['write64 rd1 GICR_PENDBASER 0x4000000040210000']]);
      const pend = ok(inspectRedistributor(m, 1)).pendbaser;
      expect(pend.ptz).toBe(true);
      expect(pend.base).toBe(0x4021_0000);
      expect(BigInt(pend.value) >> 62n).toBe(profile === 'qemu' ? 1n : 0n);
      // Nothing is in RAM at the reset PROPBASER (address 0): no LPI to show.
      expect(ok(inspectRedistributor(m, 1)).lpis).toEqual([]);
    });
});

describe('the CPU interface', () => {
  for (const profile of PROFILES) {
    it(`${profile}: a pending LPI on a masked PE: the HPPI, IRQ, and the LPI's row; the view does not acknowledge`, () => {
      const m = c27(profile, ['software cpu3 masked', 'its INT DeviceID=2 EventID=20']);
      const seq = m.seq;
      const v = ok(inspectCpu(m, 3));
      expect(v.hppi).toEqual({ intid: 8195, priority: 0xa0, group: 1, signalled: true });
      expect(v.irq).toBe(true);
      expect(v.fiq).toBe(false);
      expect(v.interrupts).toEqual([
        {
          intid: 8195,
          kind: 'LPI',
          priority: 0xa0,
          group: 1,
          enabled: true,
          state: 'pending',
          trigger: 'edge',
          forwarded: true,
        },
      ]);
      expect(v).toMatchObject({ pmr: 0xf0, igrpen1: true, runningPriority: 0xff, activePriorities: [] });
      // Still pending, and nothing happened.
      expect(m.seq).toBe(seq);
      expect(lpiIsPending(m, 3, 8195)).toBe(true);
      expect(ok(inspectCpu(m, 2)).interrupts).toEqual([]);
      const rd = ok(inspectRedistributor(m, 3));
      expect(rd.lpis.find((l) => l.intid === 8195)?.pending).toBe(true);
      if (profile === 'qemu') expect(rd.hpplpi).toEqual({ intid: 8195, priority: 0xa0 });
    });

    it(`${profile}: an acknowledged SGI shows active; raised again it is active and pending`, () => {
      // PE 0 takes SGI 3 (priority 0xA0) and holds it: no EOI.
      const m = c27(profile, ['software cpu0 hold', 'cpu0 write ICC_SGI1R_EL1 0x3000001']);
      const v = ok(inspectCpu(m, 0));
      expect(v.interrupts).toEqual([
        {
          intid: 3,
          kind: 'SGI',
          priority: 0xa0,
          group: 1,
          enabled: true,
          state: 'active',
          trigger: 'edge',
          forwarded: false,
        },
      ]);
      expect(v.runningPriority).toBe(0xa0);
      // Five priority bits: group priority 0xA0 is active-priority bit 0xA0 >> 3 = 20.
      expect(v.activePriorities).toEqual([{ group: 1, priority: 0xa0, bit: 20 }]);
      expect(v.apr.ap1r[0]).toBe('0x100000');
      expect(v.hppi).toBeNull();

      const again = c27(profile, [
        'software cpu0 hold',
        'cpu0 write ICC_SGI1R_EL1 0x3000001',
        'cpu0 write ICC_SGI1R_EL1 0x3000001',
      ]);
      const v2 = ok(inspectCpu(again, 0));
      expect(v2.interrupts.map((i) => [i.intid, i.state, i.forwarded])).toEqual([
        [3, 'active and pending', false],
      ]);
      expect(v2.hppi).toBeNull(); // an active interrupt is not forwarded again
    });
  }

  it('ICC_CTLR_EL1 and the binary points', () => {
    const m = c27('spec', ['cpu1 write ICC_CTLR_EL1 3']);
    const v = ok(inspectCpu(m, 1));
    expect(v.cbpr).toBe(true);
    expect(v.eoiMode).toBe(1);
    expect(v.bpr1).toBe(v.bpr0 + 1); // with CBPR, ICC_BPR1_EL1 reads BPR0 + 1
    expect(v.ctlr.fields.find((f) => f.name === 'PRIbits')?.value).toBe(4);
  });
});

describe('the distributor', () => {
  for (const profile of PROFILES)
    it(`${profile}: GICD_CTLR decoded and the SPIs that are enabled, pending or active, with their targets`, () => {
      const m = c27(profile, [
        'software cpu1 masked',
        'write GICD_ISENABLER1 0x300', // SPIs 40 and 41
        'write64 GICD_IROUTER40 0x1', // PE 1 (affinity 0.0.0.1)
        'write GICD_ISPENDR1 0x100',
      ]);
      const d = inspectDistributor(m);
      expect(d.ctlr.enableGrp1).toBe(true);
      expect(d.ctlr.enableGrp0).toBe(profile !== 'kvm'); // KVM stores EnableGrp1 only
      expect(d.ctlr.are).toBe(true);
      expect(d.singleEnable).toBe(profile === 'kvm');
      expect(d.typer.lpis).toBe(true);
      expect(d.spis.map((s) => [s.intid, s.state, s.enabled, s.target, s.routing])).toEqual([
        [40, 'pending', true, 1, 'targeted'],
        [41, 'inactive', true, 0, 'targeted'],
      ]);
      expect(d.spis[0]!.irouter).toBe('0x1');
      const cpu1 = ok(inspectCpu(m, 1));
      expect(cpu1.interrupts.map((i) => [i.intid, i.kind, i.state, i.forwarded])).toEqual([
        [40, 'SPI', 'pending', true],
      ]);
      expect(cpu1.hppi?.intid).toBe(40);
      expect(ok(inspectCpu(m, 0)).interrupts).toEqual([]);
    });
});

describe('bad arguments and purity', () => {
  it('a PE the machine lacks is an error, not an exception', () => {
    const m = c27('kvm');
    for (const r of [
      inspectCpu(m, 4),
      inspectCpu(m, -1),
      inspectRedistributor(m, 1.5),
      inspectRedistributor(m, NaN),
    ])
      expect(r).toMatchObject({ ok: false, error: expect.any(String) as string });
  });

  for (const profile of PROFILES)
    it(`${profile}: the views change nothing and emit nothing`, () => {
      const m = c27(profile, [
        'software cpu0 hold',
        'software cpu3 masked',
        'cpu0 write ICC_SGI1R_EL1 0x3000001',
        'its INT DeviceID=2 EventID=20',
        'lpi-config 8196 0xa2',
      ]);
      const before = serialiseState(m.s);
      const seq = m.seq;
      const events = m.log.length;
      for (let c = 0; c < 4; c++) {
        inspectCpu(m, c);
        inspectRedistributor(m, c);
      }
      inspectDistributor(m);
      expect(m.seq).toBe(seq);
      expect(m.log.length).toBe(events);
      expect(serialiseState(m.s)).toBe(before);
    });
});
