/**
 * Indexes the worker derives from a history's events (the lanes, the residency lanes, the paths,
 * the tokens' names), never from a replay: each is built once per history and brought up to the
 * end of the log when it is asked for, so the console's appended events cost one pass over
 * themselves (ARCHITECTURE.md §3). An index is rebuilt when the log is shorter than what it
 * examined: another history.
 *
 * Also what reading them needs: the last entry before a position in a list kept in seq order
 * (events are appended in order, so every list an index grows is sorted), and a map of lists.
 */

import type { Machine } from '../../engine';

export interface LogIndex {
  /** Events examined: [0, upTo). */
  upTo: number;
}

/**
 * The index of a history, kept per log: `empty` starts one, `apply` reads event `seq` into it.
 * With `kinds`, only events of those kinds are read (the kinds are a column of the log: the others
 * are never built into objects).
 */
export function logIndex<I extends LogIndex>(
  empty: (m: Machine) => I,
  apply: (ix: I, m: Machine, seq: number) => void,
  kinds?: ReadonlySet<string>,
): (m: Machine) => I {
  const indexes = new WeakMap<Machine['log'], I>();
  return (m) => {
    const log = m.log;
    let ix = indexes.get(log);
    if (!ix || ix.upTo > log.length) indexes.set(log, (ix = empty(m)));
    for (let seq = ix.upTo; seq < log.length; seq++)
      if (!kinds || kinds.has(log.kindAt(seq) ?? '')) apply(ix, m, seq);
    ix.upTo = log.length;
    return ix;
  };
}

/** The index in `list` (in seq order) of the last entry whose seq is before `p`, or -1. */
export function lastIndexBefore<T>(list: readonly T[], p: number, seqOf: (t: T) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (seqOf(list[mid]!) < p) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The last entry of `list` (in seq order) whose seq is before `p`. */
export function lastBefore<T>(
  list: readonly T[] | undefined,
  p: number,
  seqOf: (t: T) => number,
): T | undefined {
  return list ? list[lastIndexBefore(list, p, seqOf)] : undefined;
}

/** Appends `value` to the list `map` holds at `key`. */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
