/**
 * The selection slice: the event the user picked (in the log, on the timeline, on the stage) and
 * the place on the stage they pointed at. Selecting an event shows the machine right after it, so
 * every view highlights what that event touched (ARCHITECTURE.md §5: every view is linked); selecting
 * a place opens the inspector that details it (a VM's virtual ITS: the ITS inspector, showing it).
 */

import type { StateCreator } from 'zustand';
import type { Place, Token } from '../worker/api';
import type { AppState } from './store';
import type { InspectorTab } from './views-slice';

/** The inspector that shows a place of the stage in detail. */
export function inspectorFor(place: Place): InspectorTab {
  switch (place.node) {
    case 'its':
      // A GICv4 host's vPE table: the vPE inspector shows it with the vPEs it maps.
      return place.part === 'vt' ? 'vpes' : 'its';
    case 'rd':
      return 'redistributors';
    case 'cpuif':
    case 'cpu':
      return 'cpus';
    case 'dist':
      return 'registers';
    case 'memory':
      return 'memory';
    case 'device':
      return 'events';
    case 'vcpu':
      return 'vcpus';
    case 'kvm':
      // The virtual ITS has its inspector (the host's, on the VM's context); KVM's other objects
      // for a VM have their story in the VM's events.
      return place.part === 'its' ? 'its' : 'events';
  }
}

export interface SelectionSlice {
  /** seq of the selected event, or null. */
  selected: number | null;
  /** A place on the stage the user selected (a redistributor, a table...). */
  place: Place | null;
  selectEvent: (seq: number) => Promise<void>;
  selectPlace: (place: Place | null) => void;
  /** An interrupt on the stage was picked: the log shows its whole life. */
  selectToken: (token: Token) => void;
  clearSelection: () => void;
}

export const createSelectionSlice: StateCreator<AppState, [], [], SelectionSlice> = (set, get) => ({
  selected: null,
  place: null,
  selectEvent: async (seq) => {
    set({ selected: seq });
    await get().seek(seq + 1);
  },
  // Pointing at a box opens the inspector that details it; the inspectors start from the place
  // (the redistributor, the ITS, the CPU picked). A device shows its own events.
  selectPlace: (place) => {
    set({ place });
    if (!place) return;
    set({ tab: inspectorFor(place) });
    if (place.node === 'device') get().setFilter({ unit: `pci ${place.name}` }, true);
    if (place.node === 'kvm' && place.part !== 'its') {
      const vm = get().session?.shape.vms?.[place.vm];
      if (vm) get().setFilter({ unit: vm.name }, true);
    }
  },
  selectToken: (token) => {
    if (token.intid === undefined) return;
    get().setFilter({ unit: '', intid: token.intid }, true);
    set({ tab: 'events' });
  },
  clearSelection: () => set({ selected: null, place: null }),
});
