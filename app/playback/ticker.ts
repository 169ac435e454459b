/**
 * Drives playing: once per animation frame, tells the store how much wall time passed, and the
 * store advances the position by that many events at the chosen speed. The loop runs only while
 * the store says it is playing, so an idle page does no work.
 */

import type { AppStore } from '../store/store';

export function startTicker(store: AppStore): () => void {
  let raf = 0;
  let last = 0;
  const frame = (now: number): void => {
    const dt = last ? Math.min(250, now - last) : 16;
    last = now;
    void store.getState().tick(dt);
    raf = store.getState().playing ? requestAnimationFrame(frame) : 0;
    if (!raf) last = 0;
  };
  const unsubscribe = store.subscribe((s, prev) => {
    if (s.playing && !prev.playing && !raf) raf = requestAnimationFrame(frame);
  });
  return () => {
    unsubscribe();
    if (raf) cancelAnimationFrame(raf);
  };
}
