/**
 * Property test of the inspectors (gic-inspect.ts, its-inspect.ts, register-inspect.ts,
 * memory-inspect.ts): whatever state random and hostile inputs leave a machine in, and whatever
 * arguments they are given, the inspectors never throw, never change the machine (its serialised
 * state, its event count, its memory pages), and return plain data that crosses a worker boundary
 * (no bigint, Map, Set, typed array or class instance; no NaN).
 *
 * Machines are brought up as kvm-unit-tests' its_setup1 does (C27,
 * public/scenarios/conformance/kut-c27-its-int-dev2.json) and then driven as
 * machine.property.test.ts drives them: ITS commands by name with random fields, raw commands,
 * MSIs, register writes anywhere in the GIC frames, memory writes into the tables and the queue,
 * new GITS_BASERs (flat or two-level, any page size), ICC accesses (acknowledges included),
 * handler policies and migrations. The inspectors run after every input.
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { inspectCpu, inspectDistributor, inspectRedistributor } from '../gic/gic-inspect';
import type { ProfileName } from '../gic/gic-rules';
import { ICC_REGISTERS } from '../gic/icc-registers';
import type { AccessWidth } from '../gic/registers';
import { encodeCommand, ITS_COMMANDS, type CommandWords } from '../its/command-encoding';
import { queueGeometry } from '../its/command-queue';
import { cache, collections, devices, inspectIts, itt, queueSlots } from '../its/its-inspect';
import { memVisible } from '../mem/memory';
import type { Input } from './inputs';
import { Machine } from './machine';
import { mmio, bytesLE } from './property-fixture';
import { resolveMachine } from './machine-config';
import { memoryMap, readMemory } from './memory-inspect';
import { serialiseState } from './migrate';
import { readRegister, registerList } from './register-inspect';

const SCALE = Math.max(1, Number(process.env.GICLAB_FC_SCALE ?? 1) || 1);

const PROFILES: readonly ProfileName[] = ['kvm', 'qemu', 'spec'];
const CPUS = 4;
const GICD = 0x0800_0000;
const ITS0 = 0x0808_0000;
const GICR = 0x080a_0000;
const GICR_STRIDE = 0x2_0000;
const SGI_BASE = 0x1_0000;
const FIRST_LPI = 8192;
const ITT = (dev: number): number => 0x4030_0000 + 0x1000 * dev;

/** C27's S1, S4, S5 as inputs, then four devices with four events each over four collections. */
function upMachine(profile: ProfileName, pta: boolean): Machine {
  const r = resolveMachine({ profile, cpus: CPUS, spis: 256, its: [{ pta }] });
  if (!r.ok) throw new Error(r.problems.join('; '));
  const m = Machine.create(r.machine);
  const inputs: Input[] = [
    mmio(ITS0 + 0x100, 64, true, 0xb907_0000_4010_0600n),
    mmio(ITS0 + 0x108, 64, true, 0xbc07_0000_4011_0600n),
    mmio(ITS0 + 0x80, 64, true, 0x8000_0000_4012_000fn),
    mmio(ITS0 + 0x88, 64, true, 0n),
    mmio(GICD, 32, true, 0x13n),
  ];
  for (let n = 1; n < 9; n++) inputs.push(mmio(GICD + 0x80 + 4 * n, 32, true, 0xffff_ffffn));
  for (let c = 0; c < CPUS; c++) {
    const rd = GICR + c * GICR_STRIDE;
    inputs.push(mmio(rd + 0x14, 32, true, 0n), mmio(rd + SGI_BASE + 0x80, 32, true, 0xffff_ffffn));
    for (let k = 0; k < 8; k++) inputs.push(mmio(rd + SGI_BASE + 0x400 + 4 * k, 32, true, 0xa0a0_a0a0n));
    inputs.push(mmio(rd + SGI_BASE + 0x100, 32, true, 0xffffn));
    inputs.push({ kind: 'icc', cpu: c, reg: 'ICC_PMR_EL1', write: true, value: 0xf0n });
    inputs.push({ kind: 'icc', cpu: c, reg: 'ICC_IGRPEN1_EL1', write: true, value: 1n });
  }
  inputs.push({ kind: 'mem-fill', addr: 0x4013_0000, len: 64, byte: 0xa3 });
  for (let c = 0; c < CPUS; c++) {
    const rd = GICR + c * GICR_STRIDE;
    inputs.push(mmio(rd + 0x70, 64, true, 0x4013_000dn));
    inputs.push(mmio(rd + 0x78, 64, true, BigInt(0x4020_0000 + 0x1_0000 * c)));
    inputs.push(mmio(rd + 0x00, 32, true, 1n));
  }
  inputs.push(mmio(ITS0, 32, true, 1n));
  for (const i of inputs) apply(m, i);
  const rdbase = (c: number): bigint => BigInt(pta ? (GICR + c * GICR_STRIDE) / 0x1_0000 : c);
  const cmd = (name: string, fields: Record<string, bigint>): void => {
    const e = encodeCommand(name, fields);
    if (!e.ok) throw new Error(e.error);
    post(m, e.dws);
  };
  for (let d = 0; d < 4; d++) cmd('MAPD', { DeviceID: BigInt(d), Size: 7n, ITT_addr: BigInt(ITT(d)), V: 1n });
  for (let c = 0; c < CPUS; c++) cmd('MAPC', { ICID: BigInt(c), RDbase: rdbase(c), V: 1n });
  for (let d = 0; d < 4; d++)
    for (let e = 0; e < 4; e++)
      cmd('MAPTI', {
        DeviceID: BigInt(d),
        EventID: BigInt(e),
        pINTID: BigInt(FIRST_LPI + 16 * d + e),
        ICID: BigInt((d + e) % CPUS),
      });
  return m;
}

