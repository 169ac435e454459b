/**
 * The session slice: the scenario catalog, which scenario is open, and what the worker said about
 * it (its steps, machine shape and history length), or why it could not be opened. Its actions are
 * plain async functions that talk to the engine worker, so anything (React, the URL, the file
 * drop, tests) can call them.
 *
 * Every open takes a ticket; an answer that arrives after a newer request started is dropped, so
 * a slow fetch can never overwrite the scenario the user picked afterwards. A file that cannot be
 * loaded is reported and leaves the open session as it was: no user work is lost.
 *
 * A QEMU trace (files from disk, or a trace lesson of the catalog) opens the same way, through the
 * worker's openTrace: while the worker reads it, `traceProgress` says how far it is (the progress
 * bar), and the session shown until then stays the one that was open.
 */

import type { StateCreator } from 'zustand';
import type { ScenarioEntry } from '../scenarios';
import type {
  EngineClient,
  InspectRequest,
  InspectResult,
  SessionInfo,
  TraceLineInfo,
  TraceProgress,
  TraceRequest,
} from '../worker/api';
import { chooseFiles, isTraceLessonText } from '../worker/trace-files';
import type { AppState } from './store';

export type SessionStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface SessionDeps {
  engine: () => EngineClient;
  fetchScenario: (file: string) => Promise<string>;
  fetchCatalog: () => Promise<ScenarioEntry[]>;
  /** The absolute URL of the served traces (/traces/), which trace lessons name their files under. */
  traceBase?: () => string;
}

/** The app's /traces/ folder, as an absolute URL the worker can fetch. */
function defaultTraceBase(): string {
  const here = typeof location === 'undefined' ? 'http://localhost/' : location.href;
  return new URL(`${import.meta.env.BASE_URL}traces/`, here).href;
}

export interface SessionSlice {
  /** The scenarios listed in /scenarios/index.json (empty when it could not be read). */
  catalog: ScenarioEntry[];
  catalogError: string | null;
  /** The open scenario: its path relative to /scenarios/, or the name of a file from disk. */
  file: string | null;
  status: SessionStatus;
  session: SessionInfo | null;
  /**
   * The open scenario's text, kept so a restarted worker can be given it again. A trace session's
   * is its request (`trace`); `text` is then the trace lesson's text, or empty for files from disk.
   */
  source: { text: string; name: string; trace?: TraceRequest } | null;
  /** How far the trace being opened is (null when none is being opened). */
  traceProgress: TraceProgress | null;
  /** Load errors, one line each (file:line:column: field: reason for a refused file). */
  errors: string[];

