/**
 * The event log as a Chrome trace (the Trace Event Format's JSON object form), which Perfetto
 * (ui.perfetto.dev) and chrome://tracing open: the machine is one process, each unit of it
 * (cpu0, gicr1, its0, gicd, 'pci nic0', vm0.vcpu1…) one thread, each event an instant on its
 * unit's thread, and each event's cause a flow arrow from the cause to it.
 *
 * Time: `ts` is in microseconds (the format's unit, whatever displayTimeUnit says; Perfetto
 * follows the spec here since 2022), so model nanoseconds are divided by 1000; fractions are
 * allowed and Perfetto rounds them back to whole nanoseconds. displayTimeUnit 'ns' only asks the
 * viewer to show nanoseconds, the model's own unit.
 *
 * Flows: the older 's'/'f' form (bound by `id`, `cat` and `name`) rather than the newer
 * `bind_id`/`flow_in`/`flow_out` fields, because (in Perfetto's JSON importer) the newer fields
 * are read on slices ('X', 'B') only, not on instants, and an event carries one `bind_id`, which
 * cannot say "caused by A" and "causes B and C" at once. An 's' binds to the topmost slice on its
 * thread when it is read, an 'f' with bp:'e' likewise; events of equal ts keep their order in
 * the file. So each flow event is written right after the instant it belongs to: the cause's
 * 's' once (ids are the cause's seq, unique), and one 'f' per effect, which is how one cause
 * fans out to several arrows.
 *
 * Durations: the few events that open and close a stretch of time on their unit become complete
 * ('X') slices around the instants in between: a CPU in its interrupt handler (pe.take ..
 * pe.eret), a vCPU running its guest (vcpu.entry .. vcpu.exit), the guest in its handler
 * (guest.take .. guest.eret). Slices on one thread must nest; a stretch that the closing of an
 * outer one cuts short (the guest still in its handler when the vCPU exits) ends there and says
 * so (args.cut), and one still open at the end of the log ends at the last event (args.unfinished).
 */

import type { EventRow } from '../worker/api';

/** The fields of the Trace Event Format this export writes. */
export interface TraceEvent {
  name: string;
  ph: 'M' | 'i' | 'X' | 's' | 'f';
  pid: number;
  tid?: number;
  /** Microseconds. */
  ts?: number;
  /** Microseconds ('X'). */
  dur?: number;
  cat?: string;
  /** Instant scope: 't', the thread. */
  s?: 't';
  /** Flow id ('s', 'f'). */
  id?: number;
  /** Flow end binds to the enclosing slice ('f'). */
  bp?: 'e';
  args?: Record<string, string | number | boolean | null>;
}

export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ns';
  otherData: Record<string, string | number>;
}

export interface TraceSource {
  /** The scenario's title. */
  title: string;
  /** Where it came from (a path under /scenarios/, a file name), if anywhere. */
  file?: string | null;
}

/** The one process: the machine. */
export const PID = 1;

/** Flow events' name and category: the pair (with id) that binds an 's' to its 'f's. */
const FLOW = 'cause';

/** Kinds that open and close a stretch of time on their unit (see the overview). */
const SPANS: readonly { open: string; close: string; name: string }[] = [
  { open: 'pe.take', close: 'pe.eret', name: 'IRQ handler' },
  { open: 'vcpu.entry', close: 'vcpu.exit', name: 'in guest' },
  { open: 'guest.take', close: 'guest.eret', name: 'guest IRQ handler' },
];
const OPENS = new Map(SPANS.map((s) => [s.open, s]));
const CLOSES = new Map(SPANS.map((s) => [s.close, s]));

/** What a unit is, for its thread's name ('gicr1 · redistributor'). */
function describe(unit: string): string {
  if (unit.startsWith('pci ')) return 'PCI device';
  if (/^its\d*$/.test(unit)) return 'ITS';
  if (unit === 'gicd') return 'distributor';
  if (/^gicr\d+$/.test(unit)) return 'redistributor';
  if (/^cpu\d+$/.test(unit)) return 'PE and CPU interface';
  if (/^vm\d+$/.test(unit)) return 'KVM';
  if (/^vm\d+\.its\d+$/.test(unit)) return 'virtual ITS';
  if (/^vm\d+\.vcpu\d+$/.test(unit)) return 'vCPU';
  if (unit === 'mem') return 'memory';
  return '';
}

export const threadName = (unit: string): string => {
  const what = describe(unit);
  return what ? `${unit} · ${what}` : unit;
};

/**
 * Where a unit's thread sorts: along the path an interrupt takes (device, ITS, distributor,
 * redistributors, CPUs), then each VM with KVM's side, its virtual ITS and its vCPUs, then memory
 * and the rest; numbers in numeric order (cpu2 before cpu10).
 */
export function unitSortKey(unit: string): (string | number)[] {
  const n = (s: string | undefined): number => Number(s ?? 0);
  let m: RegExpExecArray | null;
  if (unit.startsWith('pci ')) return [0, unit];
  if ((m = /^its(\d*)$/.exec(unit))) return [1, n(m[1])];
  if (unit === 'gicd') return [2];
  if ((m = /^gicr(\d+)$/.exec(unit))) return [3, n(m[1])];
  if ((m = /^cpu(\d+)$/.exec(unit))) return [4, n(m[1])];
  if ((m = /^vm(\d+)$/.exec(unit))) return [5, n(m[1]), 0, 0];
  if ((m = /^vm(\d+)\.its(\d+)$/.exec(unit))) return [5, n(m[1]), 1, n(m[2])];
  if ((m = /^vm(\d+)\.vcpu(\d+)$/.exec(unit))) return [5, n(m[1]), 2, n(m[2])];
  if ((m = /^vm(\d+)\.(.*)$/.exec(unit))) return [5, n(m[1]), 3, m[2]!];
  if (unit === 'mem') return [6];
  return [7, unit];
}

