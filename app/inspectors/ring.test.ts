import { describe, expect, it } from 'vitest';
import { arcPath, inWindow, marker, queueWindow, slotAngle, slotSpan, waitingSlots } from './ring';

describe('ring', () => {
  it('counts the waiting slots, wrapping', () => {
    expect(waitingSlots(2048, 4, 4)).toBe(0);
    expect(waitingSlots(2048, 3, 4)).toBe(1);
    expect(waitingSlots(16, 14, 2)).toBe(4);
    expect(waitingSlots(0, 1, 2)).toBe(0);
  });

  it('lists a window from before CREADR to after CWRITER', () => {
    // Four commands consumed, queue empty: 8 behind (wrapping to the end), CREADR=CWRITER, 2 ahead.
    expect(queueWindow(2048, 4, 4)).toEqual({ from: 2044, count: 11 });
    // One waiting.
    expect(queueWindow(2048, 3, 4, { behind: 3, ahead: 1 })).toEqual({ from: 0, count: 6 });
    // A small ring is listed whole, never more than its slots.
    expect(queueWindow(4, 1, 3)).toEqual({ from: 2, count: 4 });
    // Many waiting: capped.
    expect(queueWindow(2048, 0, 1000, { max: 48 })).toEqual({ from: 2040, count: 48 });
    expect(queueWindow(0, 0, 0)).toEqual({ from: 0, count: 0 });
  });

  it('knows which slots the window holds, across the wrap', () => {
    const w = { from: 2044, count: 11 };
    expect(inWindow(w, 2044, 2048)).toBe(true);
    expect(inWindow(w, 2047, 2048)).toBe(true);
    expect(inWindow(w, 0, 2048)).toBe(true);
    expect(inWindow(w, 6, 2048)).toBe(true);
    expect(inWindow(w, 7, 2048)).toBe(false);
    expect(inWindow(w, 2043, 2048)).toBe(false);
  });

  it("puts slot 0 at 12 o'clock and goes clockwise", () => {
    expect(slotAngle(0, 8)).toBeCloseTo(-Math.PI / 2);
    expect(slotAngle(2, 8)).toBeCloseTo(0);
    expect(slotAngle(4, 8)).toBeCloseTo(Math.PI / 2);
    const m = marker(50, 50, 10, 20, 30, 2, 8);
    expect(m.x2).toBeCloseTo(70);
    expect(m.y2).toBeCloseTo(50);
    expect(m.lx).toBeCloseTo(80);
  });

  it('spans slots with a minimum visible width', () => {
    const [a0, a1] = slotSpan(0, 1, 2048, 0.1);
    expect(a0).toBeCloseTo(-Math.PI / 2);
    expect(a1 - a0).toBeCloseTo(0.1);
    const [b0, b1] = slotSpan(0, 1024, 2048, 0.1);
    expect(b1 - b0).toBeCloseTo(Math.PI);
    const [c0, c1] = slotSpan(5, 0, 2048, 0.1);
    expect(c1).toBe(c0);
  });

  it('draws annulus sectors, with the large-arc flag past half a turn', () => {
    const quarter = arcPath(50, 50, 10, 20, -Math.PI / 2, 0);
    expect(quarter).toMatch(
      /^M 50.00 30.00 A 20 20 0 0 1 70.00 50.00 L 60.00 50.00 A 10 10 0 0 0 50.00 40.00 Z$/,
    );
    expect(arcPath(50, 50, 10, 20, 0, 1.5 * Math.PI)).toContain('A 20 20 0 1 1');
    // A full turn is two halves.
    expect(arcPath(50, 50, 10, 20, 0, 2 * Math.PI).match(/Z/g)).toHaveLength(2);
  });
});
