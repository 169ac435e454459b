/**
 * The narrated event log: one row per engine event (seq, model time, unit, the explain layer's
 * sentence), linked to playback: the event that brought the machine to the current position is
 * highlighted and kept in view, events not yet played are dimmed, and clicking a row goes there.
 * Rows carry data-seq / data-kind / data-current so tests check what the page shows.
 *
 * Without a filter the log shows a window of rows around the position (a history may hold
 * hundreds of thousands of events); with one, it searches the whole history (up to a cap).
 */

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { appStore, useApp } from '../store';
import type { LogFilter } from '../store/views-slice';
import type { EventRow } from '../worker/api';

const WINDOW = 300;
/** Most events a filter searches. */
const FILTER_CAP = 50_000;

function matches(r: EventRow, f: LogFilter): boolean {
  if (f.unit && !(r.unit === f.unit || r.unit.startsWith(f.unit) || r.kind.startsWith(f.unit + '.')))
    return false;
  if (f.intid !== undefined && r.intid !== f.intid) return false;
  if (f.devid !== undefined && r.devid !== f.devid) return false;
  if (f.eventid !== undefined && r.eventid !== f.eventid) return false;
  if (f.cpu !== undefined && r.cpu !== f.cpu) return false;
  return true;
}

const num = (v: string): number | undefined => {
  const t = v.trim();
  if (!t) return undefined;
  const n = Number(t);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
};

const NO_DEVICES: { name: string }[] = [];
const NO_VMS: { name: string; its: number }[] = [];

function Filters() {
  const f = useApp((s) => s.filter);
  const devices = useApp((s) => s.session?.shape.devices) ?? NO_DEVICES;
  const vms = useApp((s) => s.session?.shape.vms) ?? NO_VMS;
  const set = (patch: Partial<LogFilter>): void => appStore.getState().setFilter({ ...f, ...patch });
  const field = (label: string, key: 'intid' | 'devid' | 'eventid' | 'cpu') => (
    <label>
      {label}{' '}
      <input
        inputMode="numeric"
        size={6}
        defaultValue={f[key] ?? ''}
        onChange={(e) => set({ [key]: num(e.target.value) })}
        data-testid={`filter-${key}`}
      />
    </label>
  );
  return (
    <div className="log-filters" role="search" aria-label="Filter the event log">
      <label>
        component{' '}
        <select value={f.unit} onChange={(e) => set({ unit: e.target.value })} data-testid="filter-unit">
          <option value="">all</option>
          <option value="pci">devices</option>
          <option value="its">ITS</option>
          <option value="gicd">distributor</option>
          <option value="gicr">redistributors</option>
          <option value="cpu">CPUs</option>
          <option value="mem">memory</option>
          {devices.map((d) => (
            <option key={d.name} value={`pci ${d.name}`}>
              device {d.name}
            </option>
          ))}
          {vms.flatMap((v) => [
            <option key={v.name} value={v.name}>
              VM {v.name} (KVM, vCPUs, guest)
            </option>,
            ...(v.its > 0
              ? [
                  <option key={`${v.name}.its0`} value={`${v.name}.its0`}>
                    {v.name} virtual ITS
                  </option>,
                ]
              : []),
          ])}
        </select>
      </label>
      {field('INTID', 'intid')}
      {field('DeviceID', 'devid')}
      {field('EventID', 'eventid')}
      {field('CPU', 'cpu')}
    </div>
  );
}

/** How often the log catches up with the position while playing. */
const FOLLOW_MS = 150;

/** `value`, updated at most every `ms` (at once when `ms` is 0). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  const latest = useRef(value);
  useLayoutEffect(() => {
    latest.current = value;
  }, [value]);
  useLayoutEffect(() => {
    if (ms <= 0) return;
    // Catch up before the first throttled frame is painted, then every `ms`.
    setSettled(latest.current);
    const t = window.setInterval(() => setSettled(latest.current), ms);
    return () => window.clearInterval(t);
  }, [ms]);
  return ms <= 0 ? value : settled;
}

export function EventLog() {
  const rows = useApp((s) => s.rows);
  const length = useApp((s) => s.length);
  const playing = useApp((s) => s.playing);
  // While playing, the log follows a few times a second rather than every frame: re-rendering and
  // scrolling 300 rows 60 times a second was a third of a frame (npm run bench:ui), and nobody
  // reads rows that fast. Stepping and scrubbing follow at once.
  const position = useSettled(
    useApp((s) => s.position),
    playing ? FOLLOW_MS : 0,
  );
  const filter = useApp((s) => s.filter);
  const filterEpoch = useApp((s) => s.filterEpoch);
  const filtering =
    filter.unit !== '' ||
    [filter.intid, filter.devid, filter.eventid, filter.cpu].some((v) => v !== undefined);
  const current = position - 1;
  const from = filtering ? 0 : Math.max(0, Math.min(current - WINDOW / 2, length - WINDOW));
  const to = filtering ? Math.min(length, FILTER_CAP) : Math.min(length, from + WINDOW);
  const scroller = useRef<HTMLDivElement>(null);

  useEffect(() => {
    void appStore.getState().fetchRows(from, to);
  }, [from, to]);

  const shown = useMemo(() => {
    const out: EventRow[] = [];
    for (let i = from; i < to; i++) {
      const r = rows[i];
      if (r && (!filtering || matches(r, filter))) out.push(r);
    }
    return out;
  }, [rows, from, to, filtering, filter]);

  // Keep the current event in view as the position moves.
  useEffect(() => {
    const el = scroller.current?.querySelector<HTMLElement>('tr[data-current]');
    el?.scrollIntoView({ block: 'nearest' });
  }, [current, shown]);

  return (
    <div className="event-log-view">
      {/* Remounted when the filter is set from elsewhere (a token, a device), so its fields show it. */}
      <Filters key={filterEpoch} />
      <div className="log-scroll" ref={scroller} tabIndex={0} role="region" aria-label="Event log">
        {length === 0 ? (
          <p className="empty">This scenario has no events.</p>
        ) : (
          <table className="event-log" data-testid="event-log">
            <thead>
              <tr>
                <th scope="col">seq</th>
                <th scope="col">time (ns)</th>
                <th scope="col">unit</th>
                <th scope="col">event</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((e) => (
                <tr
                  key={e.seq}
                  data-seq={e.seq}
                  data-kind={e.kind}
                  data-current={e.seq === current || undefined}
                  className={`${e.seq === current ? 'current' : ''} ${e.seq > current ? 'future' : ''}`}
                  title={e.kind}
                  onClick={() => void appStore.getState().selectEvent(e.seq)}
                >
                  <td className="num">{e.seq}</td>
                  <td className="num">{e.time}</td>
                  <td className="unit">{e.unit}</td>
                  <td>{e.text}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {filtering && length > FILTER_CAP && (
          <p className="hint">
            The filter searches the first {FILTER_CAP} events of {length}.
          </p>
        )}
      </div>
    </div>
  );
}
