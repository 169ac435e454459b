/**
 * A redistributor (GICR_*): the RD_base frame (control, LPI tables, direct invalidation) and the
 * SGI_base frame at +64 KiB (the PE's SGIs and PPIs), as one register table at offsets relative
 * to RD_base. On a GICv4 the VLPI_base frame follows at +128 KiB: GICR_VPROPBASER and
 * GICR_VPENDBASER (residency, vlpi.ts) and, on a GICv4.1, GICR_VSGIR / GICR_VSGIPENDR.
 */

import { schedule } from '../sim/kernel';
import { idRegistersFor } from './distributor';
import { markDirty } from './dirty';
import { note, type GicMachine } from './gic-machine';
import { forEachSetBit, readBits, readPendingBits } from './irq-bank';
import { lpisEnabled } from './lpi';
import { priorityMask } from './priority';
import { privateTouched, setPrivateEdge, setPrivateLatch } from './private-irqs';
import { defineTable, merge, type RegisterDef } from './registers';
import { isGicV4, isGicV41 } from './gic-config';
import type { VinvRequest } from './vlpi';
import { vpendbaserWritable, writeVpendbaser } from './vlpi';
import type { LpiRequest, VptTask } from './gic-tasks';

type Reg = RegisterDef<GicMachine, number>;

const lo32 = (v: bigint): number => Number(v & 0xffffffffn);

/** Work queued by GICR_CTLR.EnableLPIs changes and direct invalidations ('gicr.lpis', 'gicr.inv'). */
export interface LpiEnableTask {
  cpu: number;
  op: 'enable' | 'disable';
  ptz: boolean;
}
export interface DirectInvTask {
  cpu: number;
  /** INTID for GICR_INVLPIR / INV, or -1 for GICR_INVALLR / INVALL. */
  intid: number;
  /** What asked: a GICR register (counted by GICR_SYNCR.Busy) or an ITS command (INVDB: a doorbell). */
  via: 'register' | 'INV' | 'INVALL' | 'INVDB';
}

export function gicrTyper(m: GicMachine, cpu: number): bigint {
  const cfg = m.s.gic.cfg;
  let aff = cfg.affinity[cpu]!;
  if (m.profile === 'kvm') aff &= 0xffffff; // KVM reports Aff2..Aff0 only
  const vlpis = hasVlpis(m) ? 1 : 0;
  const last = cpu === cfg.affinity.length - 1 ? 1 : 0;
  // Dirty: VPENDBASER.Dirty is implemented (QEMU parses synchronously and never sets it).
  const dirty = vlpis && m.gicRules.lpiPending === 'redistributor' ? 1 : 0;
  const directLpi = m.gicRules.directInvRegisters && m.profile !== 'kvm' ? 1 : 0;
  const rvpeid = vlpis && isGicV41(cfg) ? 1 : 0;
  const low =
    (cfg.lpis ? 1 : 0) |
    (vlpis << 1) |
    (dirty << 2) |
    (directLpi << 3) |
    (last << 4) |
    (rvpeid << 7) |
    ((cpu & 0xffff) << 8) |
    ((m.gicRules.commonLpiAff & 3) << 24);
  return (BigInt(aff >>> 0) << 32n) | BigInt(low >>> 0);
}

/** Whether the redistributors implement virtual LPIs (GICR_TYPER.VLPIS): a GICv4, not KVM's vGIC. */
export const hasVlpis = (m: GicMachine): boolean => isGicV4(m.s.gic.cfg) && m.profile !== 'kvm';

const ATTR_FIELDS = [
  { name: 'InnerCache', msb: 9, lsb: 7 },
  { name: 'Shareability', msb: 11, lsb: 10 },
  { name: 'OuterCache', msb: 58, lsb: 56 },
];

/**
 * KVM's sanitising of PROPBASER/PENDBASER (vgic_sanitise_*): Outer Shareable becomes Inner
 * Shareable, inner non-cacheable becomes RaWb, outer cacheability other than SameAsInner or nC
 * becomes SameAsInner. Other profiles keep the attributes as written.
 */
export function sanitiseAttributes(m: GicMachine, v: bigint): bigint {
  if (m.profile !== 'kvm') return v;
  let r = v;
  const sh = (r >> 10n) & 3n;
  if (sh === 2n) r = (r & ~(3n << 10n)) | (1n << 10n);
  const inner = (r >> 7n) & 7n;
  if (inner === 0n || inner === 1n) r = (r & ~(7n << 7n)) | (3n << 7n); // RaWb
  const outer = (r >> 56n) & 7n;
  if (outer !== 0n && outer !== 1n) r &= ~(7n << 56n);
  return r;
}

