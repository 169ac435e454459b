/**
 * The app's one zustand store, built from slices (ARCHITECTURE.md §5): session (which scenario),
 * playback (where in its history), selection (what the user picked), views (how the page is
 * arranged), sandbox (the console) and lesson (predictions and progress). Actions are callable outside React: the worker client, the URL, the keyboard and the
 * play ticker all drive it through `getState()`.
 */

import { createStore, type StoreApi } from 'zustand/vanilla';
import { createLessonSlice, type LessonSlice } from './lesson-slice';
import { createPlaybackSlice, type PlaybackSlice } from './playback-slice';
import { createSandboxSlice, type SandboxSlice } from './sandbox-slice';
import { createSelectionSlice, type SelectionSlice } from './selection-slice';
import { createSessionSlice, type SessionDeps, type SessionSlice } from './session-slice';
import { createViewsSlice, type ViewsSlice } from './views-slice';

export type AppState = SessionSlice &
  PlaybackSlice &
  SelectionSlice &
  ViewsSlice &
  SandboxSlice &
  LessonSlice;
export type AppStore = StoreApi<AppState>;

/** A store wired to the given engine and fetchers (tests pass fakes). */
export function createAppStore(deps: SessionDeps): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createSessionSlice(deps)(...a),
    ...createPlaybackSlice(deps)(...a),
    ...createSelectionSlice(...a),
    ...createViewsSlice(...a),
    ...createSandboxSlice(deps)(...a),
    ...createLessonSlice(...a),
  }));
}
