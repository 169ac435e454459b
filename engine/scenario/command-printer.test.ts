import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type {
  AccessWidth,
  Action,
  DeviceRef,
  Expectation,
  MmioTarget,
  Unit,
  ValueCheck,
  ViewExpectation,
} from './actions';
import { POLICIES, RUN_UNTIL, TABLE_ENTRY_FIELDS, formatParseError, parseLine } from './command-parser';
import { formatDuration, formatLength, printAction } from './command-printer';
import { ITS_COMMANDS } from '../its/command-encoding';
import { ICC_REGISTERS } from '../gic/icc-registers';
import { irqchipRouteEntry, msiRouteEntry, type KvmIrqRoutingEntryUser } from '../kvm/gsi-routing';
import type { KvmCall } from '../kvm/kvm-input-types';

const exp = (expect: Expectation): Action => ({ kind: 'expect', expect });

function roundTrip(a: Action): void {
  const text = printAction(a);
  const r = parseLine(text);
  if (!r?.ok) throw new Error(`'${text}' does not parse: ${r ? formatParseError(r.error) : 'blank'}`);
  expect(r.action).toEqual(a);
}

describe('canonical text', () => {
  const cases: [Action, string][] = [
    [{ kind: 'mmio-read', target: { kind: 'reg', reg: 'GICD_CTLR' } }, 'read GICD_CTLR'],
    [
      { kind: 'mmio-read', width: 32, target: { kind: 'reg', reg: 'GITS_CBASER', plus: 4 } },
      'read32 GITS_CBASER+0x4',
    ],
    [
      {
        kind: 'mmio-write',
        target: { kind: 'reg', reg: 'GICR_CTLR', unit: { type: 'rd', n: 3 } },
        value: 1n,
      },
      'write rd3 GICR_CTLR 0x1',
    ],
    [
      {
        kind: 'mmio-write',
        width: 32,
        target: { kind: 'offset', unit: { type: 'gicd' }, offset: 0x80 },
        value: 0xffff_ffffn,
      },
      'write32 gicd+0x80 0xffffffff',
    ],
    [{ kind: 'mmio-read', width: 64, target: { kind: 'addr', addr: 0x0800_0000 } }, 'read64 @0x8000000'],
    [{ kind: 'icc-read', cpu: 0, reg: 'ICC_IAR1_EL1' }, 'cpu0 read ICC_IAR1_EL1'],
    [
      { kind: 'icc-write', cpu: 1, reg: 'ICC_SGI1R_EL1', value: 0x100_0002n },
      'cpu1 write ICC_SGI1R_EL1 0x1000002',
    ],
    [{ kind: 'mem-write', width: 16, addr: 0x4000_0000, value: 0xbeefn }, 'mem write16 0x40000000 0xbeef'],
    [{ kind: 'mem-bytes', addr: 0x1000, bytes: [0xa2, 0, 1] }, 'mem write 0x1000 0xa2 0x0 0x1'],
    [{ kind: 'mem-fill', addr: 0x1000, len: 65536, byte: 0 }, 'mem fill 0x1000 64K 0x0'],
    [{ kind: 'mem-fill', addr: 0x1000, len: 4097, byte: 0xff }, 'mem fill 0x1000 4097 0xff'],
    [{ kind: 'lpi-config', rd: 0, intid: 8195, value: 0xa2 }, 'lpi-config 8195 0xa2'],
    [{ kind: 'lpi-config', rd: 2, intid: 8195, value: 0xa2 }, 'lpi-config rd2 8195 0xa2'],
    [{ kind: 'lpi-pending', rd: 0, intid: 8195, set: true }, 'lpi-pending 8195 set'],
    [{ kind: 'lpi-pending', rd: 1, intid: 8195, set: false }, 'lpi-pending rd1 8195 clear'],
    [
      {
        kind: 'its-cmd',
        its: 0,
        name: 'MAPD',
        fields: { V: 1n, ITT_addr: 0x4041_0000n, DeviceID: 2n, Size: 7n },
      },
      'its MAPD DeviceID=2 Size=7 ITT_addr=0x40410000 V=1',
    ],
    [
      {
        kind: 'its-cmd',
        its: 0,
        name: 'MAPTI',
        fields: { DeviceID: 2n, EventID: 20n, pINTID: 8195n, ICID: 3n },
      },
      'its MAPTI DeviceID=2 EventID=20 pINTID=8195 ICID=3',
    ],
    [
      { kind: 'its-cmd', its: 1, name: 'INT', fields: { DeviceID: 7n, EventID: 255n } },
      'its1 INT DeviceID=7 EventID=255',
    ],
    [{ kind: 'its-cmd', its: 0, name: 'SYNC', fields: {} }, 'its SYNC'],
    [
      { kind: 'its-raw', its: 0, dws: [0x2_0000_000an, 0x2003_0000_0014n, 3n, 0n] },
      'its raw 0x20000000a 0x200300000014 0x3 0x0',
    ],
    [{ kind: 'its-raw', its: 2, dws: [5n, 0n, 0n, 0n] }, 'its2 raw 0x5 0x0 0x0 0x0'],
    [{ kind: 'msi', device: { kind: 'name', name: 'nic0' }, eventid: 1 }, 'msi nic0 1'],
    [{ kind: 'msi', device: { kind: 'name', name: 'pci 00:02.0' }, eventid: 1 }, 'msi "pci 00:02.0" 1'],
    [{ kind: 'msi', device: { kind: 'name', name: '0dev' }, eventid: 1 }, 'msi "0dev" 1'],
    [{ kind: 'msi', device: { kind: 'rid', rid: 16 }, eventid: 20 }, 'msi rid=16 20'],
    [{ kind: 'line', intid: 40, level: 'high' }, 'line 40 high'],
    [{ kind: 'line', intid: 27, cpu: 1, level: 'pulse' }, 'line 27 pulse cpu1'],
    [{ kind: 'software', cpus: [1, 3], policy: 'hold' }, 'software cpu1,cpu3 hold'],
    [{ kind: 'software', cpus: 'all', policy: 'eoi' }, 'software all eoi'],
    [{ kind: 'run', until: 'idle' }, 'run'],
    [{ kind: 'run', until: 'delivery' }, 'run until delivery'],
    [{ kind: 'wait', ns: 5_000_000 }, 'wait 5ms'],
    [{ kind: 'wait', ns: 100 }, 'wait 100ns'],
    [{ kind: 'wait', ns: 1_500_000 }, 'wait 1500us'],
    [{ kind: 'wait', ns: 2_000_000_000 }, 'wait 2s'],
    [{ kind: 'wait', ns: 0 }, 'wait 0ns'],
    [{ kind: 'step', n: 1 }, 'step'],
    [{ kind: 'step', n: 12 }, 'step 12'],
    [{ kind: 'migrate' }, 'migrate'],
    [exp({ kind: 'deliveries', exact: [] }), 'expect deliveries none'],
    [
      exp({
        kind: 'deliveries',
        exact: [
          { cpu: 3, intid: 8195, count: 1 },
          { cpu: 2, intid: 8196, count: 2 },
        ],
      }),
      'expect deliveries cpu3:8195 cpu2:8196x2',
    ],
    [exp({ kind: 'delivered', cpu: 3, intid: 8195, count: 1 }), 'expect delivered cpu3 8195'],
    [exp({ kind: 'delivered', cpu: 3, intid: 8195, count: 2 }), 'expect delivered cpu3 8195 x2'],
    [
      exp({ kind: 'reg', target: { kind: 'reg', reg: 'GICD_CTLR' }, check: { equals: 0x12n } }),
      'expect reg GICD_CTLR == 0x12',
    ],
    [
      exp({
        kind: 'reg',
        width: 32,
        target: { kind: 'offset', unit: { type: 'its', n: 1 }, offset: 4 },
        check: { mask: 1n, equals: 1n },
      }),
      'expect reg32 its1+0x4 & 0x1 == 0x1',
    ],
    [
      exp({ kind: 'icc', cpu: 0, reg: 'ICC_PMR_EL1', check: { equals: 0xf0n } }),
      'expect icc cpu0 ICC_PMR_EL1 == 0xf0',
    ],
    [exp({ kind: 'mem', width: 8, addr: 0x1000, check: { equals: 0xa2n } }), 'expect mem8 0x1000 == 0xa2'],
    [exp({ kind: 'mem-bytes', addr: 0x1000, bytes: [0xa2, 0] }), 'expect mem 0x1000 == 0xa2 0x0'],
    [
      exp({ kind: 'dte', its: 0, devid: 2, fields: { itt: 0x4041_0000n, valid: 1n, size: 7n } }),
      'expect dte 2 valid=1 size=7 itt=0x40410000',
    ],
    [exp({ kind: 'dte', its: 1, devid: 2, fields: {}, absent: true }), 'expect dte its1 2 absent'],
    [
      exp({ kind: 'ite', its: 0, devid: 2, eventid: 20, fields: { intid: 8195n, icid: 3n } }),
      'expect ite 2 20 intid=8195 icid=3',
    ],
    [
      exp({ kind: 'cte', its: 0, icid: 3, fields: { valid: 1n, target: 3n } }),
      'expect cte 3 valid=1 target=3',
    ],
    [exp({ kind: 'lpi-pending', rd: 0, intid: 8195, pending: true }), 'expect pending rd0 8195'],
    [exp({ kind: 'lpi-pending', rd: 2, intid: 8195, pending: false }), 'expect not-pending rd2 8195'],
    [
      exp({
        kind: 'events',
        eventKind: 'its.error',
        filters: { command: 'MAPTI' },
        op: '>=',
        count: 1,
        total: true,
      }),
      'expect events its.error command=MAPTI >= 1 total',
    ],
    [
      exp({
        kind: 'events',
        eventKind: 'gicd.line',
        filters: { unit: 'pci 00:02.0', note: 'say "hi" \\o/', empty: '' },
        op: '==',
        count: 0,
      }),
      'expect events gicd.line unit="pci 00:02.0" note="say \\"hi\\" \\\\o/" empty="" == 0',
    ],
    [
      {
        kind: 'guest',
        vm: 0,
        vcpu: 1,
        action: { kind: 'mmio-read', target: { kind: 'reg', reg: 'GICR_TYPER' } },
      },
      'vm0 vcpu1 read GICR_TYPER',
    ],
    [
      {
        kind: 'guest',
        vm: 1,
        vcpu: 0,
        action: { kind: 'mmio-write', width: 32, target: { kind: 'addr', addr: 0x800_0000 }, value: 0x12n },
      },
      'vm1 vcpu0 write32 @0x8000000 0x12',
    ],
    [
      {
        kind: 'guest',
        vm: 0,
        vcpu: 1,
        action: { kind: 'icc-write', cpu: 1, reg: 'ICC_PMR_EL1', value: 0xf0n },
      },
      'vm0 vcpu1 write ICC_PMR_EL1 0xf0',
    ],
    [
      { kind: 'guest', vm: 0, vcpu: 1, action: { kind: 'icc-read', cpu: 1, reg: 'ICC_IAR1_EL1' } },
      'vm0 vcpu1 read ICC_IAR1_EL1',
    ],
    [
      {
        kind: 'guest',
        vm: 0,
        vcpu: 0,
        action: { kind: 'mem-fill', addr: 0x4013_0000, len: 4096, byte: 0xa2 },
      },
      'vm0 vcpu0 mem fill 0x40130000 4K 0xa2',
    ],
    [
      {
        kind: 'guest',
        vm: 0,
        vcpu: 0,
        action: { kind: 'its-cmd', its: 0, name: 'MAPC', fields: { ICID: 0n, RDbase: 1n, V: 1n } },
      },
      'vm0 vcpu0 its MAPC ICID=0 RDbase=1 V=1',
    ],
    [
      { kind: 'guest', vm: 0, vcpu: 2, action: { kind: 'lpi-config', rd: 2, intid: 8192, value: 0xa2 } },
      'vm0 vcpu2 lpi-config 8192 0xa2',
    ],
    [{ kind: 'vcpu-pin', vm: 0, vcpu: 1, pcpu: 3 }, 'vm0 vcpu1 pin pcpu3'],
    [{ kind: 'vcpu-pin', vm: 0, vcpu: 1, pcpu: -1 }, 'vm0 vcpu1 unpin'],
    [
      { kind: 'kvm', vm: 0, call: { kind: 'irq-line', irq: 0x0100_0020, level: 1 } },
      'vm0 irq-line spi 32 high',
    ],
    [
      { kind: 'kvm', vm: 0, call: { kind: 'irq-line', irq: 0x1202_001b, level: 0 } },
      'vm0 irq-line ppi vcpu258 27 low',
    ],
    [
      { kind: 'kvm', vm: 0, call: { kind: 'irq-line', irq: 0x0101_0020, level: 7 } },
      'vm0 irq-line 0x01010020 7',
    ],
    [{ kind: 'kvm', vm: 0, call: { kind: 'irq-line', irq: 5, level: 1 } }, 'vm0 irq-line 0x00000005 high'],
    [
      {
        kind: 'kvm',
        vm: 0,
        call: { kind: 'signal-msi', addressLo: 0x0809_0040, addressHi: 0, data: 5, flags: 1, devid: 16 },
      },
      'vm0 signal-msi addr=0x8090040 data=5 devid=16',
    ],
    [
      {
        kind: 'kvm',
        vm: 0,
        call: { kind: 'signal-msi', addressLo: 0x0809_0040, addressHi: 0, data: 5, flags: 0, devid: 0 },
      },
      'vm0 signal-msi addr=0x8090040 data=5',
    ],
    [
      {
        kind: 'kvm',
        vm: 0,
        call: { kind: 'signal-msi', addressLo: 0, addressHi: 1, data: 5, flags: 0, devid: 16 },
      },
      'vm0 signal-msi addr=0x100000000 data=5 flags=0x0 devid=16',
    ],
    [
      {
        kind: 'kvm',
        vm: 0,
        call: {
          kind: 'set-gsi-routing',
          entries: [
            irqchipRouteEntry(0, 5),
            msiRouteEntry(1, { address: 0x809_0040n, data: 7 }),
            msiRouteEntry(2, { address: 0x809_0040n, data: 7, devid: 16 }),
            { gsi: 3, type: 3, flags: 0, u: [1, 2, 0, 0, 0, 0, 0, 0] },
            { gsi: 4, type: 1, flags: 0, u: [1, 2, 0, 0, 0, 0, 0, 0] },
          ],
        },
      },
      'vm0 set-gsi-routing gsi=0:irqchip:5 gsi=1:msi:0x8090040:7 gsi=2:msi:0x8090040:7:16 gsi=3:raw:3:0:1:2 gsi=4:raw:1:0:1:2',
    ],
    [{ kind: 'kvm', vm: 0, call: { kind: 'set-gsi-routing', entries: [] } }, 'vm0 set-gsi-routing none'],
    [{ kind: 'kvm', vm: 0, call: { kind: 'eventfd' } }, 'vm0 eventfd'],
    [{ kind: 'kvm', vm: 0, call: { kind: 'eventfd-signal', fd: 3 } }, 'vm0 eventfd-signal 3'],
    [
      { kind: 'kvm', vm: 0, call: { kind: 'irqfd', fd: 3, gsi: 5, flags: 3, resamplefd: 4 } },
      'vm0 irqfd fd=3 gsi=5 resample=4 deassign',
    ],
    [
      { kind: 'kvm', vm: 0, call: { kind: 'irqfd', fd: 3, gsi: 5, flags: 0, resamplefd: 4 } },
      'vm0 irqfd fd=3 gsi=5 flags=0x0 resample=4',
    ],
    [
      { kind: 'kvm', vm: 0, call: { kind: 'irqfd', fd: 3, gsi: 5, flags: 4, resamplefd: 0 } },
      'vm0 irqfd fd=3 gsi=5 flags=0x4',
    ],
    [
      { kind: 'kvm', vm: 0, call: { kind: 'vfio-irq', device: 'nic0', vector: 1, hostIntid: 8200, fd: 3 } },
      'vm0 vfio nic0 vector=1 lpi=8200 fd=3',
    ],
    [
      {
        kind: 'kvm',
        vm: 0,
        call: { kind: 'vfio-irq', device: 'pci 00:02.0', vector: 1, hostIntid: 8200, fd: 3 },
      },
      'vm0 vfio "pci 00:02.0" vector=1 lpi=8200 fd=3',
    ],
    [{ kind: 'kvm', vm: 0, call: { kind: 'migrate' } }, 'vm0 migrate'],
    [
      { kind: 'guest', vm: 0, vcpu: 1, action: { kind: 'lpi-pending', rd: 1, intid: 8195, set: true } },
      'vm0 vcpu1 lpi-pending 8195 set',
    ],
    [
      { kind: 'guest', vm: 0, vcpu: 0, action: { kind: 'lpi-pending', rd: 2, intid: 8196, set: false } },
      'vm0 vcpu0 lpi-pending rd2 8196 clear',
    ],
    [
      exp({ kind: 'guest', vm: 0, expect: { kind: 'delivered', cpu: 1, intid: 27, count: 1 } }),
      'expect vm0 delivered vcpu1 27',
    ],
    [
      exp({ kind: 'guest', vm: 0, expect: { kind: 'delivered', cpu: 1, intid: 8192, count: 2 } }),
      'expect vm0 delivered vcpu1 8192 x2',
    ],
    [
      exp({
        kind: 'guest',
        vm: 1,
        expect: {
          kind: 'deliveries',
          exact: [
            { cpu: 3, intid: 8195, count: 1 },
            { cpu: 0, intid: 0, count: 2 },
          ],
        },
      }),
      'expect vm1 deliveries vcpu3:8195 vcpu0:0 x2',
    ],
    [
      exp({
        kind: 'guest',
        vm: 0,
        expect: { kind: 'icc', cpu: 2, reg: 'ICC_RPR_EL1', check: { equals: 0xa0n } },
      }),
      'expect vm0 icc vcpu2 ICC_RPR_EL1 == 0xa0',
    ],
    [
      exp({ kind: 'guest', vm: 0, expect: { kind: 'lpi-pending', rd: 3, intid: 8195, pending: false } }),
      'expect vm0 not-pending rd3 8195',
    ],
  ];

  it.each(cases.map(([a, text]) => ({ a, text })))('$text', ({ a, text }) => {
    expect(printAction(a)).toBe(text);
    roundTrip(a);
  });

  it('writes the count of INTID 0 apart from it: cpu0:0x2 would be INTID 2', () => {
    const a = exp({
      kind: 'deliveries',
      exact: [
        { cpu: 0, intid: 0, count: 2 },
        { cpu: 1, intid: 8195, count: 3 },
      ],
    });
    expect(printAction(a)).toBe('expect deliveries cpu0:0 x2 cpu1:8195x3');
    roundTrip(a);
    expect(parseLine('expect deliveries cpu0:0x2')).toMatchObject({
      ok: true,
      action: exp({ kind: 'deliveries', exact: [{ cpu: 0, intid: 2, count: 1 }] }),
    });
  });

  it('prints durations and lengths in the largest exact unit', () => {
    expect(formatDuration(3_000_000_000)).toBe('3s');
    expect(formatDuration(3_000_001_000)).toBe('3000001us');
    expect(formatLength(0)).toBe('0');
    expect(formatLength(3 * 2 ** 30)).toBe('3G');
    expect(formatLength(1536)).toBe('1536');
    expect(formatLength(2048)).toBe('2K');
  });
});