/** One input, then the machine runs until idle (an interrupt storm is cut short; that is not our subject). */
function apply(m: Machine, i: Input): void {
  m.input(i);
  m.run({ maxEvents: 20_000 });
}

/** Posts a command as the runner does: 32 bytes at GITS_CBASER + GITS_CWRITER, then CWRITER moved on. */
function post(m: Machine, dws: CommandWords): void {
  const its = m.s.its[0]!;
  const q = queueGeometry(its);
  const off = Number(its.cwriter & 0xfffe0n);
  if (!q.valid || off >= q.size || !memVisible(m.s.mem, q.base + off, 32)) return;
  apply(m, { kind: 'mem-write', addr: q.base + off, bytes: dws.flatMap((d) => bytesLE(d, 8)) });
  apply(m, mmio(ITS0 + 0x88, 64, true, BigInt((off + 32) % q.size)));
}

// ------------------------------------------------------------------------------------ inputs

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const small = (max: number): fc.Arbitrary<bigint> => fc.integer({ min: 0, max }).map(BigInt);

const fieldPool: Record<string, fc.Arbitrary<bigint>> = {
  DeviceID: fc.oneof(small(9), small(0xffff)),
  EventID: fc.oneof(small(7), small(0x1ff)),
  pINTID: fc.oneof(fc.integer({ min: FIRST_LPI, max: FIRST_LPI + 80 }).map(BigInt), small(0x1_0000)),
  ICID: small(6),
  RDbase: fc.oneof(
    small(5),
    fc.integer({ min: 0, max: 4 }).map((c) => BigInt((GICR + c * GICR_STRIDE) / 0x10000)),
  ),
  RDbase1: small(5),
  RDbase2: small(5),
  Size: small(9),
  ITT_addr: fc.oneof(
    fc.integer({ min: 0, max: 9 }).map((d) => BigInt(ITT(d))),
    fc.constantFrom(0x4010_0000n, 0x4012_0000n, 0n),
  ),
  V: small(1),
};

