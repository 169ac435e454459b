import { describe, expect, it } from 'vitest';
import type { MachineShape, Place } from '../worker/api';
import { machine } from './fixtures';
import {
  layout,
  MIN_HEIGHT,
  MIN_WIDTH,
  nodeIdOf,
  placeXY,
  WALK,
  walkOf,
  type Point,
  type Rect,
  type StageLayout,
} from './layout';

/** Every place a machine of this shape has. */
function placesOf(shape: MachineShape): Place[] {
  const places: Place[] = [{ node: 'dist' }, { node: 'memory' }];
  for (const d of shape.devices) places.push({ node: 'device', name: d.name });
  for (const i of shape.its)
    for (const part of [...walkOf(shape), 'queue' as const]) places.push({ node: 'its', its: i.index, part });
  shape.cpus.forEach((_, cpu) =>
    places.push({ node: 'rd', cpu }, { node: 'cpuif', cpu }, { node: 'cpu', cpu }),
  );
  return places;
}

const EPS = 1e-6;
const overlaps = (a: Rect, b: Rect): boolean =>
  a.x < b.x + b.w - EPS && b.x < a.x + a.w - EPS && a.y < b.y + b.h - EPS && b.y < a.y + a.h - EPS;
const inside = (p: Point, r: Rect): boolean =>
  p.x >= r.x - EPS && p.x <= r.x + r.w + EPS && p.y >= r.y - EPS && p.y <= r.y + r.h + EPS;
const contains = (outer: Rect, r: Rect): boolean =>
  r.x >= outer.x - EPS &&
  r.y >= outer.y - EPS &&
  r.x + r.w <= outer.x + outer.w + EPS &&
  r.y + r.h <= outer.y + outer.h + EPS;

/** The problems of a layout, as sentences (empty: none). */
function problems(shape: MachineShape, lay: StageLayout): string[] {
  const out: string[] = [];
  const canvas = { x: 0, y: 0, w: lay.width, h: lay.height };
  for (const n of lay.nodes) {
    if (!(n.w > 0 && n.h > 0)) out.push(`${n.id} has no area (${n.w}x${n.h})`);
    if (!contains(canvas, n)) out.push(`${n.id} is outside the canvas`);
    if (!contains(n, n.tokens)) out.push(`${n.id}: token area outside the box`);
  }
  const tops = lay.nodes.filter((n) => n.kind !== 'its-part');
  for (let i = 0; i < tops.length; i++)
    for (let j = i + 1; j < tops.length; j++)
      if (overlaps(tops[i]!, tops[j]!)) out.push(`${tops[i]!.id} overlaps ${tops[j]!.id}`);
  for (const its of shape.its) {
    const box = lay.byId.get(`its${its.index}`)!;
    const parts = lay.nodes.filter((n) => n.kind === 'its-part' && n.top === box.id);
    const want = walkOf(shape).length + 1;
    if (parts.length !== want) out.push(`its${its.index} has ${parts.length} parts, not ${want}`);
    for (const p of parts) if (!contains(box, p)) out.push(`${p.id} sticks out of its ITS`);
    for (let i = 0; i < parts.length; i++)
      for (let j = i + 1; j < parts.length; j++)
        if (overlaps(parts[i]!, parts[j]!)) out.push(`${parts[i]!.id} overlaps ${parts[j]!.id}`);
  }
  for (const place of placesOf(shape)) {
    const p = placeXY(lay, place);
    const n = lay.byId.get(nodeIdOf(place));
    if (!p || !n) out.push(`no node for ${nodeIdOf(place)}`);
    else if (!inside(p, n)) out.push(`placeXY(${n.id}) is outside it`);
  }
  return out;
}

/** Wire segments that pass through a box the wire does not join. */
function crossings(lay: StageLayout): string[] {
  const out: string[] = [];
  const tops = lay.nodes.filter((n) => n.kind !== 'its-part');
  for (const w of lay.wires) {
    for (let i = 1; i < w.points.length; i++) {
      const a = w.points[i - 1]!;
      const b = w.points[i]!;
      if (a.x !== b.x && a.y !== b.y) out.push(`${w.id}: a diagonal segment`);
      const seg = {
        x: Math.min(a.x, b.x),
        y: Math.min(a.y, b.y),
        w: Math.abs(a.x - b.x),
        h: Math.abs(a.y - b.y),
      };
      if (!contains({ x: 0, y: 0, w: lay.width, h: lay.height }, seg)) out.push(`${w.id} leaves the canvas`);
      for (const n of tops) {
        if (n.id === w.from || n.id === w.to) continue;
        const core = { x: n.x + 0.5, y: n.y + 0.5, w: n.w - 1, h: n.h - 1 };
        const hit =
          seg.x <= core.x + core.w &&
          core.x <= seg.x + seg.w &&
          seg.y <= core.y + core.h &&
          core.y <= seg.y + seg.h;
        if (hit) out.push(`${w.id} crosses ${n.id}`);
      }
    }
  }
  return out;
}

