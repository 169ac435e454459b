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

const INITIAL = 1024;

export class EventLog {
  private cap = INITIAL;
  private len = 0;
  private time = new Float64Array(INITIAL);
  private cause = new Int32Array(INITIAL);
  private cpu = new Int16Array(INITIAL);
  private its = new Int8Array(INITIAL);
  private intid = new Int32Array(INITIAL);
  private devid = new Float64Array(INITIAL);
  private eventid = new Float64Array(INITIAL);
  private kind: string[] = [];
  private unit: string[] = [];
  private data: unknown[] = [];

  get length(): number {
    return this.len;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const g = <T extends Float64Array | Int32Array | Int16Array | Int8Array>(
      old: T,
      make: (n: number) => T,
    ): T => {
      const a = make(cap);
      a.set(old);
      return a;
    };
    this.time = g(this.time, (n) => new Float64Array(n));
    this.cause = g(this.cause, (n) => new Int32Array(n));
    this.cpu = g(this.cpu, (n) => new Int16Array(n));
    this.its = g(this.its, (n) => new Int8Array(n));
    this.intid = g(this.intid, (n) => new Int32Array(n));
    this.devid = g(this.devid, (n) => new Float64Array(n));
    this.eventid = g(this.eventid, (n) => new Float64Array(n));
    this.cap = cap;
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
    if (seq > this.len) throw new Error(`event log: record ${seq} written after ${this.len}`);
    if (seq >= this.cap) this.grow();
    this.time[seq] = time;
    this.cause[seq] = cause;
    this.cpu[seq] = cpu;
    this.its[seq] = its;
    this.intid[seq] = intid;
    this.devid[seq] = devid;
    this.eventid[seq] = eventid;
    this.kind[seq] = kind;
    this.unit[seq] = unit;
    this.data[seq] = data;
    if (seq === this.len) this.len++;
  }

  /** Drops every record from `seq` on (a new branch of history starts there). */
  truncate(seq: number): void {
    if (seq >= this.len) return;
    this.len = Math.max(0, seq);
    this.kind.length = this.len;
    this.unit.length = this.len;
    this.data.length = this.len;
  }

  kindAt(seq: number): string | undefined {
    return seq < this.len ? this.kind[seq] : undefined;
  }

  get(seq: number): SimEvent | undefined {
    if (seq < 0 || seq >= this.len) return undefined;
    const e: SimEvent = {
      seq,
      time: this.time[seq]!,
      kind: this.kind[seq]!,
      unit: this.unit[seq]!,
      cause: this.cause[seq]! < 0 ? null : this.cause[seq]!,
    };
    const cpu = this.cpu[seq]!;
    if (cpu >= 0) e.cpu = cpu;
    const its = this.its[seq]!;
    if (its >= 0) e.its = its;
    const intid = this.intid[seq]!;
    if (intid >= 0) e.intid = intid;
    const devid = this.devid[seq]!;
    if (devid >= 0) e.devid = devid;
    const eventid = this.eventid[seq]!;
    if (eventid >= 0) e.eventid = eventid;
    const data = this.data[seq];
    if (data !== undefined) e.data = data;
    return e;
  }

  /** Records [from, to) as plain objects. */
  slice(from = 0, to = this.len): SimEvent[] {
    const out: SimEvent[] = [];
    for (let i = Math.max(0, from); i < Math.min(to, this.len); i++) out.push(this.get(i)!);
    return out;
  }

  /** Number of records of `kind` in [from, to). */
  count(kind: string, from = 0, to = this.len): number {
    let n = 0;
    for (let i = Math.max(0, from); i < Math.min(to, this.len); i++) if (this.kind[i] === kind) n++;
    return n;
  }
}
