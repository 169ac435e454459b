/**
 * "Share…" in the header, and the dialog it opens: a link to the open session at the step shown
 * (the state is in the link's fragment, see share-link.ts), the same link in embed mode, and an
 * `<iframe>` snippet for a wiki page or a slide, each in a read-only field with a Copy button.
 *
 * The clipboard may be unavailable (an insecure origin, a denied permission): Copy then selects
 * the field's text and says to press Ctrl+C, so the link can always be copied by hand. The dialog
 * is a native modal <dialog>: focus moves into it and stays there, Escape closes it, and focus
 * goes back to the button. Keys pressed in it do not reach the page's playback shortcuts
 * (keyboard.ts leaves an open dialog's keys alone), so the link cannot go stale behind it.
 */

import { useEffect, useRef, useState, type RefObject } from 'react';
import { fetchScenario } from '../scenarios';
import { useDialog } from '../components/use-dialog';
import { appStore, useApp } from '../store';
import { encodeShare, iframeSnippet, shareUrl } from './share-link';
import { shareSourceOf, type ShareSource } from './share-state';
import './share.css';

type Links =
  | { status: 'making' }
  | { status: 'error'; error: string }
  | {
      status: 'ready';
      link: string;
      embed: string;
      iframe: string;
      source: ShareSource;
      title: string;
      length: number;
    };

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The links for the session as it is now. */
async function makeLinks(): Promise<Links> {
  const s = appStore.getState();
  try {
    const source = await shareSourceOf(s, fetchScenario);
    const enc = await encodeShare(source.state);
    if (!enc.ok) return { status: 'error', error: enc.error };
    const link = shareUrl(window.location, enc.payload);
    const embed = shareUrl(window.location, enc.payload, true);
    const title = s.session?.title ?? '';
    return {
      status: 'ready',
      link,
      embed,
      iframe: iframeSnippet(embed, title),
      source,
      title,
      length: s.length,
    };
  } catch (e) {
    return { status: 'error', error: `share link: the link could not be made: ${message(e)}` };
  }
}

function Describe({ links }: { links: Extract<Links, { status: 'ready' }> }) {
  const { state, edits } = links.source;
  return (
    <p className="share-about" data-testid="share-about">
      “{links.title}” at event {state.at} of {links.length}
      {edits > 0 && (
        <>
          , with the {edits} console line{edits === 1 ? '' : 's'} you ran
        </>
      )}
      .{' '}
      {'scenario' in state ? (
        <>
          The link names the scenario by its path (<code>{state.scenario}</code>).
        </>
      ) : (
        <>
          The link carries the whole scenario{edits > 0 ? ' and your lines' : ''}, so it does not depend on
          this site’s files.
        </>
      )}{' '}
      It is all in the part after <code>#</code> ({links.link.length - links.link.indexOf('#') - 1}{' '}
      characters), which browsers do not send to any server.
    </p>
  );
}

