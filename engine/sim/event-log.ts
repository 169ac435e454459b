/**
 * The event log: every architectural action the model takes, in order, one record per step.
 *
 * Recording must be cheap enough to leave on in benchmarks (ARCHITECTURE.md §7), so the log is
 * columnar: numbers live in typed arrays, kinds and units as small ids, and the `data` of the hot
 * kinds as packed numbers (event-payload.ts); large data (an ITS command's) is kept as JSON text,
 * and only the remaining kinds keep their `data` object. Kept as objects, a long history's data is
 * what the garbage collector traces over and over (docs/design.md). `get(seq)` materialises a
 * plain record for the UI, the explain layer and tests.
 *
 * The log is not part of the snapshot: it is the history itself. After `seek` back, stepping
 * forward rewrites the same records (the model is deterministic); a new input at an earlier
 * seq truncates the log there (a new branch).
 */

import { findKindId, kindId, kindName, kindPayload, MAX_FIELDS, type PayloadKind } from './event-payload';
import { unitName, type Unit } from './unit-names';

export interface SimEvent<D = unknown> extends EventIds {
  seq: number;
  /** Model time in ns. */
  time: number;
  kind: string;
  /** The unit that acted: 'gicd', 'gicr2', 'cpu2', 'its0', 'pci 00:02.0', 'mem', 'machine'... */
  unit: string;
  /** seq of the event that caused this one, or null for an external input. */
  cause: number | null;
  data?: D;
}

/** Identifiers an event may carry; -1 (or undefined) means "none". */
export interface EventIds {
  /** PE / redistributor / CPU interface index involved. */
  cpu?: number;
  /** ITS index involved. */
  its?: number;
  intid?: number;
  devid?: number;
  eventid?: number;
}

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

/** One chunk of the columns: fixed-size typed arrays, so growing never copies history. */
interface Chunk {
  kind: Uint16Array;
  unit: Uint32Array;
  time: Float64Array;
  cause: Int32Array;
  cpu: Int16Array;
  its: Int8Array;
  intid: Int32Array;
  devid: Float64Array;
  eventid: Float64Array;
  /** Where the record's packed payload starts in `pay` (or NO_PAYLOAD, TEXT_PAYLOAD). */
  off: Int32Array;
  /** Packed payloads, back to back; grows by copying (it is per chunk, so the copy is bounded). */
  pay: Float64Array;
  payEnd: number;
  /** `data` of records without a packed payload, or its JSON text (created on first use). */
  data: unknown[] | undefined;
}

/** `off` values of records without a packed payload: data (if any) as given, or as JSON text. */
const NO_PAYLOAD = -1;
const TEXT_PAYLOAD = -2;

const newChunk = (): Chunk => ({
  kind: new Uint16Array(CHUNK),
  unit: new Uint32Array(CHUNK),
  time: new Float64Array(CHUNK),
  cause: new Int32Array(CHUNK),
  cpu: new Int16Array(CHUNK),
  its: new Int8Array(CHUNK),
  intid: new Int32Array(CHUNK),
  devid: new Float64Array(CHUNK),
  eventid: new Float64Array(CHUNK),
  off: new Int32Array(CHUNK),
  // Room for four fields a record, about what the MSI path averages, so a chunk rarely regrows.
  pay: new Float64Array(CHUNK * 4),
  payEnd: 0,
  data: undefined,
});

export class EventLog {
  private len: number;
  private chunks: Chunk[] = [];
  /** Strings of packed payloads, by id (per log: they may be as varied as error texts). */
  private strings: string[] = [];
  private stringIds = new Map<string, number>();
  /**
   * The last string seen in each field of each packed kind and its id: most string fields hold
   * one of a few constants ('MSI', 'ICC_IAR1_EL1'), so an identity check usually saves the lookup.
   */
  private lastString: (string | undefined)[] = [];
  private lastStringId: number[] = [];

  /** `first`: seq of the first record (a machine restored from a snapshot starts its log there). */
  constructor(readonly first = 0) {
    this.len = first;
  }

  get length(): number {
    return this.len;
  }

  /** The chunk and index for writing record `seq` (== length when recording, < length when replaying). */
  private slot(seq: number): Chunk {
    if (seq > this.len || seq < this.first)
      throw new Error(`event log: record ${seq} written outside ${this.first}..${this.len}`);
    const ci = seq >>> CHUNK_BITS;
    let c = this.chunks[ci];
    if (!c) {
      c = newChunk();
      this.chunks[ci] = c;
    }
    return c;
  }

  private ids(
    c: Chunk,
    i: number,
    time: number,
    kind: number,
    unit: Unit,
    cause: number,
    cpu: number,
    its: number,
    intid: number,
    devid: number,
    eventid: number,
  ): void {
    c.kind[i] = kind;
    c.unit[i] = unit;
    c.time[i] = time;
    c.cause[i] = cause;
    c.cpu[i] = cpu;
    c.its[i] = its;
    c.intid[i] = intid;
    c.devid[i] = devid;
    c.eventid[i] = eventid;
  }

