/**
 * The session slice: the scenario catalog, which scenario is open, and what the worker said about
 * it (its steps, machine shape and history length), or why it could not be opened. Its actions are
 * plain async functions that talk to the engine worker, so anything (React, the URL, the file
 * drop, tests) can call them.
 *
 * Every open takes a ticket; an answer that arrives after a newer request started is dropped, so
 * a slow fetch can never overwrite the scenario the user picked afterwards. A file that cannot be
 * loaded is reported and leaves the open session as it was: no user work is lost.
 */

import type { StateCreator } from 'zustand';
import type { ScenarioEntry } from '../scenarios';
import type { EngineClient, InspectRequest, InspectResult, SessionInfo } from '../worker/api';
import type { AppState } from './store';

export type SessionStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface SessionDeps {
  engine: () => EngineClient;
  fetchScenario: (file: string) => Promise<string>;
  fetchCatalog: () => Promise<ScenarioEntry[]>;
}

export interface SessionSlice {
  /** The scenarios listed in /scenarios/index.json (empty when it could not be read). */
  catalog: ScenarioEntry[];
  catalogError: string | null;
  /** The open scenario: its path relative to /scenarios/, or the name of a file from disk. */
  file: string | null;
  status: SessionStatus;
  session: SessionInfo | null;
  /** The open scenario's text, kept so a restarted worker can be given it again. */
  source: { text: string; name: string } | null;
  /** Load errors, one line each (file:line:column: field: reason for a refused file). */
  errors: string[];

  /** Reads the index and opens the scenario named in the URL, if any (at `position`). */
  start: (file: string | null, position?: number) => Promise<void>;
  loadCatalog: () => Promise<void>;
  /** Opens a scenario of the catalog (or any path under /scenarios/). */
  open: (file: string, position?: number) => Promise<void>;
  /** Opens scenario text the user gave (a dropped or chosen file). */
  openText: (text: string, name: string) => Promise<void>;
  dismissErrors: () => void;
  /**
   * A view of the machine at `position` (default: the position asked for), the inspectors' one
   * way to the engine.
   */
  inspect: (request: InspectRequest, position?: number) => Promise<InspectResult>;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const createSessionSlice =
  (deps: SessionDeps): StateCreator<AppState, [], [], SessionSlice> =>
  (set, get) => {
    let ticket = 0;

    /** Gives the text to the worker; on success the session (and the playback) start over. */
    const load = async (
      t: number,
      text: string,
      name: string,
      file: string,
      position: number,
    ): Promise<void> => {
      const r = await deps.engine().load(text, name);
      if (t !== ticket) return;
      if (!r.ok) {
        // The worker kept its session; so does the page.
        set({ status: get().session ? 'ready' : 'error', errors: r.errors });
        return;
      }
      set({ status: 'ready', session: r.session, file, source: { text, name }, errors: [] });
      // The console's transcript was about the machine just replaced (its input history stays).
      get().clearTranscript();
      await get().resetPlayback(r.session.length, position);
    };

    return {
      catalog: [],
      catalogError: null,
      file: null,
      status: 'idle',
      session: null,
      source: null,
      errors: [],

      start: async (file, position = 0) => {
        await Promise.all([get().loadCatalog(), file ? get().open(file, position) : undefined]);
      },

      loadCatalog: async () => {
        try {
          set({ catalog: await deps.fetchCatalog(), catalogError: null });
        } catch (e) {
          set({ catalog: [], catalogError: message(e) });
        }
      },

      open: async (file, position = 0) => {
        const t = ++ticket;
        set({ status: 'loading', errors: [] });
        try {
          const text = await deps.fetchScenario(file);
          if (t !== ticket) return;
          await load(t, text, file, file, position);
        } catch (e) {
          if (t === ticket) set({ status: get().session ? 'ready' : 'error', errors: [message(e)] });
        }
      },

      openText: async (text, name) => {
        const t = ++ticket;
        set({ status: 'loading', errors: [] });
        try {
          await load(t, text, name, name, 0);
        } catch (e) {
          if (t === ticket) set({ status: get().session ? 'ready' : 'error', errors: [message(e)] });
        }
      },

      dismissErrors: () => set({ errors: [] }),

      inspect: (request, position) => deps.engine().inspect(position ?? get().position, request),
    };
  };
