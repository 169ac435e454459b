/**
 * Keyboard shortcuts: one table, used both to handle keys and to list them in the help overlay,
 * so the two cannot disagree. Keys typed into a form field (the console, a filter) are left alone.
 */

import { leavePresenter, openSpeakerNotes, togglePresenter } from './presenter/presenter';
import type { AppStore } from './store/store';
import type { Granularity } from './worker/api';
import { SPEEDS } from './store/playback-slice';
import { TABS } from './store/views-slice';

export interface Shortcut {
  keys: string[];
  /** What the help overlay says. */
  does: string;
  run: (store: AppStore) => void;
}

const granularity = (g: Granularity) => (store: AppStore) => store.getState().setGranularity(g);

/** The choice after `now` in `order`, round to the first (a key that steps through a few). */
const nextOf = <T>(order: readonly T[], now: T): T => order[(order.indexOf(now) + 1) % order.length]!;

function changeSpeed(store: AppStore, dir: 1 | -1): void {
  const s = store.getState();
  const i = SPEEDS.findIndex((v) => v >= s.speed);
  const next = SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, (i < 0 ? SPEEDS.length - 1 : i) + dir))]!;
  s.setSpeed(next);
}

export const SHORTCUTS: Shortcut[] = [
  {
    keys: ['ArrowRight', 'l'],
    does: 'Step forward (at the chosen granularity)',
    run: (s) => void s.getState().stepForward(),
  },
  { keys: ['ArrowLeft', 'h'], does: 'Step back', run: (s) => void s.getState().stepBack() },
  { keys: [' ', 'k'], does: 'Play / pause', run: (s) => s.getState().togglePlay() },
  { keys: ['Home'], does: 'Jump to the start', run: (s) => void s.getState().jumpStart() },
  { keys: ['End'], does: 'Jump to the end', run: (s) => void s.getState().jumpEnd() },
  { keys: [']', 'PageDown'], does: 'Next scenario step', run: (s) => void s.getState().stepForward('step') },
  { keys: ['[', 'PageUp'], does: 'Previous scenario step', run: (s) => void s.getState().stepBack('step') },
  { keys: ['1'], does: 'Granularity: one event', run: granularity('event') },
  {
    keys: ['2'],
    does: 'Granularity: one transaction (an input and all it sets off)',
    run: granularity('transaction'),
  },
  { keys: ['3'], does: 'Granularity: the next ITS command', run: granularity('command') },
  {
    keys: ['4'],
    does: 'Granularity: the next interrupt a CPU (or a guest) takes',
    run: granularity('delivery'),
  },
  { keys: ['5'], does: 'Granularity: the next scenario step', run: granularity('step') },
  { keys: ['+', '='], does: 'Play faster', run: (s) => changeSpeed(s, 1) },
  { keys: ['-'], does: 'Play slower', run: (s) => changeSpeed(s, -1) },
  {
    keys: ['t'],
    does: 'Switch theme (auto, light, dark)',
    run: (s) => s.getState().setTheme(nextOf(['auto', 'light', 'dark'], s.getState().theme)),
  },
  ...TABS.map((t): Shortcut => ({
    keys: [t.key],
    does:
      t.id === 'console'
        ? 'Open the sandbox console'
        : t.id === 'vpes'
          ? 'Open the vPE inspector (GICv4: vPEs, virtual pending tables, residency, forwarding)'
          : `Open the ${t.label} inspector`,
    run: (s) => s.getState().setTab(t.id),
  })),
  {
    keys: ['b'],
    does: 'Show or hide the breakpoints (in presenter mode: blank the screen)',
    run: (s) => (s.getState().presenting ? s.getState().toggleBlank() : s.getState().toggleBreakpoints()),
  },
  {
    keys: ['f'],
    does: 'Presenter mode: full screen, large type, projector theme (again to leave)',
    run: togglePresenter,
  },
  {
    keys: ['n'],
    does: 'Open the speaker notes window (it follows this one)',
    run: () => void openSpeakerNotes(),
  },
  {
    keys: ['B', '.'],
    does: 'Presenter mode: blank the screen, as a clicker’s blank key does (again to show it)',
    run: (s) => s.getState().toggleBlank(),
  },
  {
    keys: ['d'],
    does: 'GICv4: bring forward the direct path, the software path, or both',
    run: (s) => s.getState().setPathView(nextOf(['both', 'direct', 'software'], s.getState().pathView)),
  },
  { keys: ['?'], does: 'Show or hide this help', run: (s) => s.getState().toggleHelp() },
  {
    keys: ['Escape'],
    does: 'Show a blanked screen again; close the help and the breakpoints; clear the selection; leave presenter mode',
    run: (s) => {
      if (s.getState().blanked) {
        s.getState().toggleBlank(false);
        return;
      }
      if (s.getState().presenting) leavePresenter(s);
      s.getState().toggleHelp(false);
      s.getState().toggleBreakpoints(false);
      s.getState().togglePaths(false);
      s.getState().clearSelection();
    },
  },
];

const BY_KEY = new Map<string, Shortcut>();
for (const sc of SHORTCUTS) for (const k of sc.keys) BY_KEY.set(k, sc);

function typingInto(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

export function bindKeyboard(store: AppStore, target: Window = window): () => void {
  const onKey = (ev: KeyboardEvent): void => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typingInto(ev.target)) return;
    // An open dialog (help, glossary, lessons) has the keys: Escape closes it natively, and the
    // machine behind it must not step.
    if (ev.target instanceof Element && ev.target.closest('dialog[open]')) return;
    // Space and Enter keep their meaning on buttons (activating them).
    if ((ev.key === ' ' || ev.key === 'Enter') && ev.target instanceof HTMLButtonElement) return;
    const sc = BY_KEY.get(ev.key);
    if (!sc) return;
    ev.preventDefault();
    sc.run(store);
  };
  target.addEventListener('keydown', onKey);
  return () => target.removeEventListener('keydown', onKey);
}

/** How a key is shown in the help overlay. */
export function keyLabel(k: string): string {
  return k === ' ' ? 'Space' : k === 'ArrowRight' ? '→' : k === 'ArrowLeft' ? '←' : k;
}
