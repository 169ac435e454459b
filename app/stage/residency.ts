/**
 * The vPE residency band, drawn with d3 under the physical CPUs' lanes on the same scale (position
 * 0 at the left edge, the end of the history at the right): one lane per redistributor, with
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
 * data-position on the position line.
 */

import { select, type BaseType, type Selection } from 'd3';
import type { BlockedSpan, ResidencyMark, ResidencySpan, ResidencyView, VpeMove } from '../worker/api';
import { positionAt, xOf } from './lanes';

export interface ResidencyOptions {
  /** The user clicked at this position. */
  onSeek?: (position: number) => void;
  /** The user picked the mark or move of event `seq`. */
  onEvent?: (seq: number) => void;
}

export interface ResidencyFrame {
  view: ResidencyView;
  /** The VMs' names by index ('vm0'). */
  names: string[];
  width: number;
  position: number;
}

export interface ResidencyHandle {
  update(frame: ResidencyFrame): void;
  destroy(): void;
}

export const RES_H = 14;
export const RES_GAP = 2;
/** Width of the lane labels ('GICR 2'). */
export const RES_LABEL_W = 40;
/** Most marks and moves that are tab stops (more would make the page a chore to tab through). */
export const MAX_FOCUSABLE = 48;

export const residencyHeight = (lanes: number): number => lanes * RES_H + Math.max(0, lanes - 1) * RES_GAP;

const laneY = (i: number): number => i * (RES_H + RES_GAP);
/** The strip a resident vPE takes, and the blocked strip under it. */
const SPAN_Y = 1;
const SPAN_H = 9;
const BLOCKED_Y = 11;
const BLOCKED_H = 2.5;

let instances = 0;

