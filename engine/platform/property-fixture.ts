/**
 * The small input builders the machine's property tests drive machines with. Test support only; no engine code imports it.
 */

import type { AccessWidth } from '../gic/registers';
import type { Input } from './inputs';

/** A register access from the test, as a CPU's load or store would make it. */
export const mmio = (addr: number, width: AccessWidth, write: boolean, value = 0n): Input => ({
  kind: 'mmio',
  addr,
  width,
  write,
  value,
  by: 'test',
});

/** `v` as `n` little-endian bytes. */
export const bytesLE = (v: bigint, n: number): number[] =>
  Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
