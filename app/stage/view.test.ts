/**
 * The stage's decisions, tested without a DOM (the repository has no jsdom): what each box says,
 * where tokens sit, how they move between frames (the d3 join's enter/update/exit with routes),
 * which wires light up, and how long a transition lasts. stage.ts applies exactly these.
 */

import { describe, expect, it } from 'vitest';
import type { Focus, StageModel, Token } from '../worker/api';
import { centre, layout, placeXY, type Point, type StageLayout } from './layout';
import { machine } from './fixtures';
import {
  diffTokens,
  entryText,
  fitText,
  hotWires,
  nodeViews,
  placeTokens,
  MORE,
  CROWD,
  pointAlong,
  textWidth,
  tokenLabels,
  transitionMs,
  type Drawn,
} from './view';

const shape = machine(2, 4);
shape.devices[0]!.name = 'nic0';
const lay = layout(shape, { width: 1280, height: 720 });

const lpi = (at: Token['at'], state: Token['state'] = 'pending', id = 'msi:7'): Token => ({
  id,
  kind: 'lpi',
  label: 'LPI 8195',
  intid: 8195,
  at,
  state,
});
const msi = (part: 'translater' | 'cache' | 'dt' | 'itt' | 'ct', id = 'msi:7'): Token => ({
  id,
  kind: 'msi',
  label: 'MSI 0/0',
  at: { node: 'its', its: 0, part },
  state: 'travelling',
});

function model(tokens: Token[], focus?: Focus, over: Partial<StageModel> = {}): StageModel {
  return {
    position: 5,
    tokens,
    ...(focus ? { focus } : {}),
    cpus: [0, 1, 2, 3].map((index) => ({
      index,
      irq: false,
      fiq: false,
      hppi: 1023,
      hppiPrio: 0xff,
      rpr: 0xff,
      depth: 0,
    })),
    its: [{ index: 0, enabled: true, waiting: 0, stalled: false, creadrSlot: 0, cwriterSlot: 0, slots: 128 }],
    ...over,
  };
}

/** What the stage had drawn after showing `tokens`. */
function drawnFrom(l: StageLayout, tokens: Token[]): Map<string, Drawn> {
  return new Map(placeTokens(l, tokens).map((v) => [v.id, { x: v.x, y: v.y, node: v.node }]));
}

const near = (a: Point, b: Point | undefined): boolean =>
  !!b && Math.abs(a.x - b.x) < 1e-6 && Math.abs(a.y - b.y) < 1e-6;
const inRect = (p: Point, r: { x: number; y: number; w: number; h: number }): boolean =>
  p.x >= r.x - 1e-6 && p.x <= r.x + r.w + 1e-6 && p.y >= r.y - 1e-6 && p.y <= r.y + r.h + 1e-6;

describe('text', () => {
  it('fits the longest candidate that fits, else cuts the shortest, else nothing', () => {
    expect(fitText(['GICR 3', 'R3'], 100, 10)).toBe('GICR 3');
    expect(fitText(['GICR 3', 'R3'], 20, 10)).toBe('R3');
    expect(fitText(['Command queue'], 40, 10)).toBe('Comma…');
    expect(fitText(['Command queue'], 40, 10, false)).toBe('');
    expect(fitText(['x'], 3, 10)).toBe('');
  });

  it('names table entries as the spec does', () => {
    expect(entryText({ table: 'dt', id: 2 })).toBe('DT[2]');
    expect(entryText({ table: 'itt', id: 20, devid: 2 })).toBe('ITT[20]');
    expect(entryText({ table: 'ct', id: 3 })).toBe('CT[3]');
    expect(entryText({ table: 'queue', id: 6 })).toBe('slot 6');
    expect(entryText({ table: 'cache', id: 20, devid: 2 })).toBe('cache 2/20');
  });

  it('shortens token labels to their numbers', () => {
    expect(tokenLabels(lpi({ node: 'dist' }))).toEqual(['LPI 8195', '8195']);
    expect(tokenLabels(msi('dt'))).toEqual(['MSI 0/0', '0/0']);
  });
});

