/**
 * Running a scenario: a fresh machine from its description, then each step's actions in order
 * (settling after each line unless the step says otherwise), then the step's expectations and its
 * prediction. The same object serves the CLI (run everything, report) and the UI (run step by
 * step); the machine's event log is the record of what happened.
 */

import { cloneState, Machine } from '../platform/machine';
import type { Action } from './actions';
import { executeAction } from './execute';
import { checkExpectation, needsBefore } from './expectations';
import type { CompiledLine, CompiledStep, Scenario } from './loader';
import { runUntil } from '../platform/run-until';

/** Events a settle may run before the runner calls it a storm and moves on. */
export const SETTLE_BUDGET = 200_000;

export interface LineResult {
  text: string;
  line: number;
  ok: boolean;
  message?: string;
}

export interface StepResult {
  index: number;
  title: string;
  /** seq of the first event of the step, and one past its last. */
  from: number;
  to: number;
  actions: LineResult[];
  expectations: LineResult[];
  /** The prediction's choice the machine's outcome selects (index), if any holds. */
  answer?: number;
  warnings: string[];
  passed: boolean;
}

export interface RunReport {
  file: string;
  id: string;
  title: string;
  profile: string;
  steps: StepResult[];
  passed: boolean;
  events: number;
  time: number;
}

export class ScenarioRun {
  readonly machine: Machine;
  readonly results: StepResult[] = [];

  constructor(
    readonly scenario: Scenario,
    snapshotInterval?: number,
  ) {
    this.machine = Machine.create(scenario.machine, snapshotInterval);
  }

  get done(): boolean {
    return this.results.length >= this.scenario.steps.length;
  }

  /** Settles the machine: runs until idle, at most SETTLE_BUDGET events. */
  private settle(warnings: string[]): void {
    const r = this.machine.run({ maxEvents: SETTLE_BUDGET });
    if (r.reason === 'budget')
      warnings.push(
        `the machine did not settle within ${SETTLE_BUDGET} events (an interrupt storm?); moving on`,
      );
  }

  /** Runs a control line (run / wait / step); returns an error text or undefined. */
  private control(a: Action, warnings: string[]): string | undefined {
    const m = this.machine;
    switch (a.kind) {
      case 'run': {
        if (a.until === 'idle') {
          this.settle(warnings);
          return undefined;
        }
        const r = runUntil(m, { until: a.until }, [], SETTLE_BUDGET);
        if (r.reason === 'budget')
          warnings.push(`'run until ${a.until}' gave up after ${SETTLE_BUDGET} events`);
        return undefined;
      }
      case 'wait': {
        const r = m.advanceTo(m.time + a.ns, SETTLE_BUDGET);
        if (r.reason === 'budget') warnings.push(`'wait' gave up after ${SETTLE_BUDGET} events`);
        return undefined;
      }
      case 'step':
        for (let i = 0; i < a.n; i++) if (!m.step()) break;
        return undefined;
      default:
        return `'${a.kind}' is not a control line`;
    }
  }

  runStep(): StepResult | undefined {
    const step: CompiledStep | undefined = this.scenario.steps[this.results.length];
    if (!step) return undefined;
    const m = this.machine;
    const from = m.seq;
    const warnings: string[] = [];
    // A copy of the machine as the step begins, for `unchanged` expectations.
    const before = step.expect.some((l) => l.action.kind === 'expect' && needsBefore(l.action.expect))
      ? new Machine(cloneState(m.s))
      : undefined;
    const actions: LineResult[] = [];
    for (const l of step.actions) {
      const a = l.action;
      let error: string | undefined;
      if (a.kind === 'run' || a.kind === 'wait' || a.kind === 'step') error = this.control(a, warnings);
      else {
        const r = executeAction(m, a);
        if (!r.ok) error = r.error;
        else if (step.settle === 'each') this.settle(warnings);
      }
      actions.push({ text: l.text, line: l.line, ok: !error, ...(error ? { message: error } : {}) });
    }
    if (step.settle !== 'none') this.settle(warnings);
    const expectations = step.expect.map((l: CompiledLine): LineResult => {
      if (l.action.kind !== 'expect')
        return { text: l.text, line: l.line, ok: false, message: 'not an expectation' };
      const r = checkExpectation(m, l.action.expect, from, before);
      return { text: l.text, line: l.line, ok: r.ok, message: r.message };
    });
    let answer: number | undefined;
    if (step.predict) {
      const hits = step.predict.choices.map(
        (c) => c.when.action.kind === 'expect' && checkExpectation(m, c.when.action.expect, from).ok,
      );
      const k = hits.indexOf(true);
      if (k >= 0) answer = k;
      else warnings.push('no choice of the prediction matches what happened');
    }
    const result: StepResult = {
      index: step.index,
      title: step.title,
      from,
      to: m.seq,
      actions,
      expectations,
      ...(answer !== undefined ? { answer } : {}),
      warnings,
      passed: actions.every((x) => x.ok) && expectations.every((x) => x.ok),
    };
    this.results.push(result);
    return result;
  }

  runAll(): RunReport {
    while (!this.done) this.runStep();
    return this.report();
  }

  report(): RunReport {
    return {
      file: this.scenario.file,
      id: this.scenario.meta.id,
      title: this.scenario.meta.title,
      profile: this.scenario.machine.profile,
      steps: this.results,
      passed: this.results.every((r) => r.passed),
      events: this.machine.seq,
      time: this.machine.time,
    };
  }
}
