/**
 * Opening a lesson of the catalog, from the lesson list, a prerequisite link or "continue where
 * you stopped": a new history entry in the URL, as the picker does, and the position to resume at.
 */

import { appStore } from '../store';
import { setScenarioInUrl } from '../url';

export function openLesson(file: string, position = 0): void {
  setScenarioInUrl(file);
  void appStore.getState().open(file, position);
}