export function ShareButton() {
  const hasSession = useApp((s) => s.session !== null);
  const [open, setOpen] = useState(false);
  const [links, setLinks] = useState<Links>({ status: 'making' });
  const [status, setStatus] = useState<{ text: string; copied: boolean }>({ text: '', copied: false });
  const dialog = useDialog(open);
  const button = useRef<HTMLButtonElement>(null);
  const linkField = useRef<HTMLInputElement>(null);
  const embedField = useRef<HTMLInputElement>(null);
  const iframeField = useRef<HTMLTextAreaElement>(null);
  const request = useRef(0);

  // The link is ready: it takes the focus, selected, so Ctrl+C copies it straight away.
  useEffect(() => {
    if (open && links.status === 'ready') {
      linkField.current?.focus();
      linkField.current?.select();
    }
  }, [open, links.status]);

  const show = (): void => {
    const r = ++request.current;
    setLinks({ status: 'making' });
    setStatus({ text: '', copied: false });
    setOpen(true);
    void makeLinks().then((l) => {
      if (r === request.current) setLinks(l);
    });
  };

  const close = (): void => {
    request.current++;
    setOpen(false);
    button.current?.focus();
  };

  const copy = async (text: string, field: HTMLInputElement | HTMLTextAreaElement | null, what: string) => {
    field?.focus();
    field?.select();
    try {
      // Undefined on an insecure origin (plain http other than localhost).
      if (!(navigator.clipboard as Clipboard | undefined)) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      setStatus({ text: `${what} copied.`, copied: true });
    } catch {
      setStatus({
        text: `The clipboard is not available here: the ${what.toLowerCase()} is selected, press Ctrl+C (⌘C) to copy it.`,
        copied: false,
      });
    }
  };

  const field = (
    id: string,
    label: string,
    value: string,
    ref: RefObject<HTMLInputElement | null>,
    what: string,
    testid: string,
  ) => (
    <div className="share-field">
      <label htmlFor={id}>{label}</label>
      <div className="share-row">
        <input
          id={id}
          ref={ref}
          type="text"
          readOnly
          value={value}
          spellCheck={false}
          onFocus={(e) => e.target.select()}
          data-testid={testid}
        />
        <button
          type="button"
          onClick={() => void copy(value, ref.current, what)}
          aria-label={`Copy the ${what.toLowerCase()}`}
          data-testid={`${testid}-copy`}
        >
          Copy
        </button>
      </div>
    </div>
  );

  return (
    <>
      <button
        ref={button}
        type="button"
        onClick={show}
        disabled={!hasSession}
        aria-haspopup="dialog"
        title={
          hasSession
            ? 'A link to this scenario at this step (with your console lines), and an embed for slides and wikis'
            : 'Open a scenario first: a link shares the open scenario at its step'
        }
        data-testid="share-button"
      >
        Share…
      </button>
      <dialog
        ref={dialog}
        className="modal share-dialog"
        aria-labelledby="share-title"
        aria-describedby="share-intro"
        onClose={close}
        data-testid="share-dialog"
      >
        <h2 id="share-title">Share this step</h2>
        <div id="share-intro">
          {links.status === 'making' && (
            <p className="share-about" role="status">
              Making the link…
            </p>
          )}
          {links.status === 'error' && (
            <p className="share-error" role="alert" data-testid="share-error">
              {links.error}
            </p>
          )}
          {links.status === 'ready' && <Describe links={links} />}
        </div>
        {links.status === 'ready' && (
          <>
            {field('share-link', 'Link', links.link, linkField, 'Link', 'share-link')}
            {field(
              'share-embed',
              'Embed link: the stage and playback only',
              links.embed,
              embedField,
              'Embed link',
              'share-embed',
            )}
            <div className="share-field">
              <label htmlFor="share-iframe">HTML for a wiki page or a slide</label>
              <div className="share-row">
                <textarea
                  id="share-iframe"
                  ref={iframeField}
                  readOnly
                  rows={3}
                  value={links.iframe}
                  spellCheck={false}
                  onFocus={(e) => e.target.select()}
                  data-testid="share-iframe"
                />
                <button
                  type="button"
                  onClick={() => void copy(links.iframe, iframeField.current, 'HTML')}
                  aria-label="Copy the HTML"
                  data-testid="share-iframe-copy"
                >
                  Copy
                </button>
              </div>
            </div>
          </>
        )}
        <p
          className={`share-status${status.copied ? ' copied' : ''}`}
          role="status"
          aria-live="polite"
          data-testid="share-status"
        >
          {status.text}
        </p>
        <div className="share-actions">
          {links.status === 'ready' && (
            <a href={links.embed} target="_blank" rel="noopener noreferrer" data-testid="share-embed-preview">
              Preview the embed ↗
            </a>
          )}
          <button type="button" onClick={close} data-testid="share-close">
            Close
          </button>
        </div>
      </dialog>
    </>
  );
}