// ---------------------------------------------------------------------------------------------
// An arbitrary for every Action the parser can produce, for the round-trip property.

const index = fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 0xffff }));
const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff_ffff }));
const addr = fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: 0, max: 2 ** 52 - 1 }));
const byte = fc.integer({ min: 0, max: 0xff });
const widthArb = fc.constantFrom<AccessWidth>(8, 16, 32, 64);
const valueOf = (bits: number): fc.Arbitrary<bigint> =>
  fc.oneof(fc.bigInt({ min: 0n, max: 0xffn }), fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n }));
const lpiId = fc.integer({ min: 8192, max: 0xffff_ffff });
const iccReg = fc.constantFrom(...ICC_REGISTERS.map((r) => r.name));

const unitArb: fc.Arbitrary<Unit> = fc.oneof(
  fc.constant<Unit>({ type: 'gicd' }),
  index.map((n): Unit => ({ type: 'rd', n })),
  index.map((n): Unit => ({ type: 'its', n })),
);
const unitOfType = (type: Unit['type']): fc.Arbitrary<Unit> =>
  type === 'gicd' ? fc.constant<Unit>({ type: 'gicd' }) : index.map((n): Unit => ({ type, n }));

const regTarget: fc.Arbitrary<MmioTarget> = fc
  .record({
    prefix: fc.constantFrom(['GICD', 'gicd'] as const, ['GICR', 'rd'] as const, ['GITS', 'its'] as const),
    rest: fc.stringMatching(/^[A-Z0-9_]{1,14}$/),
    withUnit: fc.boolean(),
    plus: fc.option(fc.integer({ min: 0, max: 0xff }), { nil: undefined }),
  })
  .chain(({ prefix, rest, withUnit, plus }) =>
    unitOfType(prefix[1]).map((unit): MmioTarget => ({
      kind: 'reg',
      reg: `${prefix[0]}_${rest}`,
      ...(withUnit ? { unit } : {}),
      ...(plus !== undefined ? { plus } : {}),
    })),
  );
