/** ScenarioRun going on after its scenario: appended steps and expectations (the sandbox console). */

import { describe, expect, it } from 'vitest';
import { parseLine } from './command-parser';
import { loadScenario, type CompiledLine } from './loader';
import { ScenarioRun } from './runner';

const SCENARIO = JSON.stringify({
  format: 'giclab-scenario/1',
  id: 'runner-append',
  title: 'append',
  machine: { cpus: 2, devices: [{ name: 'nic0', bdf: '00:02.0' }] },
  steps: [{ title: 'enable', actions: ['write GICD_CTLR 0x12', 'wait 5ms'], settle: 'none' }],
});

function line(text: string): CompiledLine {
  const r = parseLine(text);
  if (!r?.ok) throw new Error(`does not parse: ${text}`);
  return { text, action: r.action, line: 1, column: 1 };
}

function started(): ScenarioRun {
  const r = loadScenario(SCENARIO, 'append.json');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  const run = new ScenarioRun(r.scenario);
  run.runAll();
  return run;
}

const step = (text: string) => ({ title: text, settle: 'each' as const, actions: [line(text)], expect: [] });

describe('ScenarioRun.appendStep', () => {
  it('runs a step at the end, and refuses one naming what the machine lacks without changing anything', () => {
    const run = started();
    const seq = run.machine.seq;
    const refused = run.appendStep(step('msi nic9 1'));
    expect(refused).toEqual({ ok: false, error: expect.stringMatching(/no device named 'nic9'/) as string });
    expect(run.machine.seq).toBe(seq);
    expect(run.steps).toHaveLength(1);
    expect(run.results).toHaveLength(1);
    const ok = run.appendStep(step('read GICD_CTLR'));
    expect(ok.ok && ok.result).toMatchObject({ index: 1, from: seq, to: seq + 1, passed: true });
    expect(run.steps).toHaveLength(2);
  });

  it('goes on from where the run ended even after the machine was sought back, model time included', () => {
    const a = started();
    const b = started();
    const end = b.machine.time;
    expect(end).toBeGreaterThanOrEqual(5_000_000);
    b.machine.seek(0);
    b.machine.seek(b.machine.log.length);
    // A seek to the end restores the time a final `wait` let pass without an event.
    expect(b.machine.time).toBe(end);
    a.appendStep(step('read GICD_CTLR'));
    b.appendStep(step('read GICD_CTLR'));
    expect(b.machine.log.get(b.machine.seq - 1)).toEqual(a.machine.log.get(a.machine.seq - 1));
    expect(b.machine.time).toBe(a.machine.time);
  });
});

describe('ScenarioRun.addExpectation', () => {
  it("checks against the last step's events and records the verdict there", () => {
    const run = started();
    run.appendStep(step('write GICD_CTLR 0x10'));
    const held = run.addExpectation(line('expect events mmio.write == 1'));
    expect(held.ok && held.result.ok).toBe(true);
    const changed = run.addExpectation(line('expect reg GICD_CTLR unchanged'));
    expect(changed.ok && changed.result).toMatchObject({
      ok: false,
      message: expect.stringMatching(/changed/) as string,
    });
    expect(run.steps[1]!.expect).toHaveLength(2);
    expect(run.results[1]!.expectations).toHaveLength(2);
    expect(run.results[1]!.passed).toBe(false);
    expect(run.report().passed).toBe(false);
  });

  it('refuses one that names a unit the machine lacks, and records nothing', () => {
    const run = started();
    const r = run.addExpectation(line('expect reg rd4 GICR_CTLR == 0'));
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/no redistributor 4/) as string });
    expect(run.results[0]!.expectations).toHaveLength(0);
    expect(run.addExpectation(line('write GICD_CTLR 1')).ok).toBe(false);
  });
});
