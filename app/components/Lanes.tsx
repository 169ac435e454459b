/**
 * The physical CPUs' lanes under the timeline, for a machine that runs VMs (nothing otherwise):
 * the component measures its width, asks the worker for the lanes once per history (again when
 * the console adds to it or the width changes: one interval per pixel at most), and hands them
 * with the position to the React-free drawing (app/stage/lanes.ts). Clicking a lane seeks there.
 */

import { useEffect, useRef, useState } from 'react';
import { createLanes, lanesHeight, type LanesHandle } from '../stage/lanes';
import { appStore, useApp } from '../store';
import type { LanesView } from '../worker/api';

const NO_VMS: never[] = [];

export function Lanes() {
  const vms = useApp((s) => s.session?.shape.vms) ?? NO_VMS;
  const session = useApp((s) => s.session);
  const position = useApp((s) => s.position);
  const boxRef = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const handle = useRef<LanesHandle | null>(null);
  const [width, setWidth] = useState(0);
  const [view, setView] = useState<LanesView | null>(null);
  const has = vms.length > 0;

  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const ro = new ResizeObserver((entries) => {
      const w = Math.round(entries[entries.length - 1]?.contentRect.width ?? 0);
      setWidth((old) => (old === w ? old : w));
    });
    ro.observe(box);
    return () => ro.disconnect();
  }, [has]);

  // The lanes cover the whole history: fetched when it changes (a load, a console line) or the
  // strip is resized, never per frame.
  useEffect(() => {
    if (!has || !session || width <= 0) return;
    let live = true;
    void appStore
      .getState()
      .inspect({ view: 'lanes', buckets: width }, appStore.getState().position)
      .then((r) => {
        if (live && r.ok) setView(r as LanesView);
      });
    return () => {
      live = false;
    };
  }, [has, session, width]);

  useEffect(() => {
    const svg = svgRef.current;
    if (!svg || !has) return;
    handle.current = createLanes(svg, { onSeek: (p) => void appStore.getState().seek(p) });
    return () => {
      handle.current?.destroy();
      handle.current = null;
    };
  }, [has]);

  const names = vms.map((v) => v.name);
  const namesKey = names.join(',');
  useEffect(() => {
    if (!view || width <= 0) return;
    handle.current?.update({ view, names: namesKey.split(','), width, position });
  }, [view, width, position, namesKey]);

  if (!has) return null;
  const lanes = view?.lanes.length ?? 0;
  return (
    <div
      className="lanes-box"
      ref={boxRef}
      data-testid="lanes"
      data-lanes={lanes}
      style={{ height: lanesHeight(Math.max(1, lanes)) }}
    >
      <svg ref={svgRef} />
    </div>
  );
}