type Op =
  | { op: 'cmd'; dws: CommandWords }
  | { op: 'input'; input: Input }
  | { op: 'baser'; n: number; value: bigint };

const namedCommand: fc.Arbitrary<Op> = fc.constantFrom(...ITS_COMMANDS).chain((spec) =>
  fc
    .tuple(...spec.fields.map((f) => fc.option(fieldPool[f.name] ?? small(0xff), { nil: undefined })))
    .map((vals) => {
      const fields: Record<string, bigint> = {};
      spec.fields.forEach((f, i) => {
        const v = vals[i];
        const width = BigInt(f.msb - f.lsb + 1 + (f.shift ?? 0));
        if (v !== undefined && v < 1n << width)
          fields[f.name] = f.shift ? (v >> BigInt(f.shift)) << BigInt(f.shift) : v;
      });
      const e = encodeCommand(spec.name, fields);
      return { op: 'cmd' as const, dws: e.ok ? e.dws : ([0n, 0n, 0n, 0n] as CommandWords) };
    }),
);

const rawCommand: fc.Arbitrary<Op> = fc
  .tuple(fc.integer({ min: 0, max: 0x3f }), u64, u64, u64, u64)
  .map(([op, a, b, c, d]) => ({
    op: 'cmd' as const,
    dws: [(a & ~0xffn) | BigInt(op), b, c, d] as CommandWords,
  }));

const frames = [
  { base: GICD, size: 0x1_0000 },
  ...[0, 1, 2, 3].map((c) => ({ base: GICR + c * GICR_STRIDE, size: 0x2_0000 })),
  { base: ITS0, size: 0x2_0000 },
];
const OFFSETS = [
  0x0, 0x4, 0x8, 0x14, 0x70, 0x78, 0x80, 0x88, 0x90, 0x100, 0x108, 0x104, 0x204, 0x6140, 0x10100, 0x10200,
];
const mmioOp: fc.Arbitrary<Op> = fc
  .record({
    frame: fc.constantFrom(...frames),
    offset: fc.oneof(fc.constantFrom(...OFFSETS), fc.integer({ min: 0, max: 0x1_ffff })),
    width: fc.constantFrom<AccessWidth>(8, 16, 32, 64),
    write: fc.boolean(),
    value: fc.oneof(u64, small(0xff)),
  })
  .map((o) => ({
    op: 'input' as const,
    input: mmio(
      o.frame.base + (o.offset % o.frame.size),
      o.width,
      o.write,
      o.value & ((1n << BigInt(o.width)) - 1n),
    ),
  }));

/** Memory writes into the tables, the ITTs, the queue, the LPI tables. */
const memOp: fc.Arbitrary<Op> = fc
  .tuple(
    fc.constantFrom(
      0x4010_0000,
      0x4011_0000,
      0x4012_0000,
      ITT(0),
      ITT(2),
      0x4013_0000,
      0x4020_0000,
      0x4030_0000,
    ),
    fc.integer({ min: 0, max: 0x3ff }),
    fc.array(fc.integer({ min: 0, max: 0xff }), { minLength: 1, maxLength: 24 }),
  )
  .map(([base, off, bytes]) => ({
    op: 'input' as const,
    input: { kind: 'mem-write', addr: base + off, bytes },
  }));

const iccOp: fc.Arbitrary<Op> = fc
  .record({
    cpu: fc.integer({ min: 0, max: CPUS - 1 }),
    reg: fc.constantFrom(...ICC_REGISTERS.map((r) => r.name)),
    write: fc.boolean(),
    value: fc.oneof(small(0xff), fc.integer({ min: FIRST_LPI, max: FIRST_LPI + 63 }).map(BigInt), u64),
  })
  .map((i) => ({ op: 'input' as const, input: { kind: 'icc', ...i } }));

const msiOp: fc.Arbitrary<Op> = fc
  .record({ rid: fc.integer({ min: 0, max: 9 }), eventid: fc.integer({ min: 0, max: 300 }) })
  .map(({ rid, eventid }) => ({
    op: 'input' as const,
    input: { kind: 'msi', device: '', rid, devid: rid, its: 0, eventid },
  }));

