/**
 * The ITS's tasks, registered by the machine: command processing, MSI translation, and the cache
 * flush KVM performs when a redistributor's LPIs are disabled.
 */

import { emit } from '../sim/kernel';
import { UNIT } from '../sim/unit-names';
import { processOne } from './command-queue';
import type { ItsMachine } from './its-machine';
import { cacheFlush } from './translation-cache';
import { translateStep, type TranslateTask } from './translation';

function flushAll(m: ItsMachine, a: { reason: string }): void {
  let n = 0;
  for (const its of m.s.its) n += cacheFlush(its);
  emit(m, 'its.cache.flush', UNIT.its, -1, -1, -1, -1, -1, { reason: a.reason, entries: n });
}

export const ITS_HANDLERS = {
  'its.process': (m: ItsMachine, index: number) => processOne(m, index),
  'its.translate': (m: ItsMachine, t: TranslateTask) => translateStep(m, t),
  'its.caches.flush': (m: ItsMachine, a: { reason: string }) => flushAll(m, a),
};
