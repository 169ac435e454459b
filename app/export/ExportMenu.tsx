/**
 * The header's Export menu: the stage as SVG or PNG, a video of the steps, the event log as a
 * Chrome trace, the scenario as a Playwright e2e test (app/authoring/export-spec.ts). A menu button (WAI-ARIA menu pattern): Enter, Space or Down opens it on the first
 * item, Up on the last; arrows, Home and End move; Escape closes it and gives focus back to the
 * button; Tab or a click elsewhere closes it. Keys pressed in the menu stay in it, so the page's
 * shortcuts (Home jumps to the start) do not fire behind it. The work is done by actions.ts; the
 * outcome is announced in a status line beside the button.
 */

import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { exportedMessage, exportSpec } from '../authoring/export-spec';
import { useApp } from '../store';
import { exportPng, exportSvg, exportTrace } from './actions';
import { videoSupported } from './video';
import { VideoDialog } from './VideoDialog';
import './export.css';

type Item = {
  id: 'svg' | 'png' | 'video' | 'trace' | 'spec';
  label: string;
  hint: string;
  disabled?: string;
};

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function ExportMenu() {
  const ready = useApp((s) => s.session !== null && s.frame !== null);
  const isTrace = useApp((s) => s.session?.trace !== undefined);
  const [open, setOpen] = useState(false);
  const [videoOpen, setVideoOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ text: string; error?: boolean } | null>(null);
  const [video] = useState(() => videoSupported());
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);
  /** Which item takes the focus when the menu opens. */
  const focusOnOpen = useRef<'first' | 'last'>('first');
  const menuId = useId();
  const buttonId = useId();

  const items: Item[] = [
    { id: 'svg', label: 'Stage as SVG', hint: 'A vector drawing of the stage, styled as shown' },
    { id: 'png', label: 'Stage as PNG', hint: 'The stage at twice its size on screen' },
    {
      id: 'video',
      label: 'Video of the steps… (WebM)',
      hint: 'Step through a range and record the stage',
      ...(video ? {} : { disabled: 'This browser cannot record WebM video (MediaRecorder)' }),
    },
    {
      id: 'trace',
      label: 'Event log as Chrome trace (Perfetto)',
      hint: 'Every event on a timeline, with arrows from causes; opens in ui.perfetto.dev',
    },
    {
      id: 'spec',
      label: 'Export as e2e test (Playwright)',
      hint: 'A spec that replays this scenario in the browser and checks its expectations',
      ...(isTrace ? { disabled: 'A replayed trace is not a scenario: it cannot be exported as a test' } : {}),
    },
  ];

  const menuItems = (): HTMLButtonElement[] =>
    [...(menu.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])].filter(
      (b) => !b.disabled,
    );

  useEffect(() => {
    if (!open) return;
    const list = menuItems();
    (focusOnOpen.current === 'first' ? list[0] : list[list.length - 1])?.focus();
    // A press anywhere else closes the menu (the button toggles it itself).
    const outside = (e: PointerEvent) => {
      const t = e.target as Node;
      if (!menu.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);

  // The status says what was saved for a while, then gives its place back to the header.
  useEffect(() => {
    if (!status || status.error) return;
    const t = setTimeout(() => setStatus(null), 8000);
    return () => clearTimeout(t);
  }, [status]);

  const close = (focusButton: boolean) => {
    setOpen(false);
    if (focusButton) button.current?.focus();
  };

  const run = async (item: Item['id']): Promise<void> => {
    close(true);
    if (item === 'video') {
      setVideoOpen(true);
      return;
    }
    setBusy(true);
    setStatus({ text: item === 'trace' ? 'Reading the event log…' : 'Exporting…' });
    try {
      if (item === 'spec') {
        setStatus({ text: exportedMessage(await exportSpec()) });
        return;
      }
      const name =
        item === 'svg'
          ? exportSvg()
          : item === 'png'
            ? await exportPng()
            : await exportTrace((done, total) =>
                setStatus({ text: `Reading the event log… ${done} of ${total}` }),
              );
      setStatus({ text: `Saved ${name}` });
    } catch (e) {
      setStatus({ text: `Could not export: ${message(e)}`, error: true });
    } finally {
      setBusy(false);
    }
  };

  const onButtonKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      e.stopPropagation();
      focusOnOpen.current = e.key === 'ArrowDown' ? 'first' : 'last';
      setOpen(true);
    }
  };

  const onMenuKey = (e: KeyboardEvent<HTMLUListElement>) => {
    // Keys in the menu are the menu's: none reaches the page's shortcuts.
    e.stopPropagation();
    const list = menuItems();
    const i = list.indexOf(document.activeElement as HTMLButtonElement);
    const focus = (j: number) => list[(j + list.length) % list.length]?.focus();
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        focus(i + 1);
        break;
      case 'ArrowUp':
        e.preventDefault();
        focus(i - 1);
        break;
      case 'Home':
        e.preventDefault();
        focus(0);
        break;
      case 'End':
        e.preventDefault();
        focus(list.length - 1);
        break;
      case 'Escape':
        e.preventDefault();
        close(true);
        break;
      case 'Tab':
        close(false);
        break;
    }
  };

  return (
    <div className="export">
      <button
        ref={button}
        id={buttonId}
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={menuId}
        disabled={!ready || busy}
        onClick={() => {
          focusOnOpen.current = 'first';
          setOpen(!open);
        }}
        onKeyDown={onButtonKey}
        title="Export the stage, a video of the steps, or the event log"
        data-testid="export"
      >
        Export ▾
      </button>
      {open && (
        <ul
          ref={menu}
          id={menuId}
          role="menu"
          aria-labelledby={buttonId}
          className="export-menu"
          onKeyDown={onMenuKey}
          data-testid="export-menu"
        >
          {items.map((it) => (
            <li key={it.id} role="none">
              <button
                type="button"
                role="menuitem"
                tabIndex={-1}
                disabled={it.disabled !== undefined}
                title={it.disabled ?? it.hint}
                onClick={() => void run(it.id)}
                data-testid={`export-${it.id}`}
              >
                <span className="export-label">{it.label}</span>
                <span className="export-hint">{it.disabled ?? it.hint}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <span
        role="status"
        className={`export-status${status?.error ? ' error' : ''}`}
        data-testid="export-status"
      >
        {status?.text ?? ''}
      </span>
      {videoOpen && (
        <VideoDialog
          onClose={(saved) => {
            setVideoOpen(false);
            if (saved) setStatus({ text: `Saved ${saved}` });
            button.current?.focus();
          }}
        />
      )}
    </div>
  );
}
