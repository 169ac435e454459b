/**
 * A share link can carry a whole scenario, so its narration is text anyone can write. The page
 * renders narration with markdownToHtml (micromark, no raw HTML); this proves, for narration that
 * came through a link, that HTML in it stays text: no element other than the ones Markdown itself
 * makes, no event-handler attribute, no script URL. (The e2e suite checks the same on the page.)
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markdownToHtml } from '../markdown';
import { decodeShare, encodeShare } from './share-link';

/** The elements CommonMark produces; anything else in the output came from the input. */
const MARKDOWN_TAGS = new Set([
  'a',
  'blockquote',
  'br',
  'code',
  'em',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'img',
  'li',
  'ol',
  'p',
  'pre',
  'strong',
  'ul',
]);

/** Every element in the HTML and its attributes, read with a plain scanner (no DOM in Node). */
function elements(html: string): { tag: string; attrs: string }[] {
  return [...html.matchAll(/<\/?([A-Za-z][A-Za-z0-9-]*)([^>]*)>/g)].map((m) => ({
    tag: m[1]!.toLowerCase(),
    attrs: m[2]!,
  }));
}

function assertInert(html: string): void {
  for (const { tag, attrs } of elements(html)) {
    expect(MARKDOWN_TAGS.has(tag), `<${tag}> in ${html}`).toBe(true);
    // Nothing but name="value" pairs (micromark quotes and escapes every value)...
    expect(attrs.replace(/\s([a-z]+)="[^"<>]*"/g, '').replace(/\s*\/$/, ''), `<${tag}${attrs}>`).toBe('');
    // ...and only the names micromark writes: href, src, alt, title, and a fence's language class.
    for (const [, name, value] of attrs.matchAll(/\s([a-z]+)="([^"]*)"/g)) {
      if (name === 'class') expect(`${tag} ${value}`).toMatch(/^code language-/);
      else expect(['href', 'src', 'alt', 'title'], `${name} on <${tag}>`).toContain(name);
    }
    expect(attrs).not.toMatch(/(href|src)="\s*(javascript|vbscript|data):/i);
  }
}

/** A scenario whose first step narrates `narration`, sent through a link and read back. */
async function narrationViaLink(narration: string): Promise<string> {
  const text = JSON.stringify({ format: 'giclab-scenario/1', steps: [{ title: 't', narration }] });
  const e = await encodeShare({ text, name: 'x.json', at: 0 });
  if (!e.ok) throw new Error(e.error);
  const d = await decodeShare(e.payload);
  if (!d.ok || !('text' in d.state)) throw new Error('not read back');
  return (JSON.parse(d.state.text) as { steps: { narration: string }[] }).steps[0]!.narration;
}

const HOSTILE = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)><animate onbegin=alert(1)></svg>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">x</a>',
  '[click](javascript:alert(1)) [x](JaVaScRiPt:alert(1)) [y](data:text/html,<script>alert(1)</script>)',
  '![x](javascript:alert(1)) ![y](data:image/svg+xml,<svg onload=alert(1)>)',
  '<style>body{display:none}</style><link rel=stylesheet href=//evil.example/x.css>',
  '<div style="position:fixed;inset:0">cover</div>',
  '<form action=//evil.example><input name=p></form>',
  '<base href="//evil.example/">',
  '```\n</code></pre><script>alert(1)</script>\n```',
  '<!-- --><script>alert(1)</script><!-- -->',
  '<p title="x" onclick="alert(1)">hi</p>',
  '&lt;script&gt; already escaped &#x3C;img src=x onerror=alert(1)&#x3E;',
];

describe('narration carried by a share link', () => {
  it('(the check itself catches HTML that would be live)', () => {
    expect(() => assertInert('<p><script>alert(1)</script></p>')).toThrow();
    expect(() => assertInert('<img src="x" onerror="alert(1)">')).toThrow();
    expect(() => assertInert('<img src=x onerror=alert(1)>')).toThrow();
    expect(() => assertInert('<a href="javascript:alert(1)">x</a>')).toThrow();
    expect(() => assertInert('<p style="position:fixed">x</p>')).toThrow();
    expect(() => assertInert('<p>fine <a href="https://developer.arm.com/">spec</a></p>')).not.toThrow();
  });

  it('is rendered without any element, handler or script URL of its own', async () => {
    for (const h of HOSTILE) {
      const narration = await narrationViaLink(`The **ITS** reads MAPD. ${h}\n\n${h}`);
      expect(narration).toContain(h);
      const html = markdownToHtml(narration);
      assertInert(html);
      expect(html).toContain('<strong>ITS</strong>');
    }
    // The text of the tags is still there for the reader, as text.
    expect(markdownToHtml('<script>alert(1)</script>')).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('stays inert for random mixtures of Markdown and HTML', () => {
    const piece = fc.oneof(
      fc.constantFrom(...HOSTILE),
      fc.constantFrom(
        '<',
        '>',
        '"',
        "'",
        '=',
        '`',
        '[',
        ']',
        '(',
        ')',
        '!',
        '*',
        '_',
        '\n',
        ' ',
        'on',
        'javascript:',
      ),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
        assertInert(markdownToHtml(parts.join('')));
      }),
      { numRuns: 500 },
    );
  });
});
