import { describe, expect, it } from 'vitest';
import { termMatcher } from './term-links';

const match = termMatcher([
  { term: 'LPI', aliases: ['LPIs'] },
  { term: 'list register', aliases: ['list registers', 'LR'] },
  { term: 'register' },
  { term: 'ITS' },
]);
const found = (text: string): string[] => match(text).map((h) => `${text.slice(h.start, h.end)}=${h.term}`);

describe('termMatcher', () => {
  it('finds whole words, longest first, without overlaps', () => {
    expect(found('Two LPIs wait in a list register.')).toEqual(['LPIs=LPI', 'list register=list register']);
    expect(found('The register.')).toEqual(['register=register']);
  });

  it('matches capitals exactly and other names in any case', () => {
    expect(found('its ITS, List Registers')).toEqual(['ITS=ITS', 'List Registers=list register']);
  });

  it('does not match inside a longer word or a register name', () => {
    expect(found('GICR_LPI_ENABLE LPIx ITSs xLPI')).toEqual([]);
  });

  it('returns nothing with no entries', () => {
    expect(termMatcher([])('LPI')).toEqual([]);
  });
});
