/**
 * What a screen reader hears as the learner moves: after each move (not while playing, which
 * would be a flood), the event now shown and, when a new step begins, the step's title; when
 * playing stops, where it stopped. A polite live region: it waits for the reader to finish.
 */

import { useApp } from '../store';

export function Announcer() {
  const message = useApp((s) => {
    if (!s.session || !s.frame || s.playing) return '';
    const step = s.session.steps[s.frame.step];
    const where = `Event ${s.frame.position} of ${s.length}`;
    const what = s.frame.event ? `: ${s.frame.event.text}` : ': the start, nothing has happened yet.';
    return `${step ? `Step ${s.frame.step + 1}, ${step.title}. ` : ''}${where}${what}`;
  });
  return (
    <div className="sr-only" aria-live="polite" aria-atomic="true" data-testid="announcer">
      {message}
    </div>
  );
}
