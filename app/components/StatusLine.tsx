/**
 * One line saying where the session is, announced to screen readers as it changes. At the end of
 * a session replayed from a trace it also says whether the model agrees with QEMU.
 */

import { useApp } from '../store';

export function StatusLine() {
  const status = useApp((s) => s.status);
  const session = useApp((s) => s.session);
  // Whether the end is reached, not the position: the line changes at the end, not every frame.
  const atEnd = useApp((s) => s.session !== null && s.position >= s.session.length);
  const playing = useApp((s) => s.playing);
  const stoppedAt = useApp((s) => s.stoppedAt);

  let text = '';
  let tone = '';
  if (status === 'loading') text = 'Loading…';
  else if (session) {
    const all = session.steps.flatMap((s) => s.expectations);
    const failed = all.filter((x) => !x.ok).length;
    const trace = session.trace;
    if (atEnd && trace) {
      const held = all.length ? `, ${all.length} expectation${all.length === 1 ? '' : 's'} hold` : '';
      const problems = [
        ...(trace.agree ? [] : [`${trace.disagreementCount} disagreement(s) with QEMU`]),
        ...(failed ? [`${failed} of ${all.length} expectations fail`] : []),
      ];
      text = session.passed
        ? `Passed: the model agrees with QEMU on ${trace.lines.toLocaleString('en')} trace lines${held}, ${session.length} events`
        : `Failed: ${problems.join(', ') || 'a step disagrees'}, ${session.length} events`;
      tone = session.passed ? 'pass' : 'fail';
    } else if (atEnd) {
      text = session.passed
        ? `Passed: ${all.length} expectation${all.length === 1 ? '' : 's'} hold, ${session.length} events`
        : `Failed: ${failed} of ${all.length} expectations, ${session.length} events`;
      tone = session.passed ? 'pass' : 'fail';
    } else if (stoppedAt !== null) text = `Stopped at breakpoint ${stoppedAt + 1}`;
    else text = playing ? 'Playing…' : `${session.steps.length} steps, ${session.length} events`;
  }
  const done = atEnd;

  return (
    <output
      className={`status ${tone}`}
      data-testid="status"
      data-status={status === 'ready' ? (done ? 'done' : playing ? 'playing' : 'ready') : status}
      aria-live="polite"
    >
      {text}
    </output>
  );
}
