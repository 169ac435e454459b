/**
 * The model's pending work: a binary min-heap of tasks ordered by (time, insertion number).
 *
 * A task is plain data (a kind, its arguments and the seq of the event that caused it), so the
 * queue is part of the machine state and is snapshotted with it. Ties in time resolve by
 * insertion order, which makes the schedule, and so the event log, deterministic.
 */

export interface Task<A = unknown> {
  /** Model time (ns) at which the task runs. */
  t: number;
  /** Insertion number: the tie-breaker for tasks due at the same time. */
  n: number;
  /** seq of the event that scheduled this task (-1 for none). Becomes the cause of its event. */
  cause: number;
  /** Task kind: which handler runs it. */
  k: string;
  /** The handler's arguments (plain data). */
  a: A;
}

export interface TaskQueueState {
  heap: Task[];
  nextN: number;
}

export function createTaskQueue(): TaskQueueState {
  return { heap: [], nextN: 0 };
}

const before = (x: Task, y: Task): boolean => x.t < y.t || (x.t === y.t && x.n < y.n);

export function queuePush<A>(q: TaskQueueState, t: number, cause: number, k: string, a: A): void {
  const task: Task = { t, n: q.nextN++, cause, k, a };
  const h = q.heap;
  let i = h.length;
  h.push(task);
  while (i > 0) {
    const p = (i - 1) >> 1;
    const parent = h[p]!;
    if (!before(task, parent)) break;
    h[i] = parent;
    i = p;
  }
  h[i] = task;
}

export function queuePeek(q: TaskQueueState): Task | undefined {
  return q.heap[0];
}

export function queuePop(q: TaskQueueState): Task | undefined {
  const h = q.heap;
  const top = h[0];
  if (top === undefined) return undefined;
  const last = h.pop()!;
  const n = h.length;
  if (n > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
  return top;
}

export function queueSize(q: TaskQueueState): number {
  return q.heap.length;
}

/** Tasks in the order they will run (for inspection; O(n log n)). */
export function queueInOrder(q: TaskQueueState): Task[] {
  return [...q.heap].sort((x, y) => (before(x, y) ? -1 : before(y, x) ? 1 : 0));
}
