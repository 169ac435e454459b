/** A strip's scale: positions to x and back, and the height of its lanes. */

import { describe, expect, it } from 'vitest';
import { positionAt, stackHeight, xOf } from './strip';

describe('strip scale', () => {
  it('puts position 0 at the left edge and the end of the history at the right', () => {
    expect(xOf(0, 200, 1000)).toBe(0);
    expect(xOf(200, 200, 1000)).toBe(1000);
    expect(xOf(50, 200, 1000)).toBe(250);
    expect(xOf(5, 0, 1000)).toBe(0);
  });

  it('reads back the nearest position under x, within the history', () => {
    for (const p of [0, 1, 99, 200]) expect(positionAt(xOf(p, 200, 1000), 200, 1000)).toBe(p);
    expect(positionAt(-30, 200, 1000)).toBe(0);
    expect(positionAt(5000, 200, 1000)).toBe(200);
    expect(positionAt(10, 200, 0)).toBe(0);
  });

  it('stacks lanes with gaps between them, none after the last', () => {
    expect(stackHeight(3, 10, 2)).toBe(34);
    expect(stackHeight(1, 14, 2)).toBe(14);
    expect(stackHeight(0, 14, 2)).toBe(0);
  });
});
