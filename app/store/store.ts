/**
 * The app's one zustand store, built from slices (ARCHITECTURE.md §5). Only the session slice
 * exists so far; playback, selection and views join it here as AppState grows.
 */

import { createStore, type StoreApi } from 'zustand/vanilla';
import { createSessionSlice, type SessionDeps, type SessionSlice } from './session-slice';

export type AppState = SessionSlice;
export type AppStore = StoreApi<AppState>;

/** A store wired to the given engine and fetchers (tests pass fakes). */
export function createAppStore(deps: SessionDeps): AppStore {
  return createStore<AppState>()((...a) => ({ ...createSessionSlice(deps)(...a) }));
}
