/**
 * The speaker notes window (`?notes`): what the trainer sees on their own screen while the main
 * window is on the projector. The current step's notes, what the audience reads (the narration),
 * the prediction with its answer and why (so the trainer knows before the room does), the next
 * step, the time since the notes opened, and buttons (and the same clicker keys) that move the
 * main window. It has no session of its own: everything comes over the channel.
 */

import { useEffect, useRef, useState } from 'react';
import { TermCard } from '../lessons/Glossary';
import { Narration } from '../lessons/Narration';
import {
  CHANNEL,
  readMessage,
  type LessonMessage,
  type NotesCommand,
  type NotesMessage,
  type PlaceMessage,
} from './notes-channel';
import './presenter.css';

/** Keys a clicker (or the trainer) presses in the notes window, and what they ask of the main one. */
const KEYS: Record<string, NotesCommand> = {
  PageDown: 'next-step',
  PageUp: 'prev-step',
  ']': 'next-step',
  '[': 'prev-step',
  ArrowRight: 'forward',
  ArrowLeft: 'back',
  b: 'blank',
  B: 'blank',
  '.': 'blank',
};

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function SpeakerNotes() {
  const [lesson, setLesson] = useState<LessonMessage | null>(null);
  const [place, setPlace] = useState<PlaceMessage | null>(null);
  const channel = useRef<BroadcastChannel | null>(null);
  const [started] = useState(() => Date.now());
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    document.title = 'GIC Lab: speaker notes';
    const ch = new BroadcastChannel(CHANNEL);
    ch.onmessage = (ev) => {
      const m = readMessage(ev.data);
      if (m?.type === 'lesson') setLesson(m);
      else if (m?.type === 'place') setPlace(m);
    };
    channel.current = ch;
    ch.postMessage({ type: 'hello' } satisfies NotesMessage);
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      clearInterval(tick);
      ch.close();
    };
  }, []);

  const send = (command: NotesCommand): void =>
    channel.current?.postMessage({ type: 'command', command } satisfies NotesMessage);

  useEffect(() => {
    const onKey = (ev: KeyboardEvent): void => {
      const c = KEYS[ev.key];
      if (!c || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      ev.preventDefault();
      channel.current?.postMessage({ type: 'command', command: c } satisfies NotesMessage);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const i = place?.step ?? null;
  const step = i === null ? undefined : lesson?.steps[i];
  const next = i === null ? undefined : lesson?.steps[i + 1];

  return (
    <div className="speaker-notes" data-testid="speaker-notes">
      <header>
        <h1>{lesson?.title || 'Speaker notes'}</h1>
        <span className="elapsed" aria-label="Time since the notes opened">
          {clock(now - started)}
        </span>
        {place?.blanked && <span className="badge-pill">screen blanked</span>}
      </header>
      {!lesson || !place ? (
        <p role="status">
          Waiting for GIC Lab: open a lesson in the main window and press <kbd>f</kbd> to present, or{' '}
          <kbd>n</kbd> there to reopen this window.
        </p>
      ) : (
        <main>
          <p className="where" data-testid="notes-step">
            Step {i === null ? '–' : i + 1} of {lesson.steps.length}: <strong>{step?.title}</strong>{' '}
            <span className="muted">
              (event {place.position} of {place.length})
            </span>
          </p>
          <section aria-label="Notes">
            <h2>Notes</h2>
            {step?.notes ? (
              <Narration markdown={step.notes} className="notes" testId="notes-text" />
            ) : (
              <p className="muted">No notes for this step.</p>
            )}
          </section>
          {step?.predict && (
            <section aria-label="Prediction">
              <h2>Prediction</h2>
              <p>{step.predict.question}</p>
              <ol>
                {step.predict.choices.map((c, k) => (
                  <li key={k} className={k === step.predict!.answer ? 'answer' : ''}>
                    {c}
                    {k === step.predict!.answer && ' ← what happens'}
                  </li>
                ))}
              </ol>
              {step.predict.explain && <Narration markdown={step.predict.explain} className="explain" />}
            </section>
          )}
          <details>
            <summary>What the audience reads</summary>
            {step?.narration && <Narration markdown={step.narration} className="narration" />}
          </details>
          {next && (
            <p className="next">
              Next: <strong>{next.title}</strong>
            </p>
          )}
        </main>
      )}
      <nav className="notes-controls" aria-label="Drive the main window">
        <button type="button" onClick={() => send('prev-step')}>
          ◀◀ Previous step
        </button>
        <button type="button" onClick={() => send('back')}>
          ◀ Back
        </button>
        <button type="button" onClick={() => send('forward')}>
          Forward ▶
        </button>
        <button type="button" onClick={() => send('next-step')} data-testid="notes-next">
          Next step ▶▶
        </button>
        <button type="button" onClick={() => send('blank')}>
          Blank
        </button>
      </nav>
      <TermCard />
    </div>
  );
}
