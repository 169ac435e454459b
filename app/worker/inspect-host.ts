/**
 * Answers the inspectors' requests: one engine inspection view of the machine as it is now (the
 * host has seeked it to the position shown), plus, for a register, the accesses the history made
 * to it. Requests come from the page, so every field is checked here before it reaches the engine:
 * a bad request gets an InspectError naming what is wrong, never an exception.
 */

import {
  cache,
  collections,
  devices,
  guestMemoryMap,
  guestReadMemory,
  inspectCpu,
  inspectDistributor,
  inspectIts,
  inspectRedistributor,
  inspectV4,
  itt,
  memoryMap,
  queueSlots,
  readMemory,
  readRegister,
  registerList,
  vmContext,
  type InspectError,
  type Machine,
  type VmState,
} from '../../engine';
import type { InspectRequest, InspectResult, RegisterAccess } from './api';
import { lanesView } from './kvm-lanes';
import { residencyView } from './v4-lanes';
import { pathsView } from './v4-paths';
import { hasV4 } from './v4-stage';
import { inspectVcpu } from './vcpu-inspect';

/** Most accesses a register's history carries (the newest are kept). */
export const MAX_HISTORY = 200;

const bad = (error: string): InspectError => ({ ok: false, error });

const isInt = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

/** VM `vm` of a request, checked: `none` says what a machine without VMs lacks. */
function vmOf(m: Machine, vm: unknown, none: string): { index: number; st: VmState } | InspectError {
  const vms = m.s.kvm?.vms ?? [];
  if (!isInt(vm)) return bad(`${JSON.stringify(vm) ?? typeof vm} is not a VM index`);
  if (!vms.length) return bad(`this machine runs no VMs: ${none}`);
  const st = vms[vm];
  return st ? { index: vm, st } : bad(`there is no VM ${vm} (the machine runs ${vms.length})`);
}

/**
 * What ITS `its` of a request lives on: the host machine, or (with `vm`) the VM's context, on which
 * the engine's ITS views read the VM's virtual ITS and guest memory (engine/kvm/vm-context.ts).
 * `vmContext` throws for a VM that is not there, so the index is checked first.
 */
function itsOwner(
  m: Machine,
  vm: unknown,
  its: number,
): Machine | ReturnType<typeof vmContext> | InspectError {
  if (vm === undefined) return m;
  const r = vmOf(m, vm, 'it has no virtual ITS');
  if ('ok' in r) return r;
  const v = r.st;
  if (its >= v.its.length)
    return bad(
      v.its.length
        ? `${v.cfg.name} has no virtual ITS ${its} (it has ${v.its.length})`
        : `${v.cfg.name} has no virtual ITS (KVM emulates none for it)`,
    );
  return vmContext(m, r.index);
}

