import { describe, expect, it } from 'vitest';
import { MAX_FRAMES, pickMimeType, planFrames, rangeBounds } from './video';

describe('pickMimeType', () => {
  it('prefers VP9, then VP8, then any WebM', () => {
    expect(pickMimeType(() => true)).toBe('video/webm;codecs=vp9');
    expect(pickMimeType((t) => !t.includes('vp9'))).toBe('video/webm;codecs=vp8');
    expect(pickMimeType((t) => t === 'video/webm')).toBe('video/webm');
    expect(pickMimeType(() => false)).toBeNull();
  });
});

describe('rangeBounds', () => {
  const at = { position: 12, length: 63, step: { from: 10, to: 27 } };

  it('records the whole step the position is in', () => {
    expect(rangeBounds({ kind: 'step' }, at)).toEqual({ start: 10, end: 27, moves: Infinity });
  });

  it('records from the position to the end', () => {
    expect(rangeBounds({ kind: 'to-end' }, at)).toEqual({ start: 12, end: 63, moves: Infinity });
  });

  it('records a number of moves from the position', () => {
    expect(rangeBounds({ kind: 'moves', count: 5 }, at)).toEqual({ start: 12, end: 63, moves: 5 });
    expect(rangeBounds({ kind: 'moves', count: -3 }, at).moves).toBe(0);
  });

  it('stays inside the history', () => {
    expect(rangeBounds({ kind: 'step' }, { position: 5, length: 8, step: { from: 0, to: 99 } })).toEqual({
      start: 0,
      end: 8,
      moves: Infinity,
    });
    expect(rangeBounds({ kind: 'step' }, { position: 5, length: 8 })).toEqual({ start: 5, end: 5, moves: 0 });
  });
});

describe('planFrames', () => {
  /** A history whose moves land on the given positions (an engine's find, at some granularity). */
  const stops =
    (...ps: number[]) =>
    (p: number) =>
      Promise.resolve(ps.find((q) => q > p) ?? -1);

  it('visits the start, then every move to the end', async () => {
    const plan = await planFrames({ start: 10, end: 27, moves: Infinity }, stops(12, 15, 20, 27, 40));
    expect(plan).toEqual({ frames: [10, 12, 15, 20, 27], truncated: false });
  });

  it('ends on the range’s end when a move would go past it', async () => {
    const plan = await planFrames({ start: 10, end: 18, moves: Infinity }, stops(12, 30));
    expect(plan.frames).toEqual([10, 12, 18]);
  });

  it('ends on the end when there is no further move (the engine says -1)', async () => {
    expect((await planFrames({ start: 0, end: 9, moves: Infinity }, stops(4))).frames).toEqual([0, 4, 9]);
  });

  it('makes only the moves asked for', async () => {
    const plan = await planFrames({ start: 0, end: 63, moves: 3 }, stops(1, 2, 3, 4, 5));
    expect(plan.frames).toEqual([0, 1, 2, 3]);
  });

  it('is a single frame when the range is empty', async () => {
    expect((await planFrames({ start: 5, end: 5, moves: Infinity }, stops(6))).frames).toEqual([5]);
  });

  it('stops at the frame limit and says so', async () => {
    const plan = await planFrames({ start: 0, end: 10_000, moves: Infinity }, (p) => Promise.resolve(p + 1));
    expect(plan.frames).toHaveLength(MAX_FRAMES);
    expect(plan.truncated).toBe(true);
  });

  it('does not loop on an engine that does not move forward', async () => {
    const plan = await planFrames({ start: 3, end: 10, moves: Infinity }, () => Promise.resolve(3));
    expect(plan.frames).toEqual([3]);
  });
});