describe('nodeViews', () => {
  it('says what each box is and what state it is in', () => {
    const focus: Focus = {
      seq: 4,
      kind: 'its.dte',
      places: [{ node: 'its', its: 0, part: 'dt' }],
      entry: { table: 'dt', id: 0 },
    };
    const m = model([lpi({ node: 'rd', cpu: 2 })], focus, {
      cpus: [0, 1, 2, 3].map((index) => ({
        index,
        irq: index === 2,
        fiq: false,
        hppi: index === 2 ? 8195 : 1023,
        hppiPrio: index === 2 ? 0xa0 : 0xff,
        rpr: index === 1 ? 0x80 : 0xff,
        depth: index === 1 ? 1 : 0,
      })),
      its: [
        { index: 0, enabled: true, waiting: 3, stalled: true, creadrSlot: 5, cwriterSlot: 8, slots: 128 },
      ],
    });
    const v = new Map(nodeViews(lay, shape, m).map((x) => [x.id, x]));
    expect(v.get('device:nic0')!.lines).toEqual(['nic0', 'DeviceID 0']);
    expect(v.get('device:nic0')!.aria).toContain('Requester ID 00:00.0');
    const dt = v.get('its0/dt')!;
    expect(dt.focus).toBe(true);
    expect(dt.note).toBe('DT[0]');
    expect(dt.lines.at(-1)).toBe('DT[0]');
    expect(v.get('its0/itt')!.focus).toBe(false);
    const q = v.get('its0/queue')!;
    expect(q.data).toMatchObject({ waiting: '3', stalled: 'true', creadr: '5', cwriter: '8' });
    expect(q.lines.join(' ')).toContain('CREADR 5 · CWRITER 8');
    expect(q.aria).toContain('STALLED');
    expect(v.get('rd2')!.lines[0]).toBe('GICR 2');
    expect(v.get('rd2')!.aria).toContain('LPI 8195 (pending)');
    expect(v.get('cpuif2')!.lines).toContain('HPPI 8195 @ 0xa0');
    expect(v.get('cpuif1')!.lines).toContain('RPR 0x80');
    expect(v.get('cpuif0')!.lines).toContain('RPR 0xff (idle)');
    expect(v.get('cpu2')!.data).toMatchObject({ irq: 'true', fiq: 'false', depth: '0' });
    expect(v.get('cpu1')!.lines.join(' ')).toContain('depth 1');
    expect(v.get('cpu0')!.lines[0]).toBe('CPU 0 · 0.0.0.0');
  });

  it('shows a register access on the first place of the event', () => {
    const focus: Focus = { seq: 1, kind: 'gicd.reg', places: [{ node: 'dist' }], reg: 'GICD_CTLR' };
    const v = nodeViews(lay, shape, model([], focus)).find((x) => x.id === 'dist')!;
    expect(v.focus).toBe(true);
    expect(v.lines).toContain('GICD_CTLR');
  });

  it('never writes past a box, at any size', () => {
    for (const [d, c, w, h] of [
      [2, 4, 1280, 720],
      [64, 64, 900, 500],
      [17, 33, 1024, 768],
      [3, 2, 900, 500],
    ] as const) {
      const s = machine(d, c, 2);
      const l = layout(s, { width: w, height: h });
      const focus: Focus = {
        seq: 1,
        kind: 'its.cmd',
        places: [{ node: 'its', its: 1, part: 'queue' }],
        entry: { table: 'queue', id: 127 },
      };
      const m = model([], focus, {
        cpus: s.cpus.map((_, index) => ({
          index,
          irq: true,
          fiq: true,
          hppi: 8195,
          hppiPrio: 0xa0,
          rpr: 0x80,
          depth: 12,
        })),
        its: [0, 1].map((index) => ({
          index,
          enabled: true,
          waiting: 100,
          stalled: true,
          creadrSlot: 120,
          cwriterSlot: 100,
          slots: 128,
        })),
      });
      for (const v of nodeViews(l, s, m)) {
        const n = l.byId.get(v.id)!;
        expect(v.lines.length, v.id).toBeLessThanOrEqual(Math.max(n.lines, 0));
        for (const line of v.lines)
          expect(textWidth(line, n.font), `${v.id}: ${line}`).toBeLessThanOrEqual(n.w - 2 * n.pad);
      }
    }
  });
});

