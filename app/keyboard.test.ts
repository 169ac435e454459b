import { describe, expect, it } from 'vitest';
import { SHORTCUTS } from './keyboard';
import { TABS } from './store/views-slice';

describe('keyboard shortcuts', () => {
  it('give each key one meaning', () => {
    const keys = SHORTCUTS.flatMap((s) => s.keys);
    const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
    expect(twice).toEqual([]);
  });

  it('open every inspector tab and the breakpoints', () => {
    const keys = new Set(SHORTCUTS.flatMap((s) => s.keys));
    for (const t of TABS) expect(keys.has(t.key), t.id).toBe(true);
    expect(SHORTCUTS.some((s) => s.keys.includes('b') && /breakpoints/.test(s.does))).toBe(true);
  });
});
