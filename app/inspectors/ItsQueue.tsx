/**
 * The ITS inspector's command queue: a ring with GITS_CREADR, GITS_CWRITER and the waiting
 * commands, beside the slots around them, each decoded (its four doublewords on demand). The
 * slot the current event read is highlighted. Test hooks: its-ring (data-creadr, data-cwriter,
 * data-waiting, data-slots), slot rows (data-slot, data-state, data-command, data-empty,
 * data-creadr, data-cwriter), slot-dws.
 */

import { useState } from 'react';
import type { ItsView, QueueSlotView } from '../../engine';
import type { ItsRef } from '../worker/api';
import type { Current } from './current';
import { hex } from './format';
import { isCurrentIts } from './its-choice';
import { ViewState } from './parts';
import { arcPath, marker, queueWindow, slotSpan } from './ring';
import { useInspect } from './use-inspect';

/** The queue: a ring with CREADR, CWRITER and the waiting commands, and the slots around them. */
export function ItsQueue({ v, cur, vm }: { v: ItsView; cur: Current; vm?: number }) {
  const q = v.queue;
  const win = queueWindow(q.slots, q.readSlot, q.writeSlot);
  const ref: ItsRef = vm === undefined ? { its: v.index } : { its: v.index, vm };
  const slots = useInspect(q.slots > 0 ? { view: 'queue', ...ref, from: win.from, count: win.count } : null);
  const [open, setOpen] = useState<number | null>(null);
  if (q.slots === 0)
    return (
      <p className="insp-msg" data-testid="queue-none">
        No command queue: GITS_CBASER is not valid yet.
      </p>
    );
  return (
    <div className="queue">
      <div className="queue-side">
        <Ring v={v} from={win.from} count={win.count} />
        <ul className="legend">
          <li>
            <span className="swatch waiting" /> {q.waiting} waiting
          </li>
          <li>
            <span className="tick creadr" /> CREADR {q.readSlot}
          </li>
          <li>
            <span className="tick cwriter" /> CWRITER {q.writeSlot}
          </li>
          <li>
            <span className="swatch window" /> listed
          </li>
        </ul>
      </div>
      <div className="queue-list">
        {q.blocked && <p className="insp-msg insp-error">Not consuming: {q.blocked}</p>}
        {slots.state === 'ok' ? (
          <SlotList
            list={slots.view.window}
            cur={cur}
            its={ref}
            open={open}
            setOpen={setOpen}
            problem={slots.view.problem}
          />
        ) : (
          <ViewState r={slots} what="queue slots" />
        )}
      </div>
    </div>
  );
}

function Ring({ v, from, count }: { v: ItsView; from: number; count: number }) {
  const q = v.queue;
  const S = 120;
  const c = S / 2;
  const r0 = 30;
  const r1 = 44;
  const minAngle = 0.12;
  const [w0, w1] = slotSpan(from, count, q.slots, minAngle);
  const [p0, p1] = slotSpan(q.readSlot, q.waiting, q.slots, minAngle);
  const rd = marker(c, c, r0 - 4, r1 + 6, r1 + 11, q.readSlot, q.slots);
  const wr = marker(c, c, r0 - 4, r1 + 6, r1 + 11, q.writeSlot, q.slots);
  const same = q.readSlot === q.writeSlot;
  return (
    <svg
      className="ring"
      viewBox={`0 0 ${S} ${S}`}
      width={S}
      height={S}
      role="img"
      aria-label={`Command queue ring of ${q.slots} slots: CREADR at slot ${q.readSlot}, CWRITER at slot ${q.writeSlot}, ${q.waiting} waiting`}
      data-testid="its-ring"
      data-slots={q.slots}
      data-creadr={q.readSlot}
      data-cwriter={q.writeSlot}
      data-waiting={q.waiting}
    >
      <path className="ring-bg" d={arcPath(c, c, r0, r1, 0, 2 * Math.PI)} />
      <path className="ring-window" d={arcPath(c, c, r1 + 1, r1 + 4, w0, w1)} />
      {q.waiting > 0 && <path className="ring-waiting" d={arcPath(c, c, r0, r1, p0, p1)} />}
      <line className="ring-tick creadr" x1={rd.x1} y1={rd.y1} x2={rd.x2} y2={rd.y2} />
      <line className="ring-tick cwriter" x1={wr.x1} y1={wr.y1} x2={wr.x2} y2={wr.y2} />
      {same ? (
        <text className="ring-label" x={rd.lx} y={rd.ly} textAnchor="middle" dominantBaseline="middle">
          R=W
        </text>
      ) : (
        <>
          <text
            className="ring-label creadr"
            x={rd.lx}
            y={rd.ly}
            textAnchor="middle"
            dominantBaseline="middle"
          >
            R
          </text>
          <text
            className="ring-label cwriter"
            x={wr.lx}
            y={wr.ly}
            textAnchor="middle"
            dominantBaseline="middle"
          >
            W
          </text>
        </>
      )}
      <text className="ring-center" x={c} y={c - 5} textAnchor="middle">
        {q.waiting}
      </text>
      <text className="ring-center small" x={c} y={c + 9} textAnchor="middle">
        waiting
      </text>
    </svg>
  );
}

