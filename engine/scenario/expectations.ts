/**
 * Checking expectations against the machine, in the terms the kvm-unit-tests use: deliveries
 * (acknowledges that returned a real INTID) per CPU with exact counts, "nothing delivered",
 * register and memory values read without side effects, table entries as the ITS sees them,
 * pending LPIs, and counts of events of a kind. Each check returns a sentence that says what was
 * found when it fails.
 *
 * The same checks run on the host and inside a VM (`expect vm0 ...`): each reads the machine
 * through a View, which says how to peek a register, the CPU interface, memory, the ITS tables,
 * pending LPIs and the step's deliveries. The host's view is the machine's own; a guest's view
 * (engine/kvm/guest-inspect.ts) reads the VM's registers through KVM's emulation, its virtual
 * CPU interface (ICV_*), guest RAM, its virtual ITSs' tables and its vgic, and counts the guest's
 * acknowledges per vCPU.
 */

import { SPURIOUS } from '../gic/gic-config';
import { iccPeek } from '../gic/icc-registers';
import { lpiIsPending } from '../gic/lpi';
import { memReadU8, memVisible, type MemoryState } from '../mem/memory';
import { viewCte, viewDte, viewIte, type CteView, type DteView, type IteView } from '../its/table-view';
import { guestCte, guestDte, guestIccPeek, guestIte, guestLpiPending, guestPeek } from '../kvm/guest-inspect';
import { peek } from '../platform/bus';
import type { Machine } from '../platform/machine';
import type { SimEvent } from '../sim/event-log';
import type { AccessWidth, Expectation, MmioTarget, ValueCheck, ViewExpectation } from './actions';
import { guestFrames, noVcpu, noVits, resolveTarget, vmOf, type Resolved } from './targets';

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

/**
 * What the checks read, and how they name it: the host's machine, or VM `vm`'s guest. Every
 * read is side-effect free. A view is built for one machine (the current one, or the copy of the
 * machine as the step began, for `unchanged`).
 */
export interface View {
  /** '' on the host, 'vm0 ' for a guest: put before what a message names. */
  prefix: string;
  /** How a CPU is named: 'cpu' on the host, 'vcpu' in a guest. */
  cpu: 'cpu' | 'vcpu';
  /** 'INTID' on the host, 'virtual INTID' in a guest. */
  intid: string;
  /** Why CPU `c` (what = 'cpu') or redistributor `c` (what = 'rd') does not exist, or undefined. */
  noCpu(c: number, what: 'cpu' | 'rd'): string | undefined;
  /** Why ITS `i` does not exist, or undefined. */
  noIts(i: number): string | undefined;
  /** An MMIO target in this view's address space. */
  resolve(t: MmioTarget, width?: AccessWidth): Resolved;
  /** A register or RAM read at an address of this view's address space. */
  peek(addr: number, width: AccessWidth): bigint | undefined;
  /** An ICC_ register of CPU `cpu` (ICV_ in a guest). */
  icc(cpu: number, reg: string): bigint | undefined;
  /** The memory `mem` expectations read: the host's RAM, or the guest's. */
  mem: MemoryState;
  dte(its: number, devid: number): DteView | undefined;
  ite(its: number, devid: number, eventid: number): IteView | undefined;
  cte(its: number, icid: number): CteView | undefined;
  lpiPending(rd: number, intid: number): boolean;
  /** Acknowledges with a real INTID since seq `from`, with the CPU that took each. */
  deliveries(from: number): { cpu: number; intid: number }[];
}

/** The host's view: the machine's own CPUs, redistributors, ITSs and RAM. */
export function hostView(m: Machine): View {
  const cpus = m.s.gic.cfg.affinity.length;
  return {
    prefix: '',
    cpu: 'cpu',
    intid: 'INTID',
    noCpu: (c, what) => (c < cpus ? undefined : `there is no ${what}${c} (the machine has ${cpus} PEs)`),
    noIts: (i) => (m.s.its[i] ? undefined : `there is no ITS ${i} (the machine has ${m.s.its.length})`),
    resolve: (t, width) => resolveTarget(m, t, width),
    peek: (addr, width) => peek(m, addr, width),
    icc: (cpu, reg) => iccPeek(m, cpu, reg),
    mem: m.s.mem,
    dte: (its, devid) => viewDte(m, m.s.its[its]!, devid),
    ite: (its, devid, eventid) => viewIte(m, m.s.its[its]!, devid, eventid),
    cte: (its, icid) => viewCte(m, m.s.its[its]!, icid),
    lpiPending: (rd, intid) => lpiIsPending(m, rd, intid),
    deliveries: (from) => deliveriesIn(m, from),
  };
}

