/**
 * The narrated event log: one row per engine event (seq, model time, unit, the explain layer's
 * sentence). Rows carry data-seq and data-kind so tests check what the page shows, and the kind
 * family (its., gicr., icc., ...) colours the unit column through CSS.
 */

import { MAX_EVENT_ROWS, useApp } from '../store';

export function EventLog() {
  const events = useApp((s) => s.events);
  const total = useApp((s) => s.summary?.events ?? 0);
  const status = useApp((s) => s.status);

  if (events.length === 0) {
    return (
      <p className="empty">
        {status === 'running' ? 'Running…' : 'Press Run to see the events of this scenario.'}
      </p>
    );
  }
  return (
    <div className="log-scroll">
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
          {events.map((e) => (
            <tr key={e.seq} data-seq={e.seq} data-kind={e.kind} title={e.kind}>
              <td className="num">{e.seq}</td>
              <td className="num">{e.time}</td>
              <td className="unit">{e.unit}</td>
              <td>{e.text}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {total > events.length && (
        <p className="hint">
          Showing the first {events.length} of {total} events (the page holds at most {MAX_EVENT_ROWS}).
        </p>
      )}
    </div>
  );
}
