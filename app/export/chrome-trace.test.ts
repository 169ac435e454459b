import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EventRow } from '../worker/api';
import { EngineHost } from '../worker/engine-host';
import { inProcessClient } from '../worker/in-process-client';
import { chromeTrace, PID, threadName, unitSortKey, type ChromeTrace, type TraceEvent } from './chrome-trace';
import { fetchEventLog } from './event-log';

let seq = 0;
const row = (
  unit: string,
  kind: string,
  time: number,
  cause: number | null = null,
  extra = {},
): EventRow => ({
  seq: seq++,
  time,
  kind,
  unit,
  text: `${unit} does ${kind}`,
  cause,
  step: 0,
  ...extra,
});

/** A small log: an MSI fanning out, a handler, a vCPU whose guest handler an exit cuts short. */
function sample(): EventRow[] {
  seq = 0;
  return [
    row('pci nic0', 'pci.msi', 100, null, { devid: 16, eventid: 3 }), // 0
    row('its0', 'its.translater', 120, 0, { its: 0, devid: 16, eventid: 3 }), // 1
    row('gicr1', 'gicr.lpi.pending', 150, 1, { cpu: 1, intid: 8195 }), // 2
    row('cpu1', 'gic.signal', 150, 2, { cpu: 1, intid: 8195 }), // 3
    row('cpu1', 'pe.take', 150, 3, { cpu: 1 }), // 4: opens a handler at the same time as 3
    row('cpu1', 'icc.ack', 250, 4, { cpu: 1, intid: 8195 }), // 5
    row('cpu1', 'icc.eoi', 300, 4, { cpu: 1, intid: 8195 }), // 6: a second effect of 4
    row('cpu1', 'pe.eret', 320, 4, { cpu: 1 }), // 7: closes the handler
    row('vm0.vcpu0', 'vcpu.entry', 400), // 8
    row('vm0.vcpu0', 'guest.take', 450, 8), // 9
    row('vm0.vcpu0', 'vcpu.exit', 500, 9), // 10: ends the guest's handler too (cut)
    row('vm0.vcpu0', 'guest.eret', 520, 9), // 11: no open handler left
    row('cpu0', 'pe.take', 600), // 12: never returns (unfinished)
    row('mem', 'mem.write', 700), // 13
  ];
}

/**
 * What Perfetto's JSON importer does with the file, as far as slices and flows go (read from its
 * source: json_trace_parser_impl.cc, slice_tracker.cc, flow_tracker.cc): events sorted by ts
 * (ties keep file order); per thread a stack of slices, the ones that ended at or before a new
 * slice's ts popped first; an 's' or 'f' (bp:'e') binds to the slice on top of its thread's stack.
 * Times are compared as Perfetto keeps them, in whole nanoseconds (it rounds µs x 1000).
 * Returns, for every flow id, the seq of the event its 's' bound to and those its 'f's bound to.
 */
function perfettoFlows(trace: ChromeTrace): Map<number, { from: number[]; to: number[] }> {
  const ns = (us: number | undefined): number => Math.round((us ?? 0) * 1000);
  const sorted = trace.traceEvents
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.ph !== 'M')
    .sort((a, b) => ns(a.e.ts) - ns(b.e.ts) || a.i - b.i)
    .map(({ e }) => e);
  const stacks = new Map<number, { end: number; e: TraceEvent }[]>();
  const flows = new Map<number, { from: number[]; to: number[] }>();
  const flow = (id: number) => flows.get(id) ?? flows.set(id, { from: [], to: [] }).get(id)!;
  for (const e of sorted) {
    const stack = stacks.get(e.tid!) ?? stacks.set(e.tid!, []).get(e.tid!)!;
    if (e.ph === 'i' || e.ph === 'X') {
      while (stack.length && stack[stack.length - 1]!.end <= ns(e.ts)) stack.pop();
      const end = ns(e.ts) + ns(e.dur);
      const parent = stack[stack.length - 1];
      // Slices on one thread must nest: a child may not outlast its parent.
      if (parent)
        expect(end, `${e.name} at ${e.ts} outlasts ${parent.e.name}`).toBeLessThanOrEqual(parent.end);
      stack.push({ end, e });
    } else if (e.ph === 's' || e.ph === 'f') {
      const top = stack[stack.length - 1];
      expect(top, `flow ${e.ph} ${e.id} has no slice to bind to`).toBeDefined();
      expect(top!.e.ph, `flow ${e.ph} ${e.id} binds to a span, not to its event`).toBe('i');
      flow(e.id!)[e.ph === 's' ? 'from' : 'to'].push(top!.e.args!.seq as number);
    }
  }
  return flows;
}

