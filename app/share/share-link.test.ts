/**
 * The share link's format: round trips, the limits, and every refusal a crafted or damaged link
 * gets, plus property tests that feed the decoder random and hostile strings (it must answer,
 * never throw) and random states (encode then decode must give the same state back).
 */

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  decodeShare,
  deflate,
  DEFAULT_NAME,
  encodeShare,
  fromBase64url,
  iframeSnippet,
  inflateBounded,
  SHARE_LIMITS,
  shareFragment,
  shareUrl,
  toBase64url,
  type SharedState,
} from './share-link';

/** A payload made by hand (any JSON, even one the encoder would refuse to make). */
const craft = async (doc: unknown): Promise<string> =>
  toBase64url(await deflate(new TextEncoder().encode(JSON.stringify(doc))));

const b64Error = (text: string): string => {
  const r = fromBase64url(text);
  return r.ok ? 'accepted' : r.error;
};

const refusal = async (payload: string): Promise<string> => {
  const r = await decodeShare(payload);
  if (r.ok) throw new Error(`accepted: ${JSON.stringify(r.state).slice(0, 100)}`);
  return r.error;
};

const encoded = async (s: SharedState): Promise<string> => {
  const r = await encodeShare(s);
  if (!r.ok) throw new Error(r.error);
  return r.payload;
};

describe('base64url', () => {
  it('matches RFC 4648 §10 test vectors (in the URL alphabet, unpadded)', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, coded] of vectors) {
      expect(toBase64url(new TextEncoder().encode(plain))).toBe(coded);
      const back = fromBase64url(coded);
      expect(back.ok && new TextDecoder().decode(back.bytes)).toBe(plain);
    }
    // The two characters that differ from standard base64.
    expect(toBase64url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
  });

  it('refuses padding, the standard alphabet, whitespace, impossible lengths and stray bits', () => {
    expect(b64Error('Zg==')).toContain('character 3 is "="');
    expect(b64Error('+/8')).toContain('character 1 is "+"');
    expect(b64Error('Zm 9v')).toContain('character 3 is " "');
    expect(b64Error('Zm9vY')).toContain('cut short');
    // 'Zh' decodes to 'f' too, but with low bits set: a second spelling of the same bytes.
    expect(b64Error('Zh')).toContain('stray bits');
    expect(b64Error('Zé')).toContain('character 2 is "é"');
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const back = fromBase64url(toBase64url(bytes));
        expect(back.ok && [...back.bytes]).toEqual([...bytes]);
      }),
    );
  });
});

describe('share links', () => {
  it('round-trip a catalog scenario and a scenario given as text', async () => {
    const catalog: SharedState = { scenario: 'conformance/kut-c27-its-int-dev2.json', at: 42 };
    expect(await decodeShare(await encoded(catalog))).toEqual({ ok: true, state: catalog });

    const text: SharedState = {
      text: '{ "format": "giclab-scenario/1" }\n',
      name: 'mine-session.json',
      at: 0,
    };
    expect(await decodeShare(await encoded(text))).toEqual({ ok: true, state: text });
  });

  it('are short and URL-safe for a real scenario', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync('public/scenarios/conformance/kut-c27-its-int-dev2.json', 'utf8');
    const payload = await encoded({ text, name: 'kut-c27-its-int-dev2.json', at: 100 });
    expect(payload).toMatch(/^[A-Za-z0-9_-]+$/);
    // Deflate takes the 19 kB file to a few kB.
    expect(payload.length).toBeLessThan(text.length / 4);
  });

  it('read the payload from a fragment and build the links', () => {
    expect(shareFragment('#share=abc')).toBe('abc');
    expect(shareFragment('share=')).toBe('');
    expect(shareFragment('#other=abc')).toBeNull();
    expect(shareFragment('')).toBeNull();
    const page = { origin: 'https://lab.example', pathname: '/gic/' };
    expect(shareUrl(page, 'abc')).toBe('https://lab.example/gic/#share=abc');
    expect(shareUrl(page, 'abc', true)).toBe('https://lab.example/gic/?embed#share=abc');
  });

  it('escape the title in the iframe snippet', () => {
    const html = iframeSnippet('https://x/?embed#share=a&b', '"><script>alert(1)</script>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&quot;&gt;&lt;script&gt;');
    expect(html).toContain('src="https://x/?embed#share=a&amp;b"');
  });

  it('match the example in docs/share-and-embed.md', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync('docs/share-and-embed.md', 'utf8');
    const example = /^#share=([A-Za-z0-9_-]+)$/m.exec(doc)?.[1];
    expect(example).toBeDefined();
    expect(await decodeShare(example!)).toEqual({
      ok: true,
      state: { scenario: 'track2/2.2-map-and-fire.json', at: 25 },
    });
    expect(doc).toContain('{ "v": 1, "scenario": "track2/2.2-map-and-fire.json", "at": 25 }');
  });

  it('default the name of a text session when the link gives none', async () => {
    const r = await decodeShare(await craft({ v: 1, text: 'x', at: 3 }));
    expect(r).toEqual({ ok: true, state: { text: 'x', name: DEFAULT_NAME, at: 3 } });
  });
});

