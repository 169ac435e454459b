/**
 * The contract between the page and the engine worker: plain, structured-cloneable records only,
 * so the page holds the slice of the model it shows and never the model itself (ARCHITECTURE.md §3).
 * This file holds types only; the page imports it freely, and the worker implements it.
 */

export interface StepHeading {
  title: string;
}

export type LoadResponse =
  { ok: true; title: string; steps: StepHeading[] } | { ok: false; errors: string[] };

export interface ExpectationResult {
  /** The expectation's command line, e.g. `expect deliveries cpu3:8195`. */
  text: string;
  ok: boolean;
  /** Why it failed (or a note when it held); empty when the engine says nothing. */
  message: string;
}

export interface StepSummary {
  title: string;
  passed: boolean;
  /** seq of the step's first event, and one past its last. */
  from: number;
  to: number;
  expectations: ExpectationResult[];
}

export interface RunSummary {
  passed: boolean;
  /** Number of events in the log (the next seq). */
  events: number;
  steps: StepSummary[];
}

/** One line of the narrated event log. */
export interface EventRow {
  seq: number;
  /** Model time in ns. */
  time: number;
  kind: string;
  unit: string;
  /** The sentence the explain layer writes for the event. */
  text: string;
}

/** The worker's side: what engine-host.ts implements. */
export interface EngineApi {
  load(text: string, name: string): LoadResponse;
  runAll(): RunSummary;
  events(from: number, to: number): EventRow[];
}

/** The page's side: the same calls, answered asynchronously across the worker boundary. */
export type EngineClient = {
  [K in keyof EngineApi]: (...args: Parameters<EngineApi[K]>) => Promise<ReturnType<EngineApi[K]>>;
};
