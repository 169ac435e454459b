/**
 * The top of a lesson: its track and difficulty, the lessons to take first (each opens; done
 * ones are ticked), its learning goals, how the learner's predictions went, a way back to where
 * they stopped last time, whether the lesson is guided (predictions asked before the step plays,
 * inspectors opened for each step), and the glossary.
 */

import { appStore, useApp } from '../store';
import { openLesson } from './open-lesson';
import './lessons.css';
import { predictionScore } from './progress';

export function LessonHeader() {
  const session = useApp((s) => s.session);
  const catalog = useApp((s) => s.catalog);
  const progress = useApp((s) => s.progress);
  const position = useApp((s) => s.position);
  const askFirst = useApp((s) => s.askFirst);
  const file = useApp((s) => s.file);
  if (!session) return null;

  const mine = progress.lessons[session.id];
  const score = predictionScore(mine);
  const predictions = session.steps.filter((s) => s.predict).length;
  const guides = predictions > 0 || session.steps.some((s) => s.inspect);
  const resumeAt =
    mine && !mine.completed && mine.position > 0 && mine.position !== position ? mine.position : null;
  const resumeStep = resumeAt === null ? 0 : session.steps.findIndex((s) => resumeAt <= s.to) + 1;

  return (
    <div className="lesson-header" data-testid="lesson-header">
      <p className="lesson-meta">
        {session.track && <span className="badge-pill">Track {session.track}</span>}
        {session.difficulty && (
          <span className={`badge-pill difficulty ${session.difficulty}`} data-testid="difficulty">
            {session.difficulty}
          </span>
        )}
        {mine?.completed && (
          <span className="badge-pill done" data-testid="lesson-done">
            ✓ done
          </span>
        )}
        <button type="button" className="linkish" onClick={() => appStore.getState().toggleGlossary(true)}>
          Glossary
        </button>
      </p>
      {session.prerequisites.length > 0 && (
        <p className="prereqs" data-testid="prerequisites">
          Take first:{' '}
          {session.prerequisites.map((id, i) => {
            const e = catalog.find((c) => c.id === id);
            const done = progress.lessons[id]?.completed;
            return (
              <span key={id}>
                {i > 0 && ', '}
                {e ? (
                  <button type="button" className="linkish" onClick={() => openLesson(e.file)}>
                    {done && <span aria-label="done">✓ </span>}
                    {e.track?.replace(/^Track /, '')} {e.title}
                  </button>
                ) : (
                  id
                )}
              </span>
            );
          })}
        </p>
      )}
      {session.goals.length > 0 && (
        <details className="goals" open={position === 0}>
          <summary>Goals</summary>
          <ul>
            {session.goals.map((g) => (
              <li key={g}>{g}</li>
            ))}
          </ul>
        </details>
      )}
      {(guides || resumeAt !== null) && (
        <div className="lesson-progress">
          {resumeAt !== null && file && (
            <button
              type="button"
              className="resume"
              data-testid="resume"
              onClick={() => void appStore.getState().seek(resumeAt)}
            >
              Resume where you stopped (step {resumeStep} of {session.steps.length})
            </button>
          )}
          {predictions > 0 && (
            <span data-testid="prediction-score">
              Predictions: {score.right} right of {score.answered} answered ({predictions} in this lesson)
            </span>
          )}
          {guides && (
            <label
              className="ask-first"
              title="Guided: playback waits for each prediction before revealing it, and each step opens the inspector where its point shows. Off: explore freely."
            >
              <input
                type="checkbox"
                checked={askFirst}
                onChange={(e) => appStore.getState().setAskFirst(e.target.checked)}
                data-testid="ask-first"
              />{' '}
              Guided (ask first, open inspectors)
            </label>
          )}
        </div>
      )}
    </div>
  );
}
