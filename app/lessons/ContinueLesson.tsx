/** "Continue where you stopped": the start page's way back into the last lesson the learner was in. */

import { useApp } from '../store';
import { openLesson } from './open-lesson';

export function ContinueLesson() {
  const progress = useApp((s) => s.progress);
  const catalog = useApp((s) => s.catalog);
  const last = progress.last ? progress.lessons[progress.last] : undefined;
  if (!last || !catalog.some((e) => e.file === last.file)) return null;
  const step = Math.min(last.steps, last.reached + 1);
  return (
    <span className="continue">
      <button
        type="button"
        className="primary"
        onClick={() => openLesson(last.file, last.position)}
        data-testid="continue"
      >
        Continue where you stopped: {last.title}
        {last.completed ? ' (done)' : `, step ${step} of ${last.steps}`}
      </button>
    </span>
  );
}
