/**
 * The system bus as the GIC's clients see it: a physical address decodes to the distributor, a
 * redistributor's frames, an ITS's control, translation or (GICv4.1) vSGI frame, or RAM. Every
 * access is one event: 'mmio.read' / 'mmio.write' with the register's spec name and the notes its
 * handler made, 'mmio.bad' when the hardware refuses it (unmapped offset, a width the register does
 * not accept, a read of a write-only register...), which it answers as RAZ/WI, never with an
 * exception.
 */

import { GICD_SIZE, isGicV41, redistStride } from '../gic/gic-config';
import { GICD_REGISTERS } from '../gic/distributor';
import { GICR_REGISTERS } from '../gic/redistributor';
import {
  decodeFields,
  locate,
  mmioRead,
  mmioWrite,
  type AccessWidth,
  type FieldDef,
  type ReadResult,
  type WriteResult,
} from '../gic/registers';
import { itsFrameBytes } from '../its/its-config';
import { GITS_REGISTERS } from '../its/its-registers';
import { memReadU32, memReadU8, memVisible, memWriteU32, memWriteU8 } from '../mem/memory';
import { emit } from '../sim/kernel';
import type { PlatformMachine } from './platform-machine';
import { gicrUnit, itsUnit, UNIT, type Unit } from '../sim/unit-names';

export type Frame =
  | { unit: 'gicd'; offset: number }
  | { unit: 'gicr'; n: number; offset: number }
  | { unit: 'its'; n: number; offset: number }
  | { unit: 'ram' }
  | { unit: 'none' };

export function decodeAddress(m: PlatformMachine, addr: number): Frame {
  const g = m.s.gic.cfg;
  if (addr >= g.distBase && addr < g.distBase + GICD_SIZE) return { unit: 'gicd', offset: addr - g.distBase };
  const stride = redistStride(g);
  const r = addr - g.redistBase;
  if (r >= 0 && r < stride * g.affinity.length)
    return { unit: 'gicr', n: Math.floor(r / stride), offset: r % stride };
  // Control and translation frames; a GICv4.1's ITS adds the vSGI frame (GITS_SGIR).
  const itsBytes = itsFrameBytes(isGicV41(g));
  for (const its of m.s.its) {
    const o = addr - its.cfg.base;
    if (o >= 0 && o < itsBytes) return { unit: 'its', n: its.index, offset: o };
  }
  if (memVisible(m.s.mem, addr, 1)) return { unit: 'ram' };
  return { unit: 'none' };
}

/** The unit an access to frame `f` is recorded under. */
export const frameUnit = (f: Frame): Unit =>
  f.unit === 'gicr'
    ? gicrUnit(f.n)
    : f.unit === 'its'
      ? itsUnit(f.n)
      : f.unit === 'gicd'
        ? UNIT.gicd
        : f.unit === 'ram'
          ? UNIT.mem
          : UNIT.bus;

/** Reads or writes a GIC frame through its register table, without an event. */
export function frameAccess(
  m: PlatformMachine,
  f: Frame,
  width: AccessWidth,
  write: boolean,
  value: bigint,
): ReadResult | WriteResult {
  switch (f.unit) {
    case 'gicd':
      return write
        ? mmioWrite(m, null, GICD_REGISTERS, f.offset, width, value)
        : mmioRead(m, null, GICD_REGISTERS, f.offset, width);
    case 'gicr':
      return write
        ? mmioWrite(m, f.n, GICR_REGISTERS, f.offset, width, value)
        : mmioRead(m, f.n, GICR_REGISTERS, f.offset, width);
    case 'its':
      return write
        ? mmioWrite(m, f.n, GITS_REGISTERS, f.offset, width, value)
        : mmioRead(m, f.n, GITS_REGISTERS, f.offset, width);
    default:
      return { ok: false, problem: 'unmapped offset' };
  }
}

/** The register (and where in it) an offset of a frame falls on. */
export function registerAt(
  f: Frame,
  offset: number,
):
  | { def: { name: string; size: number; fields?: readonly FieldDef[] }; within: number; name: string }
  | undefined {
  switch (f.unit) {
    case 'gicd':
      return locate(GICD_REGISTERS, offset);
    case 'gicr':
      return locate(GICR_REGISTERS, offset);
    case 'its':
      return locate(GITS_REGISTERS, offset);
    default:
      return undefined;
  }
}

