/**
 * The lesson list: every lesson of the catalog by track, with its difficulty, what to take first,
 * and where the learner is in it (done, step k of n, predictions right), each opening or resuming
 * it; and the learner's progress as a file: export it, import it (merged, never erasing what this
 * browser has), or start over.
 */

import { useRef, useState } from 'react';
import { useDialog } from '../components/use-dialog';
import { download } from '../export/download';
import type { ScenarioEntry } from '../scenarios';
import { appStore, useApp } from '../store';
import { openLesson } from './open-lesson';
import {
  emptyProgress,
  mergeProgress,
  parseProgress,
  predictionScore,
  progressToText,
  MAX_PROGRESS_BYTES,
  type LessonProgress,
} from './progress';
import { saveProgressNow } from './progress-binding';

/** Lessons are the teaching tracks; the conformance cases are listed by the picker only. */
const isLesson = (e: ScenarioEntry): boolean => /^Track \d/.test(e.track ?? '');

function status(e: ScenarioEntry, p: LessonProgress | undefined): string {
  if (!p) return 'not started';
  if (p.completed) return 'done';
  const steps = p.steps || e.steps || 0;
  return `step ${Math.min(steps, p.reached + 1)} of ${steps}`;
}

export function LessonsDialog() {
  const open = useApp((s) => s.lessonsOpen);
  const catalog = useApp((s) => s.catalog);
  const progress = useApp((s) => s.progress);
  const where = useApp((s) => s.progressWhere);
  const error = useApp((s) => s.progressError);
  const dialog = useDialog(open);
  const input = useRef<HTMLInputElement>(null);
  const [message, setMessage] = useState<string | null>(null);

  const lessons = catalog.filter(isLesson);
  const tracks = [...new Set(lessons.map((e) => e.track!))];
  const done = lessons.filter((e) => progress.lessons[e.id]?.completed).length;
  const close = () => appStore.getState().toggleLessons(false);

  const importFile = async (f: File): Promise<void> => {
    if (f.size > MAX_PROGRESS_BYTES) {
      setMessage(`${f.name}: ${f.size} bytes is more than a progress file can be; nothing was imported`);
      return;
    }
    const r = parseProgress(await f.text(), f.name);
    if (!r.ok) {
      setMessage(`${r.error}; nothing was imported`);
      return;
    }
    const merged = mergeProgress(appStore.getState().progress, r.progress);
    appStore.getState().setProgress(merged);
    await saveProgressNow();
    setMessage(`Imported ${f.name}: progress of ${Object.keys(r.progress.lessons).length} lessons merged.`);
  };

  return (
    <dialog
      ref={dialog}
      className="modal lessons"
      aria-labelledby="lessons-title"
      onClose={() => appStore.getState().toggleLessons(false)}
      data-testid="lessons"
    >
      <div className="lessons-head">
        <h2 id="lessons-title">Lessons</h2>
        <span data-testid="lessons-done">
          {done} of {lessons.length} done
        </span>
        <form method="dialog">
          <button type="submit">Close</button>
        </form>
      </div>
      {tracks.map((t) => (
        <section key={t} aria-labelledby={`track-${t}`}>
          <h3 id={`track-${t}`}>{t}</h3>
          <table className="lesson-table">
            <thead>
              <tr>
                <th scope="col">Lesson</th>
                <th scope="col">Level</th>
                <th scope="col">Take first</th>
                <th scope="col">Progress</th>
                <th scope="col">Predictions</th>
              </tr>
            </thead>
            <tbody>
              {lessons
                .filter((e) => e.track === t)
                .map((e) => {
                  const p = progress.lessons[e.id];
                  const score = predictionScore(p);
                  const resume = p && !p.completed && p.position > 0;
                  return (
                    <tr key={e.id} data-testid="lesson-row" data-lesson={e.id} data-status={status(e, p)}>
                      <td>
                        <button
                          type="button"
                          className="linkish"
                          onClick={() => {
                            close();
                            openLesson(e.file, resume ? p.position : 0);
                          }}
                        >
                          {e.title}
                        </button>
                        {resume && (
                          <span className="muted"> (resumes at step {Math.min(p.steps, p.reached + 1)})</span>
                        )}
                      </td>
                      <td>{e.difficulty ?? ''}</td>
                      <td>
                        {(e.prerequisites ?? [])
                          .map((id) => catalog.find((c) => c.id === id)?.track?.replace(/^Track /, '') ?? id)
                          .join(', ')}
                      </td>
                      <td data-testid="lesson-status">{status(e, p)}</td>
                      <td>
                        {score.answered
                          ? `${score.right} of ${score.answered} right`
                          : e.predictions
                            ? `${e.predictions} to make`
                            : ''}
                      </td>
                    </tr>
                  );
                })}
            </tbody>
          </table>
        </section>
      ))}
      <div className="lessons-foot">
        <p className="muted">Your progress is kept in {where || 'this browser'}.</p>
        {error && (
          <p className="fail-text" role="alert">
            {error}
          </p>
        )}
        {message && (
          <p role="status" data-testid="progress-message">
            {message}
          </p>
        )}
        <button
          type="button"
          data-testid="export-progress"
          onClick={() =>
            download(
              new Blob([progressToText(appStore.getState().progress)], { type: 'application/json' }),
              `giclab-progress-${new Date().toISOString().slice(0, 10)}.json`,
            )
          }
        >
          Export progress…
        </button>{' '}
        <button type="button" onClick={() => input.current?.click()}>
          Import progress…
        </button>
        <input
          ref={input}
          type="file"
          accept=".json,application/json"
          hidden
          data-testid="import-progress"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void importFile(f);
          }}
        />{' '}
        <button
          type="button"
          onClick={() => {
            if (!window.confirm('Forget every lesson done and every prediction made in this browser?'))
              return;
            appStore.getState().setProgress(emptyProgress());
            appStore.getState().setAnswers({});
            void saveProgressNow();
            setMessage('Progress cleared.');
          }}
        >
          Start over…
        </button>
      </div>
    </dialog>
  );
}
