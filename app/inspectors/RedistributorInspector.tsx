/**
 * The redistributor inspector: one redistributor's LPI registers (GICR_CTLR.EnableLPIs,
 * GICR_WAKER, GICR_PROPBASER, GICR_PENDBASER) decoded, and its LPIs with the configuration byte
 * in the property table beside the one the redistributor acts on now. When the two differ,
 * software changed the table and has not invalidated (INV, INVALL, GICR_INVLPIR): the row is
 * flagged, which is the whole point of lesson 2.3 ("why INV exists").
 *
 * The redistributor shown follows the current event's CPU unless the user picks one. Data
 * attributes: data-testid rd-inspector / rd-registers / rd-lpis / rd-differing; rows data-intid,
 * data-memory / data-effective (hex), data-differs="true", data-pending, data-enabled,
 * data-current="true" on the current event's INTID.
 */

import { useState } from 'react';
import type { LpiView, RedistributorView } from '../../engine';
import { useApp } from '../store';
import { followed, type Follow } from './current';
import { hex, sizeText } from './format';
import { splitLpis } from './lpis';
import { Card, Flag, RegLine, StartHint, useCurrent, useLastDefined, ViewState, Grid } from './parts';
import { useInspect } from './use-inspect';

const FROM: Record<LpiView['configFrom'], string> = {
  'kvm LPI copy': "KVM's copy",
  'spec cache': 'config cache',
  memory: 'memory',
};

export function RedistributorInspector() {
  const shape = useApp((s) => s.session?.shape);
  const cur = useCurrent();
  const [pick, setPick] = useState<Follow>('auto');
  const [all, setAll] = useState(false);
  const count = shape?.cpus.length ?? 0;
  const last = useLastDefined(cur.cpu);
  const cpu = followed(pick, cur.cpu, last, 0, count);
  const r = useInspect(count > 0 ? { view: 'redistributor', cpu } : null);

  if (!shape) return <p className="empty">Open a scenario to inspect its redistributors.</p>;
  return (
    <div className="insp" data-testid="rd-inspector" data-cpu={cpu}>
      <div className="insp-bar">
        <label>
          Redistributor{' '}
          <select
            value={String(pick)}
            onChange={(e) => setPick(e.target.value === 'auto' ? 'auto' : Number(e.target.value))}
            data-testid="rd-select"
          >
            <option value="auto">follow the current event (rd{cpu})</option>
            {shape.cpus.map((aff, i) => (
              <option key={i} value={i}>
                rd{i} (PE {i}, {aff})
              </option>
            ))}
          </select>
        </label>
        {r.state === 'ok' && (
          <span className="muted">
            configuration held in: {r.view.configHeldIn} · pending state in: {r.view.pendingHeldIn}
            {r.view.cacheEntries !== undefined && ` · ${r.view.cacheEntries} cached`}
          </span>
        )}
        <StartHint />
      </div>
      {r.state === 'ok' ? (
        <Grid label="Redistributors" className="rd-grid">
          <Lpis
            v={r.view}
            // A VM's event names a virtual INTID, never one of the host's LPIs.
            intid={cur.vm === undefined && (cur.cpu === cpu || cur.cpu === undefined) ? cur.intid : undefined}
            all={all}
            setAll={setAll}
          />
          <Card title={`GICR registers of rd${cpu}`} testid="rd-registers" className="rd-regs">
            <Registers v={r.view} />
          </Card>
        </Grid>
      ) : (
        <ViewState r={r} what="redistributor" />
      )}
    </div>
  );
}

function Registers({ v }: { v: RedistributorView }) {
  return (
    <div className="reg-lines">
      <RegLine
        name="GICR_CTLR"
        value={v.ctlr.value}
        fields={v.ctlr.fields}
        summary={
          <span data-testid="rd-enable-lpis" data-value={v.ctlr.enableLpis ? 1 : 0}>
            <Flag on={v.ctlr.enableLpis}>EnableLPIs</Flag>
            {v.ctlr.rwp && ' · RWP'}
          </span>
        }
      />
      <RegLine
        name="GICR_WAKER"
        value={v.waker.value}
        fields={v.waker.fields}
        summary={
          v.waker.processorSleep || v.waker.childrenAsleep ? (
            <span className="bad">
              {v.waker.processorSleep && 'ProcessorSleep '}
              {v.waker.childrenAsleep && 'ChildrenAsleep'}
            </span>
          ) : (
            'awake'
          )
        }
      />
      <RegLine
        name="GICR_PROPBASER"
        value={v.propbaser.value}
        fields={v.propbaser.fields}
        summary={
          <>
            property table at <span className="mono">{hex(v.propbaser.base)}</span>, IDbits{' '}
            {v.propbaser.idBits}: LPIs 8192–{Math.max(8192, v.propbaser.lpiLimit - 1)} (
            {sizeText(v.propbaser.bytes)}){v.propbaser.shared && ' · one for the whole VM (KVM)'}
          </>
        }
      />
      <RegLine
        name="GICR_PENDBASER"
        value={v.pendbaser.value}
        fields={v.pendbaser.fields}
        summary={
          <>
            pending table at <span className="mono">{hex(v.pendbaser.base)}</span> (
            {sizeText(v.pendbaser.bytes)}){v.pendbaser.ptz && ' · PTZ'}
          </>
        }
      />
      {v.hpplpi !== undefined && (
        <p className="insp-info">
          Cached highest-priority pending LPI:{' '}
          {v.hpplpi ? `${v.hpplpi.intid} at priority ${hex(v.hpplpi.priority)}` : 'none'}
        </p>
      )}
      <p className="insp-info">
        SGIs and PPIs that are pending or active are listed with their CPU interface (CPU interfaces tab).
      </p>
    </div>
  );
}