/** The checks every exported trace must pass, on any log. */
function checkTrace(trace: ChromeTrace, rows: readonly EventRow[]): void {
  // It survives JSON as it is (no undefined, NaN or Infinity hiding in it).
  expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
  expect(trace.displayTimeUnit).toBe('ns');

  const ev = trace.traceEvents;
  const names = new Map(
    ev.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid!, String(e.args!.name)]),
  );
  expect(ev.some((e) => e.ph === 'M' && e.name === 'process_name')).toBe(true);
  for (const u of new Set(rows.map((r) => r.unit))) expect([...names.values()]).toContain(threadName(u));
  for (const e of ev) {
    expect(e.pid).toBe(PID);
    if (e.ph === 'M') continue;
    expect(names.has(e.tid!), `${e.ph} ${e.name} on a thread with no name`).toBe(true);
    expect(Number.isFinite(e.ts)).toBe(true);
  }

  // One instant per event, in seq order, on its unit's thread, at its time in µs.
  const instants = ev.filter((e) => e.ph === 'i');
  expect(instants.map((e) => e.args!.seq)).toEqual(rows.map((r) => r.seq));
  instants.forEach((e, i) => {
    const r = rows[i]!;
    expect(e.s).toBe('t');
    expect(e.name).toBe(r.kind);
    expect(names.get(e.tid!)).toBe(threadName(r.unit));
    expect(e.ts! * 1000).toBeCloseTo(r.time, 6);
    expect(e.args!.text).toBe(r.text);
  });

  // Time never runs backwards on a thread.
  const last = new Map<number, number>();
  for (const e of instants) {
    expect(e.ts!).toBeGreaterThanOrEqual(last.get(e.tid!) ?? -Infinity);
    last.set(e.tid!, e.ts!);
  }

  // Spans have a finite, non-negative duration.
  for (const e of ev.filter((x) => x.ph === 'X')) {
    expect(Number.isFinite(e.dur)).toBe(true);
    expect(e.dur!).toBeGreaterThanOrEqual(0);
  }

  // Every event with a cause gets exactly one arrow, from its cause, and every 's' is matched.
  const flows = perfettoFlows(trace);
  const withCause = rows.filter((r) => r.cause !== null);
  expect(ev.filter((e) => e.ph === 'f')).toHaveLength(withCause.length);
  for (const r of withCause) {
    const f = flows.get(r.cause!);
    expect(f?.from, `the flow from #${r.cause}`).toEqual([r.cause]);
    expect(f!.to).toContain(r.seq);
  }
  for (const [id, f] of flows) {
    expect(f.from, `flow ${id} starts once`).toHaveLength(1);
    expect(f.to.length, `flow ${id} ends somewhere`).toBeGreaterThan(0);
  }
  expect(trace.otherData.events).toBe(rows.length);
}

