/**
 * The physical CPUs' lanes under the timeline, for a machine that runs VMs (nothing otherwise):
 * the component measures its width, asks the worker for the lanes once per history (again when
 * the console adds to it or the width changes: one interval per pixel at most), and hands them
 * with the position to the React-free drawing (app/stage/lanes.ts). Clicking a lane seeks there.
 *
 * A machine whose VMs use GICv4 also gets the vPE residency lanes, one per redistributor, on the
 * same scale (app/stage/residency.ts): which vPE each GICR had resident, VMOVP moves, blocked
 * vCPUs, doorbells and direct vLPI deliveries; clicking a mark goes to its event. A line over them
 * holds the legend and chooses what the lanes show (vCPUs, vPEs, or both). A short window (a
 * laptop's 720 px) starts with the vPEs only: under both sets of lanes and the paths bar its stage
 * was left about 130 px (app.css gives it more room there too); the vCPU lanes are a click away.
 */

import { useEffect, useRef, useState } from 'react';
import { createLanes, lanesHeight } from '../stage/lanes';
import { createResidency, residencyHeight } from '../stage/residency';
import type { StripHandle, StripView } from '../stage/strip';
import { appStore, useApp } from '../store';
import type { LanesView, ResidencyView } from '../worker/api';
import { Segmented, type SegmentedOption } from './Segmented';

const NO_VMS: never[] = [];

type Mode = 'both' | 'vcpus' | 'vpes';

const MODES: SegmentedOption<Mode>[] = [
  {
    id: 'both',
    label: 'both',
    title: 'The vCPU each pCPU runs, and the vPE each redistributor has resident',
  },
  { id: 'vcpus', label: 'vCPUs', title: 'The vCPU each pCPU runs (in the guest, or in KVM)' },
  { id: 'vpes', label: 'vPEs', title: 'The vPE each redistributor has resident (GICR_VPENDBASER.Valid)' },
];

/** A window this short starts the GICv4 lanes with the vPEs only (app.css's short window, too). */
const SHORT_WINDOW = '(max-height: 820px)';

const firstMode = (): Mode =>
  typeof window !== 'undefined' && window.matchMedia?.(SHORT_WINDOW).matches ? 'vpes' : 'both';

// The drawings' callbacks go to the store, so one function each serves every mount.
const seek = (p: number): void => void appStore.getState().seek(p);
const drawLanes = (svg: SVGSVGElement) => createLanes(svg, { onSeek: seek });
const drawResidency = (svg: SVGSVGElement) =>
  createResidency(svg, { onSeek: seek, onEvent: (seq) => void appStore.getState().selectEvent(seq) });

export function Lanes() {
  const vms = useApp((s) => s.session?.shape.vms) ?? NO_VMS;
  const session = useApp((s) => s.session);
  const position = useApp((s) => s.position);
  const boxRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [view, setView] = useState<LanesView | null>(null);
  const [res, setRes] = useState<ResidencyView | null>(null);
  const [mode, setMode] = useState<Mode>(firstMode);
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

  if (!has) return null;
  const strip = {
    width,
    position,
    names: vms.map((v) => v.name).join(','),
    pcpus: session?.shape.cpus.length ?? 1,
  };
  return (
    <div className="lanes-area" ref={boxRef}>
      {v4 && (
        <div className="res-head">
          <Segmented
            legend="pCPU lanes"
            name="lanes-mode"
            options={MODES}
            value={mode}
            onChange={setMode}
            testid="lanes"
            className="lanes-mode"
          />
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
        <StripBox testid="lanes" view={view} height={lanesHeight} create={drawLanes} {...strip} />
      )}
      {showVpes && (
        <StripBox
          testid="residency"
          className="res-box"
          view={res}
          height={residencyHeight}
          create={drawResidency}
          {...strip}
        />
      )}
    </div>
  );
}

/**
 * One strip: a box as tall as its lanes (before its view arrives, one lane per pCPU, so the page
 * does not jump), the drawing `create` makes in it while it is shown, and each frame handed to it.
 * `create` must keep its identity: a new one draws the strip anew.
 */
function StripBox<V extends StripView>({
  testid,
  className,
  view,
  height,
  create,
  width,
  position,
  names,
  pcpus,
}: {
  testid: string;
  className?: string;
  view: V | null;
  height: (lanes: number) => number;
  create: (svg: SVGSVGElement) => StripHandle<V>;
  width: number;
  position: number;
  /** The VMs' names, joined by commas (a string, so an equal list is an unchanged dependency). */
  names: string;
  pcpus: number;
}) {
  const svgRef = useRef<SVGSVGElement>(null);
  const handle = useRef<StripHandle<V> | null>(null);

  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    handle.current = create(svg);
    return () => {
      handle.current?.destroy();
      handle.current = null;
    };
  }, [create]);

  useEffect(() => {
    if (!view || width <= 0) return;
    handle.current?.update({ view, names: names.split(','), width, position });
  }, [view, width, position, names]);

  const lanes = view?.lanes.length ?? 0;
  return (
    <div
      className={className ? `strip-box ${className}` : 'strip-box'}
      data-testid={testid}
      data-lanes={lanes}
      style={{ height: height(Math.max(1, lanes || pcpus)) }}
    >
      <svg ref={svgRef} />
    </div>
  );
}
