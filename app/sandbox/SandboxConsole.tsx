/**
 * The sandbox console: a transcript of the lines run on this machine, and an input line that
 * takes the command language. Enter runs the line at the end of the history; Tab completes the
 * word at the cursor (a list when there are several candidates: arrows and Enter pick); Up and
 * Down recall earlier lines. A refused line stays in the input, with the reason and a caret under
 * the column at fault, for correcting. Keys typed here never reach the page's shortcuts
 * (app/keyboard.ts leaves form fields alone).
 *
 * The session is a recording: "Save as scenario" downloads it as a scenario file, and "Export as
 * e2e test" as a Playwright spec that replays it (app/authoring/; the steps column's "Edit steps"
 * titles, narrates and groups its steps first, docs/authoring.md).
 */

import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { exportedMessage, exportSpec } from '../authoring/export-spec';
import { appStore, useApp } from '../store';
import type { ConsoleEntry } from '../store/sandbox-slice';
import type { Completion } from '../worker/api';
import './sandbox.css';

interface Refusal {
  line: string;
  column: number;
  message: string;
}

/**
 * Where the completion list goes: above the input, in the page's coordinates, so that it can
 * open over the stage when the console panel is short (a laptop screen) instead of being clipped.
 */
interface Anchor {
  left: number;
  bottom: number;
  width: number;
  maxHeight: number;
}

function anchorOf(el: HTMLElement | null): Anchor {
  const r = el?.getBoundingClientRect();
  if (!r) return { left: 0, bottom: 0, width: 480, maxHeight: 240 };
  return {
    left: r.left,
    bottom: window.innerHeight - r.top + 4,
    width: Math.min(r.width, 760),
    maxHeight: Math.max(96, Math.min(r.top - 72, 360)),
  };
}

type ListState = { c: Completion; selected: number; anchor: Anchor };

const VERDICT: Record<ConsoleEntry['outcome'], string> = { ok: 'ok', refused: 'refused', failed: 'failed' };

function Entry({ e }: { e: ConsoleEntry }) {
  const verdict = e.kind === 'expect' ? (e.outcome === 'ok' ? 'holds' : 'does not hold') : VERDICT[e.outcome];
  return (
    <li className={`console-entry ${e.outcome}`} data-outcome={e.outcome} data-testid="console-entry">
      <div className="console-line">
        <span className="console-prompt" aria-hidden="true">
          ›
        </span>
        <code>{e.line}</code>
        <span className="console-verdict">{verdict}</span>
      </div>
      <div className="console-result">
        {e.outcome === 'refused' && e.column !== undefined && <span>column {e.column}: </span>}
        {e.message}
        {e.movedToEnd && (
          <span className="console-note" data-testid="moved-to-end">
            {' '}
            (ran at the end of the history; the view jumped there)
          </span>
        )}
        {e.warnings.map((w) => (
          <span key={w} className="console-warning">
            {' '}
            {w}
          </span>
        ))}
      </div>
    </li>
  );
}

/** The examples under the input: clicking one puts it in the input. */
function examples(device: string | undefined): string[] {
  return [
    'write GICD_CTLR 0x12',
    'its MAPD DeviceID=16 Size=4 ITT_addr=0x40300000 V=1',
    `msi ${device ?? 'rid=0x10'} 3`,
    'expect deliveries cpu1:8195',
  ];
}