describe('chromeTrace', () => {
  it('passes the structural checks on a small log', () => {
    const rows = sample();
    checkTrace(chromeTrace(rows, { title: 'Sample', file: 'x.json' }), rows);
  });

  it('gives each unit a named thread, in the order an interrupt travels', () => {
    const t = chromeTrace(sample(), { title: 'Sample' });
    const threads = t.traceEvents
      .filter((e) => e.name === 'thread_name')
      .sort((a, b) => a.tid! - b.tid!)
      .map((e) => e.args!.name);
    expect(threads).toEqual([
      'pci nic0 · PCI device',
      'its0 · ITS',
      'gicr1 · redistributor',
      'cpu0 · PE and CPU interface',
      'cpu1 · PE and CPU interface',
      'vm0.vcpu0 · vCPU',
      'mem · memory',
    ]);
    expect(t.traceEvents.find((e) => e.name === 'process_name')!.args!.name).toBe('GIC Lab · Sample');
    expect(t.traceEvents.filter((e) => e.name === 'thread_sort_index')).toHaveLength(7);
  });

  it('writes model nanoseconds as microseconds', () => {
    const t = chromeTrace(sample(), { title: 'S' });
    const msi = t.traceEvents.find((e) => e.ph === 'i' && e.name === 'pci.msi')!;
    expect(msi.ts).toBe(0.1);
    expect(msi.args).toMatchObject({ seq: 0, devid: 16, eventid: 3, cause: null, unit: 'pci nic0' });
    expect(msi.args).not.toHaveProperty('cpu');
    expect(msi.cat).toBe('pci');
  });

  it('makes a cause with several effects one flow with several ends', () => {
    const t = chromeTrace(sample(), { title: 'S' });
    expect(t.traceEvents.filter((e) => e.ph === 's' && e.id === 4)).toHaveLength(1);
    expect(t.traceEvents.filter((e) => e.ph === 'f' && e.id === 4)).toHaveLength(3);
    expect(perfettoFlows(t).get(4)).toEqual({ from: [4], to: [5, 6, 7] });
    // No flow starts at an event that caused nothing.
    expect(t.traceEvents.some((e) => e.ph === 's' && e.id === 13)).toBe(false);
  });

  it('turns a handler, a guest run and a cut or unfinished stretch into nested spans', () => {
    const spans = chromeTrace(sample(), { title: 'S' }).traceEvents.filter((e) => e.ph === 'X');
    const at = (name: string, from: number) => spans.find((e) => e.name === name && e.args!.from === from);
    expect(at('IRQ handler', 4)).toMatchObject({ ts: 0.15, dur: 0.17, args: { to: 7 } });
    expect(at('in guest', 8)).toMatchObject({ ts: 0.4, dur: 0.1, args: { to: 10 } });
    expect(at('guest IRQ handler', 9)).toMatchObject({ ts: 0.45, dur: 0.05, args: { to: 10, cut: true } });
    expect(at('IRQ handler', 12)).toMatchObject({ ts: 0.6, dur: 0.1, args: { to: null, unfinished: true } });
    expect(spans).toHaveLength(4);
  });

  it('leaves out a flow whose cause is not in the log', () => {
    seq = 0;
    const rows = [row('cpu0', 'icc.ack', 10, 99)];
    const t = chromeTrace(rows, { title: 'S' });
    expect(t.traceEvents.filter((e) => e.ph === 's' || e.ph === 'f')).toHaveLength(0);
    expect(t.otherData.flows).toBe(0);
  });

  it('refuses an event without a finite time rather than placing it somewhere', () => {
    seq = 0;
    expect(() => chromeTrace([row('cpu0', 'icc.ack', NaN)], { title: 'S' })).toThrow(/#0 has no finite time/);
  });

  it('gives an empty log a valid, empty trace', () => {
    const t = chromeTrace([], { title: 'Empty' });
    expect(t.traceEvents.filter((e) => e.ph !== 'M')).toEqual([]);
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });
});

describe('unitSortKey', () => {
  it('sorts numbers as numbers and keeps each VM together', () => {
    const units = [
      'vm1.vcpu0',
      'cpu10',
      'mem',
      'vm0.vcpu1',
      'cpu2',
      'vm0',
      'gicd',
      'vm0.its0',
      'machine',
      'vm1',
    ];
    const cmp = (a: string, b: string) => {
      const x = unitSortKey(a);
      const y = unitSortKey(b);
      for (let i = 0; i < Math.max(x.length, y.length); i++)
        if (x[i] !== y[i]) return (x[i] ?? -1) < (y[i] ?? -1) ? -1 : 1;
      return 0;
    };
    expect(units.sort(cmp)).toEqual([
      'gicd',
      'cpu2',
      'cpu10',
      'vm0',
      'vm0.its0',
      'vm0.vcpu1',
      'vm1',
      'vm1.vcpu0',
      'mem',
      'machine',
    ]);
  });
});

describe('the trace of shipped scenarios, fetched from the engine a page at a time', () => {
  const load = async (file: string) => {
    const host = new EngineHost();
    const r = host.load(readFileSync(file, 'utf8'), file);
    if (!r.ok) throw new Error(r.errors.join('; '));
    const pages: number[] = [];
    const rows = await fetchEventLog(inProcessClient(host), r.session.length, {
      onProgress: (done) => pages.push(done),
    });
    return { session: r.session, rows, pages };
  };

  it('Map and fire: every event, with its flows and the CPU handler', async () => {
    const { session, rows } = await load('public/scenarios/track2/2.2-map-and-fire.json');
    expect(rows).toHaveLength(session.length);
    const t = chromeTrace(rows, { title: session.title, file: session.file });
    checkTrace(t, rows);
    expect(t.traceEvents.some((e) => e.ph === 'X' && e.name === 'IRQ handler')).toBe(true);
  });

  it('a VM scenario longer than one page (13,000+ events)', async () => {
    const { session, rows, pages } = await load(
      'public/scenarios/conformance-vm/kut-gicv3-ipi-two-clusters-vm.json',
    );
    expect(session.length).toBeGreaterThan(10_000);
    expect(pages.length).toBeGreaterThan(2);
    expect(rows.map((r) => r.seq)).toEqual([...Array(session.length).keys()]);
    const t = chromeTrace(rows, { title: session.title });
    checkTrace(t, rows);
    expect(t.traceEvents.some((e) => e.ph === 'X' && e.name === 'in guest')).toBe(true);
  });
});
