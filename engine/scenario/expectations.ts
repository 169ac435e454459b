/**
 * Checking expectations against the machine, in the terms the kvm-unit-tests use: deliveries
 * (acknowledges that returned a real INTID) per CPU with exact counts, "nothing delivered",
 * register and memory values read without side effects, table entries as the ITS sees them,
 * pending LPIs, and counts of events of a kind. Each check returns a sentence that says what was
 * found when it fails.
 */

import { SPURIOUS } from '../gic/gic-config';
import { iccPeek } from '../gic/icc-registers';
import { lpiIsPending } from '../gic/lpi';
import { memReadU8, memVisible } from '../mem/memory';
import { viewCte, viewDte, viewIte } from '../its/table-view';
import { peek } from '../platform/bus';
import type { Machine } from '../platform/machine';
import type { SimEvent } from '../sim/event-log';
import type { Expectation, ValueCheck } from './actions';
import { noVcpu, resolveTarget, vmOf } from './targets';

export interface CheckResult {
  ok: boolean;
  message: string;
}

export interface Delivery {
  cpu: number;
  intid: number;
  seq: number;
}

/** Acknowledges with a real INTID in [from, to). */
export function deliveriesIn(m: Machine, from: number, to = m.seq): Delivery[] {
  const out: Delivery[] = [];
  for (let s = from; s < to; s++) {
    if (m.log.kindAt(s) !== 'icc.ack') continue;
    const e = m.log.get(s)!;
    const intid = (e.data as { intid: number }).intid;
    if (intid !== SPURIOUS) out.push({ cpu: e.cpu!, intid, seq: s });
  }
  return out;
}

/** A virtual interrupt the guest acknowledged (ICV_IAR1_EL1 returned a real INTID). */
export interface GuestDelivery {
  vm: number;
  vcpu: number;
  intid: number;
  seq: number;
}

/**
 * The guest's acknowledges in [from, to): the 'icv.ack' events, data {vm, vcpu, intid}, with the
 * INTID among the event's identifiers. A spurious read (1023) is not a delivery.
 */
export function guestDeliveriesIn(m: Machine, from: number, to = m.seq): GuestDelivery[] {
  const out: GuestDelivery[] = [];
  for (let s = from; s < to; s++) {
    if (m.log.kindAt(s) !== 'icv.ack') continue;
    const e = m.log.get(s)!;
    const d = e.data as { vm?: number; vcpu?: number } | undefined;
    const intid = e.intid;
    if (d?.vm === undefined || d.vcpu === undefined || intid === undefined || intid < 0 || intid === SPURIOUS)
      continue;
    out.push({ vm: d.vm, vcpu: d.vcpu, intid, seq: s });
  }
  return out;
}

const hex = (v: bigint): string => '0x' + v.toString(16);

function checkValue(
  what: string,
  read: (m: Machine) => bigint | undefined,
  m: Machine,
  c: ValueCheck,
  before?: Machine,
): CheckResult {
  const actual = read(m);
  if (actual === undefined) return { ok: false, message: `${what} cannot be read` };
  const masked = (v: bigint): bigint => (c.mask !== undefined ? v & c.mask : v);
  const got = masked(actual);
  const shown = c.mask !== undefined ? `${hex(actual)} & ${hex(c.mask)} = ${hex(got)}` : hex(actual);
  let want: bigint;
  if ('unchanged' in c) {
    const was = before ? read(before) : undefined;
    if (was === undefined)
      return { ok: false, message: `${what}: its value at the start of the step is not known` };
    want = masked(was);
    return got === want
      ? { ok: true, message: `${what} is unchanged: ${shown}` }
      : { ok: false, message: `${what} changed: ${shown}, it was ${hex(want)}` };
  }
  want = c.equals;
  return got === want
    ? { ok: true, message: `${what} is ${shown}` }
    : { ok: false, message: `${what} is ${shown}, expected ${hex(want)}` };
}

/** Whether an expectation compares with the state at the start of its step. */
export function needsBefore(x: Expectation): boolean {
  return (x.kind === 'reg' || x.kind === 'icc' || x.kind === 'mem') && 'unchanged' in x.check;
}