describe('placeTokens', () => {
  it('spreads tokens sharing a place inside its token area, in a stable order', () => {
    const tokens: Token[] = Array.from({ length: 4 }, (_, i) => ({
      ...lpi({ node: 'rd', cpu: 1 }, 'pending', `t${i}`),
      intid: 8192 + i,
    }));
    const views = placeTokens(lay, tokens);
    const area = lay.byId.get('rd1')!.tokens;
    expect(views).toHaveLength(4);
    for (const v of views) expect(inRect(v, area)).toBe(true);
    expect(new Set(views.map((v) => `${v.x},${v.y}`)).size).toBe(4);
    const again = placeTokens(lay, [...tokens].reverse());
    expect(again.map((v) => [v.id, v.x, v.y])).toEqual(views.map((v) => [v.id, v.x, v.y]));
  });

  it('shows as many as fit (at least CROWD), and one "+k" token for the rest', () => {
    const tokens: Token[] = Array.from({ length: 40 }, (_, i) => ({
      ...lpi({ node: 'rd', cpu: 1 }, 'pending', `t${i}`),
      intid: 8192 + i,
    }));
    tokens.push({ ...lpi({ node: 'rd', cpu: 1 }, 'active', 'hot'), intid: 9000 });
    const views = placeTokens(lay, tokens);
    const more = views.filter((v) => v.id.startsWith(MORE));
    expect(more).toHaveLength(1);
    expect(more[0]!.token.label).toBe(`+${tokens.length - (views.length - 1)}`);
    expect(more[0]!.mark).toBe('+');
    expect(views.length).toBeLessThan(tokens.length);
    expect(views.length).toBeGreaterThanOrEqual(CROWD);
    // What matters most (the active one) is among those drawn.
    expect(views.some((v) => v.id === 'hot')).toBe(true);
  });

  it('keeps even a crowd inside a tiny box, and leaves out places the machine lacks', () => {
    const s = machine(64, 64);
    const l = layout(s, { width: 900, height: 500 });
    const tokens: Token[] = Array.from({ length: 30 }, (_, i) =>
      lpi({ node: 'rd', cpu: 63 }, 'pending', `t${i}`),
    );
    tokens.push(lpi({ node: 'cpu', cpu: 99 }, 'active', 'ghost'));
    const views = placeTokens(l, tokens);
    expect(views).toHaveLength(CROWD);
    expect(views.at(-1)!.token.label).toBe(`+${30 - (views.length - 1)}`);
    const node = l.byId.get('rd63')!;
    for (const v of views) expect(inRect(v, node)).toBe(true);
  });

  it('puts a lone token where placeXY says', () => {
    const [v] = placeTokens(lay, [lpi({ node: 'cpu', cpu: 3 }, 'active')]);
    expect(near(v!, placeXY(lay, { node: 'cpu', cpu: 3 }))).toBe(true);
    expect(v!.mark).toBe('A');
    expect(v!.label).toBe('LPI 8195');
  });
});

/** The focus of a device writing an MSI to its ITS. */
const deviceWritesIts: Focus = {
  seq: 1,
  kind: 'pci.msi',
  places: [
    { node: 'device', name: 'nic0' },
    { node: 'its', its: 0, part: 'translater' },
  ],
};

