/**
 * The ITS command queue as a ring: which slots the inspector lists (a window around GITS_CREADR
 * and GITS_CWRITER; a queue has up to 32,768 slots) and the geometry of the small ring drawing
 * (slot angles, annulus arcs). Pure functions, tested in ring.test.ts.
 */

/** The slots the queue list asks for: [from, from + count) in ring order (wrapping). */
export interface SlotWindow {
  from: number;
  count: number;
}

export interface WindowOptions {
  /** Consumed slots shown before CREADR (the commands just read). */
  behind?: number;
  /** Slots shown after CWRITER (where the next commands will go). */
  ahead?: number;
  /** Most slots listed. */
  max?: number;
}

/** Slots between CREADR and CWRITER: commands written and not yet consumed. */
export function waitingSlots(slots: number, readSlot: number, writeSlot: number): number {
  if (slots <= 0) return 0;
  return (((writeSlot - readSlot) % slots) + slots) % slots;
}

/**
 * The window of slots to list: `behind` slots before CREADR, every waiting slot, CWRITER's slot
 * and `ahead` after it, at most `max` (the waiting commands are cut first from the far end).
 */
export function queueWindow(
  slots: number,
  readSlot: number,
  writeSlot: number,
  { behind = 8, ahead = 2, max = 48 }: WindowOptions = {},
): SlotWindow {
  if (slots <= 0) return { from: 0, count: 0 };
  const back = Math.min(behind, slots - 1);
  const want = back + waitingSlots(slots, readSlot, writeSlot) + 1 + ahead;
  const count = Math.min(slots, max, want);
  const from = (((readSlot - back) % slots) + slots) % slots;
  return { from, count };
}

/** Whether ring slot `slot` lies in the window. */
export function inWindow(w: SlotWindow, slot: number, slots: number): boolean {
  if (slots <= 0) return false;
  return (((slot - w.from) % slots) + slots) % slots < w.count;
}

/** Angle (radians) of the start of slot `slot`: slot 0 at 12 o'clock, clockwise. */
export function slotAngle(slot: number, slots: number): number {
  return slots > 0 ? (slot / slots) * 2 * Math.PI - Math.PI / 2 : -Math.PI / 2;
}

const pt = (cx: number, cy: number, r: number, a: number): string =>
  `${(cx + r * Math.cos(a)).toFixed(2)} ${(cy + r * Math.sin(a)).toFixed(2)}`;

/**
 * SVG path of the annulus sector between radii r0 < r1 from angle a0 clockwise to a1 (a1 > a0;
 * a full turn or more draws the whole annulus).
 */
export function arcPath(cx: number, cy: number, r0: number, r1: number, a0: number, a1: number): string {
  let span = a1 - a0;
  if (span >= 2 * Math.PI - 1e-9) {
    // A full ring: two half-annuli (one arc command cannot go all the way round).
    return (
      arcPath(cx, cy, r0, r1, a0, a0 + Math.PI) +
      ' ' +
      arcPath(cx, cy, r0, r1, a0 + Math.PI, a0 + 2 * Math.PI)
    );
  }
  if (span < 0) span = 0;
  const large = span > Math.PI ? 1 : 0;
  const b = a0 + span;
  return (
    `M ${pt(cx, cy, r1, a0)} A ${r1} ${r1} 0 ${large} 1 ${pt(cx, cy, r1, b)} ` +
    `L ${pt(cx, cy, r0, b)} A ${r0} ${r0} 0 ${large} 0 ${pt(cx, cy, r0, a0)} Z`
  );
}

/**
 * The arc from slot `first` covering `count` slots (wrapping), as [a0, a1] angles, at least
 * `minAngle` wide so that one slot of a 2,048-slot ring stays visible.
 */
export function slotSpan(first: number, count: number, slots: number, minAngle = 0): [number, number] {
  const a0 = slotAngle(first, slots);
  const span = slots > 0 ? (Math.min(count, slots) / slots) * 2 * Math.PI : 0;
  return [a0, a0 + Math.max(span, count > 0 ? minAngle : 0)];
}

/** Where a marker for the start of slot `slot` goes: a radial tick from r0 to r1, and its label's anchor. */
export function marker(
  cx: number,
  cy: number,
  r0: number,
  r1: number,
  rLabel: number,
  slot: number,
  slots: number,
): { x1: number; y1: number; x2: number; y2: number; lx: number; ly: number } {
  const a = slotAngle(slot, slots);
  return {
    x1: cx + r0 * Math.cos(a),
    y1: cy + r0 * Math.sin(a),
    x2: cx + r1 * Math.cos(a),
    y2: cy + r1 * Math.sin(a),
    lx: cx + rLabel * Math.cos(a),
    ly: cy + rLabel * Math.sin(a),
  };
}