function compareKeys(a: (string | number)[], b: (string | number)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/** Model nanoseconds to the format's microseconds. */
export const micros = (ns: number): number => ns / 1000;

/** The category of an event: its kind's family ('its.dte' -> 'its'). */
const category = (kind: string): string => kind.split('.')[0] || kind;

interface Span {
  name: string;
  from: number;
  start: number;
  to: number | null;
  end: number;
  cut?: true;
  unfinished?: true;
}

/**
 * The stretches of time (see SPANS), by the seq of the event that opens each; every one closed,
 * and nested on its unit.
 */
function spans(rows: readonly EventRow[]): Map<number, Span> {
  const bySeq = new Map<number, Span>();
  const open = new Map<string, Span[]>();
  for (const r of rows) {
    const closes = CLOSES.get(r.kind);
    if (closes) {
      const stack = open.get(r.unit) ?? [];
      let i = stack.length - 1;
      while (i >= 0 && stack[i]!.name !== closes.name) i--;
      if (i >= 0) {
        // Anything opened inside it ends with it.
        for (let j = stack.length - 1; j >= i; j--) {
          const s = stack[j]!;
          s.to = r.seq;
          s.end = r.time;
          if (j > i) s.cut = true;
        }
        stack.length = i;
      }
    }
    const opens = OPENS.get(r.kind);
    if (opens) {
      const s: Span = { name: opens.name, from: r.seq, start: r.time, to: null, end: r.time };
      bySeq.set(r.seq, s);
      const stack = open.get(r.unit) ?? [];
      stack.push(s);
      open.set(r.unit, stack);
    }
  }
  const last = rows.length ? rows[rows.length - 1]!.time : 0;
  for (const stack of open.values())
    for (const s of stack) {
      s.end = last;
      s.unfinished = true;
    }
  return bySeq;
}

/** The ids an event names, as trace args (only those it has). */
function ids(r: EventRow): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ['cpu', 'its', 'intid', 'devid', 'eventid'] as const) {
    const v = r[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * The trace of `rows`, the whole log in seq order (fetchEventLog). Throws on an event whose time
 * is not a finite number: a trace must not place it somewhere invented.
 */
export function chromeTrace(rows: readonly EventRow[], source: TraceSource): ChromeTrace {
  for (const r of rows)
    if (!Number.isFinite(r.time)) throw new Error(`event #${r.seq} has no finite time (${r.time})`);

  const units = [...new Set(rows.map((r) => r.unit))].sort((a, b) =>
    compareKeys(unitSortKey(a), unitSortKey(b)),
  );
  const tidOf = new Map(units.map((u, i) => [u, i + 1]));

  const events: TraceEvent[] = [
    { name: 'process_name', ph: 'M', pid: PID, args: { name: `GIC Lab · ${source.title}` } },
    { name: 'process_sort_index', ph: 'M', pid: PID, args: { sort_index: 0 } },
  ];
  for (const [u, tid] of tidOf) {
    events.push({ name: 'thread_name', ph: 'M', pid: PID, tid, args: { name: threadName(u) } });
    events.push({ name: 'thread_sort_index', ph: 'M', pid: PID, tid, args: { sort_index: tid } });
  }

  const seqs = new Set(rows.map((r) => r.seq));
  // Causes that are in the log and have at least one effect: each starts one flow.
  const causes = new Set<number>();
  for (const r of rows) if (r.cause !== null && seqs.has(r.cause)) causes.add(r.cause);
  const stretches = spans(rows);

  let flows = 0;
  for (const r of rows) {
    const tid = tidOf.get(r.unit)!;
    const ts = micros(r.time);
    const span = stretches.get(r.seq);
    if (span) {
      // Before the instant that opens it, so that the instant (and those after it) nest inside.
      events.push({
        name: span.name,
        ph: 'X',
        cat: 'span',
        pid: PID,
        tid,
        ts,
        dur: micros(span.end - span.start),
        args: {
          from: span.from,
          to: span.to,
          ...(span.cut ? { cut: true } : {}),
          ...(span.unfinished ? { unfinished: true } : {}),
        },
      });
    }
    events.push({
      name: r.kind,
      ph: 'i',
      s: 't',
      cat: category(r.kind),
      pid: PID,
      tid,
      ts,
      args: { seq: r.seq, kind: r.kind, unit: r.unit, text: r.text, step: r.step, cause: r.cause, ...ids(r) },
    });
    if (r.cause !== null && seqs.has(r.cause)) {
      events.push({ name: FLOW, ph: 'f', bp: 'e', cat: FLOW, id: r.cause, pid: PID, tid, ts });
      flows++;
    }
    if (causes.has(r.seq)) events.push({ name: FLOW, ph: 's', cat: FLOW, id: r.seq, pid: PID, tid, ts });
  }

  return {
    traceEvents: events,
    displayTimeUnit: 'ns',
    otherData: {
      generator: 'GIC Lab',
      scenario: source.title,
      ...(source.file ? { file: source.file } : {}),
      events: rows.length,
      flows,
      clock: 'model time: ts (µs) = model ns / 1000',
    },
  };
}