function Lpis({
  v,
  intid,
  all,
  setAll,
}: {
  v: RedistributorView;
  intid: number | undefined;
  all: boolean;
  setAll: (all: boolean) => void;
}) {
  const split = splitLpis(v.lpis, intid, all);
  const kvm = v.configHeldIn === 'kvm LPI copy';
  const spec = v.configHeldIn === 'spec cache';
  return (
    <Card
      className="rd-lpis"
      title="LPIs"
      testid="rd-lpis"
      extra={
        <span
          className={v.differing > 0 ? 'differing bad' : 'differing muted'}
          data-testid="rd-differing"
          data-count={v.differing}
        >
          {v.differing > 0
            ? `${v.differing} LPI${v.differing > 1 ? 's' : ''}: memory ≠ what the redistributor uses`
            : 'memory and redistributor agree'}
        </span>
      }
    >
      {split.shown.length === 0 && v.lpis.length === 0 ? (
        <p className="insp-msg">No LPI is configured, mapped or pending here.</p>
      ) : (
        <table className="insp-table lpis">
          <thead>
            <tr>
              <th scope="col">LPI</th>
              <th scope="col" title="The configuration byte in the property table">
                in memory
              </th>
              <th scope="col" title="The configuration byte the redistributor acts on">
                in use
              </th>
              <th scope="col">from</th>
              <th scope="col">priority</th>
              <th scope="col">enabled</th>
              <th scope="col">pending</th>
              {kvm && <th scope="col">mapped</th>}
              {spec && <th scope="col">cached</th>}
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {split.shown.map((l) => {
              const current = l.intid === intid;
              const cls = [current ? 'current' : '', l.differs ? 'differs' : ''].filter(Boolean).join(' ');
              return (
                <tr
                  key={l.intid}
                  className={cls}
                  data-intid={l.intid}
                  data-memory={l.memory === null ? 'none' : hex(l.memory)}
                  data-effective={hex(l.effective)}
                  data-differs={l.differs ? 'true' : 'false'}
                  data-pending={l.pending}
                  data-enabled={l.enabled}
                  data-current={current || undefined}
                >
                  <td className="mono">{l.intid}</td>
                  <td className={l.differs ? 'mono diff' : 'mono'}>
                    {l.memory === null ? 'not RAM' : hex(l.memory, 2)}
                  </td>
                  <td className={l.differs ? 'mono diff' : 'mono'}>{hex(l.effective, 2)}</td>
                  <td>{FROM[l.configFrom]}</td>
                  <td className="mono">{hex(l.priority, 2)}</td>
                  <td>{l.enabled ? <Flag on>yes</Flag> : <Flag on={false}>no</Flag>}</td>
                  <td>{l.pending ? <Flag on>pending</Flag> : <span className="muted">—</span>}</td>
                  {kvm && <td>{l.mapped ? `PE ${l.target ?? -1}` : <span className="muted">no</span>}</td>}
                  {spec && <td>{l.cached ? 'yes' : <span className="muted">no</span>}</td>}
                  <td>
                    {l.differs && (
                      <span
                        className="badge bad"
                        title="The redistributor acts on a configuration that is not the byte in memory: an INV, INVALL or GICR_INVLPIR would change it"
                      >
                        stale: needs INV
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {v.differing > 0 && (
        <p className="inv-note" role="note">
          The property table in memory says one thing, the redistributor acts on another: it does not watch
          the table. Only an invalidation (INV, INVALL, GICR_INVLPIR) makes it read the byte again.
        </p>
      )}
      {split.hidden > 0 && (
        <p className="insp-info" data-testid="rd-hidden">
          {split.hidden} more LPI{split.hidden > 1 ? 's' : ''} only configured in memory (
          {split.hiddenBytes
            .slice(0, 3)
            .map(([b, n]) => `${n} × ${b < 0 ? 'not RAM' : hex(b, 2)}`)
            .join(', ')}
          ): not mapped, not pending.{' '}
          <button type="button" className="link" onClick={() => setAll(true)}>
            list them
          </button>
        </p>
      )}
      {all && (
        <p className="insp-info">
          <button type="button" className="link" onClick={() => setAll(false)}>
            list only the LPIs with a story
          </button>
        </p>
      )}
      {v.capped && <p className="insp-info">The view lists the first {v.lpis.length} LPIs only.</p>}
    </Card>
  );
}
