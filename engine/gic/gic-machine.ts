/**
 * What the GIC layer needs from the machine that hosts it: the kernel context, guest memory, the
 * GIC state, the behaviour profile and the latencies of the GIC's internal hops. Higher layers
 * (ITS, platform) extend this with their own state.
 */

import type { MemoryState } from '../mem/memory';
import type { CoreState, SimContext } from '../sim/kernel';
import type { GicRules, ProfileName } from './gic-rules';
import type { GicState } from './gic-state';

export interface GicHostState {
  core: CoreState;
  mem: MemoryState;
  gic: GicState;
}

/** Model latencies (ns) of the GIC's internal hops. */
export interface GicTiming {
  /** Redistributor or distributor to CPU interface: recompute the highest pending interrupt. */
  signal: number;
  /** ICC_SGI1R_EL1 write to the target redistributor. */
  sgi: number;
  /** ITS to redistributor: an LPI's set-pending or clear request. */
  lpi: number;
  /** Direct invalidation (GICR_INVLPIR/INVALLR) until GICR_SYNCR reads not busy. */
  invalidate: number;
  /** GICv4: parsing (or cleaning) a virtual pending table after GICR_VPENDBASER.Valid changes. */
  vpt: number;
}

export const DEFAULT_GIC_TIMING: GicTiming = { signal: 10, sgi: 40, lpi: 20, invalidate: 50, vpt: 100 };

export interface GicMachine<S extends GicHostState = GicHostState> extends SimContext<S> {
  profile: ProfileName;
  gicRules: GicRules;
  gicTiming: GicTiming;
  /**
   * Remarks a register access makes about itself ("write ignored: LPIs are enabled"); the bus
   * puts them in the access's event and clears the list.
   */
  notes: string[];
}

export function note(m: GicMachine, text: string): void {
  m.notes.push(text);
}
