/** What the page reads from its address: the scenario and position, embed mode, a share fragment. */

import { describe, expect, it } from 'vitest';
import { queryText, readUrl } from './url';

describe('the URL', () => {
  it('reads ?scenario= and &at=, as links made before share links did', () => {
    expect(readUrl('?scenario=conformance/x.json&at=42', '')).toEqual({
      scenario: 'conformance/x.json',
      at: 42,
      embed: false,
      share: null,
    });
    // A position that is not a whole number is the start, not an error.
    expect(readUrl('?scenario=x.json&at=-3', '').at).toBe(0);
    expect(readUrl('?scenario=x.json&at=1.5', '').at).toBe(0);
  });

  it('reads ?embed in its short and long forms, and lets 0 or false turn it off', () => {
    expect(readUrl('?embed', '').embed).toBe(true);
    expect(readUrl('?embed=1&scenario=a.json', '').embed).toBe(true);
    expect(readUrl('?scenario=a.json&embed', '').embed).toBe(true);
    expect(readUrl('?embed=0', '').embed).toBe(false);
    expect(readUrl('?embed=false', '').embed).toBe(false);
    expect(readUrl('?embedded', '').embed).toBe(false);
  });

  it('reads the payload of a #share= fragment, even an empty or malformed one', () => {
    expect(readUrl('', '#share=abc_-9').share).toBe('abc_-9');
    expect(readUrl('?embed', '#share=').share).toBe('');
    expect(readUrl('', '#share=not base64!').share).toBe('not base64!');
    expect(readUrl('', '#step-3').share).toBeNull();
  });

  it('writes ?embed without "=" and keeps slashes readable', () => {
    const q = new URLSearchParams();
    q.set('embed', '');
    q.set('scenario', 'track2/2.2-map-and-fire.json');
    q.set('at', '7');
    expect(queryText(q)).toBe('?embed&scenario=track2/2.2-map-and-fire.json&at=7');
    expect(queryText(new URLSearchParams())).toBe('');
    // Only an empty embed is shortened.
    expect(queryText(new URLSearchParams('embed=1&x='))).toBe('?embed=1&x=');
  });
});
