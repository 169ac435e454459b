/**
 * The session slice: which scenario is open, whether it loaded, and the outcome of running it
 * (the step summary and the event rows the log shows). Its actions are plain async functions
 * that talk to the engine worker, so anything (React, the URL, tests) can call them.
 *
 * Every load or run takes a ticket; an answer that arrives after a newer request started is
 * dropped, so a slow fetch can never overwrite the scenario the user picked afterwards.
 */

import type { StateCreator } from 'zustand';
import type { ScenarioEntry } from '../scenarios';
import type { EngineClient, EventRow, RunSummary, StepHeading } from '../worker/api';

/** Most event rows the page holds; the log says when a run produced more. */
export const MAX_EVENT_ROWS = 5000;

export type SessionStatus = 'idle' | 'loading' | 'ready' | 'running' | 'done' | 'error';

export interface SessionDeps {
  engine: () => EngineClient;
  fetchScenario: (file: string) => Promise<string>;
  fetchCatalog: () => Promise<ScenarioEntry[]>;
}

export interface SessionSlice {
  /** The scenarios listed in /scenarios/index.json (empty when it could not be read). */
  catalog: ScenarioEntry[];
  catalogError: string | null;
  /** The open scenario's path relative to /scenarios/. */
  file: string | null;
  status: SessionStatus;
  title: string | null;
  steps: StepHeading[];
  /** Load or run errors, one line each (file:line:column: field: reason for a refused file). */
  errors: string[];
  summary: RunSummary | null;
  events: EventRow[];

  /** Reads the index and opens the scenario named in the URL, if any. */
  start: (file: string | null) => Promise<void>;
  loadCatalog: () => Promise<void>;
  open: (file: string) => Promise<void>;
  run: () => Promise<void>;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const createSessionSlice =
  (deps: SessionDeps): StateCreator<SessionSlice> =>
  (set, get) => {
    let ticket = 0;

    return {
      catalog: [],
      catalogError: null,
      file: null,
      status: 'idle',
      title: null,
      steps: [],
      errors: [],
      summary: null,
      events: [],

      start: async (file) => {
        await Promise.all([get().loadCatalog(), file ? get().open(file) : undefined]);
      },

      loadCatalog: async () => {
        try {
          set({ catalog: await deps.fetchCatalog(), catalogError: null });
        } catch (e) {
          set({ catalog: [], catalogError: message(e) });
        }
      },

      open: async (file) => {
        const t = ++ticket;
        set({ file, status: 'loading', title: null, steps: [], errors: [], summary: null, events: [] });
        try {
          const text = await deps.fetchScenario(file);
          if (t !== ticket) return;
          const r = await deps.engine().load(text, file);
          if (t !== ticket) return;
          if (r.ok) set({ status: 'ready', title: r.title, steps: r.steps });
          else set({ status: 'error', errors: r.errors });
        } catch (e) {
          if (t === ticket) set({ status: 'error', errors: [message(e)] });
        }
      },

      run: async () => {
        const { status } = get();
        if (status !== 'ready' && status !== 'done') return;
        const t = ++ticket;
        set({ status: 'running', errors: [], summary: null, events: [] });
        try {
          const engine = deps.engine();
          const summary = await engine.runAll();
          const events = await engine.events(0, Math.min(summary.events, MAX_EVENT_ROWS));
          if (t === ticket) set({ status: 'done', summary, events });
        } catch (e) {
          // The scenario is still loaded: report the failure and let the user run it again.
          if (t === ticket) set({ status: 'ready', errors: [`The run failed: ${message(e)}`] });
        }
      },
    };
  };
