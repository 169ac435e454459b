/**
 * The whole machine's state and the context its code runs with: the GIC and ITSs below, plus the
 * machine description and the software on each PE. Layers above add their own fields by module
 * augmentation (machine-extension.ts).
 */

import type { ItsHostState, ItsMachine } from '../its/its-machine';
import type { ResolvedMachine } from './machine-config';
import type { SoftwareState, SoftwareTiming } from './software';

export interface MachineState extends ItsHostState {
  /** Snapshot format version. */
  version: 1;
  machine: ResolvedMachine;
  sw: SoftwareState[];
}

export interface PlatformMachine extends ItsMachine<MachineState> {
  swTiming: SoftwareTiming;
}
