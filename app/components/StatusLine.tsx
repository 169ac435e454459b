/** One line saying what the session is doing, announced to screen readers as it changes. */

import { useApp } from '../store';

export function StatusLine() {
  const status = useApp((s) => s.status);
  const steps = useApp((s) => s.steps.length);
  const summary = useApp((s) => s.summary);

  let text = '';
  let tone = '';
  if (status === 'loading') text = 'Loading…';
  else if (status === 'ready') text = `${steps} step${steps === 1 ? '' : 's'}, not run yet`;
  else if (status === 'running') text = 'Running…';
  else if (status === 'done' && summary) {
    const all = summary.steps.flatMap((s) => s.expectations);
    const failed = all.filter((x) => !x.ok).length;
    text = summary.passed
      ? `Passed: ${all.length} expectation${all.length === 1 ? '' : 's'} hold, ${summary.events} events`
      : `Failed: ${failed} of ${all.length} expectations, ${summary.events} events`;
    tone = summary.passed ? 'pass' : 'fail';
  }

  return (
    <output className={`status ${tone}`} data-testid="status" data-status={status} aria-live="polite">
      {text}
    </output>
  );
}
