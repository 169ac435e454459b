import { describe, expect, it } from 'vitest';
import type { EventRow } from '../worker/api';
import { fetchEventLog, PAGE } from './event-log';

const rowAt = (seq: number): EventRow => ({
  seq,
  time: seq,
  kind: 'k',
  unit: 'u',
  text: '',
  cause: null,
  step: 0,
});

/** An engine whose `events` answers at most `limit` rows a call, and records what it was asked. */
function engine(length: number, limit: number) {
  const calls: [number, number][] = [];
  return {
    calls,
    events: (from: number, to: number) => {
      calls.push([from, to]);
      const end = Math.min(length, to, from + limit);
      return Promise.resolve(Array.from({ length: Math.max(0, end - from) }, (_, i) => rowAt(from + i)));
    },
  };
}

describe('fetchEventLog', () => {
  it('asks a page at a time and returns every row once, in order', async () => {
    const e = engine(12_345, PAGE);
    const rows = await fetchEventLog(e, 12_345);
    expect(rows.map((r) => r.seq)).toEqual([...Array(12_345).keys()]);
    expect(e.calls).toEqual([
      [0, 5000],
      [5000, 10_000],
      [10_000, 12_345],
    ]);
  });

  it('goes on after the last row received when a page is shorter than asked', async () => {
    const e = engine(250, 100);
    const rows = await fetchEventLog(e, 250);
    expect(rows).toHaveLength(250);
    expect(e.calls.map(([from]) => from)).toEqual([0, 100, 200]);
  });

  it('stops with an error, not a loop, when the engine answers nothing', async () => {
    await expect(fetchEventLog(engine(10, 100), 20)).rejects.toThrow(/no events from #10 \(of 20\)/);
  });

  it('refuses rows out of order', async () => {
    const bad = { events: () => Promise.resolve([rowAt(1)]) };
    await expect(fetchEventLog(bad, 3)).rejects.toThrow(/#1 where #0 was expected/);
  });

  it('reports progress and can be cancelled', async () => {
    const progress: number[] = [];
    const ac = new AbortController();
    const e = engine(12_000, PAGE);
    const p = fetchEventLog(e, 12_000, {
      signal: ac.signal,
      onProgress: (done) => {
        progress.push(done);
        if (done >= 5000) ac.abort();
      },
    });
    await expect(p).rejects.toThrow();
    expect(progress).toEqual([5000]);
  });

  it('returns nothing for an empty history without asking', async () => {
    const e = engine(0, PAGE);
    expect(await fetchEventLog(e, 0)).toEqual([]);
    expect(e.calls).toEqual([]);
  });
});
