/**
 * Linking glossary terms in a lesson's narration: finding them in text (whole words, longest
 * first, so "list register" wins over "register"), and wrapping the first mention of each term in
 * a narration with a button that opens its definition. Only text nodes are touched, never code
 * spans, links or headings, and the button is built with DOM calls (no HTML strings), so a term
 * cannot smuggle markup into the page.
 */

export interface TermSource {
  term: string;
  aliases?: readonly string[];
}

export interface TermHit {
  start: number;
  end: number;
  /** The entry's term (what the popover looks up). */
  term: string;
}

export type TermMatcher = (text: string) => TermHit[];

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A matcher for these entries. Names of two letters or more; an all-capitals name (LPI, ITT)
 * matches only in capitals, other names (list register, doorbell) in any case. A word boundary
 * is a change from a letter, digit or underscore to something else, so GICR_PROPBASER is one
 * word and "LPIs" is not "LPI" unless an alias says so.
 */
export function termMatcher(entries: readonly TermSource[]): TermMatcher {
  const names = new Map<string, string>();
  for (const e of entries)
    for (const n of [e.term, ...(e.aliases ?? [])]) if (n.length >= 2 && !names.has(n)) names.set(n, e.term);
  const ordered = [...names.keys()].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return () => [];
  const exact = ordered.filter((n) => n === n.toUpperCase());
  const loose = ordered.filter((n) => n !== n.toUpperCase());
  const lower = new Map(loose.map((n) => [n.toLowerCase(), names.get(n)!]));
  const group = (list: string[], flags: string): RegExp | null =>
    list.length ? new RegExp(`(?<![\\w])(?:${list.map(escape).join('|')})(?![\\w])`, flags) : null;
  const res = [group(exact, 'g'), group(loose, 'gi')].filter((r): r is RegExp => r !== null);

  return (text) => {
    const hits: TermHit[] = [];
    for (const re of res) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const term = names.get(m[0]) ?? lower.get(m[0].toLowerCase());
        if (term) hits.push({ start: m.index, end: m.index + m[0].length, term });
      }
    }
    // Longest first at each place, then no overlaps.
    hits.sort((a, b) => a.start - b.start || b.end - a.end);
    const out: TermHit[] = [];
    for (const h of hits) if (!out.length || h.start >= out[out.length - 1]!.end) out.push(h);
    return out;
  };
}

/** Elements whose text is not linked. */
const SKIP = new Set(['CODE', 'PRE', 'A', 'BUTTON', 'H1', 'H2', 'H3', 'H4']);

/**
 * Wraps the first mention of each term under `root` in `<button class="term" data-term=…>`.
 * Returns the terms linked, in order.
 */
export function linkTerms(root: HTMLElement, match: TermMatcher): string[] {
  const doc = root.ownerDocument;
  const seen = new Set<string>();
  const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => {
      for (let p = n.parentElement; p && p !== root; p = p.parentElement)
        if (SKIP.has(p.tagName)) return NodeFilter.FILTER_REJECT;
      return NodeFilter.FILTER_ACCEPT;
    },
  });
  const texts: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) texts.push(n as Text);
  for (const t of texts) {
    const text = t.data;
    const hits = match(text).filter((h) => !seen.has(h.term) && (seen.add(h.term), true));
    if (!hits.length) continue;
    const frag = doc.createDocumentFragment();
    let at = 0;
    for (const h of hits) {
      if (h.start > at) frag.append(text.slice(at, h.start));
      const b = doc.createElement('button');
      b.type = 'button';
      b.className = 'term';
      b.dataset.term = h.term;
      b.setAttribute('aria-haspopup', 'dialog');
      b.title = `${h.term}: glossary`;
      b.textContent = text.slice(h.start, h.end);
      frag.append(b);
      at = h.end;
    }
    if (at < text.length) frag.append(text.slice(at));
    t.replaceWith(frag);
  }
  return [...seen];
}
