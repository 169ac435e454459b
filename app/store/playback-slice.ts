/**
 * The playback slice: where in the history the page is (the position), what the worker says is
 * there (the frame), and how the user moves: step and step back at a granularity, jump to either
 * end, scrub, play and pause at a speed, breakpoints.
 *
 * Moving never blocks on the worker. At most one frame request is in flight; a move that arrives
 * meanwhile only updates the target, and the latest target is fetched when the answer comes back,
 * so scrubbing fast never queues up stale frames. Playing is driven from outside (`tick`, called
 * once per animation frame by app/playback/ticker.ts), which keeps this slice free of timers and
 * testable in Node.
 *
 * In a lesson, forward moves stop at a step whose prediction is still to be made (see
 * lesson-slice.ts): the engine reveals an outcome only after the learner has guessed it.
 */

import type { StateCreator } from 'zustand';
import type { Breakpoint, EventRow, Frame, Granularity } from '../worker/api';
import { EngineRestarted } from '../worker/errors';
import { predictionGate } from './lesson-slice';
import type { SessionDeps } from './session-slice';
import type { AppState } from './store';

/** Event rows fetched per request; the log view asks for windows as it scrolls. */
export const ROWS_PER_FETCH = 2000;

export const SPEEDS = [1, 2, 5, 10, 25, 100, 1000, 5000, 20000] as const;

export interface PlaybackSlice {
  /** Events in the history; positions run from 0 to length. */
  length: number;
  /** The position the user asked for (the frame shown may still be catching up). */
  position: number;
  frame: Frame | null;
  playing: boolean;
  /** Events per second while playing. */
  speed: number;
  granularity: Granularity;
  breakpoints: Breakpoint[];
  /** The breakpoint the last move stopped at (its index), for the status line. */
  stoppedAt: number | null;
  /** Narrated events fetched so far, by seq (a sparse window of the history). */
  rows: (EventRow | undefined)[];

