/**
 * The lanes of the physical CPUs, drawn with d3 under the timeline: one strip per pCPU across the
 * whole history, on the scrubber's scale (position 0 at the left edge, the end at the right), with
 * the intervals a vCPU was loaded there (solid: in the guest; hatched: in KVM's run loop; empty:
 * the host's own work or idle), a tick up at each entry into the guest and a tick down at each
 * exit, and a line at the position shown. Clicking a lane goes to the position under the pointer.
 * React-free (ARCHITECTURE.md §5): `createLanes(svg, opts)` returns `{update, destroy}`;
 * components/Lanes.tsx drives it. The intervals arrive from the worker (kvm-lanes.ts), fetched
 * once per history; a frame only moves the position line.
 *
 * Test hooks: data-pcpu on each lane, data-from / data-to / data-vm / data-vcpu / data-mode on
 * intervals, data-seq / data-kind on ticks, data-position on the position line.
 */

import { select } from 'd3';
import type { LaneMark, LaneSegment, LanesView } from '../worker/api';

export interface LanesOptions {
  /** The user clicked at this position. */
  onSeek?: (position: number) => void;
}

export interface LanesFrame {
  view: LanesView;
  /** The VMs' names by index ('vm0'). */
  names: string[];
  width: number;
  position: number;
}

export interface LanesHandle {
  update(frame: LanesFrame): void;
  destroy(): void;
}

export const LANE_H = 10;
export const LANE_GAP = 2;

/** Height of the drawing for `lanes` physical CPUs. */
export const lanesHeight = (lanes: number): number => lanes * LANE_H + Math.max(0, lanes - 1) * LANE_GAP;

/** x of position `p` on a strip `width` wide for a history of `length` events. */
export const xOf = (p: number, length: number, width: number): number =>
  length > 0 ? (p / length) * width : 0;

/** The position under x (the nearest one). */
export const positionAt = (x: number, length: number, width: number): number =>
  width > 0 ? Math.max(0, Math.min(length, Math.round((x / width) * length))) : 0;

const MODE_WORDS = { guest: 'in the guest', host: "in KVM's run loop" } as const;

let instances = 0;