const softwareOp: fc.Arbitrary<Op> = fc
  .record({
    cpu: fc.integer({ min: 0, max: CPUS - 1 }),
    policy: fc.constantFrom('eoi', 'deactivate-icactiver', 'hold', 'masked' as const),
  })
  .map(({ cpu, policy }) => ({ op: 'input' as const, input: { kind: 'software', cpus: [cpu], policy } }));

/** A new GITS_BASER<n>: valid or not, flat or two-level, any page size, in the table area. */
const baserOp: fc.Arbitrary<Op> = fc
  .record({
    n: fc.integer({ min: 0, max: 2 }),
    valid: fc.boolean(),
    indirect: fc.boolean(),
    pageSize: fc.integer({ min: 0, max: 3 }),
    pages: fc.integer({ min: 0, max: 3 }),
    base: fc.constantFrom(0x4010_0000, 0x4011_0000, 0x4050_0000, 0),
  })
  .map((b) => ({
    op: 'baser' as const,
    n: b.n,
    value:
      (b.valid ? 1n << 63n : 0n) |
      (b.indirect ? 1n << 62n : 0n) |
      BigInt(b.base) |
      (BigInt(b.pageSize) << 8n) |
      BigInt(b.pages),
  }));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: namedCommand },
  { weight: 2, arbitrary: rawCommand },
  { weight: 4, arbitrary: msiOp },
  { weight: 3, arbitrary: mmioOp },
  { weight: 2, arbitrary: memOp },
  { weight: 1, arbitrary: baserOp },
  { weight: 3, arbitrary: iccOp },
  { weight: 2, arbitrary: softwareOp },
  { weight: 1, arbitrary: fc.constant<Op>({ op: 'input', input: { kind: 'migrate' } }) },
);

function applyOp(m: Machine, o: Op): void {
  switch (o.op) {
    case 'cmd':
      post(m, o.dws);
      return;
    case 'input':
      apply(m, o.input);
      return;
    case 'baser':
      apply(m, mmio(ITS0, 32, true, 0n));
      apply(m, mmio(ITS0 + 0x100 + 8 * o.n, 64, true, o.value));
      apply(m, mmio(ITS0, 32, true, 1n));
      return;
  }
}

// ------------------------------------------------------------------------------------ the check

/** Arguments an inspector may be given: sensible ones and nonsense. */
interface Args {
  index: number;
  cpu: number;
  devid: number;
  from: number;
  count: number;
  unit: string;
  reg: string;
  addr: number;
  len: number;
}

const anyNumber = fc.oneof(
  fc.integer({ min: -3, max: 12 }),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, 0.5, 2 ** 32, 2 ** 53),
);
const argsArb: fc.Arbitrary<Args> = fc.record({
  index: anyNumber,
  cpu: anyNumber,
  devid: fc.oneof(fc.integer({ min: 0, max: 9 }), anyNumber, fc.integer({ min: 0, max: 0xffff_ffff })),
  from: fc.oneof(fc.integer({ min: -5000, max: 5000 }), anyNumber),
  count: fc.oneof(fc.integer({ min: 0, max: 3000 }), anyNumber),
  unit: fc.oneof(
    fc.constantFrom('gicd', 'rd0', 'rd3', 'gicr2', 'its0', 'rd4', 'its1', 'cpu0', ''),
    fc.string(),
  ),
  reg: fc.oneof(
    fc.constantFrom(
      'GICD_CTLR',
      'GICR_PROPBASER',
      'GITS_BASER1',
      'GITS_TRANSLATER',
      'ctlr',
      'GICD_IROUTER1019',
    ),
    fc.string(),
  ),
  addr: fc.oneof(
    fc.constantFrom(0x4010_0000, 0x4012_0000, 0x4013_0000, 0x4030_0000, 0x3fff_f000, 0x7fff_f800, GICD),
    anyNumber,
  ),
  len: fc.oneof(fc.integer({ min: 0, max: 5000 }), anyNumber),
});

