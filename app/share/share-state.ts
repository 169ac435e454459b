/**
 * Between the store and a share link: which state a link should carry for the open session, and
 * how a decoded link is put back into the store.
 *
 * A catalog scenario is referred to by its path, which keeps the link short and readable; but only
 * when that path still serves the very text that is open and no console line has been run on it,
 * because otherwise the link would reopen something else. Everything else (a sandbox, a file from
 * disk, a catalog scenario with console lines) travels as its whole scenario text: the session as
 * the engine saves it (the loaded scenario plus one step per console line), so the link reproduces
 * the sandbox edits event for event.
 *
 * Restoring goes through the store's normal actions (open, openText, seek), so the text in a link
 * meets exactly the validation a file from disk meets, and a refusal leaves the page as it was.
 */

import { isScenarioPath } from '../scenarios';
import type { AppState, AppStore } from '../store/store';
import { SHARE_LIMITS, type SharedState } from './share-link';

/** What the share dialog says about the link it made. */
export interface ShareSource {
  state: SharedState;
  /** Console lines the session carries beyond its scenario. */
  edits: number;
}

const LINK = 'share link';

/**
 * A file name the decoder accepts: the last segment of a path, no control characters, not too
 * long, the extension kept.
 */
export function safeName(name: string): string {
  const base = name.split('/').pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f\\]+/g, '-').trim() || 'session.json';
  if (clean.length <= SHARE_LIMITS.nameChars) return clean;
  const ext = /\.[A-Za-z0-9]{1,8}$/.exec(clean)?.[0] ?? '';
  return clean.slice(0, SHARE_LIMITS.nameChars - ext.length) + ext;
}

/** Console lines run on the open session (refused lines are not part of it). */
export const editsOf = (s: Pick<AppState, 'transcript'>): number =>
  s.transcript.filter((e) => e.outcome !== 'refused').length;

/**
 * The state a link should carry for the open session, at the position shown. `fetchScenario`
 * reads a catalog file (the page's cache makes this cheap), to check that the path still means
 * the text that is open.
 */
export async function shareSourceOf(
  s: Pick<
    AppState,
    'session' | 'source' | 'file' | 'transcript' | 'authorEdits' | 'position' | 'saveAsScenario'
  >,
  fetchScenario: (file: string) => Promise<string>,
): Promise<ShareSource> {
  if (!s.session || !s.source) throw new Error('no scenario is open');
  const at = s.position;
  const edits = editsOf(s);
  // Authoring edits (docs/authoring.md) change the text as console lines do: it travels whole.
  const changed = edits + s.authorEdits > 0;
  const { text, name } = s.source;
  if (!changed && s.file !== null && name === s.file && isScenarioPath(s.file)) {
    try {
      if ((await fetchScenario(s.file)) === text) return { state: { scenario: s.file, at }, edits };
    } catch {
      // Not a file the server has (a file from disk with a path-like name): send the text.
    }
  }
  // A QEMU trace opened from files (its source names them; their text is not kept here) has
  // nothing a link could carry. A trace lesson of the catalog was shared by its path above.
  if (('trace' in s.source && s.source.trace !== undefined) || text === '')
    throw new Error(
      'this session is a trace opened from files on your computer, which a link cannot carry: share a trace lesson from the catalog, or the files themselves',
    );
  if (!changed) return { state: { text, name: safeName(name), at }, edits };
  const saved = await s.saveAsScenario();
  return { state: { text: saved.text, name: safeName(saved.fileName), at }, edits };
}

export type RestoreResult = { ok: true } | { ok: false; errors: string[] };

/**
 * Opens what a link carries and goes to its position. A scenario that cannot be opened (the path
 * is gone, the text is refused by the engine) is reported with the engine's diagnostics, and the
 * page keeps what it had.
 */
export async function restoreShared(store: AppStore, state: SharedState): Promise<RestoreResult> {
  const catalog = 'scenario' in state;
  if (catalog) await store.getState().open(state.scenario, state.at);
  else await store.getState().openText(state.text, state.name);

  const s = store.getState();
  const opened = catalog ? s.file === state.scenario : s.source?.text === state.text;
  if (s.errors.length > 0 || !opened) {
    const why = catalog
      ? `the scenario the link names (${state.scenario}) could not be opened`
      : `the scenario in the link was refused`;
    const errors = s.errors.length
      ? s.errors.map((e, i) => (i === 0 ? `${LINK}: ${why}: ${e}` : e))
      : [`${LINK}: ${why}`];
    store.setState({ errors });
    return { ok: false, errors };
  }
  if (!catalog) await s.seek(state.at);
  const { length } = store.getState();
  if (state.at > length) {
    store
      .getState()
      .setNotice(
        `${LINK}: event ${state.at} is past the end of this scenario (it has ${length} events); showing its end.`,
      );
  }
  return { ok: true };
}
