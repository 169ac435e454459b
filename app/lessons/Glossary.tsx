/**
 * The glossary: a card with one term's definition (opened from a linked term in the narration,
 * or from another card's "see also"), and the whole glossary as a searchable list (the header's
 * Glossary button, key `G`). Definitions are plain text, rendered as text.
 */

import { useMemo, useState } from 'react';
import { useDialog } from '../components/use-dialog';
import { appStore, useApp } from '../store';
import { GLOSSARY, type GlossaryEntry } from './glossary';

const BY_TERM = new Map(GLOSSARY.map((e) => [e.term, e]));

function Entry({ e, headingLevel }: { e: GlossaryEntry; headingLevel: 2 | 3 }) {
  const H = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <>
      <H className="term-name">
        {e.term}
        {e.aliases?.length ? <span className="aliases"> ({e.aliases.join(', ')})</span> : null}
      </H>
      <p className="term-short">{e.short}</p>
      <p>{e.more}</p>
      {e.see?.length ? (
        <p className="see">
          See also:{' '}
          {e.see.map((t, i) => (
            <span key={t}>
              {i > 0 && ', '}
              <button type="button" className="linkish" onClick={() => appStore.getState().showTerm(t)}>
                {t}
              </button>
            </span>
          ))}
        </p>
      ) : null}
      {e.source && <p className="source">Read more: {e.source}</p>}
    </>
  );
}

/** One term's definition, as a modal card (Escape or Close returns to the narration). */
export function TermCard() {
  const term = useApp((s) => s.glossaryTerm);
  const entry = term ? BY_TERM.get(term) : undefined;
  const dialog = useDialog(entry !== undefined);
  return (
    <dialog
      ref={dialog}
      className="modal term-card"
      aria-label={entry ? `Glossary: ${entry.term}` : 'Glossary'}
      onClose={() => appStore.getState().showTerm(null)}
      data-testid="term-card"
    >
      {entry && <Entry e={entry} headingLevel={2} />}
      <form method="dialog">
        <button type="submit">Close</button>{' '}
        <button
          type="button"
          onClick={() => {
            appStore.getState().showTerm(null);
            appStore.getState().toggleGlossary(true);
          }}
        >
          Whole glossary
        </button>
      </form>
    </dialog>
  );
}

/** Every term, grouped by topic, with a filter. */
export function GlossaryDialog() {
  const open = useApp((s) => s.glossaryOpen);
  const dialog = useDialog(open);
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return GLOSSARY.filter(
      (e) =>
        !f ||
        e.term.toLowerCase().includes(f) ||
        e.aliases?.some((a) => a.toLowerCase().includes(f)) ||
        e.short.toLowerCase().includes(f),
    );
  }, [filter]);
  const topics = ['GICv3', 'ITS', 'KVM', 'GICv4'] as const;
  return (
    <dialog
      ref={dialog}
      className="modal glossary"
      aria-labelledby="glossary-title"
      onClose={() => appStore.getState().toggleGlossary(false)}
      data-testid="glossary"
    >
      <div className="glossary-head">
        <h2 id="glossary-title">Glossary</h2>
        <label>
          Find{' '}
          <input
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            aria-label="Find a term"
            data-testid="glossary-filter"
          />
        </label>
        <form method="dialog">
          <button type="submit">Close</button>
        </form>
      </div>
      {topics.map((t) => {
        const list = shown.filter((e) => e.topic === t);
        if (!list.length) return null;
        return (
          <section key={t} aria-label={t}>
            <h3 className="topic">{t}</h3>
            <dl>
              {list.map((e) => (
                <div key={e.term} className="glossary-entry" data-testid="glossary-entry">
                  <dt>
                    <button
                      type="button"
                      className="linkish"
                      onClick={() => appStore.getState().showTerm(e.term)}
                    >
                      {e.term}
                    </button>
                  </dt>
                  <dd>{e.short}</dd>
                </div>
              ))}
            </dl>
          </section>
        );
      })}
      {shown.length === 0 && <p role="status">No term matches “{filter}”.</p>}
    </dialog>
  );
}
