/**
 * What the ITS layer needs from its host machine: everything the GIC needs, plus the ITSs, their
 * profile rules and the latencies of the ITS's internal hops.
 */

import { isGicV4 } from '../gic/gic-config';
import type { GicHostState, GicMachine } from '../gic/gic-machine';
import type { Unit } from '../sim/unit-names';
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

/**
 * Where an ITS under KVM's rules (state 'kvm-lists') keeps its LPIs: KVM's vgic_irq objects, one
 * per mapped INTID. The flat machine's `kvm` profile keeps them beside the GIC it models
 * (gic/lpi.ts); a VM's virtual ITS keeps them in the VM's vgic (kvm/vgic-lpi.ts). `pe` numbers a
 * (v)PE as a collection's RDbase does (KVM's vITS has GITS_TYPER.PTA = 0).
 */
export interface KvmLpiStore<M> {
  /** vgic_add_lpi: a new LPI reads its configuration and consumes its pending bit; an existing one gains a reference. */
  add(m: M, intid: number, target: number): { created: boolean; pendingFromTable: boolean };
  /** vgic_put_irq of the ITE's reference (DISCARD, MAPD V=0, a failed restore). */
  release(m: M, intid: number): void;
  /** update_affinity: the LPI now targets `to`; its pending state moves with it. */
  retarget(m: M, intid: number, to: number): void;
  /** The mapped LPIs of the VM (MOVALL retargets them all). */
  intids(m: M): number[];
  /** The PE a mapped LPI targets, -1 for none (or not mapped). */
  target(m: M, intid: number): number;
  /** One past the highest LPI INTID GICR_PROPBASER.IDbits allows. */
  limit(m: M): number;
  /** GICR_CTLR.EnableLPIs of PE `pe`. */
  enabled(m: M, pe: number): boolean;
  /** Number of PEs (vCPUs) collections can target. */
  pes(m: M): number;
}

export interface ItsMachine<S extends ItsHostState = ItsHostState> extends GicMachine<S> {
  itsRules: ItsRules;
  itsTiming: ItsTiming;
  /** The LPI store of a 'kvm-lists' ITS. */
  kvmLpis: KvmLpiStore<ItsMachine<S>>;
  /** The unit ITS `index`'s events are recorded under ('its0', or 'vm0.its0' for a virtual ITS). */
  itsUnit(index: number): Unit;
}

/**
 * Whether the machine's ITSs have virtual LPI support (GITS_TYPER.Virtual): a GICv4 under any
 * profile but KVM's, whose vITS has none. The profile is tested first: a VM's virtual ITS runs on
 * a context with no GIC state of its own.
 */
export const isVirtualIts = (m: ItsMachine): boolean => m.profile !== 'kvm' && isGicV4(m.s.gic.cfg);
