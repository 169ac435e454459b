/**
 * Playback: step back and forward at a granularity, jump to either end, play and pause at a speed,
 * and the timeline. Every control is a real button or select (keyboard reachable, labelled); the
 * same actions have shortcuts (app/keyboard.ts, listed in the help overlay).
 */

import { appStore, useApp } from '../store';
import { SPEEDS } from '../store/playback-slice';
import type { Granularity } from '../worker/api';
import { Breakpoints } from './Breakpoints';
import { Icon } from './Icon';
import { Timeline } from './Timeline';

const GRANULARITIES: { value: Granularity; label: string }[] = [
  { value: 'event', label: 'event' },
  { value: 'transaction', label: 'transaction' },
  { value: 'command', label: 'ITS command' },
  { value: 'delivery', label: 'delivery' },
  { value: 'step', label: 'scenario step' },
];

/** "event p of n": the one part of the bar that changes every frame while playing. */
function Position() {
  const position = useApp((s) => s.position);
  const length = useApp((s) => s.length);
  return (
    <output
      className="position"
      data-testid="position"
      data-position={position}
      data-length={length}
      // Wide enough for the largest position: the bar never reflows while playing.
      style={{ minWidth: `${10 + 2 * String(length).length}ch` }}
    >
      event {position} of {length}
    </output>
  );
}

export function PlaybackBar() {
  // Booleans, not the position: the buttons re-render when they change state, not every frame.
  const atStart = useApp((s) => s.position === 0);
  const atEnd = useApp((s) => s.position >= s.length);
  const length = useApp((s) => s.length);
  const playing = useApp((s) => s.playing);
  const speed = useApp((s) => s.speed);
  const granularity = useApp((s) => s.granularity);
  const ready = useApp((s) => s.session !== null);
  const st = appStore.getState;

  return (
    <div className="playback" role="toolbar" aria-label="Playback" data-testid="playback">
      <div className="controls">
        <button
          type="button"
          onClick={() => void st().jumpStart()}
          disabled={!ready || atStart}
          title="Jump to the start (Home)"
          aria-label="Jump to the start"
          data-testid="jump-start"
        >
          <Icon name="jump-start" />
        </button>
        <button
          type="button"
          onClick={() => void st().stepBack()}
          disabled={!ready || atStart}
          title="Step back (←)"
          aria-label="Step back"
        >
          <Icon name="step-back" />
        </button>
        <button
          type="button"
          className="play"
          onClick={() => st().togglePlay()}
          disabled={!ready || length === 0}
          title="Play / pause (Space)"
          aria-label={playing ? 'Pause' : 'Play'}
          data-testid="play"
        >
          <Icon name={playing ? 'pause' : 'play'} />
        </button>
        <button
          type="button"
          onClick={() => void st().stepForward()}
          disabled={!ready || atEnd}
          title="Step forward (→)"
          aria-label="Step forward"
          data-testid="step-forward"
        >
          <Icon name="step-forward" />
        </button>
        <button
          type="button"
          onClick={() => void st().jumpEnd()}
          disabled={!ready || atEnd}
          title="Jump to the end (End)"
          aria-label="Jump to the end"
          data-testid="jump-end"
        >
          <Icon name="jump-end" />
        </button>
        <label>
          step by{' '}
          <select
            value={granularity}
            onChange={(e) => st().setGranularity(e.target.value as Granularity)}
            data-testid="granularity"
          >
            {GRANULARITIES.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          speed{' '}
          <select
            value={speed}
            title="Events per second while playing (+ / -)"
            onChange={(e) => st().setSpeed(Number(e.target.value))}
            data-testid="speed"
          >
            {SPEEDS.map((v) => (
              <option key={v} value={v}>
                {v} ev/s
              </option>
            ))}
          </select>
        </label>
        <Breakpoints />
        <Position />
      </div>
      <Timeline />
    </div>
  );
}
