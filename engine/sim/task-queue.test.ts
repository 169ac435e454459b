import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTaskQueue, queueInOrder, queuePop, queuePush, queueSize } from './task-queue';

describe('task queue', () => {
  it('pops by time, then by insertion order', () => {
    const q = createTaskQueue();
    queuePush(q, 10, -1, 'b', 1);
    queuePush(q, 5, -1, 'a', 2);
    queuePush(q, 10, -1, 'c', 3);
    queuePush(q, 5, -1, 'd', 4);
    expect(queueInOrder(q).map((t) => t.k)).toEqual(['a', 'd', 'b', 'c']);
    const popped = [];
    while (queueSize(q) > 0) popped.push(queuePop(q)!.k);
    expect(popped).toEqual(['a', 'd', 'b', 'c']);
    expect(queuePop(q)).toBeUndefined();
  });

  it('agrees with a stable sort for any schedule', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
        const q = createTaskQueue();
        times.forEach((t, i) => queuePush(q, t, -1, String(i), null));
        const expected = times
          .map((t, i) => ({ t, i }))
          .sort((x, y) => x.t - y.t || x.i - y.i)
          .map((x) => String(x.i));
        const got: string[] = [];
        for (let task = queuePop(q); task; task = queuePop(q)) got.push(task.k);
        expect(got).toEqual(expected);
      }),
    );
  });
});