const offsetTarget: fc.Arbitrary<MmioTarget> = fc
  .record({ unit: unitArb, offset: addr })
  .map((r) => ({ kind: 'offset', ...r }));
const addrTarget: fc.Arbitrary<MmioTarget> = addr.map((a) => ({ kind: 'addr', addr: a }));
const anyTarget = fc.oneof(regTarget, offsetTarget, addrTarget);

/** A target with a width it may be used with (offset and address targets need one). */
const targetAndWidth: fc.Arbitrary<{ target: MmioTarget; width?: AccessWidth }> = fc
  .tuple(anyTarget, fc.option(widthArb, { nil: undefined }))
  .map(([target, width]) => {
    const w = width ?? (target.kind === 'reg' ? undefined : 32);
    return { target, ...(w ? { width: w } : {}) };
  });

const checkArb = (bits: number): fc.Arbitrary<ValueCheck> =>
  fc
    .record({
      mask: fc.option(valueOf(bits), { nil: undefined }),
      equals: valueOf(bits),
      unchanged: fc.boolean(),
    })
    .map(({ mask, equals, unchanged }): ValueCheck =>
      unchanged
        ? mask === undefined
          ? { unchanged: true }
          : { mask, unchanged: true }
        : mask === undefined
          ? { equals }
          : { mask, equals },
    );

