/** Scenario paths and the scenario index: what is accepted, what is skipped, what is refused. */

import { describe, expect, it } from 'vitest';
import { isScenarioPath, parseCatalog } from './scenarios';

describe('isScenarioPath', () => {
  it('accepts relative .json paths under /scenarios/', () => {
    expect(isScenarioPath('conformance/kut-c27-its-int-dev2.json')).toBe(true);
    expect(isScenarioPath('intro.json')).toBe(true);
  });
  it('refuses absolute, parent, empty-segment, remote and non-json paths', () => {
    for (const p of [
      '/etc/x.json',
      '../x.json',
      'a/../../x.json',
      'a//x.json',
      'https://evil.example/x.json',
      'x.txt',
      '',
      '.json',
    ]) {
      expect(isScenarioPath(p), p).toBe(false);
    }
  });
});

describe('parseCatalog', () => {
  it('reads the entries and skips the ones that do not fit', () => {
    const text = JSON.stringify({
      scenarios: [
        { id: 'a', title: 'A', file: 'conformance/a.json', track: 'Conformance' },
        { id: 'b', title: 'B', file: 'b.json' },
        { id: 'c', title: 'C', file: '../c.json' },
        { id: 'd', file: 'd.json' },
        'nonsense',
      ],
    });
    expect(parseCatalog(text)).toEqual([
      { id: 'a', title: 'A', file: 'conformance/a.json', track: 'Conformance' },
      { id: 'b', title: 'B', file: 'b.json' },
    ]);
  });
  it('refuses a document without a scenarios list', () => {
    expect(() => parseCatalog('{"list": []}')).toThrow(/scenarios/);
    expect(() => parseCatalog('<!doctype html>')).toThrow();
  });
});

describe('parseCatalog: lesson fields', () => {
  it('keeps difficulty, prerequisites and counts that fit, and drops those that do not', () => {
    const [good, bad] = parseCatalog(
      JSON.stringify({
        scenarios: [
          {
            id: 'a',
            title: 'A',
            file: 'track1/a.json',
            difficulty: 'advanced',
            prerequisites: ['b'],
            steps: 4,
            predictions: 2,
          },
          { id: 'b', title: 'B', file: 'track1/b.json', difficulty: 'hard', prerequisites: [3], steps: -1 },
        ],
      }),
    );
    expect(good).toEqual({
      id: 'a',
      title: 'A',
      file: 'track1/a.json',
      difficulty: 'advanced',
      prerequisites: ['b'],
      steps: 4,
      predictions: 2,
    });
    expect(bad).toEqual({ id: 'b', title: 'B', file: 'track1/b.json' });
  });
});
