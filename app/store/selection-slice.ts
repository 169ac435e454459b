/**
 * The selection slice: the event the user picked (in the log, on the timeline, on the stage) and
 * the place on the stage they pointed at. Selecting an event shows the machine right after it, so
 * every view highlights what that event touched (ARCHITECTURE.md §5: every view is linked).
 */

import type { StateCreator } from 'zustand';
import type { Place } from '../worker/api';
import type { AppState } from './store';

export interface SelectionSlice {
  /** seq of the selected event, or null. */
  selected: number | null;
  /** A place on the stage the user selected (a redistributor, a table...). */
  place: Place | null;
  selectEvent: (seq: number) => Promise<void>;
  selectPlace: (place: Place | null) => void;
  clearSelection: () => void;
}

export const createSelectionSlice: StateCreator<AppState, [], [], SelectionSlice> = (set, get) => ({
  selected: null,
  place: null,
  selectEvent: async (seq) => {
    set({ selected: seq });
    await get().seek(seq + 1);
  },
  selectPlace: (place) => set({ place }),
  clearSelection: () => set({ selected: null, place: null }),
});
