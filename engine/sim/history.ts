/**
 * Time travel: periodic snapshots plus a journal of outside inputs, so that `seek(seq)` lands on
 * the exact state after any event by restoring the nearest earlier snapshot and replaying.
 *
 * Replay is exact because the model is deterministic: tasks run in (time, insertion) order, the
 * only randomness is the seeded generator inside the state, and every outside input is journalled
 * with the seq and model time at which it was applied. The cost of a seek is one snapshot restore
 * plus at most `interval` steps, whatever the length of the history (ARCHITECTURE.md §7).
 */

import { InternalError, step, type CoreState, type HandlerTable, type SimContext } from './kernel';

export interface JournalEntry<I> {
  /** seq of the event the input emitted. */
  seq: number;
  /** Model time at which it was applied (time may have advanced with no event before it). */
  time: number;
  input: I;
}

export interface HistoryHooks<S> {
  /** A copy of `s` that later mutation of either side cannot disturb. */
  clone(s: S): S;
}

export class History<S extends { core: CoreState }, I> {
  private snaps: { seq: number; state: S }[] = [];
  private inputs: JournalEntry<I>[] = [];

  constructor(
    private readonly hooks: HistoryHooks<S>,
    initial: S,
    /** Events between snapshots. */
    readonly interval = 1024,
  ) {
    this.snaps.push({ seq: initial.core.seq, state: hooks.clone(initial) });
  }

  get snapshotCount(): number {
    return this.snaps.length;
  }

  get journal(): readonly JournalEntry<I>[] {
    return this.inputs;
  }

  /** Called after each event; keeps a snapshot every `interval` events. */
  afterEvent(s: S): void {
    const last = this.snaps[this.snaps.length - 1]!;
    if (s.core.seq >= last.seq + this.interval)
      this.snaps.push({ seq: s.core.seq, state: this.hooks.clone(s) });
  }

  /** Records an input applied at `seq` (the future after it has already been dropped by `branch`). */
  record(seq: number, time: number, input: I): void {
    this.inputs.push({ seq, time, input });
  }

  /** Forgets everything recorded at or after `seq`: a different future starts there. */
  branch(seq: number): void {
    while (this.snaps.length > 1 && this.snaps[this.snaps.length - 1]!.seq > seq) this.snaps.pop();
    while (this.inputs.length > 0 && this.inputs[this.inputs.length - 1]!.seq >= seq) this.inputs.pop();
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
  if (target < 0 || target > m.log.length)
    throw new InternalError(`seek target ${target} outside history 0..${m.log.length}`);
  m.s = history.restorePoint(target);
  const journal = history.journal;
  let j = history.firstInputAtOrAfter(m.s.core.seq);
  while (m.s.core.seq < target) {
    const entry = journal[j];
    if (entry && entry.seq === m.s.core.seq) {
      m.s.core.time = entry.time;
      applyJournalled(m, entry.input);
      j++;
      continue;
    }
    if (step(m, handlers) < 0) throw new InternalError(`replay ran dry at ${m.s.core.seq} before ${target}`);
  }
}
