/**
 * The Trace tab of a session replayed from a QEMU trace: the agreement report (the verdict, the
 * tallies of what was compared, the deliveries per CPU by QEMU and by the model, what the replay
 * inferred where the trace is silent, every disagreement with its line and the line's text), and
 * the trace line the event shown came from. Every line number is a button that shows the first
 * event the model made for that line; a line can also be looked up by number.
 *
 * data-testid: trace-panel, trace-verdict (data-agree), trace-tally (data-id, data-agreed,
 * data-total), trace-disagreement (data-line), trace-line-link (data-line), trace-current,
 * trace-goto.
 */

import { useEffect, useState, type ReactNode } from 'react';
import { appStore, useApp } from '../store';
import type { TraceLineInfo, TraceReport } from '../worker/api';
import './trace.css';

function LineLink({ line, position, children }: { line: number; position?: number; children?: ReactNode }) {
  return (
    <button
      type="button"
      className="linkish trace-line-link"
      data-testid="trace-line-link"
      data-line={line}
      title={`Show the first event trace line ${line} made`}
      onClick={() =>
        void (position !== undefined
          ? appStore.getState().seek(position)
          : appStore.getState().seekTraceLine(line))
      }
    >
      {children ?? `line ${line.toLocaleString('en')}`}
    </button>
  );
}

/** Text with every 'line N' in it made a link to that line. */
function WithLines({ text }: { text: string }) {
  const parts = text.split(/(line \d+)/);
  return (
    <>
      {parts.map((p, i) => {
        const m = /^line (\d+)$/.exec(p);
        return m ? <LineLink key={i} line={Number(m[1])} /> : <span key={i}>{p}</span>;
      })}
    </>
  );
}

/** Where the event shown came from, and a way to go to any line. */
function CurrentLine() {
  const position = useApp((s) => s.frame?.position ?? 0);
  const [info, setInfo] = useState<TraceLineInfo | null>(null);
  const [goto, setGoto] = useState('');
  useEffect(() => {
    let live = true;
    void appStore
      .getState()
      .traceLine({ position })
      .then((r) => {
        if (live) setInfo(r);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [position]);
  return (
    <div className="trace-current" data-testid="trace-current" data-line={info?.line}>
      <p>
        {info ? (
          <>
            The event shown came from <strong>{info.at}</strong>
            {info.text !== undefined && (
              <>
                : <code className="trace-text">{info.text}</code>
              </>
            )}
          </>
        ) : (
          <span className="muted">
            The event shown is the replay&apos;s own set-up (before line 1), or the start.
          </span>
        )}
      </p>
      <form
        className="trace-goto"
        onSubmit={(e) => {
          e.preventDefault();
          const n = Number(goto);
          if (Number.isInteger(n) && n > 0) void appStore.getState().seekTraceLine(n);
        }}
      >
        <label>
          Go to trace line{' '}
          <input
            type="number"
            min={1}
            value={goto}
            onChange={(e) => setGoto(e.target.value)}
            data-testid="trace-goto"
            size={8}
          />
        </label>
        <button type="submit">Show</button>
      </form>
    </div>
  );
}

function Deliveries({ title, rows }: { title: string; rows: TraceReport['deliveries'] }) {
  if (!rows.length) return null;
  return (
    <section>
      <h3>{title}</h3>
      <table className="trace-table">
        <thead>
          <tr>
            <th>CPU</th>
            <th>QEMU (INTID:count)</th>
            <th>model</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((d) => (
            <tr key={d.cpu} className={d.trace === d.model ? '' : 'bad'}>
              <td>{d.cpu}</td>
              <td className="mono">{d.trace}</td>
              <td className="mono">{d.model}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function TracePanel() {
  const report = useApp((s) => s.session?.trace);
  if (!report)
    return <p className="empty">Open a QEMU trace (Open file…) to see how the model agrees with it.</p>;
  const r = report;
  return (
    <div className="trace-panel" data-testid="trace-panel">
      <p
        className={`trace-verdict ${r.agree ? 'agree' : 'disagree'}`}
        data-testid="trace-verdict"
        data-agree={r.agree}
      >
        <strong>{r.agree ? 'AGREE' : 'DISAGREE'}</strong>{' '}
        {r.agree
          ? 'the model reached what QEMU reached'
          : `${r.disagreementCount.toLocaleString('en')} disagreement${r.disagreementCount === 1 ? '' : 's'} with QEMU`}
      </p>
      <p className="muted">
        {r.files.join(' + ')}: {r.lines.toLocaleString('en')} lines ({r.records.toLocaleString('en')} records)
        replayed on a GICv{r.shape.gicVersion} with {r.shape.cpus} CPUs, profile qemu. Command queue:{' '}
        {r.cmdq ?? 'not given (commands rebuilt from QEMU’s decode)'}; property table:{' '}
        {r.proptable ?? 'not given (LPIs left as the guest’s writes leave them)'}.
      </p>
      <CurrentLine />
      <table className="trace-table">
        <tbody>
          {r.tallies.map((t) => (
            <tr
              key={t.id}
              data-testid="trace-tally"
              data-id={t.id}
              data-agreed={t.agreed}
              data-total={t.total}
              className={t.agreed === t.total ? '' : 'bad'}
            >
              <th scope="row">{t.label}</th>
              <td className="num">
                {t.agreed.toLocaleString('en')}/{t.total.toLocaleString('en')}
              </td>
              <td aria-label={t.agreed === t.total ? 'all alike' : 'some differ'}>
                {t.agreed === t.total ? '✓' : '✗'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.disagreements.length > 0 && (
        <section>
          <h3>Disagreements</h3>
          <ol className="trace-disagreements">
            {r.disagreements.map((d, i) => (
              <li key={i} data-testid="trace-disagreement" data-line={d.line}>
                <LineLink line={d.line} position={d.position}>
                  {d.at}
                </LineLink>{' '}
                {d.what}
                {d.text !== undefined && <code className="trace-text">{d.text}</code>}
              </li>
            ))}
          </ol>
          {r.disagreementCount > r.disagreements.length && (
            <p className="muted">
              … and {(r.disagreementCount - r.disagreements.length).toLocaleString('en')} more (not kept).
            </p>
          )}
        </section>
      )}
      <Deliveries title="Interrupts acknowledged per CPU" rows={r.deliveries} />
      <Deliveries title="vLPIs acknowledged per CPU (ICV_IAR1_EL1)" rows={r.virtualDeliveries} />
      {r.inferred.length > 0 && (
        <section>
          <h3>Inferred (not in the trace)</h3>
          <ul className="trace-inferred" data-testid="trace-inferred">
            {r.inferred.map((x, i) => (
              <li key={i}>
                <WithLines text={x} />
              </li>
            ))}
          </ul>
        </section>
      )}
      {(r.skipped.length > 0 || r.unused.length > 0) && (
        <details>
          <summary>Lines the replay did not use</summary>
          <ul className="muted">
            {r.skipped.map((s) => (
              <li key={s.event}>
                {s.event}: {s.count.toLocaleString('en')} line{s.count === 1 ? '' : 's'} of an event this
                importer does not read (first: <LineLink line={s.first} />)
              </li>
            ))}
            {r.unused.map((u) => (
              <li key={u.event}>
                {u.event}: {u.count.toLocaleString('en')} (read, nothing to replay)
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
