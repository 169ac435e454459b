/**
 * What the step editor holds besides the session: the text typed but not yet applied, the
 * refusals shown under the cards, and which cards are open. It lives in the store (the sandbox
 * slice), not in the editor, so that leaving edit mode and coming back loses nothing; it belongs
 * to one scenario load, and the editor starts afresh when another scenario is opened.
 */

export interface StepDraft {
  title: string;
  narration: string;
  notes: string;
}

export interface MetaDraft {
  title: string;
  summary: string;
  /** One goal a line. */
  goals: string;
}

export interface EditorDrafts {
  /** The scenario load they belong to (the store's `source` object). */
  source: unknown;
  /** By card key: 'meta', or a step's key (StepEditor's stepKeys). */
  drafts: Record<string, StepDraft | MetaDraft>;
  errors: Record<string, string>;
  open: Record<string, boolean>;
}

/** Nothing typed, nothing refused, for the load `source`. */
export const noDrafts = (source: unknown): EditorDrafts => ({ source, drafts: {}, errors: {}, open: {} });
