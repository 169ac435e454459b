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
  inspectCpu,
  inspectDistributor,
  inspectIts,
  inspectRedistributor,
  itt,
  memoryMap,
  queueSlots,
  readMemory,
  readRegister,
  registerList,
  type InspectError,
  type Machine,
} from '../../engine';
import type { InspectRequest, InspectResult, RegisterAccess } from './api';

/** Most accesses a register's history carries (the newest are kept). */
export const MAX_HISTORY = 200;

const bad = (error: string): InspectError => ({ ok: false, error });

const isInt = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

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
      switch (request.view) {
        case 'its':
          return inspectIts(m, its);
        case 'queue':
          return queueSlots(m, its, request.from, request.count);
        case 'devices':
          return devices(m, its);
        case 'itt':
          if (!isInt(request.devid)) return bad(`'itt' needs a DeviceID`);
          return itt(m, its, request.devid);
        case 'collections':
          return collections(m, its);
        case 'cache':
          return cache(m, its);
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
      return memoryMap(m);
    case 'memory':
      return readMemory(m, request.addr, request.len);
  }
  return bad(`no inspector view named '${String(r.view)}'`);
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
  const out: RegisterAccess[] = [];
  let truncated = false;
  // The event log names redistributor frames 'gicr<n>'; the register views say 'rd<n>'.
  const logUnit = unit.replace(/^rd/, 'gicr');
  const log = m.log;
  for (let seq = m.seq - 1; seq >= 0; seq--) {
    const e = log.get(seq);
    if (!e || e.unit !== logUnit || (e.kind !== 'mmio.write' && e.kind !== 'mmio.read')) continue;
    const d = (e.data ?? {}) as { reg?: unknown; value?: unknown; by?: unknown };
    if (d.reg !== name) continue;
    if (out.length === MAX_HISTORY) {
      truncated = true;
      break;
    }
    out.push({
      seq,
      access: e.kind === 'mmio.write' ? 'write' : 'read',
      value: typeof d.value === 'string' ? d.value : '',
      by: typeof d.by === 'string' ? d.by : '',
    });
  }
  return { history: out.reverse(), truncated };
}
