/**
 * The ITS's tasks, registered by the machine: command processing, MSI translation, GICv4.1 vSGIs
 * written to GITS_SGIR, and the cache flush KVM performs when a redistributor's LPIs are disabled.
 */

import { ringDoorbell } from '../gic/gic-tasks';
import { vsgiSetPending, type Doorbell } from '../gic/vlpi';
import { emit } from '../sim/kernel';
import { UNIT } from '../sim/unit-names';
import { processOne } from './command-queue';
import type { ItsMachine } from './its-machine';
import type { SgirTask } from './its-registers';
import { lookupVpe } from './lookup';
import { cacheFlush } from './translation-cache';
import { translateStep, type TranslateTask } from './translation';

function flushAll(m: ItsMachine, a: { reason: string }): void {
  let n = 0;
  for (const its of m.s.its) n += cacheFlush(its);
  emit(m, 'its.cache.flush', UNIT.its, -1, -1, -1, -1, -1, { reason: a.reason, entries: n });
}

/**
 * GITS_SGIR: the ITS finds the vPE in its vPE table, then the GIC makes the vSGI pending for it:
 * presented at once where the vPE is resident, otherwise recorded (and an armed default doorbell
 * rings, as its own event).
 */
function sgir(m: ItsMachine, t: SgirTask): void {
  const its = m.s.its[t.its]!;
  const unit = m.itsUnit(t.its);
  const p = lookupVpe(m, its, t.vpeid, null);
  if (!p.ok) {
    emit(m, 'its.sgir', unit, -1, t.its, t.vintid, -1, -1, {
      vpeid: t.vpeid,
      vintid: t.vintid,
      done: 'dropped',
      why: p.reason,
    });
    return;
  }
  const ring: Doorbell[] = [];
  const out = vsgiSetPending(m, t.vpeid, t.vintid, ring);
  emit(m, 'its.sgir', unit, p.value.cpu, t.its, t.vintid, -1, -1, {
    vpeid: t.vpeid,
    vintid: t.vintid,
    cpu: p.value.cpu,
    ...out,
  });
  for (const d of ring) ringDoorbell(m, d, t.vintid, t.its, -1, -1);
}

export const ITS_HANDLERS = {
  'its.process': (m: ItsMachine, index: number) => processOne(m, index),
  'its.translate': (m: ItsMachine, t: TranslateTask) => translateStep(m, t),
  'its.sgir': sgir,
  'its.caches.flush': (m: ItsMachine, a: { reason: string }) => flushAll(m, a),
};
