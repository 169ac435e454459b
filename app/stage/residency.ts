/**
 * The vPE residency band, drawn with d3 under the physical CPUs' lanes, in a strip on the same
 * scale (strip.ts: position 0 at the left edge, the end of the history at the right): one lane per
 * redistributor, with
 *
 *  - the stretches a vPE was resident there (GICR_VPENDBASER.Valid, from 'gicr.vpe' schedule to
 *    deschedule), labelled 'vm0 vCPU 1 / vPE 1' when there is room, in the vCPU's colour;
 *  - a thin hatched strip under them while a vCPU that last ran there is blocked in WFI;
 *  - a diamond where a doorbell rang, a triangle where a guest took a vLPI directly;
 *  - an arrow from lane to lane at each VMOVP;
 *  - a line at the position shown.
 *
 * Clicking a mark or an arrow (or Enter / Space on it: they are buttons when there are few
 * enough to tab through) goes to its event; clicking elsewhere goes to the position under the
 * pointer. React-free (ARCHITECTURE.md §5): `createResidency(svg, opts)` returns
 * `{update, destroy}`; components/Lanes.tsx drives it.
 *
 * Test hooks: data-pcpu on lanes; data-from / data-to / data-vm / data-vcpu / data-vpeid on spans
 * (class res-span) and on blocked strips (res-blocked); data-seq / data-kind on marks (res-mark,
 * kind doorbell | vlpi) and on moves (res-move, with data-from-pcpu / data-to-pcpu);
 * data-position on the position line (line.strip-now).
 */

import { select, type BaseType, type EnterElement, type Selection } from 'd3';
import type { ResidencyMark, ResidencySpan, ResidencyView, VpeMove } from '../worker/api';
import {
  createStrip,
  joinLanes,
  paintLaneChrome,
  placeStretches,
  stackHeight,
  stretchRects,
  tagStretches,
  xOf,
  type StripFrame,
  type StripHandle,
  type StripOptions,
  type StripParts,
} from './strip';
import { arrowMarker } from './svg-defs';

export interface ResidencyOptions extends StripOptions {
  /** The user picked the mark or move of event `seq`. */
  onEvent?: (seq: number) => void;
}

export const RES_H = 14;
export const RES_GAP = 2;
/** Width of the lane labels ('GICR 2'). */
export const RES_LABEL_W = 40;
/** Most marks and moves that are tab stops (more would make the page a chore to tab through). */
export const MAX_FOCUSABLE = 48;

export const residencyHeight = (lanes: number): number => stackHeight(lanes, RES_H, RES_GAP);

const laneY = (i: number): number => i * (RES_H + RES_GAP);
const LABEL = { h: RES_H, w: RES_LABEL_W, x: 3, y: RES_H - 4.5 };
/** The strip a resident vPE takes, and the blocked strip under it. */
const SPAN_Y = 1;
const SPAN_H = 9;
const BLOCKED_Y = 11;
const BLOCKED_H = 2.5;

export function createResidency(svg: SVGSVGElement, opts: ResidencyOptions): StripHandle<ResidencyView> {
  return createStrip<ResidencyView>(
    svg,
    { kind: 'residency', role: 'group', height: residencyHeight },
    opts,
    (parts) => draw(parts, opts),
  );
}

/** A new mark or move: its tooltip, a transparent area that takes the clicks, and its drawing. */
function enterPickable<T, P extends BaseType>(enter: Selection<EnterElement, T, P, unknown>, cls: string) {
  const m = enter.append('g');
  m.append('title');
  m.append('rect').attr('class', 'res-hit');
  m.append('path').attr('class', cls);
  return m;
}

/** A mark or a move: clicking it (or Enter / Space) goes to its event, not to the position under it. */
function pickable<T extends { seq: number }>(
  sel: Selection<SVGGElement, T, BaseType, unknown>,
  focusable: boolean,
  onEvent: ((seq: number) => void) | undefined,
): void {
  sel
    .attr('tabindex', focusable ? 0 : null)
    .attr('role', 'button')
    .on('click', (e: MouseEvent, d) => {
      e.stopPropagation();
      onEvent?.(d.seq);
    })
    .on('keydown', (e: KeyboardEvent, d) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault();
      e.stopPropagation();
      onEvent?.(d.seq);
    });
}

