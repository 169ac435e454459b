/**
 * The video dialog: which range to record (this scenario step, from here to the end, or the next
 * N moves), how far each move goes (the playback's granularity, to start with), how long each
 * position stays on screen, and whether a caption band says what happens. It shows how many
 * frames and seconds that makes before anything is recorded, then the progress with a Cancel
 * button (Escape cancels too). The recording itself is actions.ts and video.ts.
 */

import { useEffect, useRef, useState, type FormEvent } from 'react';
import { appStore, useApp } from '../store';
import type { Granularity } from '../worker/api';
import { exportVideo, planVideo, type VideoChoice } from './actions';
import { MAX_FRAMES, type FramePlan } from './video';

const GRANULARITIES: { value: Granularity; label: string }[] = [
  { value: 'event', label: 'the next event' },
  { value: 'transaction', label: 'the next transaction' },
  { value: 'command', label: 'the next ITS command' },
  { value: 'delivery', label: 'the next delivery' },
  { value: 'step', label: 'the next scenario step' },
];

type RangeKind = 'step' | 'to-end' | 'moves';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const seconds = (s: number): string =>
  s < 90 ? `${Math.round(s)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;

export function VideoDialog({ onClose }: { onClose: (saved?: string) => void }) {
  const session = useApp((s) => s.session);
  const length = useApp((s) => s.length);
  // Where the page was when the dialog opened: recording moves it, and the choices are about
  // (and the page comes back to) this position.
  const [{ position, stepIndex, playbackGranularity }] = useState(() => {
    const s = appStore.getState();
    return {
      position: s.frame?.position ?? s.position,
      stepIndex: s.frame?.step ?? 0,
      playbackGranularity: s.granularity,
    };
  });
  const step = session?.steps[stepIndex];

  const [range, setRange] = useState<RangeKind>('step');
  const [moves, setMoves] = useState('10');
  const [granularity, setGranularity] = useState<Granularity>(playbackGranularity);
  const [spf, setSpf] = useState('1.5');
  const [caption, setCaption] = useState(true);
  const [plan, setPlan] = useState<FramePlan | null>(null);
  const [progress, setProgress] = useState<{ shown: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const abort = useRef<AbortController | null>(null);
  const recording = progress !== null;

  const count = Math.max(1, Math.min(MAX_FRAMES, Math.floor(Number(moves)) || 1));
  const secondsPerFrame = Math.max(0.25, Math.min(10, Number(spf) || 1.5));

  useEffect(() => {
    dialog.current?.showModal();
    return () => abort.current?.abort();
  }, []);

  // The plan follows the choices (a few quick questions to the engine).
  useEffect(() => {
    let stale = false;
    const r = range === 'moves' ? { kind: range, count } : { kind: range };
    planVideo({ range: r, granularity }).then(
      (p) => !stale && setPlan(p),
      (e: unknown) => !stale && setError(message(e)),
    );
    return () => {
      stale = true;
    };
  }, [range, count, granularity]);

  const record = async (e: FormEvent) => {
    e.preventDefault();
    if (!plan || recording) return;
    const choice: VideoChoice = {
      range: range === 'moves' ? { kind: 'moves', count } : { kind: range },
      granularity,
      secondsPerFrame,
      caption,
    };
    const ac = new AbortController();
    abort.current = ac;
    setError(null);
    setProgress({ shown: 0, total: plan.frames.length });
    try {
      const name = await exportVideo(choice, plan, {
        signal: ac.signal,
        onProgress: (shown, total) => setProgress({ shown, total }),
      });
      onClose(name);
    } catch (err) {
      setProgress(null);
      setError(
        ac.signal.aborted ? 'Recording cancelled; nothing was saved.' : `Could not record: ${message(err)}`,
      );
    } finally {
      abort.current = null;
    }
  };

  const frames = plan?.frames.length ?? 0;
  const last = plan?.frames[frames - 1];

  return (
    <dialog
      ref={dialog}
      className="modal export-video"
      aria-labelledby="export-video-title"
      // Keys in the dialog are the dialog's: none reaches the page's shortcuts.
      onKeyDown={(e) => e.stopPropagation()}
      onCancel={(e) => {
        // Escape while recording cancels the recording (the dialog stays to say so).
        if (recording) {
          e.preventDefault();
          abort.current?.abort();
        }
      }}
      onClose={() => {
        if (!recording) onClose();
      }}
      data-testid="export-video-dialog"
    >
      <form onSubmit={(e) => void record(e)}>
        <h2 id="export-video-title">Video of the steps</h2>
        <p className="ev-intro">
          The playback steps through a range while the stage is recorded as WebM video, for slides. It takes
          as long as the video lasts; keep this tab in view. The page returns to event {position} afterwards.
        </p>
        <fieldset disabled={recording}>
          <legend>Record</legend>
          <label className="ev-choice">
            <input
              type="radio"
              name="ev-range"
              checked={range === 'step'}
              onChange={() => setRange('step')}
              data-testid="video-range-step"
            />
            <span>
              this scenario step{step ? `: ${step.title}` : ''}{' '}
              <small>
                (events {step?.from ?? position} to {step?.to ?? position})
              </small>
            </span>
          </label>
          <label className="ev-choice">
            <input
              type="radio"
              name="ev-range"
              checked={range === 'to-end'}
              onChange={() => setRange('to-end')}
              data-testid="video-range-to-end"
            />
            <span>
              from here to the end{' '}
              <small>
                (event {position} to {length})
              </small>
            </span>
          </label>
          <label className="ev-choice">
            <input
              type="radio"
              name="ev-range"
              checked={range === 'moves'}
              onChange={() => setRange('moves')}
              data-testid="video-range-moves"
            />
            <span>
              the next{' '}
              <input
                type="number"
                min={1}
                max={MAX_FRAMES}
                value={moves}
                aria-label="Number of moves"
                onChange={(e) => {
                  setMoves(e.target.value);
                  setRange('moves');
                }}
                data-testid="video-moves"
              />{' '}
              moves
            </span>
          </label>
          <label className="ev-field">
            <span>Each move goes to</span>
            <select
              value={granularity}
              onChange={(e) => setGranularity(e.target.value as Granularity)}
              data-testid="video-granularity"
            >
              {GRANULARITIES.map((g) => (
                <option key={g.value} value={g.value}>
                  {g.label}
                </option>
              ))}
            </select>
          </label>
          <label className="ev-field">
            <span>Seconds per frame</span>
            <input
              type="number"
              min={0.25}
              max={10}
              step={0.25}
              value={spf}
              onChange={(e) => setSpf(e.target.value)}
              data-testid="video-spf"
            />
          </label>
          <label className="ev-check">
            <input
              type="checkbox"
              checked={caption}
              onChange={(e) => setCaption(e.target.checked)}
              data-testid="video-caption"
            />
            <span>Caption: the step and what each event does, under the stage</span>
          </label>
        </fieldset>
        <p className="ev-summary" role="status" data-testid="video-plan">
          {plan
            ? `${frames} frame${frames === 1 ? '' : 's'} (event ${plan.frames[0]} to ${last}), ${seconds(
                frames * secondsPerFrame,
              )} of video${plan.truncated ? ` — only the first ${MAX_FRAMES} positions` : ''}`
            : 'Working out the frames…'}
        </p>
        {progress && (
          <div className="ev-progress">
            <progress
              value={progress.shown}
              max={progress.total}
              aria-label="Recording progress"
              data-testid="video-progress"
            />
            <span>
              Recording frame {progress.shown} of {progress.total}…
            </span>
          </div>
        )}
        {error && (
          <p className="ev-error" role="alert" data-testid="video-error">
            {error}
          </p>
        )}
        <div className="ev-actions">
          {recording ? (
            <button type="button" onClick={() => abort.current?.abort()} data-testid="video-cancel">
              Cancel recording
            </button>
          ) : (
            <>
              <button type="button" onClick={() => onClose()}>
                Close
              </button>
              <button type="submit" className="run" disabled={!plan} data-testid="video-record">
                Record
              </button>
            </>
          )}
        </div>
      </form>
    </dialog>
  );
}
