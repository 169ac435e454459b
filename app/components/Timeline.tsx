/**
 * The timeline: a scrubber over the whole history (a range input, so it is keyboard-operable and
 * announced), with the scenario's steps as segments and markers where ITS commands, deliveries
 * and errors happened. Clicking a step segment jumps to that step's end. A machine that runs VMs
 * also gets the physical CPUs' lanes on the same scale (Lanes.tsx).
 */

import { appStore, useApp } from '../store';
import { Lanes } from './Lanes';

export function Timeline() {
  const position = useApp((s) => s.position);
  const length = useApp((s) => s.length);
  const session = useApp((s) => s.session);
  if (!session) return null;
  const pct = (seq: number): string => `${length ? (seq / length) * 100 : 0}%`;

  return (
    <div className="timeline" data-testid="timeline">
      <div className="timeline-track" aria-hidden="true">
        {session.steps.map((st, i) => (
          <button
            key={i}
            type="button"
            tabIndex={-1}
            className={`timeline-step ${position >= st.to ? 'reached' : ''}`}
            style={{ left: pct(st.from), width: pct(Math.max(0, st.to - st.from)) }}
            title={`Step ${i + 1}: ${st.title}`}
            onClick={() => void appStore.getState().seek(st.to)}
          />
        ))}
        {(['commands', 'deliveries', 'errors'] as const).map((k) =>
          session.marks[k].map((seq) => (
            <span key={`${k}${seq}`} className={`timeline-mark ${k}`} style={{ left: pct(seq + 0.5) }} />
          )),
        )}
      </div>
      <Lanes />
      <input
        type="range"
        min={0}
        max={length}
        step={1}
        value={position}
        aria-label="Position in the history"
        aria-valuetext={`event ${position} of ${length}`}
        onChange={(e) => void appStore.getState().seek(Number(e.target.value))}
        data-testid="scrubber"
      />
    </div>
  );
}
