/**
 * What the current event (the one that brought the machine to the position shown) is about, in
 * the terms the inspectors highlight: the ITS, DeviceID, EventID, collection, queue slot, INTID and
 * CPU it names. The event row carries the identifiers; the stage's focus adds the table entry (the
 * ICID of a collection-table lookup, the queue slot of a command). Pure, tested in current.test.ts.
 */

import type { EventRow, Focus } from '../worker/api';

export interface Current {
  seq?: number;
  kind?: string;
  /**
   * The VM the event belongs to (its unit is the VM's or one of its parts': 'vm0', 'vm0.its0');
   * undefined for the host. Its ids are the VM's: `its` a virtual ITS, `intid` a virtual INTID.
   */
  vm?: number;
  its?: number;
  devid?: number;
  eventid?: number;
  intid?: number;
  cpu?: number;
  /** A collection the event looked up (its.cte). */
  icid?: number;
  /** A command-queue slot the event read (its.cmd). */
  slot?: number;
}

/**
 * The ids of the current event (empty at position 0). `vms`: the names of the machine's VMs
 * (MachineShape.vms), whose events are told from the host's by their unit.
 */
export function currentOf(
  event: EventRow | undefined,
  focus: Focus | undefined,
  vms: readonly string[] = [],
): Current {
  if (!event) return {};
  const c: Current = { seq: event.seq, kind: event.kind };
  const vm = vms.indexOf(event.unit.split('.')[0]!);
  if (vm >= 0) c.vm = vm;
  for (const k of ['its', 'devid', 'eventid', 'intid', 'cpu'] as const) {
    const v = event[k];
    if (v !== undefined) c[k] = v;
  }
  // The unit names the ITS of an ITS event that carries no `its` id ('its1', 'vm0.its0').
  if (c.its === undefined) {
    const m = (vm >= 0 ? /^[^.]+\.its(\d+)$/ : /^its(\d+)$/).exec(event.unit);
    if (m) c.its = Number(m[1]);
  }
  const entry = focus && focus.seq === event.seq ? focus.entry : undefined;
  if (entry?.table === 'ct' && Number.isInteger(entry.id)) c.icid = entry.id;
  if (entry?.table === 'queue' && Number.isInteger(entry.id)) c.slot = entry.id;
  return c;
}

/** A redistributor / CPU-interface choice: 'auto' follows the current event's CPU. */
export type Follow = 'auto' | number;

/**
 * The index to show for a choice that may follow the current event: the user's pick, else the
 * event's value, else the last value the event gave (`last`), else `fallback`; clamped to [0, count).
 */
export function followed(
  pick: Follow,
  fromEvent: number | undefined,
  last: number | undefined,
  fallback: number,
  count: number,
): number {
  const v = pick !== 'auto' ? pick : (fromEvent ?? last ?? fallback);
  return count > 0 && v >= 0 && v < count ? v : Math.max(0, Math.min(fallback, count - 1));
}