const hexOf = (v: bigint): string => '0x' + v.toString(16);

function ramRead(m: PlatformMachine, addr: number, width: AccessWidth): bigint {
  let v = 0n;
  for (let i = width / 8 - 1; i >= 0; i--) v = (v << 8n) | BigInt(memReadU8(m.s.mem, addr + i));
  return v;
}

function ramWrite(m: PlatformMachine, addr: number, width: AccessWidth, value: bigint): void {
  if (width === 32 && addr % 4 === 0) return memWriteU32(m.s.mem, addr, Number(value & 0xffffffffn));
  for (let i = 0; i < width / 8; i++) memWriteU8(m.s.mem, addr + i, Number((value >> BigInt(8 * i)) & 0xffn));
}

export interface BusResult {
  ok: boolean;
  value?: bigint;
  problem?: string;
  reg?: string;
}

/** One access by `by` (a 'cpuN' or the scenario); emits exactly one event. */
export function busAccess(
  m: PlatformMachine,
  addr: number,
  width: AccessWidth,
  write: boolean,
  value: bigint,
  by: string,
): BusResult {
  const f = decodeAddress(m, addr);
  const unit = frameUnit(f);
  const cpu = f.unit === 'gicr' ? f.n : -1;
  const its = f.unit === 'its' ? f.n : -1;
  const base = { addr, width, by, write };
  if (f.unit === 'ram') {
    if (!memVisible(m.s.mem, addr, width / 8)) {
      emit(m, 'mmio.bad', UNIT.mem, -1, -1, -1, -1, -1, {
        ...base,
        problem: 'the access runs past the end of RAM',
      });
      return { ok: false, problem: 'the access runs past the end of RAM' };
    }
    if (write) {
      ramWrite(m, addr, width, value);
      emit(m, 'mem.write', UNIT.mem, -1, -1, -1, -1, -1, { ...base, value: hexOf(value) });
      return { ok: true, value };
    }
    const v = ramRead(m, addr, width);
    emit(m, 'mem.read', UNIT.mem, -1, -1, -1, -1, -1, { ...base, value: hexOf(v) });
    return { ok: true, value: v };
  }
  if (f.unit === 'none') {
    emit(m, 'mmio.bad', UNIT.bus, -1, -1, -1, -1, -1, {
      ...base,
      value: write ? hexOf(value) : undefined,
      problem: 'nothing is mapped at this address',
    });
    return { ok: false, problem: 'nothing is mapped at this address' };
  }
  m.notes.length = 0;
  const r = frameAccess(m, f, width, write, value);
  const notes = m.notes.length ? [...m.notes] : undefined;
  m.notes.length = 0;
  const offset = f.offset;
  if (!r.ok) {
    emit(m, 'mmio.bad', unit, cpu, its, -1, -1, -1, {
      ...base,
      offset,
      reg: r.name,
      value: write ? hexOf(value) : undefined,
      problem: r.problem,
      treated: write ? 'write ignored' : 'read as zero',
    });
    return { ok: false, problem: r.problem, ...(r.name ? { reg: r.name } : {}), value: 0n };
  }
  const loc = registerAt(f, offset);
  const shown = write ? value : (r as { value: bigint }).value;
  const fields =
    loc?.def.fields && loc.within === 0 && width / 8 === loc.def.size
      ? decodeFields(loc.def.fields, shown)
      : undefined;
  emit(m, write ? 'mmio.write' : 'mmio.read', unit, cpu, its, -1, -1, -1, {
    ...base,
    offset,
    reg: r.name,
    value: hexOf(shown),
    ...(fields ? { fields } : {}),
    ...(notes ? { notes } : {}),
  });
  return { ok: true, value: shown, reg: r.name };
}

/** Reads a register's current value with no side effect and no event (expectations, inspectors). */
export function peek(m: PlatformMachine, addr: number, width: AccessWidth): bigint | undefined {
  const f = decodeAddress(m, addr);
  if (f.unit === 'ram') return memVisible(m.s.mem, addr, width / 8) ? ramRead(m, addr, width) : undefined;
  if (f.unit === 'none') return undefined;
  const saved = m.notes.length;
  const r = frameAccess(m, f, width, false, 0n);
  m.notes.length = saved;
  return r.ok && 'value' in r ? r.value : undefined;
}

export const readRamU32 = (m: PlatformMachine, addr: number): number => memReadU32(m.s.mem, addr);
