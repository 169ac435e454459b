/**
 * A window of the lanes for one message: the lanes (kvm-lanes.ts) and the residency lanes
 * (v4-lanes.ts) both index the whole history, and a request cuts positions [from, to) out of it,
 * clamped to the history, with at most `buckets` pieces a lane (the page asks for one per pixel):
 * stretches that overlap the window are clipped to it, and a list longer than that is summarised
 * or sampled, the window noting that it was (ARCHITECTURE.md §3: nothing that crosses the
 * boundary grows with the history).
 */

/** Most pieces (stretches, marks) one lane carries in a message. */
export const MAX_LANE_ITEMS = 2000;

export interface LaneWindow {
  /** The history's length (positions 0..length). */
  length: number;
  from: number;
  to: number;
  buckets: number;
  /** Something was summarised or left out. */
  capped: boolean;
}

/** The window a request asks for, of a history `length` events long. */
export function laneWindow(
  length: number,
  request: { from?: number; to?: number; buckets?: number },
): LaneWindow {
  const from = Math.max(0, Math.min(length, Math.floor(request.from ?? 0)));
  const to = Math.max(from, Math.min(length, Math.floor(request.to ?? length)));
  const buckets = Math.max(1, Math.min(MAX_LANE_ITEMS, Math.floor(request.buckets ?? MAX_LANE_ITEMS)));
  return { length, from, to, buckets, capped: false };
}

/** The stretches of `list` that overlap [from, to), cut to it (empty ones dropped). */
export function clip<T extends { from: number; to: number }>(
  list: readonly T[],
  from: number,
  to: number,
): T[] {
  const out: T[] = [];
  for (const s of list) {
    if (s.to <= from || s.from >= to || s.to <= s.from) continue;
    out.push({ ...s, from: Math.max(s.from, from), to: Math.min(s.to, to) });
  }
  return out;
}

/** The marks of events [from, to) (the event at seq leads to position seq + 1). */
export const marksIn = <T extends { seq: number }>(list: readonly T[], from: number, to: number): T[] =>
  list.filter((mk) => mk.seq >= from && mk.seq < to);

/** At most `w.buckets` of `list`, evenly picked; the window notes it when some are left out. */
export function atMost<T>(w: LaneWindow, list: T[]): T[] {
  if (list.length <= w.buckets) return list;
  w.capped = true;
  const step = list.length / w.buckets;
  return Array.from({ length: w.buckets }, (_, i) => list[Math.floor(i * step)]!);
}
