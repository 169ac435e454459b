/**
 * The sandbox slice: the console's transcript (each line with what came of it), the input
 * history (recalled with Up and Down, kept across scenarios for the whole page session), and the
 * console's actions: run a line, complete a word, save the session as a scenario, start a new
 * sandbox machine. And authoring (docs/authoring.md): whether the steps column is in edit mode,
 * and the edits of the open scenario's words and steps, which the worker checks and applies.
 *
 * A line runs at the end of the history (the worker says when the page showed an earlier
 * position); after it runs, the page takes the session the worker describes and jumps to the new
 * end, so the stage, the log and the steps show what the line did. A refused line changes
 * nothing: the transcript says why, with the column, and the console keeps it for correcting.
 * An edit the worker refuses changes nothing either: its answer says why, and the editor keeps
 * what was typed.
 */

import type { StateCreator } from 'zustand';
import { emptyMachineScenario, type SandboxShape } from '../sandbox/empty-machine';
import type { EditorDrafts } from '../authoring/drafts';
import type { Completion, EditResponse, MetaEdit, StepEdit } from '../worker/api';
import type { SessionDeps } from './session-slice';
import type { AppState } from './store';

export type ConsoleOutcome = 'ok' | 'refused' | 'failed';

export interface ConsoleEntry {
  /** Unique in the page session (React keys, tests). */
  id: number;
  line: string;
  /** 'ok': ran (or the expectation holds); 'refused': did not run; 'failed': an expectation that does not hold. */
  outcome: ConsoleOutcome;
  /** What happened, or why the line was refused. */
  message: string;
  /** For a refused line: the 1-based column at fault. */
  column?: number;
  kind?: 'action' | 'control' | 'expect';
  warnings: string[];
  /** Events the line added. */
  events: number;
  /** The page showed an earlier position; the line ran at the end of the history. */
  movedToEnd: boolean;
}

/** Most lines the input history keeps. */
export const HISTORY_LIMIT = 500;

/** What came of an authoring edit: done, or why not (the session is then as it was). */
export type EditOutcome = { ok: true } | { ok: false; error: string };

export interface SandboxSlice {
  transcript: ConsoleEntry[];
  /** Lines entered, oldest first (no two equal neighbours). */
  history: string[];
  /** A line is running. */
  running: boolean;
  /** Bumped when the console should take the keyboard focus (a new sandbox was opened). */
  focusRequest: number;
  /** The steps column shows the editor (titles, narration, notes; grouping steps). */
  editing: boolean;
  /** Authoring edits applied to the open session (a share link then carries the saved session). */
  authorEdits: number;
  /** The editor's unapplied text and messages, kept while edit mode is off (null: none yet). */
  editorDrafts: EditorDrafts | null;

  /** Runs a line at the end of the history; resolves to its transcript entry. */
  exec: (line: string) => Promise<ConsoleEntry>;
  /** Completion of the word at `cursor` (null when there is no session or the worker failed). */
  complete: (line: string, cursor: number) => Promise<Completion | null>;
  /** The session as scenario text, and a file name for it. */
  saveAsScenario: (title?: string) => Promise<{ text: string; fileName: string }>;
  /** Opens an empty machine of this shape (as scenario text, so crash recovery reloads it) and the console. */
  newSandbox: (shape: SandboxShape) => Promise<boolean>;
  /** Forgets the transcript and the edit count (a new scenario was opened); the history stays. */
  clearTranscript: () => void;
  setEditing: (on: boolean) => void;
  setEditorDrafts: (d: EditorDrafts) => void;
  /** Changes step `index`'s title, narration or speaker notes (worker-checked). */
  editStep: (index: number, edit: StepEdit) => Promise<EditOutcome>;
  /** Changes the scenario's title, summary or goals (worker-checked). */
  editMeta: (edit: MetaEdit) => Promise<EditOutcome>;
  /** Makes step `index` part of the step before it, if the replay is unchanged (worker-checked). */
  mergeStep: (index: number) => Promise<EditOutcome>;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A file name from a title: the scenario's id, as the saved file would be named in the library. */
function fileNameOf(text: string): string {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    if (typeof id === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(id)) return `${id}.json`;
  } catch {
    // The worker always answers JSON; a name is still owed.
  }
  return 'sandbox-session.json';
}

