/**
 * The register inspector: the registers of a GIC frame (the distributor, a redistributor, an ITS)
 * and any one of them read by name and decoded field by field.
 *
 * Units are named as in the command language (docs/command-language.md): 'gicd', 'rd<n>' (or
 * 'gicr<n>'), 'its<n>'. The list and the field layouts come from the register tables the hardware
 * model itself uses (distributor.ts, redistributor.ts, its-registers.ts), and a value is read with
 * `peek`, the bus's side-effect-free path through those same tables: what the inspector shows is
 * what an MMIO read would return at that moment, without the read being an event, and without
 * changing anything (no register of the GIC has a read side effect in this model, so the two agree).
 * Registers that do not exist under the machine's profile (GICR_INVLPIR in QEMU, GITS_TRANSLATER
 * in KVM) are not listed, since the bus does not map them.
 */

import { GICD_REGISTERS } from '../gic/distributor';
import { redistStride } from '../gic/gic-config';
import { decodedRegister, isIndex, type DecodedField, type InspectError } from '../gic/gic-inspect';
import { GICR_REGISTERS } from '../gic/redistributor';
import { findByName, instanceName, type FieldDef } from '../gic/registers';
import { GITS_REGISTERS } from '../its/its-registers';
import { peek } from './bus';
import type { PlatformMachine } from './platform-machine';

/** What the inspector needs of a register table entry (every table's entries have it). */
interface Def {
  name: string;
  offset: number;
  size: 4 | 8;
  count?: number;
  stride?: number;
  access: 'rw' | 'ro' | 'wo';
  fields?: readonly FieldDef[];
  doc?: string;
  present?: (m: PlatformMachine) => boolean;
}

type FrameKind = 'gicd' | 'gicr' | 'its';

interface FrameRef {
  kind: FrameKind;
  /** Canonical unit name: 'gicd', 'rd2', 'its0'. */
  unit: string;
  base: number;
  prefix: 'GICD_' | 'GICR_' | 'GITS_';
}

const DEFS: Record<FrameKind, readonly Def[]> = {
  gicd: GICD_REGISTERS.regs,
  gicr: GICR_REGISTERS.regs,
  its: GITS_REGISTERS.regs,
};

function findDef(kind: FrameKind, name: string): { def: Def; index: number } | undefined {
  switch (kind) {
    case 'gicd':
      return findByName(GICD_REGISTERS, name);
    case 'gicr':
      return findByName(GICR_REGISTERS, name);
    case 'its':
      return findByName(GITS_REGISTERS, name);
  }
}

function frameOf(m: PlatformMachine, unit: string): FrameRef | InspectError {
  const u = typeof unit === 'string' ? /^\s*(?:(gicd)|(?:rd|gicr)(\d+)|its(\d+))\s*$/i.exec(unit) : null;
  if (!u) return { ok: false, error: `'${String(unit)}' is not a unit (gicd, rd<n>, its<n>)` };
  const g = m.s.gic.cfg;
  if (u[1]) return { kind: 'gicd', unit: 'gicd', base: g.distBase, prefix: 'GICD_' };
  if (u[2] !== undefined) {
    const n = Number(u[2]);
    if (!isIndex(n, g.affinity.length))
      return {
        ok: false,
        error: `there is no redistributor ${n} (the machine has ${g.affinity.length} PEs)`,
      };
    return { kind: 'gicr', unit: `rd${n}`, base: g.redistBase + n * redistStride(g), prefix: 'GICR_' };
  }
  const n = Number(u[3]);
  if (!isIndex(n, m.s.its.length))
    return { ok: false, error: `there is no ITS ${n} (the machine has ${m.s.its.length})` };
  return { kind: 'its', unit: `its${n}`, base: m.s.its[n]!.cfg.base, prefix: 'GITS_' };
}

const isFrameError = (f: FrameRef | InspectError): f is InspectError => 'ok' in f;

const exists = (m: PlatformMachine, def: Def): boolean => !def.present || def.present(m);

