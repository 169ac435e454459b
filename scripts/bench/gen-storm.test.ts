/**
 * The scenarios the UI benchmark plays (bench/scenarios/): the committed files are what
 * gen-storm.ts writes, the engine loads them, and every wave of the storm really has 500 MSIs
 * outstanding in the ITS at once (500 translation tasks queued, none started) before the machine
 * drains them to the 16 PEs; the stream delivers the same MSIs one at a time. Neither may appear
 * in the scenario picker.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadScenario } from '../../engine/scenario/loader';
import { ScenarioRun } from '../../engine/scenario/runner';
import { scenarioIndex } from '../gen-index';
import {
  CPUS,
  DEVICES,
  STORM,
  STORM_FILE,
  STREAM_FILE,
  WAVES,
  stormScenario,
  streamScenario,
} from './gen-storm';

const text = readFileSync(STORM_FILE, 'utf8');

/** Acknowledges per CPU over the whole run. */
function acksPerCpu(run: ScenarioRun): Map<number, number> {
  const m = run.machine;
  const acks = new Map<number, number>();
  for (let s = 0; s < m.seq; s++)
    if (m.log.kindAt(s) === 'icc.ack') {
      const cpu = m.log.get(s)!.cpu!;
      acks.set(cpu, (acks.get(cpu) ?? 0) + 1);
    }
  return acks;
}

const sum = (xs: Iterable<number>): number => [...xs].reduce((a, b) => a + b, 0);

describe('bench/scenarios/', () => {
  it('holds what scripts/bench/gen-storm.ts writes (run it after changing the generator)', () => {
    expect(JSON.parse(text)).toEqual(stormScenario());
    expect(JSON.parse(readFileSync(STREAM_FILE, 'utf8'))).toEqual(streamScenario());
  });

  it('loads, and every wave has 500 MSIs outstanding at once, then delivers all of them', () => {
    const loaded = loadScenario(text, 'msi-storm.json');
    if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
    expect(loaded.scenario.machine.profile).toBe('spec');
    const run = new ScenarioRun(loaded.scenario);
    const m = run.machine;
    expect(m.s.gic.cpu.length).toBe(CPUS);
    expect(m.s.machine.devices.length).toBe(DEVICES);
    const queued = (): number => m.s.core.queue.heap.filter((t) => t.k === 'its.translate').length;
    let waves = 0;
    while (!run.done) {
      const step = run.runStep()!;
      const problems = [
        ...step.actions.filter((a) => !a.ok).map((a) => `line ${a.line}: ${a.message}`),
        ...step.expectations.filter((x) => !x.ok).map((x) => `${x.text}: ${x.message}`),
        ...step.warnings,
      ];
      expect(problems, step.title).toEqual([]);
      if (step.title.endsWith('written at once')) {
        waves++;
        expect(queued(), step.title).toBe(STORM);
        // Every MSI is a distinct (device, event), so none can merge with another.
        const pairs = new Set(
          m.s.core.queue.heap
            .filter((t) => t.k === 'its.translate')
            .map((t) => {
              const a = t.a as { devid: number; eventid: number };
              return `${a.devid}/${a.eventid}`;
            }),
        );
        expect(pairs.size).toBe(STORM);
      } else {
        expect(queued(), step.title).toBe(0);
      }
    }
    expect(waves).toBe(WAVES);
    // Every PE took its share of every wave.
    const acks = acksPerCpu(run);
    expect(acks.size).toBe(CPUS);
    expect(sum(acks.values())).toBe(STORM * WAVES);
  });

  it('the stream loads and delivers the same MSIs, one at a time', () => {
    const loaded = loadScenario(readFileSync(STREAM_FILE, 'utf8'), 'msi-stream.json');
    if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
    const run = new ScenarioRun(loaded.scenario);
    const report = run.runAll();
    expect(report.steps.filter((s) => !s.passed).map((s) => s.title)).toEqual([]);
    const acks = acksPerCpu(run);
    expect(acks.size).toBe(CPUS);
    expect(sum(acks.values())).toBe(STORM * WAVES);
  });

  it('are not in the scenario picker', () => {
    expect(scenarioIndex()).not.toMatch(/msi-st(orm|ream)|bench-/);
  });
});
