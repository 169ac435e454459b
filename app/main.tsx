/**
 * Entry point: renders the page and wires what lives outside React: the session start (scenario
 * index + the scenario and position named in the URL, or the state a `#share=` link carries), embed
 * mode (`?embed`), the keyboard, the play ticker, the URL kept in step with the position, the
 * theme, and the worker watchdog's notices.
 */

// First of all: before any module defines a zod schema (see the file).
import './share/zod-jitless';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { bindKeyboard } from './keyboard';
import { bindLessons } from './lessons/lesson-bindings';
import { defaultStorage } from './lessons/progress-storage';
import { startTicker } from './playback/ticker';
import { decodeShare, shareFragment } from './share/share-link';
import { restoreShared } from './share/share-state';
import { appStore } from './store';
import {
  clearScenarioInUrl,
  keepOnlyShareInUrl,
  readUrl,
  replaceShareWithScenario,
  setPositionInUrl,
} from './url';
import type { CrashMode } from './worker/api';
import { getEngine, onEngineNotice, setWatchdogTimeout } from './worker/client';
import './styles.css';
import './app.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

const url = readUrl();
// Before the first render, so an embedded page never flashes the full app. An embed has no steps
// panel to answer a prediction in, so playback must not stop and wait for an answer there; set
// for this page only (setAskFirst would also remember it for the learner's full app).
if (url.embed) {
  appStore.getState().setEmbed(true);
  appStore.setState({ askFirst: false, heldAt: null });
}

createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

bindKeyboard(appStore);
bindLessons(appStore, defaultStorage());
startTicker(appStore);

// The URL follows the position (replaceState, debounced: playing must not rewrite it 60 times a second).
let urlTimer = 0;
appStore.subscribe((s, prev) => {
  if (s.position === prev.position) return;
  clearTimeout(urlTimer);
  urlTimer = window.setTimeout(() => setPositionInUrl(appStore.getState().position), 150);
});

/** The scenario text the URL's `#share=` fragment carries (that session's only name), if any. */
let sharedText: string | null = null;
/** A share link is being opened: it puts the URL right itself once it knows the outcome. */
let restoring = false;

// A session opened from text (a file from disk, a sandbox) has no link: the URL must not keep
// naming the scenario (or the share link) that was open before it.
appStore.subscribe((s, prev) => {
  if (restoring || s.source === prev.source || !s.source || s.source.text === sharedText) return;
  if (s.file !== readUrl().scenario) clearScenarioInUrl();
});

/**
 * Opens what a `#share=` link carries. A link that cannot be read, or whose scenario cannot be
 * opened, is reported with what is wrong, and the page keeps what it had (the catalog, and any
 * session already open). `previousUrl`: the link was pasted into an open page; if it is refused,
 * the address bar goes back to naming what the page still shows.
 */
async function openShared(payload: string, previousUrl?: string): Promise<void> {
  const refused = (): void => {
    if (previousUrl) window.history.replaceState(null, '', previousUrl);
    else keepOnlyShareInUrl();
  };
  const d = await decodeShare(payload);
  if (!d.ok) {
    appStore.setState({ errors: [d.error] });
    refused();
    return;
  }
  if ('text' in d.state) sharedText = d.state.text;
  restoring = true;
  const r = await restoreShared(appStore, d.state).finally(() => {
    restoring = false;
  });
  // A catalog scenario has a readable link, which then follows the position as usual.
  if (!r.ok) refused();
  else if ('scenario' in d.state) replaceShareWithScenario(d.state.scenario, appStore.getState().position);
  else keepOnlyShareInUrl();
}

// A share link pasted into the address bar of an open page changes only the fragment: no reload.
window.addEventListener('hashchange', (e) => {
  const payload = shareFragment(window.location.hash);
  if (payload !== null) void openShared(payload, e.oldURL);
});

// Theme: 'auto' follows the system (and its changes); the others pin it. The stylesheet knows one
// attribute, data-theme="dark", so the dark palette is written once.
const systemDark = window.matchMedia('(prefers-color-scheme: dark)');
const applyTheme = (): void => {
  const t = appStore.getState().theme;
  const dark = t === 'dark' || (t === 'auto' && systemDark.matches);
  document.documentElement.dataset.theme = t === 'projector' ? 'projector' : dark ? 'dark' : 'light';
  document.documentElement.style.colorScheme = dark ? 'dark' : 'light';
};
applyTheme();
systemDark.addEventListener('change', applyTheme);
appStore.subscribe((s, prev) => {
  if (s.theme !== prev.theme) applyTheme();
});

// When the watchdog restarts a dead or hung worker it loads the scenario again; the page shows the
// same position again and says what happened.
onEngineNotice((n) => {
  const s = appStore.getState();
  if (n.kind === 'not-restored') return s.setNotice(n.reason);
  s.setNotice(
    `The engine ${n.reason.replace(/^the engine /, '')}; it was restarted and your session restored.`,
  );
  void s.seek(s.position);
});

// `?debug=1` exposes the worker's failure modes to the recovery tests (and to a curious trainer):
// giclabDebug.crash('throw' | 'hang'); `&watchdog=<ms>` shortens the hang detection. It also
// exposes a read-only copy of where playback is, giclabDebug.state(), which the UI benchmark
// (scripts/bench/ui.mjs) reads to see how fast the position really advances.
const params = new URLSearchParams(window.location.search);
if (params.get('debug') === '1') {
  setWatchdogTimeout(Number(params.get('watchdog') ?? 15_000));
  (window as unknown as { giclabDebug: unknown }).giclabDebug = {
    crash: (mode: CrashMode) => getEngine().crash(mode),
    state: () => {
      const s = appStore.getState();
      return {
        status: s.status,
        position: s.position,
        length: s.length,
        playing: s.playing,
        speed: s.speed,
        /** The position the stage is showing (it may trail `position` while a frame is fetched). */
        shown: s.frame?.position ?? null,
        tokens: s.frame?.stage.tokens.length ?? 0,
        steps: s.session?.steps.map((st) => ({ title: st.title, from: st.from, to: st.to })) ?? [],
      };
    },
  };
}

if (url.share !== null) void Promise.all([appStore.getState().loadCatalog(), openShared(url.share)]);
else void appStore.getState().start(url.scenario, url.at);