export function createResidency(svg: SVGSVGElement, opts: ResidencyOptions): ResidencyHandle {
  const uid = `res${++instances}`;
  const root = select(svg).classed('residency', true).attr('role', 'group');
  const defs = root.append('defs');
  defs
    .append('pattern')
    .attr('id', `${uid}-hatch`)
    .attr('patternUnits', 'userSpaceOnUse')
    .attr('width', 4)
    .attr('height', 4)
    .attr('patternTransform', 'rotate(45)')
    .append('rect')
    .attr('class', 'res-hatch')
    .attr('width', 2)
    .attr('height', 4);
  defs
    .append('marker')
    .attr('id', `${uid}-arrow`)
    .attr('viewBox', '0 0 10 10')
    .attr('refX', 9)
    .attr('refY', 5)
    .attr('markerWidth', 6)
    .attr('markerHeight', 6)
    .attr('orient', 'auto')
    .append('path')
    .attr('class', 'res-arrow')
    .attr('d', 'M0,0L10,5L0,10z');
  const gLanes = root.append('g');
  const gMoves = root.append('g').attr('class', 'res-moves');
  const now = root.append('line').attr('class', 'res-now');
  let current: ResidencyFrame | undefined;
  let drawnKey: unknown[] | undefined;

  root.on('click', (e: MouseEvent) => {
    if (!current) return;
    const box = svg.getBoundingClientRect();
    opts.onSeek?.(positionAt(e.clientX - box.left, current.view.length, current.width));
  });

  /** A mark or a move: clicking it (or Enter / Space) goes to its event, not to the position under it. */
  function pickable<T extends { seq: number }>(
    sel: Selection<SVGGElement, T, BaseType, unknown>,
    focusable: boolean,
  ): void {
    sel
      .attr('tabindex', focusable ? 0 : null)
      .attr('role', 'button')
      .on('click', (e: MouseEvent, d) => {
        e.stopPropagation();
        opts.onEvent?.(d.seq);
      })
      .on('keydown', (e: KeyboardEvent, d) => {
        if (e.key !== 'Enter' && e.key !== ' ') return;
        e.preventDefault();
        e.stopPropagation();
        opts.onEvent?.(d.seq);
      });
  }

  function draw(f: ResidencyFrame): void {
    const { view, width } = f;
    const L = view.length;
    const height = residencyHeight(view.lanes.length);
    root.attr('viewBox', `0 0 ${width} ${height}`).attr('width', width).attr('height', height);
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
    const lanes = gLanes
      .selectAll<SVGGElement, ResidencyView['lanes'][number]>('g.res-lane')
      .data(view.lanes, (l) => String(l.pcpu))
      .join((enter) => {
        const g = enter.append('g').attr('class', 'res-lane');
        g.append('rect').attr('class', 'res-bg');
        g.append('g').attr('class', 'res-blocks');
        g.append('g').attr('class', 'res-spans');
        g.append('g').attr('class', 'res-marks');
        g.append('rect').attr('class', 'res-label-bg');
        g.append('text').attr('class', 'res-label');
        return g;
      })
      .attr('data-pcpu', (l) => l.pcpu)
      .attr('transform', (_l, i) => `translate(0,${laneY(i)})`);
    lanes.select('rect.res-bg').attr('width', width).attr('height', RES_H);
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
        .attr('data-from', (s) => s.from)
        .attr('data-to', (s) => s.to)
        .attr('data-vm', (s) => s.vm)
        .attr('data-vcpu', (s) => s.vcpu)
        .attr('data-vpeid', (s) => s.vpeid);
      spans
        .select('rect')
        .attr('x', (s) => xOf(s.from, L, width))
        .attr('y', SPAN_Y)
        .attr('width', (s) => Math.max(1, xOf(s.to, L, width) - xOf(s.from, L, width)))
        .attr('height', SPAN_H);
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
      g.select('g.res-blocks')
        .selectAll<SVGRectElement, BlockedSpan>('rect.res-blocked')
        .data(lane.blocked)
        .join((enter) => {
          const r = enter.append('rect');
          r.append('title');
          return r;
        })
        .attr('class', (b) => `res-blocked vcpu-${b.vcpu % 6}`)
        .attr('data-from', (b) => b.from)
        .attr('data-to', (b) => b.to)
        .attr('data-vm', (b) => b.vm)
        .attr('data-vcpu', (b) => b.vcpu)
        .attr('x', (b) => xOf(b.from, L, width))
        .attr('y', BLOCKED_Y)
        .attr('width', (b) => Math.max(1, xOf(b.to, L, width) - xOf(b.from, L, width)))
        .attr('height', BLOCKED_H)
        .attr('fill', `url(#${uid}-hatch)`)
        .select('title')
        .text(
          (b) =>
            `${who(b.vm, b.vcpu)} blocked in WFI after running on pCPU ${lane.pcpu} (its doorbell armed), positions ${b.from}–${b.to}`,
        );
      const mk = g
        .select('g.res-marks')
        .selectAll<SVGGElement, ResidencyMark>('g.res-mark')
        .data(lane.marks, (d) => String(d.seq))
        .join((enter) => {
          const m = enter.append('g');
          m.append('title');
          m.append('rect').attr('class', 'res-hit');
          m.append('path').attr('class', 'res-glyph');
          return m;
        })
        .attr('class', (d) => `res-mark ${d.kind}`)
        .attr('data-seq', (d) => d.seq)
        .attr('data-kind', (d) => d.kind)
        .attr('transform', (d) => `translate(${xOf(d.seq + 0.5, L, width).toFixed(1)},0)`)
        .attr('aria-label', (d) => markText(d, who, lane.pcpu));
      pickable(mk, focusable);
      mk.select('title').text((d) => markText(d, who, lane.pcpu));
      mk.select('rect.res-hit').attr('x', -5).attr('y', 0).attr('width', 10).attr('height', RES_H);
      // A diamond for a doorbell (at the top), a triangle pointing down for a delivery.
      mk.select('path.res-glyph').attr('d', (d) =>
        d.kind === 'doorbell' ? 'M0,0.5L4.5,5L0,9.5L-4.5,5Z' : 'M-4.5,0.5L4.5,0.5L0,9.5Z',
      );
      g.select('rect.res-label-bg')
        .attr('x', 0)
        .attr('y', 0)
        .attr('width', RES_LABEL_W)
        .attr('height', RES_H);
      g.select('text.res-label')
        .attr('x', 3)
        .attr('y', RES_H - 4.5)
        .text(`GICR ${lane.pcpu}`);
    });
    const index = new Map(view.lanes.map((l, i) => [l.pcpu, i]));
    const mid = (pcpu: number): number | undefined => {
      const i = index.get(pcpu);
      return i === undefined ? undefined : laneY(i) + RES_H / 2;
    };
    const moves = gMoves
      .selectAll<SVGGElement, VpeMove>('g.res-move')
      .data(view.moves, (d) => String(d.seq))
      .join((enter) => {
        const m = enter.append('g');
        m.append('title');
        m.append('rect').attr('class', 'res-hit');
        m.append('path').attr('class', 'res-move-line');
        return m;
      })
      .attr('class', 'res-move')
      .attr('data-seq', (d) => d.seq)
      .attr('data-kind', 'vmovp')
      .attr('data-from-pcpu', (d) => d.from)
      .attr('data-to-pcpu', (d) => d.to)
      .attr('aria-label', (d) => moveText(d, who));
    pickable(moves, focusable);
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
        .attr('marker-end', `url(#${uid}-arrow)`);
      g.select('rect.res-hit')
        .attr('x', x - 4)
        .attr('y', Math.min(y1, y2))
        .attr('width', 8)
        .attr('height', Math.max(4, Math.abs(y2 - y1)));
    });
  }

  function paintNow(f: ResidencyFrame): void {
    const x = xOf(f.position, f.view.length, f.width);
    now
      .attr('x1', x)
      .attr('x2', x)
      .attr('y1', 0)
      .attr('y2', residencyHeight(f.view.lanes.length))
      .attr('data-position', f.position);
  }

  return {
    update(f) {
      current = f;
      const key = [f.view, f.width, f.names.join(',')];
      if (!drawnKey || key.some((k, i) => k !== drawnKey![i])) {
        draw(f);
        drawnKey = key;
      }
      paintNow(f);
    },
    destroy() {
      root.on('click', null);
      defs.remove();
      gLanes.remove();
      gMoves.remove();
      now.remove();
      root.classed('residency', false).attr('role', null).attr('aria-label', null);
    },
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
