/** The line index, both ways, and its bounds. */

import { describe, expect, it } from 'vitest';
import { LineIndex } from './trace-index';

describe('LineIndex', () => {
  const ix = new LineIndex();
  // Lines 3, 4 and 9 made events [2, 5), [5, 6), [6, ...).
  ix.add(3, 2, 'three');
  ix.add(4, 5, 'four');
  ix.add(9, 6, 'nine');

  it('finds the first indexed line at or after a line', () => {
    expect(ix.at(1)).toEqual({ line: 3, from: 2, text: 'three' });
    expect(ix.at(4)).toEqual({ line: 4, from: 5, text: 'four' });
    expect(ix.at(5)).toEqual({ line: 9, from: 6, text: 'nine' });
    expect(ix.at(10)).toBeUndefined();
  });

  it('finds the line an event came from', () => {
    expect(ix.lineOf(0)).toBeUndefined();
    expect(ix.lineOf(1)).toBeUndefined();
    expect([2, 3, 4, 5, 6, 99].map((s) => ix.lineOf(s))).toEqual([3, 3, 3, 4, 9, 9]);
    expect(ix.textOf(4)).toBe('four');
    expect(ix.textOf(5)).toBeUndefined();
  });

  it('grows, and stops at its cap and its text budget', () => {
    const small = new LineIndex(5000, 10);
    for (let i = 1; i <= 6000; i++) small.add(i, i * 2, 'abcd');
    expect(small.size).toBe(5000);
    expect(small.full).toBe(true);
    expect(small.at(4999)).toEqual({ line: 4999, from: 9998 });
    expect(small.textOf(1)).toBe('abcd');
    expect(small.textOf(3)).toBeUndefined();
    expect(small.lineOf(2 * 4321 + 1)).toBe(4321);
  });
});