/** Throws unless `v` is plain, structured-cloneable data of numbers, strings and booleans. */
function assertPlain(v: unknown, path: string): void {
  if (v === undefined || v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new Error(`${path} is NaN`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => assertPlain(x, `${path}[${i}]`));
    return;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) assertPlain(x, `${path}.${k}`);
    return;
  }
  throw new Error(`${path} is not plain data: ${Object.prototype.toString.call(v)}`);
}

/** Every inspector, on sensible and on random arguments; the machine must not notice. */
function inspectAll(m: Machine, a: Args): void {
  const before = serialiseState(m.s);
  const seq = m.seq;
  const events = m.log.length;
  const pages = m.s.mem.pages.size;
  const results: [string, unknown][] = [];
  const run = (name: string, f: () => unknown): void => {
    results.push([name, f()]);
  };
  for (const index of [0, a.index]) {
    run('inspectIts', () => inspectIts(m, index));
    run('queueSlots', () => queueSlots(m, index, a.from, a.count));
    run('devices', () => devices(m, index));
    run('collections', () => collections(m, index));
    run('cache', () => cache(m, index));
    run('itt', () => itt(m, index, a.devid));
  }
  const d = devices(m, 0);
  if (d.ok) for (const dev of d.devices.slice(0, 8)) run('itt', () => itt(m, 0, dev.devid));
  for (const cpu of [0, 1, 2, 3, a.cpu]) {
    run('inspectCpu', () => inspectCpu(m, cpu));
    run('inspectRedistributor', () => inspectRedistributor(m, cpu));
  }
  run('inspectDistributor', () => inspectDistributor(m));
  for (const unit of ['gicd', 'rd1', 'its0', a.unit]) {
    const list = registerList(m, unit);
    results.push(['registerList', list]);
    if (list.ok)
      for (const r of list.registers.filter((_, k) => k % 17 === 0))
        run('readRegister', () => readRegister(m, unit, r.name));
    run('readRegister', () => readRegister(m, unit, a.reg));
  }
  run('memoryMap', () => memoryMap(m));
  run('readMemory', () => readMemory(m, a.addr, a.len));
  run('readMemory', () => readMemory(m, 0x4010_0000, 4096));
  for (const [name, r] of results) assertPlain(r, name);
  JSON.stringify(results); // throws on a bigint
  if (m.seq !== seq || m.log.length !== events) throw new Error('an inspector emitted an event');
  if (m.s.mem.pages.size !== pages) throw new Error('an inspector created a memory page');
  if (serialiseState(m.s) !== before) throw new Error('an inspector changed the machine');
}

describe('inspectors, after any input', () => {
  for (const profile of PROFILES)
    it(`${profile}: never throw, never change the machine, always return plain data`, () => {
      fc.assert(
        fc.property(
          fc.boolean(),
          fc.array(fc.tuple(opArb, argsArb), { minLength: 1, maxLength: 25 }),
          (pta, steps) => {
            const m = upMachine(profile, pta);
            for (const [o, a] of steps) {
              applyOp(m, o);
              inspectAll(m, a);
            }
          },
        ),
        { numRuns: 25 * SCALE },
      );
    });

  it('the check itself notices a change and a non-plain result', () => {
    // Guards against a vacuous property: the helpers must fail when they should.
    const m = upMachine('spec', false);
    expect(() => assertPlain({ a: 1n }, 'x')).toThrow(/not plain/);
    expect(() => assertPlain({ a: new Map() }, 'x')).toThrow(/not plain/);
    expect(() => assertPlain([Number.NaN], 'x')).toThrow(/NaN/);
    const before = serialiseState(m.s);
    m.s.gic.cpu[0]!.pmr = 0x10;
    expect(serialiseState(m.s)).not.toBe(before);
  });
});