  resetPlayback: (length: number, position?: number) => Promise<void>;
  /** Shows position `p` (clamped). */
  seek: (p: number) => Promise<void>;
  /** One move forward at `granularity` (default: the chosen one). */
  stepForward: (granularity?: Granularity) => Promise<void>;
  stepBack: (granularity?: Granularity) => Promise<void>;
  jumpStart: () => Promise<void>;
  jumpEnd: () => Promise<void>;
  play: () => void;
  pause: () => void;
  togglePlay: () => void;
  /** Advances a playing session by `ms` of wall time. */
  tick: (ms: number) => Promise<void>;
  setSpeed: (eventsPerSecond: number) => void;
  setGranularity: (g: Granularity) => void;
  addBreakpoint: (b: Breakpoint) => void;
  removeBreakpoint: (index: number) => void;
  /** Makes sure rows [from, to) are fetched. */
  fetchRows: (from: number, to: number) => Promise<void>;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const clamp = (p: number, length: number): number => Math.max(0, Math.min(length, Math.round(p)));

export const createPlaybackSlice =
  (deps: SessionDeps): StateCreator<AppState, [], [], PlaybackSlice> =>
  (set, get) => {
    /** Requests of frames: one in flight at a time; the newest target wins. */
    let inFlight: Promise<void> | null = null;
    let target: number | null = null;
    /** Bumped when a session starts, so answers for the previous one are dropped. */
    let generation = 0;
    /** Fractional events owed to the next tick at low speeds. */
    let owed = 0;
    let moving = false;
    let fetching = new Set<number>();

    const pump = (): Promise<void> => {
      if (inFlight) return inFlight;
      const gen = generation;
      inFlight = (async () => {
        while (target !== null && gen === generation) {
          const p = target;
          target = null;
          try {
            const frame = await deps.engine().frame(p);
            if (gen !== generation) return;
            set({ frame });
          } catch (e) {
            // A restarted worker (see worker/client.ts) is asked again by the page once it is back;
            // anything else is a bug worth showing rather than a frozen view.
            if (!(e instanceof EngineRestarted)) set({ notice: `Could not show event ${p}: ${message(e)}` });
            return;
          }
        }
      })().finally(() => {
        inFlight = null;
      });
      return inFlight;
    };

    const show = (p: number): Promise<void> => {
      const pos = clamp(p, get().length);
      set({ position: pos });
      target = pos;
      return pump();
    };

    /**
     * Moves run one after another: each starts from where the previous one ended, so pressing
     * "back" twice quickly goes back two steps, not one step twice.
     */
    let moves: Promise<unknown> = Promise.resolve();
    const move = (direction: 1 | -1, granularity: Granularity, count = 1): Promise<boolean> => {
      const next = moves.then(() => moveNow(direction, granularity, count));
      moves = next.catch(() => undefined);
      return next;
    };

    /** One move at the current granularity; a breakpoint on the way stops it (and playing). */
    const moveNow = async (direction: 1 | -1, granularity: Granularity, count = 1): Promise<boolean> => {
      const { position, breakpoints, session } = get();
      if (!session) return false;
      const gen = generation;
      let r;
      try {
        r = await deps.engine().find(position, direction, granularity, breakpoints, count);
      } catch (e) {
        if (!(e instanceof EngineRestarted)) set({ notice: `Could not move: ${message(e)}` });
        set({ playing: false });
        return false;
      }
      if (gen !== generation || r.position < 0) return false;
      if (direction > 0 && (await heldForPrediction(position, r.position))) return false;
      set({ stoppedAt: r.breakpoint ?? null });
      if (r.breakpoint !== undefined) set({ playing: false });
      await show(r.position);
      return true;
    };

    /**
     * A lesson asks its predictions first: a forward move into the events of a step whose
     * prediction is unanswered stops at that step's start (and stops playing); true when the
     * move went no further than that.
     */
    const heldForPrediction = async (from: number, to: number): Promise<boolean> => {
      const { askFirst, session, answers } = get();
      const gate = askFirst ? predictionGate(session, answers, from, to) : null;
      if (!gate) return false;
      set({ playing: false, heldAt: gate.step });
      if (gate.position !== from) await show(gate.position);
      return true;
    };

    return {
      length: 0,
      position: 0,
      frame: null,
      playing: false,
      speed: 5,
      granularity: 'event',
      breakpoints: [],
      stoppedAt: null,
      rows: [],

      resetPlayback: async (length, position = 0) => {
        generation++;
        target = null;
        owed = 0;
        fetching = new Set<number>();
        set({
          length,
          position: clamp(position, length),
          frame: null,
          playing: false,
          stoppedAt: null,
          rows: [],
        });
        await Promise.all([show(position), get().fetchRows(0, Math.min(length, ROWS_PER_FETCH))]);
      },

      seek: (p) => {
        set({ stoppedAt: null });
        return show(p);
      },

      stepForward: async (g) => {
        await move(1, g ?? get().granularity);
      },
      stepBack: async (g) => {
        await move(-1, g ?? get().granularity);
      },
      jumpStart: () => show(0),
      jumpEnd: async () => {
        if (await heldForPrediction(get().position, get().length)) return;
        await show(get().length);
      },

      play: () => {
        if (!get().session) return;
        // Playing from the end starts over, as a media player does.
        if (get().position >= get().length) void show(0);
        owed = 0;
        set({ playing: true, stoppedAt: null });
      },
      pause: () => set({ playing: false }),
      togglePlay: () => (get().playing ? get().pause() : get().play()),

      tick: async (ms) => {
        const s = get();
        if (!s.playing) return;
        // Time passes while a move is on its way to the worker too: it is owed to the next move,
        // or playing would run at a fraction of its speed (at most a second's worth is kept, so a
        // stalled worker does not make the next move leap).
        owed = Math.min(owed + (s.speed * ms) / 1000, Math.max(1, s.speed));
        if (moving || inFlight) return;
        if (s.position >= s.length) {
          set({ playing: false });
          return;
        }
        if (owed < 1) return;
        const count = Math.floor(owed);
        owed -= count;
        moving = true;
        try {
          const moved = await move(1, 'event', count);
          if (!moved) set({ playing: false });
        } finally {
          moving = false;
        }
      },

      setSpeed: (speed) => set({ speed: Math.max(0.1, speed) }),
      setGranularity: (granularity) => set({ granularity }),
      addBreakpoint: (b) => set({ breakpoints: [...get().breakpoints, b] }),
      // The numbers of the others change: the 'stopped at' mark would point at the wrong one.
      removeBreakpoint: (index) =>
        set({ breakpoints: get().breakpoints.filter((_, i) => i !== index), stoppedAt: null }),

      fetchRows: async (from, to) => {
        const { length, rows } = get();
        const start = Math.max(0, Math.floor(from / ROWS_PER_FETCH) * ROWS_PER_FETCH);
        const end = Math.min(length, to);
        const gen = generation;
        const mine = fetching;
        const wanted: Promise<void>[] = [];
        for (let at = start; at < end; at += ROWS_PER_FETCH) {
          if (rows[at] !== undefined || fetching.has(at)) continue;
          fetching.add(at);
          wanted.push(
            deps
              .engine()
              .events(at, Math.min(length, at + ROWS_PER_FETCH))
              .then((fetched) => {
                if (gen !== generation) return;
                const next = get().rows.slice();
                for (const r of fetched) next[r.seq] = r;
                set({ rows: next });
              })
              // A failed fetch leaves the rows missing; the log asks again when it next needs them.
              .catch(() => undefined)
              .finally(() => mine.delete(at)),
          );
        }
        await Promise.all(wanted);
      },
    };
  };