export interface RegisterEntry {
  /** Instance name: 'GICD_IPRIORITYR8'. */
  name: string;
  /** Offset in the frame and physical address. */
  offset: number;
  addr: number;
  width: 32 | 64;
  access: 'rw' | 'ro' | 'wo';
  /** Names of the fields the table defines (empty: the register is shown as one value). */
  fields: string[];
  doc?: string;
  /** Instances of an array register: its spec name ('GICD_IPRIORITYR<n>') and index. */
  array?: { template: string; index: number };
}

export interface RegisterListView {
  ok: true;
  unit: string;
  frame: 'GICD' | 'GICR' | 'GITS';
  base: number;
  /** By offset; arrays expanded into their instances. */
  registers: RegisterEntry[];
}

/** The registers of a frame ('gicd', 'rd<n>', 'its<n>') under the machine's profile, by offset. */
export function registerList(m: PlatformMachine, unit: string): RegisterListView | InspectError {
  const f = frameOf(m, unit);
  if (isFrameError(f)) return f;
  const out: RegisterEntry[] = [];
  for (const def of DEFS[f.kind]) {
    if (!exists(m, def)) continue;
    const count = def.count ?? 1;
    const stride = def.stride ?? def.size;
    for (let i = 0; i < count; i++) {
      const offset = def.offset + i * stride;
      out.push({
        name: instanceName(def, i),
        offset,
        addr: f.base + offset,
        width: (def.size * 8) as 32 | 64,
        access: def.access,
        fields: (def.fields ?? []).map((x) => x.name),
        ...(def.doc ? { doc: def.doc } : {}),
        ...(def.count !== undefined ? { array: { template: def.name, index: i } } : {}),
      });
    }
  }
  out.sort((a, b) => a.offset - b.offset);
  return {
    ok: true,
    unit: f.unit,
    frame: f.prefix.slice(0, 4) as RegisterListView['frame'],
    base: f.base,
    registers: out,
  };
}

export interface RegisterReading {
  ok: true;
  unit: string;
  name: string;
  offset: number;
  addr: number;
  width: 32 | 64;
  access: 'rw' | 'ro' | 'wo';
  /** False for a write-only register: a read is refused by the hardware and returns 0. */
  readable: boolean;
  /** The value a full-width MMIO read returns now, hex. */
  value: string;
  fields: DecodedField[];
  doc?: string;
  note?: string;
}

/**
 * Reads register `name` of `unit` as a full-width MMIO read would, with no side effect and no
 * event. The frame prefix may be left out ('CTLR' of 'its0' is GITS_CTLR).
 */
export function readRegister(m: PlatformMachine, unit: string, name: string): RegisterReading | InspectError {
  const f = frameOf(m, unit);
  if (isFrameError(f)) return f;
  if (typeof name !== 'string' || name.trim() === '') return { ok: false, error: 'no register name' };
  const upper = name.trim().toUpperCase();
  const found = findDef(f.kind, upper) ?? findDef(f.kind, f.prefix + upper);
  if (!found) return { ok: false, error: `${f.unit} has no register named ${name.trim()}` };
  const { def, index } = found;
  const regName = instanceName(def, index);
  if (!exists(m, def))
    return {
      ok: false,
      error: `${regName} does not exist under the ${m.profile} profile (RAZ/WI, unmapped)`,
    };
  const offset = def.offset + index * (def.stride ?? def.size);
  const addr = f.base + offset;
  const width = (def.size * 8) as 32 | 64;
  const base = {
    ok: true as const,
    unit: f.unit,
    name: regName,
    offset,
    addr,
    width,
    access: def.access,
    ...(def.doc ? { doc: def.doc } : {}),
  };
  if (def.access === 'wo')
    return {
      ...base,
      readable: false,
      value: '0x0',
      fields: [],
      note: `${regName} is write-only: the hardware refuses a read and it returns 0`,
    };
  const v = peek(m, addr, width);
  if (v === undefined) return { ok: false, error: `${regName} cannot be read` };
  const d = decodedRegister(def.fields, v);
  return { ...base, readable: true, value: d.value, fields: d.fields };
}
