/**
 * A learner's progress through the lessons: for each lesson (by scenario id) where they stopped,
 * how many of its steps they have played through, whether they finished it, and the first answer
 * they gave to each prediction with whether it was right. Plain data, kept in IndexedDB by
 * progress-storage.ts, and written to and read from a file so a learner can carry it to another
 * browser. Everything that reads progress from outside (a file, the database) goes through
 * `parseProgress`, which names the field that is wrong and never half-imports.
 */

import { z } from 'zod';

export const PROGRESS_FORMAT = 'giclab-progress/1';

/** Largest progress file read (a full library is a few tens of kilobytes). */
export const MAX_PROGRESS_BYTES = 1024 * 1024;

const whole = z.number().int().nonnegative();

const predictionSchema = z
  .object({
    /** The choice the learner picked first (index into the prediction's choices). */
    picked: whole,
    right: z.boolean(),
  })
  .strict();

const lessonSchema = z
  .object({
    title: z.string().max(500),
    file: z.string().max(500),
    /** Where the learner stopped (an event position) and the history's length then. */
    position: whole,
    length: whole,
    /** Steps played through to their end (at most `steps`). */
    reached: whole,
    steps: whole,
    completed: z.boolean(),
    /** By step index. */
    predictions: z.record(z.string().regex(/^\d+$/, 'a step index'), predictionSchema),
    /** When the lesson was last opened or moved in (ISO 8601). */
    updated: z.iso.datetime(),
  })
  .strict();

export const progressSchema = z
  .object({
    format: z.literal(PROGRESS_FORMAT),
    lessons: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a lesson id'), lessonSchema),
    /** The lesson the learner was in last: "Continue where you stopped". */
    last: z.string().optional(),
  })
  .strict();

export type Progress = z.infer<typeof progressSchema>;
export type LessonProgress = z.infer<typeof lessonSchema>;
export type PredictionProgress = z.infer<typeof predictionSchema>;

export const emptyProgress = (): Progress => ({ format: PROGRESS_FORMAT, lessons: {} });

export type ParsedProgress = { ok: true; progress: Progress } | { ok: false; error: string };

/** Reads progress from text (a file the learner chose); the error names what is wrong. */
export function parseProgress(text: string, name = 'progress file'): ParsedProgress {
  if (text.length > MAX_PROGRESS_BYTES)
    return { ok: false, error: `${name}: ${text.length} bytes is more than a progress file can be` };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `${name}: not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  return checkProgress(doc, name);
}

/** Validates a decoded value (from a file or from the database). */
export function checkProgress(doc: unknown, name = 'progress'): ParsedProgress {
  const r = progressSchema.safeParse(doc);
  if (r.success) return { ok: true, progress: r.data };
  const issue = r.error.issues[0]!;
  const where = issue.path.length ? issue.path.map(String).join('.') : 'the file';
  const what =
    issue.path.length === 1 && issue.path[0] === 'format'
      ? `is not a GIC Lab progress file (format should be "${PROGRESS_FORMAT}")`
      : issue.message;
  return { ok: false, error: `${name}: ${where}: ${what}` };
}

export function progressToText(p: Progress): string {
  return JSON.stringify(p, null, 2) + '\n';
}

/**
 * Two progress records of the same learner (the browser's and an imported file): for each
 * lesson the more advanced one wins (finished over not, more steps reached, then the more recent),
 * and first answers to predictions are kept from whichever had them first (the browser's, for a
 * step both answered): an import never erases what was done here.
 */
export function mergeProgress(mine: Progress, theirs: Progress): Progress {
  const lessons: Progress['lessons'] = { ...mine.lessons };
  for (const [id, t] of Object.entries(theirs.lessons)) {
    const m = lessons[id];
    if (!m) {
      lessons[id] = t;
      continue;
    }
    const ahead =
      Number(t.completed) - Number(m.completed) ||
      t.reached - m.reached ||
      t.updated.localeCompare(m.updated);
    const base = ahead > 0 ? t : m;
    lessons[id] = {
      ...base,
      completed: m.completed || t.completed,
      reached: Math.max(m.reached, t.reached),
      predictions: { ...t.predictions, ...m.predictions },
    };
  }
  const last = mine.last ?? theirs.last;
  return { format: PROGRESS_FORMAT, lessons, ...(last ? { last } : {}) };
}

/** What the session shows now, as progress.ts needs it. */
export interface LessonPlace {
  id: string;
  title: string;
  file: string;
  position: number;
  length: number;
  /** Each step's end position and, for a step with a prediction, the choice the outcome selected. */
  steps: { to: number; answer?: number; predicts: boolean }[];
  /** Every expectation of every step holds. */
  passed: boolean;
}

/**
 * Progress after the learner moved to `place.position`, with `answers` (the choices picked in
 * this session, by step). A prediction is recorded once its step has played (the outcome is
 * known), and only the first time: picking again later does not rewrite history. A lesson is
 * finished when its whole history has been played and its expectations hold.
 */
export function recordPlace(
  p: Progress,
  place: LessonPlace,
  answers: Readonly<Record<number, number>>,
  now: string,
): Progress {
  const before = p.lessons[place.id];
  const reachedNow = place.steps.filter((s) => place.position >= s.to).length;
  const predictions = { ...(before?.predictions ?? {}) };
  place.steps.forEach((s, i) => {
    const picked = answers[i];
    if (!s.predicts || picked === undefined || place.position < s.to || predictions[i] !== undefined) return;
    predictions[i] = { picked, right: picked === s.answer };
  });
  const lesson: LessonProgress = {
    title: place.title,
    file: place.file,
    position: place.position,
    length: place.length,
    reached: Math.max(before?.reached ?? 0, reachedNow),
    steps: place.steps.length,
    completed: (before?.completed ?? false) || (place.position >= place.length && place.passed),
    predictions,
    updated: now,
  };
  return { ...p, lessons: { ...p.lessons, [place.id]: lesson }, last: place.id };
}

/** Right answers and answered predictions of a lesson. */
export function predictionScore(l: LessonProgress | undefined): { right: number; answered: number } {
  const all = Object.values(l?.predictions ?? {});
  return { right: all.filter((x) => x.right).length, answered: all.length };
}
