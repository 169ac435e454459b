/**
 * The views slice: how the page is arranged, not what it shows: the inspector tab, the theme, the
 * event log's filters, whether the help overlay is open. Kept apart from the session so that
 * opening another scenario keeps the trainer's layout.
 */

import type { StateCreator } from 'zustand';
import type { AppState } from './store';

export type InspectorTab = 'events' | 'its' | 'redistributors' | 'cpus' | 'registers' | 'memory';
export type Theme = 'auto' | 'light' | 'dark';

export interface LogFilter {
  /** Unit family or unit ('its', 'gicr', 'cpu', 'cpu3', 'pci nic0'...), or '' for all. */
  unit: string;
  intid?: number;
  devid?: number;
  eventid?: number;
  cpu?: number;
}

export interface ViewsSlice {
  tab: InspectorTab;
  theme: Theme;
  filter: LogFilter;
  helpOpen: boolean;
  /** A message from the engine's host (e.g. the worker was restarted), shown until dismissed. */
  notice: string | null;
  setNotice: (notice: string | null) => void;
  setTab: (tab: InspectorTab) => void;
  setTheme: (theme: Theme) => void;
  setFilter: (filter: LogFilter) => void;
  toggleHelp: (open?: boolean) => void;
}

export const createViewsSlice: StateCreator<AppState, [], [], ViewsSlice> = (set, get) => ({
  tab: 'events',
  theme: 'auto',
  filter: { unit: '' },
  helpOpen: false,
  notice: null,
  setNotice: (notice) => set({ notice }),
  setTab: (tab) => set({ tab }),
  setTheme: (theme) => set({ theme }),
  setFilter: (filter) => set({ filter }),
  toggleHelp: (open) => set({ helpOpen: open ?? !get().helpOpen }),
});
