/** The worker's API, driven directly (no worker): a session over kvm-unit-tests C27's history. */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineHost, MAX_EVENTS_PER_CALL } from './engine-host';

const c27 = readFileSync('public/scenarios/conformance/kut-c27-its-int-dev2.json', 'utf8');

function open(): EngineHost {
  const host = new EngineHost();
  const r = host.load(c27, 'c27.json');
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return host;
}

describe('EngineHost', () => {
  it('loads a scenario, runs it to its end and describes the session', () => {
    const host = new EngineHost();
    const r = host.load(c27, 'c27.json');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = r.session;
    expect(s.title).toMatch(/C27/);
    expect(s.passed).toBe(true);
    expect(s.shape.cpus).toEqual(['0.0.0.0', '0.0.0.1', '0.0.0.2', '0.0.0.3']);
    expect(s.steps.length).toBeGreaterThan(1);
    expect(s.steps.at(-1)!.to).toBe(s.length);
    expect(s.steps.flatMap((st) => st.expectations).every((x) => x.ok)).toBe(true);
    expect(s.marks.deliveries.length).toBe(1);
    expect(s.marks.commands.length).toBeGreaterThan(4);
    // The session starts at the beginning.
    expect(host.frame(0).position).toBe(0);
  });

  it('narrates the history: INT, then LPI 8195 pending at redistributor 3, then CPU 3 acknowledges', () => {
    const host = open();
    const rows = host.events(0, MAX_EVENTS_PER_CALL);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i));
    const at = (kind: string, text: RegExp) => rows.findIndex((r) => r.kind === kind && text.test(r.text));
    const int = at('its.cmd', /INT DeviceID=0x2 EventID=0x14/);
    const pending = at('gicr.lpi.pending', /LPI 8195/);
    const ack = at('icc.ack', /CPU 3 acknowledges LPI 8195/);
    expect(int).toBeGreaterThanOrEqual(0);
    expect(pending).toBeGreaterThan(int);
    expect(ack).toBeGreaterThan(pending);
    expect(rows[ack]).toMatchObject({ unit: 'cpu3', cpu: 3, intid: 8195 });
    expect(rows[pending]!.cause).not.toBeNull();
    expect(rows[ack]!.step).toBe(rows.at(-1)!.step);
  });

  it('shows any position, and showing one again gives the identical frame (forward or back)', () => {
    const host = open();
    const length = host.frame(1e9).position;
    const ack = host.find(0, 1, 'delivery', []).position;
    const there = host.frame(ack);
    expect(there.event).toMatchObject({ kind: 'icc.ack', cpu: 3 });
    expect(there.stage.focus?.places).toEqual([{ node: 'cpuif', cpu: 3 }]);
    host.frame(length);
    host.frame(3);
    expect(host.frame(ack)).toEqual(there);
    expect(host.frame(-5).position).toBe(0);
  });

  it('shows an LPI request leaving the ITS for the redistributor, named after its command', () => {
    const host = open();
    const rows = host.events(0, MAX_EVENTS_PER_CALL);
    const int = rows.findIndex((r) => r.kind === 'its.cmd' && /INT DeviceID=0x2/.test(r.text));
    const f = host.frame(int + 1);
    expect(f.stage.focus).toMatchObject({ kind: 'its.cmd', entry: { table: 'queue' } });
    expect(f.stage.tokens).toContainEqual(
      expect.objectContaining({
        id: `t${int}`,
        kind: 'lpi',
        intid: 8195,
        state: 'travelling',
        at: { node: 'its', its: 0, part: 'queue' },
      }),
    );
    // The next event: the redistributor takes it; the same token is now pending there.
    const g = host.frame(int + 2);
    expect(g.event?.kind).toBe('gicr.lpi.pending');
    expect(g.stage.tokens).toContainEqual(
      expect.objectContaining({ id: `t${int}`, intid: 8195, state: 'pending', at: { node: 'rd', cpu: 3 } }),
    );
  });

  it('steps by event, transaction, command, delivery and scenario step, both ways', () => {
    const host = open();
    const length = host.frame(1e9).position;
    expect(host.find(10, 1, 'event', []).position).toBe(11);
    expect(host.find(10, -1, 'event', []).position).toBe(9);
    expect(host.find(0, -1, 'event', []).position).toBe(-1);
    expect(host.find(length, 1, 'event', []).position).toBe(-1);
    expect(host.find(10, 1, 'event', [], 5).position).toBe(15);

    const rows = host.events(0, MAX_EVENTS_PER_CALL);
    const cmd = host.find(0, 1, 'command', []).position;
    expect(rows[cmd - 1]!.kind).toBe('its.cmd');
    expect(rows.slice(0, cmd - 1).some((r) => r.kind === 'its.cmd')).toBe(false);
    const back = host.find(host.find(cmd, 1, 'command', []).position, -1, 'command', []).position;
    expect(back).toBe(cmd);

    // A transaction ends where the next outside input begins.
    const t = host.find(0, 1, 'transaction', []).position;
    expect(rows[t]!.cause).toBeNull();
    expect(rows.slice(1, t).every((r) => r.cause !== null)).toBe(true);

    const steps = host.load(c27, 'c27.json');
    if (!steps.ok) throw new Error('reload');
    const ends = steps.session.steps.map((s) => s.to);
    expect(host.find(0, 1, 'step', []).position).toBe(ends.find((e) => e > 0));
    expect(host.find(length, -1, 'step', []).position).toBe(ends.filter((e) => e < length).at(-1) ?? 0);
  });

  it('stops at a breakpoint on the way, and says which', () => {
    const host = open();
    const rows = host.events(0, MAX_EVENTS_PER_CALL);
    const mapti = rows.findIndex((r) => r.kind === 'its.cmd' && /MAPTI DeviceID=0x7/.test(r.text));
    const r = host.find(0, 1, 'step', [{ intid: 99999 }, { command: 'MAPTI', devid: 7 }]);
    // 'step' moves to a step boundary without looking at events: breakpoints apply to event moves.
    expect(r.breakpoint).toBeUndefined();
    const b = host.find(0, 1, 'delivery', [{ intid: 99999 }, { command: 'MAPTI', devid: 7 }]);
    expect(b).toEqual({ position: mapti + 1, breakpoint: 1 });
    // An empty breakpoint stops nowhere.
    expect(host.find(0, 1, 'event', [{}]).breakpoint).toBeUndefined();
    // A register-write breakpoint.
    const w = host.find(0, 1, 'delivery', [{ regWrite: 'GITS_CWRITER' }]);
    expect(rows[w.position - 1]).toMatchObject({ kind: 'mmio.write' });
    expect(rows[w.position - 1]!.text).toMatch(/GITS_CWRITER/);
  });

  it('stops at writes to CPU interface registers too, EOIs included (they have kinds of their own)', () => {
    const host = open();
    const rows = host.events(0, MAX_EVENTS_PER_CALL);
    const eoi = host.find(0, 1, 'event', [{ regWrite: 'ICC_EOIR1_EL1' }], rows.length);
    expect(eoi.breakpoint).toBe(0);
    expect(rows[eoi.position - 1]).toMatchObject({ kind: 'icc.eoi' });
    expect(rows.findIndex((r) => r.kind === 'icc.eoi')).toBe(eoi.position - 1);
  });

  it('lights the part of the ITS a register belongs to, or the whole ITS', () => {
    const host = open();
    const rows = host.events(0, MAX_EVENTS_PER_CALL);
    const focusOf = (reg: string) => {
      const i = rows.findIndex((r) => r.kind === 'mmio.write' && r.text.includes(` to ${reg} of its0`));
      expect(i, reg).toBeGreaterThanOrEqual(0);
      return host.frame(i + 1).stage.focus?.places;
    };
    expect(focusOf('GITS_CWRITER')).toEqual([{ node: 'its', its: 0, part: 'queue' }]);
    expect(focusOf('GITS_BASER0')).toEqual([{ node: 'its', its: 0, part: 'dt' }]);
    expect(focusOf('GITS_CTLR')).toEqual([{ node: 'its', its: 0 }]);
  });

  it("gives a register's accesses before the position, and the ones the console adds after", () => {
    const host = open();
    const rows = host.events(0, MAX_EVENTS_PER_CALL);
    const writes = rows.filter((r) => r.kind === 'mmio.write' && r.text.includes('to GITS_CWRITER of its0'));
    expect(writes.length).toBeGreaterThan(2);
    const at = (p: number) => {
      const r = host.inspect(p, { view: 'register', unit: 'its0', name: 'GITS_CWRITER' });
      if (!r.ok || !('history' in r)) throw new Error('no history');
      return r;
    };
    const end = at(rows.length);
    expect(end.history.map((h) => h.seq)).toEqual(writes.map((w) => w.seq));
    expect(end.history.every((h) => h.access === 'write')).toBe(true);
    expect(end.truncated).toBe(false);
    // Just after the second write, only the first two are history; before the first, none.
    expect(at(writes[1]!.seq + 1).history.map((h) => h.seq)).toEqual([writes[0]!.seq, writes[1]!.seq]);
    expect(at(writes[0]!.seq).history).toEqual([]);
    // A line from the console extends the same history.
    const r = host.exec('write its0 GITS_CWRITER 0');
    expect(r.ok).toBe(true);
    const after = at(r.ok ? r.length : 0);
    expect(after.history).toHaveLength(writes.length + 1);
    expect(after.history.at(-1)).toMatchObject({ access: 'write', value: '0x0' });
  });

  it('refuses a bad file with its position and keeps the session it had', () => {
    const host = open();
    const before = host.frame(50);
    const r = host.load('{ "format": "giclab-scenario/1", "id": "x" ', 'broken.json');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatch(/^broken\.json:1:\d+: /);
    expect(host.frame(50)).toEqual(before);
  });
});
