/**
 * The register inspector: pick a frame (the distributor, a redistributor, an ITS) and one of its
 * registers; see the value an MMIO read would return now, decoded field by field, and every access
 * the history made to it up to the position shown (newest last). Clicking an access goes there.
 *
 * While the current event is an MMIO access and the user has not picked a register, the inspector
 * shows that register. Data attributes: data-testid register-inspector / reg-unit / reg-filter /
 * reg-list / reg-detail (data-unit, data-reg, data-value) / reg-history; list items data-reg;
 * field rows data-field + data-value; history rows data-seq, data-access, data-value,
 * data-current="true" on the current event's access.
 */

import { useMemo, useState } from 'react';
import type { RegisterEntry } from '../../engine';
import { appStore, useApp } from '../store';
import type { RegisterHistoryView } from '../worker/api';
import { hex, registerOfEvent } from './format';
import { Fields, StartHint, useLastDefined, usePosition, ViewState } from './parts';
import { useInspect } from './use-inspect';

/** Most registers the list shows at once (the distributor has over 2,000 instances). */
const LIST_MAX = 300;

export function RegisterInspector() {
  const shape = useApp((s) => s.session?.shape);
  const event = useApp((s) => s.frame?.event);
  const focus = useApp((s) => s.frame?.stage.focus);
  const fromEvent = registerOfEvent(event, focus);
  const last = useLastDefined(fromEvent ? `${fromEvent.unit}\n${fromEvent.name}` : undefined);
  const [pick, setPick] = useState<{ unit: string; name?: string } | null>(null);
  const [filter, setFilter] = useState('');

  const units = useMemo(
    () =>
      shape ? ['gicd', ...shape.cpus.map((_, i) => `rd${i}`), ...shape.its.map((x) => `its${x.index}`)] : [],
    [shape],
  );
  const [lastUnit, lastName] = last ? last.split('\n') : [];
  const unit = pick?.unit ?? lastUnit ?? (shape?.its.length ? 'its0' : 'gicd');
  const list = useInspect(shape ? { view: 'registers', unit } : null);
  const first = list.state === 'ok' && list.view.unit === unit ? list.view.registers[0]?.name : undefined;
  const name = pick ? (pick.name ?? first) : (lastName ?? first);
  const reg = useInspect(shape && name ? { view: 'register', unit, name } : null);

  if (!shape) return <p className="empty">Open a scenario to inspect its registers.</p>;
  const following = !pick && fromEvent !== undefined;

  return (
    <div className="insp" data-testid="register-inspector">
      <div className="insp-bar">
        <label>
          Frame{' '}
          <select value={unit} onChange={(e) => setPick({ unit: e.target.value })} data-testid="reg-unit">
            {units.map((u) => (
              <option key={u} value={u}>
                {u === 'gicd'
                  ? 'gicd (distributor)'
                  : u.startsWith('rd')
                    ? `${u} (redistributor)`
                    : `${u} (ITS)`}
              </option>
            ))}
          </select>
        </label>
        <label>
          Find{' '}
          <input
            type="search"
            size={14}
            value={filter}
            placeholder="CTLR, BASER…"
            onChange={(e) => setFilter(e.target.value)}
            data-testid="reg-filter"
          />
        </label>
        {pick ? (
          <button
            type="button"
            onClick={() => setPick(null)}
            title="Show the register the current event accesses"
          >
            follow the events
          </button>
        ) : (
          <span className="muted">
            {following
              ? 'showing the register the current event accesses'
              : 'follows MMIO accesses as you step'}
          </span>
        )}
        <StartHint />
      </div>
      <div className="reg-panes">
        <div className="reg-list" data-testid="reg-list">
          {list.state === 'ok' ? (
            <RegList
              regs={list.view.registers}
              filter={filter}
              selected={name}
              onPick={(n) => setPick({ unit, name: n })}
            />
          ) : (
            <ViewState r={list} what="register list" />
          )}
        </div>
        <div className="reg-detail-pane">
          {reg.state === 'ok' ? <Detail r={reg.view} /> : name ? <ViewState r={reg} what="register" /> : null}
        </div>
      </div>
    </div>
  );
}

