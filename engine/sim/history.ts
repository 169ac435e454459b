/**
 * Time travel: periodic snapshots plus a journal of outside inputs, so that `seek(seq)` lands on
 * the exact state after any event by restoring the nearest earlier snapshot and replaying.
 *
 * Replay is exact because the model is deterministic: tasks run in (time, insertion) order, the
 * only randomness is the seeded generator inside the state, and every outside input is journalled
 * with the seq and model time at which it was applied. The cost of a seek is one snapshot restore
 * plus at most one interval of steps, whatever the length of the history (ARCHITECTURE.md §7).
 *
 * The interval adapts to the state: a snapshot costs time in proportion to the state's weight
 * (the hooks say what that is, e.g. how many map entries it holds), so a heavy state is
 * snapshotted less often. The engine has no clock; weight stands in for time. With `interval`
 * events per unit of weight, bounded below by `minInterval` and above by `maxInterval`, snapshots
 * cost a small, fixed share of execution and a seek replays at most `maxInterval` events.
 */

import {
  InternalError,
  runSilentTasks,
  step,
  type CoreState,
  type HandlerTable,
  type SimContext,
} from './kernel';

export interface JournalEntry<I> {
  /** seq of the event the input emitted. */
  seq: number;
  /** Tasks run before it (CoreState.tasks), including silent ones after the previous event. */
  tasks: number;
  /** Model time at which it was applied (time may have advanced with no event before it). */
  time: number;
  input: I;
}

export interface HistoryHooks<S> {
  /** A copy of `s` that later mutation of either side cannot disturb. */
  clone(s: S): S;
  /** Relative cost of cloning `s` (1 for a small state). */
  weigh?(s: S): number;
}

export interface SnapshotPolicy {
  /** Events between snapshots per unit of state weight. */
  perWeight: number;
  minInterval: number;
  maxInterval: number;
}

/**
 * Weight is in microseconds of copying, but a snapshot costs three or four times its copy: the
 * copy survives young-generation collections, which move it twice, and every major collection
 * marks it again. 200 events per unit of weight keeps that near 5% of what events cost; snapshots
 * come at least 4096 events apart, so a small state does not snapshot for nothing, and at most
 * 32768, so a seek replays tens of milliseconds at worst.
 */
export const DEFAULT_SNAPSHOTS: SnapshotPolicy = { perWeight: 200, minInterval: 4096, maxInterval: 32768 };

export class History<S extends { core: CoreState }, I> {
  private snaps: { seq: number; state: S }[] = [];
  private inputs: JournalEntry<I>[] = [];

  private next: number;

  constructor(
    private readonly hooks: HistoryHooks<S>,
    initial: S,
    readonly policy: SnapshotPolicy = DEFAULT_SNAPSHOTS,
  ) {
    this.snaps.push({ seq: initial.core.seq, state: hooks.clone(initial) });
    this.next = initial.core.seq + this.intervalFor(initial);
  }

  private intervalFor(s: S): number {
    const w = this.hooks.weigh ? this.hooks.weigh(s) : 1;
    const p = this.policy;
    return Math.max(p.minInterval, Math.min(p.maxInterval, Math.round(w * p.perWeight)));
  }

  get snapshotCount(): number {
    return this.snaps.length;
  }

  get journal(): readonly JournalEntry<I>[] {
    return this.inputs;
  }

  /** Called after each event; keeps a snapshot whenever the interval has passed. */
  afterEvent(s: S): void {
    if (s.core.seq < this.next) return;
    this.snaps.push({ seq: s.core.seq, state: this.hooks.clone(s) });
    this.next = s.core.seq + this.intervalFor(s);
  }

  /** Records an input applied at `seq` (the future after it has already been dropped by `branch`). */
  record(seq: number, tasks: number, time: number, input: I): void {
    this.inputs.push({ seq, tasks, time, input });
  }

  /** Forgets everything recorded at or after `seq`: a different future starts there. */
  branch(seq: number): void {
    while (this.snaps.length > 1 && this.snaps[this.snaps.length - 1]!.seq > seq) this.snaps.pop();
    while (this.inputs.length > 0 && this.inputs[this.inputs.length - 1]!.seq >= seq) this.inputs.pop();
    const last = this.snaps[this.snaps.length - 1]!;
    this.next = Math.max(seq, last.seq + this.intervalFor(last.state));
  }

  /** A private copy of the latest snapshot at or before `seq`. */
  restorePoint(seq: number): S {
    let lo = 0;
    let hi = this.snaps.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.snaps[mid]!.seq <= seq) lo = mid;
      else hi = mid - 1;
    }
    return this.hooks.clone(this.snaps[lo]!.state);
  }

  /** Index of the first journal entry with seq >= `seq`. */
  firstInputAtOrAfter(seq: number): number {
    let lo = 0;
    let hi = this.inputs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.inputs[mid]!.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Puts `m` in the state it had right after event `target - 1` (i.e. with `target` events
 * emitted). `target` must not exceed the recorded history.
 */
export function replayTo<M extends SimContext<S>, S extends { core: CoreState }, I>(
  m: M,
  history: History<S, I>,
  target: number,
  handlers: HandlerTable<M>,
  applyJournalled: (m: M, input: I) => void,
): void {
  if (target < m.log.first || target > m.log.length)
    throw new InternalError(`seek target ${target} outside history ${m.log.first}..${m.log.length}`);
  m.s = history.restorePoint(target);
  const journal = history.journal;
  let j = history.firstInputAtOrAfter(m.s.core.seq);
  while (m.s.core.seq < target) {
    const entry = journal[j];
    if (entry && entry.seq === m.s.core.seq) {
      if (!runSilentTasks(m, handlers, entry.tasks))
        throw new InternalError(`replay diverged before the input at ${entry.seq}`);
      m.s.core.time = entry.time;
      applyJournalled(m, entry.input);
      j++;
      continue;
    }
    if (step(m, handlers) < 0) throw new InternalError(`replay ran dry at ${m.s.core.seq} before ${target}`);
  }
}
