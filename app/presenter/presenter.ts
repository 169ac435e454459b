/**
 * Entering and leaving presenter mode: the page goes full screen (when the browser allows it:
 * entering is always a click or a key press, which the Fullscreen API requires), switches to the
 * projector theme, and gives the theme back on leaving. Leaving full screen with the browser's
 * own Escape leaves presenter mode too, so the two never disagree.
 *
 * The speaker notes open in a second window (`?notes`) that follows this one (notes-channel.ts).
 */

import type { AppStore } from '../store/store';
import type { Theme } from '../store/views-slice';

let themeBefore: Theme | null = null;

export function enterPresenter(store: AppStore): void {
  const s = store.getState();
  if (s.presenting) return;
  themeBefore = s.theme;
  s.setPresenting(true);
  s.setTheme('projector');
  s.toggleHelp(false);
  // A browser may refuse (an iframe without allowfullscreen, a headless test): presenter mode
  // still works in the window as it is.
  document.documentElement.requestFullscreen?.().catch(() => undefined);
}

export function leavePresenter(store: AppStore): void {
  const s = store.getState();
  if (!s.presenting) return;
  s.setPresenting(false);
  if (themeBefore) s.setTheme(themeBefore);
  themeBefore = null;
  if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
}

export function togglePresenter(store: AppStore): void {
  if (store.getState().presenting) leavePresenter(store);
  else enterPresenter(store);
}

/** Opens (or brings forward) the speaker notes window. */
export function openSpeakerNotes(): Window | null {
  const url = new URL(window.location.href);
  url.search = '?notes';
  url.hash = '';
  return window.open(url.toString(), 'giclab-speaker-notes', 'popup,width=720,height=640');
}

/** Leaving full screen (the browser's Escape) leaves presenter mode. */
export function bindPresenterScreen(store: AppStore): () => void {
  const onChange = (): void => {
    if (!document.fullscreenElement && store.getState().presenting) leavePresenter(store);
  };
  document.addEventListener('fullscreenchange', onChange);
  return () => document.removeEventListener('fullscreenchange', onChange);
}
