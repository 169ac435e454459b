import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clonePlain, decodePlain, encodePlain } from '../sim/plain-codec';
import {
  createKvmIrqRouting,
  irqchipRouteEntry,
  KVM_IRQ_ROUTING_IRQCHIP,
  KVM_IRQ_ROUTING_MSI,
  KVM_IRQCHIP_NUM_PINS,
  KVM_MAX_IRQ_ROUTES,
  kvmIrqMapChipPin,
  kvmIrqMapGsi,
  kvmSetGsiRouting,
  kvmSetIrq,
  kvmVgicSetupDefaultIrqRouting,
  msiRouteEntry,
  type KvmIrqContext,
  type KvmIrqRoutingEntryUser,
  type KvmIrqRoutingTable,
} from './gsi-routing';
import { KVM_ERRNO } from './kvm-errno';
import { GITS_TRANSLATER_OFFSET } from './msi';
import { configure, testVm } from './vgic-fixture';
import { irqIsPending, NO_VCPU } from './vgic-irq';
import { vgicGetIrq } from './vgic-state';

const ITS = 0x8080000n;

function defaultTable(nrSpis = 224): KvmIrqRoutingTable {
  const t = createKvmIrqRouting();
  expect(kvmVgicSetupDefaultIrqRouting(t, nrSpis).ok).toBe(true);
  return t;
}

function ctxWith(routing: KvmIrqRoutingTable, hasIts = true): KvmIrqContext {
  return { vgic: testVm(2), msi: { irqchipInKernel: true, hasIts, itsBases: hasIts ? [ITS] : [] }, routing };
}

const set = (t: KvmIrqRoutingTable, entries: KvmIrqRoutingEntryUser[], nr = entries.length, flags = 0) =>
  kvmSetGsiRouting(t, { nr, flags, entries });

describe('the default routing the vgic installs (seed 003, §5.5)', () => {
  it('is 1:1: GSI i → irqchip 0 pin i for each SPI, and nothing beyond', () => {
    const t = defaultTable();
    expect(t.routes).toHaveLength(224);
    expect(kvmIrqMapGsi(t, 0)).toEqual([{ gsi: 0, type: KVM_IRQ_ROUTING_IRQCHIP, irqchip: 0, pin: 0 }]);
    expect(kvmIrqMapGsi(t, 223)).toEqual([{ gsi: 223, type: KVM_IRQ_ROUTING_IRQCHIP, irqchip: 0, pin: 223 }]);
    expect(kvmIrqMapGsi(t, 224)).toEqual([]);
    expect(kvmIrqMapChipPin(t, 0, 18)).toBe(18);
    expect(kvmIrqMapChipPin(t, 0, 224)).toBe(-1);
  });

  it('firing GSI 8 asserts SPI 40 (pin + 32)', () => {
    const ctx = ctxWith(defaultTable());
    configure(ctx.vgic!, NO_VCPU, 40, { level: true, target: 1 });
    const r = kvmSetIrq(ctx, 8, true);
    expect(r.routes).toHaveLength(1);
    expect(r.routes[0]).toMatchObject({
      kind: 'spi',
      intid: 40,
      result: { ret: 0, acted: true, queued: true, kick: 1 },
    });
    expect(vgicGetIrq(ctx.vgic!, NO_VCPU, 40)!.lineLevel).toBe(true);
    expect(r.reason).toMatch(/GSI 8 → SPI 40 level 1/);
  });

  it('survives the plain deep copy and the JSON snapshot codec', () => {
    const t = defaultTable(64);
    set(t, [
      irqchipRouteEntry(1, 5),
      msiRouteEntry(2, { address: ITS + GITS_TRANSLATER_OFFSET, data: 3, devid: 0x10 }),
    ]);
    expect(clonePlain(t)).toEqual(t);
    expect(decodePlain(JSON.parse(JSON.stringify(encodePlain(t))))).toEqual(t);
  });
});