type SlotItem = { kind: 'slot'; s: QueueSlotView } | { kind: 'gap'; first: number; last: number; n: number };

/** Runs of two or more empty, consumed slots (never written, or wiped) fold into one line. */
function fold(list: QueueSlotView[], keep: (s: QueueSlotView) => boolean): SlotItem[] {
  const out: SlotItem[] = [];
  let run: QueueSlotView[] = [];
  const flush = (): void => {
    if (run.length >= 2)
      out.push({ kind: 'gap', first: run[0]!.slot, last: run.at(-1)!.slot, n: run.length });
    else for (const s of run) out.push({ kind: 'slot', s });
    run = [];
  };
  for (const s of list) {
    if (s.empty && s.state === 'consumed' && !s.atCreadr && !s.atCwriter && !keep(s)) run.push(s);
    else {
      flush();
      out.push({ kind: 'slot', s });
    }
  }
  flush();
  // Empty slots at either end of the window say nothing the ring does not: leave them out.
  while (out[0]?.kind === 'gap') out.shift();
  while (out.at(-1)?.kind === 'gap') out.pop();
  return out;
}

function SlotList({
  list,
  cur,
  its,
  open,
  setOpen,
  problem,
}: {
  list: QueueSlotView[];
  cur: Current;
  its: ItsRef;
  open: number | null;
  setOpen: (slot: number | null) => void;
  problem: string | undefined;
}) {
  const isCurrent = (s: QueueSlotView): boolean => isCurrentIts(cur, its) && cur.slot === s.slot;
  const items = fold(list, isCurrent);
  return (
    <>
      {problem && <p className="insp-msg insp-error">{problem}</p>}
      <ol className="slots">
        {items.map((it) => {
          if (it.kind === 'gap')
            return (
              <li key={`gap${it.first}`} className="slot gap">
                slots {it.first}–{it.last}: {it.n} empty
              </li>
            );
          const s = it.s;
          const current = isCurrent(s);
          const expanded = open === s.slot;
          const cls = [
            'slot',
            s.state,
            s.empty ? 'empty' : '',
            current ? 'current' : '',
            s.stalled ? 'stalled' : '',
          ]
            .filter(Boolean)
            .join(' ');
          return (
            <li
              key={s.slot}
              className={cls}
              data-slot={s.slot}
              data-state={s.state}
              data-command={s.empty ? '' : s.command}
              data-empty={s.empty || undefined}
              data-creadr={s.atCreadr || undefined}
              data-cwriter={s.atCwriter || undefined}
              data-current={current || undefined}
            >
              {(s.atCreadr || s.atCwriter) && (
                <div className={s.atCreadr ? 'slot-ptr creadr' : 'slot-ptr cwriter'}>
                  {s.atCreadr && (
                    <span className="mark creadr" title="GITS_CREADR: the next command the ITS reads">
                      CREADR {hex(s.offset)}
                    </span>
                  )}
                  {s.atCwriter && (
                    <span
                      className="mark cwriter"
                      title="GITS_CWRITER: where software writes the next command"
                    >
                      CWRITER {hex(s.offset)}
                    </span>
                  )}
                </div>
              )}
              <div className="slot-line">
                <span className="slot-no num">{s.slot}</span>
                <span className="slot-cmd mono">
                  {s.empty ? <span className="muted">empty</span> : s.command}
                </span>
                <span className="slot-fields mono" title={s.empty ? undefined : s.text}>
                  {s.empty
                    ? ''
                    : Object.entries(s.fields)
                        .map(([k, x]) => `${k}=${x}`)
                        .join(' ')}
                </span>
                <button
                  type="button"
                  className="slot-raw"
                  aria-expanded={expanded}
                  title="The four doublewords"
                  onClick={() => setOpen(expanded ? null : s.slot)}
                  data-testid="slot-raw"
                >
                  {expanded ? '▾' : '▸'} raw
                </button>
              </div>
              {expanded && (
                <div className="slot-dws mono" data-testid="slot-dws">
                  <div className="muted">
                    offset {hex(s.offset)} · at {hex(s.addr)} · {s.state}
                    {s.stalled && ' · the queue is stalled on it'}
                    {s.fault && ' · not RAM'}
                  </div>
                  {s.dws.map((d, i) => (
                    <div key={i}>
                      DW{i} {d}
                    </div>
                  ))}
                </div>
              )}
            </li>
          );
        })}
      </ol>
    </>
  );
}
