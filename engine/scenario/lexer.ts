/**
 * The command language's tokenizer (docs/command-language.md, "Lexical rules"). It splits one
 * line into words, punctuation and quoted strings, each with its position, so that the parser
 * can name the exact column of whatever it refuses. It knows nothing about commands: numbers,
 * register names and keywords are all words here, and the parser decides what a word means.
 */

export type TokenKind = 'word' | 'punct' | 'string';

export interface Token {
  kind: TokenKind;
  /** The source text of the token (for a string, with its quotes and escapes). */
  text: string;
  /** For a string, its content with escapes resolved; otherwise equal to `text`. */
  value: string;
  /** 0-based index of the token's first character in the line. */
  start: number;
  /** 0-based index just past the token's last character. */
  end: number;
}

export type LexResult = { ok: true; tokens: Token[] } | { ok: false; column: number; message: string };

/**
 * Characters a word is made of. '.' and '-' are included because event kinds (`its.cmd`),
 * command names (`lpi-config`) and policies (`deactivate-icactiver`) contain them.
 */
export const isWordChar = (c: string): boolean => /^[A-Za-z0-9_.-]$/.test(c);

/** True when `s` lexes as a single word, so it can be printed without quotes. */
export const isPlainWord = (s: string): boolean => /^[A-Za-z0-9_.-]+$/.test(s);

const TWO_CHAR_PUNCT = ['==', '>=', '<=', '|=', '&='];
const ONE_CHAR_PUNCT = ['=', '&', '@', '+', ':', ',', '~'];

/** How a character is named in an error: printable characters as themselves, others by code point. */
export function describeChar(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${c}'`;
}

/** Tokenizes one line. Never throws; a character no token can start with is an error at its column. */
export function lex(line: string): LexResult {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '#') break;
    if (c === '\n' || c === '\r')
      return { ok: false, column: i + 1, message: 'a command cannot contain a line break' };
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (isWordChar(c)) {
      let j = i + 1;
      while (j < line.length && isWordChar(line[j]!)) j++;
      const text = line.slice(i, j);
      tokens.push({ kind: 'word', text, value: text, start: i, end: j });
      i = j;
      continue;
    }
    if (c === '"') {
      // Quoted strings exist for names that are not plain words (an event's unit 'pci 00:02.0').
      let j = i + 1;
      let value = '';
      let closed = false;
      while (j < line.length) {
        const d = line[j]!;
        if (d === '"') {
          closed = true;
          j++;
          break;
        }
        if (d === '\n' || d === '\r')
          return { ok: false, column: j + 1, message: 'a command cannot contain a line break' };
        if (d === '\\') {
          const e = line[j + 1];
          if (e === '"' || e === '\\') {
            value += e;
            j += 2;
            continue;
          }
          return {
            ok: false,
            column: j + 1,
            message:
              e === undefined
                ? 'unterminated string'
                : 'unknown escape in a string (only \\" and \\\\ are allowed)',
          };
        }
        value += d;
        j++;
      }
      if (!closed) return { ok: false, column: i + 1, message: 'unterminated string: expected a closing "' };
      tokens.push({ kind: 'string', text: line.slice(i, j), value, start: i, end: j });
      i = j;
      continue;
    }
    const two = line.slice(i, i + 2);
    if (TWO_CHAR_PUNCT.includes(two)) {
      tokens.push({ kind: 'punct', text: two, value: two, start: i, end: i + 2 });
      i += 2;
      continue;
    }
    if (ONE_CHAR_PUNCT.includes(c)) {
      tokens.push({ kind: 'punct', text: c, value: c, start: i, end: i + 1 });
      i++;
      continue;
    }
    const cp = line.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    const hint = c === '<' || c === '>' ? ` (comparisons are ==, >= and <=)` : '';
    return { ok: false, column: i + 1, message: `unexpected character ${describeChar(ch)}${hint}` };
  }
  return { ok: true, tokens };
}

/** Quotes `s` as a string token: the inverse of the lexer's string rule. */
export function quoteString(s: string): string {
  return `"${s.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
}
