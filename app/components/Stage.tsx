/**
 * The stage as a React component: an <svg> filling its container, drawn by the React-free
 * createStage (app/stage/stage.ts). The component only measures the container, chooses how long
 * each frame's transition lasts (none for jumps and under prefers-reduced-motion, a quarter second
 * for a single step, most of the time to the next event while playing), and passes clicks on the
 * machine's boxes up as places.
 */

import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { Size } from '../stage/layout';
import { createStage, type PathView, type StageHandle } from '../stage/stage';
import { transitionMs } from '../stage/view';
import type { MachineShape, Place, StageModel, Token } from '../worker/api';

export interface StageProps {
  shape: MachineShape;
  stage: StageModel;
  /** Playback speed in events per second. */
  speed: number;
  playing: boolean;
  /** GICv4: the path brought forward (the other is dimmed). */
  path?: PathView;
  /** A box was clicked (or Enter/Space pressed on it). */
  onSelectPlace?: (place: Place) => void;
  /** An interrupt token was clicked. */
  onSelectToken?: (token: Token) => void;
}

const REDUCED_MOTION = '(prefers-reduced-motion: reduce)';

function subscribeReducedMotion(onChange: () => void): () => void {
  const mq = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(REDUCED_MOTION) : null;
  mq?.addEventListener('change', onChange);
  return () => mq?.removeEventListener('change', onChange);
}

const prefersReducedMotion = (): boolean =>
  typeof window !== 'undefined' && !!window.matchMedia && window.matchMedia(REDUCED_MOTION).matches;

export function Stage({ shape, stage, speed, playing, path, onSelectPlace, onSelectToken }: StageProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const handleRef = useRef<StageHandle | null>(null);
  const lastPosition = useRef<number | null>(null);
  const [size, setSize] = useState<Size | null>(null);
  const reducedMotion = useSyncExternalStore(subscribeReducedMotion, prefersReducedMotion, () => false);

  // Read by the stage's handlers and the frame effect, without re-running either when they change.
  const latest = useRef({ onSelectPlace, onSelectToken, speed, playing, reducedMotion });
  useEffect(() => {
    latest.current = { onSelectPlace, onSelectToken, speed, playing, reducedMotion };
  }, [onSelectPlace, onSelectToken, speed, playing, reducedMotion]);

  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const ro = new ResizeObserver((entries) => {
      const r = entries[entries.length - 1]?.contentRect;
      if (!r || r.width <= 0 || r.height <= 0) return;
      const next = { width: Math.round(r.width), height: Math.round(r.height) };
      setSize((s) => (s && s.width === next.width && s.height === next.height ? s : next));
    });
    ro.observe(box);
    return () => ro.disconnect();
  }, []);

  useEffect(
    () => () => {
      handleRef.current?.destroy();
      handleRef.current = null;
      lastPosition.current = null;
    },
    [],
  );

  useEffect(() => {
    const svg = svgRef.current;
    if (!svg || !size) return;
    if (handleRef.current) handleRef.current.resize(size);
    else
      handleRef.current = createStage(svg, {
        size,
        onSelectPlace: (p) => latest.current.onSelectPlace?.(p),
        onSelectToken: (t) => latest.current.onSelectToken?.(t),
      });
  }, [size]);

  const ready = size !== null;
  useEffect(() => {
    const h = handleRef.current;
    if (!h || !ready) return;
    const last = lastPosition.current;
    lastPosition.current = stage.position;
    const { playing: p, speed: v, reducedMotion: rm } = latest.current;
    const delta = last === null ? Infinity : stage.position - last;
    h.update(
      { shape, stage, ...(path ? { path } : {}) },
      { durationMs: transitionMs({ delta, playing: p, speed: v, reducedMotion: rm }) },
    );
  }, [shape, stage, path, ready]);

  return (
    // While playing, tokens take no pointer events: the browser need not hit-test hundreds of
    // moving shapes every frame, and a click lands on the box under them.
    <div className="stage-container" ref={boxRef} data-testid="stage" data-playing={playing || undefined}>
      <svg ref={svgRef} className="stage" />
    </div>
  );
}
