import { describe, expect, it } from 'vitest';
import type { LpiView } from '../../engine';
import { notable, splitLpis } from './lpis';

const lpi = (intid: number, over: Partial<LpiView> = {}): LpiView => ({
  intid,
  memory: 0xa2,
  effective: 0xa2,
  configFrom: 'memory',
  differs: false,
  enabled: false,
  priority: 0xa0,
  pending: false,
  ...over,
});

describe('lpis', () => {
  it('lists the LPIs with a story, and the current one', () => {
    expect(notable(lpi(8192))).toBe(false);
    expect(notable(lpi(8192, { differs: true }))).toBe(true);
    expect(notable(lpi(8192, { pending: true }))).toBe(true);
    expect(notable(lpi(8192, { mapped: true }))).toBe(true);
    expect(notable(lpi(8192, { mapped: false }))).toBe(false);
    expect(notable(lpi(8192, { cached: true }))).toBe(true);
    expect(notable(lpi(8192, { configFrom: 'kvm LPI copy' }))).toBe(true);
    expect(notable(lpi(8192), 8192)).toBe(true);
  });

  it('summarises the rest by their byte in memory', () => {
    const all = [
      lpi(8192),
      lpi(8193, { memory: 0xa3, effective: 0xa3, enabled: true }),
      lpi(8194),
      lpi(8195, { memory: 0xa2, effective: 0xa3, differs: true, configFrom: 'kvm LPI copy' }),
      lpi(8196, { memory: null }),
    ];
    const s = splitLpis(all, undefined, false);
    expect(s.shown.map((l) => l.intid)).toEqual([8195]);
    expect(s.hidden).toBe(4);
    expect(s.hiddenBytes).toEqual([
      [0xa2, 2],
      [-1, 1],
      [0xa3, 1],
    ]);
    expect(splitLpis(all, 8194, false).shown.map((l) => l.intid)).toEqual([8194, 8195]);
    expect(splitLpis(all, undefined, true)).toEqual({ shown: all, hidden: 0, hiddenBytes: [] });
  });
});
