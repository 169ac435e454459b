/**
 * Narration as the learner reads it: the scenario's Markdown (rendered without raw HTML, see
 * app/markdown.ts) with the first mention of each glossary term turned into a button that opens
 * its definition. The terms are linked after React has put the HTML in place; React never
 * manages the children of this element, so changing them is safe.
 */

import { useEffect, useRef } from 'react';
import { markdownToHtml } from '../markdown';
import { appStore } from '../store';
import { GLOSSARY } from './glossary';
import { linkTerms, termMatcher } from './term-links';

const match = termMatcher(GLOSSARY);

export function Narration({
  markdown,
  className,
  testId,
}: {
  markdown: string;
  className: string;
  testId?: string;
}) {
  const root = useRef<HTMLDivElement>(null);
  const html = markdownToHtml(markdown);

  useEffect(() => {
    const el = root.current;
    if (!el) return;
    el.innerHTML = html;
    linkTerms(el, match);
  }, [html]);

  return (
    <div
      ref={root}
      className={className}
      data-testid={testId}
      onClick={(e) => {
        const t = (e.target as HTMLElement).closest<HTMLElement>('button.term');
        if (t?.dataset.term) appStore.getState().showTerm(t.dataset.term);
      }}
    />
  );
}
