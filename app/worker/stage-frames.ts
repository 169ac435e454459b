/**
 * The stage model at every position of a history, for the tests that check it against the engine
 * position by position (vm-stage.test.ts, v4-stage.test.ts): as the worker builds a frame, after
 * seeking the machine there.
 */

import type { Machine } from '../../engine';
import type { StageModel } from './api';
import { stageModel } from './stage-model';

/** The stage model at every position p of `m`'s history (after event p - 1). */
export function stageFrames(m: Machine): StageModel[] {
  const out: StageModel[] = [];
  for (let p = 0; p <= m.log.length; p++) {
    m.seek(p);
    out.push(stageModel(m, p, p > 0 ? m.log.get(p - 1) : undefined));
  }
  return out;
}
