import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptyProgress,
  mergeProgress,
  parseProgress,
  progressToText,
  recordPlace,
  type LessonPlace,
  type Progress,
} from './progress';

const place = (position: number, over: Partial<LessonPlace> = {}): LessonPlace => ({
  id: 'track2-why-inv-exists',
  title: 'Why INV exists',
  file: 'track2/2.3-why-inv-exists.json',
  position,
  length: 100,
  passed: true,
  steps: [
    { to: 10, predicts: false },
    { to: 40, predicts: true, answer: 1 },
    { to: 100, predicts: true, answer: 0 },
  ],
  ...over,
});
const T1 = '2026-11-21T10:00:00.000Z';
const T2 = '2026-11-21T11:00:00.000Z';

describe('recordPlace', () => {
  it('records the position, the steps reached and the lesson as last', () => {
    const p = recordPlace(emptyProgress(), place(40), {}, T1);
    expect(p.last).toBe('track2-why-inv-exists');
    expect(p.lessons['track2-why-inv-exists']).toMatchObject({
      position: 40,
      reached: 2,
      steps: 3,
      completed: false,
    });
  });

  it('records a prediction once its step has played, right or wrong, and only the first answer', () => {
    let p = recordPlace(emptyProgress(), place(10), { 1: 0 }, T1);
    expect(p.lessons['track2-why-inv-exists']!.predictions).toEqual({});
    p = recordPlace(p, place(40), { 1: 0 }, T1);
    expect(p.lessons['track2-why-inv-exists']!.predictions).toEqual({ 1: { picked: 0, right: false } });
    p = recordPlace(p, place(100), { 1: 1, 2: 0 }, T2);
    expect(p.lessons['track2-why-inv-exists']!.predictions).toEqual({
      1: { picked: 0, right: false },
      2: { picked: 0, right: true },
    });
  });

  it('finishes a lesson at its end only when its expectations hold, and stays finished', () => {
    expect(
      recordPlace(emptyProgress(), place(100, { passed: false }), {}, T1).lessons['track2-why-inv-exists']!
        .completed,
    ).toBe(false);
    const done = recordPlace(emptyProgress(), place(100), {}, T1);
    expect(done.lessons['track2-why-inv-exists']!.completed).toBe(true);
    const back = recordPlace(done, place(0), {}, T2).lessons['track2-why-inv-exists']!;
    expect(back).toMatchObject({ completed: true, reached: 3, position: 0 });
  });
});

describe('parseProgress', () => {
  it('round-trips what it writes', () => {
    const p = recordPlace(emptyProgress(), place(40), { 1: 1 }, T1);
    expect(parseProgress(progressToText(p))).toEqual({ ok: true, progress: p });
  });

  it('names what is wrong', () => {
    const error = (text: string): string => {
      const r = parseProgress(text);
      return r.ok ? '' : r.error;
    };
    expect(error('{')).toMatch(/not JSON/);
    expect(error('{"format":"other","lessons":{}}')).toMatch(/not a GIC Lab progress file/);
    const p = recordPlace(emptyProgress(), place(40), {}, T1) as unknown as {
      lessons: Record<string, Record<string, unknown>>;
    };
    p.lessons['track2-why-inv-exists']!.position = -3;
    expect(error(JSON.stringify(p))).toMatch(/lessons\.track2-why-inv-exists\.position/);
    expect(error('x'.repeat(2 * 1024 * 1024))).toMatch(/bytes/);
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const r = parseProgress(text);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });
});

describe('mergeProgress', () => {
  const a = recordPlace(emptyProgress(), place(40), { 1: 1 }, T1);
  const b = recordPlace(emptyProgress(), place(100), { 1: 0, 2: 0 }, T2);

  it("keeps the more advanced record of each lesson and this browser's first answers", () => {
    const m = mergeProgress(a, b).lessons['track2-why-inv-exists']!;
    expect(m).toMatchObject({ completed: true, reached: 3, position: 100 });
    expect(m.predictions).toEqual({ 1: { picked: 1, right: true }, 2: { picked: 0, right: true } });
  });

  it('adds lessons only the other has, and never loses one', () => {
    const other: Progress = recordPlace(
      emptyProgress(),
      place(10, { id: 'track1-sgis', file: 'track1/1.1-sgis.json' }),
      {},
      T2,
    );
    const m = mergeProgress(a, other);
    expect(Object.keys(m.lessons).sort()).toEqual(['track1-sgis', 'track2-why-inv-exists']);
    expect(mergeProgress(emptyProgress(), a)).toEqual({ ...a });
  });
});
