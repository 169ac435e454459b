import { describe, expect, it } from 'vitest';
import { CAPTION_CSS_HEIGHT, frameLayout, wrapText } from './video-frame';

describe('frameLayout', () => {
  it('doubles a small stage, in even pixels', () => {
    const l = frameLayout(851, 401, false);
    expect(l.scale).toBe(2);
    expect(l).toMatchObject({ width: 1702, stageHeight: 802, captionHeight: 0, height: 802 });
  });

  it('stays within 1080p, caption included', () => {
    const l = frameLayout(1200, 700, true);
    expect(l.height).toBeLessThanOrEqual(1080);
    expect(l.width).toBeLessThanOrEqual(1920);
    expect(l.captionHeight).toBe(Math.round(CAPTION_CSS_HEIGHT * l.scale));
    expect(l.width % 2).toBe(0);
    expect(l.height % 2).toBe(0);
  });

  it('never shrinks a stage below its own size', () => {
    const l = frameLayout(2400, 1300, true);
    expect(l.scale).toBe(1);
    expect(l.width).toBe(2400);
  });
});

describe('wrapText', () => {
  /** One unit per character. */
  const measure = (s: string) => s.length;

  it('breaks between words', () => {
    expect(wrapText('the ITS walks its tables', 10, measure, 3)).toEqual(['the ITS', 'walks its', 'tables']);
  });

  it('ends with an ellipsis when the text does not fit the lines', () => {
    const lines = wrapText('one two three four five six', 9, measure, 2);
    expect(lines).toEqual(['one two', 'three…']);
    for (const l of lines) expect(measure(l)).toBeLessThanOrEqual(9);
  });

  it('cuts a word longer than a line', () => {
    expect(wrapText('GITS_TRANSLATER written', 6, measure, 5)).toEqual([
      'GITS_T',
      'RANSLA',
      'TER',
      'writte',
      'n',
    ]);
  });

  it('gives nothing for no text', () => {
    expect(wrapText('   ', 10, measure, 2)).toEqual([]);
  });
});