  /** Reads the index and opens the scenario named in the URL, if any (at `position`). */
  start: (file: string | null, position?: number) => Promise<void>;
  loadCatalog: () => Promise<void>;
  /** Opens a scenario of the catalog (or any path under /scenarios/). */
  open: (file: string, position?: number) => Promise<void>;
  /** Opens scenario text the user gave (a dropped or chosen file). */
  openText: (text: string, name: string) => Promise<void>;
  /**
   * Opens files the user chose or dropped: one scenario (.json), or a QEMU trace with its dumps
   * (trace-files.ts says which is which). Files that cannot be opened are reported, by name.
   */
  openFiles: (files: readonly File[]) => Promise<void>;
  /** Stops the trace being opened; the session that was open stays. */
  cancelTrace: () => void;
  /** Shows the first event trace line `line` made (or the next line's, if it made none). */
  seekTraceLine: (line: number) => Promise<void>;
  /** A trace session's line: by number, or the one that made the event shown at `position`. */
  traceLine: (query: { line: number } | { position: number }) => Promise<TraceLineInfo | null>;
  dismissErrors: () => void;
  /**
   * A view of the machine at `position` (default: the position asked for), the inspectors' one
   * way to the engine.
   */
  inspect: (request: InspectRequest, position?: number) => Promise<InspectResult>;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Largest scenario file the page reads (a scenario is a few kilobytes; this is a runaway guard). */
export const MAX_SCENARIO_BYTES = 5 * 1024 * 1024;

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
      if (get().tab === 'trace') get().setTab('events');
      await get().resetPlayback(r.session.length, position);
    };

    /** Gives a trace to the worker, with progress; on success the replay is the session. */
    const loadTrace = async (
      t: number,
      request: TraceRequest,
      source: { text: string; name: string },
      file: string,
      position: number,
    ): Promise<void> => {
      set({
        traceProgress: {
          phase: request.kind === 'lesson' ? 'download' : 'scan',
          file: source.name,
          bytes: 0,
          lines: 0,
          fraction: 0,
        },
      });
      try {
        const r = await deps.engine().openTrace(request, (p) => {
          if (t === ticket) set({ traceProgress: p });
        });
        if (t !== ticket) return;
        const had = get().session !== null;
        if (!r.ok) {
          // Cancelled on purpose: nothing to report. The worker kept its session; so does the page.
          set({
            status: had ? 'ready' : r.cancelled ? 'idle' : 'error',
            errors: r.cancelled ? [] : r.errors,
          });
          return;
        }
        set({
          status: 'ready',
          session: r.session,
          file,
          source: { ...source, trace: request },
          errors: [],
        });
        get().clearTranscript();
        // A trace from disk is about its agreement report; a lesson opens the views its steps name.
        if (request.kind === 'files') get().setTab('trace');
        else if (get().tab === 'trace') get().setTab('events');
        await get().resetPlayback(r.session.length, position);
      } finally {
        if (t === ticket) set({ traceProgress: null });
      }
    };

    /** Scenario text, or a trace lesson's: each goes its own way to the worker. */
    const loadAny = (t: number, text: string, name: string, file: string, position: number): Promise<void> =>
      isTraceLessonText(text)
        ? loadTrace(
            t,
            { kind: 'lesson', text, name, base: (deps.traceBase ?? defaultTraceBase)() },
            { text, name },
            file,
            position,
          )
        : load(t, text, name, file, position);

    const failed = (t: number, e: unknown): void => {
      if (t === ticket) set({ status: get().session ? 'ready' : 'error', errors: [message(e)] });
    };

    return {
      catalog: [],
      catalogError: null,
      file: null,
      status: 'idle',
      session: null,
      source: null,
      traceProgress: null,
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
          await loadAny(t, text, file, file, position);
        } catch (e) {
          failed(t, e);
        }
      },

      openText: async (text, name) => {
        const t = ++ticket;
        set({ status: 'loading', errors: [] });
        try {
          await loadAny(t, text, name, name, 0);
        } catch (e) {
          failed(t, e);
        }
      },

      openFiles: async (files) => {
        const chosen = chooseFiles(files);
        if (chosen.kind === 'refused') {
          set({ errors: chosen.errors });
          return;
        }
        if (chosen.kind === 'scenario') {
          const f = chosen.file;
          if (f.size > MAX_SCENARIO_BYTES) {
            set({
              errors: [
                `${f.name}: ${f.size} bytes is too large for a scenario file (the limit is ${MAX_SCENARIO_BYTES})`,
              ],
            });
            return;
          }
          await get().openText(await f.text(), f.name);
          return;
        }
        const t = ++ticket;
        set({ status: 'loading', errors: [] });
        try {
          await loadTrace(t, chosen.request, { text: '', name: chosen.name }, chosen.name, 0);
        } catch (e) {
          failed(t, e);
        }
      },

      cancelTrace: () => {
        if (get().traceProgress) void deps.engine().cancelTrace();
      },

      seekTraceLine: async (line) => {
        const r = await deps.engine().traceLine({ line });
        if (r) await get().seek(r.position);
      },

      traceLine: (query) => deps.engine().traceLine(query),

      dismissErrors: () => set({ errors: [] }),

      inspect: (request, position) => deps.engine().inspect(position ?? get().position, request),
    };
  };
