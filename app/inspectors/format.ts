/**
 * Formatting and parsing shared by the inspectors: hex numbers, sizes, LPI configuration bytes,
 * the address a user types into the memory inspector, and the register an MMIO event was about.
 * Pure functions, tested in format.test.ts.
 */

import type { EventRow, Focus } from '../worker/api';

/** `0x` and lower-case hex digits, padded to `digits` when given. */
export function hex(n: number, digits = 0): string {
  if (!Number.isFinite(n) || n < 0 || !Number.isInteger(n)) return String(n);
  return '0x' + n.toString(16).padStart(digits, '0');
}

/** Two hex digits, no prefix: one byte of a hex dump. */
export const hexByte = (b: number): string => (b & 0xff).toString(16).padStart(2, '0');

/** A byte count as people say it: '256 B', '64 KiB', '1.5 MiB'. */
export function sizeText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1 && v % 1 === 0) {
    v /= 1024;
    u++;
  }
  const s = Number.isInteger(v) ? String(v) : v.toFixed(1);
  return `${s} ${units[u]}`;
}

export type Parsed = { ok: true; value: number } | { ok: false; error: string };

/**
 * A physical address as typed: hex, with or without `0x`, `_` allowed between digits
 * ('0x4012_0000'). Refuses anything else with a message saying what is wrong.
 */
export function parseAddress(text: string): Parsed {
  const t = text.trim().replace(/_/g, '');
  if (t === '') return { ok: false, error: 'type an address in hex, e.g. 0x40120000' };
  const digits = /^0x/i.test(t) ? t.slice(2) : t;
  if (!/^[0-9a-f]+$/i.test(digits)) return { ok: false, error: `'${text.trim()}' is not a hex address` };
  const v = BigInt('0x' + digits);
  if (v > BigInt(Number.MAX_SAFE_INTEGER))
    return { ok: false, error: `${text.trim()} is beyond the physical address space this model has` };
  return { ok: true, value: Number(v) };
}

/** An LPI configuration byte (GICv3 LPI property table): priority [7:2], RES1 [1], Enable [0]. */
export function lpiConfig(byte: number): { priority: number; enabled: boolean } {
  return { priority: byte & 0xfc, enabled: (byte & 1) === 1 };
}

/** The register-inspector unit of an event's unit: the log says 'gicr<n>', the views 'rd<n>'. */
export function inspectorUnit(unit: string): string | undefined {
  if (unit === 'gicd') return 'gicd';
  const m = /^(?:gicr|rd)(\d+)$/.exec(unit) ?? null;
  if (m) return `rd${m[1]}`;
  const i = /^its(\d+)$/.exec(unit);
  return i ? `its${i[1]}` : undefined;
}

/**
 * The register an MMIO access event was about ({unit, name} for the register inspector), or
 * undefined for any other event. A partial access ('GITS_CBASER+4') names its register.
 */
export function registerOfEvent(
  event: Pick<EventRow, 'kind' | 'unit'> | undefined,
  focus: Pick<Focus, 'reg'> | undefined,
): { unit: string; name: string } | undefined {
  if (!event || (event.kind !== 'mmio.read' && event.kind !== 'mmio.write') || !focus?.reg) return undefined;
  const unit = inspectorUnit(event.unit);
  const name = focus.reg.replace(/\+\d+$/, '').trim();
  return unit && name ? { unit, name } : undefined;
}