const itsCmd: fc.Arbitrary<Action> = fc
  .record({
    spec: fc.constantFrom(...ITS_COMMANDS),
    its: index,
    seed: fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 12, maxLength: 12 }),
    keep: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
  })
  .map(({ spec, its, seed, keep }): Action => {
    const fields: Record<string, bigint> = {};
    spec.fields.forEach((fs, i) => {
      if (!keep[i]) return;
      const bits = BigInt(fs.msb - fs.lsb + 1);
      fields[fs.name] = (seed[i]! & ((1n << bits) - 1n)) << BigInt(fs.shift ?? 0);
    });
    return { kind: 'its-cmd', its, name: spec.name, fields };
  });

const nameArb = fc.oneof(
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,10}$/),
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[\r\n]/.test(s)),
);
const deviceArb: fc.Arbitrary<DeviceRef> = fc.oneof(
  nameArb.map((name): DeviceRef => ({ kind: 'name', name })),
  u32.map((rid): DeviceRef => ({ kind: 'rid', rid })),
);

const lineArb: fc.Arbitrary<Action> = fc.oneof(
  fc
    .record({
      intid: fc.integer({ min: 16, max: 31 }),
      cpu: index,
      level: fc.constantFrom('high', 'low', 'pulse' as const),
    })
    .map((r): Action => ({ kind: 'line', ...r })),
  fc
    .record({
      intid: fc.integer({ min: 32, max: 1019 }),
      level: fc.constantFrom('high', 'low', 'pulse' as const),
    })
    .map((r): Action => ({ kind: 'line', ...r })),
);

