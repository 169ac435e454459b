/**
 * Running to a point of interest: the next event of a granularity a learner steps by (any event,
 * the next ITS command consumed, the next interrupt a PE takes), until the machine is idle, or
 * until an event matches a breakpoint. One call, whatever the host: the scenario runner's
 * `run until ...`, the UI's buttons and breakpoints, the CLI.
 *
 * A delivery is a PE acknowledging an interrupt (ICC_IAR0/1_EL1 returning a real INTID, not 1023):
 * the moment the interrupt reaches software, the same as a scenario's `expect deliveries` counts.
 */

import type { EventIds, SimEvent } from '../sim/event-log';
import type { Machine, RunResult } from './machine';

/** Identifiers an event must carry to match (every given one must match). */
export interface EventMatch extends EventIds {
  kind?: string;
  unit?: string;
}

export type RunTarget =
  | { until: 'idle' }
  /** The next event, whatever it is (one step). */
  | { until: 'event' }
  /** The next ITS command read from a queue (of ITS `its`, if given). */
  | { until: 'command'; its?: number }
  /** The next interrupt a PE takes (on `cpu`, of `intid`, if given). */
  | { until: 'delivery'; cpu?: number; intid?: number }
  /** The next event matching. */
  | { until: 'match'; match: EventMatch };

export interface RunUntilResult extends RunResult {
  /** Seq of the event that ended the run (the target or a breakpoint), if one did. */
  at?: number;
  /** Index in `breakpoints` of the breakpoint that stopped the run. */
  breakpoint?: number;
}

const SPURIOUS = 1023;

export function matches(e: SimEvent, m: EventMatch): boolean {
  return (
    (m.kind === undefined || e.kind === m.kind) &&
    (m.unit === undefined || e.unit === m.unit) &&
    (m.cpu === undefined || e.cpu === m.cpu) &&
    (m.its === undefined || e.its === m.its) &&
    (m.intid === undefined || e.intid === m.intid) &&
    (m.devid === undefined || e.devid === m.devid) &&
    (m.eventid === undefined || e.eventid === m.eventid)
  );
}

/** Whether event `seq` of the machine's log is what `target` waits for. */
function reached(machine: Machine, seq: number, target: RunTarget): boolean {
  const log = machine.log;
  switch (target.until) {
    case 'idle':
      return false;
    case 'event':
      return true;
    case 'command': {
      if (log.kindAt(seq) !== 'its.cmd') return false;
      return target.its === undefined || log.get(seq)!.its === target.its;
    }
    case 'delivery': {
      if (log.kindAt(seq) !== 'icc.ack') return false;
      const e = log.get(seq)!;
      const intid = (e.data as { intid: number }).intid;
      return (
        intid !== SPURIOUS &&
        (target.cpu === undefined || e.cpu === target.cpu) &&
        (target.intid === undefined || intid === target.intid)
      );
    }
    case 'match':
      return matches(log.get(seq)!, target.match);
  }
}

/**
 * Runs `machine` until `target` is reached, a breakpoint matches an event (the run stops after
 * that event), the machine is idle, or `maxEvents` events have been emitted.
 */
export function runUntil(
  machine: Machine,
  target: RunTarget,
  breakpoints: readonly EventMatch[] = [],
  maxEvents = 1_000_000,
): RunUntilResult {
  let at: number | undefined;
  let breakpoint: number | undefined;
  const r = machine.run({
    maxEvents,
    stop: (seq) => {
      if (breakpoints.length) {
        const e = machine.log.get(seq)!;
        const b = breakpoints.findIndex((bp) => matches(e, bp));
        if (b >= 0) {
          breakpoint = b;
          at = seq;
          return true;
        }
      }
      if (!reached(machine, seq, target)) return false;
      at = seq;
      return true;
    },
  });
  return {
    ...r,
    ...(at !== undefined ? { at } : {}),
    ...(breakpoint !== undefined ? { breakpoint } : {}),
  };
}
