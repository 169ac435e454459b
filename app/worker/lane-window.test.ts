/** Cutting a window of the lanes for a message: the request clamped, stretches clipped, lists capped. */

import { describe, expect, it } from 'vitest';
import { atMost, clip, laneWindow, marksIn, MAX_LANE_ITEMS } from './lane-window';

describe('lane windows', () => {
  it('clamp the request to the history and the buckets to what a message carries', () => {
    expect(laneWindow(100, {})).toEqual({
      length: 100,
      from: 0,
      to: 100,
      buckets: MAX_LANE_ITEMS,
      capped: false,
    });
    expect(laneWindow(100, { from: -5, to: 500, buckets: 0 })).toMatchObject({
      from: 0,
      to: 100,
      buckets: 1,
    });
    expect(laneWindow(100, { from: 60, to: 40, buckets: 10.7 })).toMatchObject({
      from: 60,
      to: 60,
      buckets: 10,
    });
    expect(laneWindow(100, { buckets: 1e9 }).buckets).toBe(MAX_LANE_ITEMS);
  });

  it('clip stretches to the window and drop those outside it or empty', () => {
    const list = [
      { from: 0, to: 10, vm: 0 },
      { from: 10, to: 20, vm: 1 },
      { from: 20, to: 30, vm: 2 },
      { from: 25, to: 25, vm: 3 },
    ];
    expect(clip(list, 5, 25)).toEqual([
      { from: 5, to: 10, vm: 0 },
      { from: 10, to: 20, vm: 1 },
      { from: 20, to: 25, vm: 2 },
    ]);
  });

  it('keep the marks of the window’s events and sample a list longer than the buckets', () => {
    const marks = Array.from({ length: 10 }, (_, seq) => ({ seq }));
    expect(marksIn(marks, 2, 5).map((m) => m.seq)).toEqual([2, 3, 4]);
    const w = laneWindow(10, { buckets: 4 });
    expect(atMost(w, marks.slice(0, 4))).toHaveLength(4);
    expect(w.capped).toBe(false);
    expect(atMost(w, marks).map((m) => m.seq)).toEqual([0, 2, 5, 7]);
    expect(w.capped).toBe(true);
  });
});
