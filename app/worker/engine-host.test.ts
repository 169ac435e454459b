/** The worker's API, driven directly (no worker): load, run and read the narrated log of C27. */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineHost, MAX_EVENTS_PER_CALL } from './engine-host';

const c27 = readFileSync('public/scenarios/conformance/kut-c27-its-int-dev2.json', 'utf8');

describe('EngineHost', () => {
  it('loads a scenario and names its steps', () => {
    const r = new EngineHost().load(c27, 'c27.json');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.title).toMatch(/C27/);
    expect(r.steps.length).toBeGreaterThan(1);
    expect(r.steps.every((s) => s.title.length > 0)).toBe(true);
  });

  it('runs it: every expectation holds, and the log narrates INT -> pending -> acknowledge', () => {
    const host = new EngineHost();
    host.load(c27, 'c27.json');
    const summary = host.runAll();
    expect(summary.passed).toBe(true);
    const all = summary.steps.flatMap((s) => s.expectations);
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((x) => x.ok)).toBe(true);

    const rows = host.events(0, summary.events);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i));
    expect(rows).toHaveLength(summary.events);
    const at = (kind: string, text: RegExp) => rows.findIndex((r) => r.kind === kind && text.test(r.text));
    const int = at('its.cmd', /INT DeviceID=0x2 EventID=0x14/);
    const pending = at('gicr.lpi.pending', /LPI 8195/);
    const ack = at('icc.ack', /CPU 3 acknowledges LPI 8195/);
    expect(int).toBeGreaterThanOrEqual(0);
    expect(pending).toBeGreaterThan(int);
    expect(ack).toBeGreaterThan(pending);
    expect(rows[ack]!.unit).toBe('cpu3');
  });

  it('runs again from a fresh machine: the same log (deterministic)', () => {
    const host = new EngineHost();
    host.load(c27, 'c27.json');
    const first = host.events(0, host.runAll().events);
    const second = host.events(0, host.runAll().events);
    expect(second).toEqual(first);
  });

  it('clamps event ranges to the log and to MAX_EVENTS_PER_CALL', () => {
    const host = new EngineHost();
    expect(host.events(0, 10)).toEqual([]); // nothing run yet
    host.load(c27, 'c27.json');
    const n = host.runAll().events;
    expect(host.events(-5, 3).map((r) => r.seq)).toEqual([0, 1, 2]);
    expect(host.events(n - 2, n + 100).map((r) => r.seq)).toEqual([n - 2, n - 1]);
    expect(host.events(5, 2)).toEqual([]);
    expect(host.events(0, Number.MAX_SAFE_INTEGER).length).toBeLessThanOrEqual(MAX_EVENTS_PER_CALL);
  });

  it('refuses a bad file with file:line:column diagnostics and leaves nothing loaded', () => {
    const host = new EngineHost();
    host.load(c27, 'c27.json');
    host.runAll();
    const r = host.load('{\n  "format": "giclab-scenario/1",\n  "title": \n}', 'bad.json');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatch(/^bad\.json:\d+:\d+: /);
    expect(() => host.runAll()).toThrow(/no scenario/);
    expect(host.events(0, 10)).toEqual([]);
  });

  it('reports a refused action line as a failed item of its step', () => {
    const doc = JSON.parse(c27) as { steps: { actions: string[] }[] };
    doc.steps[0]!.actions.push('read64 GITS_NO_SUCH_REGISTER');
    const host = new EngineHost();
    expect(host.load(JSON.stringify(doc), 'c27-bad.json').ok).toBe(true);
    const summary = host.runAll();
    expect(summary.passed).toBe(false);
    expect(summary.steps[0]!.passed).toBe(false);
    expect(summary.steps[0]!.expectations).toContainEqual(
      expect.objectContaining({ text: 'read64 GITS_NO_SUCH_REGISTER', ok: false }),
    );
  });
});
