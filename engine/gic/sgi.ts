/**
 * Software-generated interrupts: decoding an ICC_SGI1R_EL1 / ICC_SGI0R_EL1 / ICC_ASGI1R_EL1 write
 * into target PEs, and setting the SGI pending at each target's redistributor.
 *
 * Fields: TargetList [15:0], Aff1 [23:16], INTID [27:24], Aff2 [39:32], IRM [40], RS [47:44],
 * Aff3 [55:48]. IRM = 1 targets every PE except the sender; otherwise each set bit n of TargetList
 * names the PE with affinity Aff3.Aff2.Aff1.(RS*16 + n) — RS only where the profile honours it.
 */

import { emit, schedule } from '../sim/kernel';
import { formatAffinity } from './gic-config';
import type { GicMachine } from './gic-machine';
import { setPrivateLatch } from './private-irqs';
import { peByAffinity } from './spi';
import { gicrUnit } from '../sim/unit-names';

export interface SgiRequest {
  from: number;
  to: number;
  intid: number;
  /** Group the generating register asks for. */
  group: number;
  reg: string;
}

/** Decodes the write and queues one delivery per target; returns the target PE numbers. */
export function generateSgi(m: GicMachine, cpu: number, reg: string, value: bigint): number[] {
  const intid = Number((value >> 24n) & 0xfn);
  const irm = ((value >> 40n) & 1n) === 1n;
  const group = reg === 'ICC_SGI1R_EL1' ? 1 : 0;
  const targets: number[] = [];
  const n = m.s.gic.cfg.affinity.length;
  if (irm) {
    for (let t = 0; t < n; t++) if (t !== cpu) targets.push(t);
  } else {
    const list = Number(value & 0xffffn);
    const aff1 = Number((value >> 16n) & 0xffn);
    const aff2 = Number((value >> 32n) & 0xffn);
    const aff3 = Number((value >> 48n) & 0xffn);
    const rs = m.gicRules.sgiRangeSelector === 'honoured' ? Number((value >> 44n) & 0xfn) : 0;
    for (let bit = 0; bit < 16; bit++) {
      if (!((list >> bit) & 1)) continue;
      const aff0 = rs * 16 + bit;
      if (aff0 > 0xff) continue;
      const t = peByAffinity(m, ((aff3 << 24) | (aff2 << 16) | (aff1 << 8) | aff0) >>> 0);
      if (t >= 0) targets.push(t);
    }
  }
  for (const to of targets)
    schedule<SgiRequest>(m, m.gicTiming.sgi, 'gic.sgi', { from: cpu, to, intid, group, reg });
  return targets;
}

/** 'gic.sgi' task: the SGI reaches the target redistributor. */
export function deliverSgi(m: GicMachine, r: SgiRequest): void {
  const priv = m.s.gic.rd[r.to]!.priv;
  const configured = priv.group[r.intid]!;
  const accept = m.gicRules.sgi1rGroups === 'either' && r.group === 1 ? true : configured === r.group;
  const unit = gicrUnit(r.to);
  if (!accept) {
    emit(m, 'gicr.sgi', unit, r.to, -1, r.intid, -1, -1, {
      from: r.from,
      accepted: false,
      why: `SGI ${r.intid} is configured as Group ${configured} at PE ${r.to} (${formatAffinity(m.s.gic.cfg.affinity[r.to]!)}) but ${r.reg} generates Group ${r.group}`,
    });
    return;
  }
  setPrivateLatch(m, r.to, r.intid, 1);
  emit(m, 'gicr.sgi', unit, r.to, -1, r.intid, -1, -1, { from: r.from, accepted: true });
}