describe('diffTokens (the join)', () => {
  it('brings a new MSI from the device that wrote it, along the device wire', () => {
    const focus = deviceWritesIts;
    const d = diffTokens(lay, new Map(), placeTokens(lay, [msi('translater')]), focus);
    expect(d.update).toEqual([]);
    expect(d.exit).toEqual([]);
    expect(d.enter).toHaveLength(1);
    const m = d.enter[0]!;
    expect(near(m.route[0]!, centre(lay.byId.get('device:nic0')!.tokens))).toBe(true);
    expect(near(m.route.at(-1)!, placeXY(lay, { node: 'its', its: 0, part: 'translater' }))).toBe(true);
    expect(m.wires).toEqual(['device:nic0>its0']);
    const wire = lay.wires.find((w) => w.id === 'device:nic0>its0')!;
    for (const p of wire.points) expect(m.route.some((q) => near(p, q))).toBe(true);
  });

  it('makes a token that appears with no focused neighbour appear where it is', () => {
    const d = diffTokens(lay, new Map(), placeTokens(lay, [lpi({ node: 'dist' })]), undefined);
    expect(d.enter[0]!.route).toEqual([{ x: d.enter[0]!.view.x, y: d.enter[0]!.view.y }]);
  });

  it('moves a token that exists in both frames, along the wire from its ITS to the redistributor', () => {
    const before = drawnFrom(lay, [msi('ct')]);
    const views = placeTokens(lay, [lpi({ node: 'rd', cpu: 2 }, 'travelling')]);
    const d = diffTokens(lay, before, views, {
      seq: 5,
      kind: 'its.cte',
      places: [{ node: 'its', its: 0, part: 'ct' }],
    });
    expect(d.enter).toEqual([]);
    expect(d.update).toHaveLength(1);
    const m = d.update[0]!;
    expect(near(m.route[0]!, placeXY(lay, { node: 'its', its: 0, part: 'ct' }))).toBe(true);
    expect(near(m.route.at(-1)!, placeXY(lay, { node: 'rd', cpu: 2 }))).toBe(true);
    expect(m.wires).toEqual(['its0>rd2']);
    expect(m.route.length).toBeGreaterThan(3);
  });

  it('moves inside an ITS in a straight line, and leaves a token that stays where it is', () => {
    const d = diffTokens(
      lay,
      drawnFrom(lay, [msi('dt'), lpi({ node: 'dist' }, 'pending', 'spi')]),
      placeTokens(lay, [msi('itt'), lpi({ node: 'dist' }, 'pending', 'spi')]),
      undefined,
    );
    const byId = new Map(d.update.map((m) => [m.view.id, m]));
    expect(byId.get('msi:7')!.route).toHaveLength(2);
    expect(byId.get('msi:7')!.wires).toEqual([]);
    expect(byId.get('spi')!.route).toHaveLength(1);
  });

  it('takes the architectural path when a token skips places: redistributor, CPU interface, CPU', () => {
    const d = diffTokens(
      lay,
      drawnFrom(lay, [lpi({ node: 'rd', cpu: 1 })]),
      placeTokens(lay, [lpi({ node: 'cpu', cpu: 1 }, 'active')]),
      undefined,
    );
    expect(d.update[0]!.wires).toEqual(['rd1>cpuif1', 'cpuif1>cpu1:irq']);
  });

  it('sends a token that is gone towards the focused place next to it, or fades it where it was', () => {
    const before = drawnFrom(lay, [lpi({ node: 'rd', cpu: 2 })]);
    const taken = diffTokens(lay, before, [], {
      seq: 9,
      kind: 'icc.ack',
      places: [{ node: 'cpuif', cpu: 2 }],
    });
    expect(taken.exit).toHaveLength(1);
    expect(taken.exit[0]!.wires).toEqual(['rd2>cpuif2']);
    expect(near(taken.exit[0]!.route.at(-1)!, placeXY(lay, { node: 'cpuif', cpu: 2 }))).toBe(true);
    const dropped = diffTokens(lay, before, [], { seq: 9, kind: 'mem.write', places: [{ node: 'memory' }] });
    expect(dropped.exit[0]!.route).toEqual([{ x: before.get('msi:7')!.x, y: before.get('msi:7')!.y }]);
  });
});

