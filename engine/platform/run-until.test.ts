import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadScenario } from '../scenario/loader';
import { ScenarioRun } from '../scenario/runner';
import type { Machine } from './machine';
import { runUntil } from './run-until';

/**
 * kvm-unit-tests C27 up to its last step, whose actions (INT 2/20, then INT 7/255 added here) are
 * applied without running: the machine has work queued for two commands and two deliveries
 * (LPI 8195 to PE 3, LPI 8196 to PE 2).
 */
function twoIntsQueued(): Machine {
  const file = new URL('../../public/scenarios/conformance/kut-c27-its-int-dev2.json', import.meta.url);
  const json = JSON.parse(readFileSync(file, 'utf8')) as {
    steps: { actions: string[]; expect: string[]; settle?: string }[];
  };
  const last = json.steps[json.steps.length - 1]!;
  last.actions = ['its INT DeviceID=2 EventID=20', 'its INT DeviceID=7 EventID=255'];
  last.expect = [];
  last.settle = 'none';
  const r = loadScenario(JSON.stringify(json), 'c27-two-ints.json');
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  const run = new ScenarioRun(r.scenario);
  run.runAll();
  return run.machine;
}

describe('runUntil', () => {
  it('stops at each command the ITS reads, then at each interrupt a PE takes, then at idle', () => {
    const m = twoIntsQueued();
    const c1 = runUntil(m, { until: 'command' });
    expect(c1.reason).toBe('stop');
    expect(m.log.get(c1.at!)).toMatchObject({ kind: 'its.cmd', devid: 2, eventid: 20 });
    expect(m.seq).toBe(c1.at! + 1);
    const c2 = runUntil(m, { until: 'command', its: 0 });
    expect(m.log.get(c2.at!)).toMatchObject({ kind: 'its.cmd', devid: 7, eventid: 255 });

    const d1 = runUntil(m, { until: 'delivery' });
    const d2 = runUntil(m, { until: 'delivery' });
    const took = [d1, d2].map((d) => {
      const e = m.log.get(d.at!)!;
      return [e.cpu, (e.data as { intid: number }).intid];
    });
    expect(took.sort()).toEqual([
      [2, 8196],
      [3, 8195],
    ]);
    const end = runUntil(m, { until: 'delivery' });
    expect(end.reason).toBe('idle');
    expect(end.at).toBeUndefined();
  });

  it('waits for the delivery it was asked for, on the CPU and INTID given', () => {
    const m = twoIntsQueued();
    const r = runUntil(m, { until: 'delivery', cpu: 2 });
    const e = m.log.get(r.at!)!;
    expect(e.kind).toBe('icc.ack');
    expect(e.cpu).toBe(2);
    expect((e.data as { intid: number }).intid).toBe(8196);
    // Asked for LPI 8195 next, the run stops at CPU 3 taking it (it had not happened yet) or, if
    // CPU 3 took it before CPU 2 took 8196, runs on to idle.
    const acked8195Before = m.log
      .slice(0, r.at)
      .some((x) => x.kind === 'icc.ack' && (x.data as { intid: number }).intid === 8195);
    const next = runUntil(m, { until: 'delivery', intid: 8195 });
    if (acked8195Before) expect(next.reason).toBe('idle');
    else expect(m.log.get(next.at!)).toMatchObject({ kind: 'icc.ack', cpu: 3 });
  });

  it('stops at the first event that matches a breakpoint, before its target', () => {
    const m = twoIntsQueued();
    const r = runUntil(m, { until: 'idle' }, [
      { kind: 'gicr.lpi.pending', intid: 8196 },
      { kind: 'its.cmd', devid: 99 },
    ]);
    expect(r.reason).toBe('stop');
    expect(r.breakpoint).toBe(0);
    expect(m.log.get(r.at!)).toMatchObject({ kind: 'gicr.lpi.pending', intid: 8196, cpu: 2 });
    // Running on from a breakpoint goes to the next match, not the same one again.
    const again = runUntil(m, { until: 'idle' }, [{ kind: 'gicr.lpi.pending', intid: 8196 }]);
    expect(again.reason).toBe('idle');
    expect(again.breakpoint).toBeUndefined();
  });

  it('one event at a time with until: event; a budget ends a run that would not', () => {
    const m = twoIntsQueued();
    const before = m.seq;
    const r = runUntil(m, { until: 'event' });
    expect(r).toMatchObject({ reason: 'stop', events: 1, at: before });
    const b = runUntil(m, { until: 'match', match: { kind: 'no.such.kind' } }, [], 3);
    expect(b).toMatchObject({ reason: 'budget', events: 3 });
  });
});