/** The view `request` asks for, of machine `m` as it stands. */
export function inspectMachine(m: Machine, request: InspectRequest): InspectResult {
  const r = request as Partial<Record<string, unknown>> & { view?: unknown };
  switch (request.view) {
    case 'its':
    case 'queue':
    case 'devices':
    case 'itt':
    case 'collections':
    case 'cache': {
      if (!isInt(r.its)) return bad(`'${request.view}' needs an ITS index`);
      const its = r.its;
      const on = itsOwner(m, r.vm, its);
      if ('ok' in on) return on;
      switch (request.view) {
        case 'its':
          return inspectIts(on, its);
        case 'queue':
          return queueSlots(on, its, request.from, request.count);
        case 'devices':
          return devices(on, its);
        case 'itt':
          if (!isInt(request.devid)) return bad(`'itt' needs a DeviceID`);
          return itt(on, its, request.devid);
        case 'collections':
          return collections(on, its);
        case 'cache':
          return cache(on, its);
      }
      break;
    }
    case 'cpu':
      return inspectCpu(m, request.cpu);
    case 'redistributor':
      return inspectRedistributor(m, request.cpu);
    case 'distributor':
      return inspectDistributor(m);
    case 'registers':
      return registerList(m, request.unit);
    case 'register': {
      const reading = readRegister(m, request.unit, request.name);
      if (!reading.ok) return reading;
      return { ...reading, ...registerHistory(m, reading.unit, reading.name) };
    }
    case 'memoryMap':
    case 'memory': {
      // With `vm`: that VM's guest physical address space (engine/kvm/guest-inspect.ts).
      if (r.vm === undefined)
        return request.view === 'memoryMap' ? memoryMap(m) : readMemory(m, request.addr, request.len);
      const v = vmOf(m, r.vm, 'it has no guest memory');
      if ('ok' in v) return v;
      return request.view === 'memoryMap'
        ? guestMemoryMap(m, v.index)
        : guestReadMemory(m, v.index, request.addr, request.len);
    }
    case 'vcpu':
      return inspectVcpu(m, r.vm, r.vcpu);
    case 'lanes': {
      for (const k of ['from', 'to', 'buckets'] as const)
        if (r[k] !== undefined && !(typeof r[k] === 'number' && Number.isFinite(r[k])))
          return bad(`'lanes': ${k} must be a number`);
      if (!m.s.kvm?.vms.length) return bad('this machine runs no VMs: its CPUs run the host only');
      return lanesView(m, request);
    }
    case 'v4': {
      const v = vmOf(m, r.vm, 'no vCPU has a vPE');
      if ('ok' in v) return v;
      return inspectV4(m, v.index);
    }
    case 'residency': {
      for (const k of ['from', 'to', 'buckets'] as const)
        if (r[k] !== undefined && !(typeof r[k] === 'number' && Number.isFinite(r[k])))
          return bad(`'residency': ${k} must be a number`);
      if (!hasV4(m)) return bad('no VM of this machine uses GICv4: no vPE is ever resident');
      return residencyView(m, request);
    }
    case 'paths':
      if (!hasV4(m)) return bad('no VM of this machine uses GICv4: its MSIs have one way to a guest');
      return pathsView(m, m.seq);
  }
  return bad(`no inspector view named '${String(r.view)}'`);
}

/** Where each register was accessed in a history: seqs of its MMIO events, in order. */
interface AccessIndex {
  /** Events examined so far: [0, upTo). */
  upTo: number;
  seqs: number[];
}

/**
 * One index per log and register, extended as the history grows (the console appends at its end;
 * the host never branches a history) and rebuilt if the log got shorter: playing with the Registers tab open asks for a register's history every
 * frame, and scanning the whole log each time would cost O(history) per frame.
 */
const indexes = new WeakMap<Machine['log'], Map<string, AccessIndex>>();

function accessIndex(m: Machine, logUnit: string, name: string): AccessIndex {
  const log = m.log;
  let byReg = indexes.get(log);
  if (!byReg) indexes.set(log, (byReg = new Map<string, AccessIndex>()));
  const key = `${logUnit}\n${name}`;
  let ix = byReg.get(key);
  if (!ix || ix.upTo > log.length) byReg.set(key, (ix = { upTo: 0, seqs: [] }));
  for (let seq = ix.upTo; seq < log.length; seq++) {
    // The kind is a column read; only MMIO events are built into objects.
    const k = log.kindAt(seq);
    if (k !== 'mmio.write' && k !== 'mmio.read') continue;
    const e = log.get(seq);
    if (e?.unit === logUnit && (e.data as { reg?: unknown } | undefined)?.reg === name) ix.seqs.push(seq);
  }
  ix.upTo = log.length;
  return ix;
}

/**
 * The MMIO accesses to register `name` of `unit` among the events before the machine's position.
 * Partial-width accesses (`GITS_CBASER+4`) are recorded under the register's name too, so they are
 * part of its history.
 */
function registerHistory(
  m: Machine,
  unit: string,
  name: string,
): { history: RegisterAccess[]; truncated: boolean } {
  // The event log names redistributor frames 'gicr<n>'; the register views say 'rd<n>'.
  const { seqs } = accessIndex(m, unit.replace(/^rd/, 'gicr'), name);
  // Accesses before the position: seqs is sorted, so find where the position falls.
  let lo = 0;
  let hi = seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (seqs[mid]! < m.seq) lo = mid + 1;
    else hi = mid;
  }
  const from = Math.max(0, lo - MAX_HISTORY);
  const history = seqs.slice(from, lo).map((seq): RegisterAccess => {
    const e = m.log.get(seq)!;
    const d = (e.data ?? {}) as { value?: unknown; by?: unknown };
    return {
      seq,
      access: e.kind === 'mmio.write' ? 'write' : 'read',
      value: typeof d.value === 'string' ? d.value : '',
      by: typeof d.by === 'string' ? d.by : '',
    };
  });
  return { history, truncated: from > 0 };
}