const durationArb = fc.oneof(
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(1, 1e3, 1e6, 1e9)).map(([n, s]) => n * s),
);
const lengthArb = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 52 - 1 }),
  fc
    .tuple(fc.integer({ min: 0, max: 4096 }), fc.constantFrom(1, 2 ** 10, 2 ** 20, 2 ** 30))
    .map(([n, s]) => n * s),
);

const tableFieldsArb = (
  table: 'dte' | 'ite' | 'cte',
): fc.Arbitrary<{ fields: Record<string, bigint>; absent?: true }> =>
  fc.oneof(
    fc.constant({ fields: {}, absent: true as const }),
    fc
      .subarray(Object.keys(TABLE_ENTRY_FIELDS[table]))
      .chain((keys) =>
        fc
          .tuple(...keys.map(() => valueOf(64)))
          .map((vals) => ({ fields: Object.fromEntries(keys.map((k, i) => [k, vals[i]!])) })),
      ),
  );

const filterKey = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/).filter((k) => k !== '__proto__');
const filterValue = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,10}$/),
  fc.string({ maxLength: 10 }).filter((s) => !/[\r\n]/.test(s)),
);

/** The forms that read a view: the host's, or a guest's inside `expect vm<n>`. */
const viewExpectationArb: fc.Arbitrary<ViewExpectation> = fc.oneof(
  fc
    .uniqueArray(fc.record({ cpu: index, intid: u32, count: fc.integer({ min: 1, max: 0xffff_ffff }) }), {
      selector: (d) => `${d.cpu}:${d.intid}`,
      maxLength: 4,
    })
    .map((exact): Expectation => ({ kind: 'deliveries', exact })),
  fc.record({ cpu: index, intid: u32, count: u32 }).map((r): Expectation => ({ kind: 'delivered', ...r })),
  targetAndWidth.chain(({ target, width }) =>
    checkArb(width ?? 64).map((check): Expectation => ({
      kind: 'reg',
      target,
      ...(width ? { width } : {}),
      check,
    })),
  ),
  fc
    .record({ cpu: index, reg: iccReg, check: checkArb(64) })
    .map((r): Expectation => ({ kind: 'icc', ...r })),
  widthArb.chain((width) =>
    fc.record({ addr, check: checkArb(width) }).map((r): Expectation => ({ kind: 'mem', width, ...r })),
  ),
  fc
    .record({ addr, bytes: fc.array(byte, { minLength: 1, maxLength: 8 }) })
    .map((r): Expectation => ({ kind: 'mem-bytes', ...r })),
  fc
    .tuple(index, u32, tableFieldsArb('dte'))
    .map(([its, devid, f]): Expectation => ({ kind: 'dte', its, devid, ...f })),
  fc
    .tuple(index, u32, u32, tableFieldsArb('ite'))
    .map(([its, devid, eventid, f]): Expectation => ({ kind: 'ite', its, devid, eventid, ...f })),
  fc
    .tuple(index, u32, tableFieldsArb('cte'))
    .map(([its, icid, f]): Expectation => ({ kind: 'cte', its, icid, ...f })),
  fc
    .record({ rd: index, intid: lpiId, pending: fc.boolean() })
    .map((r): Expectation => ({ kind: 'lpi-pending', ...r })),
) as fc.Arbitrary<ViewExpectation>;

