/**
 * The event log: every architectural action the model takes, in order, one record per step.
 *
 * Recording must be cheap enough to leave on in benchmarks (ARCHITECTURE.md §7), so the log is
 * columnar: numbers live in growable typed arrays and only the optional `data` payload is a JS
 * object. `get(seq)` materialises a plain record for the UI, the explain layer and tests.
 *
 * The log is not part of the snapshot: it is the history itself. After `seek` back, stepping
 * forward rewrites the same records (the model is deterministic); a new input at an earlier
 * seq truncates the log there (a new branch).
 */

export interface SimEvent<D = unknown> {
  seq: number;
  /** Model time in ns. */
  time: number;
  kind: string;
  /** The unit that acted: 'gicd', 'gicr2', 'cpu2', 'its0', 'pci 00:02.0', 'mem', 'machine'... */
  unit: string;
  /** seq of the event that caused this one, or null for an external input. */
  cause: number | null;
  /** PE / redistributor / CPU interface index involved. */
  cpu?: number;
  /** ITS index involved. */
  its?: number;
  intid?: number;
  devid?: number;
  eventid?: number;
  data?: D;
}

/** Identifiers an event may carry; -1 (or undefined) means "none". */
export interface EventIds {
  cpu?: number;
  its?: number;
  intid?: number;
  devid?: number;
  eventid?: number;
}

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

/** One chunk of the numeric columns: fixed-size typed arrays, so growing never copies history. */
interface Chunk {
  kind: string[];
  unit: string[];
  data: unknown[];
  time: Float64Array;
  cause: Int32Array;
  cpu: Int16Array;
  its: Int8Array;
  intid: Int32Array;
  devid: Float64Array;
  eventid: Float64Array;
}

const newChunk = (): Chunk => ({
  kind: new Array<string>(CHUNK),
  unit: new Array<string>(CHUNK),
  data: new Array<unknown>(CHUNK),
  time: new Float64Array(CHUNK),
  cause: new Int32Array(CHUNK),
  cpu: new Int16Array(CHUNK),
  its: new Int8Array(CHUNK),
  intid: new Int32Array(CHUNK),
  devid: new Float64Array(CHUNK),
  eventid: new Float64Array(CHUNK),
});

export class EventLog {
  private len: number;
  private chunks: Chunk[] = [];

  /** `first`: seq of the first record (a machine restored from a snapshot starts its log there). */
  constructor(readonly first = 0) {
    this.len = first;
  }

  get length(): number {
    return this.len;
  }

  /**
   * Writes the record at `seq` (== length when recording, < length when replaying over history
   * that is identical by determinism). Positional arguments keep the hot path allocation-free.
   */
  put(
    seq: number,
    time: number,
    kind: string,
    unit: string,
    cause: number,
    cpu: number,
    its: number,
    intid: number,
    devid: number,
    eventid: number,
    data: unknown,
  ): void {
    if (seq > this.len || seq < this.first)
      throw new Error(`event log: record ${seq} written outside ${this.first}..${this.len}`);
    const ci = seq >>> CHUNK_BITS;
    let c = this.chunks[ci];
    if (!c) {
      c = newChunk();
      this.chunks[ci] = c;
    }
    const i = seq & MASK;
    c.time[i] = time;
    c.cause[i] = cause;
    c.cpu[i] = cpu;
    c.its[i] = its;
    c.intid[i] = intid;
    c.devid[i] = devid;
    c.eventid[i] = eventid;
    c.kind[i] = kind;
    c.unit[i] = unit;
    c.data[i] = data;
    if (seq === this.len) this.len++;
  }

  /** Drops every record from `seq` on (a new branch of history starts there). */
  truncate(seq: number): void {
    if (seq >= this.len) return;
    this.len = Math.max(this.first, seq);
    this.chunks.length = (this.len + MASK) >>> CHUNK_BITS;
    // Drop references to the truncated events' data in the last chunk.
    const last = this.chunks[this.chunks.length - 1];
    const from = this.len & MASK;
    if (last && from > 0) last.data.fill(undefined, from);
  }

  kindAt(seq: number): string | undefined {
    return seq < this.len && seq >= this.first
      ? this.chunks[seq >>> CHUNK_BITS]!.kind[seq & MASK]
      : undefined;
  }

  /** seq of the event that caused event `seq` (-1: none), without materialising it. */
  causeAt(seq: number): number {
    return seq < this.len && seq >= this.first ? this.chunks[seq >>> CHUNK_BITS]!.cause[seq & MASK]! : -1;
  }

  get(seq: number): SimEvent | undefined {
    if (seq < this.first || seq >= this.len) return undefined;
    const c = this.chunks[seq >>> CHUNK_BITS]!;
    const i = seq & MASK;
    const cause = c.cause[i]!;
    const e: SimEvent = {
      seq,
      time: c.time[i]!,
      kind: c.kind[i]!,
      unit: c.unit[i]!,
      cause: cause < 0 ? null : cause,
    };
    const cpu = c.cpu[i]!;
    if (cpu >= 0) e.cpu = cpu;
    const its = c.its[i]!;
    if (its >= 0) e.its = its;
    const intid = c.intid[i]!;
    if (intid >= 0) e.intid = intid;
    const devid = c.devid[i]!;
    if (devid >= 0) e.devid = devid;
    const eventid = c.eventid[i]!;
    if (eventid >= 0) e.eventid = eventid;
    const data = c.data[i];
    if (data !== undefined) e.data = data;
    return e;
  }

  /** Records [from, to) as plain objects. */
  slice(from = 0, to = this.len): SimEvent[] {
    const out: SimEvent[] = [];
    for (let i = Math.max(this.first, from); i < Math.min(to, this.len); i++) out.push(this.get(i)!);
    return out;
  }

  /** Number of records of `kind` in [from, to). */
  count(kind: string, from = 0, to = this.len): number {
    let n = 0;
    for (let i = Math.max(this.first, from); i < Math.min(to, this.len); i++)
      if (this.kindAt(i) === kind) n++;
    return n;
  }
}
