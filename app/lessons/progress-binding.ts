/**
 * Keeps the learner's progress in step with the page: loads it at start, records where the
 * learner is in a lesson as they move (and the predictions they made, once their steps have
 * played), saves it (debounced: playing moves the position many times a second), and restores a
 * lesson's earlier answers when it is opened again so its questions are not asked twice.
 *
 * Only scenarios of the catalog are lessons with progress; a file from disk or a sandbox is the
 * learner's own work and is not tracked. Saving failures (storage full, private mode) are shown
 * once and do not stop the page.
 */

import type { AppStore } from '../store/store';
import { recordPlace, type LessonPlace, type Progress } from './progress';
import type { ProgressStorage } from './progress-storage';

/** How long the position must rest before it is written. */
const SAVE_DELAY_MS = 400;

/** The session as a lesson place, or null when it is not a catalog lesson. */
export function lessonPlace(store: AppStore): LessonPlace | null {
  const s = store.getState();
  if (!s.session || !s.file || s.status !== 'ready') return null;
  if (!s.catalog.some((e) => e.file === s.file && e.id === s.session!.id)) return null;
  return {
    id: s.session.id,
    title: s.session.title,
    file: s.file,
    position: s.position,
    length: s.session.length,
    passed: s.session.passed,
    steps: s.session.steps.map((st) => ({
      to: st.to,
      predicts: st.predict !== undefined,
      ...(st.predict?.answer !== undefined ? { answer: st.predict.answer } : {}),
    })),
  };
}

/** Answers recorded for a lesson, as the session's `answers` (step index -> choice). */
export function recordedAnswers(p: Progress, id: string): Record<number, number> {
  const out: Record<number, number> = {};
  for (const [step, a] of Object.entries(p.lessons[id]?.predictions ?? {})) out[Number(step)] = a.picked;
  return out;
}

/** The binding in force (the page has one): what `saveProgressNow` writes through. */
let active: { store: AppStore; save: (p: Progress) => Promise<void> } | null = null;

/** Writes the store's progress now (after an import or a reset), not after the usual delay. */
export function saveProgressNow(): Promise<void> {
  return active ? active.save(active.store.getState().progress) : Promise.resolve();
}

export function bindProgress(store: AppStore, storage: ProgressStorage, now = () => new Date()): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let loaded = false;
  let warned = false;
  const failed = (what: string, e: unknown): void =>
    store
      .getState()
      .setProgressStatus(
        storage.where,
        `progress could not be ${what}: ${e instanceof Error ? e.message : String(e)}`,
      );

  const save = (p: Progress): Promise<void> =>
    storage.save(p).catch((e: unknown) => {
      if (warned) return;
      warned = true;
      failed('saved', e);
    });
  active = { store, save };

  const record = (): void => {
    const place = lessonPlace(store);
    if (!place || !loaded) return;
    const s = store.getState();
    const next = recordPlace(s.progress, place, s.answers, now().toISOString());
    s.setProgress(next);
    void save(next);
  };

  const later = (): void => {
    clearTimeout(timer);
    timer = setTimeout(record, SAVE_DELAY_MS);
  };

  void storage
    .load()
    .then(({ progress, error }) => {
      loaded = true;
      const s = store.getState();
      s.setProgress(progress);
      s.setProgressStatus(storage.where, error ?? null);
      const place = lessonPlace(store);
      if (place) s.setAnswers({ ...recordedAnswers(progress, place.id), ...s.answers });
    })
    .catch((e: unknown) => {
      loaded = true;
      failed('read', e);
    });

  const unsubscribe = store.subscribe((s, prev) => {
    if (s.session !== prev.session && s.session?.id !== prev.session?.id) {
      // Another lesson: its own earlier answers, none of the previous one's.
      s.setAnswers(s.session ? recordedAnswers(s.progress, s.session.id) : {});
      record();
      return;
    }
    if (s.position !== prev.position || s.answers !== prev.answers || s.catalog !== prev.catalog) later();
  });

  return () => {
    clearTimeout(timer);
    unsubscribe();
    if (active?.store === store) active = null;
  };
}
