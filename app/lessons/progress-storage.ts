/**
 * Where progress is kept: IndexedDB (through idb-keyval, a small, well-kept wrapper: one key in
 * one object store is all this needs, and hand-written IndexedDB code is mostly error handling),
 * or memory where there is no IndexedDB (Node tests, a browser with storage disabled). What comes
 * back from the database is validated like a file: a damaged record is reported and replaced by
 * empty progress instead of breaking the page.
 */

import { createStore, get, set } from 'idb-keyval';
import { checkProgress, emptyProgress, type Progress } from './progress';

export interface ProgressStorage {
  /** The saved progress; `error` says why what was saved could not be used. */
  load: () => Promise<{ progress: Progress; error?: string }>;
  save: (p: Progress) => Promise<void>;
  /** Where it is kept, for the progress view ("this browser", "memory only"). */
  readonly where: string;
}

const KEY = 'progress';

export function memoryStorage(initial: Progress = emptyProgress()): ProgressStorage {
  let kept = initial;
  return {
    where: 'memory only (this browser has no IndexedDB): export it to keep it',
    load: () => Promise.resolve({ progress: kept }),
    save: (p) => {
      kept = p;
      return Promise.resolve();
    },
  };
}

export function indexedDbStorage(): ProgressStorage {
  const store = createStore('giclab', 'progress');
  return {
    where: 'this browser (IndexedDB)',
    load: async () => {
      const saved: unknown = await get(KEY, store);
      if (saved === undefined) return { progress: emptyProgress() };
      const r = checkProgress(saved, 'saved progress');
      return r.ok ? { progress: r.progress } : { progress: emptyProgress(), error: r.error };
    },
    save: (p) => set(KEY, p, store),
  };
}

/** IndexedDB when the browser has it, else memory. */
export function defaultStorage(): ProgressStorage {
  return typeof indexedDB === 'undefined' ? memoryStorage() : indexedDbStorage();
}
