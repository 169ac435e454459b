/**
 * The command queue: a ring of 32-byte commands in memory at GITS_CBASER, which software fills
 * and announces by writing GITS_CWRITER, and which the ITS consumes from GITS_CREADR.
 *
 * Each command is one task and one event ('its.cmd'): read 32 bytes at CBASER.PA + CREADR, decode,
 * execute, and either advance CREADR (wrapping at the end of the ring) or, where the profile says
 * so, stall with GITS_CREADR.Stalled = 1 and CREADR left on the failed command. Software recovers
 * from a stall by fixing the cause and writing GITS_CWRITER (with Retry = 1 in the spec profile;
 * QEMU re-runs on any CWRITER write that differs from CREADR) or, in QEMU, by writing GITS_CREADR.
 *
 * KVM processes the queue synchronously inside the CWRITER write; the model runs one command per
 * task, `command` nanoseconds apart, so a learner can watch the ring drain. No result that a
 * driver can observe after waiting for CREADR differs.
 */

import { isGicV41 } from '../gic/gic-config';
import { emit, schedule } from '../sim/kernel';
import { memReadU32, memVisible } from '../mem/memory';
import { decodeCommand, hexWord, wordsFromU32, type DecodedCommand } from './command-encoding';
import type { CommandContext, CommandHandler, CommandOutcome } from './command-context';
import { invall, movall, movi, sync } from './commands-collections';
import { clear, discard, int, inv } from './commands-events';
import { mapc, mapd, mapti } from './commands-mapping';
import { V40_HANDLERS, V41_HANDLERS } from './commands-virtual';
import { formatItsError, type ItsError } from './errors';
import { isVirtualIts, type ItsMachine } from './its-machine';
import type { ItsState } from './its-state';
import type { Touch } from './tables';

const HANDLERS: Record<string, CommandHandler> = {
  MOVI: movi,
  INT: int,
  CLEAR: clear,
  SYNC: sync,
  MAPD: mapd,
  MAPC: mapc,
  MAPTI: mapti,
  MAPI: mapti,
  INV: inv,
  INVALL: invall,
  MOVALL: movall,
  DISCARD: discard,
};

/** Base address and size in bytes of the command queue GITS_CBASER describes (0 if invalid). */
export function queueGeometry(its: ItsState): { base: number; size: number; valid: boolean } {
  const cb = its.cbaser;
  const valid = cb >> 63n === 1n;
  return {
    base: Number((cb >> 12n) & 0xffffffffffn) * 0x1000,
    size: valid ? (Number(cb & 0xffn) + 1) * 0x1000 : 0,
    valid,
  };
}

export const offsetOf = (reg: bigint): number => Number(reg & 0xfffe0n);
export const isStalled = (its: ItsState): boolean => (its.creadr & 1n) === 1n;
export const isEnabled = (its: ItsState): boolean => (its.ctlr & 1) === 1;

const blockedByStall = (m: ItsMachine, its: ItsState): boolean =>
  isStalled(its) && m.itsRules.stalledBit === 'blocks-processing';

/** Queues command processing if there is something to do and nothing is queued yet. */
export function kickQueue(m: ItsMachine, its: ItsState): void {
  if (its.processQueued || !isEnabled(its) || blockedByStall(m, its)) return;
  if (offsetOf(its.creadr) === offsetOf(its.cwriter)) return;
  its.processQueued = true;
  schedule(m, m.itsTiming.command, 'its.process', its.index);
}

export interface CommandEventData {
  slot: number;
  addr: number;
  dws: string[];
  command: string;
  opcode: number;
  fields: Record<string, string>;
  outcome: 'ok' | 'error' | 'stall';
  error?: ItsError;
  /** What the profile did with the error: 'dropped', 'skipped', 'stalled'. */
  action?: string;
  touches: Touch[];
  effects: string[];
  creadr: number;
}

function fieldStrings(d: DecodedCommand): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.fields)) out[k] = '0x' + v.toString(16);
  return out;
}

