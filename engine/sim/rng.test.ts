import { describe, expect, it } from 'vitest';
import { rngBelow, rngNextU32, rngSeed } from './rng';

describe('seeded rng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = rngSeed(42);
    const b = rngSeed(42);
    const c = rngSeed(43);
    const seqA = Array.from({ length: 8 }, () => rngNextU32(a));
    const seqB = Array.from({ length: 8 }, () => rngNextU32(b));
    const seqC = Array.from({ length: 8 }, () => rngNextU32(c));
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
    for (const x of seqA) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(2 ** 32);
    }
  });

  it('resumes exactly from a copied state (what snapshots rely on)', () => {
    const s = rngSeed(7);
    rngNextU32(s);
    const copy = [...s] as typeof s;
    expect(rngNextU32(copy)).toBe(rngNextU32(s));
  });

  it('draws every value below n, roughly uniformly', () => {
    const s = rngSeed(1);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[rngBelow(s, 6)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
    expect(rngBelow(s, 1)).toBe(0);
  });
});