/** Sets up the marker and the layers; returns what draws a frame's lanes and moves. */
function draw(
  { root, defs, uid, hatch, layer }: StripParts,
  opts: ResidencyOptions,
): (f: StripFrame<ResidencyView>) => void {
  const arrow = arrowMarker(defs, `${uid}-arrow`, 'res-arrow', 6, 'auto');
  const gLanes = layer();
  const gMoves = layer('res-moves');
  return (f) => {
    const { view, width } = f;
    const L = view.length;
    const who = (vm: number, vcpu: number): string =>
      vm >= 0 ? `${f.names[vm] ?? `vm${vm}`} vCPU ${vcpu}` : 'a vPE of no VM';
    const spanText = (s: ResidencySpan): string[] => [
      `${who(s.vm, s.vcpu)} / vPE ${s.vpeid}`,
      `vCPU ${s.vcpu} / vPE ${s.vpeid}`,
      `vPE ${s.vpeid}`,
    ];
    const marks = view.lanes.reduce((a, l) => a + l.marks.length, 0);
    const focusable = marks + view.moves.length <= MAX_FOCUSABLE;
    root.attr(
      'aria-label',
      `vPE residency per redistributor over the history: ${view.lanes.reduce((a, l) => a + l.spans.length, 0)} ` +
        `resident stretches, ${view.moves.length} VMOVP moves, ${marks} doorbells and direct vLPI deliveries`,
    );
    const lanes = joinLanes(gLanes, view.lanes, 'res-lane', ['res-blocks', 'res-spans', 'res-marks'], laneY);
    paintLaneChrome(lanes, width, LABEL, (l) => `GICR ${l.pcpu}`);
    lanes.each(function (lane) {
      const g = select(this);
      const spans = g
        .select('g.res-spans')
        .selectAll<SVGGElement, ResidencySpan>('g.res-span')
        .data(lane.spans)
        .join((enter) => {
          const s = enter.append('g');
          s.append('title');
          s.append('rect');
          s.append('text');
          return s;
        })
        .attr('class', (s) => `res-span vcpu-${Math.max(0, s.vcpu) % 6}`)
        .attr('data-vpeid', (s) => s.vpeid);
      tagStretches(spans);
      placeStretches(spans.select<SVGRectElement>('rect').attr('y', SPAN_Y).attr('height', SPAN_H), L, width);
      spans
        .select('text')
        .attr('x', (s) => xOf(s.from, L, width) + 3)
        .attr('y', SPAN_Y + SPAN_H - 1.8)
        .text((s) => {
          // The label stops short of the first mark in the span, so no glyph sits on its text.
          const x0 = xOf(s.from, L, width) + 3;
          const inside = lane.marks
            .map((mk) => xOf(mk.seq + 0.5, L, width))
            .filter((x) => x > x0 && x < xOf(s.to, L, width));
          const end = Math.min(xOf(s.to, L, width) - 3, ...inside.map((x) => x - 6));
          return spanText(s).find((t) => t.length * 4.9 <= end - x0) ?? '';
        });
      spans
        .select('title')
        .text(
          (s) =>
            `GICR ${lane.pcpu}: ${who(s.vm, s.vcpu)}'s vPE ${s.vpeid} resident (GICR_VPENDBASER.Valid = 1), positions ${s.from}–${s.to}`,
        );
      stretchRects(g.select<SVGGElement>('g.res-blocks'), lane.blocked, 'res-blocked', L, width)
        .attr('class', (b) => `res-blocked vcpu-${b.vcpu % 6}`)
        .attr('y', BLOCKED_Y)
        .attr('height', BLOCKED_H)
        .attr('fill', hatch)
        .select('title')
        .text(
          (b) =>
            `${who(b.vm, b.vcpu)} blocked in WFI after running on pCPU ${lane.pcpu} (its doorbell armed), positions ${b.from}–${b.to}`,
        );
      const mk = g
        .select('g.res-marks')
        .selectAll<SVGGElement, ResidencyMark>('g.res-mark')
        .data(lane.marks, (d) => String(d.seq))
        .join((enter) => enterPickable(enter, 'res-glyph'))
        .attr('class', (d) => `res-mark ${d.kind}`)
        .attr('data-seq', (d) => d.seq)
        .attr('data-kind', (d) => d.kind)
        .attr('transform', (d) => `translate(${xOf(d.seq + 0.5, L, width).toFixed(1)},0)`)
        .attr('aria-label', (d) => markText(d, who, lane.pcpu));
      pickable(mk, focusable, opts.onEvent);
      mk.select('title').text((d) => markText(d, who, lane.pcpu));
      mk.select('rect.res-hit').attr('x', -5).attr('y', 0).attr('width', 10).attr('height', RES_H);
      // A diamond for a doorbell (at the top), a triangle pointing down for a delivery.
      mk.select('path.res-glyph').attr('d', (d) =>
        d.kind === 'doorbell' ? 'M0,0.5L4.5,5L0,9.5L-4.5,5Z' : 'M-4.5,0.5L4.5,0.5L0,9.5Z',
      );
    });
    const index = new Map(view.lanes.map((l, i) => [l.pcpu, i]));
    const mid = (pcpu: number): number | undefined => {
      const i = index.get(pcpu);
      return i === undefined ? undefined : laneY(i) + RES_H / 2;
    };
    const moves = gMoves
      .selectAll<SVGGElement, VpeMove>('g.res-move')
      .data(view.moves, (d) => String(d.seq))
      .join((enter) => enterPickable(enter, 'res-move-line'))
      .attr('class', 'res-move')
      .attr('data-seq', (d) => d.seq)
      .attr('data-kind', 'vmovp')
      .attr('data-from-pcpu', (d) => d.from)
      .attr('data-to-pcpu', (d) => d.to)
      .attr('aria-label', (d) => moveText(d, who));
    pickable(moves, focusable, opts.onEvent);
    moves.select('title').text((d) => moveText(d, who));
    moves.each(function (d) {
      const x = xOf(d.seq + 0.5, L, width);
      const y2 = mid(d.to) ?? 0;
      // From the old lane's middle (or, when it is not known, from just above the new lane).
      const y1 = mid(d.from) ?? Math.max(0, y2 - RES_H);
      const end = y2 + (y2 > y1 ? -3 : 3);
      const g = select(this);
      g.select('path.res-move-line')
        .attr('d', `M${x.toFixed(1)},${y1.toFixed(1)}V${end.toFixed(1)}`)
        .attr('marker-end', arrow);
      g.select('rect.res-hit')
        .attr('x', x - 4)
        .attr('y', Math.min(y1, y2))
        .attr('width', 8)
        .attr('height', Math.max(4, Math.abs(y2 - y1)));
    });
  };
}

function markText(d: ResidencyMark, who: (vm: number, vcpu: number) => string, pcpu: number): string {
  return d.kind === 'doorbell'
    ? `Event ${d.seq}: doorbell LPI ${d.intid} rings at GICR ${pcpu} for ${who(d.vm, d.vcpu)}'s vPE ${d.vpeid}` +
        (d.vintid !== undefined && d.vintid >= 0 ? ` (vLPI ${d.vintid} recorded in its VPT)` : '')
    : `Event ${d.seq}: ${who(d.vm, d.vcpu)} takes vLPI ${d.intid} directly on pCPU ${pcpu} (ICV_IAR1_EL1, no list register)`;
}

function moveText(d: VpeMove, who: (vm: number, vcpu: number) => string): string {
  const from = d.from >= 0 ? `pCPU ${d.from}` : 'where it was';
  return `Event ${d.seq}: VMOVP moves ${who(d.vm, d.vcpu)}'s vPE ${d.vpeid} from ${from} to pCPU ${d.to}`;
}