/**
 * VM `vm`'s guest view: vCPUs and their redistributors, the VM's virtual ITSs, registers by
 * guest address through KVM's emulation, guest RAM, and the guest's acknowledges. Register
 * names resolve as a guest line on vCPU 0 would name them, except that a GICR_* name without a
 * unit means rd0, as on the host (an expectation has no issuing vCPU). A string when there is no
 * such VM.
 */
export function guestView(m: Machine, vm: number): View | string {
  const st = vmOf(m, vm);
  if (typeof st === 'string') return st;
  return {
    prefix: `vm${vm} `,
    cpu: 'vcpu',
    intid: 'virtual INTID',
    noCpu: (c, what) => {
      if (what === 'cpu') return noVcpu(st, c);
      const base = guestFrames(st, 0).unitBase({ type: 'rd', n: c });
      return typeof base === 'string' ? base : undefined;
    },
    noIts: (i) => (st.its[i] ? undefined : noVits(st, i)),
    resolve: (t, width) => resolveTarget(guestFrames(st, 0), t, width),
    peek: (addr, width) => guestPeek(m, vm, 0, addr, width),
    icc: (cpu, reg) => guestIccPeek(m, vm, cpu, reg),
    mem: st.mem,
    dte: (its, devid) => guestDte(m, vm, its, devid),
    ite: (its, devid, eventid) => guestIte(m, vm, its, devid, eventid),
    cte: (its, icid) => guestCte(m, vm, its, icid),
    lpiPending: (rd, intid) => guestLpiPending(m, vm, rd, intid),
    deliveries: (from) =>
      guestDeliveriesIn(m, from)
        .filter((d) => d.vm === vm)
        .map((d) => ({ cpu: d.vcpu, intid: d.intid })),
  };
}

