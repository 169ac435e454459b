/**
 * The sandbox's starting scenarios load, for every shape the dialog offers, and do what they say;
 * with a VM, its guest is brought up in the same step and then takes what the narration says to try.
 */

import { describe, expect, it } from 'vitest';
import { EngineHost } from '../worker/engine-host';
import {
  bringUpLines,
  emptyMachineScenario,
  GUEST_SPI_LINES,
  guestBringUpLines,
  guestLpiLines,
  normalise,
  type SandboxShape,
} from './empty-machine';

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
    // GICv4.0 and GICv4.1 hosts, with a VM that gets GICv4 direct injection.
    {
      profile: 'qemu',
      gic: 4,
      cpus: 2,
      its: 1,
      devices: 1,
      bringUp: true,
      vm: { vcpus: 2, lrs: 4, its: true, assignDev0: true },
    },
    {
      profile: 'spec',
      gic: 4.1,
      cpus: 3,
      its: 2,
      devices: 2,
      bringUp: true,
      vm: { vcpus: 2, lrs: 4, its: true, assignDev0: false },
    },
    // With a VM: vCPUs from 1 to 8 (more than the host has CPUs too), 1 to 16 list registers.
    {
      profile: 'spec',
      cpus: 2,
      its: 1,
      devices: 1,
      bringUp: true,
      vm: { vcpus: 2, lrs: 4, its: true, assignDev0: true },
    },
    {
      profile: 'kvm',
      cpus: 1,
      its: 0,
      devices: 0,
      bringUp: true,
      vm: { vcpus: 8, lrs: 1, its: true, assignDev0: false },
    },
    {
      profile: 'qemu',
      cpus: 4,
      its: 2,
      devices: 3,
      bringUp: true,
      vm: { vcpus: 1, lrs: 16, its: false, assignDev0: true },
    },
    {
      profile: 'spec',
      cpus: 8,
      its: 1,
      devices: 0,
      bringUp: true,
      vm: { vcpus: 4, lrs: 2, its: true, assignDev0: false },
    },
    {
      profile: 'spec',
      cpus: 2,
      its: 1,
      devices: 1,
      bringUp: false,
      vm: { vcpus: 2, lrs: 4, its: true, assignDev0: false },
    },
  ];

  /** Guest expectations of the bring-up step: every GIC access accepted, and the vITS enabled. */
  const guestChecks = (s: SandboxShape): number => (s.bringUp && s.vm ? 1 + (s.vm.its ? 1 : 0) : 0);

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
      expect(session.steps[0]!.expectations).toHaveLength(
        (shape.bringUp ? shape.its : 0) + guestChecks(shape),
      );
      if (shape.vm)
        expect(session.shape.vms).toMatchObject([
          { index: 0, name: 'vm0', vcpus: shape.vm.vcpus, lrs: shape.vm.lrs, its: shape.vm.its ? 1 : 0 },
        ]);
      else expect(session.shape.vms).toBeUndefined();
      if (shape.bringUp) expect(session.length).toBeGreaterThan(shape.cpus * 3);
      // As at reset, only a VM makes events: KVM places its vCPUs, which block in WFI.
      else if (shape.vm) expect(session.length).toBeGreaterThan(0);
      else expect(session.length).toBe(0);
    });

  for (const shape of shapes.filter((s) => s.vm && s.bringUp))
    it(`the guest takes SPI 32${shape.vm!.its ? ' and LPI 8192' : ''} as the narration says: ${JSON.stringify(shape)}`, () => {
      const { host, session } = load(shape);
      const narration = session.steps[0]!.narration;
      for (const line of [...GUEST_SPI_LINES, ...(shape.vm!.its ? guestLpiLines() : [])]) {
        expect(narration).toContain(`\`${line}\``);
        const r = host.exec(line);
        expect(r.ok && r.outcome, line).toBe('ok');
        if (line === GUEST_SPI_LINES[1]) {
          const took = host.exec('expect vm0 vcpu0 delivered 32');
          expect(took.ok && took.outcome, took.ok ? took.message : took.error).toBe('ok');
        }
      }
      if (shape.vm!.its) {
        const took = host.exec('expect vm0 vcpu0 delivered 8192');
        expect(took.ok && took.outcome, took.ok ? took.message : took.error).toBe('ok');
      }
    });

  it("brings the guest up after the host, in the guest's address space, each vCPU on its own redistributor", () => {
    const shape: SandboxShape = {
      profile: 'spec',
      cpus: 2,
      its: 1,
      devices: 1,
      bringUp: true,
      vm: { vcpus: 3, lrs: 4, its: true, assignDev0: false },
    };
    const { session } = load(shape);
    const guest = guestBringUpLines(shape);
    expect(guest.filter((l) => !l.startsWith('#')).every((l) => /^vm0 vcpu[0-2] /.test(l))).toBe(true);
    for (const n of [0, 1, 2])
      expect(guest).toEqual(
        expect.arrayContaining([
          `vm0 vcpu${n} write ICC_PMR_EL1 0xf0`,
          `vm0 vcpu${n} write ICC_IGRPEN1_EL1 1`,
          `vm0 vcpu${n} write64 GICR_PENDBASER 0x${(0x4040_0780 + n * 0x1_0000).toString(16)}`,
          `vm0 vcpu${n} write GICR_CTLR 1`,
        ]),
      );
    expect(guest).toContain('vm0 vcpu0 write GICD_CTLR 0x12');
    expect(guest).toContain('vm0 vcpu0 write GITS_CTLR 1');
    // One step: the host's lines, then the guest's.
    const doc = JSON.parse(emptyMachineScenario(shape)) as {
      steps: { actions: string[]; narration: string }[];
    };
    expect(doc.steps[0]!.actions).toEqual([...bringUpLines(shape), ...guest]);
    expect(session.steps[0]!.narration).toMatch(/\*\*The host\*\*.*\n\n\*\*The guest\.\*\*/s);
    // Without a virtual ITS, no LPI lines for the guest; without a VM, no guest lines at all.
    const noVits = guestBringUpLines({ ...shape, vm: { ...shape.vm!, its: false } });
    expect(noVits.some((l) => /PROPBASER|GITS_|mem fill/.test(l))).toBe(false);
    expect(noVits).toContain('vm0 vcpu2 write ICC_IGRPEN1_EL1 1');
    expect(guestBringUpLines({ ...shape, vm: null })).toEqual([]);
  });

  it('assigns dev0 to the VM when asked, and only when there is a dev0', () => {
    const vm = { vcpus: 2, lrs: 4, its: true, assignDev0: true };
    const machine = (s: SandboxShape) =>
      (JSON.parse(emptyMachineScenario(s)) as { machine: { vms?: Record<string, unknown>[] } }).machine;
    expect(machine({ profile: 'spec', cpus: 2, its: 1, devices: 2, bringUp: true, vm }).vms).toEqual([
      { vcpus: 2, lrs: 4, assigned: [{ device: 'dev0' }] },
    ]);
    expect(machine({ profile: 'spec', cpus: 2, its: 1, devices: 0, bringUp: true, vm }).vms).toEqual([
      { vcpus: 2, lrs: 4 },
    ]);
    expect(
      machine({
        profile: 'spec',
        cpus: 2,
        its: 1,
        devices: 1,
        bringUp: true,
        vm: { ...vm, its: false, assignDev0: false },
      }).vms,
    ).toEqual([{ vcpus: 2, lrs: 4, its: false }]);
    // VFIO takes the assigned device, and refuses the other one.
    const { host } = load({ profile: 'spec', cpus: 2, its: 1, devices: 2, bringUp: true, vm });
    expect(host.exec('vm0 eventfd').ok).toBe(true);
    const assigned = host.exec('vm0 vfio dev0 vector=0 lpi=8200 fd=3');
    expect(assigned.ok, assigned.ok ? '' : assigned.error).toBe(true);
    expect(host.exec('vm0 vfio dev1 vector=0 lpi=8201 fd=3').ok).toBe(false);
  });

  it('leaves the guest as at reset when the host is: SPI 32 is not delivered, it is not enabled', () => {
    const { host } = load({
      profile: 'spec',
      cpus: 2,
      its: 1,
      devices: 1,
      bringUp: false,
      vm: { vcpus: 2, lrs: 4, its: true, assignDev0: false },
    });
    for (const line of GUEST_SPI_LINES) expect(host.exec(line).ok).toBe(true);
    const took = host.exec('expect vm0 vcpu0 delivered 32');
    expect(took.ok && took.outcome).toBe('failed');
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

  it('gives a GICv4 host a vPE table and a device table that reaches DeviceID 0xffff', () => {
    const lines = bringUpLines({ profile: 'qemu', gic: 4, cpus: 2, its: 1, devices: 0, bringUp: true });
    expect(lines).toContain('write64 its0 GITS_BASER2 0xba0f000040c00600');
    expect(lines).toContain('write64 its0 GITS_BASER0 0xb907000041000607');
    expect(lines).toContain('mem fill 0x41000000 512K 0');
    const v3 = bringUpLines({ profile: 'qemu', cpus: 2, its: 1, devices: 0, bringUp: true });
    expect(v3.some((l) => l.includes('GITS_BASER2'))).toBe(false);
    // KVM's vGIC is a GICv3; QEMU 7.2 models GICv4.0 at most.
    expect(
      normalise({ profile: 'kvm', gic: 4, cpus: 1, its: 1, devices: 0, bringUp: true }).gic,
    ).toBeUndefined();
    expect(normalise({ profile: 'qemu', gic: 4.1, cpus: 1, its: 1, devices: 0, bringUp: true }).gic).toBe(4);
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
    // A VM: 1 to 8 vCPUs, 1 to 16 list registers; dev0 assigned only if there is a dev0.
    expect(
      normalise({
        profile: 'spec',
        cpus: 2,
        its: 0,
        devices: 1,
        bringUp: true,
        vm: { vcpus: 9, lrs: 0, its: true, assignDev0: true },
      }).vm,
    ).toEqual({ vcpus: 8, lrs: 1, its: true, assignDev0: false });
    expect(
      normalise({
        profile: 'spec',
        cpus: 2,
        its: 1,
        devices: 1,
        bringUp: true,
        vm: { vcpus: 0, lrs: 17, its: false, assignDev0: true },
      }).vm,
    ).toEqual({ vcpus: 1, lrs: 16, its: false, assignDev0: true });
    expect(
      normalise({ profile: 'spec', cpus: 2, its: 1, devices: 1, bringUp: true, vm: null }),
    ).not.toHaveProperty('vm');
  });
});
