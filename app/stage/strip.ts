/**
 * A strip over the whole history, drawn with d3 on the scrubber's scale (position 0 at the left
 * edge, the end of the history at the right), one lane per physical CPU: what the pCPU lanes
 * (lanes.ts) and the vPE residency lanes (residency.ts) are both drawn in. React-free
 * (ARCHITECTURE.md §5).
 *
 * The strip owns the frame around what a lane shows: a hatch pattern in its defs, the lanes'
 * background and labels, the line at the position shown, and a click that goes to the position
 * under the pointer. Its view arrives from the worker once per history; a frame that only moves the
 * position moves the line, and the lanes are drawn again only when the view, the width or the VMs'
 * names change. What each lane holds is the caller's `draw`.
 *
 * Test hooks: data-pcpu on each lane, data-position on the position line (line.strip-now).
 */

import { select, type BaseType, type Selection } from 'd3';
import { hatchPattern } from './svg-defs';

/** What a strip draws: one lane per physical CPU over a history `length` events long. */
export interface StripView {
  length: number;
  lanes: readonly { pcpu: number }[];
}

export interface StripFrame<V extends StripView> {
  view: V;
  /** The VMs' names by index ('vm0'). */
  names: string[];
  width: number;
  position: number;
}

export interface StripHandle<V extends StripView> {
  update(frame: StripFrame<V>): void;
  destroy(): void;
}

export type G = Selection<SVGGElement, unknown, null, undefined>;

/** x of position `p` on a strip `width` wide for a history of `length` events. */
export const xOf = (p: number, length: number, width: number): number =>
  length > 0 ? (p / length) * width : 0;

/** The position under x (the nearest one). */
export const positionAt = (x: number, length: number, width: number): number =>
  width > 0 ? Math.max(0, Math.min(length, Math.round((x / width) * length))) : 0;

/** Height of `lanes` lanes `h` tall, `gap` apart. */
export const stackHeight = (lanes: number, h: number, gap: number): number =>
  lanes * h + Math.max(0, lanes - 1) * gap;

export interface StripSpec {
  /** The svg's class ('lanes', 'residency'): CSS styles the strip's parts by it. */
  kind: string;
  /** 'img' when nothing in it takes the focus, 'group' when its marks are buttons. */
  role: 'img' | 'group';
  /** Height of the drawing for `lanes` lanes. */
  height: (lanes: number) => number;
}

export interface StripOptions {
  /** The user clicked at this position. */
  onSeek?: (position: number) => void;
}

/** What the caller draws with. */
export interface StripParts {
  root: Selection<SVGSVGElement, unknown, null, undefined>;
  defs: Selection<SVGDefsElement, unknown, null, undefined>;
  /** An id prefix of this strip's own (ids are global to the page). */
  uid: string;
  /** The hatch, as a fill: `url(#…)` (coloured by .<kind> .strip-hatch). */
  hatch: string;
  /** A group of the drawing, under the position line; the strip removes it when destroyed. */
  layer: (cls?: string) => G;
}

let instances = 0;

/**
 * Sets up the strip on `svg`; `build` appends its layers and returns the function that draws a
 * frame's lanes into them (the strip has already sized the drawing).
 */
export function createStrip<V extends StripView>(
  svg: SVGSVGElement,
  spec: StripSpec,
  opts: StripOptions,
  build: (parts: StripParts) => (frame: StripFrame<V>) => void,
): StripHandle<V> {
  const uid = `${spec.kind}${++instances}`;
  const root = select(svg).classed(spec.kind, true).attr('role', spec.role);
  const defs = root.append('defs');
  const layers: G[] = [];
  const layer = (cls?: string): G => {
    const g = root.append('g');
    if (cls) g.attr('class', cls);
    layers.push(g);
    return g;
  };
  const draw = build({ root, defs, uid, hatch: hatchPattern(defs, `${uid}-hatch`, 'strip-hatch'), layer });
  const now = root.append('line').attr('class', 'strip-now');
  let current: StripFrame<V> | undefined;
  let drawn: { view: V; width: number; names: string } | undefined;

  root.on('click', (e: MouseEvent) => {
    if (!current) return;
    const box = svg.getBoundingClientRect();
    opts.onSeek?.(positionAt(e.clientX - box.left, current.view.length, current.width));
  });

  return {
    update(f) {
      current = f;
      const names = f.names.join(',');
      if (!drawn || drawn.view !== f.view || drawn.width !== f.width || drawn.names !== names) {
        const height = spec.height(f.view.lanes.length);
        root.attr('viewBox', `0 0 ${f.width} ${height}`).attr('width', f.width).attr('height', height);
        draw(f);
        drawn = { view: f.view, width: f.width, names };
      }
      const x = xOf(f.position, f.view.length, f.width);
      now
        .attr('x1', x)
        .attr('x2', x)
        .attr('y1', 0)
        .attr('y2', spec.height(f.view.lanes.length))
        .attr('data-position', f.position);
    },
    destroy() {
      root.on('click', null);
      defs.remove();
      for (const g of layers) g.remove();
      now.remove();
      root.classed(spec.kind, false).attr('role', null).attr('aria-label', null);
    },
  };
}

