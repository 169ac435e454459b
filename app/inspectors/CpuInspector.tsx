/**
 * The CPU-interface inspector: every PE's CPU interface side by side (or one, picked), each with
 * its priority mask (ICC_PMR_EL1), binary points, running priority, active priorities, the
 * highest-priority pending interrupt and the interrupts it holds or may take, as the engine reads
 * them (reading ICC_IAR1_EL1 this way acknowledges nothing).
 *
 * The current event's CPU card and INTID row carry class `current` and data-current="true". Data
 * attributes: data-testid cpu-inspector / cpu-card (data-cpu); data-field="pmr" | "bpr0" | "bpr1" |
 * "rpr" | "hppi" ... with data-value; interrupt rows data-intid / data-state.
 */

import { useState } from 'react';
import type { CpuInterfaceView } from '../../engine';
import { useApp } from '../store';
import type { Current } from './current';
import { hex } from './format';
import { Flag, KV, StartHint, useCurrent, ViewState, Grid } from './parts';
import { useInspect } from './use-inspect';

export function CpuInspector() {
  const shape = useApp((s) => s.session?.shape);
  const cur = useCurrent();
  const [only, setOnly] = useState<'all' | number>('all');
  if (!shape) return <p className="empty">Open a scenario to inspect its CPU interfaces.</p>;
  const cpus = shape.cpus.map((aff, i) => ({ aff, i })).filter((c) => only === 'all' || c.i === only);
  return (
    <div className="insp" data-testid="cpu-inspector">
      <div className="insp-bar">
        <label>
          Show{' '}
          <select
            value={String(only)}
            onChange={(e) => setOnly(e.target.value === 'all' ? 'all' : Number(e.target.value))}
            data-testid="cpu-select"
          >
            <option value="all">all {shape.cpus.length} CPU interfaces</option>
            {shape.cpus.map((aff, i) => (
              <option key={i} value={i}>
                CPU {i} ({aff})
              </option>
            ))}
          </select>
        </label>
        <span className="muted">priorities: lower value = higher priority; 0xff = idle / nothing masked</span>
        <StartHint />
      </div>
      <Grid label="CPU interfaces" className="cpu-grid">
        {cpus.map((c) => (
          <CpuCard key={c.i} cpu={c.i} aff={c.aff} cur={cur} />
        ))}
      </Grid>
    </div>
  );
}

function CpuCard({ cpu, aff, cur }: { cpu: number; aff: string; cur: Current }) {
  const r = useInspect({ view: 'cpu', cpu });
  const current = cur.cpu === cpu;
  return (
    <section
      className={current ? 'insp-card cpu-card current' : 'insp-card cpu-card'}
      data-testid="cpu-card"
      data-cpu={cpu}
      data-current={current || undefined}
    >
      <header className="insp-card-head">
        <h3>
          CPU {cpu} <span className="muted">{aff}</span>
        </h3>
        {r.state === 'ok' && (
          <span className="lamps">
            <span
              className={r.view.irq ? 'lamp on' : 'lamp'}
              data-testid="irq"
              data-value={r.view.irq ? 1 : 0}
            >
              IRQ
            </span>
            <span className={r.view.fiq ? 'lamp on' : 'lamp'} data-value={r.view.fiq ? 1 : 0}>
              FIQ
            </span>
          </span>
        )}
      </header>
      <div className="insp-card-body">
        {r.state === 'ok' ? <Body v={r.view} cur={cur} /> : <ViewState r={r} what="CPU interface" />}
      </div>
    </section>
  );
}

function Body({ v, cur }: { v: CpuInterfaceView; cur: Current }) {
  const mine = cur.cpu === v.cpu;
  return (
    <>
      <dl className="kvs">
        <KV
          field="pmr"
          label="PMR"
          value={hex(v.pmr, 2)}
          title="ICC_PMR_EL1: only priorities below this are signalled"
        />
        <KV
          field="rpr"
          label="running"
          value={hex(v.runningPriority, 2)}
          title="ICC_RPR_EL1 (0xff: nothing active)"
        />
        <KV field="bpr0" label="BPR0" value={v.bpr0} title="ICC_BPR0_EL1" />
        <KV
          field="bpr1"
          label="BPR1"
          value={v.bpr1}
          title={v.cbpr ? 'ICC_BPR1_EL1 (CBPR: BPR0 + 1)' : 'ICC_BPR1_EL1'}
        />
        <KV
          field="hppi"
          label="highest pending"
          value={v.hppi ? `${v.hppi.intid} @ ${hex(v.hppi.priority, 2)}` : 'none'}
          title="The highest-priority pending interrupt the CPU interface sees (ICC_HPPIR1_EL1)"
        />
        <KV field="eoimode" label="EOImode" value={v.eoiMode} title="ICC_CTLR_EL1.EOImode" />
      </dl>
      <p className="insp-info">
        <Flag on={v.igrpen0}>Group 0</Flag> <Flag on={v.igrpen1}>Group 1</Flag> enabled
        {v.hppi && (
          <>
            {' · '}
            {v.hppi.signalled ? (
              <span>HPPI {v.hppi.intid} is signalled</span>
            ) : (
              <span className="muted">HPPI {v.hppi.intid} is masked (PMR or running priority)</span>
            )}
          </>
        )}
        {v.updatePending && <span className="muted"> · update pending</span>}
      </p>
      <div
        className="apr"
        data-field="active-priorities"
        data-value={v.activePriorities.map((a) => a.priority).join(' ')}
        title={`ICC_AP0R0..3_EL1: ${v.apr.ap0r.join(' ')} · ICC_AP1R0..3_EL1: ${v.apr.ap1r.join(' ')}`}
      >
        <span className="muted">active priorities:</span>{' '}
        {v.activePriorities.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          v.activePriorities.map((a) => (
            <span key={`${a.group}:${a.bit}`} className="badge" title={`ICC_AP${a.group}R bit ${a.bit}`}>
              G{a.group} {hex(a.priority, 2)}
            </span>
          ))
        )}
      </div>
      {v.interrupts.length === 0 ? (
        <p className="insp-msg">Nothing pending or active.</p>
      ) : (
        <table className="insp-table">
          <thead>
            <tr>
              <th scope="col">INTID</th>
              <th scope="col">state</th>
              <th scope="col">prio</th>
              <th scope="col" className="num">
                grp
              </th>
              <th scope="col">enabled</th>
              <th scope="col" title="The distributor or redistributor presents it to this CPU interface">
                forwarded
              </th>
            </tr>
          </thead>
          <tbody>
            {v.interrupts.map((irq) => {
              // A VM's event names a virtual INTID: not this CPU interface's.
              const current = mine && cur.vm === undefined && cur.intid === irq.intid;
              return (
                <tr
                  key={irq.intid}
                  data-intid={irq.intid}
                  data-state={irq.state}
                  data-current={current || undefined}
                  className={current ? 'current' : ''}
                >
                  <td className="mono">
                    {irq.intid} <span className="muted">{irq.kind}</span>
                  </td>
                  <td>{irq.state}</td>
                  <td className="mono">{hex(irq.priority, 2)}</td>
                  <td className="num">{irq.group}</td>
                  <td>{irq.enabled ? 'yes' : <span className="muted">no</span>}</td>
                  <td>{irq.forwarded ? 'yes' : <span className="muted">no</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {v.capped && <p className="insp-info">More interrupts than the view lists.</p>}
    </>
  );
}
