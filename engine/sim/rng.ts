/**
 * Seeded pseudo-random numbers for the model (xoshiro128**, seeded through splitmix32).
 *
 * The engine never calls Math.random: every choice that real hardware leaves open (which PE takes a
 * 1-of-N SPI, jitter a scenario asks for) draws from this generator, whose whole state is four
 * 32-bit words kept in the machine state. Same seed, same draws, same event log; a snapshot carries
 * the state, so replay after `seek` draws the same numbers again.
 */

export type RngState = [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function rngSeed(seed: number): RngState {
  const next = splitmix32(seed);
  const s: RngState = [next(), next(), next(), next()];
  // xoshiro must not start from the all-zero state.
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  return s;
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** Next uniformly distributed unsigned 32-bit integer; advances `s` in place. */
export function rngNextU32(s: RngState): number {
  const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
  const t = (s[1] << 9) >>> 0;
  s[2] = (s[2] ^ s[0]) >>> 0;
  s[3] = (s[3] ^ s[1]) >>> 0;
  s[1] = (s[1] ^ s[2]) >>> 0;
  s[0] = (s[0] ^ s[3]) >>> 0;
  s[2] = (s[2] ^ t) >>> 0;
  s[3] = rotl(s[3], 11);
  return result;
}

/** Uniform integer in [0, n) without modulo bias (n >= 1). */
export function rngBelow(s: RngState, n: number): number {
  if (n <= 1) return 0;
  const limit = 0x100000000 - (0x100000000 % n);
  for (;;) {
    const x = rngNextU32(s);
    if (x < limit) return x % n;
  }
}
