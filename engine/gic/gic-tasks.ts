/**
 * The GIC's tasks: the work its registers and its ITS clients queue, each emitting the one event
 * that narrates it. Handlers are registered under these names by the machine (engine/platform).
 */

import { payloadKind } from '../sim/event-payload';
import { emit, emitPacked, schedule } from '../sim/kernel';
import { gicUpdate } from './cpu-interface';
import { markDirty } from './dirty';
import { FIRST_LPI } from './gic-config';
import type { GicMachine } from './gic-machine';
import {
  lpiClearPending,
  lpiInvalidate,
  lpiInvalidateAll,
  lpiLoadPendingTable,
  lpiSetPending,
  lpiWriteBackPending,
} from './lpi';
import { setPpiLine } from './private-irqs';
import {
  vlpiInvalidate,
  vlpiRequest,
  vptParsed,
  type Doorbell,
  type ResidencyChange,
  type VinvRequest,
  type VlpiRequest,
} from './vlpi';
import type { DirectInvTask, LpiEnableTask } from './redistributor';
import { deliverSgi, type SgiRequest } from './sgi';
import { spiSetLatch, spiSetLine } from './spi';
import { gicrUnit, UNIT } from '../sim/unit-names';

/** An ITS (or a GICR_SETLPIR-like source) asks a redistributor to set or clear an LPI. */
export interface LpiRequest {
  cpu: number;
  intid: number;
  set: boolean;
  /** Who asked: for the event's identifiers and narration. */
  its: number;
  devid: number;
  eventid: number;
  /** The ITS operation that asked ('MSI', 'INT', 'CLEAR', 'DISCARD', 'MOVI'). */
  via: string;
}

// The data of the events every MSI records, packed in the log (sim/event-payload.ts).
const LPI_PENDING = payloadKind('gicr.lpi.pending', [
  ['via', 'str'],
  ['done', 'str'],
  ['config', 'num'],
  ['configFrom', 'str'],
] as const);
const LPI_ALREADY = payloadKind('gicr.lpi.already', [
  ['via', 'str'],
  ['done', 'str'],
] as const);
const LPI_DROP = payloadKind('gicr.lpi.drop', [
  ['via', 'str'],
  ['done', 'str'],
  ['why', 'str'],
] as const);
const LPI_CLEAR = payloadKind('gicr.lpi.clear', [
  ['via', 'str'],
  ['wasPending', 'bool'],
] as const);

export function lpiRequest(m: GicMachine, r: LpiRequest): void {
  const unit = gicrUnit(r.cpu);
  if (r.set) {
    const out = lpiSetPending(m, r.cpu, r.intid);
    const { cpu, its, intid, devid, eventid, via } = r;
    if (out.done === 'pending')
      emitPacked(
        m,
        LPI_PENDING,
        unit,
        cpu,
        its,
        intid,
        devid,
        eventid,
        via,
        out.done,
        out.config,
        out.configFrom,
      );
    else if (out.done === 'already-pending')
      emitPacked(m, LPI_ALREADY, unit, cpu, its, intid, devid, eventid, via, out.done);
    else emitPacked(m, LPI_DROP, unit, cpu, its, intid, devid, eventid, via, out.done, out.why);
    return;
  }
  const was = lpiClearPending(m, r.cpu, r.intid);
  emitPacked(m, LPI_CLEAR, unit, r.cpu, r.its, r.intid, r.devid, r.eventid, r.via, was);
}

function lpiEnable(m: GicMachine, t: LpiEnableTask): void {
  const unit = gicrUnit(t.cpu);
  if (t.op === 'enable') {
    const found = lpiLoadPendingTable(m, t.cpu, t.ptz);
    emit(m, 'gicr.lpis.enabled', unit, t.cpu, -1, -1, -1, -1, { ptz: t.ptz, pendingFound: found });
    return;
  }
  const rd = m.s.gic.rd[t.cpu]!;
  let written = 0;
  if (m.gicRules.enableLpis === 'spec') {
    written = lpiWriteBackPending(m, t.cpu);
    rd.lpiPending.clear();
    rd.lpiConfig.clear();
    rd.ctlr = 0;
  }
  if (m.gicRules.enableLpis === 'kvm') {
    // vgic_flush_pending_lpis and the invalidation of every ITS translation cache.
    schedule(m, 0, 'its.caches.flush', { reason: `GICR_CTLR.EnableLPIs cleared on PE ${t.cpu}` });
  }
  markDirty(m, t.cpu);
  emit(m, 'gicr.lpis.disabled', unit, t.cpu, -1, -1, -1, -1, { writtenBack: written });
}

function directInv(m: GicMachine, t: DirectInvTask): void {
  const rd = m.s.gic.rd[t.cpu]!;
  const what = t.intid < 0 ? lpiInvalidateAll(m, t.cpu) : lpiInvalidate(m, t.cpu, t.intid);
  if (t.via === 'register') rd.invInFlight = Math.max(0, rd.invInFlight - 1);
  emit(m, 'gicr.inv', gicrUnit(t.cpu), t.cpu, -1, t.intid < 0 ? -1 : t.intid, -1, -1, {
    via: t.via === 'register' ? (t.intid < 0 ? 'GICR_INVALLR' : 'GICR_INVLPIR') : t.via,
    what,
  });
}

