/**
 * Turning the command language's names into addresses: a register name (with its unit), a unit
 * plus an offset, or a physical address becomes the address and width of one bus access, checked
 * against the machine at hand (a redistributor or ITS that does not exist is an error here, before
 * anything runs).
 */

import { redistStride } from '../gic/gic-config';
import { GICD_REGISTERS } from '../gic/distributor';
import { GICR_REGISTERS } from '../gic/redistributor';
import { findByName, type AccessWidth } from '../gic/registers';
import { GITS_REGISTERS } from '../its/its-registers';
import type { Machine } from '../platform/machine';
import type { MmioTarget, Unit } from './actions';

export type Resolved =
  { ok: true; addr: number; width: AccessWidth; name: string } | { ok: false; error: string };

export function unitBase(m: Machine, u: Unit): number | string {
  const g = m.s.gic.cfg;
  switch (u.type) {
    case 'gicd':
      return g.distBase;
    case 'rd':
      if (u.n >= g.affinity.length)
        return `there is no redistributor ${u.n} (the machine has ${g.affinity.length} PEs)`;
      return g.redistBase + u.n * redistStride(g);
    case 'its': {
      const its = m.s.its[u.n];
      if (!its) return `there is no ITS ${u.n} (the machine has ${m.s.its.length})`;
      return its.cfg.base;
    }
  }
}

const unitText = (u: Unit): string => (u.type === 'gicd' ? 'gicd' : `${u.type}${u.n}`);

export function resolveTarget(m: Machine, t: MmioTarget, width?: AccessWidth): Resolved {
  if (t.kind === 'addr') {
    if (!width)
      return { ok: false, error: 'an access to a physical address needs a width (read32, write64...)' };
    return { ok: true, addr: t.addr, width, name: `@0x${t.addr.toString(16)}` };
  }
  if (t.kind === 'offset') {
    if (!width) return { ok: false, error: 'an access to a unit offset needs a width (read32, write64...)' };
    const base = unitBase(m, t.unit);
    if (typeof base === 'string') return { ok: false, error: base };
    return { ok: true, addr: base + t.offset, width, name: `${unitText(t.unit)}+0x${t.offset.toString(16)}` };
  }
  const reg = t.reg.toUpperCase();
  let unit: Unit;
  let found: { def: { offset: number; size: number; stride?: number }; index: number } | undefined;
  if (reg.startsWith('GICD_')) {
    if (t.unit && t.unit.type !== 'gicd')
      return { ok: false, error: `${reg} is a distributor register, not one of ${unitText(t.unit)}` };
    unit = { type: 'gicd' };
    found = findByName(GICD_REGISTERS, reg);
  } else if (reg.startsWith('GICR_')) {
    if (t.unit && t.unit.type !== 'rd')
      return { ok: false, error: `${reg} is a redistributor register, not one of ${unitText(t.unit)}` };
    unit = t.unit ?? { type: 'rd', n: 0 };
    found = findByName(GICR_REGISTERS, reg);
  } else if (reg.startsWith('GITS_')) {
    if (t.unit && t.unit.type !== 'its')
      return { ok: false, error: `${reg} is an ITS register, not one of ${unitText(t.unit)}` };
    unit = t.unit ?? { type: 'its', n: 0 };
    found = findByName(GITS_REGISTERS, reg);
  } else return { ok: false, error: `'${t.reg}' is not a GICD_, GICR_ or GITS_ register` };
  if (!found) return { ok: false, error: `no register named ${reg}` };
  const base = unitBase(m, unit);
  if (typeof base === 'string') return { ok: false, error: base };
  const plus = t.plus ?? 0;
  const regWidth = (found.def.size * 8) as AccessWidth;
  const w = width ?? (plus ? 32 : regWidth);
  if (plus + w / 8 > found.def.size)
    return {
      ok: false,
      error: `${reg}+${plus} with a ${w}-bit access runs past the ${regWidth}-bit register`,
    };
  const addr = base + found.def.offset + found.index * (found.def.stride ?? found.def.size) + plus;
  const name = (unit.type === 'gicd' ? '' : `${unitText(unit)} `) + reg + (plus ? `+${plus}` : '');
  return { ok: true, addr, width: w, name };
}
