/**
 * The lesson fields of a scenario (difficulty, prerequisites, a prediction's explanation, the
 * inspector a step opens, speaker notes) reach the compiled scenario, and a wrong value is refused
 * with the field named.
 */

import { describe, expect, it } from 'vitest';
import { loadScenario } from './loader';

const lesson = (step: object, top: object = {}): string =>
  JSON.stringify({
    format: 'giclab-scenario/1',
    id: 'lesson',
    title: 'A lesson',
    ...top,
    steps: [{ title: 'one', actions: ['write GICD_CTLR 0x12'], ...step }],
  });

describe('lesson fields', () => {
  it('carries difficulty, prerequisites, explain, inspect and notes', () => {
    const r = loadScenario(
      lesson(
        {
          inspect: 'its',
          notes: 'Ask the room first.',
          predict: {
            question: 'Enabled?',
            choices: [
              { text: 'yes', when: 'expect reg GICD_CTLR == 0x12' },
              { text: 'no', when: 'expect reg GICD_CTLR == 0' },
            ],
            explain: 'Because the write **enabled** it.',
          },
        },
        { difficulty: 'intermediate', prerequisites: ['track2-map-and-fire'] },
      ),
      'l.json',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.scenario.meta.difficulty).toBe('intermediate');
    expect(r.scenario.meta.prerequisites).toEqual(['track2-map-and-fire']);
    const st = r.scenario.steps[0]!;
    expect(st.inspect).toBe('its');
    expect(st.notes).toBe('Ask the room first.');
    expect(st.predict?.explain).toBe('Because the write **enabled** it.');
  });

  it('refuses an unknown inspector and an unknown difficulty, naming the field', () => {
    const r = loadScenario(lesson({ inspect: 'cache' }, { difficulty: 'hard' }), 'bad.json');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.diagnostics.map((d) => d.path);
    expect(paths).toContain('steps[0].inspect');
    expect(paths).toContain('difficulty');
  });
});
