import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isPlainWord, lex, quoteString } from './lexer';

const texts = (line: string): string[] => {
  const r = lex(line);
  if (!r.ok) throw new Error(`${r.column}: ${r.message}`);
  return r.tokens.map((t) => t.text);
};

describe('lexer', () => {
  it('splits words, punctuation and strings, with positions', () => {
    expect(lex('write32 GITS_CBASER+4 0x1 # upper word')).toEqual({
      ok: true,
      tokens: [
        { kind: 'word', text: 'write32', value: 'write32', start: 0, end: 7 },
        { kind: 'word', text: 'GITS_CBASER', value: 'GITS_CBASER', start: 8, end: 19 },
        { kind: 'punct', text: '+', value: '+', start: 19, end: 20 },
        { kind: 'word', text: '4', value: '4', start: 20, end: 21 },
        { kind: 'word', text: '0x1', value: '0x1', start: 22, end: 25 },
      ],
    });
    expect(texts('expect reg GICD_CTLR & 0x1==1')).toEqual([
      'expect',
      'reg',
      'GICD_CTLR',
      '&',
      '0x1',
      '==',
      '1',
    ]);
    expect(texts('expect events its.cmd a=b >= 2')).toEqual([
      'expect',
      'events',
      'its.cmd',
      'a',
      '=',
      'b',
      '>=',
      '2',
    ]);
    expect(texts('deliveries cpu3:8195x2,cpu1 @0x10 <=')).toEqual([
      'deliveries',
      'cpu3',
      ':',
      '8195x2',
      ',',
      'cpu1',
      '@',
      '0x10',
      '<=',
    ]);
    expect(lex('msi "pci 00:02.0 \\"x\\" \\\\ #" 1')).toMatchObject({
      ok: true,
      tokens: [
        { text: 'msi' },
        { kind: 'string', value: 'pci 00:02.0 "x" \\ #', start: 4, end: 28 },
        { text: '1' },
      ],
    });
  });

  it('treats # as a comment outside strings and ignores whitespace', () => {
    expect(texts('  \t# nothing')).toEqual([]);
    expect(texts('run#until idle')).toEqual(['run']);
  });

  it('refuses characters no token starts with, line breaks and bad strings', () => {
    expect(lex('read $x')).toEqual({ ok: false, column: 6, message: "unexpected character '$'" });
    expect(lex('a > 1')).toEqual({
      ok: false,
      column: 3,
      message: "unexpected character '>' (comparisons are ==, >= and <=)",
    });
    expect(lex('a\u0007')).toEqual({ ok: false, column: 2, message: 'unexpected character U+0007' });
    expect(lex('run\r\n')).toEqual({
      ok: false,
      column: 4,
      message: 'a command cannot contain a line break',
    });
    expect(lex('msi "abc')).toEqual({
      ok: false,
      column: 5,
      message: 'unterminated string: expected a closing "',
    });
    expect(lex('msi "a\\')).toEqual({ ok: false, column: 7, message: 'unterminated string' });
    expect(lex('msi "a\\n"')).toEqual({
      ok: false,
      column: 7,
      message: 'unknown escape in a string (only \\" and \\\\ are allowed)',
    });
  });

  it('quotes any string so that it lexes back to itself', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/[\r\n]/.test(s)),
        (s) => {
          const r = lex(quoteString(s));
          expect(r).toMatchObject({ ok: true, tokens: [{ kind: 'string', value: s }] });
          if (isPlainWord(s))
            expect(lex(s)).toMatchObject({ ok: true, tokens: [{ kind: 'word', value: s }] });
        },
      ),
    );
  });

  it('never throws and keeps tokens inside the line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const r = lex(s);
        if (!r.ok) return r.column >= 1 && r.column <= s.length;
        return r.tokens.every(
          (t) => t.start >= 0 && t.end <= s.length && t.start < t.end && s.slice(t.start, t.end) === t.text,
        );
      }),
    );
  });
});