export function SandboxConsole() {
  const transcript = useApp((s) => s.transcript);
  const history = useApp((s) => s.history);
  const running = useApp((s) => s.running);
  const device = useApp((s) => s.session?.shape.devices[0]?.name);
  const focusRequest = useApp((s) => s.focusRequest);

  const [value, setValue] = useState('');
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [list, setList] = useState<ListState | null>(null);
  const [recall, setRecall] = useState<{ index: number; draft: string } | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saveNote, setSaveNote] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const scroller = useRef<HTMLOListElement>(null);
  const listbox = useRef<HTMLUListElement>(null);
  const caret = useRef<number | null>(null);
  /** Answers to completion requests that arrive after a newer one are dropped. */
  const asked = useRef(0);

  // Put the cursor where a completion or a recall left it, once React has set the value.
  useLayoutEffect(() => {
    const at = caret.current;
    if (at === null || !input.current) return;
    caret.current = null;
    input.current.setSelectionRange(at, at);
  }, [value]);

  useEffect(() => {
    if (focusRequest) input.current?.focus();
  }, [focusRequest]);

  // Keep the picked candidate in view as the arrows move through a long list.
  useEffect(() => {
    if (!list || list.selected < 0) return;
    listbox.current?.children[list.selected]?.scrollIntoView({ block: 'nearest' });
  }, [list]);

  useEffect(() => {
    const s = scroller.current;
    if (s) s.scrollTop = s.scrollHeight;
  }, [transcript.length]);

  const setLine = (text: string, cursor = text.length): void => {
    caret.current = cursor;
    setValue(text);
  };

  const run = async (): Promise<void> => {
    const line = value;
    if (!line.trim() || running) return;
    setList(null);
    setRecall(null);
    const e = await appStore.getState().exec(line);
    if (e.outcome === 'refused') setRefusal({ line, column: e.column ?? 1, message: e.message });
    else {
      setRefusal(null);
      setLine('');
    }
    input.current?.focus();
  };

  const ask = async (text: string, cursor: number): Promise<Completion | null> => {
    const n = ++asked.current;
    const c = await appStore.getState().complete(text, cursor);
    return n === asked.current ? c : null;
  };

  const apply = (c: Completion, i: number): void => {
    const cand = c.candidates[i];
    if (!cand) return;
    setList(null);
    setLine(value.slice(0, c.from) + cand.insert + value.slice(c.to), c.from + cand.insert.length);
  };

  const completeAtCursor = async (): Promise<void> => {
    const el = input.current;
    const cursor = el?.selectionStart ?? value.length;
    const c = await ask(value, cursor);
    if (!c || c.candidates.length === 0) {
      setList(c ? { c, selected: -1, anchor: anchorOf(input.current) } : null);
      return;
    }
    if (c.candidates.length === 1) apply(c, 0);
    else setList({ c, selected: 0, anchor: anchorOf(input.current) });
  };

  // While the list is open, typing narrows it.
  const refine = async (text: string, cursor: number): Promise<void> => {
    const c = await ask(text, cursor);
    if (!c || c.candidates.length === 0) setList(null);
    else setList({ c, selected: 0, anchor: anchorOf(input.current) });
  };

  const recallLine = (dir: -1 | 1): void => {
    if (history.length === 0) return;
    const index = recall ? recall.index + dir : dir < 0 ? history.length - 1 : history.length;
    if (index < 0) return;
    if (index >= history.length) {
      if (recall) setLine(recall.draft);
      setRecall(null);
      return;
    }
    setRecall({ index, draft: recall?.draft ?? value });
    setLine(history[index]!);
  };

  const onKeyDown = (ev: KeyboardEvent<HTMLInputElement>): void => {
    const open = list && list.selected >= 0 ? list : null;
    switch (ev.key) {
      case 'Tab':
        if (ev.shiftKey || ev.ctrlKey || ev.altKey || ev.metaKey) return;
        ev.preventDefault();
        if (open) apply(open.c, open.selected);
        else void completeAtCursor();
        return;
      case 'ArrowDown':
      case 'ArrowUp': {
        ev.preventDefault();
        const dir = ev.key === 'ArrowDown' ? 1 : -1;
        if (open) {
          const n = open.c.candidates.length;
          setList({ ...open, selected: (open.selected + dir + n) % n });
        } else recallLine(dir);
        return;
      }
      case 'Enter':
        ev.preventDefault();
        if (open) apply(open.c, open.selected);
        else void run();
        return;
      case 'Escape':
        if (list) {
          ev.preventDefault();
          setList(null);
        }
        return;
    }
  };

  const save = async (): Promise<void> => {
    setSaveError(null);
    setSaveNote(null);
    try {
      const { text, fileName } = await appStore.getState().saveAsScenario();
      const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 0);
    } catch (e) {
      setSaveError(`Could not save: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const exportTest = async (): Promise<void> => {
    setSaveError(null);
    setSaveNote(null);
    try {
      setSaveNote(exportedMessage(await exportSpec()));
    } catch (e) {
      setSaveError(`Could not export: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const shown = list && list.c.candidates.length > 0 ? list : null;
  const showRefusal = refusal && refusal.line === value ? refusal : null;
  const optionId = (i: number): string => `console-option-${i}`;

  return (
    <div className="sandbox-console" data-testid="console">
      <div className="console-bar">
        <p
          className="console-hint"
          title="Tab completes the word at the cursor, Up and Down recall earlier lines, Enter runs the line at the end of the history"
        >
          <kbd>Tab</kbd> completes · <kbd>↑</kbd>
          <kbd>↓</kbd> recall · <kbd>Enter</kbd> runs · try{' '}
          {examples(device).map((x, i) => (
            <span key={x}>
              {i > 0 && ' '}
              <button
                type="button"
                className="console-example"
                onClick={() => setLine(x)}
                title="Put it in the input"
              >
                {x}
              </button>
            </span>
          ))}
        </p>
        <button type="button" onClick={() => void save()} data-testid="save-scenario">
          Save as scenario
        </button>
        <button
          type="button"
          onClick={() => void exportTest()}
          title="Download a Playwright spec that replays this session in the browser and checks its expectations"
          data-testid="export-spec-console"
        >
          Export as e2e test
        </button>
      </div>
      {saveError && <p className="console-save-error">{saveError}</p>}
      <p className="console-save-note" role="status" data-testid="console-save-note">
        {saveNote}
      </p>
      {/* It scrolls once lines pile up: focusable, so the keyboard can scroll it back too. */}
      <ol
        className="console-transcript"
        ref={scroller}
        aria-label="Console transcript"
        aria-live="polite"
        tabIndex={0}
      >
        {transcript.length === 0 && (
          <li className="console-empty">
            Lines you run appear here, with what they did. Each line is a step of the session: the stage, the
            log and the steps show it.
          </li>
        )}
        {transcript.map((e) => (
          <Entry key={e.id} e={e} />
        ))}
      </ol>
      <div className="console-input-row">
        {shown && (
          <ul
            ref={listbox}
            style={{
              left: shown.anchor.left,
              bottom: shown.anchor.bottom,
              width: shown.anchor.width,
              maxHeight: shown.anchor.maxHeight,
            }}
            className="console-completions"
            role="listbox"
            id="console-completions"
            data-testid="completions"
          >
            {shown.c.candidates.map((cand, i) => (
              <li
                key={`${cand.text}-${i}`}
                id={optionId(i)}
                role="option"
                aria-selected={i === shown.selected}
                className={i === shown.selected ? 'selected' : undefined}
                onMouseDown={(ev) => {
                  ev.preventDefault();
                  apply(shown.c, i);
                }}
                data-testid="completion"
              >
                <code>{cand.text}</code>
                <span>{cand.detail}</span>
              </li>
            ))}
          </ul>
        )}
        <label className="console-prompt" htmlFor="console-input" title="Command">
          ›
        </label>
        <input
          ref={input}
          id="console-input"
          className="console-input"
          value={value}
          placeholder="a command, e.g. its MAPC ICID=1 RDbase=1 V=1"
          spellCheck={false}
          autoComplete="off"
          autoCapitalize="off"
          autoFocus
          role="combobox"
          aria-label="Console command"
          aria-expanded={shown !== null}
          aria-controls="console-completions"
          aria-autocomplete="list"
          aria-activedescendant={shown ? optionId(shown.selected) : undefined}
          aria-invalid={showRefusal !== null}
          aria-describedby={showRefusal ? 'console-error' : undefined}
          onChange={(e) => {
            const text = e.target.value;
            setValue(text);
            setRecall(null);
            if (list) void refine(text, e.target.selectionStart ?? text.length);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => setList(null)}
          data-testid="console-input"
        />
        <button type="button" onClick={() => void run()} disabled={running || !value.trim()}>
          Run
        </button>
      </div>
      {list && list.c.candidates.length === 0 && (
        <p className="console-nothing" data-testid="no-completion">
          Nothing to complete here.
        </p>
      )}
      {showRefusal && (
        <div
          className="console-error"
          id="console-error"
          role="alert"
          data-testid="console-error"
          data-column={showRefusal.column}
        >
          <pre>
            <span aria-hidden="true">
              {showRefusal.line}
              {'\n'}
              {' '.repeat(Math.max(0, showRefusal.column - 1))}^{' '}
            </span>
            <span className="console-reason">
              column {showRefusal.column}: {showRefusal.message}
            </span>
          </pre>
        </div>
      )}
    </div>
  );
}