function RegList({
  regs,
  filter,
  selected,
  onPick,
}: {
  regs: RegisterEntry[];
  filter: string;
  selected: string | undefined;
  onPick: (name: string) => void;
}) {
  const f = filter.trim().toUpperCase();
  const matching = f ? regs.filter((r) => r.name.includes(f)) : regs;
  const shown = matching.slice(0, LIST_MAX);
  // The selected register stays in the list even when the cap would leave it out.
  const sel = selected !== undefined ? matching.find((r) => r.name === selected) : undefined;
  if (sel && !shown.includes(sel)) shown.push(sel);
  return (
    <>
      <ul>
        {shown.map((r) => (
          <li key={r.name}>
            <button
              type="button"
              className={r.name === selected ? 'reg-item selected' : 'reg-item'}
              aria-pressed={r.name === selected}
              data-reg={r.name}
              onClick={() => onPick(r.name)}
              title={r.doc ?? r.name}
            >
              <span className="mono">{r.name}</span>
              <span className="muted mono small">+{hex(r.offset)}</span>
            </button>
          </li>
        ))}
      </ul>
      {matching.length > LIST_MAX && (
        <p className="insp-info">{matching.length - LIST_MAX} more: type part of a name to find them.</p>
      )}
      {matching.length === 0 && <p className="insp-msg">No register of this frame matches.</p>}
    </>
  );
}

function Detail({ r }: { r: RegisterHistoryView }) {
  const position = usePosition();
  return (
    <div
      className="reg-detail"
      data-testid="reg-detail"
      data-unit={r.unit}
      data-reg={r.name}
      data-value={r.value}
    >
      <h3>
        <span className="mono">{r.name}</span> <span className="muted">of {r.unit}</span>
      </h3>
      <p className="insp-info">
        offset {hex(r.offset)} · at {hex(r.addr)} · {r.width}-bit ·{' '}
        {r.access === 'rw' ? 'read/write' : r.access === 'ro' ? 'read-only' : 'write-only'}
      </p>
      {r.doc && <p className="insp-info">{r.doc}</p>}
      <p className="reg-now">
        reads now{' '}
        <span className="mono big" data-testid="reg-value">
          {r.value}
        </span>
      </p>
      <div className="reg-body">
        <div>
          {r.note && <p className="insp-msg">{r.note}</p>}
          {r.readable && <Fields fields={r.fields} />}
        </div>
        <div>
          <h4>Accesses up to here</h4>
          {r.history.length === 0 ? (
            <p className="insp-msg">No MMIO access to {r.name} so far.</p>
          ) : (
            <table className="insp-table history" data-testid="reg-history">
              <thead>
                <tr>
                  <th scope="col" className="num">
                    seq
                  </th>
                  <th scope="col">access</th>
                  <th scope="col">value</th>
                  <th scope="col">by</th>
                </tr>
              </thead>
              <tbody>
                {r.history.map((h) => {
                  const current = h.seq === position - 1;
                  return (
                    <tr
                      key={h.seq}
                      data-seq={h.seq}
                      data-access={h.access}
                      data-value={h.value}
                      data-current={current || undefined}
                      className={current ? 'current clickable' : 'clickable'}
                      title="Go to this access"
                      tabIndex={0}
                      onClick={() => void appStore.getState().selectEvent(h.seq)}
                      onKeyDown={(e) => {
                        if (e.key === 'Enter') void appStore.getState().selectEvent(h.seq);
                      }}
                    >
                      <td className="num">{h.seq}</td>
                      <td>{h.access}</td>
                      <td className="mono">{h.value}</td>
                      <td>{h.by}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {r.truncated && <p className="insp-info">Older accesses left out.</p>}
        </div>
      </div>
    </div>
  );
}