export const PROPBASER_RES0 = (0x1fn << 59n) | (0xfn << 52n) | (3n << 5n);
export const PENDBASER_RES0 = (1n << 63n) | (7n << 59n) | (0xfn << 52n) | (0xfn << 12n) | 0x7fn;
export const PTZ = 1n << 62n;

function privateBits(
  name: string,
  offset: number,
  read: (m: GicMachine, cpu: number) => number,
  write: (m: GicMachine, cpu: number, i: number) => void,
): Reg {
  return {
    name,
    offset,
    size: 4,
    widths: [32],
    access: 'rw',
    read: (m, cpu) => BigInt(read(m, cpu)),
    write: (m, cpu, _n, value, mask) => forEachSetBit(lo32(value & mask), 0, 32, (i) => write(m, cpu, i)),
  };
}

export const GICR_REGISTERS = defineTable<GicMachine, number>('GICR', [
  // ---------------------------------------------------------------- RD_base
  {
    name: 'GICR_CTLR',
    offset: 0x0000,
    size: 4,
    widths: [32],
    access: 'rw',
    fields: [
      { name: 'EnableLPIs', msb: 0, lsb: 0 },
      { name: 'CES', msb: 1, lsb: 1 },
      { name: 'IR', msb: 2, lsb: 2 },
      { name: 'RWP', msb: 3, lsb: 3 },
      { name: 'DPG0', msb: 24, lsb: 24 },
      { name: 'DPG1NS', msb: 25, lsb: 25 },
      { name: 'DPG1S', msb: 26, lsb: 26 },
      { name: 'UWP', msb: 31, lsb: 31 },
    ],
    read: (m, cpu) => BigInt((m.s.gic.rd[cpu]!.ctlr | m.gicRules.gicrCtlrFixed) >>> 0),
    write: (m, cpu, _n, value, mask) => {
      const rd = m.s.gic.rd[cpu]!;
      if (!m.s.gic.cfg.lpis) return note(m, 'no ITS: EnableLPIs is RES0');
      const want = (lo32(merge(BigInt(rd.ctlr), value, mask)) & 1) === 1;
      const ptz = (rd.pendbaser & PTZ) !== 0n;
      switch (m.gicRules.enableLpis) {
        case 'kvm':
          // Only from the exact states 0 (enable) and EnableLPIs (disable); RWP blocks both.
          if (want && rd.ctlr === 0) {
            rd.ctlr = 1;
            schedule<LpiEnableTask>(m, 0, 'gicr.lpis', { cpu, op: 'enable', ptz });
          } else if (!want && rd.ctlr === 1) {
            rd.ctlr = 0;
            schedule<LpiEnableTask>(m, 0, 'gicr.lpis', { cpu, op: 'disable', ptz });
          } else if (want !== ((rd.ctlr & 1) === 1))
            note(m, 'ignored: a previous EnableLPIs change is still in progress (RWP)');
          return;
        case 'qemu':
          // Every write with EnableLPIs set rescans the pending table; PTZ is never read.
          rd.ctlr = want ? 1 : 0;
          schedule<LpiEnableTask>(m, 0, 'gicr.lpis', { cpu, op: want ? 'enable' : 'disable', ptz: false });
          return;
        case 'spec':
          if (want && !(rd.ctlr & 1)) {
            rd.ctlr = 1;
            schedule<LpiEnableTask>(m, 0, 'gicr.lpis', { cpu, op: 'enable', ptz });
          } else if (!want && rd.ctlr & 1) {
            rd.ctlr = 1 << 3; // RWP until the pending state is written back
            schedule<LpiEnableTask>(m, 0, 'gicr.lpis', { cpu, op: 'disable', ptz });
          }
          return;
      }
    },
  },
  {
    name: 'GICR_IIDR',
    offset: 0x0004,
    size: 4,
    widths: [32],
    access: 'ro',
    read: (m) => BigInt(m.gicRules.gicrIidr),
  },
  {
    name: 'GICR_TYPER',
    offset: 0x0008,
    size: 8,
    widths: [32, 64],
    access: 'ro',
    fields: [
      { name: 'PLPIS', msb: 0, lsb: 0 },
      { name: 'VLPIS', msb: 1, lsb: 1 },
      { name: 'Dirty', msb: 2, lsb: 2 },
      { name: 'DirectLPI', msb: 3, lsb: 3 },
      { name: 'Last', msb: 4, lsb: 4 },
      { name: 'DPGS', msb: 5, lsb: 5 },
      { name: 'RVPEID', msb: 7, lsb: 7 },
      { name: 'Processor_Number', msb: 23, lsb: 8 },
      { name: 'CommonLPIAff', msb: 25, lsb: 24 },
      { name: 'PPInum', msb: 31, lsb: 27 },
      { name: 'Affinity_Value', msb: 63, lsb: 32 },
    ],
    read: (m, cpu) => gicrTyper(m, cpu),
  },
  {
    name: 'GICR_STATUSR',
    offset: 0x0010,
    size: 4,
    widths: [32],
    access: 'rw',
    read: () => 0n,
    write: () => {},
  },
  {
    name: 'GICR_WAKER',
    offset: 0x0014,
    size: 4,
    widths: [32],
    access: 'rw',
    fields: [
      { name: 'ProcessorSleep', msb: 1, lsb: 1 },
      { name: 'ChildrenAsleep', msb: 2, lsb: 2 },
    ],
    read: (m, cpu) => (m.gicRules.waker === 'raz-wi' ? 0n : BigInt(m.s.gic.rd[cpu]!.waker)),
    write: (m, cpu, _n, value, mask) => {
      if (m.gicRules.waker === 'raz-wi') return;
      const rd = m.s.gic.rd[cpu]!;
      const sleep = lo32(merge(BigInt(rd.waker), value, mask)) & 2;
      // ChildrenAsleep follows ProcessorSleep once the redistributor has quiesced (at once here).
      rd.waker = sleep ? 6 : 0;
      markDirty(m, cpu);
    },
  },
  {
    name: 'GICR_PROPBASER',
    offset: 0x0070,
    size: 8,
    widths: [32, 64],
    access: 'rw',
    fields: [
      { name: 'IDbits', msb: 4, lsb: 0 },
      ...ATTR_FIELDS,
      { name: 'Physical_Address', msb: 51, lsb: 12 },
    ],
    read: (m, cpu) =>
      m.gicRules.propbaserScope === 'shared' ? m.s.gic.sharedPropbaser : m.s.gic.rd[cpu]!.propbaser,
    write: (m, cpu, _n, value, mask) => {
      if (m.gicRules.lpiBasersLockedWhileEnabled && lpisEnabled(m, cpu))
        return note(m, 'ignored: LPIs are enabled on this redistributor');
      const shared = m.gicRules.propbaserScope === 'shared';
      const cur = shared ? m.s.gic.sharedPropbaser : m.s.gic.rd[cpu]!.propbaser;
      let v = merge(cur, value, mask);
      if (m.profile !== 'qemu') v = sanitiseAttributes(m, v & ~PROPBASER_RES0);
      if (shared) m.s.gic.sharedPropbaser = v;
      else m.s.gic.rd[cpu]!.propbaser = v;
    },
  },
  {
    name: 'GICR_PENDBASER',
    offset: 0x0078,
    size: 8,
    widths: [32, 64],
    access: 'rw',
    fields: [
      ...ATTR_FIELDS,
      { name: 'Physical_Address', msb: 51, lsb: 16 },
      { name: 'PTZ', msb: 62, lsb: 62 },
    ],
    // PTZ is write-only: it tells the redistributor the table is zero; it reads as 0 (QEMU echoes it).
    read: (m, cpu) => (m.profile === 'qemu' ? m.s.gic.rd[cpu]!.pendbaser : m.s.gic.rd[cpu]!.pendbaser & ~PTZ),
    write: (m, cpu, _n, value, mask) => {
      if (m.gicRules.lpiBasersLockedWhileEnabled && lpisEnabled(m, cpu))
        return note(m, 'ignored: LPIs are enabled on this redistributor');
      const rd = m.s.gic.rd[cpu]!;
      let v = merge(rd.pendbaser, value, mask);
      if (m.profile !== 'qemu') v = sanitiseAttributes(m, v & ~PENDBASER_RES0);
      rd.pendbaser = v;
    },
  },
  ...directInvalidation(),
  ...idRegistersFor<number>('GICR'),
  ...vlpiFrame(),
  // ---------------------------------------------------------------- SGI_base (+0x10000)
  {
    name: 'GICR_IGROUPR0',
    offset: 0x10080,
    size: 4,
    widths: [32],
    access: 'rw',
    read: (m, cpu) => BigInt(readBits(m.s.gic.rd[cpu]!.priv.group, 0)),
    write: (m, cpu, _n, value, mask) => {
      const priv = m.s.gic.rd[cpu]!.priv;
      for (let i = 0; i < 32; i++)
        if ((mask >> BigInt(i)) & 1n) priv.group[i] = Number((value >> BigInt(i)) & 1n);
      privateTouched(m, cpu);
    },
  },
  privateBits(
    'GICR_ISENABLER0',
    0x10100,
    (m, c) => readBits(m.s.gic.rd[c]!.priv.enabled, 0),
    (m, c, i) => {
      m.s.gic.rd[c]!.priv.enabled[i] = 1;
      privateTouched(m, c);
    },
  ),
  privateBits(
    'GICR_ICENABLER0',
    0x10180,
    (m, c) => readBits(m.s.gic.rd[c]!.priv.enabled, 0),
    (m, c, i) => {
      m.s.gic.rd[c]!.priv.enabled[i] = 0;
      privateTouched(m, c);
    },
  ),
  privateBits(
    'GICR_ISPENDR0',
    0x10200,
    (m, c) => readPendingBits(m.s.gic.rd[c]!.priv, 0),
    (m, c, i) => setPrivateLatch(m, c, i, 1),
  ),
  privateBits(
    'GICR_ICPENDR0',
    0x10280,
    (m, c) => readPendingBits(m.s.gic.rd[c]!.priv, 0),
    (m, c, i) => setPrivateLatch(m, c, i, 0),
  ),
  privateBits(
    'GICR_ISACTIVER0',
    0x10300,
    (m, c) => readBits(m.s.gic.rd[c]!.priv.active, 0),
    (m, c, i) => {
      m.s.gic.rd[c]!.priv.active[i] = 1;
      privateTouched(m, c);
    },
  ),
  privateBits(
    'GICR_ICACTIVER0',
    0x10380,
    (m, c) => readBits(m.s.gic.rd[c]!.priv.active, 0),
    (m, c, i) => {
      m.s.gic.rd[c]!.priv.active[i] = 0;
      privateTouched(m, c);
    },
  ),
  {
    name: 'GICR_IPRIORITYR<n>',
    offset: 0x10400,
    size: 4,
    count: 8,
    widths: [8, 32],
    access: 'rw',
    read: (m, cpu, n) => {
      const p = m.s.gic.rd[cpu]!.priv.priority;
      return BigInt((p[4 * n]! | (p[4 * n + 1]! << 8) | (p[4 * n + 2]! << 16) | (p[4 * n + 3]! << 24)) >>> 0);
    },
    write: (m, cpu, n, value, mask) => {
      const p = m.s.gic.rd[cpu]!.priv.priority;
      const keep = m.gicRules.priorityStore === 'all-bits' ? 0xff : priorityMask(m.s.gic.cfg.priorityBits);
      for (let b = 0; b < 4; b++) {
        if (((mask >> BigInt(8 * b)) & 0xffn) === 0n) continue;
        p[4 * n + b] = Number((value >> BigInt(8 * b)) & 0xffn) & keep;
      }
      privateTouched(m, cpu);
    },
  },
  // SGIs are always edge-triggered: GICR_ICFGR0 reads 0xAAAAAAAA and ignores writes.
  {
    name: 'GICR_ICFGR0',
    offset: 0x10c00,
    size: 4,
    widths: [32],
    access: 'rw',
    read: () => 0xaaaaaaaan,
    write: () => {},
  },
  {
    name: 'GICR_ICFGR1',
    offset: 0x10c04,
    size: 4,
    widths: [32],
    access: 'rw',
    read: (m, cpu) => {
      const edge = m.s.gic.rd[cpu]!.priv.edge;
      let v = 0;
      for (let k = 0; k < 16; k++) if (edge[16 + k]) v |= 2 << (2 * k);
      return BigInt(v >>> 0);
    },
    write: (m, cpu, _n, value, mask) => {
      if (!m.gicRules.ppiConfigWritable) return;
      for (let k = 0; k < 16; k++) {
        if (((mask >> BigInt(2 * k + 1)) & 1n) === 0n) continue;
        setPrivateEdge(m, cpu, 16 + k, Number((value >> BigInt(2 * k + 1)) & 1n) as 0 | 1);
      }
      privateTouched(m, cpu);
    },
  },
  {
    name: 'GICR_IGRPMODR0',
    offset: 0x10d00,
    size: 4,
    widths: [32],
    access: 'rw',
    read: () => 0n,
    write: () => {},
  },
  {
    name: 'GICR_NSACR',
    offset: 0x10e00,
    size: 4,
    widths: [32],
    access: 'rw',
    read: () => 0n,
    write: () => {},
  },
]);

