/**
 * The ITS's current view of one table entry, read without side effects and without events, for
 * expectations and inspectors: from KVM's lists under the kvm profile, from the tables in memory
 * otherwise. `undefined` means the ITS has no valid entry there.
 */

import type { ItsMachine } from './its-machine';
import type { ItsState } from './its-state';
import { lookupCollection, lookupDevice, lookupEvent, resolveTarget } from './lookup';
import { BASER_TYPE_COLLECTION } from './its-state';
import { entryAddress } from './tables';
import { readCte } from './table-formats';

export interface DteView {
  valid: boolean;
  size: number;
  itt: number;
}

export interface IteView {
  intid: number;
  icid: number;
}

export interface CteView {
  /** Mapped to a redistributor. */
  valid: boolean;
  /** PE index, -1 when not mapped. */
  target: number;
}

export function viewDte(m: ItsMachine, its: ItsState, devid: number): DteView | undefined {
  const d = lookupDevice(m, its, devid, []);
  return d.ok ? { valid: true, size: d.value.size, itt: d.value.itt } : undefined;
}

export function viewIte(m: ItsMachine, its: ItsState, devid: number, eventid: number): IteView | undefined {
  const d = lookupDevice(m, its, devid, []);
  if (!d.ok) return undefined;
  const e = lookupEvent(m, its, devid, d.value, eventid, []);
  return e.ok ? { intid: e.value.intid, icid: e.value.icid } : undefined;
}

export function viewCte(m: ItsMachine, its: ItsState, icid: number): CteView | undefined {
  if (m.itsRules.state === 'kvm-lists') {
    const t = its.collections.get(icid);
    return t === undefined ? undefined : { valid: t >= 0, target: t };
  }
  const c = lookupCollection(m, its, icid, []);
  if (c.ok) return { valid: true, target: c.value.cpu };
  const at = entryAddress(m, its, BASER_TYPE_COLLECTION, icid, []);
  if (!at.ok) return undefined;
  const cte = readCte(m.s.mem, at.addr, m.itsRules.tableFormat);
  return cte.valid ? { valid: true, target: resolveTarget(m, its, cte.rdbase) } : undefined;
}