const expectationArb: fc.Arbitrary<Expectation> = fc.oneof(
  viewExpectationArb,
  fc
    .record({
      eventKind: fc.stringMatching(/^[a-z][a-z0-9_-]{0,5}(\.[a-z0-9_-]{1,5}){0,2}$/),
      filters: fc.dictionary(filterKey, filterValue, { maxKeys: 3 }),
      op: fc.constantFrom('==', '>=', '<=' as const),
      count: u32,
      total: fc.boolean(),
    })
    .map(({ total, ...r }): Expectation => ({ kind: 'events', ...r, ...(total ? { total } : {}) })),
);

/** What a guest line may hold: the host forms minus read-modify-write, with the vCPU in icc / lpi-config. */
const guestInnerArb = (vcpu: number): fc.Arbitrary<Action> =>
  fc.oneof(
    targetAndWidth.map(({ target, width }): Action => ({
      kind: 'mmio-read',
      ...(width ? { width } : {}),
      target,
    })),
    targetAndWidth.chain(({ target, width }) =>
      valueOf(width ?? 64).map((value): Action => ({
        kind: 'mmio-write',
        ...(width ? { width } : {}),
        target,
        value,
      })),
    ),
    iccReg.map((reg): Action => ({ kind: 'icc-read', cpu: vcpu, reg })),
    fc
      .record({ reg: iccReg, value: valueOf(64) })
      .map((r): Action => ({ kind: 'icc-write', cpu: vcpu, ...r })),
    widthArb.chain((width) =>
      fc.record({ addr, value: valueOf(width) }).map((r): Action => ({ kind: 'mem-write', width, ...r })),
    ),
    fc
      .record({ addr, bytes: fc.array(byte, { minLength: 1, maxLength: 8 }) })
      .map((r): Action => ({ kind: 'mem-bytes', ...r })),
    fc.record({ addr, len: lengthArb, byte }).map((r): Action => ({ kind: 'mem-fill', ...r })),
    itsCmd,
    fc
      .record({ its: index, dws: fc.tuple(valueOf(64), valueOf(64), valueOf(64), valueOf(64)) })
      .map((r): Action => ({ kind: 'its-raw', ...r })),
    fc.record({ intid: lpiId, value: byte }).map((r): Action => ({ kind: 'lpi-config', rd: vcpu, ...r })),
    fc
      .record({ rd: fc.oneof(fc.constant(vcpu), index), intid: lpiId, set: fc.boolean() })
      .map((r): Action => ({ kind: 'lpi-pending', ...r })),
  );

