/**
 * The transcript: the session as prose a screen reader (or a learner who prefers reading) can
 * follow, step by step. Each step is a heading with its narration and, once played, the sentences
 * of its events in order, up to the position shown; steps not played yet say so. Long steps show
 * their last events (the Events tab has all of them), so the transcript stays a page, not a
 * log. The sentences are the explain layer's, the same the Events tab shows.
 */

import { useEffect } from 'react';
import { Narration } from '../lessons/Narration';
import { appStore, useApp } from '../store';
import type { EventRow } from '../worker/api';

/** Most events a step lists (its last ones, up to the position). */
export const MAX_EVENTS_PER_STEP = 60;

/** The events of a step the transcript lists: [from, to) clipped to the position and the cap. */
export function transcriptRange(
  step: { from: number; to: number },
  position: number,
): { from: number; to: number; skipped: number } {
  const to = Math.min(step.to, position);
  const from = Math.max(step.from, to - MAX_EVENTS_PER_STEP);
  return { from, to: Math.max(from, to), skipped: Math.max(0, from - step.from) };
}

export function Transcript() {
  const session = useApp((s) => s.session);
  const position = useApp((s) => s.position);
  const rows = useApp((s) => s.rows);
  const steps = session?.steps ?? [];

  // Make sure the rows the transcript lists are fetched (the log fetches its own windows).
  useEffect(() => {
    for (const st of session?.steps ?? []) {
      const r = transcriptRange(st, position);
      if (r.to > r.from) void appStore.getState().fetchRows(r.from, r.to);
    }
  }, [session, position]);

  if (!session) return null;
  return (
    <div className="transcript" tabIndex={0} role="region" aria-label="Transcript" data-testid="transcript">
      <h2 className="sr-only">Transcript of {session.title}</h2>
      {steps.map((st, i) => {
        const r = transcriptRange(st, position);
        const played = position >= st.to;
        const started = position > st.from;
        const list: EventRow[] = [];
        for (let seq = r.from; seq < r.to; seq++) {
          const row = rows[seq];
          if (row) list.push(row);
        }
        return (
          <section key={i} className="transcript-step" aria-labelledby={`transcript-step-${i}`} data-step={i}>
            <h3 id={`transcript-step-${i}`}>
              Step {i + 1}: {st.title}
              <span className="muted"> ({played ? 'played' : started ? 'playing' : 'not played yet'})</span>
            </h3>
            {st.narration && <Narration markdown={st.narration} className="narration" />}
            {started && (
              <ol className="transcript-events" start={r.from + 1}>
                {r.skipped > 0 && (
                  <li className="muted" value={st.from + 1}>
                    {r.skipped} earlier events of this step are in the Events tab.
                  </li>
                )}
                {list.map((e) => (
                  <li key={e.seq} value={e.seq + 1} data-seq={e.seq}>
                    {e.text}
                  </li>
                ))}
              </ol>
            )}
            {played && st.expectations.length > 0 && (
              <p>
                {st.expectations.filter((x) => x.ok).length} of {st.expectations.length} expectations hold
                {st.expectations.some((x) => !x.ok)
                  ? `; failing: ${st.expectations
                      .filter((x) => !x.ok)
                      .map((x) => x.text)
                      .join('; ')}`
                  : ''}
                .
              </p>
            )}
          </section>
        );
      })}
    </div>
  );
}
