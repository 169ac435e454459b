/**
 * Breakpoints as the user writes them: the kinds the playback bar offers (an INTID, a DeviceID and
 * EventID, an ITS command, any error, a write to a register), how a filled-in form becomes a
 * Breakpoint for the worker, and the sentence that lists it. Pure, so it is unit-tested; the
 * matching itself is the worker's (app/worker/engine-host.ts, matchesBreakpoint).
 */

import type { Breakpoint } from '../worker/api';

export type BreakpointKind = 'intid' | 'device' | 'command' | 'error' | 'register';

export const BREAKPOINT_KINDS: { kind: BreakpointKind; label: string }[] = [
  { kind: 'intid', label: 'an INTID' },
  { kind: 'device', label: 'a DeviceID / EventID' },
  { kind: 'command', label: 'an ITS command' },
  { kind: 'error', label: 'any error' },
  { kind: 'register', label: 'a register write' },
];

/** What the form holds: the fields of the chosen kind, as typed. */
export interface BreakpointForm {
  kind: BreakpointKind;
  intid?: string;
  devid?: string;
  eventid?: string;
  command?: string;
  register?: string;
}

export type Parsed = { ok: true; breakpoint: Breakpoint } | { ok: false; error: string };

/** A number as the command language writes it: decimal, 0x hex or 0b binary, `_` allowed. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim().replace(/_/g, '');
  if (!/^(0x[0-9a-f]+|0b[01]+|\d+)$/i.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

function num(what: string, text: string | undefined, optional = false): number | undefined | string {
  if (text === undefined || text.trim() === '') return optional ? undefined : `give ${what}`;
  const n = parseNumber(text);
  return n === undefined ? `${what} '${text.trim()}' is not a number (decimal, 0x… or 0b…)` : n;
}

/** The breakpoint a filled-in form asks for, or what is wrong with the form. */
export function parseBreakpoint(f: BreakpointForm, commands: readonly string[]): Parsed {
  switch (f.kind) {
    case 'intid': {
      const n = num('an INTID', f.intid);
      if (typeof n !== 'number') return { ok: false, error: n ?? 'give an INTID' };
      return { ok: true, breakpoint: { intid: n } };
    }
    case 'device': {
      const d = num('a DeviceID', f.devid);
      if (typeof d !== 'number') return { ok: false, error: d ?? 'give a DeviceID' };
      const e = num('an EventID', f.eventid, true);
      if (typeof e === 'string') return { ok: false, error: e };
      return { ok: true, breakpoint: e === undefined ? { devid: d } : { devid: d, eventid: e } };
    }
    case 'command': {
      const c = (f.command ?? '').trim().toUpperCase();
      if (!c) return { ok: false, error: 'choose an ITS command' };
      if (!commands.includes(c)) return { ok: false, error: `'${c}' is not an ITS command` };
      return { ok: true, breakpoint: { command: c } };
    }
    case 'error':
      return { ok: true, breakpoint: { error: true } };
    case 'register': {
      const r = (f.register ?? '').trim().toUpperCase();
      if (!/^(GICD|GICR|GITS|ICC)_[A-Z0-9_]+$/.test(r))
        return { ok: false, error: `give a register by its spec name (GITS_CWRITER, ICC_EOIR1_EL1…)` };
      // The command language lets `_EL1` be left out of ICC names; events always carry it.
      const name = r.startsWith('ICC_') && !/_EL[123]$/.test(r) ? `${r}_EL1` : r;
      return { ok: true, breakpoint: { regWrite: name } };
    }
  }
}

/** The sentence the breakpoint list shows ("stop at LPI 8195", "stop at a write to GITS_CWRITER"). */
export function describeBreakpoint(b: Breakpoint): string {
  const parts: string[] = [];
  if (b.intid !== undefined) parts.push(`INTID ${b.intid}`);
  if (b.devid !== undefined) parts.push(`DeviceID ${b.devid}`);
  if (b.eventid !== undefined) parts.push(`EventID ${b.eventid}`);
  if (b.cpu !== undefined) parts.push(`CPU ${b.cpu}`);
  if (b.its !== undefined) parts.push(`ITS ${b.its}`);
  if (b.kind !== undefined) parts.push(`a '${b.kind}' event`);
  if (b.unit !== undefined) parts.push(`unit ${b.unit}`);
  if (b.command !== undefined) parts.push(`an ITS ${b.command} command`);
  if (b.error) parts.push('an error');
  if (b.regWrite !== undefined) parts.push(`a write to ${b.regWrite}`);
  return parts.length ? `stop at ${parts.join(', ')}` : 'stops nowhere';
}
