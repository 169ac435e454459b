/**
 * The log indexes' machinery on a log of kinds (what it reads of a Machine): read once, extended as
 * the log grows, rebuilt for another (shorter) history, and only the kinds asked for; the
 * searches by seq.
 */

import { describe, expect, it } from 'vitest';
import type { Machine } from '../../engine';
import { lastBefore, lastIndexBefore, logIndex, pushTo, type LogIndex } from './log-index';

/** A machine whose log is only kinds, as much of it as an index reads. */
function machine(kinds: string[]): Machine {
  return {
    log: {
      get length() {
        return kinds.length;
      },
      kindAt: (s: number) => kinds[s],
    },
  } as unknown as Machine;
}

interface Seen extends LogIndex {
  seqs: number[];
}

describe('logIndex', () => {
  it('reads each event once, extends as the log grows and starts again for a shorter one', () => {
    const kinds = ['a', 'b', 'a'];
    const m = machine(kinds);
    let reads = 0;
    const index = logIndex<Seen>(
      () => ({ upTo: 0, seqs: [] }),
      (ix, _m, seq) => {
        reads++;
        ix.seqs.push(seq);
      },
    );
    const first = index(m);
    expect(first.seqs).toEqual([0, 1, 2]);
    expect(index(m)).toBe(first);
    expect(reads).toBe(3);
    kinds.push('b');
    expect(index(m).seqs).toEqual([0, 1, 2, 3]);
    expect(reads).toBe(4);
    kinds.splice(1);
    const again = index(m);
    expect(again).not.toBe(first);
    expect(again.seqs).toEqual([0]);
  });

  it('reads only the kinds it is given', () => {
    const index = logIndex<Seen>(
      () => ({ upTo: 0, seqs: [] }),
      (ix, _m, seq) => ix.seqs.push(seq),
      new Set(['a']),
    );
    const ix = index(machine(['a', 'b', 'a', 'c']));
    expect(ix.seqs).toEqual([0, 2]);
    expect(ix.upTo).toBe(4);
  });
});

describe('lastBefore', () => {
  const list: [number, string][] = [
    [2, 'x'],
    [5, 'y'],
    [9, 'z'],
  ];
  const seq = (e: [number, string]): number => e[0];

  it('finds the last entry whose seq is before a position', () => {
    expect(lastIndexBefore(list, 0, seq)).toBe(-1);
    expect(lastIndexBefore(list, 2, seq)).toBe(-1);
    expect(lastIndexBefore(list, 3, seq)).toBe(0);
    expect(lastIndexBefore(list, 9, seq)).toBe(1);
    expect(lastIndexBefore(list, 100, seq)).toBe(2);
    expect(lastBefore(list, 6, seq)).toEqual([5, 'y']);
    expect(lastBefore(list, 1, seq)).toBeUndefined();
    expect(lastBefore(undefined, 6, seq)).toBeUndefined();
  });

  it('pushTo starts a list or appends to it', () => {
    const m = new Map<string, number[]>();
    pushTo(m, 'a', 1);
    pushTo(m, 'a', 2);
    pushTo(m, 'b', 3);
    expect([...m]).toEqual([
      ['a', [1, 2]],
      ['b', [3]],
    ]);
  });
});
