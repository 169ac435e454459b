/**
 * A video of a stepped sequence, for slides: the playback steps through a range of positions,
 * and what the stage shows is drawn onto a canvas whose stream a MediaRecorder encodes as WebM.
 * React-free; the dialog (VideoDialog.tsx) only gathers the choices and shows the progress.
 *
 * The frames are *planned* first (the positions the range visits, asked of the engine at the
 * chosen granularity), so the dialog can say how long the video will be before it is made.
 * Recording then runs two loops at once: one moves the playback to the next position every
 * `secondsPerFrame`, the other repaints the canvas a few times a second from the live stage. The
 * stage animates a single-event step (its tokens move along their wires), and the repainting
 * catches that motion, so the video moves as the page does. MediaRecorder stamps frames with wall
 * time, so a recording takes as long as the video lasts; a canvas captured with captureStream(0)
 * gives a frame exactly when requestFrame() is called, never a half-drawn one.
 *
 * Limits: the video is as smooth as the browser can serialise and decode the stage a few times
 * a second (a large VM machine paints fewer frames; each position is still held for its whole
 * time); the recording must stay in a visible tab, since hidden tabs throttle timers; the first
 * position shows a little longer than the others (the recorder's clock starts before its first
 * frame, by a fraction of a second that varies); at most MAX_FRAMES positions.
 */

import { lastFrameTime, withDuration } from './webm-duration';

/** The WebM flavours to ask MediaRecorder for, best first. */
export const MIME_TYPES = ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm'] as const;

/** The first WebM type the browser's MediaRecorder can write, or null when it can write none. */
export function pickMimeType(isTypeSupported: (type: string) => boolean): string | null {
  return MIME_TYPES.find((t) => isTypeSupported(t)) ?? null;
}

/** Whether this browser can record a canvas as WebM at all. */
export function videoSupported(): boolean {
  return (
    typeof MediaRecorder !== 'undefined' &&
    typeof HTMLCanvasElement !== 'undefined' &&
    'captureStream' in HTMLCanvasElement.prototype &&
    pickMimeType((t) => MediaRecorder.isTypeSupported(t)) !== null
  );
}

/** Most positions one video visits (at a second a frame, ten minutes). */
export const MAX_FRAMES = 600;

/** Which part of the history to record. */
export type VideoRange =
  /** The scenario step the position is in, from its start to its end. */
  | { kind: 'step' }
  /** From the position to the end of the history. */
  | { kind: 'to-end' }
  /** From the position, `count` moves at the granularity. */
  | { kind: 'moves'; count: number };

export interface RangeBounds {
  start: number;
  end: number;
  /** Moves to make at most (Infinity: until the end). */
  moves: number;
}

/** Where a range starts and ends, from the position shown and the step it lies in. */
export function rangeBounds(
  range: VideoRange,
  at: { position: number; length: number; step?: { from: number; to: number } },
): RangeBounds {
  const clamp = (p: number) => Math.max(0, Math.min(at.length, Math.round(p)));
  switch (range.kind) {
    case 'step':
      return at.step
        ? { start: clamp(at.step.from), end: clamp(at.step.to), moves: Infinity }
        : { start: clamp(at.position), end: clamp(at.position), moves: 0 };
    case 'to-end':
      return { start: clamp(at.position), end: at.length, moves: Infinity };
    case 'moves':
      return { start: clamp(at.position), end: at.length, moves: Math.max(0, Math.floor(range.count)) };
  }
}

export interface FramePlan {
  /** The positions shown, in order; the first is the start. */
  frames: number[];
  /** The range had more positions than MAX_FRAMES (or `limit`); the video stops earlier. */
  truncated: boolean;
}

/**
 * The positions a range visits: the start, then each move forward (`next(p)`: the position one
 * move after p, -1 when there is none) until the end or the number of moves. A move that goes
 * past the end stops at the end, so the range's last position is always shown.
 */
