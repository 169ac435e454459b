/**
 * The lanes of the physical CPUs, drawn with d3 under the timeline: one strip per pCPU across the
 * whole history, on the scrubber's scale (strip.ts), with the intervals a vCPU was loaded there
 * (solid: in the guest; hatched: in KVM's run loop; empty: the host's own work or idle), a tick up
 * at each entry into the guest and a tick down at each exit, and a line at the position shown.
 * Clicking a lane goes to the position under the pointer. React-free (ARCHITECTURE.md §5):
 * `createLanes(svg, opts)` returns `{update, destroy}`; components/Lanes.tsx drives it. The
 * intervals arrive from the worker (kvm-lanes.ts), fetched once per history; a frame only moves the
 * position line.
 *
 * Test hooks: data-pcpu on each lane, data-from / data-to / data-vm / data-vcpu / data-mode on
 * intervals, data-seq / data-kind on ticks, data-position on the position line (line.strip-now).
 */

import { select } from 'd3';
import type { LaneMark, LaneSegment, LanesView } from '../worker/api';
import {
  createStrip,
  joinLanes,
  paintLaneChrome,
  stackHeight,
  stretchRects,
  xOf,
  type StripHandle,
  type StripOptions,
} from './strip';

export const LANE_H = 10;
export const LANE_GAP = 2;

/** Height of the drawing for `lanes` physical CPUs. */
export const lanesHeight = (lanes: number): number => stackHeight(lanes, LANE_H, LANE_GAP);

const LABEL = { h: LANE_H, w: 34, x: 2, y: LANE_H - 2 };

const MODE_WORDS = { guest: 'in the guest', host: "in KVM's run loop" } as const;

export function createLanes(svg: SVGSVGElement, opts: StripOptions): StripHandle<LanesView> {
  return createStrip<LanesView>(
    svg,
    { kind: 'lanes', role: 'img', height: lanesHeight },
    opts,
    ({ root, hatch, layer }) => {
      const gLanes = layer();
      return (f) => {
        const { view, width } = f;
        const L = view.length;
        root.attr(
          'aria-label',
          `What each physical CPU ran over the history: ${view.lanes.length} lanes, ` +
            `${view.lanes.reduce((a, l) => a + l.segments.length, 0)} intervals with a vCPU loaded`,
        );
        const lanes = joinLanes(
          gLanes,
          view.lanes,
          'lane',
          ['lane-segs', 'lane-ticks'],
          (i) => i * (LANE_H + LANE_GAP),
        );
        paintLaneChrome(lanes, width, LABEL, (l) => `pCPU ${l.pcpu}`);
        lanes.each(function (lane) {
          const g = select(this);
          const name = (s: LaneSegment): string => `${f.names[s.vm] ?? `vm${s.vm}`} vCPU ${s.vcpu}`;
          const segs = stretchRects(g.select<SVGGElement>('g.lane-segs'), lane.segments, 'lane-seg', L, width)
            .attr('class', (s) => `lane-seg mode-${s.mode} vcpu-${s.vcpu % 6} vm-${s.vm % 3}`)
            .attr('data-mode', (s) => s.mode)
            .attr('y', (s) => (s.mode === 'guest' ? 0 : 2))
            .attr('height', (s) => (s.mode === 'guest' ? LANE_H : LANE_H - 4))
            // An inline style, so the hatch wins over the stylesheet's per-vCPU fill.
            .style('fill', (s) => (s.mode === 'host' ? hatch : null));
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
        });
      };
    },
  );
}
