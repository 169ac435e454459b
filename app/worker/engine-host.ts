/**
 * The engine host: one scenario and its run, behind the calls of EngineApi. It is a plain class
 * (no worker globals) so that Vitest can drive it directly; engine-worker.ts exposes one instance
 * to the page with comlink. This is, with that file, the only app/ code that runs engine values.
 */

import { explain, formatDiagnostic, loadScenario, ScenarioRun, type Scenario } from '../../engine';
import type { EngineApi, EventRow, LoadResponse, RunSummary } from './api';

/** Most rows one `events` call returns, so a careless range cannot clone a huge log in one go. */
export const MAX_EVENTS_PER_CALL = 5000;

export class EngineHost implements EngineApi {
  private scenario: Scenario | undefined;
  private run: ScenarioRun | undefined;

  load(text: string, name: string): LoadResponse {
    const r = loadScenario(text, name);
    // A refused file leaves nothing loaded, so the page and the worker cannot disagree on what
    // "Run" would run; the engine itself never saw the bad file.
    this.run = undefined;
    if (!r.ok) {
      this.scenario = undefined;
      return { ok: false, errors: r.diagnostics.map(formatDiagnostic) };
    }
    this.scenario = r.scenario;
    return {
      ok: true,
      title: r.scenario.meta.title,
      steps: r.scenario.steps.map((s) => ({ title: s.title })),
    };
  }

  /** Runs every step on a fresh machine (running twice gives the same log: the model is deterministic). */
  runAll(): RunSummary {
    if (!this.scenario) throw new Error('no scenario is loaded');
    this.run = new ScenarioRun(this.scenario);
    const report = this.run.runAll();
    return {
      passed: report.passed,
      events: report.events,
      steps: report.steps.map((s) => ({
        title: s.title,
        // Refused action lines fail the step without failing an expectation; say so in the list.
        passed: s.passed,
        from: s.from,
        to: s.to,
        expectations: [
          ...s.actions
            .filter((a) => !a.ok)
            .map((a) => ({ text: a.text, ok: false, message: `line ${a.line} refused: ${a.message ?? ''}` })),
          ...s.expectations.map((x) => ({ text: x.text, ok: x.ok, message: x.message ?? '' })),
        ],
      })),
    };
  }

  /** Events [from, to) of the last run, narrated; clamped to the log and to MAX_EVENTS_PER_CALL. */
  events(from: number, to: number): EventRow[] {
    const log = this.run?.machine.log;
    if (!log) return [];
    const start = Math.max(0, Math.floor(from));
    const end = Math.min(log.length, Math.floor(to), start + MAX_EVENTS_PER_CALL);
    const rows: EventRow[] = [];
    for (let i = start; i < end; i++) {
      const e = log.get(i);
      if (e) rows.push({ seq: e.seq, time: e.time, kind: e.kind, unit: e.unit, text: explain(e) });
    }
    return rows;
  }
}