function fieldsMatch(
  what: string,
  actual: Record<string, number | boolean> | undefined,
  want: Record<string, bigint>,
  absent?: boolean,
): CheckResult {
  if (absent)
    return actual
      ? { ok: false, message: `${what} exists: ${JSON.stringify(actual)}` }
      : { ok: true, message: `${what} is absent` };
  if (!actual) return { ok: false, message: `${what} is absent` };
  const wrong: string[] = [];
  for (const [k, v] of Object.entries(want)) {
    const a = actual[k];
    const n = typeof a === 'boolean' ? (a ? 1n : 0n) : BigInt(a ?? -1);
    if (n !== v)
      wrong.push(
        `${k} is ${typeof a === 'number' && k === 'itt' ? '0x' + a.toString(16) : String(a)}, expected ${k === 'itt' ? hex(v) : v.toString()}`,
      );
  }
  return wrong.length
    ? { ok: false, message: `${what}: ${wrong.join('; ')}` }
    : { ok: true, message: `${what}: ${JSON.stringify(actual)}` };
}

/** Whether an event matches `key=value` filters on its identifiers or data fields. */
export function eventMatches(e: SimEvent, filters: Record<string, string>): boolean {
  for (const [k, want] of Object.entries(filters)) {
    const ids = e as unknown as Record<string, unknown>;
    const data = (e.data ?? {}) as Record<string, unknown>;
    let v: unknown = k in ids && k !== 'data' ? ids[k] : data[k];
    if (v && typeof v === 'object' && 'name' in v) v = (v as { name?: unknown }).name;
    if (v === undefined) return false;
    if (typeof v === 'number' || typeof v === 'bigint') {
      let w: bigint;
      try {
        w = BigInt(want.replaceAll('_', ''));
      } catch {
        return false;
      }
      if (BigInt(v) !== w) return false;
    } else if ((typeof v === 'string' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)) !== want)
      return false;
  }
  return true;
}

/**
 * Why an expectation cannot be checked on this machine at all: it names a CPU, redistributor,
 * ITS or register the machine lacks. The sandbox console refuses such a line before recording it;
 * checkExpectation fails it with the same reason.
 */
export function expectationTargetError(m: Machine, x: Expectation): string | undefined {
  const cpus = m.s.gic.cfg.affinity.length;
  const noCpu = (c: number, what = 'cpu'): string | undefined =>
    c < cpus ? undefined : `there is no ${what}${c} (the machine has ${cpus} PEs)`;
  const noIts = (i: number): string | undefined =>
    m.s.its[i] ? undefined : `there is no ITS ${i} (the machine has ${m.s.its.length})`;
  switch (x.kind) {
    case 'deliveries':
      return x.exact.map((d) => noCpu(d.cpu)).find((e) => e !== undefined);
    case 'delivered':
    case 'icc':
      return noCpu(x.cpu);
    case 'guest-delivered': {
      const vm = vmOf(m, x.vm);
      return typeof vm === 'string' ? vm : noVcpu(vm, x.vcpu);
    }
    case 'reg': {
      const r = resolveTarget(m, x.target, x.width);
      return r.ok ? undefined : r.error;
    }
    case 'dte':
    case 'ite':
    case 'cte':
      return noIts(x.its);
    case 'lpi-pending':
      return noCpu(x.rd, 'rd');
    case 'mem':
    case 'mem-bytes':
    case 'events':
      return undefined;
  }
}