/** Where a lane's label goes: a patch `w` wide at the left of a lane `h` tall, its text at (x, y). */
export interface LaneLabel {
  h: number;
  w: number;
  x: number;
  y: number;
}

/**
 * The lanes of `lanes` in `layer`, one `g.<cls>` per pCPU (data-pcpu), the i-th at y = top(i):
 * a background, then a group per class in `parts` (what the caller draws, in that order), then
 * the label on a patch of background, so what runs under the label does not garble it (what it
 * hides stays in the tooltips and the inspectors).
 */
export function joinLanes<L extends { pcpu: number }>(
  layer: G,
  lanes: readonly L[],
  cls: string,
  parts: readonly string[],
  top: (i: number) => number,
): Selection<SVGGElement, L, SVGGElement, unknown> {
  return layer
    .selectAll<SVGGElement, L>(`g.${cls}`)
    .data(lanes, (l) => String(l.pcpu))
    .join((enter) => {
      const g = enter.append('g').attr('class', cls);
      g.append('rect').attr('class', 'strip-bg');
      for (const p of parts) g.append('g').attr('class', p);
      g.append('rect').attr('class', 'strip-label-bg');
      g.append('text').attr('class', 'strip-label');
      return g;
    })
    .attr('data-pcpu', (l) => l.pcpu)
    .attr('transform', (_l, i) => `translate(0,${top(i)})`);
}

/** Sizes the lanes' backgrounds to a strip `width` wide and writes their labels. */
export function paintLaneChrome<L extends { pcpu: number }>(
  lanes: Selection<SVGGElement, L, SVGGElement, unknown>,
  width: number,
  label: LaneLabel,
  text: (lane: L) => string,
): void {
  lanes.select('rect.strip-bg').attr('width', width).attr('height', label.h);
  lanes
    .select('rect.strip-label-bg')
    .attr('x', 0)
    .attr('y', 0)
    .attr('width', label.w)
    .attr('height', label.h);
  lanes
    .select<SVGTextElement>('text.strip-label')
    .attr('x', label.x)
    .attr('y', label.y)
    .text((l) => text(l));
}

/** A stretch of positions [from, to) that concerns a vCPU: what the strips' lanes are made of. */
export interface Stretch {
  from: number;
  to: number;
  vm: number;
  vcpu: number;
}

/** Gives the stretches' elements their test hooks: data-from, data-to, data-vm, data-vcpu. */
export function tagStretches<E extends Element, S extends Stretch>(
  sel: Selection<E, S, BaseType, unknown>,
): void {
  sel
    .attr('data-from', (s) => s.from)
    .attr('data-to', (s) => s.to)
    .attr('data-vm', (s) => s.vm)
    .attr('data-vcpu', (s) => s.vcpu);
}

/** Lays the stretches' rects along a strip `width` wide for a history `length` long (1 px at least). */
export function placeStretches<S extends Stretch>(
  sel: Selection<SVGRectElement, S, BaseType, unknown>,
  length: number,
  width: number,
): void {
  sel
    .attr('x', (s) => xOf(s.from, length, width))
    .attr('width', (s) => Math.max(1, xOf(s.to, length, width) - xOf(s.from, length, width)));
}

/**
 * `list` as rects in `group`, each with a tooltip (its title), tagged and laid along a strip
 * `width` wide for a history `length` long; the caller gives them their class (`rect.<cls>`),
 * height and paint.
 */
export function stretchRects<S extends Stretch, D>(
  group: Selection<SVGGElement, D, null, undefined>,
  list: readonly S[],
  cls: string,
  length: number,
  width: number,
): Selection<SVGRectElement, S, SVGGElement, D> {
  const rects = group
    .selectAll<SVGRectElement, S>(`rect.${cls}`)
    .data(list)
    .join((enter) => {
      const r = enter.append('rect');
      r.append('title');
      return r;
    });
  tagStretches(rects);
  placeStretches(rects, length, width);
  return rects;
}