const u32Or = (...special: number[]): fc.Arbitrary<number> => fc.oneof(fc.constantFrom(...special), u32);
const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 0xffff_ffffn }),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
);

const routeEntryArb: fc.Arbitrary<KvmIrqRoutingEntryUser> = fc.oneof(
  fc.tuple(u32, u32).map(([gsi, pin]) => irqchipRouteEntry(gsi, pin)),
  fc
    .record({ gsi: u32, address: u64, data: u32, devid: fc.option(u32, { nil: undefined }) })
    .map(({ gsi, devid, ...m }) => msiRouteEntry(gsi, { ...m, ...(devid !== undefined ? { devid } : {}) })),
  fc
    .record({
      gsi: u32,
      type: u32Or(0, 1, 2, 3),
      flags: u32Or(0, 1, 2),
      u: fc.array(u32Or(0), { minLength: 8, maxLength: 8 }),
    })
    .map((r): KvmIrqRoutingEntryUser => r),
);

const kvmCallArb: fc.Arbitrary<KvmCall> = fc.oneof(
  fc
    .record({
      irq: fc.oneof(
        u32,
        fc
          .tuple(
            fc.constantFrom(0, 1, 2, 3),
            fc.integer({ min: 0, max: 4095 }),
            fc.integer({ min: 0, max: 0xffff }),
          )
          .map(([t, v, id]) => (((v >> 8) << 28) | (t << 24) | ((v & 0xff) << 16) | id) >>> 0),
      ),
      level: u32Or(0, 1),
    })
    .map((r): KvmCall => ({ kind: 'irq-line', ...r })),
  fc
    .record({ addressLo: u32, addressHi: u32Or(0), data: u32, flags: u32Or(0, 1), devid: u32Or(0) })
    .map((r): KvmCall => ({ kind: 'signal-msi', ...r })),
  fc.array(routeEntryArb, { maxLength: 4 }).map((entries): KvmCall => ({ kind: 'set-gsi-routing', entries })),
  fc.constant<KvmCall>({ kind: 'eventfd' }),
  fc
    .record({ fd: u32, gsi: u32, flags: u32Or(0, 1, 2, 3), resamplefd: u32Or(0) })
    .map((r): KvmCall => ({ kind: 'irqfd', ...r })),
  u32.map((fd): KvmCall => ({ kind: 'eventfd-signal', fd })),
  fc.constant<KvmCall>({ kind: 'migrate' }),
  fc
    .record({ device: nameArb, vector: u32, hostIntid: lpiId, fd: u32 })
    .map((r): KvmCall => ({ kind: 'vfio-irq', ...r })),
);