export function createLanes(svg: SVGSVGElement, opts: LanesOptions): LanesHandle {
  const uid = `lanes${++instances}`;
  const root = select(svg).classed('lanes', true).attr('role', 'img');
  const defs = root.append('defs');
  defs
    .append('pattern')
    .attr('id', `${uid}-hatch`)
    .attr('patternUnits', 'userSpaceOnUse')
    .attr('width', 4)
    .attr('height', 4)
    .attr('patternTransform', 'rotate(45)')
    .append('rect')
    .attr('class', 'lanes-hatch')
    .attr('width', 2)
    .attr('height', 4);
  const gLanes = root.append('g');
  const now = root.append('line').attr('class', 'lanes-now');
  let last: { view: LanesView; width: number; names: string } | undefined;
  let current: LanesFrame | undefined;

  root.on('click', (e: MouseEvent) => {
    if (!current) return;
    const box = svg.getBoundingClientRect();
    opts.onSeek?.(positionAt(e.clientX - box.left, current.view.length, current.width));
  });

  function draw(f: LanesFrame): void {
    const { view, width } = f;
    const L = view.length;
    const height = lanesHeight(view.lanes.length);
    root.attr('viewBox', `0 0 ${width} ${height}`).attr('width', width).attr('height', height);
    root.attr(
      'aria-label',
      `What each physical CPU ran over the history: ${view.lanes.length} lanes, ` +
        `${view.lanes.reduce((a, l) => a + l.segments.length, 0)} intervals with a vCPU loaded`,
    );
    const lanes = gLanes
      .selectAll<SVGGElement, LanesView['lanes'][number]>('g.lane')
      .data(view.lanes, (l) => String(l.pcpu))
      .join((enter) => {
        const g = enter.append('g').attr('class', 'lane');
        g.append('rect').attr('class', 'lane-bg');
        g.append('g').attr('class', 'lane-segs');
        g.append('g').attr('class', 'lane-ticks');
        // The label sits on a patch of background so the segments and ticks under it do not
        // garble it; its intervals stay visible in the tooltips and the vCPU inspector.
        g.append('rect').attr('class', 'lane-label-bg');
        g.append('text').attr('class', 'lane-label');
        return g;
      })
      .attr('data-pcpu', (l) => l.pcpu)
      .attr('transform', (_l, i) => `translate(0,${i * (LANE_H + LANE_GAP)})`);
    lanes.select('rect.lane-bg').attr('width', width).attr('height', LANE_H);
    lanes.each(function (lane) {
      const g = select(this);
      const name = (s: LaneSegment): string => `${f.names[s.vm] ?? `vm${s.vm}`} vCPU ${s.vcpu}`;
      const segs = g
        .select('g.lane-segs')
        .selectAll<SVGRectElement, LaneSegment>('rect.lane-seg')
        .data(lane.segments)
        .join((enter) => {
          const r = enter.append('rect');
          r.append('title');
          return r;
        })
        .attr('class', (s) => `lane-seg mode-${s.mode} vcpu-${s.vcpu % 6} vm-${s.vm % 3}`)
        .attr('data-from', (s) => s.from)
        .attr('data-to', (s) => s.to)
        .attr('data-vm', (s) => s.vm)
        .attr('data-vcpu', (s) => s.vcpu)
        .attr('data-mode', (s) => s.mode)
        .attr('x', (s) => xOf(s.from, L, width))
        .attr('width', (s) => Math.max(1, xOf(s.to, L, width) - xOf(s.from, L, width)))
        .attr('y', (s) => (s.mode === 'guest' ? 0 : 2))
        .attr('height', (s) => (s.mode === 'guest' ? LANE_H : LANE_H - 4))
        .attr('fill', (s) => (s.mode === 'host' ? `url(#${uid}-hatch)` : null));
      segs
        .select('title')
        .text((s) => `pCPU ${lane.pcpu}: ${name(s)} ${MODE_WORDS[s.mode]}, positions ${s.from}–${s.to}`);
      g.select('g.lane-ticks')
        .selectAll<SVGPathElement, LaneMark>('path.lane-tick')
        .data(lane.marks)
        .join('path')
        .attr('class', (mk) => `lane-tick ${mk.kind}`)
        .attr('data-seq', (mk) => mk.seq)
        .attr('data-kind', (mk) => mk.kind)
        .attr('d', (mk) => {
          const x = xOf(mk.seq + 0.5, L, width).toFixed(1);
          return mk.kind === 'entry' ? `M${x},0v${LANE_H * 0.45}` : `M${x},${LANE_H}v${-LANE_H * 0.45}`;
        });
      g.select('rect.lane-label-bg').attr('x', 0).attr('y', 0).attr('width', 34).attr('height', LANE_H);
      g.select('text.lane-label')
        .attr('x', 2)
        .attr('y', LANE_H - 2)
        .text(`pCPU ${lane.pcpu}`);
    });
  }

  function paintNow(f: LanesFrame): void {
    const x = xOf(f.position, f.view.length, f.width);
    now
      .attr('x1', x)
      .attr('x2', x)
      .attr('y1', 0)
      .attr('y2', lanesHeight(f.view.lanes.length))
      .attr('data-position', f.position);
  }

  return {
    update(f) {
      current = f;
      const names = f.names.join(',');
      if (!last || last.view !== f.view || last.width !== f.width || last.names !== names) {
        draw(f);
        last = { view: f.view, width: f.width, names };
      }
      paintNow(f);
    },
    destroy() {
      root.on('click', null);
      defs.remove();
      gLanes.remove();
      now.remove();
      root.classed('lanes', false);
    },
  };
}