  /**
   * Writes the record at `seq` (== length when recording, < length when replaying over history
   * that is identical by determinism). Positional arguments keep the hot path allocation-free.
   */
  put(
    seq: number,
    time: number,
    kind: string,
    unit: Unit,
    cause: number,
    cpu: number,
    its: number,
    intid: number,
    devid: number,
    eventid: number,
    data: unknown,
    asText = false,
  ): void {
    const c = this.slot(seq);
    const i = seq & MASK;
    this.ids(c, i, time, kindId(kind), unit, cause, cpu, its, intid, devid, eventid);
    if (data === undefined) {
      c.off[i] = NO_PAYLOAD;
      if (c.data) c.data[i] = undefined;
    } else {
      // A tree of objects kept for the whole history is what the collector traces again and
      // again; as JSON text it is one string with nothing inside to trace.
      c.off[i] = asText ? TEXT_PAYLOAD : NO_PAYLOAD;
      (c.data ??= new Array<unknown>(CHUNK))[i] = asText ? JSON.stringify(data) : data;
    }
    if (seq === this.len) this.len++;
  }

  /** put() for a kind with a packed payload: its field values come positionally, in order. */
  putPacked(
    seq: number,
    time: number,
    p: PayloadKind,
    unit: Unit,
    cause: number,
    cpu: number,
    its: number,
    intid: number,
    devid: number,
    eventid: number,
    a: unknown,
    b: unknown,
    c2: unknown,
    d: unknown,
    e: unknown,
    f: unknown,
    g?: unknown,
    h?: unknown,
  ): void {
    const c = this.slot(seq);
    const i = seq & MASK;
    const n = p.codes.length;
    // Rewriting a record (replay) reuses its slots; the payload is the same size by determinism.
    let o = seq < this.len && c.kind[i] === p.id && c.off[i]! >= 0 ? c.off[i]! : c.payEnd;
    if (o === c.payEnd) {
      if (o + n > c.pay.length) {
        const grown = new Float64Array(Math.max(c.pay.length * 2, o + n));
        grown.set(c.pay);
        c.pay = grown;
      }
      c.payEnd = o + n;
    }
    this.ids(c, i, time, p.id, unit, cause, cpu, its, intid, devid, eventid);
    c.off[i] = o;
    if (c.data) c.data[i] = undefined;
    const codes = p.codes;
    const pay = c.pay;
    const slot = p.id * MAX_FIELDS;
    // Numbers, the common case, are stored as they are.
    if (n > 0) pay[o++] = typeof a === 'number' ? a : this.encode(codes[0]!, a, slot);
    if (n > 1) pay[o++] = typeof b === 'number' ? b : this.encode(codes[1]!, b, slot + 1);
    if (n > 2) pay[o++] = typeof c2 === 'number' ? c2 : this.encode(codes[2]!, c2, slot + 2);
    if (n > 3) pay[o++] = typeof d === 'number' ? d : this.encode(codes[3]!, d, slot + 3);
    if (n > 4) pay[o++] = typeof e === 'number' ? e : this.encode(codes[4]!, e, slot + 4);
    if (n > 5) pay[o++] = typeof f === 'number' ? f : this.encode(codes[5]!, f, slot + 5);
    if (n > 6) pay[o++] = typeof g === 'number' ? g : this.encode(codes[6]!, g, slot + 6);
    if (n > 7) pay[o] = typeof h === 'number' ? h : this.encode(codes[7]!, h, slot + 7);
    if (seq === this.len) this.len++;
  }

  private encode(code: number, v: unknown, slot: number): number {
    if (v === undefined) {
      if (code & 4) return NaN;
      throw new Error('event log: a required packed field is undefined');
    }
    const type = code & 3;
    if (type === 0) return v as number;
    if (type === 1) return v ? 1 : 0;
    if (v === this.lastString[slot]) return this.lastStringId[slot]!;
    const s = v as string;
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    this.lastString[slot] = s;
    this.lastStringId[slot] = id;
    return id;
  }

  private decode(p: PayloadKind, pay: Float64Array, o: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const codes = p.codes;
    for (let k = 0; k < codes.length; k++) {
      const x = pay[o + k]!;
      const code = codes[k]!;
      if (code & 4 && Number.isNaN(x)) continue;
      out[p.names[k]!] = (code & 3) === 0 ? x : (code & 3) === 1 ? x === 1 : this.strings[x];
    }
    return out;
  }

  /** Drops every record from `seq` on (a new branch of history starts there). */
  truncate(seq: number): void {
    if (seq >= this.len) return;
    const old = this.len;
    this.len = Math.max(this.first, seq);
    this.chunks.length = (this.len + MASK) >>> CHUNK_BITS;
    const last = this.chunks[this.chunks.length - 1];
    const from = this.len & MASK;
    if (!last || from === 0) return;
    // Free the payload slots and drop the references to the truncated records' data.
    const end = Math.min(CHUNK, old - (this.len - from));
    for (let i = from; i < end; i++)
      if (last.off[i]! >= 0) {
        last.payEnd = last.off[i]!;
        break;
      }
    last.data?.fill(undefined, from);
  }

  kindAt(seq: number): string | undefined {
    return seq < this.len && seq >= this.first
      ? kindName(this.chunks[seq >>> CHUNK_BITS]!.kind[seq & MASK]!)
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
    const k = c.kind[i]!;
    const e: SimEvent = {
      seq,
      time: c.time[i]!,
      kind: kindName(k),
      unit: unitName(c.unit[i]! as Unit),
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
    const off = c.off[i]!;
    if (off >= 0) e.data = this.decode(kindPayload(k)!, c.pay, off);
    else {
      const data = c.data?.[i];
      if (data !== undefined) e.data = off === TEXT_PAYLOAD ? JSON.parse(data as string) : data;
    }
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
    const id = findKindId(kind);
    if (id === undefined) return 0;
    let n = 0;
    for (let i = Math.max(this.first, from); i < Math.min(to, this.len); i++)
      if (this.chunks[i >>> CHUNK_BITS]!.kind[i & MASK] === id) n++;
    return n;
  }
}
