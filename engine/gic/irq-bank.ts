/**
 * Per-interrupt state for SGIs, PPIs and SPIs, kept as parallel byte arrays (plain data that
 * clones and serialises cheaply): group, enable, pending latch, active, priority, trigger mode and
 * the input line level.
 *
 * Pending is derived, as in the architecture and in KVM's irq_is_pending(): an edge interrupt is
 * pending when its latch is set; a level interrupt is pending when its latch is set (ISPENDR) or
 * its input line is high.
 */

export interface IrqBank {
  /** First INTID of the bank (0 for a redistributor's private bank, 32 for SPIs). */
  base: number;
  count: number;
  group: Uint8Array;
  enabled: Uint8Array;
  latch: Uint8Array;
  active: Uint8Array;
  priority: Uint8Array;
  /** 1 = edge-triggered, 0 = level-sensitive (GICD_ICFGR Int_config[1]). */
  edge: Uint8Array;
  /** Input line level (level-sensitive sources). */
  line: Uint8Array;
}

export function createIrqBank(base: number, count: number): IrqBank {
  return {
    base,
    count,
    group: new Uint8Array(count),
    enabled: new Uint8Array(count),
    latch: new Uint8Array(count),
    active: new Uint8Array(count),
    priority: new Uint8Array(count),
    edge: new Uint8Array(count),
    line: new Uint8Array(count),
  };
}

export function irqPending(b: IrqBank, i: number): boolean {
  return b.latch[i] === 1 || (b.edge[i] === 0 && b.line[i] === 1);
}

/** Reads 32 one-bit flags starting at bank index `first` (bits outside the bank read 0). */
export function readBits(arr: Uint8Array, first: number): number {
  let v = 0;
  for (let bit = 0; bit < 32; bit++) {
    const i = first + bit;
    if (i >= 0 && i < arr.length && arr[i]) v |= 1 << bit;
  }
  return v >>> 0;
}

/** Pending bits for 32 interrupts (derived pending, as GICD_ISPENDR reads). */
export function readPendingBits(b: IrqBank, first: number): number {
  let v = 0;
  for (let bit = 0; bit < 32; bit++) {
    const i = first + bit;
    if (i >= 0 && i < b.count && irqPending(b, i)) v |= 1 << bit;
  }
  return v >>> 0;
}

/** Applies `fn` to each bank index whose bit is set in `bits`. */
export function forEachSetBit(bits: number, first: number, count: number, fn: (i: number) => void): void {
  for (let bit = 0; bit < 32; bit++) {
    if ((bits >>> bit) & 1) {
      const i = first + bit;
      if (i >= 0 && i < count) fn(i);
    }
  }
}