const vmActionArb: fc.Arbitrary<Action> = fc.oneof(
  fc
    .tuple(index, index)
    .chain(([vm, vcpu]) =>
      guestInnerArb(vcpu).map((action): Action => ({ kind: 'guest', vm, vcpu, action })),
    ),
  fc.record({ vm: index, call: kvmCallArb }).map((r): Action => ({ kind: 'kvm', ...r })),
  fc
    .record({ vm: index, vcpu: index, pcpu: fc.oneof(fc.constant(-1), index) })
    .map((r): Action => ({ kind: 'vcpu-pin', ...r })),
  fc.record({ vm: index, expect: viewExpectationArb }).map((r): Action => exp({ kind: 'guest', ...r })),
);

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  targetAndWidth.map(({ target, width }): Action => ({
    kind: 'mmio-read',
    ...(width ? { width } : {}),
    target,
  })),
  targetAndWidth.chain(({ target, width }) =>
    fc
      .tuple(valueOf(width ?? 64), fc.constantFrom(undefined, 'set-bits' as const, 'clear-bits' as const))
      .map(([value, op]): Action => ({
        kind: 'mmio-write',
        ...(width ? { width } : {}),
        target,
        value,
        ...(op ? { op } : {}),
      })),
  ),
  fc.record({ cpu: index, reg: iccReg }).map((r): Action => ({ kind: 'icc-read', ...r })),
  fc
    .record({ cpu: index, reg: iccReg, value: valueOf(64) })
    .map((r): Action => ({ kind: 'icc-write', ...r })),
  widthArb.chain((width) =>
    fc.record({ addr, value: valueOf(width) }).map((r): Action => ({ kind: 'mem-write', width, ...r })),
  ),
  fc
    .record({ addr, bytes: fc.array(byte, { minLength: 1, maxLength: 8 }) })
    .map((r): Action => ({ kind: 'mem-bytes', ...r })),
  fc.record({ addr, len: lengthArb, byte }).map((r): Action => ({ kind: 'mem-fill', ...r })),
  fc.record({ rd: index, intid: lpiId, value: byte }).map((r): Action => ({ kind: 'lpi-config', ...r })),
  fc
    .record({ rd: index, intid: lpiId, set: fc.boolean() })
    .map((r): Action => ({ kind: 'lpi-pending', ...r })),
  itsCmd,
  fc
    .record({ its: index, dws: fc.tuple(valueOf(64), valueOf(64), valueOf(64), valueOf(64)) })
    .map((r): Action => ({ kind: 'its-raw', ...r })),
  fc.record({ device: deviceArb, eventid: u32 }).map((r): Action => ({ kind: 'msi', ...r })),
  lineArb,
  fc
    .record({
      cpus: fc.oneof(fc.constant('all' as const), fc.uniqueArray(index, { minLength: 1, maxLength: 4 })),
      policy: fc.constantFrom(...POLICIES),
    })
    .map((r): Action => ({ kind: 'software', ...r })),
  fc.constantFrom(...RUN_UNTIL).map((until): Action => ({ kind: 'run', until })),
  durationArb.map((ns): Action => ({ kind: 'wait', ns })),
  fc.integer({ min: 1, max: 0xffff_ffff }).map((n): Action => ({ kind: 'step', n })),
  fc.constant<Action>({ kind: 'migrate' }),
  expectationArb.map(exp),
  vmActionArb,
  vmActionArb,
);

describe('round trip', () => {
  it('parses every printed action back to an equal action', () => {
    fc.assert(fc.property(actionArb, roundTrip), { numRuns: 5000 });
  });

  it('parses every printed VM line (guest, KVM call, pinning, guest expectation) back to an equal action', () => {
    fc.assert(fc.property(vmActionArb, roundTrip), { numRuns: 3000 });
  });

  it('prints a canonical text that is a fixed point', () => {
    fc.assert(
      fc.property(actionArb, (a) => {
        const text = printAction(a);
        const r = parseLine(text);
        expect(r?.ok && printAction(r.action)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});