function execute(
  m: ItsMachine,
  its: ItsState,
  d: DecodedCommand,
  touches: Touch[],
  effects: string[],
): CommandOutcome {
  const virtual = isVirtualIts(m);
  const v41 = virtual && isGicV41(m.s.gic.cfg);
  const h =
    HANDLERS[d.name] ??
    (virtual ? V40_HANDLERS[d.name] : undefined) ??
    (v41 ? V41_HANDLERS[d.name] : undefined);
  if (h) {
    const c: CommandContext = { m, its, cmd: d, touches, effects };
    return h(c);
  }
  if (d.name === 'UNKNOWN')
    return { ok: false, error: { reason: `unknown command number 0x${d.opcode.toString(16)}` } };
  // A GICv4.1 command on a GICv4.0 ITS: QEMU (GICv4.0 only) does not know the command number.
  if (virtual)
    return {
      ok: false,
      error: { reason: `${d.name} is a GICv4.1 command and this ITS implements GICv4.0` },
    };
  // GICv4 commands: KVM's vITS and a GICv3's ITS have no virtual LPI support (GITS_TYPER.Virtual = 0).
  return {
    ok: false,
    error: { reason: `${d.name} is a GICv4 command and this ITS has no virtual LPI support` },
  };
}

/** 'its.process' task: consume one command. */
export function processOne(m: ItsMachine, index: number): void {
  const its = m.s.its[index]!;
  its.processQueued = false;
  if (!isEnabled(its) || blockedByStall(m, its)) return;
  const q = queueGeometry(its);
  const rd = offsetOf(its.creadr);
  const wr = offsetOf(its.cwriter);
  if (rd === wr) return;
  const unit = m.itsUnit(index);
  if (rd >= q.size || wr >= q.size) {
    // QEMU logs this and does nothing; so does the spec profile. (KVM never stores such a CWRITER.)
    emit(m, 'its.queue', unit, -1, index, -1, -1, -1, {
      problem: `GITS_CREADR (0x${rd.toString(16)}) or GITS_CWRITER (0x${wr.toString(16)}) is beyond the ${q.size}-byte queue: processing refused`,
    });
    return;
  }
  const addr = q.base + rd;
  const touches: Touch[] = [];
  const effects: string[] = [];
  let d: DecodedCommand;
  let dws: string[];
  let outcome: CommandOutcome;
  if (!memVisible(m.s.mem, addr, 32)) {
    d = { opcode: -1, name: 'FETCH-FAULT', fields: {} };
    dws = [];
    outcome = {
      ok: false,
      error: { reason: `the command at 0x${addr.toString(16)} is not in RAM`, memoryFault: true },
    };
  } else {
    const w = new Array<number>(8);
    for (let i = 0; i < 8; i++) w[i] = memReadU32(m.s.mem, addr + 4 * i);
    const words = wordsFromU32(w);
    dws = words.map(hexWord);
    d = decodeCommand(words);
    touches.push({ table: 'queue', op: 'read', addr, id: rd / 32 });
    outcome = execute(m, its, d, touches, effects);
  }
  let stall = false;
  let action: string | undefined;
  if (!outcome.ok) {
    const rule = outcome.error.memoryFault ? m.itsRules.memoryFault : m.itsRules.commandError;
    stall = rule === 'stall';
    action = stall ? 'stalled' : rule === 'drop' ? 'dropped' : 'skipped';
  }
  if (stall) {
    its.creadr = BigInt(rd) | 1n;
    its.stall = outcome.ok ? undefined : outcome.error;
  } else {
    // QEMU leaves a sticky Stalled bit as it is while the queue moves on.
    its.creadr = BigInt((rd + 32) % q.size) | (its.creadr & 1n);
  }
  const data: CommandEventData = {
    slot: rd / 32,
    addr,
    dws,
    command: d.name,
    opcode: d.opcode,
    fields: fieldStrings(d),
    outcome: outcome.ok ? 'ok' : stall ? 'stall' : 'error',
    touches,
    effects,
    creadr: Number(its.creadr),
  };
  if (!outcome.ok) {
    data.error = outcome.error;
    data.action = action;
  }
  const devid = d.fields.DeviceID !== undefined ? Number(d.fields.DeviceID) : -1;
  const eventid = d.fields.EventID !== undefined ? Number(d.fields.EventID) : -1;
  const intid = d.fields.pINTID !== undefined ? Number(d.fields.pINTID) : -1;
  emit(m, 'its.cmd', unit, -1, index, intid, devid, eventid, data, true);
  if (!stall) kickQueue(m, its);
}

export function describeOutcome(d: CommandEventData): string {
  if (d.outcome === 'ok') return 'ok';
  return `${d.action}: ${formatItsError(d.error!)}`;
}
