/**
 * What every ITS command handler receives and returns, and the helpers they share: the decoded
 * command, the list of table accesses it makes (shown by the inspector and the event), a list of
 * plain-words effects for the narration, and the way a failed lookup becomes the command's error.
 */

import { schedule } from '../sim/kernel';
import type { LpiRequest } from '../gic/gic-tasks';
import type { VlpiRequest } from '../gic/vlpi';
import type { DecodedCommand } from './command-encoding';
import { itsError, memoryFault, type ItsError, type ItsErrorName } from './errors';
import type { ItsMachine } from './its-machine';
import type { ItsState } from './its-state';
import { vlpiRequestOf, type Problem, type VirtualIte, type VpeInfo } from './lookup';
import type { Touch } from './tables';

export interface CommandContext {
  m: ItsMachine;
  its: ItsState;
  cmd: DecodedCommand;
  touches: Touch[];
  effects: string[];
}

export type CommandOutcome = { ok: true } | { ok: false; error: ItsError };
export type CommandHandler = (c: CommandContext) => CommandOutcome;

export const OK: CommandOutcome = { ok: true };

export const num = (c: CommandContext, field: string): number => Number(c.cmd.fields[field] ?? 0n);

export function failWith(name: ItsErrorName | undefined, reason: string): CommandOutcome {
  return { ok: false, error: itsError(name, reason) };
}

/** A failed lookup: a memory fault stays a fault; anything else is this command's error `name`. */
export function lookupFailure(
  problem: Problem,
  reason: string,
  name: ItsErrorName | undefined,
): CommandOutcome {
  return { ok: false, error: problem === 'fault' ? memoryFault(reason) : itsError(name, reason) };
}

/** Sends a set-pending or clear request for `intid` to redistributor `cpu`. */
export function requestLpi(
  c: CommandContext,
  cpu: number,
  intid: number,
  set: boolean,
  devid: number,
  eventid: number,
): void {
  schedule<LpiRequest>(c.m, c.m.gicTiming.lpi, 'gicr.lpi', {
    cpu,
    intid,
    set,
    its: c.its.index,
    devid,
    eventid,
    via: c.cmd.name,
  });
}

/** Sends a set-pending or clear request for a virtual ITE's vLPI to its vPE's redistributor. */
export function requestVlpi(
  c: CommandContext,
  vpe: VpeInfo,
  v: VirtualIte,
  set: boolean,
  devid: number,
  eventid: number,
): void {
  const r = vlpiRequestOf(c.m, c.its, vpe, v, set, devid, eventid, c.cmd.name);
  schedule<VlpiRequest>(c.m, c.m.gicTiming.lpi, 'gicr.vlpi', r);
}
