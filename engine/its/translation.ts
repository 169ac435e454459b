/**
 * An MSI's way through the ITS, one step per task so each lookup is an event the learner can see:
 * the write arrives at GITS_TRANSLATER (the EventID is the data, the DeviceID comes from the bus),
 * the translation cache is consulted where the profile has one, then the Device Table entry, the
 * event's ITE and the Collection Table entry are looked up, and the redistributor is asked to make
 * the LPI pending. A failed step ends the MSI with an 'its.drop' event that names the rule, so
 * every accepted MSI is delivered, merged with one already pending, or dropped for a stated reason.
 *
 * GICv4: when the ITE maps a virtual LPI, the step after it reads the vPE's VTE ('vte') instead of
 * a collection, and the vPE's redistributor is asked to make the vLPI pending ('gicr.vlpi'): in the
 * VPT, presented at once if the vPE is resident there, otherwise with a doorbell. Virtual
 * translations are never cached, so the cache only ever holds physical ones.
 */

import { payloadKind } from '../sim/event-payload';
import { emit, emitPacked, schedule } from '../sim/kernel';
import { isGicV41 } from '../gic/gic-config';
import type { LpiRequest } from '../gic/gic-tasks';
import type { VlpiRequest } from '../gic/vlpi';
import { formatItsError, itsError, memoryFault, type ItsError } from './errors';
import type { ItsMachine } from './its-machine';
import {
  lookupCollection,
  lookupDevice,
  lookupEvent,
  lookupVirtualTarget,
  vlpiRequestOf,
  type DeviceInfo,
  type EventInfo,
  type Problem,
} from './lookup';
import { cacheEnabled, cacheFill, cacheKeyDevice, cacheKeyEvent, cacheLookup } from './translation-cache';

export interface TranslateTask {
  its: number;
  devid: number;
  eventid: number;
  stage: 'arrive' | 'cache' | 'dte' | 'ite' | 'vte' | 'cte';
  from: 'device' | 'cpu';
  dte?: DeviceInfo;
  ite?: EventInfo;
}

function next(
  m: ItsMachine,
  t: TranslateTask,
  stage: TranslateTask['stage'],
  dte?: DeviceInfo,
  ite?: EventInfo,
): void {
  const delay = stage === 'cache' ? m.itsTiming.cacheLookup : m.itsTiming.tableRead;
  const a: TranslateTask = { its: t.its, devid: t.devid, eventid: t.eventid, stage, from: t.from };
  const d = dte ?? t.dte;
  if (d) a.dte = d;
  if (ite) a.ite = ite;
  schedule<TranslateTask>(m, delay, 'its.translate', a);
}

function toRedistributor(m: ItsMachine, t: TranslateTask, cpu: number, intid: number): void {
  schedule<LpiRequest>(m, m.gicTiming.lpi, 'gicr.lpi', {
    cpu,
    intid,
    set: true,
    its: t.its,
    devid: t.devid,
    eventid: t.eventid,
    via: 'MSI',
  });
}

function drop(m: ItsMachine, t: TranslateTask, error: ItsError): void {
  emit(m, 'its.drop', m.itsUnit(t.its), -1, t.its, -1, t.devid, t.eventid, {
    stage: t.stage,
    error,
    text: formatItsError(error),
  });
}

// The data of the events every MSI records, packed in the log (sim/event-payload.ts).
const TRANSLATER = payloadKind('its.translater', [
  ['accepted', 'bool'],
  ['from', 'str'],
  ['why', 'str?'],
] as const);
const CACHE = payloadKind('its.cache', [
  ['hit', 'bool'],
  ['intid', 'num?'],
  ['cpu', 'num?'],
  ['icid', 'num?'],
] as const);
const DTE = payloadKind('its.dte', [
  ['valid', 'bool'],
  ['size', 'num'],
  ['itt', 'num'],
  ['addr', 'num?'],
  ['l1', 'num?'],
] as const);
/** 'its.ite': a virtual ITE (GICv4) adds its vPEID and doorbell; intid is then the vINTID. */
const ITE = payloadKind('its.ite', [
  ['intid', 'num'],
  ['icid', 'num'],
  ['addr', 'num?'],
  ['vpeid', 'num?'],
  ['doorbell', 'num?'],
] as const);
/** 'its.vte' (VteData). */
const VTE = payloadKind('its.vte', [
  ['vpeid', 'num'],
  ['vpt', 'num'],
  ['vptBits', 'num'],
  ['cpu', 'num'],
  ['rdbase', 'num'],
  ['doorbell', 'num'],
  ['defaultDoorbell', 'bool'],
  ['addr', 'num?'],
] as const);
/** 'its.cte' (CteData). */
const CTE = payloadKind('its.cte', [
  ['icid', 'num'],
  ['cpu', 'num'],
  ['rdbase', 'num'],
  ['cached', 'bool'],
  ['addr', 'num?'],
  ['evictedDevid', 'num?'],
  ['evictedEventid', 'num?'],
] as const);

const DISABLED = 'the ITS is disabled (GITS_CTLR.Enabled = 0): the write is ignored';

function problemError(p: Problem, reason: string): ItsError {
  return p === 'fault' ? memoryFault(reason) : itsError('E_ITS_INT_UNMAPPED_INTERRUPT', reason);
}

/** A virtual event's vPE problems have no architected name in Linux's E_ITS_* list. */
const vpeProblemError = (p: Problem, reason: string): ItsError =>
  p === 'fault' ? memoryFault(reason) : itsError(undefined, reason);

