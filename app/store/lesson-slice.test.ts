import { describe, expect, it } from 'vitest';
import { pendingPrediction, predictionGate } from './lesson-slice';

const predict = { question: 'q?', choices: ['a', 'b'] };
const session = {
  steps: [
    { title: 's0', narration: '', from: 0, to: 10, passed: true, expectations: [] },
    { title: 's1', narration: '', from: 10, to: 30, passed: true, expectations: [], predict },
    { title: 's2', narration: '', from: 30, to: 30, passed: true, expectations: [], predict },
    { title: 's3', narration: '', from: 30, to: 50, passed: true, expectations: [], predict },
  ],
};

describe('predictionGate', () => {
  it('stops a forward move at the start of the first unanswered prediction', () => {
    expect(predictionGate(session, {}, 0, 50)).toEqual({ step: 1, position: 10 });
    expect(predictionGate(session, {}, 10, 11)).toEqual({ step: 1, position: 10 });
  });

  it('lets answered predictions, steps without events and moves that stop short go by', () => {
    expect(predictionGate(session, { 1: 0 }, 0, 50)).toEqual({ step: 3, position: 30 });
    expect(predictionGate(session, { 1: 0, 3: 1 }, 0, 50)).toBeNull();
    expect(predictionGate(session, {}, 0, 10)).toBeNull();
    expect(predictionGate(session, {}, 11, 30)).toBeNull();
    expect(predictionGate(null, {}, 0, 50)).toBeNull();
  });
});

describe('pendingPrediction', () => {
  it('is the step whose question waits where the learner stands', () => {
    expect(pendingPrediction(session, {}, 10, true)).toBe(1);
    expect(pendingPrediction(session, {}, 30, true)).toBe(3);
    expect(pendingPrediction(session, { 1: 1 }, 10, true)).toBeNull();
    expect(pendingPrediction(session, {}, 10, false)).toBeNull();
    expect(pendingPrediction(session, {}, 12, true)).toBeNull();
  });
});
