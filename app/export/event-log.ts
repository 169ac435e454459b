/**
 * The whole narrated event log, fetched from the engine worker a page at a time: `events(from,
 * to)` answers at most a few thousand rows per call (app/worker/engine-host.ts,
 * MAX_EVENTS_PER_CALL), so one call cannot clone a huge log across the worker boundary at once.
 * Each page continues after the last row received, so a worker that answers fewer rows than
 * asked still yields the whole log, and one that answers none stops the loop with an error
 * instead of spinning.
 */

import type { EngineClient, EventRow } from '../worker/api';

/** Rows asked for per call: the worker's own limit (MAX_EVENTS_PER_CALL in engine-host.ts). */
export const PAGE = 5000;

export async function fetchEventLog(
  engine: Pick<EngineClient, 'events'>,
  length: number,
  opts: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<EventRow[]> {
  const rows: EventRow[] = [];
  let at = 0;
  while (at < length) {
    opts.signal?.throwIfAborted();
    const page = await engine.events(at, Math.min(length, at + PAGE));
    if (page.length === 0) throw new Error(`the engine returned no events from #${at} (of ${length})`);
    for (const r of page) {
      if (r.seq !== at) throw new Error(`the engine returned event #${r.seq} where #${at} was expected`);
      rows.push(r);
      at++;
    }
    opts.onProgress?.(at, length);
  }
  return rows;
}
