/**
 * Presenter mode's second window: the speaker notes (`?notes`, opened by the presenting window)
 * follow the main window over a BroadcastChannel, and its buttons and keys drive the main window
 * back. The main window is the only one with a session; the notes window only shows what it is
 * sent. Messages are checked on arrival (another tab of the same origin could post anything on
 * the channel), and a malformed one is ignored.
 *
 * main -> notes: 'lesson' (titles, notes, narration and predictions of every step, sent when the
 *                session changes or a notes window says hello) and 'place' (position, step, blank).
 * notes -> main: 'hello' (send me everything) and 'command' (move or blank).
 */

import { z } from 'zod';
import type { AppState, AppStore } from '../store/store';
import { presentedStep } from '../store/lesson-slice';

export const CHANNEL = 'giclab-presenter';

const stepSchema = z.object({
  title: z.string(),
  notes: z.string(),
  narration: z.string(),
  predict: z
    .object({
      question: z.string(),
      choices: z.array(z.string()),
      answer: z.number().int().optional(),
      explain: z.string().optional(),
    })
    .optional(),
});

export const COMMANDS = ['next-step', 'prev-step', 'forward', 'back', 'blank'] as const;
export type NotesCommand = (typeof COMMANDS)[number];

export const messageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('lesson'), title: z.string(), steps: z.array(stepSchema).max(10_000) }),
  z.object({
    type: z.literal('place'),
    position: z.number().int().nonnegative(),
    length: z.number().int().nonnegative(),
    step: z.number().int().nonnegative().nullable(),
    blanked: z.boolean(),
    presenting: z.boolean(),
  }),
  z.object({ type: z.literal('hello') }),
  z.object({ type: z.literal('command'), command: z.enum(COMMANDS) }),
]);

export type NotesMessage = z.infer<typeof messageSchema>;
export type LessonMessage = Extract<NotesMessage, { type: 'lesson' }>;
export type PlaceMessage = Extract<NotesMessage, { type: 'place' }>;

/** A message from the channel, or null when it is not one of ours. */
export function readMessage(data: unknown): NotesMessage | null {
  const r = messageSchema.safeParse(data);
  return r.success ? r.data : null;
}

export function lessonMessage(s: AppState): LessonMessage {
  return {
    type: 'lesson',
    title: s.session?.title ?? '',
    steps: (s.session?.steps ?? []).map((st) => ({
      title: st.title,
      notes: st.notes ?? '',
      narration: st.narration,
      ...(st.predict ? { predict: st.predict } : {}),
    })),
  };
}

export function placeMessage(s: AppState): PlaceMessage {
  return {
    type: 'place',
    position: s.position,
    length: s.length,
    step: presentedStep(s),
    blanked: s.blanked,
    presenting: s.presenting,
  };
}

/** What a command from the notes window does to the main window. */
export function runCommand(store: AppStore, command: NotesCommand): void {
  const s = store.getState();
  switch (command) {
    case 'next-step':
      void s.stepForward('step');
      return;
    case 'prev-step':
      void s.stepBack('step');
      return;
    case 'forward':
      void s.stepForward();
      return;
    case 'back':
      void s.stepBack();
      return;
    case 'blank':
      s.toggleBlank();
      return;
  }
}

/** The main window's side: answers hellos, sends the lesson and every move, obeys commands. */
export function bindPresenterSync(store: AppStore, channel: BroadcastChannel): () => void {
  const post = (m: NotesMessage): void => channel.postMessage(m);
  // Nothing is posted until a notes window has said hello: playing moves the position sixty times
  // a second, and without a listener every message would be wasted work.
  let followed = false;
  const onMessage = (ev: MessageEvent): void => {
    const m = readMessage(ev.data);
    if (!m) return;
    // A notes window is listening from now on, even if this window opens its session later.
    if (m.type === 'hello') followed = true;
    // A window with nothing open (the notes window itself, an idle tab) has nothing to say.
    if (!store.getState().session) return;
    if (m.type === 'hello') {
      post(lessonMessage(store.getState()));
      post(placeMessage(store.getState()));
      // Only the window on the projector obeys (another open tab must not move with it).
    } else if (m.type === 'command' && store.getState().presenting) runCommand(store, m.command);
  };
  channel.addEventListener('message', onMessage);
  let last = '';
  const unsubscribe = store.subscribe((s, prev) => {
    if (!s.session || !followed) return;
    if (s.session !== prev.session) post(lessonMessage(s));
    const place = placeMessage(s);
    const key = JSON.stringify(place);
    if (key === last) return;
    last = key;
    post(place);
  });
  return () => {
    unsubscribe();
    channel.removeEventListener('message', onMessage);
  };
}
