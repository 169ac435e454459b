/**
 * The distributor (GICD_*): its register map at architected offsets and widths, and what each
 * register does to the SPI state. With affinity routing (ARE = 1, always in this model) the
 * per-interrupt registers' bits for INTIDs 0..31 are RAZ/WI here: SGIs and PPIs are banked in
 * each redistributor's SGI_base frame.
 */

import { distributorChanged, spiSetEdge, spiSetLatch, spiSetRoute, spiTouched } from './spi';
import type { GicMachine } from './gic-machine';
import { pidrFor } from './gic-rules';
import { forEachSetBit, readBits, readPendingBits } from './irq-bank';
import { priorityMask } from './priority';
import { coresightIdRegisters, defineTable, merge, type RegisterDef } from './registers';

type Reg = RegisterDef<GicMachine, null>;

const lo32 = (v: bigint): number => Number(v & 0xffffffffn);

/** GICD_TYPER: ITLinesNumber [4:0], LPIS [17], IDbits [23:19], plus the profile's extra bits. */
export function gicdTyper(m: GicMachine): number {
  const cfg = m.s.gic.cfg;
  const idbits = cfg.lpis ? 15 : m.gicRules.gicdIdBitsNoLpis;
  return ((cfg.spis / 32) | (cfg.lpis ? 1 << 17 : 0) | (idbits << 19) | m.gicRules.gicdTyperExtra) >>> 0;
}

/**
 * One-bit-per-interrupt registers for SPIs: register n covers INTIDs 32n..32n+31; n = 0 (the
 * private interrupts) and INTIDs beyond the implemented SPIs read as zero and ignore writes.
 */
function spiBits(
  name: string,
  offset: number,
  read: (m: GicMachine, first: number) => number,
  write: (m: GicMachine, i: number) => void,
): Reg {
  return {
    name,
    offset,
    size: 4,
    count: 32,
    widths: [32],
    access: 'rw',
    read: (m, _c, n) => (n === 0 ? 0n : BigInt(read(m, 32 * n - 32))),
    write: (m, _c, n, value, mask) => {
      if (n === 0) return;
      forEachSetBit(lo32(value & mask), 32 * n - 32, m.s.gic.dist.spi.count, (i) => write(m, i));
    },
  };
}

/** The CoreSight ID registers of a GIC frame at 0xFFD0..0xFFFC, with the profile's values. */
export function idRegistersFor<C>(prefix: 'GICD' | 'GICR'): RegisterDef<GicMachine, C>[] {
  return coresightIdRegisters<GicMachine, C>(
    prefix,
    (m) => {
      const p = m.gicRules[prefix === 'GICD' ? 'gicdPidr' : 'gicrPidr'];
      return m.profile === 'kvm' ? p : pidrFor(m.profile, p, m.s.gic.cfg.version);
    },
    // KVM leaves the component ID registers at zero; QEMU and the spec profile give the CoreSight values.
    (m) => (m.profile === 'kvm' ? [0, 0, 0, 0] : [0x0d, 0xf0, 0x05, 0xb1]),
  );
}