/**
 * The VLPI_base frame (+0x20000): present on a GICv4's redistributors. VPROPBASER is stored as
 * written (its GICv4.0 and GICv4.1 layouts differ); a VPENDBASER write goes through vlpi.ts, and
 * what it did becomes a 'gicr.vpe' event once the VPT is parsed.
 */
function vlpiFrame(): Reg[] {
  const v41 = (m: GicMachine) => isGicV41(m.s.gic.cfg);
  return [
    {
      name: 'GICR_VPROPBASER',
      offset: 0x20070,
      size: 8,
      widths: [32, 64],
      access: 'rw',
      present: hasVlpis,
      fields: [
        { name: 'IDbits', msb: 4, lsb: 0 },
        ...ATTR_FIELDS,
        { name: 'Physical_Address', msb: 51, lsb: 12 },
      ],
      read: (m, cpu) => m.s.gic.rd[cpu]!.vpropbaser,
      write: (m, cpu, _n, value, mask) => {
        const rd = m.s.gic.rd[cpu]!;
        rd.vpropbaser = merge(rd.vpropbaser, value, mask);
      },
    },
    {
      name: 'GICR_VPENDBASER',
      offset: 0x20078,
      size: 8,
      widths: [32, 64],
      access: 'rw',
      present: hasVlpis,
      fields: [
        ...ATTR_FIELDS,
        { name: 'Physical_Address', msb: 51, lsb: 16 },
        { name: 'vPEID (v4.1)', msb: 15, lsb: 0 },
        { name: 'VGRP1EN (v4.1)', msb: 58, lsb: 58 },
        { name: 'VGRP0EN (v4.1)', msb: 59, lsb: 59 },
        { name: 'Dirty', msb: 60, lsb: 60 },
        { name: 'PendingLast', msb: 61, lsb: 61 },
        { name: 'IDAI / DB (v4.1)', msb: 62, lsb: 62 },
        { name: 'Valid', msb: 63, lsb: 63 },
      ],
      read: (m, cpu) => m.s.gic.rd[cpu]!.vpendbaser,
      write: (m, cpu, _n, value, mask) => {
        const rd = m.s.gic.rd[cpu]!;
        // A 32-bit write merges into the current value first (so a low-half write while Valid is 1 is 1 -> 1).
        const next = merge(rd.vpendbaser, value, mask) & vpendbaserWritable(v41(m));
        const change = writeVpendbaser(m, cpu, next);
        if (change.unpredictable) note(m, change.unpredictable);
        schedule<VptTask>(m, change.parsing ? m.gicTiming.vpt : 0, 'gicr.vpt', { cpu, ...change });
      },
    },
    {
      name: 'GICR_VSGIR',
      offset: 0x20080,
      size: 4,
      widths: [32],
      access: 'rw',
      present: (m) => hasVlpis(m) && v41(m),
      fields: [{ name: 'vPEID', msb: 15, lsb: 0 }],
      read: (m, cpu) => BigInt(Math.max(0, m.s.gic.rd[cpu]!.vsgir)),
      write: (m, cpu, _n, value) => {
        m.s.gic.rd[cpu]!.vsgir = lo32(value) & 0xffff;
      },
    },
    {
      name: 'GICR_VSGIPENDR',
      offset: 0x20088,
      size: 4,
      widths: [32],
      access: 'ro',
      present: (m) => hasVlpis(m) && v41(m),
      fields: [
        { name: 'Pending', msb: 15, lsb: 0 },
        { name: 'Busy', msb: 31, lsb: 31 },
      ],
      // The model answers at once (Busy never reads 1): the pending bits of the vPE VSGIR named.
      read: (m, cpu) => BigInt(m.s.gic.vpes.get(m.s.gic.rd[cpu]!.vsgir)?.sgiPending ?? 0),
    },
  ];
}