describe('KVM_SET_GSI_ROUTING', () => {
  it('replaces the whole table with irqchip and MSI routes', () => {
    const t = defaultTable();
    const r = set(t, [
      irqchipRouteEntry(100, 8),
      msiRouteEntry(101, { address: 0x1_0000_0040n, data: 7, devid: 0x20 }),
    ]);
    expect(r).toMatchObject({ ok: true, ret: 0 });
    expect(t.routes).toHaveLength(2);
    expect(kvmIrqMapGsi(t, 8)).toEqual([]); // the default routes are gone
    expect(kvmIrqMapGsi(t, 100)).toEqual([{ gsi: 100, type: 1, irqchip: 0, pin: 8 }]);
    expect(kvmIrqMapGsi(t, 101)[0]).toEqual({
      gsi: 101,
      type: KVM_IRQ_ROUTING_MSI,
      msi: { addressLo: 0x40, addressHi: 1, data: 7, flags: 1, devid: 0x20 },
    });
    expect(kvmIrqMapChipPin(t, 0, 8)).toBe(100);
  });

  it('nr = 0 leaves the VM with no routes', () => {
    const t = defaultTable();
    expect(set(t, []).ok).toBe(true);
    expect(t.routes).toEqual([]);
  });

  it('two GSIs on one pin: the pin maps back to the last one listed (rt->chip)', () => {
    const t = createKvmIrqRouting();
    set(t, [irqchipRouteEntry(5, 3), irqchipRouteEntry(9, 3)]);
    expect(kvmIrqMapChipPin(t, 0, 3)).toBe(9);
  });

  const cases: [string, () => ReturnType<typeof set>, number | undefined][] = [
    ['nr above KVM_MAX_IRQ_ROUTES', () => set(createKvmIrqRouting(), [], KVM_MAX_IRQ_ROUTES + 1), undefined],
    [
      'kvm_irq_routing.flags set',
      () => set(createKvmIrqRouting(), [irqchipRouteEntry(0, 0)], 1, 1),
      undefined,
    ],
    [
      'a gsi ≥ 4096',
      () => set(createKvmIrqRouting(), [irqchipRouteEntry(0, 0), irqchipRouteEntry(4096, 1)]),
      1,
    ],
    [
      'flags on an irqchip entry',
      () => set(createKvmIrqRouting(), [{ ...irqchipRouteEntry(0, 0), flags: 1 }]),
      0,
    ],
    [
      'an MSI flag other than KVM_MSI_VALID_DEVID',
      () => set(createKvmIrqRouting(), [msiRouteEntry(0, { address: ITS, data: 0 }, 3)]),
      0,
    ],
    [
      'the same GSI twice on irqchip 0',
      () => set(createKvmIrqRouting(), [irqchipRouteEntry(4, 1), irqchipRouteEntry(4, 2)]),
      1,
    ],
    [
      'an MSI GSI that also has an irqchip route',
      () =>
        set(createKvmIrqRouting(), [
          irqchipRouteEntry(4, 1),
          msiRouteEntry(4, { address: ITS, data: 0, devid: 1 }),
        ]),
      1,
    ],
    [
      'an irqchip GSI that already has an MSI route',
      () =>
        set(createKvmIrqRouting(), [
          msiRouteEntry(4, { address: ITS, data: 0, devid: 1 }),
          irqchipRouteEntry(4, 1),
        ]),
      1,
    ],
    [
      'two MSI routes on one GSI',
      () =>
        set(createKvmIrqRouting(), [
          msiRouteEntry(4, { address: ITS, data: 0, devid: 1 }),
          msiRouteEntry(4, { address: ITS, data: 1, devid: 1 }),
        ]),
      1,
    ],
    [
      'pin 988 (past SPI 1019)',
      () => set(createKvmIrqRouting(), [irqchipRouteEntry(0, KVM_IRQCHIP_NUM_PINS)]),
      0,
    ],
    ['irqchip 1 (arm64 has one)', () => set(createKvmIrqRouting(), [irqchipRouteEntry(0, 0, 1)]), 0],
    ['type S390_ADAPTER', () => set(createKvmIrqRouting(), [{ gsi: 0, type: 3, flags: 0, u: [] }]), 0],
    ['type 0', () => set(createKvmIrqRouting(), [{ gsi: 0, type: 0, flags: 0, u: [] }]), 0],
  ];
  for (const [what, run, index] of cases) {
    it(`${what} → -EINVAL`, () => {
      const r = run();
      expect(r).toMatchObject({ ok: false, ret: -KVM_ERRNO.EINVAL, errno: 'EINVAL' });
      expect(r.index).toBe(index);
    });
  }

  it('pin 987 (SPI 1019) is accepted even when the VM has fewer SPIs; firing it is -EINVAL', () => {
    const t = createKvmIrqRouting();
    expect(set(t, [irqchipRouteEntry(0, KVM_IRQCHIP_NUM_PINS - 1)]).ok).toBe(true);
    const r = kvmSetIrq(ctxWith(t), 0, true);
    expect(r.routes[0]).toMatchObject({ kind: 'spi', intid: 1019, result: { ok: false, errno: 'EINVAL' } });
  });

  it('every gsi is checked before any entry: a later bad gsi wins over an earlier bad type', () => {
    const r = set(createKvmIrqRouting(), [{ gsi: 0, type: 9, flags: 0, u: [] }, irqchipRouteEntry(5000, 0)]);
    expect(r).toMatchObject({ errno: 'EINVAL', index: 1 });
    expect(r.reason).toMatch(/gsi 5000/);
  });

  it('fewer entries than nr → -EFAULT', () => {
    expect(set(createKvmIrqRouting(), [irqchipRouteEntry(0, 0)], 2)).toMatchObject({
      ok: false,
      errno: 'EFAULT',
      ret: -14,
    });
  });

  it('a refused table leaves the old one in place', () => {
    const t = defaultTable();
    const before = clonePlain(t);
    expect(set(t, [irqchipRouteEntry(1, 1), irqchipRouteEntry(1, 1)]).ok).toBe(false);
    expect(t).toEqual(before);
  });
});