export const GICD_REGISTERS = defineTable<GicMachine, null>('GICD', [
  {
    name: 'GICD_CTLR',
    offset: 0x0000,
    size: 4,
    widths: [32],
    access: 'rw',
    fields: [
      { name: 'EnableGrp0', msb: 0, lsb: 0 },
      { name: 'EnableGrp1', msb: 1, lsb: 1 },
      { name: 'ARE', msb: 4, lsb: 4 },
      { name: 'DS', msb: 6, lsb: 6 },
      { name: 'E1NWF', msb: 7, lsb: 7 },
      { name: 'nASSGIreq', msb: 8, lsb: 8 },
      { name: 'RWP', msb: 31, lsb: 31 },
    ],
    read: (m) => BigInt((m.s.gic.dist.ctlr | m.gicRules.gicdCtlrFixed) >>> 0),
    write: (m, _c, _n, value, mask) => {
      const d = m.s.gic.dist;
      const w = m.gicRules.gicdCtlrWritable;
      const next = lo32(merge(BigInt(d.ctlr), value, mask)) & w;
      if (next === (d.ctlr & w)) return;
      d.ctlr = (d.ctlr & ~w) | next;
      distributorChanged(m);
    },
  },
  {
    name: 'GICD_TYPER',
    offset: 0x0004,
    size: 4,
    widths: [32],
    access: 'ro',
    fields: [
      { name: 'ITLinesNumber', msb: 4, lsb: 0 },
      { name: 'CPUNumber', msb: 7, lsb: 5 },
      { name: 'ESPI', msb: 8, lsb: 8 },
      { name: 'MBIS', msb: 16, lsb: 16 },
      { name: 'LPIS', msb: 17, lsb: 17 },
      { name: 'IDbits', msb: 23, lsb: 19 },
      { name: 'A3V', msb: 24, lsb: 24 },
      { name: 'No1N', msb: 25, lsb: 25 },
    ],
    read: (m) => BigInt(gicdTyper(m)),
  },
  {
    name: 'GICD_IIDR',
    offset: 0x0008,
    size: 4,
    widths: [32],
    access: 'ro',
    fields: [
      { name: 'Implementer', msb: 11, lsb: 0 },
      { name: 'Revision', msb: 15, lsb: 12 },
      { name: 'Variant', msb: 19, lsb: 16 },
      { name: 'ProductID', msb: 31, lsb: 24 },
    ],
    read: (m) => BigInt(m.gicRules.gicdIidr),
  },
  { name: 'GICD_TYPER2', offset: 0x000c, size: 4, widths: [32], access: 'ro', read: () => 0n },
  {
    name: 'GICD_STATUSR',
    offset: 0x0010,
    size: 4,
    widths: [32],
    access: 'rw',
    read: (m) => BigInt(m.gicRules.gicdStatusr),
    write: () => {},
  },
  {
    name: 'GICD_IGROUPR<n>',
    offset: 0x0080,
    size: 4,
    count: 32,
    widths: [32],
    access: 'rw',
    read: (m, _c, n) => (n === 0 ? 0n : BigInt(readBits(m.s.gic.dist.spi.group, 32 * n - 32))),
    write: (m, _c, n, value, mask) => {
      if (n === 0) return;
      const spi = m.s.gic.dist.spi;
      for (let bit = 0; bit < 32; bit++) {
        const i = 32 * n - 32 + bit;
        if (i >= spi.count || ((mask >> BigInt(bit)) & 1n) === 0n) continue;
        spi.group[i] = Number((value >> BigInt(bit)) & 1n);
        spiTouched(m, i);
      }
    },
  },
  spiBits(
    'GICD_ISENABLER<n>',
    0x0100,
    (m, f) => readBits(m.s.gic.dist.spi.enabled, f),
    (m, i) => {
      m.s.gic.dist.spi.enabled[i] = 1;
      spiTouched(m, i);
    },
  ),
  spiBits(
    'GICD_ICENABLER<n>',
    0x0180,
    (m, f) => readBits(m.s.gic.dist.spi.enabled, f),
    (m, i) => {
      m.s.gic.dist.spi.enabled[i] = 0;
      spiTouched(m, i);
    },
  ),
  spiBits(
    'GICD_ISPENDR<n>',
    0x0200,
    (m, f) => readPendingBits(m.s.gic.dist.spi, f),
    (m, i) => spiSetLatch(m, i, 1),
  ),
  spiBits(
    'GICD_ICPENDR<n>',
    0x0280,
    (m, f) => readPendingBits(m.s.gic.dist.spi, f),
    (m, i) => spiSetLatch(m, i, 0),
  ),
  spiBits(
    'GICD_ISACTIVER<n>',
    0x0300,
    (m, f) => readBits(m.s.gic.dist.spi.active, f),
    (m, i) => {
      m.s.gic.dist.spi.active[i] = 1;
      spiTouched(m, i);
    },
  ),
  spiBits(
    'GICD_ICACTIVER<n>',
    0x0380,
    (m, f) => readBits(m.s.gic.dist.spi.active, f),
    (m, i) => {
      m.s.gic.dist.spi.active[i] = 0;
      spiTouched(m, i);
    },
  ),
  {
    name: 'GICD_IPRIORITYR<n>',
    offset: 0x0400,
    size: 4,
    count: 255,
    widths: [8, 32],
    access: 'rw',
    read: (m, _c, n) => {
      if (n < 8) return 0n;
      const spi = m.s.gic.dist.spi;
      let v = 0;
      for (let b = 0; b < 4; b++) {
        const i = 4 * n + b - 32;
        if (i < spi.count) v |= spi.priority[i]! << (8 * b);
      }
      return BigInt(v >>> 0);
    },
    write: (m, _c, n, value, mask) => {
      if (n < 8) return;
      const spi = m.s.gic.dist.spi;
      const keep = m.gicRules.priorityStore === 'all-bits' ? 0xff : priorityMask(m.s.gic.cfg.priorityBits);
      for (let b = 0; b < 4; b++) {
        if (((mask >> BigInt(8 * b)) & 0xffn) === 0n) continue;
        const i = 4 * n + b - 32;
        if (i >= spi.count) continue;
        spi.priority[i] = Number((value >> BigInt(8 * b)) & 0xffn) & keep;
        spiTouched(m, i);
      }
    },
  },
  // GICv2 target registers and SGI registers are RES0 / WI with affinity routing enabled.
  {
    name: 'GICD_ITARGETSR<n>',
    offset: 0x0800,
    size: 4,
    count: 255,
    widths: [8, 32],
    access: 'rw',
    read: () => 0n,
    write: () => {},
  },
  {
    name: 'GICD_ICFGR<n>',
    offset: 0x0c00,
    size: 4,
    count: 64,
    widths: [32],
    access: 'rw',
    read: (m, _c, n) => {
      if (n < 2) return 0n;
      const spi = m.s.gic.dist.spi;
      let v = 0;
      for (let k = 0; k < 16; k++) {
        const i = 16 * n + k - 32;
        if (i < spi.count && spi.edge[i]) v |= 2 << (2 * k);
      }
      return BigInt(v >>> 0);
    },
    write: (m, _c, n, value, mask) => {
      if (n < 2) return;
      const spi = m.s.gic.dist.spi;
      for (let k = 0; k < 16; k++) {
        if (((mask >> BigInt(2 * k + 1)) & 1n) === 0n) continue;
        const i = 16 * n + k - 32;
        if (i < spi.count) spiSetEdge(m, i, ((value >> BigInt(2 * k + 1)) & 1n) === 1n ? 1 : 0);
      }
    },
  },
  // Single Security state: group modifiers and non-secure access control are RAZ/WI.
  {
    name: 'GICD_IGRPMODR<n>',
    offset: 0x0d00,
    size: 4,
    count: 32,
    widths: [32],
    access: 'rw',
    read: () => 0n,
    write: () => {},
  },
  {
    name: 'GICD_NSACR<n>',
    offset: 0x0e00,
    size: 4,
    count: 64,
    widths: [32],
    access: 'rw',
    read: () => 0n,
    write: () => {},
  },
  { name: 'GICD_SGIR', offset: 0x0f00, size: 4, widths: [32], access: 'wo', write: () => {} },
  {
    name: 'GICD_CPENDSGIR<n>',
    offset: 0x0f10,
    size: 4,
    count: 4,
    widths: [8, 32],
    access: 'rw',
    read: () => 0n,
    write: () => {},
  },
  {
    name: 'GICD_SPENDSGIR<n>',
    offset: 0x0f20,
    size: 4,
    count: 4,
    widths: [8, 32],
    access: 'rw',
    read: () => 0n,
    write: () => {},
  },
  {
    name: 'GICD_IROUTER<n>',
    offset: 0x6000,
    size: 8,
    count: 1020,
    widths: [32, 64],
    access: 'rw',
    fields: [
      { name: 'Aff0', msb: 7, lsb: 0 },
      { name: 'Aff1', msb: 15, lsb: 8 },
      { name: 'Aff2', msb: 23, lsb: 16 },
      { name: 'Interrupt_Routing_Mode', msb: 31, lsb: 31 },
      { name: 'Aff3', msb: 39, lsb: 32 },
    ],
    read: (m, _c, n) => {
      const i = n - 32;
      const d = m.s.gic.dist;
      if (n < 32 || i >= d.spi.count) return 0n;
      return (BigInt(d.irouterHi[i]!) << 32n) | BigInt(d.irouterLo[i]!);
    },
    write: (m, _c, n, value, mask) => {
      const i = n - 32;
      const d = m.s.gic.dist;
      if (n < 32 || i >= d.spi.count) return;
      const v = merge((BigInt(d.irouterHi[i]!) << 32n) | BigInt(d.irouterLo[i]!), value, mask);
      let lo = lo32(v);
      let hi = Number((v >> 32n) & 0xffffffffn);
      switch (m.gicRules.irouter) {
        case 'aff-only':
          lo &= 0xffffff;
          hi = 0;
          break;
        case 'one-of-n':
          lo &= 0x80ffffff;
          hi &= 0xff;
          break;
        case 'stored-irm-ignored':
          break;
      }
      spiSetRoute(m, i, lo, hi);
    },
  },
  ...idRegistersFor<null>('GICD'),
]);