/** An interrupt line input (a device on an SPI, a timer on a PPI), applied as an outside input. */
export interface LineInput {
  intid: number;
  /** PE for a PPI. */
  cpu: number;
  level: 0 | 1;
}

export function setLine(m: GicMachine, l: LineInput): void {
  if (l.intid >= 16 && l.intid < 32) {
    setPpiLine(m, l.cpu, l.intid, l.level);
    emit(m, 'gicr.line', gicrUnit(l.cpu), l.cpu, -1, l.intid, -1, -1, { level: l.level });
    return;
  }
  const i = l.intid - 32;
  const spi = m.s.gic.dist.spi;
  if (l.intid < 32 || i >= spi.count || l.intid >= FIRST_LPI) {
    emit(m, 'gicd.line', UNIT.gicd, -1, -1, l.intid, -1, -1, {
      level: l.level,
      ignored: `INTID ${l.intid} is not an implemented SPI or PPI`,
    });
    return;
  }
  const was = spi.line[i];
  spiSetLine(m, i, l.level);
  // An edge-triggered SPI latches on the rising edge of its input.
  if (spi.edge[i] && l.level && !was) spiSetLatch(m, i, 1);
  emit(m, 'gicd.line', UNIT.gicd, -1, -1, l.intid, -1, -1, { level: l.level });
}

// ---------------------------------------------------------------- GICv4

/** A vLPI set or cleared at a redistributor (one event), and the doorbells it rang (their own events). */
export function vlpiTask(m: GicMachine, r: VlpiRequest): void {
  const ring: Doorbell[] = [];
  const out = vlpiRequest(m, r, ring);
  emit(m, 'gicr.vlpi', gicrUnit(r.cpu), r.cpu, r.its, r.vintid, r.devid, r.eventid, {
    via: r.via,
    set: r.set,
    vpeid: r.vpeid,
    vpt: r.vpt,
    ...out,
  });
  for (const d of ring) ringDoorbell(m, d, r.vintid, r.its, r.devid, r.eventid);
}

/** A doorbell rung for vLPI (or vSGI) `vintid` of the MSI (or GITS_SGIR write) that caused it. */
export interface DoorbellTask extends Doorbell {
  vintid: number;
  its: number;
  devid: number;
  eventid: number;
}

/**
 * A doorbell: the physical LPI that tells the hypervisor a vPE that is not resident has something
 * pending. It is its own event ('gicr.doorbell'), so the caller (which has emitted its own event,
 * or is a register write whose access is the event) schedules it at once; from there it is an
 * ordinary LPI ('gicr.lpi', via 'doorbell').
 */
export function ringDoorbell(
  m: GicMachine,
  d: Doorbell,
  vintid: number,
  its: number,
  devid: number,
  eventid: number,
): void {
  schedule<DoorbellTask>(m, 0, 'gicr.doorbell', { ...d, vintid, its, devid, eventid });
}

function doorbellTask(m: GicMachine, t: DoorbellTask): void {
  emit(m, 'gicr.doorbell', gicrUnit(t.cpu), t.cpu, t.its, t.intid, t.devid, t.eventid, {
    vpeid: t.vpeid,
    vintid: t.vintid,
  });
  schedule<LpiRequest>(m, 0, 'gicr.lpi', {
    cpu: t.cpu,
    intid: t.intid,
    set: true,
    its: t.its,
    devid: t.devid,
    eventid: t.eventid,
    via: 'doorbell',
  });
}

function vinvTask(m: GicMachine, t: VinvRequest): void {
  const what = vlpiInvalidate(m, t);
  emit(m, 'gicr.vinv', gicrUnit(t.cpu), t.cpu, -1, t.vintid, -1, -1, {
    via: t.via,
    vpeid: t.vpeid,
    vpt: t.vpt,
    what,
  });
}

/** What a GICR_VPENDBASER write did, as its own event once the VPT is parsed (Dirty reads 0 again). */
export interface VptTask extends ResidencyChange {
  cpu: number;
}

function vptTask(m: GicMachine, t: VptTask): void {
  if (t.parsing) vptParsed(m, t.cpu);
  const { cpu, ...change } = t;
  emit(m, 'gicr.vpe', gicrUnit(cpu), cpu, -1, -1, -1, -1, change);
}

export const GIC_HANDLERS = {
  'gic.update': (m: GicMachine, cpu: number) => gicUpdate(m, cpu),
  'gic.sgi': (m: GicMachine, r: SgiRequest) => deliverSgi(m, r),
  'gicr.lpi': (m: GicMachine, r: LpiRequest) => lpiRequest(m, r),
  'gicr.lpis': (m: GicMachine, t: LpiEnableTask) => lpiEnable(m, t),
  'gicr.inv': (m: GicMachine, t: DirectInvTask) => directInv(m, t),
  'gicr.vlpi': vlpiTask,
  'gicr.doorbell': doorbellTask,
  'gicr.vinv': vinvTask,
  'gicr.vpt': vptTask,
};