const SIZES = [
  { width: 900, height: 500 },
  { width: 900, height: 340 },
  { width: 1100, height: 360 },
  { width: 1024, height: 768 },
  { width: 1280, height: 720 },
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
  { width: 2560, height: 1440 },
  { width: 900, height: 1400 },
  { width: 3200, height: 520 },
];
const SAMPLE = [1, 2, 3, 5, 8, 13, 16, 17, 24, 32, 33, 48, 63, 64];

describe('layout', () => {
  it('never overlaps and keeps everything inside, for every device count (1..64)', () => {
    for (const size of SIZES)
      for (let d = 1; d <= 64; d++)
        for (const c of [2, 64]) {
          const shape = machine(d, c);
          expect(
            problems(shape, layout(shape, size)),
            `${d} devices, ${c} CPUs, ${size.width}x${size.height}`,
          ).toEqual([]);
        }
  });

  it('never overlaps and keeps everything inside, for every CPU count (2..64)', () => {
    for (const size of SIZES)
      for (let c = 2; c <= 64; c++)
        for (const d of [1, 64]) {
          const shape = machine(d, c);
          expect(
            problems(shape, layout(shape, size)),
            `${d} devices, ${c} CPUs, ${size.width}x${size.height}`,
          ).toEqual([]);
        }
  });

  it('holds for mixed shapes with one to four ITSs, and without devices or ITS', () => {
    for (const size of SIZES)
      for (const its of [0, 1, 2, 4])
        for (const d of its === 0 ? [0] : [0, ...SAMPLE])
          for (const c of [2, 3, 4, 6, 9, 16, 31, 64]) {
            const shape = machine(d, c, its);
            expect(
              problems(shape, layout(shape, size)),
              `${d} devices, ${c} CPUs, ${its} ITS, ${size.width}x${size.height}`,
            ).toEqual([]);
          }
  });

  it('routes wires around the boxes they do not join', () => {
    for (const size of SIZES)
      for (const its of [1, 2])
        for (const d of [1, 4, 17, 64])
          for (const c of [2, 5, 16, 40, 64]) {
            const lay = layout(machine(d, c, its), size);
            expect(
              crossings(lay),
              `${d} devices, ${c} CPUs, ${its} ITS, ${size.width}x${size.height}`,
            ).toEqual([]);
          }
  });

  it('wires every device to its ITS, every source to every redistributor, and each CPU inside', () => {
    const shape = machine(3, 4, 2);
    const lay = layout(shape, { width: 1280, height: 720 });
    const ids = new Set(lay.wires.map((w) => w.id));
    expect(ids.has('device:dev0>its0')).toBe(true);
    expect(ids.has('device:dev1>its1')).toBe(true);
    for (let cpu = 0; cpu < 4; cpu++) {
      for (const src of ['its0', 'its1', 'dist']) expect(ids.has(`${src}>rd${cpu}`)).toBe(true);
      expect(ids.has(`rd${cpu}>cpuif${cpu}`)).toBe(true);
      expect(ids.has(`cpuif${cpu}>cpu${cpu}:irq`)).toBe(true);
      expect(ids.has(`cpuif${cpu}>cpu${cpu}:fiq`)).toBe(true);
    }
    expect(lay.wires).toHaveLength(3 + 4 * 3 + 4 * 3);
    // A device wire ends on its ITS's translater, an ITS wire on the redistributor's left edge.
    const w = lay.wires.find((x) => x.id === 'device:dev1>its1')!;
    const tr = lay.byId.get('its1/translater')!;
    expect(w.points.at(-1)).toEqual({ x: tr.x, y: tr.y + tr.h / 2 });
    const v = lay.wires.find((x) => x.id === 'its0>rd3')!;
    expect(v.points.at(-1)!.x).toBe(lay.byId.get('rd3')!.x);
  });

  it('reads left to right along the path: devices, ITS, then redistributor, CPU interface, CPU', () => {
    const lay = layout(machine(2, 4), { width: 1280, height: 720 });
    const x = (id: string): number => lay.byId.get(id)!.x;
    expect(x('device:dev0')).toBeLessThan(x('its0'));
    expect(x('its0')).toBeLessThan(x('rd0'));
    expect(x('rd0')).toBeLessThan(x('cpuif0'));
    expect(x('cpuif0')).toBeLessThan(x('cpu0'));
    const walk = WALK.map((p) => x(`its0/${p}`));
    expect([...walk].sort((a, b) => a - b)).toEqual(walk);
    expect(lay.byId.get('its0/queue')!.y).toBeGreaterThan(lay.byId.get('its0/dt')!.y);
  });

  it('is legible on a projector at 1280x720 with a few CPUs', () => {
    const lay = layout(machine(2, 4), { width: 1280, height: 720 });
    expect(lay.font).toBe(15);
    for (const id of ['rd0', 'cpuif0', 'cpu0', 'device:dev0', 'dist'])
      expect(lay.byId.get(id)!.font).toBeGreaterThanOrEqual(14);
    expect(lay.byId.get('cpuif0')!.lines).toBeGreaterThanOrEqual(3);
    expect(lay.byId.get('cpu0')!.lines).toBeGreaterThanOrEqual(3);
    expect(lay.byId.get('device:dev0')!.lines).toBeGreaterThanOrEqual(2);
    expect(lay.byId.get('its0/dt')!.lines).toBeGreaterThanOrEqual(2);
    expect(lay.token.h).toBeGreaterThanOrEqual(18);
  });

  it('wraps CPUs into columns as they grow, filling each column top to bottom', () => {
    const size = { width: 1280, height: 720 };
    const cols = (n: number): number =>
      new Set(
        layout(machine(1, n), size)
          .nodes.filter((x) => x.kind === 'rd')
          .map((x) => x.x),
      ).size;
    expect(cols(2)).toBe(1);
    expect(cols(64)).toBeGreaterThan(2);
    const lay = layout(machine(1, 64), size);
    const rd = (i: number) => lay.byId.get(`rd${i}`)!;
    expect(rd(1).x).toBe(rd(0).x);
    expect(rd(1).y).toBeGreaterThan(rd(0).y);
  });

  it('wraps devices into columns when they no longer fit in one', () => {
    const size = { width: 900, height: 500 };
    const cols = (n: number): number =>
      new Set(
        layout(machine(n, 2), size)
          .nodes.filter((x) => x.kind === 'device')
          .map((x) => x.x),
      ).size;
    expect(cols(4)).toBe(1);
    expect(cols(64)).toBeGreaterThan(1);
  });

  it('is deterministic, and lays out small canvases at the minimum size (the viewBox scales them)', () => {
    const shape = machine(5, 8, 2);
    const a = layout(shape, { width: 1300, height: 800 });
    const b = layout(shape, { width: 1300, height: 800 });
    expect(a.nodes).toEqual(b.nodes);
    expect(a.wires).toEqual(b.wires);
    const small = layout(shape, { width: 400, height: 200 });
    expect([small.width, small.height]).toEqual([MIN_WIDTH, MIN_HEIGHT]);
    expect(layout(shape, { width: NaN, height: 0 }).width).toBe(900);
  });

  it("gives a GICv4 host's ITS a vPE table after the collection table, and nothing else changes", () => {
    for (const size of SIZES)
      for (const c of SAMPLE)
        for (const its of [1, 2, 4]) {
          const v3 = machine(3, c, its);
          const v4: MachineShape = { ...v3, gicv4: true };
          const lay = layout(v4, size);
          expect(problems(v4, lay), `${c} CPUs, ${its} ITSs, ${size.width}x${size.height}`).toEqual([]);
          expect(crossings(lay), `${c} CPUs, ${its} ITSs, ${size.width}x${size.height}`).toEqual([]);
          const ct = lay.byId.get('its0/ct')!;
          const vt = lay.byId.get('its0/vt')!;
          expect(vt.x).toBeGreaterThan(ct.x + ct.w);
          expect(vt.y).toBe(ct.y);
          // The LPIs (and vLPIs) leave the ITS from its last part, the vPE table.
          expect(lay.wires.find((w) => w.id === 'its0>rd0')!.points[0]!.x).toBeCloseTo(vt.x + vt.w);
          // A GICv3 machine of the same shape has no vPE table.
          expect(layout(v3, size).byId.has('its0/vt')).toBe(false);
        }
  });

  it('knows no place the machine does not have', () => {
    const lay = layout(machine(1, 2), { width: 1280, height: 720 });
    expect(placeXY(lay, { node: 'cpu', cpu: 7 })).toBeUndefined();
    expect(placeXY(lay, { node: 'device', name: 'nope' })).toBeUndefined();
    expect(placeXY(lay, { node: 'its', its: 3, part: 'dt' })).toBeUndefined();
  });
});
