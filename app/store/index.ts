/**
 * The page's store instance, wired to the real engine worker and the static scenario files, and
 * the hook views use to subscribe to it. Outside React, use `appStore.getState()`.
 */

import { useStore } from 'zustand';
import { fetchCatalog, fetchScenario } from '../scenarios';
import { getEngine } from '../worker/client';
import { createAppStore, type AppState } from './store';

export type { AppState } from './store';

export const appStore = createAppStore({ engine: getEngine, fetchScenario, fetchCatalog });

/** Subscribes a component to one selected value; select primitives or stable references. */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}
