import { describe, expect, it } from 'vitest';
import { scenarioId, stillName, traceName, videoName } from './file-name';

const catalog = [{ id: 'track2-map-and-fire', file: 'track2/2.2-map-and-fire.json' }];

describe('export file names', () => {
  it('uses the catalogue id of a listed scenario', () => {
    expect(scenarioId('track2/2.2-map-and-fire.json', catalog)).toBe('track2-map-and-fire');
  });

  it('falls back to the base name of a file that is not listed', () => {
    expect(scenarioId('conformance/kut-c01-ipi-self.json', catalog)).toBe('kut-c01-ipi-self');
    expect(scenarioId('C:\\Users\\me\\My lesson.JSON', catalog)).toBe('My-lesson');
  });

  it('keeps only characters safe in a file name, and never gives an empty name', () => {
    expect(scenarioId('a/b/../x:y*z?.json', [])).toBe('x-y-z');
    expect(scenarioId(null, catalog)).toBe('giclab');
    expect(scenarioId('...json', [])).toBe('giclab');
  });

  it('names stills, videos and traces after the id and the position', () => {
    expect(stillName('track2-map-and-fire', 42, 'svg')).toBe('track2-map-and-fire-at42.svg');
    expect(stillName('x', 7.4, 'png')).toBe('x-at7.png');
    expect(videoName('x', 3, 19)).toBe('x-at3-to19.webm');
    expect(traceName('x')).toBe('x.trace.json');
  });
});
