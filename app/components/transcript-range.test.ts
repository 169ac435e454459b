import { describe, expect, it } from 'vitest';
import { MAX_EVENTS_PER_STEP, transcriptRange } from './Transcript';

describe('transcriptRange', () => {
  it('lists a step up to the position shown', () => {
    expect(transcriptRange({ from: 10, to: 30 }, 20)).toEqual({ from: 10, to: 20, skipped: 0 });
    expect(transcriptRange({ from: 10, to: 30 }, 50)).toEqual({ from: 10, to: 30, skipped: 0 });
  });

  it('lists nothing of a step not started', () => {
    expect(transcriptRange({ from: 10, to: 30 }, 5)).toEqual({ from: 10, to: 10, skipped: 0 });
  });

  it('keeps the last events of a long step and counts the others', () => {
    const r = transcriptRange({ from: 0, to: 1000 }, 500);
    expect(r).toEqual({ from: 500 - MAX_EVENTS_PER_STEP, to: 500, skipped: 500 - MAX_EVENTS_PER_STEP });
  });
});
