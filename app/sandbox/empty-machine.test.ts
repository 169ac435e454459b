/** The sandbox's starting scenarios load, for every shape the dialog offers, and do what they say. */

import { describe, expect, it } from 'vitest';
import { EngineHost } from '../worker/engine-host';
import { bringUpLines, emptyMachineScenario, normalise, type SandboxShape } from './empty-machine';

function load(shape: SandboxShape) {
  const host = new EngineHost();
  const r = host.load(emptyMachineScenario(shape), 'sandbox.json');
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return { host, session: r.session };
}

describe('the empty machine of a chosen shape', () => {
  const shapes: SandboxShape[] = [
    { profile: 'spec', cpus: 2, its: 1, devices: 1, bringUp: true },
    { profile: 'kvm', cpus: 1, its: 1, devices: 0, bringUp: true },
    { profile: 'qemu', cpus: 8, its: 2, devices: 3, bringUp: true },
    { profile: 'spec', cpus: 64, its: 4, devices: 16, bringUp: true },
    { profile: 'kvm', cpus: 4, its: 0, devices: 0, bringUp: true },
    { profile: 'qemu', cpus: 3, its: 1, devices: 2, bringUp: false },
  ];

  for (const shape of shapes)
    it(`loads: ${JSON.stringify(shape)}`, () => {
      const { session } = load(shape);
      expect(session.shape.profile).toBe(shape.profile);
      expect(session.shape.cpus).toHaveLength(shape.cpus);
      expect(session.shape.its).toHaveLength(shape.its);
      expect(session.shape.devices.map((d) => d.name)).toEqual(
        [...Array(shape.devices).keys()].map((i) => `dev${i}`),
      );
      expect(session.steps).toHaveLength(1);
      // Every bring-up line ran (none refused) and every ITS ended up enabled.
      expect(session.passed).toBe(true);
      expect(session.steps[0]!.expectations).toHaveLength(shape.bringUp ? shape.its : 0);
      if (shape.bringUp) expect(session.length).toBeGreaterThan(shape.cpus * 3);
      else expect(session.length).toBe(0);
    });

  it('numbers devices from 00:02.0, so dev0 is DeviceID 16, and spreads them over the ITSs', () => {
    const { session } = load({ profile: 'spec', cpus: 2, its: 2, devices: 3, bringUp: true });
    expect(session.shape.devices).toEqual([
      { name: 'dev0', rid: 0x10, devid: 16, its: 0 },
      { name: 'dev1', rid: 0x18, devid: 24, its: 1 },
      { name: 'dev2', rid: 0x20, devid: 32, its: 0 },
    ]);
  });

  it('brings up every redistributor: LPIs enabled, tables where the narration says', () => {
    const { host } = load({ profile: 'spec', cpus: 3, its: 2, devices: 0, bringUp: true });
    for (const n of [0, 1, 2]) {
      const r = host.exec(`expect reg rd${n} GICR_CTLR & 1 == 1`);
      expect(r.ok && r.outcome, `rd${n}`).toBe('ok');
    }
    const pend = host.exec('expect reg64 rd2 GICR_PENDBASER & 0xffffffff0000 == 0x40420000');
    expect(pend.ok && pend.outcome).toBe('ok');
    const its1 = host.exec('expect reg64 its1 GITS_CBASER & 0xfffffffff000 == 0x40820000');
    expect(its1.ok && its1.outcome).toBe('ok');
  });

  it('leaves a truly empty machine alone, and a machine without an ITS without LPI lines', () => {
    expect(
      emptyMachineScenario({ profile: 'spec', cpus: 2, its: 1, devices: 1, bringUp: false }),
    ).not.toMatch(/GICD_CTLR/);
    const lines = bringUpLines({ profile: 'spec', cpus: 2, its: 0, devices: 0, bringUp: true });
    expect(lines.some((l) => /PROPBASER|GITS_/.test(l))).toBe(false);
    expect(lines).toContain('cpu1 write ICC_IGRPEN1_EL1 1');
  });

  it('keeps the shape within what the dialog offers', () => {
    expect(normalise({ profile: 'spec', cpus: 0, its: 9, devices: 99, bringUp: true })).toEqual({
      profile: 'spec',
      cpus: 1,
      its: 4,
      devices: 16,
      bringUp: true,
    });
    expect(normalise({ profile: 'kvm', cpus: 1000, its: 0, devices: 3, bringUp: false })).toMatchObject({
      cpus: 64,
      devices: 0,
    });
  });
});