/**
 * Event data is kept flat and small (the lookup results themselves, with the entry addresses the
 * inspector highlights): an MSI storm records every step, so this is the model's hottest path.
 */
export function translateStep(m: ItsMachine, t: TranslateTask): void {
  const its = m.s.its[t.its]!;
  const unit = m.itsUnit(t.its);
  switch (t.stage) {
    case 'arrive': {
      if ((its.ctlr & 1) === 0) {
        emitPacked(m, TRANSLATER, unit, -1, t.its, -1, t.devid, t.eventid, false, t.from, DISABLED);
        return;
      }
      emitPacked(m, TRANSLATER, unit, -1, t.its, -1, t.devid, t.eventid, true, t.from, undefined);
      next(m, t, cacheEnabled(m) ? 'cache' : 'dte');
      return;
    }
    case 'cache': {
      const hit = cacheLookup(m, its, t.devid, t.eventid);
      if (hit) {
        emitPacked(
          m,
          CACHE,
          unit,
          hit.cpu,
          t.its,
          hit.intid,
          t.devid,
          t.eventid,
          true,
          hit.intid,
          hit.cpu,
          hit.icid,
        );
        toRedistributor(m, t, hit.cpu, hit.intid);
        return;
      }
      emitPacked(m, CACHE, unit, -1, t.its, -1, t.devid, t.eventid, false, undefined, undefined, undefined);
      next(m, t, 'dte');
      return;
    }
    case 'dte': {
      const d = lookupDevice(m, its, t.devid, null);
      if (!d.ok) return drop(m, t, problemError(d.problem, d.reason));
      const v = d.value;
      emitPacked(m, DTE, unit, -1, t.its, -1, t.devid, t.eventid, v.valid, v.size, v.itt, v.addr, v.l1);
      next(m, t, 'ite', d.value);
      return;
    }
    case 'ite': {
      const e = lookupEvent(m, its, t.devid, t.dte!, t.eventid, null);
      if (!e.ok) return drop(m, t, problemError(e.problem, e.reason));
      const v = e.value;
      const virt = v.virtual;
      emitPacked(
        m,
        ITE,
        unit,
        -1,
        t.its,
        v.intid,
        t.devid,
        t.eventid,
        v.intid,
        v.icid,
        v.addr,
        virt?.vpeid,
        virt?.doorbell,
      );
      next(m, t, virt ? 'vte' : 'cte', undefined, e.value);
      return;
    }
    case 'vte': {
      const v = t.ite!.virtual!;
      const p = lookupVirtualTarget(m, its, v, null);
      if (!p.ok) return drop(m, t, vpeProblemError(p.problem, p.reason));
      const x = p.value;
      const r = vlpiRequestOf(m, its, x, v, true, t.devid, t.eventid, 'MSI');
      // The doorbell the redistributor will ring if the vPE is not resident: the ITE's on a
      // GICv4.0, the vPE's default one (if armed) on a GICv4.1.
      const v41 = isGicV41(m.s.gic.cfg);
      const db = v41 ? x.doorbell : v.doorbell;
      emitPacked(
        m,
        VTE,
        unit,
        x.cpu,
        t.its,
        v.vintid,
        t.devid,
        t.eventid,
        v.vpeid,
        x.vpt,
        x.vptBits,
        x.cpu,
        x.rdbase,
        db,
        v41,
        x.addr,
      );
      schedule<VlpiRequest>(m, m.gicTiming.lpi, 'gicr.vlpi', r);
      return;
    }
    case 'cte': {
      const ite = t.ite!;
      const c = lookupCollection(m, its, ite.icid, null);
      if (!c.ok) return drop(m, t, problemError(c.problem, c.reason));
      const cpu = c.value.cpu;
      if (m.itsRules.lpisDisabledAtTarget === 'its-refuses' && !m.kvmLpis.enabled(m, cpu))
        return drop(m, t, {
          reason: `LPIs are disabled on PE ${cpu} (GICR_CTLR.EnableLPIs = 0): the MSI is refused (-EBUSY)`,
        });
      const ev = cacheFill(m, its, t.devid, t.eventid, { intid: ite.intid, cpu, icid: ite.icid });
      const { rdbase, addr } = c.value;
      const intid = ite.intid;
      const evDev = ev ? cacheKeyDevice(ev) : undefined;
      const evEvent = ev ? cacheKeyEvent(ev) : undefined;
      const cached = cacheEnabled(m);
      emitPacked(
        m,
        CTE,
        unit,
        cpu,
        t.its,
        intid,
        t.devid,
        t.eventid,
        ite.icid,
        cpu,
        rdbase,
        cached,
        addr,
        evDev,
        evEvent,
      );
      toRedistributor(m, t, cpu, ite.intid);
      return;
    }
  }
}

/** Data of an 'its.cte' event. */
export interface CteData {
  icid: number;
  cpu: number;
  rdbase: number;
  cached: boolean;
  addr?: number;
  /** The translation a bounded cache dropped to make room for this one (LRU). */
  evictedDevid?: number;
  evictedEventid?: number;
}

/** Data of an 'its.vte' event: the vPE a virtual event's vLPI goes to. */
export interface VteData {
  vpeid: number;
  vpt: number;
  vptBits: number;
  cpu: number;
  rdbase: number;
  /** The doorbell if the vPE is not resident (1023: none). */
  doorbell: number;
  /** GICv4.1: `doorbell` is the vPE's default doorbell, rung only when armed. */
  defaultDoorbell: boolean;
  addr?: number;
}
