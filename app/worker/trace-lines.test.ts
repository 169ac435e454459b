/** The line splitter: lines exactly as the file has them, whatever the chunks; its bounds refuse. */

import { describe, expect, it } from 'vitest';
import { LineSplitter, TraceInputError } from './trace-lines';

const enc = new TextEncoder();

/** Feeds `bytes` cut at the given offsets; returns the lines given, with their numbers. */
function split(bytes: Uint8Array, cuts: number[], limits?: ConstructorParameters<typeof LineSplitter>[1]) {
  const s = new LineSplitter('t.log', limits);
  const out: [number, string][] = [];
  const each = (text: string, line: number): void => {
    out.push([line, text]);
  };
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    s.push(bytes.subarray(at, c), each);
    at = c;
  }
  s.end(each);
  return out;
}

describe('LineSplitter', () => {
  const text = '1@2.000003:a x\r\nsecond line é\n\nlast without end';
  const bytes = enc.encode(text);
  const want: [number, string][] = [
    [1, '1@2.000003:a x'],
    [2, 'second line é'],
    [3, ''],
    [4, 'last without end'],
  ];

  it('gives the same lines wherever the chunks are cut (inside a CRLF, inside a UTF-8 sequence)', () => {
    expect(split(bytes, [])).toEqual(want);
    for (let i = 0; i <= bytes.length; i++) expect(split(bytes, [i])).toEqual(want);
    for (let i = 0; i <= bytes.length; i++)
      for (let j = i; j <= bytes.length; j += 3) expect(split(bytes, [i, j])).toEqual(want);
  });

  it('strips CR only as part of a line end', () => {
    expect(split(enc.encode('a\rb\r\nc\r'), [2])).toEqual([
      [1, 'a\rb'],
      [2, 'c'],
    ]);
  });

  it('refuses more text than its bound, naming the file and the line reached', () => {
    const big = enc.encode('x\n'.repeat(100));
    expect(() => split(big, [50, 120], { maxBytes: 150, maxLineChars: 100 })).toThrow(TraceInputError);
    expect(() => split(big, [50, 120], { maxBytes: 150, maxLineChars: 100 })).toThrow(
      /^t\.log: more than 150 bytes of trace text \(after line 60\): too large/,
    );
  });

  it('refuses a line longer than its bound (a file without line ends), naming the line', () => {
    const long = enc.encode(`ok\n${'y'.repeat(300)}`);
    expect(() => split(long, [3, 200], { maxBytes: 1e6, maxLineChars: 100 })).toThrow(
      /^t\.log:2: a line longer than 100 characters: not a QEMU trace log/,
    );
    expect(() => split(long, [], { maxBytes: 1e6, maxLineChars: 100 })).toThrow(/^t\.log:2: /);
  });

  it('refuses binary data: a NUL, or bytes that are not UTF-8', () => {
    expect(() => split(new Uint8Array([0x31, 0x0a, 0x00, 0x01, 0x0a]), [])).toThrow(
      /^t\.log:2: binary data, not text/,
    );
    expect(() => split(new Uint8Array([0xff, 0xfe, 0x41]), [])).toThrow(/^t\.log:1: binary data/);
  });
});
