/**
 * Which LPIs the redistributor inspector lists first. A property table filled with Linux's
 * default byte makes every LPI "configured", so the engine's view may hold thousands of rows that
 * only say "0xa2 in memory, nothing else": they are summarised (how many, which bytes) and listed
 * on demand, while the LPIs that tell a story (pending, mapped, cached, whose configuration the
 * redistributor took from somewhere other than memory, whose copy differs from memory, the one
 * the current event is about) are always listed. Pure, tested in lpis.test.ts.
 */

import type { LpiView } from '../../engine';

/** An LPI with more to say than its byte in memory. */
export function notable(l: LpiView, currentIntid?: number): boolean {
  return (
    l.differs ||
    l.pending ||
    l.mapped === true ||
    l.cached === true ||
    l.configFrom !== 'memory' ||
    l.intid === currentIntid
  );
}

export interface LpiSplit {
  /** Listed: the notable ones (or all of them). */
  shown: LpiView[];
  /** How many were left out, and their bytes in memory: [byte, count], most common first. */
  hidden: number;
  hiddenBytes: [number, number][];
}

/** The LPIs to list and a summary of the others (all of them listed when `all`). */
export function splitLpis(
  lpis: readonly LpiView[],
  currentIntid: number | undefined,
  all: boolean,
): LpiSplit {
  if (all) return { shown: [...lpis], hidden: 0, hiddenBytes: [] };
  const shown: LpiView[] = [];
  const bytes = new Map<number, number>();
  let hidden = 0;
  for (const l of lpis) {
    if (notable(l, currentIntid)) shown.push(l);
    else {
      hidden++;
      const b = l.memory ?? -1;
      bytes.set(b, (bytes.get(b) ?? 0) + 1);
    }
  }
  const hiddenBytes = [...bytes].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return { shown, hidden, hiddenBytes };
}
