/**
 * What the ITS layer needs from its host machine: everything the GIC needs, plus the ITSs, their
 * profile rules and the latencies of the ITS's internal hops.
 */

import type { GicHostState, GicMachine } from '../gic/gic-machine';
import type { ItsRules } from './its-rules';
import type { ItsState } from './its-state';

export interface ItsHostState extends GicHostState {
  its: ItsState[];
}

export interface ItsTiming {
  /** Fetching, decoding and executing one command. */
  command: number;
  /** One table lookup in memory (DTE, ITE, CTE) during a translation. */
  tableRead: number;
  /** A translation cache lookup. */
  cacheLookup: number;
  /** Device write to GITS_TRANSLATER reaching the ITS. */
  msi: number;
}

export const DEFAULT_ITS_TIMING: ItsTiming = { command: 50, tableRead: 30, cacheLookup: 5, msi: 20 };

export interface ItsMachine<S extends ItsHostState = ItsHostState> extends GicMachine<S> {
  itsRules: ItsRules;
  itsTiming: ItsTiming;
}