export const createSandboxSlice =
  (deps: SessionDeps): StateCreator<AppState, [], [], SandboxSlice> =>
  (set, get) => {
    let nextId = 1;

    const remember = (line: string): void => {
      const h = get().history;
      if (!line.trim() || h[h.length - 1] === line) return;
      set({ history: [...h, line].slice(-HISTORY_LIMIT) });
    };

    const add = (e: Omit<ConsoleEntry, 'id'>): ConsoleEntry => {
      const entry = { ...e, id: nextId++ };
      set({ transcript: [...get().transcript, entry] });
      return entry;
    };

    const refused = (line: string, why: string, column?: number): Omit<ConsoleEntry, 'id'> => ({
      line,
      outcome: 'refused',
      message: why,
      ...(column !== undefined ? { column } : {}),
      warnings: [],
      events: 0,
      movedToEnd: false,
    });

    /**
     * Sends an edit to the worker and, when it is done, shows the session it describes (`after`
     * does what else the edit needs, given the session as it was). A session replaced meanwhile
     * (another scenario opened) is not overwritten.
     */
    const applyEdit = async (
      send: (engine: ReturnType<SessionDeps['engine']>) => Promise<EditResponse>,
      after?: (before: NonNullable<AppState['session']>) => Promise<void>,
    ): Promise<EditOutcome> => {
      const session = get().session;
      if (!session) return { ok: false, error: 'no scenario is open' };
      let r: EditResponse;
      try {
        r = await send(deps.engine());
      } catch (e) {
        return { ok: false, error: `the engine did not take the change: ${message(e)}` };
      }
      if (!r.ok) return r;
      if (get().session !== session) return { ok: false, error: 'another scenario was opened meanwhile' };
      set({ session: r.session, authorEdits: get().authorEdits + 1 });
      await after?.(session);
      return { ok: true };
    };

    return {
      transcript: [],
      history: [],
      running: false,
      focusRequest: 0,
      editing: false,
      authorEdits: 0,
      editorDrafts: null,

      exec: async (line) => {
        remember(line);
        const session = get().session;
        if (!session) return add(refused(line, 'no machine is open: open a scenario or start a new sandbox'));
        set({ running: true });
        try {
          const r = await deps.engine().exec(line, get().position);
          if (!r.ok) return add(refused(line, r.error, r.column));
          // The session may have been replaced while the line ran: then this answer is stale.
          if (get().session !== session) return add(refused(line, 'another scenario was opened meanwhile'));
          set({ session: r.session });
          await get().resetPlayback(r.length, r.length);
          return add({
            line,
            outcome: r.outcome,
            message: r.message,
            kind: r.kind,
            warnings: r.warnings,
            events: r.to - r.from,
            movedToEnd: r.movedToEnd,
          });
        } catch (e) {
          return add(refused(line, `the engine did not run it: ${message(e)}`));
        } finally {
          set({ running: false });
        }
      },

      complete: async (line, cursor) => {
        if (!get().session) return null;
        try {
          return await deps.engine().complete(line, cursor);
        } catch {
          return null;
        }
      },

      saveAsScenario: async (title) => {
        const text = await deps.engine().save(title);
        return { text, fileName: fileNameOf(text) };
      },

      newSandbox: async (shape) => {
        await get().openText(emptyMachineScenario(shape), 'sandbox.json');
        const ok = get().status === 'ready' && get().errors.length === 0 && get().file === 'sandbox.json';
        if (ok) {
          // A sandbox is for going on from where its bring-up ends.
          await get().jumpEnd();
          get().setTab('console');
          set({ focusRequest: get().focusRequest + 1 });
        }
        return ok;
      },

      clearTranscript: () => set({ transcript: [], authorEdits: 0 }),

      setEditing: (editing) => set({ editing }),

      setEditorDrafts: (editorDrafts) => set({ editorDrafts }),

      editStep: (index, edit) => applyEdit((e) => e.editStep(index, edit)),

      editMeta: (edit) => applyEdit((e) => e.editMeta(edit)),

      mergeStep: (index) =>
        applyEdit(
          (e) => e.mergeStep(index),
          async (before) => {
            // The steps after the merged one moved up: so do the predictions picked for them.
            const answers: Record<number, number> = {};
            for (const [k, v] of Object.entries(get().answers)) {
              const i = Number(k);
              if (i < index) answers[i] = v;
              else if (i > index) answers[i - 1] = v;
              else if (!before.steps[index - 1]?.predict) answers[index - 1] = v;
            }
            set({ answers });
            // The same history, other step boundaries: the frame's step and the log's rows follow.
            await get().resetPlayback(get().length, get().position);
          },
        ),
    };
  };
