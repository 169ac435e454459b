/**
 * The views slice: how the page is arranged, not what it shows: the inspector tab, the theme, the
 * event log's filters, whether the help overlay is open. Kept apart from the session so that
 * opening another scenario keeps the trainer's layout.
 */

import type { StateCreator } from 'zustand';
import type { InspectView } from '../../engine/scenario/schema';
import type { AppState } from './store';

/**
 * The inspector tabs are the views a scenario step may open (`inspect`), so the two cannot drift,
 * and the trace report of a session replayed from a QEMU trace (which a trace lesson may open).
 */
export type InspectorTab = InspectView | 'trace';
/**
 * The inspector tabs, in order, with the key that opens each. `vms`: only a machine that runs VMs
 * shows the tab (the key then says there is nothing to show); `v4`: only one whose VMs use GICv4;
 * `trace`: only a session replayed from a trace.
 */
export const TABS: { id: InspectorTab; label: string; key: string; vms?: true; v4?: true; trace?: true }[] = [
  { id: 'events', label: 'Events', key: 'e' },
  { id: 'transcript', label: 'Transcript', key: 'x' },
  { id: 'its', label: 'ITS', key: 'i' },
  { id: 'redistributors', label: 'Redistributors', key: 'r' },
  { id: 'cpus', label: 'CPU interfaces', key: 'c' },
  { id: 'vcpus', label: 'vCPUs', key: 'v', vms: true },
  { id: 'vpes', label: 'vPEs (GICv4)', key: 'p', vms: true, v4: true },
  { id: 'registers', label: 'Registers', key: 'g' },
  { id: 'memory', label: 'Memory', key: 'm' },
  { id: 'console', label: 'Console', key: '`' },
  { id: 'trace', label: 'Trace', key: 'q', trace: true },
];

/** `projector`: presenter mode's palette (light, strong contrast, for a washed-out projector). */
export type Theme = 'auto' | 'light' | 'dark' | 'projector';

/**
 * GICv4: which way of a device MSI to a guest the stage brings forward (the other is dimmed) and
 * the path panel describes: the direct path, KVM's software path, or both side by side.
 */
export type PathView = 'both' | 'direct' | 'software';

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
  /** Bumped when something other than the log's own fields sets the filter, so they show it. */
  filterEpoch: number;
  helpOpen: boolean;
  /** Whether the breakpoint panel of the playback bar is open. */
  breakpointsOpen: boolean;
  pathView: PathView;
  /** Whether the path panel's hop-by-hop comparison is open. */
  pathsOpen: boolean;
  /** A message from the engine's host (e.g. the worker was restarted), shown until dismissed. */
  notice: string | null;
  /**
   * Embed mode (`?embed`): the page shows the stage and the playback bar only, for a slide or a
   * wiki page that frames it. Set once at start from the URL.
   */
  embed: boolean;
  setEmbed: (embed: boolean) => void;
  setNotice: (notice: string | null) => void;
  setTab: (tab: InspectorTab) => void;
  setTheme: (theme: Theme) => void;
  /** Sets the log's filter; `fromOutside`: not typed into the log's fields (they are refreshed). */
  setFilter: (filter: LogFilter, fromOutside?: boolean) => void;
  toggleHelp: (open?: boolean) => void;
  toggleBreakpoints: (open?: boolean) => void;
  setPathView: (path: PathView) => void;
  togglePaths: (open?: boolean) => void;
}

export const createViewsSlice: StateCreator<AppState, [], [], ViewsSlice> = (set, get) => ({
  tab: 'events',
  theme: 'auto',
  filter: { unit: '' },
  filterEpoch: 0,
  helpOpen: false,
  breakpointsOpen: false,
  pathView: 'both',
  pathsOpen: false,
  notice: null,
  embed: false,
  setEmbed: (embed) => set({ embed }),
  setNotice: (notice) => set({ notice }),
  setTab: (tab) => set({ tab }),
  setTheme: (theme) => set({ theme }),
  setFilter: (filter, fromOutside = false) =>
    set(fromOutside ? { filter, filterEpoch: get().filterEpoch + 1 } : { filter }),
  toggleHelp: (open) => set({ helpOpen: open ?? !get().helpOpen }),
  toggleBreakpoints: (open) => set({ breakpointsOpen: open ?? !get().breakpointsOpen }),
  setPathView: (pathView) => set({ pathView }),
  togglePaths: (open) => set({ pathsOpen: open ?? !get().pathsOpen }),
});
