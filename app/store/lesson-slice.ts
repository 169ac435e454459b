/**
 * The lesson slice: what makes a scenario a lesson for the learner in front of it. The choices
 * picked for this session's predictions, whether predictions are asked first (a trainer
 * presenting may turn that off), the step whose prediction held playback back, and the learner's
 * progress across lessons (kept by app/lessons/progress-binding.ts), the glossary and lesson list
 * dialogs, and presenter mode.
 *
 * Asking first: a step with a prediction is a question about what its events will do, so moving
 * forward into that step's events waits until a choice is picked. The playback slice asks
 * `predictionGate` before every forward move; an explicit seek (a click on the timeline or on a
 * step) is the learner's own choice to look, and is not held.
 */

import type { StateCreator } from 'zustand';
import { emptyProgress, type Progress } from '../lessons/progress';
import type { SessionInfo } from '../worker/api';
import type { AppState } from './store';

export interface LessonSlice {
  /** Choice picked per step index, this session. */
  answers: Record<number, number>;
  /**
   * A guided lesson: forward moves wait for a prediction to be made, and each step opens the
   * inspector it names. Off, the learner explores freely (a trainer improvising, an embed).
   */
  askFirst: boolean;
  /** The step whose unanswered prediction stopped the last forward move (null: none did). */
  heldAt: number | null;
  progress: Progress;
  /** Where progress is kept, and why it could not be read or written (null: all is well). */
  progressWhere: string;
  progressError: string | null;
  /** The glossary entry open in the popover (its term), or null. */
  glossaryTerm: string | null;
  glossaryOpen: boolean;
  /** Whether the lesson list (with progress export and import) is open. */
  lessonsOpen: boolean;
  /** Presenter mode (app/presenter/): large type, projector theme, clicker keys. */
  presenting: boolean;
  /** The projector shows black (presenter mode's B key), as a slide show's blank screen. */
  blanked: boolean;

  answer: (step: number, choice: number) => void;
  setAnswers: (answers: Record<number, number>) => void;
  setAskFirst: (on: boolean) => void;
  setHeldAt: (step: number | null) => void;
  setProgress: (p: Progress) => void;
  setProgressStatus: (where: string, error: string | null) => void;
  showTerm: (term: string | null) => void;
  toggleGlossary: (open?: boolean) => void;
  toggleLessons: (open?: boolean) => void;
  setPresenting: (on: boolean) => void;
  toggleBlank: (on?: boolean) => void;
}

/**
 * Where a forward move from `from` to `to` must stop to ask a prediction first: the start of
 * the first step in between whose prediction has no answer yet (a move that starts exactly
 * there is held where it is). Null when nothing holds the move.
 */
export function predictionGate(
  session: Pick<SessionInfo, 'steps'> | null,
  answers: Readonly<Record<number, number>>,
  from: number,
  to: number,
): { step: number; position: number } | null {
  if (!session || to <= from) return null;
  for (let i = 0; i < session.steps.length; i++) {
    const s = session.steps[i]!;
    if (!s.predict || answers[i] !== undefined || s.to <= s.from) continue;
    if (s.from >= from && s.from < to) return { step: i, position: s.from };
  }
  return null;
}

/**
 * The step whose prediction waits at `position`: the learner stands at its start, has not
 * answered, and predictions are asked first. The step panel shows that step's question.
 */
export function pendingPrediction(
  session: Pick<SessionInfo, 'steps'> | null,
  answers: Readonly<Record<number, number>>,
  position: number,
  askFirst: boolean,
): number | null {
  if (!session || !askFirst) return null;
  const i = session.steps.findIndex(
    (s, k) => s.predict !== undefined && answers[k] === undefined && s.from === position && s.to > s.from,
  );
  return i < 0 ? null : i;
}

/** The step the page presents: one waiting for its prediction, else the one on the stage. */
export function presentedStep(
  s: Pick<AppState, 'session' | 'frame' | 'answers' | 'position' | 'askFirst'>,
): number | null {
  if (!s.session || !s.frame) return null;
  return pendingPrediction(s.session, s.answers, s.position, s.askFirst) ?? s.frame.step;
}

/** Where the learner's "ask before revealing" choice is kept between visits. */
export const ASK_FIRST_KEY = 'giclab:ask-first';

function storedAskFirst(): boolean {
  try {
    return globalThis.localStorage?.getItem(ASK_FIRST_KEY) !== '0';
  } catch {
    return true; // storage disabled: the default
  }
}

function storeAskFirst(on: boolean): void {
  try {
    globalThis.localStorage?.setItem(ASK_FIRST_KEY, on ? '1' : '0');
  } catch {
    // Storage disabled: the choice lasts for this visit only.
  }
}

export const createLessonSlice: StateCreator<AppState, [], [], LessonSlice> = (set, get) => ({
  answers: {},
  askFirst: storedAskFirst(),
  heldAt: null,
  progress: emptyProgress(),
  progressWhere: '',
  progressError: null,
  glossaryTerm: null,
  glossaryOpen: false,
  lessonsOpen: false,
  presenting: false,
  blanked: false,

  answer: (step, choice) => {
    const s = get().session?.steps[step];
    // Once the step has played, the outcome is known: the first answer stands.
    if (!s?.predict || get().position >= s.to) return;
    set({ answers: { ...get().answers, [step]: choice }, heldAt: null });
  },
  setAnswers: (answers) => set({ answers, heldAt: null }),
  setAskFirst: (askFirst) => {
    storeAskFirst(askFirst);
    set({ askFirst, heldAt: null });
  },
  setHeldAt: (heldAt) => set({ heldAt }),
  setProgress: (progress) => set({ progress }),
  setProgressStatus: (progressWhere, progressError) => set({ progressWhere, progressError }),
  showTerm: (glossaryTerm) => set({ glossaryTerm }),
  toggleGlossary: (open) => set({ glossaryOpen: open ?? !get().glossaryOpen }),
  toggleLessons: (open) => set({ lessonsOpen: open ?? !get().lessonsOpen }),
  setPresenting: (presenting) => set(presenting ? { presenting } : { presenting, blanked: false }),
  toggleBlank: (on) => set({ blanked: get().presenting && (on ?? !get().blanked) }),
});