export function checkExpectation(
  m: Machine,
  x: Expectation,
  stepStart: number,
  before?: Machine,
): CheckResult {
  const bad = expectationTargetError(m, x);
  if (bad) return { ok: false, message: bad };
  switch (x.kind) {
    case 'deliveries': {
      const got = new Map<string, number>();
      for (const d of deliveriesIn(m, stepStart))
        got.set(`${d.cpu}:${d.intid}`, (got.get(`${d.cpu}:${d.intid}`) ?? 0) + 1);
      const problems: string[] = [];
      for (const w of x.exact) {
        const n = got.get(`${w.cpu}:${w.intid}`) ?? 0;
        if (n < w.count)
          problems.push(`cpu${w.cpu} INTID ${w.intid}: ${n === 0 ? 'missing' : `${n} of ${w.count}`}`);
        if (n > w.count)
          problems.push(`cpu${w.cpu} INTID ${w.intid}: ${n} deliveries, expected ${w.count} (extra)`);
        got.delete(`${w.cpu}:${w.intid}`);
      }
      for (const [k, n] of got)
        problems.push(
          `cpu${k.split(':')[0]} INTID ${k.split(':')[1]}: ${n} unexpected deliver${n === 1 ? 'y' : 'ies'}`,
        );
      const expected = x.exact.length
        ? x.exact.map((w) => `cpu${w.cpu}:${w.intid}${w.count > 1 ? 'x' + w.count : ''}`).join(' ')
        : 'none';
      return problems.length
        ? { ok: false, message: `deliveries: ${problems.join('; ')}` }
        : { ok: true, message: `deliveries are exactly ${expected}` };
    }
    case 'delivered': {
      const n = deliveriesIn(m, stepStart).filter((d) => d.cpu === x.cpu && d.intid === x.intid).length;
      return n === x.count
        ? { ok: true, message: `cpu${x.cpu} took INTID ${x.intid} ${n} time(s)` }
        : { ok: false, message: `cpu${x.cpu} took INTID ${x.intid} ${n} time(s), expected ${x.count}` };
    }
    case 'guest-delivered': {
      const n = guestDeliveriesIn(m, stepStart).filter(
        (d) => d.vm === x.vm && d.vcpu === x.vcpu && d.intid === x.intid,
      ).length;
      const who = `vm${x.vm} vcpu${x.vcpu}`;
      return n === x.count
        ? { ok: true, message: `${who} took virtual INTID ${x.intid} ${n} time(s)` }
        : { ok: false, message: `${who} took virtual INTID ${x.intid} ${n} time(s), expected ${x.count}` };
    }
    case 'reg': {
      const r = resolveTarget(m, x.target, x.width);
      if (!r.ok) return { ok: false, message: r.error };
      return checkValue(r.name, (mm) => peek(mm, r.addr, r.width), m, x.check, before);
    }
    case 'icc':
      return checkValue(`cpu${x.cpu} ${x.reg}`, (mm) => iccPeek(mm, x.cpu, x.reg), m, x.check, before);
    case 'mem': {
      const n = x.width / 8;
      if (!memVisible(m.s.mem, x.addr, n))
        return { ok: false, message: `0x${x.addr.toString(16)} is not RAM` };
      const read = (mm: Machine): bigint => {
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(memReadU8(mm.s.mem, x.addr + i));
        return v;
      };
      return checkValue(`mem${x.width} 0x${x.addr.toString(16)}`, read, m, x.check, before);
    }
    case 'mem-bytes': {
      if (!memVisible(m.s.mem, x.addr, x.bytes.length))
        return { ok: false, message: `0x${x.addr.toString(16)} is not RAM` };
      const got = x.bytes.map((_, i) => memReadU8(m.s.mem, x.addr + i));
      const ok = got.every((b, i) => b === x.bytes[i]);
      const fmt = (a: number[]): string => a.map((b) => b.toString(16).padStart(2, '0')).join(' ');
      return ok
        ? { ok, message: `bytes at 0x${x.addr.toString(16)}: ${fmt(got)}` }
        : { ok, message: `bytes at 0x${x.addr.toString(16)} are ${fmt(got)}, expected ${fmt(x.bytes)}` };
    }
    case 'dte': {
      const its = m.s.its[x.its]!;
      const v = viewDte(m, its, x.devid);
      return fieldsMatch(`DTE of DeviceID ${x.devid}`, v ? { ...v } : undefined, x.fields, x.absent);
    }
    case 'ite': {
      const its = m.s.its[x.its]!;
      const v = viewIte(m, its, x.devid, x.eventid);
      return fieldsMatch(
        `ITE of DeviceID ${x.devid} EventID ${x.eventid}`,
        v ? { ...v } : undefined,
        x.fields,
        x.absent,
      );
    }
    case 'cte': {
      const its = m.s.its[x.its]!;
      const v = viewCte(m, its, x.icid);
      return fieldsMatch(`CTE of collection ${x.icid}`, v ? { ...v } : undefined, x.fields, x.absent);
    }
    case 'lpi-pending': {
      const p = lpiIsPending(m, x.rd, x.intid);
      return p === x.pending
        ? { ok: true, message: `LPI ${x.intid} is ${p ? '' : 'not '}pending at rd${x.rd}` }
        : {
            ok: false,
            message: `LPI ${x.intid} is ${p ? '' : 'not '}pending at rd${x.rd}, expected ${x.pending ? 'pending' : 'not pending'}`,
          };
    }
    case 'events': {
      const from = x.total ? 0 : stepStart;
      let n = 0;
      for (let s = from; s < m.seq; s++) {
        if (m.log.kindAt(s) !== x.eventKind) continue;
        if (Object.keys(x.filters).length === 0 || eventMatches(m.log.get(s)!, x.filters)) n++;
      }
      const ok = x.op === '==' ? n === x.count : x.op === '>=' ? n >= x.count : n <= x.count;
      const what = `${n} '${x.eventKind}' event(s)${
        Object.keys(x.filters).length
          ? ' matching ' +
            Object.entries(x.filters)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')
          : ''
      }${x.total ? ' in all' : ' in this step'}`;
      return ok ? { ok, message: what } : { ok, message: `${what}, expected ${x.op} ${x.count}` };
    }
  }
}