/** GICR_INVLPIR / GICR_INVALLR / GICR_SYNCR (absent, i.e. RAZ/WI, where the profile lacks them). */
function directInvalidation(): Reg[] {
  const request = (m: GicMachine, cpu: number, intid: number): void => {
    if (!lpisEnabled(m, cpu)) return note(m, 'dropped: LPIs are disabled on this redistributor');
    m.s.gic.rd[cpu]!.invInFlight++;
    schedule<DirectInvTask>(m, m.gicTiming.invalidate, 'gicr.inv', { cpu, intid, via: 'register' });
  };
  // V = 1 names a vPE (GICv4.1 only): its vLPI (or all its vLPIs) are reloaded where it is resident.
  const virtualRequest = (m: GicMachine, cpu: number, value: bigint, vintid: number, via: string): void => {
    if (!hasVlpis(m) || !isGicV41(m.s.gic.cfg)) return note(m, 'dropped: V = 1 (a vPE) needs a GICv4.1');
    const vpeid = Number((value >> 32n) & 0xffffn);
    const vpe = m.s.gic.vpes.get(vpeid);
    if (!vpe) return note(m, `dropped: vPE ${vpeid} is not mapped (no VMAPP)`);
    schedule<VinvRequest>(m, m.gicTiming.invalidate, 'gicr.vinv', { cpu, vpeid, vpt: vpe.vpt, vintid, via });
  };
  // GICR_SETLPIR / GICR_CLRLPIR (DirectLPI): software sets or clears a physical LPI's pending state
  // at this redistributor without an ITS. KVM's vGIC does not implement them.
  const direct = (m: GicMachine): boolean => m.gicRules.directInvRegisters && m.profile !== 'kvm';
  const setOrClear = (name: string, offset: number, set: boolean): Reg => ({
    name,
    offset,
    size: 8,
    widths: [32, 64],
    access: 'rw',
    read: () => 0n,
    present: direct,
    fields: [{ name: 'pINTID', msb: 31, lsb: 0 }],
    write: (m, cpu, _n, value, mask) => {
      if ((mask & 0xffffffffn) === 0n) return note(m, 'no effect: the INTID is in the lower word');
      if (!lpisEnabled(m, cpu))
        return note(
          m,
          'ignored: LPIs are disabled on this redistributor (the architecture makes this UNPREDICTABLE)',
        );
      schedule<LpiRequest>(m, m.gicTiming.lpi, 'gicr.lpi', {
        cpu,
        intid: lo32(value),
        set,
        its: -1,
        devid: -1,
        eventid: -1,
        via: name,
      });
    },
  });
  return [
    setOrClear('GICR_SETLPIR', 0x0040, true),
    setOrClear('GICR_CLRLPIR', 0x0048, false),
    {
      name: 'GICR_INVLPIR',
      offset: 0x00a0,
      size: 8,
      widths: [32, 64],
      // Write-only in function; reads return 0 (KVM's vgic_mmio_read_raz).
      access: 'rw',
      read: () => 0n,
      present: (m) => m.gicRules.directInvRegisters,
      fields: [
        { name: 'INTID', msb: 31, lsb: 0 },
        { name: 'vPEID', msb: 47, lsb: 32 },
        { name: 'V', msb: 63, lsb: 63 },
      ],
      write: (m, cpu, _n, value, mask) => {
        if ((value >> 63n) & 1n) return virtualRequest(m, cpu, value, lo32(value), 'GICR_INVLPIR');
        // KVM drops a write of the upper word alone (it would name a vPE).
        if ((mask & 0xffffffffn) === 0n) return note(m, 'dropped: a write of the upper word alone');
        request(m, cpu, lo32(value));
      },
    },
    {
      name: 'GICR_INVALLR',
      offset: 0x00b0,
      size: 8,
      widths: [32, 64],
      access: 'rw',
      read: () => 0n,
      present: (m) => m.gicRules.directInvRegisters,
      fields: [
        { name: 'vPEID', msb: 47, lsb: 32 },
        { name: 'V', msb: 63, lsb: 63 },
      ],
      write: (m, cpu, _n, value, mask) => {
        if ((value >> 63n) & 1n) return virtualRequest(m, cpu, value, -1, 'GICR_INVALLR');
        if ((mask & 0xffffffffn) === 0n) return note(m, 'dropped: a write of the upper word alone');
        request(m, cpu, -1);
      },
    },
    {
      name: 'GICR_SYNCR',
      offset: 0x00c0,
      size: 4,
      widths: [32],
      access: 'ro',
      present: (m) => m.gicRules.directInvRegisters,
      fields: [{ name: 'Busy', msb: 0, lsb: 0 }],
      read: (m, cpu) => (m.s.gic.rd[cpu]!.invInFlight > 0 ? 1n : 0n),
    },
  ];
}
