/**
 * A lesson's predictions hold playback: against the real engine host (in process), stepping,
 * jumping to the end and playing all stop where an unanswered question waits; answering lets the
 * step play and the outcome is revealed; turning "ask first" off lets everything play.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inProcessClient } from '../worker/in-process-client';
import { createAppStore } from './store';

const lesson = readFileSync('e2e/fixtures/lesson-fixture.json', 'utf8');

async function opened() {
  const engine = inProcessClient();
  const store = createAppStore({
    engine: () => engine,
    fetchScenario: () => Promise.resolve(lesson),
    fetchCatalog: () => Promise.resolve([]),
  });
  await store.getState().open('lesson-fixture.json');
  return store;
}

describe('predictions asked first', () => {
  it('stop every forward move at the question until it is answered', async () => {
    const store = await opened();
    const st = store.getState;
    const q = st().session!.steps[1]!;
    await st().jumpEnd();
    expect(st().position).toBe(q.from);
    expect(st().heldAt).toBe(1);
    await st().stepForward();
    expect(st().position).toBe(q.from);
    st().play();
    await st().tick(1000);
    expect(st().playing).toBe(false);
    expect(st().position).toBe(q.from);

    st().answer(1, 1);
    expect(st().heldAt).toBeNull();
    await st().stepForward('step');
    expect(st().position).toBe(q.to);
    // The next question holds the next move; an answer once the step has played is refused.
    await st().jumpEnd();
    expect(st().position).toBe(st().session!.steps[2]!.from);
    st().answer(1, 0);
    expect(st().answers[1]).toBe(1);
  });

  it('let everything play when asking first is off, and never hold a move back', async () => {
    const store = await opened();
    const st = store.getState;
    st().setAskFirst(false);
    await st().jumpEnd();
    expect(st().position).toBe(st().length);
    await st().stepBack('step');
    await st().stepBack('step');
    expect(st().position).toBeLessThan(st().length);
  });
});