describe('hotWires', () => {
  it('lights the wire between two focused places (a device writing to its ITS)', () => {
    const focus = deviceWritesIts;
    expect([...hotWires(lay, model([msi('translater')], focus))]).toEqual(['device:nic0>its0']);
  });

  it('lights the wire a travelling token just took from the focused place', () => {
    const focus: Focus = { seq: 6, kind: 'its.cte', places: [{ node: 'its', its: 0, part: 'ct' }] };
    expect([...hotWires(lay, model([lpi({ node: 'rd', cpu: 2 }, 'travelling')], focus))]).toEqual([
      'its0>rd2',
    ]);
  });

  it('lights the redistributor wire when the CPU interface acts on what it holds', () => {
    const focus: Focus = { seq: 8, kind: 'gic.signal', places: [{ node: 'cpuif', cpu: 2 }] };
    expect([...hotWires(lay, model([lpi({ node: 'rd', cpu: 2 })], focus))]).toEqual(['rd2>cpuif2']);
  });

  it('lights nothing for a pending token next to an unrelated event, or with no focus', () => {
    const focus: Focus = { seq: 8, kind: 'gicr.reg', places: [{ node: 'rd', cpu: 3 }] };
    expect(hotWires(lay, model([lpi({ node: 'dist' }, 'pending')], focus)).size).toBe(0);
    expect(hotWires(lay, model([lpi({ node: 'rd', cpu: 1 }, 'travelling')])).size).toBe(0);
  });

  it('adds the wires tokens moved along, when given the move', () => {
    const d = diffTokens(
      lay,
      drawnFrom(lay, [lpi({ node: 'rd', cpu: 1 })]),
      placeTokens(lay, [lpi({ node: 'cpu', cpu: 1 }, 'active')]),
      undefined,
    );
    const m = model([lpi({ node: 'cpu', cpu: 1 }, 'active')]);
    expect(hotWires(lay, m).size).toBe(0);
    expect([...hotWires(lay, m, d)].sort()).toEqual(['cpuif1>cpu1:irq', 'rd1>cpuif1']);
  });
});

describe('pointAlong', () => {
  const route = [
    { x: 0, y: 0 },
    { x: 10, y: 0 },
    { x: 10, y: 30 },
  ];
  it('goes by length, around corners', () => {
    expect(pointAlong(route, 0)).toEqual({ x: 0, y: 0 });
    expect(pointAlong(route, 1)).toEqual({ x: 10, y: 30 });
    expect(pointAlong(route, 0.25)).toEqual({ x: 10, y: 0 });
    expect(pointAlong(route, 0.5)).toEqual({ x: 10, y: 10 });
    expect(pointAlong([{ x: 3, y: 4 }], 0.7)).toEqual({ x: 3, y: 4 });
  });
});

describe('transitionMs', () => {
  const t = (delta: number, playing: boolean, speed: number, reducedMotion = false): number =>
    transitionMs({ delta, playing, speed, reducedMotion });
  it('animates single events only, and never under reduced motion', () => {
    expect(t(1, false, 5)).toBe(250);
    expect(t(-1, false, 5)).toBe(250);
    expect(t(2, false, 5)).toBe(0);
    expect(t(Infinity, false, 5)).toBe(0);
    expect(t(0, false, 5)).toBe(0);
    expect(t(1, false, 5, true)).toBe(0);
    expect(t(1, true, 1, true)).toBe(0);
  });
  it('while playing, takes most of the time to the next event, at most 600 ms', () => {
    expect(t(1, true, 1)).toBe(600);
    expect(t(1, true, 2)).toBe(400);
    expect(t(1, true, 5)).toBe(160);
    expect(t(1, true, 25)).toBe(32);
    expect(t(1, true, 100)).toBe(0);
  });
});