describe('the decoder refuses, saying what is wrong', () => {
  it('a damaged or truncated payload', async () => {
    expect(await refusal('')).toBe('share link: the link has `#share=` but no payload after it');
    expect(await refusal('abc%20def')).toMatch(
      /^share link: the payload is not valid base64url \(character 4 is "%"/,
    );
    const good = await encoded({ scenario: 'track1/a.json', at: 1 });
    // Cut short at a 4-character boundary: valid base64url, but the deflate stream has no end.
    expect(await refusal(good.slice(0, good.length - (good.length % 4) - 4))).toBe(
      'share link: the payload is not valid compressed data (was the link cut short when it was copied?)',
    );
    expect(await refusal('AAAA')).toMatch(/not valid compressed data/);
  });

  it('any link, in a browser that cannot inflate raw deflate', async () => {
    const good = await encoded({ scenario: 'track1/a.json', at: 1 });
    vi.stubGlobal('DecompressionStream', undefined);
    try {
      expect(await refusal(good)).toBe(
        'share link: this browser cannot read share links (it has no raw-deflate DecompressionStream): open the link in a current browser',
      );
    } finally {
      vi.unstubAllGlobals();
    }
    expect(await decodeShare(good)).toMatchObject({ ok: true });
  });

  it('a payload that is too long, before decoding it', async () => {
    expect(await refusal('A'.repeat(SHARE_LIMITS.fragmentChars + 1))).toBe(
      `share link: the payload is ${SHARE_LIMITS.fragmentChars + 1} characters, more than the ${SHARE_LIMITS.fragmentChars} a link may have`,
    );
  });

  it('a deflate bomb, stopped while inflating', async () => {
    // 16 MiB of zeros deflate to about 16 kB; the decoder must stop at the limit, not inflate it all.
    const zeros = new Uint8Array(16 * 1024 * 1024);
    const bomb = await deflate(zeros);
    const r = await inflateBounded(bomb, SHARE_LIMITS.jsonBytes);
    expect(r).toEqual({ ok: false, why: 'too-large' });
    const payload = toBase64url(bomb);
    expect(payload.length).toBeLessThan(SHARE_LIMITS.fragmentChars);
    expect(await refusal(payload)).toBe(
      `share link: the payload inflates to more than ${SHARE_LIMITS.jsonBytes} bytes, larger than a link may carry`,
    );
    // Just under the limit passes the size check (and is then refused as not being JSON).
    const under = toBase64url(await deflate(new Uint8Array(SHARE_LIMITS.jsonBytes).fill(32)));
    expect(await refusal(under)).toBe('share link: the payload is not JSON');
  });

  it('text that is not UTF-8, not JSON, not an object', async () => {
    const raw = async (bytes: number[]): Promise<string> => toBase64url(await deflate(new Uint8Array(bytes)));
    expect(await refusal(await raw([0x7b, 0xff, 0xfe, 0x7d]))).toBe(
      'share link: the payload is not UTF-8 text',
    );
    expect(await refusal(await raw([...new TextEncoder().encode('{"v":1,')]))).toBe(
      'share link: the payload is not JSON',
    );
    expect(await refusal(await craft([1, 2]))).toBe('share link: the payload is not a JSON object');
    expect(await refusal(await craft(null))).toBe('share link: the payload is not a JSON object');
  });

  it('a missing or unknown version', async () => {
    expect(await refusal(await craft({ scenario: 'a.json', at: 0 }))).toBe(
      'share link: the payload has no version (field `v`)',
    );
    expect(await refusal(await craft({ v: 2, scenario: 'a.json', at: 0 }))).toMatch(
      /^share link: version 2 is not one this page reads \(it reads version 1; the link may come from a newer GIC Lab\)$/,
    );
  });

  it('fields of the wrong type or out of range, naming the field', async () => {
    expect(await refusal(await craft({ v: 1, scenario: 'a.json', at: 1.5 }))).toBe(
      'share link: field `at` must be a whole number',
    );
    expect(await refusal(await craft({ v: 1, scenario: 'a.json', at: '3' }))).toBe(
      'share link: field `at` must be a whole number',
    );
    expect(await refusal(await craft({ v: 1, scenario: 'a.json' }))).toBe(
      'share link: field `at` must be a whole number',
    );
    expect(await refusal(await craft({ v: 1, scenario: 'a.json', at: -1 }))).toBe(
      'share link: field `at` must not be negative',
    );
    expect(await refusal(await craft({ v: 1, scenario: 'a.json', at: 1e12 }))).toBe(
      `share link: field \`at\` must be at most ${SHARE_LIMITS.at}`,
    );
    expect(await refusal(await craft({ v: 1, text: 42, at: 0 }))).toBe(
      'share link: field `text` must be a text',
    );
    expect(await refusal(await craft({ v: 1, text: 'x', name: 'a/b.json', at: 0 }))).toMatch(
      /field `name` must be a file name/,
    );
    expect(await refusal(await craft({ v: 1, text: 'x', name: 'n'.repeat(121), at: 0 }))).toMatch(
      /field `name` must be at most 120 characters/,
    );
  });

  it('a scenario path that leaves /scenarios/ or is a URL', async () => {
    for (const scenario of [
      '../secret.json',
      '/etc/passwd.json',
      'https://evil.example/x.json',
      'a//b.json',
      'x.html',
    ]) {
      expect(await refusal(await craft({ v: 1, scenario, at: 0 }))).toMatch(
        /^share link: field `scenario` must be a path under \/scenarios\//,
      );
    }
  });

  it('both or neither of scenario and text, and unknown fields', async () => {
    expect(await refusal(await craft({ v: 1, at: 0 }))).toBe(
      'share link: the payload must hold either `scenario` (a path) or `text` (a scenario)',
    );
    expect(await refusal(await craft({ v: 1, scenario: 'a.json', text: 'x', at: 0 }))).toMatch(
      /either `scenario`/,
    );
    expect(await refusal(await craft({ v: 1, scenario: 'a.json', name: 'a.json', at: 0 }))).toBe(
      'share link: field `name` goes with `text` only',
    );
    expect(await refusal(await craft({ v: 1, scenario: 'a.json', at: 0, html: '<img onerror=x>' }))).toBe(
      'share link: unknown field `html` (this page reads version 1 links)',
    );
    expect(await refusal(await craft({ v: 1, scenario: 'a.json', at: 0, __proto__x: 1 }))).toMatch(
      /unknown field/,
    );
  });
});

describe('the encoder', () => {
  it('refuses a state the decoder would refuse, and one too large for a link', async () => {
    expect(await encodeShare({ scenario: '../x.json', at: 0 })).toMatchObject({ ok: false });
    expect(await encodeShare({ text: 'x', name: 'x.json', at: -2 })).toMatchObject({
      ok: false,
      error: 'share link: field `at` must not be negative',
    });
    // Random text does not compress: 60 kB of it makes a link longer than the limit.
    const noise = fc.sample(fc.string({ unit: 'binary-ascii', minLength: 60_000, maxLength: 60_000 }), {
      numRuns: 1,
      seed: 7,
    })[0]!;
    const r = await encodeShare({ text: noise, name: 'noise.json', at: 0 });
    expect(r.ok ? 'accepted' : r.error).toMatch(
      /^share link: this session makes a link of \d+ characters, more than the 65536 allowed: save it as a scenario file instead$/,
    );
    const huge = await encodeShare({ text: 'a'.repeat(SHARE_LIMITS.jsonBytes), name: 'big.json', at: 0 });
    expect(huge.ok ? 'accepted' : huge.error).toMatch(/more than the 1048576 a link may carry/);
  });
});

describe('properties', () => {
  const state: fc.Arbitrary<SharedState> = fc.oneof(
    fc.record({
      scenario: fc
        .array(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}$/), { minLength: 0, maxLength: 3 })
        .map((dirs) => [...dirs, 'x.json'].join('/'))
        .filter((p) => !p.split('/').includes('..')),
      at: fc.nat({ max: SHARE_LIMITS.at }),
    }),
    fc.record({
      text: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 400 }),
      name: fc.stringMatching(/^[A-Za-z0-9 ._()-]{1,40}$/).filter((n) => n.trim().length > 0),
      at: fc.nat({ max: SHARE_LIMITS.at }),
    }),
  );

  it('encode then decode is the identity', async () => {
    await fc.assert(
      fc.asyncProperty(state, async (s) => {
        expect(await decodeShare(await encoded(s))).toEqual({ ok: true, state: s });
      }),
      { numRuns: 150 },
    );
  });

  it('random and hostile strings never make the decoder throw, and every refusal says so', async () => {
    const hostile = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{0,300}$/),
      // Real deflate streams of random JSON-ish objects: they get through base64 and inflate.
      fc.jsonValue({ maxDepth: 3 }).chain((j) => fc.constant(j)),
    );
    await fc.assert(
      fc.asyncProperty(hostile, async (h) => {
        const payload = typeof h === 'string' ? h : await craft(h);
        const r = await decodeShare(payload);
        if (!r.ok) expect(r.error).toMatch(/^share link: \S/);
      }),
      { numRuns: 300 },
    );
  });

  it('a flipped byte in a real link is refused or read as a valid state, never thrown', async () => {
    const payload = await encoded({
      text: '{"format":"giclab-scenario/1","title":"t"}',
      name: 'a.json',
      at: 9,
    });
    const bytes = fromBase64url(payload);
    if (!bytes.ok) throw new Error(bytes.error);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: bytes.bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (i, x) => {
          const b = bytes.bytes.slice();
          b[i]! ^= x;
          const r = await decodeShare(toBase64url(b));
          if (r.ok) expect(Number.isInteger(r.state.at)).toBe(true);
          else expect(r.error).toMatch(/^share link: /);
        },
      ),
      { numRuns: 200 },
    );
  });
});
