/**
 * The ITS table entry or queue slot an ITS event is about, for the focus: the same for the host's
 * ITSs (stage-model.ts) and a VM's virtual ITSs (vm-stage.ts), since both are engine/its emitting
 * the same events. The inspectors highlight it (app/inspectors/current.ts).
 */

import type { SimEvent } from '../../engine';
import type { Focus } from './api';

export function itsEntryOf(e: SimEvent): Focus['entry'] {
  const d = (e.data ?? {}) as Record<string, unknown>;
  switch (e.kind) {
    case 'its.dte':
      return { table: 'dt', id: e.devid! };
    case 'its.ite':
      return { table: 'itt', id: e.eventid!, devid: e.devid! };
    case 'its.cte':
      return { table: 'ct', id: Number(d.icid) };
    case 'its.cache':
      return { table: 'cache', id: e.eventid!, devid: e.devid! };
    case 'its.cmd':
      return { table: 'queue', id: Number(d.slot) };
  }
  return undefined;
}
