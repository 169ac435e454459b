/**
 * Running a scenario: a fresh machine from its description, then each step's actions in order
 * (settling after each line unless the step says otherwise), then the step's expectations and its
 * prediction. The same object serves the CLI (run everything, report) and the UI (run step by
 * step); the machine's event log is the record of what happened.
 */

// The KVM layer joins the machine (VMs in descriptions, their inputs and tasks).
import '../kvm/kvm-extension';
import { cloneState, Machine } from '../platform/machine';
import type { MachineState } from '../platform/platform-machine';
import type { Action } from './actions';
import { executeAction } from './execute';
import { checkExpectation, expectationTargetError, needsBefore } from './expectations';
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

/** An appended step or expectation the machine refused: it names something the machine lacks. */
export type Refusal = { ok: false; error: string };

export class ScenarioRun {
  readonly machine: Machine;
  readonly results: StepResult[] = [];
  /** The scenario's steps, then those appended since (appendStep, addExpectation). */
  readonly steps: CompiledStep[];
  /** The state as the last step began, for `unchanged` in expectations added to it later. */
  private lastStart: MachineState | undefined;

  constructor(
    readonly scenario: Scenario,
    snapshotInterval?: number,
  ) {
    this.machine = Machine.create(scenario.machine, snapshotInterval);
    this.steps = [...scenario.steps];
  }

  get done(): boolean {
    return this.results.length >= this.steps.length;
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
    const step: CompiledStep | undefined = this.steps[this.results.length];
    if (!step) return undefined;
    return this.execute(step, false) as StepResult;
  }

  /**
   * Runs `step` (the next one). With `refuseFirst`, a first action the machine refuses (it names
   * a unit or device the machine lacks) stops the step before anything has happened: the
   * refusal is returned and nothing is recorded.
   */
  private execute(step: CompiledStep, refuseFirst: boolean): StepResult | Refusal {
    const m = this.machine;
    const from = m.seq;
    const warnings: string[] = [];
    // The last step keeps a copy of the machine as it began, for expectations added to it later.
    const last = this.results.length === this.steps.length - 1;
    const start =
      last || step.expect.some((l) => l.action.kind === 'expect' && needsBefore(l.action.expect))
        ? cloneState(m.s)
        : undefined;
    // A copy of the machine as the step begins, for `unchanged` expectations.
    const before =
      start && step.expect.some((l) => l.action.kind === 'expect' && needsBefore(l.action.expect))
        ? new Machine(cloneState(start))
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
      // executeAction refuses before it applies any input: the machine is as it was.
      if (error && refuseFirst && actions.length === 0) return { ok: false, error };
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
    if (last) this.lastStart = start;
    return result;
  }

  /**
   * Puts the machine back where the run ended (a host may have sought it anywhere to show it;
   * seeking changes nothing, and a seek to the end restores the model time too).
   */
  private resume(): void {
    if (!this.done) throw new Error('the run has steps left: run them before adding more');
    this.machine.seek(this.machine.log.length);
  }

  /**
   * Appends a step and runs it where the run ended, whatever position the machine has been
   * sought to since (the sandbox console runs each line this way, as a step of its own). A step
   * whose first action the machine refuses (rd9 on two PEs, an unknown device, an ITS command
   * with no valid queue) is not appended and changes nothing: the reason is returned.
   */
  appendStep(step: Omit<CompiledStep, 'index'>): { ok: true; result: StepResult } | Refusal {
    this.resume();
    const full: CompiledStep = { ...step, index: this.steps.length };
    this.steps.push(full);
    const r = this.execute(full, true);
    if ('ok' in r) {
      this.steps.pop();
      return r;
    }
    return { ok: true, result: r };
  }

  /**
   * Checks one more expectation against the last step, as if the step had listed it (its counts
   * cover that step's events, `unchanged` compares with the state the step began in), and
   * records it there. One that names something the machine lacks is refused and not recorded.
   */
  addExpectation(line: CompiledLine): { ok: true; result: LineResult } | Refusal {
    if (line.action.kind !== 'expect') return { ok: false, error: `'${line.text}' is not an expectation` };
    this.resume();
    const k = this.results.length - 1;
    const step = this.steps[k];
    const res = this.results[k];
    if (!step || !res) return { ok: false, error: 'there is no step to check' };
    const x = line.action.expect;
    const bad = expectationTargetError(this.machine, x);
    if (bad) return { ok: false, error: bad };
    const before = needsBefore(x) && this.lastStart ? new Machine(cloneState(this.lastStart)) : undefined;
    const r = checkExpectation(this.machine, x, res.from, before);
    const result: LineResult = { text: line.text, line: line.line, ok: r.ok, message: r.message };
    this.steps[k] = { ...step, expect: [...step.expect, line] };
    res.expectations.push(result);
    res.passed = res.passed && r.ok;
    return { ok: true, result };
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
