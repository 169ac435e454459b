/**
 * The scenario's steps, as a trainer walks through them: each step's title; for the step the
 * position is in, its narration and its prediction question (the learner picks a choice before
 * the step's events have played; the outcome is revealed once they have); and, for every step
 * whose events have all played, the verdict of each expectation.
 */

import { useEffect, useRef, useState } from 'react';
import { markdownToHtml } from '../markdown';
import { appStore, useApp } from '../store';
import type { StepInfo } from '../worker/api';

function Prediction({ step, reached }: { step: StepInfo; reached: boolean }) {
  const [picked, setPicked] = useState<number | null>(null);
  const p = step.predict!;
  return (
    <div className="predict" data-testid="prediction">
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
                onClick={() => setPicked(k)}
                data-testid="choice"
                data-outcome={outcome || undefined}
              >
                {c}
              </button>
            </li>
          );
        })}
      </ul>
      {reached && (
        <p className="reveal" data-testid="reveal">
          {p.answer === undefined
            ? 'None of the choices matches what happened.'
            : `What happened: ${p.choices[p.answer]}${picked === null ? '' : picked === p.answer ? ' (your guess was right)' : ' (not your guess)'}.`}
        </p>
      )}
    </div>
  );
}

export function StepPanel() {
  const session = useApp((s) => s.session);
  // How many steps have been played through, not the position: while playing, the panel then
  // re-renders at step boundaries instead of every frame.
  const reachedCount = useApp((s) => s.session?.steps.filter((st) => s.position >= st.to).length ?? 0);
  const current = useApp((s) => s.frame?.step ?? 0);
  const list = useRef<HTMLOListElement>(null);

  // Keep the step being played (its narration) in view.
  useEffect(() => {
    list.current?.querySelector('[aria-current="step"]')?.scrollIntoView({ block: 'nearest' });
  }, [current]);

  if (!session) return null;

  return (
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
              onClick={() => void appStore.getState().seek(step.from)}
            >
              <span className="badge" aria-label={state}>
                {state === 'passed' ? '✓' : state === 'failed' ? '✗' : i + 1}
              </span>
              <span>{step.title}</span>
            </button>
            {isCurrent && step.narration && (
              <div
                className="narration"
                data-testid="narration"
                dangerouslySetInnerHTML={{ __html: markdownToHtml(step.narration) }}
              />
            )}
            {isCurrent && step.predict && (
              <Prediction key={`${session.file}#${i}`} step={step} reached={reached} />
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
  );
}
