/**
 * What a lesson does as the learner moves through it, outside React: in a guided lesson (the
 * lesson slice's `askFirst`), the inspector a step names (`inspect`) is opened when that step comes
 * up (once per arrival, so the learner can switch away), progress is kept (progress-binding.ts), and presenter mode follows full screen and
 * talks to its speaker notes window (app/presenter/).
 */

import { bindPresenterScreen } from '../presenter/presenter';
import { bindPresenterSync, CHANNEL } from '../presenter/notes-channel';
import { presentedStep } from '../store/lesson-slice';
import type { AppStore } from '../store/store';
import { bindProgress } from './progress-binding';
import type { ProgressStorage } from './progress-storage';

export function bindStepInspector(store: AppStore): () => void {
  let last: string | null = null;
  return store.subscribe((s) => {
    const i = presentedStep(s);
    const key = i === null ? null : `${s.session!.id}#${i}`;
    if (key === last) return;
    last = key;
    // Only a guided lesson moves the tabs (see askFirst): exploring freely, the learner's tab stays.
    const tab = i === null || !s.askFirst ? undefined : s.session!.steps[i]?.inspect;
    if (tab && tab !== s.tab) s.setTab(tab);
  });
}

/** Every binding a lesson needs; presenter mode's too (the notes window talks to this one). */
export function bindLessons(store: AppStore, storage: ProgressStorage): () => void {
  const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANNEL);
  const undo = [
    bindStepInspector(store),
    bindProgress(store, storage),
    bindPresenterScreen(store),
    ...(channel ? [bindPresenterSync(store, channel)] : []),
  ];
  return () => {
    for (const u of undo) u();
    channel?.close();
  };
}
