/**
 * The scenario's steps, as a trainer walks through them: each step's title; for the step the
 * position is in, its narration (glossary terms linked) and its prediction question (the learner
 * picks a choice before the step's events have played; the outcome is revealed once they have,
 * with why); and, for every step whose events have all played, the verdict of each expectation.
 * Above the list, "Edit steps" switches the column to the editor (app/authoring/StepEditor.tsx),
 * where the scenario's words are changed and console lines grouped into steps.
 */

import { useEffect, useRef } from 'react';
import { StepEditor } from '../authoring/StepEditor';
import { Narration } from '../lessons/Narration';
import { pendingPrediction } from '../store/lesson-slice';
import { appStore, useApp } from '../store';
import type { StepInfo } from '../worker/api';

/**
 * A step's prediction. Before the step has played the learner picks a choice (and may change it);
 * in a lesson, playback waits at the step's start until they have. Once the step's events have
 * played, the choice the machine's outcome selects is marked, with the explanation of why.
 */
function Prediction({
  index,
  step,
  reached,
  waiting,
}: {
  index: number;
  step: StepInfo;
  reached: boolean;
  waiting: boolean;
}) {
  const picked = useApp((s) => s.answers[index] ?? null);
  const held = useApp((s) => s.heldAt === index);
  const p = step.predict!;
  const right = picked !== null && picked === p.answer;
  return (
    <div
      className={`predict ${held ? 'held' : ''} ${waiting ? 'waiting' : ''}`}
      data-testid="prediction"
      role="group"
      aria-label={`Prediction: ${p.question}`}
    >
      <p className="question">{p.question}</p>
      <ul>
        {p.choices.map((c, k) => {
          const outcome = reached && p.answer === k;
          return (
            <li key={k}>
              <button
                type="button"
                className={`choice ${picked === k ? 'picked' : ''} ${outcome ? 'outcome' : ''}`}
                aria-pressed={picked === k}
                disabled={reached}
                onClick={() => appStore.getState().answer(index, k)}
                data-testid="choice"
                data-outcome={outcome || undefined}
              >
                {c}
                {outcome && <span className="sr-only"> (what happened)</span>}
              </button>
            </li>
          );
        })}
      </ul>
      {!reached && (
        <p className="predict-hint" role={held ? 'alert' : undefined} data-testid="predict-hint">
          {picked === null
            ? waiting
              ? 'Make your prediction: the step plays once you have picked an answer.'
              : 'Pick the answer you expect before this step plays.'
            : 'Step forward to see what the machine does.'}
        </p>
      )}
      {reached && (
        <div
          className="reveal"
          data-testid="reveal"
          data-right={picked === null ? undefined : right}
          role="status"
        >
          <p>
            {p.answer === undefined
              ? 'None of the choices matches what happened.'
              : `What happened: ${p.choices[p.answer]}.`}{' '}
            {picked !== null && p.answer !== undefined && (
              <strong className={right ? 'right' : 'wrong'}>
                {right
                  ? 'Your prediction was right.'
                  : `Your prediction was “${p.choices[picked]}”: not what happened.`}
              </strong>
            )}
          </p>
          {p.explain && <Narration markdown={p.explain} className="explain" testId="explain" />}
        </div>
      )}
    </div>
  );
}

/**
 * Where a click on a step's title goes: its first event, so the step is the one shown (its start,
 * `from`, is the end of the step before). In a guided lesson a step with a prediction opens at its
 * start, where the question is asked before anything of it has played.
 */
function stepStart(step: StepInfo, guided: boolean): number {
  return (step.predict && guided) || step.to <= step.from ? step.from : step.from + 1;
}

export function StepPanel() {
  const session = useApp((s) => s.session);
  // How many steps have been played through, not the position: while playing, the panel then
  // re-renders at step boundaries instead of every frame.
  const reachedCount = useApp((s) => s.session?.steps.filter((st) => s.position >= st.to).length ?? 0);
  const frameStep = useApp((s) => s.frame?.step ?? 0);
  // A lesson waiting for a prediction shows that step (its narration and question), not the one
  // whose last event is on the stage.
  const waiting = useApp((s) => pendingPrediction(s.session, s.answers, s.position, s.askFirst));
  const current = waiting ?? frameStep;
  // At a step boundary the step just played (its reveal) and the next one's waiting question
  // both show.
  const open = (i: number): boolean => i === frameStep || i === waiting;
  const list = useRef<HTMLOListElement>(null);
  const editing = useApp((s) => s.editing);
  // The audience of a presentation needs no editor; a replayed trace has no scenario text to edit.
  const editable = useApp((s) => !s.presenting && s.session !== null && s.session.trace === undefined);

  // Keep the step being played (its narration) in view.
  useEffect(() => {
    list.current?.querySelector('[aria-current="step"]')?.scrollIntoView({ block: 'nearest' });
  }, [current]);

  if (!session) return null;

  const toolbar = editable && (
    <div className="steps-toolbar">
      <span>
        {session.steps.length} step{session.steps.length === 1 ? '' : 's'}
      </span>
      <button
        type="button"
        aria-pressed={editing}
        onClick={() => appStore.getState().setEditing(!editing)}
        title={
          editing
            ? 'Back to the steps as a learner sees them'
            : 'Edit the titles, narration and speaker notes, and group steps'
        }
        data-testid="edit-steps"
      >
        {editing ? 'Done editing' : 'Edit steps'}
      </button>
    </div>
  );
  if (editable && editing)
    return (
      <>
        {toolbar}
        <StepEditor />
      </>
    );

  return (
    <>
      {toolbar}
      <ol className="steps" data-testid="steps" ref={list}>
        {session.steps.map((step, i) => {
          const reached = i < reachedCount;
          const state = reached ? (step.passed ? 'passed' : 'failed') : 'pending';
          const isCurrent = i === current;
          return (
            <li
              key={i}
              className={`step ${state} ${isCurrent ? 'current' : ''}`}
              data-testid="step"
              data-step={i}
              data-state={state}
              data-current={isCurrent || undefined}
              aria-current={isCurrent ? 'step' : undefined}
            >
              <button
                type="button"
                className="step-title"
                onClick={() => void appStore.getState().seek(stepStart(step, appStore.getState().askFirst))}
              >
                <span className="badge" aria-label={state}>
                  {state === 'passed' ? '✓' : state === 'failed' ? '✗' : i + 1}
                </span>
                <span>{step.title}</span>
              </button>
              {open(i) && step.narration && (
                <Narration markdown={step.narration} className="narration" testId="narration" />
              )}
              {open(i) && step.predict && (
                <Prediction index={i} step={step} reached={reached} waiting={waiting === i} />
              )}
              {reached && step.expectations.length > 0 && (
                <ul className="expectations">
                  {step.expectations.map((x, k) => (
                    <li key={k} className={x.ok ? 'ok' : 'fail'} data-testid="expectation" data-ok={x.ok}>
                      <span className="mark" aria-label={x.ok ? 'holds' : 'fails'}>
                        {x.ok ? '✓' : '✗'}
                      </span>
                      <code>{x.text}</code>
                      {x.message && <div className="message">{x.message}</div>}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ol>
    </>
  );
}
