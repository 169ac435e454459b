/**
 * The two ways of a passed-through device's MSI to a guest, for a machine whose VMs use GICv4
 * (nothing otherwise), between the stage and the playback bar:
 *
 *  - a switch: bring the direct path forward on the stage, KVM's software path, or both (the
 *    other is dimmed; nothing is hidden);
 *  - per path, what the history's MSI of that path did (the one the position is about when it took
 *    that path, else the latest before it, else the first after): its events, vCPU exits and host
 *    interrupts up to the guest's acknowledge, and the model time from the device's write to
 *    ICV_IAR1_EL1 (the measured modelled latency), beside the cost model's figure for the path;
 *  - on demand, the hop-by-hop comparison: the cost model's hops and the MSI's own events with
 *    their times, side by side; an event is a button that goes there.
 *
 * The figures come from the worker ('paths' view: app/worker/v4-paths.ts, the cost model through
 * engine/kvm/v4-inspect.ts). Test hooks: data-testid paths (data-path), path-<view> radios,
 * path-direct-summary / path-software-summary (data-msi, data-latency, data-events, data-exits,
 * data-modelled), paths-details (the toggle), paths-compare (the comparison).
 */

import { useLayoutEffect, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import type { PathCost } from '../../engine';
import { useInspect } from '../inspectors/use-inspect';
import { appStore, useApp } from '../store';
import type { PathView } from '../store/views-slice';
import type { PathRun, PathsView } from '../worker/api';
import { Segmented, type SegmentedOption } from './Segmented';

const VIEWS: SegmentedOption<PathView>[] = [
  { id: 'both', label: 'both', title: 'Both paths side by side' },
  {
    id: 'direct',
    label: 'direct',
    title: 'GICv4 direct injection: the host ITS makes the MSI a vLPI at the vPE’s redistributor',
  },
  {
    id: 'software',
    label: 'software',
    title: "KVM's software path: VFIO's handler, eventfd, irqfd, the virtual ITS, a list register",
  },
];

const NAMES: Record<'direct' | 'software', { title: string; short: string; chain: string }> = {
  direct: { title: 'Direct (GICv4)', short: 'Direct', chain: 'host ITS → vLPI at the vPE’s GICR → guest' },
  software: {
    title: 'Software (VFIO)',
    short: 'Software',
    chain: 'host LPI → VFIO → irqfd → vITS → LR → guest',
  },
};

export const ns = (v: number): string => `${Math.round(v).toLocaleString('en-US')} ns`;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function SeqButton({ seq, children, label }: { seq: number; children: ReactNode; label: string }) {
  return (
    <button
      type="button"
      className="linkish mono"
      aria-label={label}
      title={label}
      onClick={() => void appStore.getState().selectEvent(seq)}
    >
      {children}
    </button>
  );
}

/** What a path's summary and its comparison column are given. */
interface PathProps {
  kind: 'direct' | 'software';
  v: PathsView;
  modelled: PathCost;
  position: number;
}

/** The run a path's column describes, and how it relates to the position. */
function runOf(v: PathsView, kind: 'direct' | 'software'): { run?: PathRun; rel: 'this' | 'last' | 'next' } {
  if (v.current?.path === kind) return { run: v.current, rel: 'this' };
  const run = v[kind];
  if (!run) return { rel: 'last' };
  return { run, rel: run.msi < (v.current?.msi ?? Infinity) || !v.current ? 'last' : 'next' };
}

/** The cost model's figure for the path a run took: a doorbell MSI's direct path has its own. */
const modelFor = (v: PathsView, run: { doorbell: boolean } | undefined, modelled: PathCost): PathCost =>
  run?.doorbell && v.modelled.doorbell ? v.modelled.doorbell : modelled;

function Summary({ kind, v, modelled: base, position }: PathProps) {
  const { run, rel } = runOf(v, kind);
  const modelled = modelFor(v, run, base);
  const ahead = run !== undefined && run.msi >= position;
  const which = rel === 'this' ? 'this MSI' : ahead ? 'next MSI' : 'last MSI';
  const words = run
    ? `${which} #${run.msi}${run.vintid !== undefined ? ` → vLPI ${run.vintid}` : ''}: ${plural(run.events, 'event')}, ` +
      `${plural(run.exits, 'exit')}, ${plural(run.hostIrqs, 'host interrupt')}${run.doorbell ? ', a doorbell' : ''}; ` +
      (run.latencyNs !== undefined ? `measured ${ns(run.latencyNs)}` : 'not taken yet')
    : 'no MSI took this path in this history';
  return (
    <section
      className={`path-col ${kind}`}
      data-testid={`path-${kind}-summary`}
      data-msi={run?.msi}
      data-latency={run?.latencyNs}
      data-events={run?.events}
      data-exits={run?.exits}
      data-modelled={modelled.totalNs}
      aria-label={`${NAMES[kind].title} (${NAMES[kind].chain}): ${words}; the cost model says ${ns(modelled.totalNs)}`}
      title={`${NAMES[kind].title}: ${NAMES[kind].chain}\n${words}\nCost model: ${ns(modelled.totalNs)} over ${plural(modelled.hops.length, 'hop')}`}
    >
      <strong>{NAMES[kind].short}</strong>
      {run ? (
        <>
          <SeqButton seq={run.msi} label={`#${run.msi}: go to the MSI (event ${run.msi})`}>
            #{run.msi}
          </SeqButton>
          {rel !== 'this' && <span className="muted">({ahead ? 'next' : 'last'})</span>}
          <span>{run.events} ev</span>
          <span className={run.exits ? 'warn' : undefined}>{plural(run.exits, 'exit')}</span>
          {run.doorbell && <span className="doorbell">doorbell</span>}
          {run.ack !== undefined && run.latencyNs !== undefined ? (
            <SeqButton
              seq={run.ack}
              label={`${ns(run.latencyNs)}: go to the guest's acknowledge (event ${run.ack})`}
            >
              {ns(run.latencyNs)}
            </SeqButton>
          ) : (
            <span className="muted">not taken</span>
          )}
        </>
      ) : (
        <span className="muted">not taken</span>
      )}
      <span className="model">(model {ns(modelled.totalNs)})</span>
    </section>
  );
}

function Compare({ kind, v, modelled: base, position }: PathProps) {
  const { run } = runOf(v, kind);
  const modelled = modelFor(v, run, base);
  return (
    <section className={`path-compare-col ${kind}`} aria-label={`${NAMES[kind].title}: hops and events`}>
      <h3>{NAMES[kind].title}</h3>
      <h4>Cost model: {ns(modelled.totalNs)}</h4>
      {kind === 'direct' && (
        <p className="muted small">
          {run?.doorbell
            ? 'The vPE was not resident: the vLPI waited in its VPT, the doorbell woke the vCPU, and its load made the vPE resident again.'
            : 'A resident vPE: no doorbell, no host software, no exit, no list register.'}
        </p>
      )}
      <table className="insp-table compact">
        <tbody>
          {modelled.hops.map((h, i) => (
            <tr key={i} title={h.meaning}>
              <td className="mono">
                {h.key}
                {h.times !== 1 ? ` ×${h.times}` : ''}
              </td>
              <td className="num mono">{ns(h.ns)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>
        {run
          ? `MSI #${run.msi}: ${run.latencyNs !== undefined ? ns(run.latencyNs) : 'not taken'} · ${plural(run.events, 'event')}`
          : 'No MSI took this path'}
      </h4>
      {run && (
        <ol className="path-steps">
          {run.steps.map((s) => (
            <li key={s.seq} className={s.seq >= position ? 'future' : undefined}>
              <SeqButton seq={s.seq} label={`Go to event ${s.seq}, ${s.kind}`}>
                #{s.seq}
              </SeqButton>{' '}
              <span className="mono">{s.kind}</span> <span className="muted">+{ns(s.at)}</span>
            </li>
          ))}
          {run.stepsCapped && <li className="muted">…</li>}
        </ol>
      )}
    </section>
  );
}

export function PathsPanel() {
  const v4 = useApp((s) => s.session?.shape.vms?.some((v) => v.gicv4) ?? false);
  const pathView = useApp((s) => s.pathView);
  const open = useApp((s) => s.pathsOpen);
  const position = useApp((s) => s.frame?.position ?? 0);
  const r = useInspect(v4 ? { view: 'paths' } : null);
  const bar = useRef<HTMLDivElement>(null);
  // The comparison floats over the stage above the bar, or, when the stage is short (a laptop),
  // over the playback bar and the inspectors below it: wherever there is more room. It is placed
  // in the viewport (fixed), so the panels' clipping neither cuts it nor scrolls them.
  const [place, setPlace] = useState<CSSProperties | null>(null);
  useLayoutEffect(() => {
    if (!open) return;
    const measure = (): void => {
      const el = bar.current;
      if (!el) return;
      const r = el.getBoundingClientRect();
      const stage = el.parentElement?.getBoundingClientRect().top ?? 0;
      const above = r.top - Math.max(0, stage) - 8;
      const below = window.innerHeight - r.bottom - 8;
      const down = above < 260 && below > above;
      const h = Math.max(120, Math.min(down ? below : above, 416));
      setPlace({
        right: Math.max(8, window.innerWidth - r.right + 12),
        maxWidth: Math.min(896, r.width - 24),
        maxHeight: h,
        ...(down ? { top: r.bottom + 4 } : { bottom: window.innerHeight - r.top + 4 }),
      });
    };
    measure();
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, [open]);
  if (!v4) return null;
  const v = r.state === 'ok' ? r.view : undefined;
  const kinds = (['direct', 'software'] as const).filter((k) => pathView === 'both' || pathView === k);
  return (
    <div className="paths" data-testid="paths" data-path={pathView} ref={bar}>
      <Segmented
        legend="Path"
        name="path-view"
        options={VIEWS}
        value={pathView}
        onChange={(x) => appStore.getState().setPathView(x)}
        testid="path"
        className="path-switch"
      />
      <div className="path-cols">
        {v ? (
          kinds.map((k) => <Summary key={k} kind={k} v={v} modelled={v.modelled[k]} position={position} />)
        ) : (
          <span className="muted">{r.state === 'error' ? r.error : 'Reading the paths…'}</span>
        )}
      </div>
      <button
        type="button"
        className="paths-toggle"
        aria-expanded={open}
        aria-controls="paths-compare"
        onClick={() => appStore.getState().togglePaths()}
        data-testid="paths-details"
        title="Hop by hop: the cost model and the MSI's events"
      >
        {open ? 'hide hops' : 'hops…'}
      </button>
      {open && v && (
        <div
          className="paths-pop"
          id="paths-compare"
          role="region"
          aria-label="The paths hop by hop"
          data-testid="paths-compare"
          style={place ?? undefined}
        >
          {kinds.map((k) => (
            <Compare key={k} kind={k} v={v} modelled={v.modelled[k]} position={position} />
          ))}
        </div>
      )}
    </div>
  );
}
