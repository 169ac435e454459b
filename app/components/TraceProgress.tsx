/**
 * The progress of a trace being opened: which file, which pass (download, the first pass that
 * checks every line and finds the machine's shape, the replay), how many lines, a progress bar
 * screen readers announce, and Cancel. The session that was open stays usable under it.
 */

import { appStore, useApp } from '../store';
import type { TraceProgress as Progress } from '../worker/api';
import { sizeText } from '../worker/trace-lines';
import './trace.css';

const PHASES: Record<Progress['phase'], string> = {
  download: 'downloading',
  scan: 'checking every line',
  replay: 'replaying on the model',
};

export function TraceProgress() {
  const p = useApp((s) => s.traceProgress);
  if (!p) return null;
  const pct = Math.round(p.fraction * 100);
  const bytes = p.total ? `${sizeText(p.bytes)} of ${sizeText(p.total)}` : sizeText(p.bytes);
  return (
    <div className="trace-progress" role="status" data-testid="trace-progress" data-phase={p.phase}>
      <span className="trace-progress-text">
        Opening <strong>{p.file}</strong>: {PHASES[p.phase]}
        {p.phase === 'download' ? ` (${bytes})` : `, ${p.lines.toLocaleString('en')} lines (${bytes} read)`}
      </span>
      <div
        className="trace-progress-bar"
        role="progressbar"
        aria-label={`Opening ${p.file}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        aria-valuetext={`${pct}%: ${PHASES[p.phase]}`}
        data-testid="trace-progressbar"
      >
        <div className="trace-progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <button type="button" onClick={() => appStore.getState().cancelTrace()} data-testid="trace-cancel">
        Cancel
      </button>
    </div>
  );
}
