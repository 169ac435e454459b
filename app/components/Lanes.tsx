/**
 * The physical CPUs' lanes under the timeline, for a machine that runs VMs (nothing otherwise):
 * the component measures its width, asks the worker for the lanes once per history (again when
 * the console adds to it or the width changes: one interval per pixel at most), and hands them
 * with the position to the React-free drawing (app/stage/lanes.ts). Clicking a lane seeks there.
 *
 * A machine whose VMs use GICv4 also gets the vPE residency lanes, one per redistributor, on the
 * same scale (app/stage/residency.ts): which vPE each GICR had resident, VMOVP moves, blocked
 * vCPUs, doorbells and direct vLPI deliveries; clicking a mark goes to its event. A line over them
 * holds the legend and chooses what the lanes show (vCPUs, vPEs, or both: a laptop's stage may
 * want the room back).
 */

import { useEffect, useRef, useState } from 'react';
import { createLanes, lanesHeight, type LanesHandle } from '../stage/lanes';
import { createResidency, residencyHeight, type ResidencyHandle } from '../stage/residency';
import { appStore, useApp } from '../store';
import type { LanesView, ResidencyView } from '../worker/api';

const NO_VMS: never[] = [];

type Mode = 'both' | 'vcpus' | 'vpes';

const MODES: { id: Mode; label: string; title: string }[] = [
  {
    id: 'both',
    label: 'both',
    title: 'The vCPU each pCPU runs, and the vPE each redistributor has resident',
  },
  { id: 'vcpus', label: 'vCPUs', title: 'The vCPU each pCPU runs (in the guest, or in KVM)' },
  { id: 'vpes', label: 'vPEs', title: 'The vPE each redistributor has resident (GICR_VPENDBASER.Valid)' },
];

export function Lanes() {
  const vms = useApp((s) => s.session?.shape.vms) ?? NO_VMS;
  const session = useApp((s) => s.session);
  const position = useApp((s) => s.position);
  const boxRef = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const resRef = useRef<SVGSVGElement>(null);
  const handle = useRef<LanesHandle | null>(null);
  const resHandle = useRef<ResidencyHandle | null>(null);
  const [width, setWidth] = useState(0);
  const [view, setView] = useState<LanesView | null>(null);
  const [res, setRes] = useState<ResidencyView | null>(null);
  const [mode, setMode] = useState<Mode>('both');
  const has = vms.length > 0;
  const v4 = vms.some((v) => v.gicv4);
  const showVcpus = has && (!v4 || mode !== 'vpes');
  const showVpes = v4 && mode !== 'vcpus';

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
    const st = appStore.getState();
    void st.inspect({ view: 'lanes', buckets: width }, st.position).then((r) => {
      if (live && r.ok) setView(r as LanesView);
    });
    if (v4)
      void st.inspect({ view: 'residency', buckets: width }, st.position).then((r) => {
        if (live && r.ok) setRes(r as ResidencyView);
      });
    return () => {
      live = false;
    };
  }, [has, v4, session, width]);

  useEffect(() => {
    const svg = svgRef.current;
    if (!svg || !showVcpus) return;
    handle.current = createLanes(svg, { onSeek: (p) => void appStore.getState().seek(p) });
    return () => {
      handle.current?.destroy();
      handle.current = null;
    };
  }, [showVcpus]);

  useEffect(() => {
    const svg = resRef.current;
    if (!svg || !showVpes) return;
    resHandle.current = createResidency(svg, {
      onSeek: (p) => void appStore.getState().seek(p),
      onEvent: (seq) => void appStore.getState().selectEvent(seq),
    });
    return () => {
      resHandle.current?.destroy();
      resHandle.current = null;
    };
  }, [showVpes]);

  const names = vms.map((v) => v.name);
  const namesKey = names.join(',');
  useEffect(() => {
    if (!view || width <= 0 || !showVcpus) return;
    handle.current?.update({ view, names: namesKey.split(','), width, position });
  }, [view, width, position, namesKey, showVcpus]);
  useEffect(() => {
    if (!res || width <= 0 || !showVpes) return;
    resHandle.current?.update({ view: res, names: namesKey.split(','), width, position });
  }, [res, width, position, namesKey, showVpes]);

  if (!has) return null;
  const lanes = view?.lanes.length ?? 0;
  const pcpus = session?.shape.cpus.length ?? 1;
  const resLanes = res?.lanes.length ?? 0;
  return (
    <div className="lanes-area" ref={boxRef}>
      {v4 && (
        <div className="res-head">
          <fieldset className="lanes-mode">
            <legend>pCPU lanes</legend>
            {MODES.map((x) => (
              <label key={x.id} title={x.title} className={mode === x.id ? 'on' : undefined}>
                <input
                  type="radio"
                  name="lanes-mode"
                  value={x.id}
                  checked={mode === x.id}
                  onChange={() => setMode(x.id)}
                  data-testid={`lanes-${x.id}`}
                />
                {x.label}
              </label>
            ))}
          </fieldset>
          {showVpes && (
            <span className="res-legend" aria-hidden="true">
              <span className="res-key span">vPE resident</span>
              <span className="res-key blocked">vCPU blocked (WFI)</span>
              <span className="res-key doorbell">doorbell</span>
              <span className="res-key vlpi">vLPI taken directly</span>
              <span className="res-key vmovp">VMOVP</span>
            </span>
          )}
        </div>
      )}
      {showVcpus && (
        <div
          className="lanes-box"
          data-testid="lanes"
          data-lanes={lanes}
          style={{ height: lanesHeight(Math.max(1, lanes || pcpus)) }}
        >
          <svg ref={svgRef} />
        </div>
      )}
      {showVpes && (
        <div
          className="res-box"
          data-testid="residency"
          data-lanes={resLanes}
          style={{ height: residencyHeight(Math.max(1, resLanes || pcpus)) }}
        >
          <svg ref={resRef} />
        </div>
      )}
    </div>
  );
}