export async function planFrames(
  bounds: RangeBounds,
  next: (position: number) => Promise<number>,
  limit = MAX_FRAMES,
): Promise<FramePlan> {
  const frames = [bounds.start];
  let p = bounds.start;
  for (let moved = 0; moved < bounds.moves && p < bounds.end; moved++) {
    if (frames.length >= limit) return { frames, truncated: true };
    const n = await next(p);
    const q = n < 0 || n > bounds.end ? bounds.end : n;
    if (q <= p) break;
    frames.push(q);
    p = q;
  }
  return { frames, truncated: false };
}

export interface RecordOptions {
  /** The positions to show, in order (planFrames). */
  frames: readonly number[];
  secondsPerFrame: number;
  canvas: HTMLCanvasElement;
  /** Moves the page to `position`; resolves once the stage shows it. */
  show: (position: number) => Promise<void>;
  /** Paints the stage as it is now (with its caption) onto the canvas. */
  paint: (ctx: CanvasRenderingContext2D) => Promise<void>;
  /** Repaints per second (default 12). */
  fps?: number;
  mimeType: string;
  signal?: AbortSignal;
  /** Positions shown so far, of all. */
  onProgress?: (shown: number, total: number) => void;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });

/**
 * Records the frames as WebM; resolves with the file (with its duration written in), or rejects
 * with the signal's reason when cancelled (nothing is kept then).
 */
export async function recordVideo(o: RecordOptions): Promise<Blob> {
  const ctx = o.canvas.getContext('2d');
  if (!ctx) throw new Error('this browser gives no 2D canvas');
  o.signal?.throwIfAborted();
  const total = o.frames.length;
  const holdMs = Math.max(50, o.secondsPerFrame * 1000);
  const repaintMs = 1000 / (o.fps ?? 12);

  // The first position is painted before recording starts, so the video does not open on a blank.
  await o.show(o.frames[0]!);
  await o.paint(ctx);

  const stream = o.canvas.captureStream(0);
  const track = stream.getVideoTracks()[0] as CanvasCaptureMediaStreamTrack | undefined;
  if (!track) throw new Error('the canvas gave no video track');
  const recorder = new MediaRecorder(stream, { mimeType: o.mimeType, videoBitsPerSecond: 6_000_000 });
  const chunks: Blob[] = [];
  recorder.addEventListener('dataavailable', (e) => {
    if (e.data.size > 0) chunks.push(e.data);
  });
  const stopped = new Promise<void>((resolve) => recorder.addEventListener('stop', () => resolve()));
  const started = new Promise<void>((resolve) => recorder.addEventListener('start', () => resolve()));
  recorder.start(1000);
  await started;
  const t0 = performance.now();
  track.requestFrame();

  let painting = true;
  const repaint = (async () => {
    while (painting) {
      const t = performance.now();
      await o.paint(ctx);
      track.requestFrame();
      const wait = repaintMs - (performance.now() - t);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();

  try {
    // Each position is due at a fixed time from the start, so the time it takes the page to get
    // there (a worker round trip, a render, the repainting competing for the main thread) comes
    // out of its hold instead of adding up over the video.
    const begin = performance.now();
    const until = (due: number) => sleep(Math.max(0, due - performance.now()), o.signal);
    o.onProgress?.(1, total);
    for (let i = 1; i < total; i++) {
      await until(begin + i * holdMs);
      await o.show(o.frames[i]!);
      o.onProgress?.(i + 1, total);
    }
    await until(begin + total * holdMs);
  } finally {
    painting = false;
    await repaint.catch(() => undefined);
    if (!o.signal?.aborted) {
      // The last frame again, so the video's last frame lasts until the end.
      await o.paint(ctx).catch(() => undefined);
      track.requestFrame();
    }
    recorder.stop();
    await stopped;
    track.stop();
  }
  o.signal?.throwIfAborted();
  const webm = new Uint8Array(await new Blob(chunks).arrayBuffer());
  // The last frame lasts until the recording stopped: about one repaint.
  const last = lastFrameTime(webm);
  const durationMs = last === null ? performance.now() - t0 : last + repaintMs;
  return new Blob([withDuration(webm, durationMs)], { type: o.mimeType.split(';')[0] });
}