function checkValue(
  what: string,
  read: (v: View) => bigint | undefined,
  v: View,
  c: ValueCheck,
  before?: View,
): CheckResult {
  const actual = read(v);
  if (actual === undefined) return { ok: false, message: `${what} cannot be read` };
  const masked = (x: bigint): bigint => (c.mask !== undefined ? x & c.mask : x);
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
  if (x.kind === 'guest') return needsBefore(x.expect);
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

/** Why a view expectation names something its view lacks (a CPU, redistributor, ITS, register). */
function viewTargetError(v: View, x: ViewExpectation): string | undefined {
  switch (x.kind) {
    case 'deliveries':
      return x.exact.map((d) => v.noCpu(d.cpu, 'cpu')).find((e) => e !== undefined);
    case 'delivered':
    case 'icc':
      return v.noCpu(x.cpu, 'cpu');
    case 'reg': {
      const r = v.resolve(x.target, x.width);
      return r.ok ? undefined : r.error;
    }
    case 'dte':
    case 'ite':
    case 'cte':
      return v.noIts(x.its);
    case 'lpi-pending':
      return v.noCpu(x.rd, 'rd');
    case 'mem':
    case 'mem-bytes':
      return undefined;
  }
}

/**
 * Why an expectation cannot be checked on this machine at all: it names a CPU, redistributor,
 * ITS, register, VM or vCPU the machine lacks. The sandbox console refuses such a line before
 * recording it; checkExpectation fails it with the same reason.
 */
export function expectationTargetError(m: Machine, x: Expectation): string | undefined {
  switch (x.kind) {
    case 'events':
      return undefined;
    case 'guest': {
      const v = guestView(m, x.vm);
      return typeof v === 'string' ? v : viewTargetError(v, x.expect);
    }
    default:
      return viewTargetError(hostView(m), x);
  }
}

/** One check on a view; `before` is the same view of the machine as the step began. */
function checkOnView(v: View, x: ViewExpectation, stepStart: number, before?: View): CheckResult {
  const cpu = (c: number): string => `${v.prefix}${v.cpu}${c}`;
  switch (x.kind) {
    case 'deliveries': {
      const got = new Map<string, number>();
      for (const d of v.deliveries(stepStart))
        got.set(`${d.cpu}:${d.intid}`, (got.get(`${d.cpu}:${d.intid}`) ?? 0) + 1);
      const problems: string[] = [];
      for (const w of x.exact) {
        const n = got.get(`${w.cpu}:${w.intid}`) ?? 0;
        if (n < w.count)
          problems.push(`${v.cpu}${w.cpu} INTID ${w.intid}: ${n === 0 ? 'missing' : `${n} of ${w.count}`}`);
        if (n > w.count)
          problems.push(`${v.cpu}${w.cpu} INTID ${w.intid}: ${n} deliveries, expected ${w.count} (extra)`);
        got.delete(`${w.cpu}:${w.intid}`);
      }
      for (const [k, n] of got)
        problems.push(
          `${v.cpu}${k.split(':')[0]} INTID ${k.split(':')[1]}: ${n} unexpected deliver${n === 1 ? 'y' : 'ies'}`,
        );
      const expected = x.exact.length
        ? x.exact.map((w) => `${v.cpu}${w.cpu}:${w.intid}${w.count > 1 ? 'x' + w.count : ''}`).join(' ')
        : 'none';
      return problems.length
        ? { ok: false, message: `${v.prefix}deliveries: ${problems.join('; ')}` }
        : { ok: true, message: `${v.prefix}deliveries are exactly ${expected}` };
    }
    case 'delivered': {
      const n = v.deliveries(stepStart).filter((d) => d.cpu === x.cpu && d.intid === x.intid).length;
      const took = `${cpu(x.cpu)} took ${v.intid} ${x.intid} ${n} time(s)`;
      return n === x.count
        ? { ok: true, message: took }
        : { ok: false, message: `${took}, expected ${x.count}` };
    }
    case 'reg': {
      const r = v.resolve(x.target, x.width);
      if (!r.ok) return { ok: false, message: r.error };
      return checkValue(`${v.prefix}${r.name}`, (w) => w.peek(r.addr, r.width), v, x.check, before);
    }
    case 'icc':
      return checkValue(`${cpu(x.cpu)} ${x.reg}`, (w) => w.icc(x.cpu, x.reg), v, x.check, before);
    case 'mem': {
      const n = x.width / 8;
      if (!memVisible(v.mem, x.addr, n))
        return { ok: false, message: `${v.prefix}0x${x.addr.toString(16)} is not RAM` };
      const read = (w: View): bigint => {
        let val = 0n;
        for (let i = n - 1; i >= 0; i--) val = (val << 8n) | BigInt(memReadU8(w.mem, x.addr + i));
        return val;
      };
      return checkValue(`${v.prefix}mem${x.width} 0x${x.addr.toString(16)}`, read, v, x.check, before);
    }
    case 'mem-bytes': {
      const at = `${v.prefix}0x${x.addr.toString(16)}`;
      if (!memVisible(v.mem, x.addr, x.bytes.length)) return { ok: false, message: `${at} is not RAM` };
      const got = x.bytes.map((_, i) => memReadU8(v.mem, x.addr + i));
      const ok = got.every((b, i) => b === x.bytes[i]);
      const fmt = (a: number[]): string => a.map((b) => b.toString(16).padStart(2, '0')).join(' ');
      return ok
        ? { ok, message: `bytes at ${at}: ${fmt(got)}` }
        : { ok, message: `bytes at ${at} are ${fmt(got)}, expected ${fmt(x.bytes)}` };
    }
    case 'dte': {
      const d = v.dte(x.its, x.devid);
      return fieldsMatch(
        `${v.prefix}DTE of DeviceID ${x.devid}`,
        d ? { ...d } : undefined,
        x.fields,
        x.absent,
      );
    }
    case 'ite': {
      const e = v.ite(x.its, x.devid, x.eventid);
      return fieldsMatch(
        `${v.prefix}ITE of DeviceID ${x.devid} EventID ${x.eventid}`,
        e ? { ...e } : undefined,
        x.fields,
        x.absent,
      );
    }
    case 'cte': {
      const c = v.cte(x.its, x.icid);
      return fieldsMatch(
        `${v.prefix}CTE of collection ${x.icid}`,
        c ? { ...c } : undefined,
        x.fields,
        x.absent,
      );
    }
    case 'lpi-pending': {
      const p = v.lpiPending(x.rd, x.intid);
      const is = `LPI ${x.intid} is ${p ? '' : 'not '}pending at ${v.prefix}rd${x.rd}`;
      return p === x.pending
        ? { ok: true, message: is }
        : { ok: false, message: `${is}, expected ${x.pending ? 'pending' : 'not pending'}` };
    }
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
    case 'guest': {
      const v = guestView(m, x.vm) as View;
      const b = before ? guestView(before, x.vm) : undefined;
      return checkOnView(v, x.expect, stepStart, typeof b === 'string' ? undefined : b);
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
    default:
      return checkOnView(hostView(m), x, stepStart, before ? hostView(before) : undefined);
  }
}
