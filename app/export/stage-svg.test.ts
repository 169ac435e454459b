import { describe, expect, it } from 'vitest';
import { declarations, parseColor, portableStyle, stillMeta } from './stage-svg';

describe('parseColor', () => {
  it('reads the forms Chromium computes', () => {
    expect(parseColor('rgb(35, 87, 198)')).toEqual({ hex: '#2357c6', alpha: 1 });
    expect(parseColor('rgba(0, 0, 0, 0.35)')).toEqual({ hex: '#000000', alpha: 0.35 });
    expect(parseColor('rgb(35 87 198 / 50%)')).toEqual({ hex: '#2357c6', alpha: 0.5 });
    // color-mix(in srgb, …) computes to color(srgb …), channels 0..1.
    expect(parseColor('color(srgb 0.879216 0.907765 0.968706)')).toEqual({ hex: '#e0e7f7', alpha: 1 });
    expect(parseColor('color(srgb 0.372549 0.4 0.439216 / 0.5)')).toEqual({ hex: '#5f6670', alpha: 0.5 });
    expect(parseColor('transparent')).toEqual({ hex: '#000000', alpha: 0 });
  });

  it('leaves alone what is not an sRGB colour', () => {
    expect(parseColor('none')).toBeNull();
    expect(parseColor('url("#stage1-arrow")')).toBeNull();
    expect(parseColor('oklab(0.5 0.1 0.1)')).toBeNull();
    expect(parseColor('rgb(1, 2)')).toBeNull();
    expect(parseColor('color(srgb a b c)')).toBeNull();
  });

  it('clamps channels out of range', () => {
    expect(parseColor('color(srgb 1.2 -0.1 0.5)')).toEqual({ hex: '#ff0080', alpha: 1 });
  });
});

describe('portableStyle', () => {
  it('writes colours as hex with their alpha folded into the opacity', () => {
    const s = portableStyle({
      fill: 'color(srgb 0.372549 0.4 0.439216 / 0.5)',
      'fill-opacity': '0.8',
      stroke: 'rgb(35, 87, 198)',
      'stroke-opacity': '1',
      'stroke-width': '1.5px',
      'stroke-dasharray': '4px, 3px',
      opacity: '1',
    });
    expect(s.fill).toBe('#5f6670');
    expect(s['fill-opacity']).toBe('0.4');
    expect(s.stroke).toBe('#2357c6');
    expect(s['stroke-opacity']).toBe('1');
    expect(s['stroke-width']).toBe('1.5');
    expect(s['stroke-dasharray']).toBe('4 3');
  });

  it('keeps paints that are not colours, and none', () => {
    const s = portableStyle({ fill: 'none', stroke: 'url("#p")', 'stroke-dasharray': 'none' });
    expect(s.fill).toBe('none');
    expect(s.stroke).toBe('url("#p")');
    expect(s['stroke-dasharray']).toBe('none');
  });

  it('ignores properties the stage does not use', () => {
    expect(portableStyle({ cursor: 'pointer', fill: 'rgb(0, 0, 0)' })).not.toHaveProperty('cursor');
  });
});

describe('declarations', () => {
  const root = portableStyle({
    fill: 'rgb(0, 0, 0)',
    stroke: 'none',
    'font-family': 'system-ui',
    'font-size': '15px',
    opacity: '1',
    display: 'block',
  });

  it('writes everything inherited on the root, and nothing that is the initial value', () => {
    const d = declarations(root, null);
    expect(d).toContain('fill:#000000');
    expect(d).toContain('font-family:system-ui');
    expect(d).not.toMatch(/(^|;)opacity:/);
    expect(d).not.toContain('display');
  });

  it('writes on a child only what differs from its parent', () => {
    const child = portableStyle({
      fill: 'rgb(255, 255, 255)',
      stroke: 'none',
      'font-family': 'system-ui',
      'font-size': '15px',
      opacity: '0.28',
      display: 'inline',
    });
    expect(declarations(child, root)).toBe('fill:#ffffff;opacity:0.28');
  });

  it('hides what the page hides', () => {
    const hidden = portableStyle({ ...root, display: 'none' });
    expect(declarations(hidden, root)).toBe('display:none');
  });
});

describe('stillMeta', () => {
  it('names the scenario, the position, the step and the event', () => {
    const m = stillMeta({
      scenario: 'Map and fire',
      position: 42,
      length: 63,
      step: 'MSI: the ITS walks its tables',
      event: { seq: 41, text: 'ITS0 receives the MSI.' },
      url: 'https://example.test/?scenario=track2/2.2-map-and-fire.json&at=42',
    });
    expect(m.title).toBe('Map and fire, at event 42 of 63 (GIC Lab)');
    expect(m.description).toContain('Step: MSI: the ITS walks its tables.');
    expect(m.description).toContain('Event #41: ITS0 receives the MSI.');
    expect(m.description).toContain('at=42');
  });

  it('says when nothing has happened yet', () => {
    expect(stillMeta({ scenario: 'S', position: 0, length: 5 }).description).toContain(
      'Before the first event.',
    );
  });
});