describe('kvm_set_irq through routes', () => {
  it('a GSI with no route does nothing', () => {
    const r = kvmSetIrq(ctxWith(createKvmIrqRouting()), 3, true);
    expect(r.routes).toEqual([]);
    expect(r.reason).toBe('GSI 3 has no route');
  });

  it('an edge SPI route latches on 1 and ignores the 0', () => {
    const ctx = ctxWith(defaultTable());
    configure(ctx.vgic!, NO_VCPU, 50, {});
    kvmSetIrq(ctx, 18, true);
    expect(kvmSetIrq(ctx, 18, false).routes[0]).toMatchObject({ result: { ret: 0, acted: false } });
    expect(irqIsPending(vgicGetIrq(ctx.vgic!, NO_VCPU, 50)!)).toBe(true);
  });

  it('an MSI route gives the vITS request at level 1 and -1 at level 0', () => {
    const t = createKvmIrqRouting();
    set(t, [msiRouteEntry(7, { address: ITS + GITS_TRANSLATER_OFFSET, data: 5, devid: 0x42 })]);
    const ctx = ctxWith(t);
    expect(kvmSetIrq(ctx, 7, true).routes[0]).toMatchObject({
      kind: 'msi',
      result: {
        ok: true,
        its: { itsIndex: 0, itsBase: ITS, doorbell: ITS + 0x10040n, devid: 0x42, eventid: 5 },
      },
    });
    expect(kvmSetIrq(ctx, 7, false).routes[0]).toMatchObject({ kind: 'msi', result: { ok: false, ret: -1 } });
  });

  it('an MSI route on a VM without a vITS is -ENODEV; one without the devid flag is -EINVAL', () => {
    const t = createKvmIrqRouting();
    set(t, [
      msiRouteEntry(7, { address: ITS, data: 5, devid: 1 }),
      msiRouteEntry(8, { address: ITS, data: 5 }),
    ]);
    expect(kvmSetIrq(ctxWith(t, false), 7, true).routes[0]!.result).toMatchObject({
      ok: false,
      errno: 'ENODEV',
    });
    expect(kvmSetIrq(ctxWith(t), 8, true).routes[0]!.result).toMatchObject({ ok: false, errno: 'EINVAL' });
  });
});

describe('bad input (property)', () => {
  const u32w = fc.oneof(
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.integer({ min: 0, max: 8 }),
    fc.integer({ min: 0, max: 5000 }),
  );
  const entry = fc.record({
    gsi: u32w,
    type: fc.oneof(fc.integer({ min: 0, max: 6 }), u32w),
    flags: fc.oneof(fc.constant(0), fc.constant(1), u32w),
    u: fc.array(u32w, { maxLength: 8 }),
  });
  it('random routing words never throw; failures are named errnos and keep the old table', () => {
    const names = new Set(Object.keys(KVM_ERRNO));
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 12 }),
        fc.integer({ min: 0, max: 14 }),
        fc.oneof(fc.constant(0), u32w),
        (entries, nr, flags) => {
          const t = defaultTable(32);
          const before = clonePlain(t);
          const r = kvmSetGsiRouting(t, { nr, flags, entries });
          if (r.ok) {
            expect(r.ret).toBe(0);
            expect(t.routes).toHaveLength(nr);
            for (const g of new Set(t.routes.map((x) => x.gsi))) expect(kvmIrqMapGsi(t, g)).toHaveLength(1);
          } else {
            expect(names.has(r.errno!)).toBe(true);
            expect(r.ret).toBe(-KVM_ERRNO[r.errno!]);
            expect(t).toEqual(before);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});
