/**
 * KVM's ITS table save and restore (KVM_DEV_ARM_ITS_SAVE_TABLES / _RESTORE_TABLES), ABI
 * revision 0, which is how a VM's virtual ITS survives migration: the kernel lists are written into
 * the guest's own tables, and rebuilt from them on the other side.
 *
 * Save: for each device in DeviceID order, its ITEs in EventID order (each with the offset to the
 * next event), then its DTE (with the offset to the next device) at the DeviceID's slot of the
 * (possibly two-level) device table; then the collections, packed one after another in list
 * order, followed by a zero entry when there is room.
 * Restore: the collections first, up to the first invalid entry; then the device table, following
 * the "next" offsets (an invalid entry moves on by one); then each device's ITT. Every check
 * failure frees what was restored so far, as KVM does.
 */

import { FIRST_LPI } from '../gic/gic-config';
import { memReadU32, memVisible } from '../mem/memory';
import type { ItsMachine } from './its-machine';
import { BASER_TYPE_COLLECTION, BASER_TYPE_DEVICE, type ItsState } from './its-state';
import { baserGeometry, entryAddress, findTable } from './tables';
import { INVALID_ITE, readCte, readDte, readIte, writeCte, writeDte, writeIte } from './table-formats';

export interface SaveReport {
  devices: number;
  events: number;
  collections: number;
  error?: string;
}

const NOT_MAPPED = 0xffffffff;

export function saveItsTables(m: ItsMachine, its: ItsState): SaveReport {
  const mem = m.s.mem;
  const report: SaveReport = { devices: 0, events: 0, collections: 0 };
  const devids = [...its.devices.keys()].sort((a, b) => a - b);
  for (let k = 0; k < devids.length; k++) {
    const devid = devids[k]!;
    const dev = its.devices.get(devid)!;
    // An event whose collection was unmapped (MAPC V=0) has nothing to save; its slot is zeroed so
    // that an earlier save's entry is not read back.
    for (const [e, ite] of dev.ites) {
      const addr = dev.itt + e * 8;
      if (ite.icid < 0 && memVisible(mem, addr, 8)) writeIte(mem, addr, 'abi-rev0', INVALID_ITE);
    }
    const eventids = [...dev.ites.keys()].filter((e) => dev.ites.get(e)!.icid >= 0).sort((a, b) => a - b);
    for (let j = 0; j < eventids.length; j++) {
      const e = eventids[j]!;
      const ite = dev.ites.get(e)!;
      const next = j + 1 < eventids.length ? Math.min(eventids[j + 1]! - e, 0xffff) : 0;
      const addr = dev.itt + e * 8;
      if (!memVisible(mem, addr, 8))
        return {
          ...report,
          error: `ITE of DeviceID ${devid} EventID ${e} at 0x${addr.toString(16)} is not in guest memory`,
        };
      writeIte(mem, addr, 'abi-rev0', {
        valid: true,
        physical: true,
        intid: ite.intid,
        icid: ite.icid,
        vpeid: 0,
        doorbell: 1023,
        next,
      });
      report.events++;
    }
    const at = entryAddress(m, its, BASER_TYPE_DEVICE, devid, []);
    if (!at.ok) return { ...report, error: `DeviceID ${devid}: ${at.reason}` };
    const next = k + 1 < devids.length ? Math.min(devids[k + 1]! - devid, 2 ** 14 - 1) : 0;
    writeDte(mem, at.addr, 'abi-rev0', { valid: true, size: dev.eventIdBits - 1, itt: dev.itt, next });
    report.devices++;
  }
  const ct = findTable(its, BASER_TYPE_COLLECTION);
  if (!ct) return { ...report, error: 'no collection table' };
  const slots = Math.floor((ct.pages * ct.pageSize) / 8);
  let k = 0;
  for (const [icid, target] of its.collections) {
    if (k >= slots) return { ...report, error: 'the collection table is too small' };
    const addr = ct.base + k * 8;
    if (!memVisible(mem, addr, 8))
      return { ...report, error: `collection table entry at 0x${addr.toString(16)} is not in guest memory` };
    writeCte(mem, addr, 'abi-rev0', { valid: true, rdbase: target < 0 ? NOT_MAPPED : target, icid });
    k++;
  }
  if (k < slots && memVisible(mem, ct.base + k * 8, 8))
    writeCte(mem, ct.base + k * 8, 'abi-rev0', { valid: false, rdbase: 0 });
  report.collections = k;
  return report;
}

export interface RestoreReport extends SaveReport {
  pendingFromTables: number;
}

function freeAll(m: ItsMachine, its: ItsState): void {
  for (const dev of its.devices.values())
    for (const ite of dev.ites.values()) m.kvmLpis.release(m, ite.intid);
  its.devices.clear();
  its.collections.clear();
  its.cache.clear();
}

export function restoreItsTables(m: ItsMachine, its: ItsState): RestoreReport {
  const mem = m.s.mem;
  const report: RestoreReport = { devices: 0, events: 0, collections: 0, pendingFromTables: 0 };
  const nCpu = m.kvmLpis.pes(m);
  const fail = (error: string): RestoreReport => {
    freeAll(m, its);
    return { devices: 0, events: 0, collections: 0, pendingFromTables: 0, error };
  };
  its.devices.clear();
  its.collections.clear();
  its.cache.clear();
  const ct = findTable(its, BASER_TYPE_COLLECTION);
  if (ct && ct.valid) {
    const slots = Math.floor((ct.pages * ct.pageSize) / 8);
    for (let k = 0; k < slots; k++) {
      const addr = ct.base + k * 8;
      if (!memVisible(mem, addr, 8)) break;
      const cte = readCte(mem, addr, 'abi-rev0');
      if (!cte.valid) break;
      const icid = cte.icid!;
      if (its.collections.has(icid)) return fail(`collection ${icid} appears twice (-EEXIST)`);
      const target = cte.rdbase % 2 ** 32 === NOT_MAPPED ? -1 : cte.rdbase;
      if (target >= nCpu) return fail(`collection ${icid} targets vCPU ${target}, which does not exist`);
      its.collections.set(icid, target);
      report.collections++;
    }
  }
  const dt = findTable(its, BASER_TYPE_DEVICE);
  if (!dt || !dt.valid) return report;
  const restoreDevice = (devid: number, addr: number): string | undefined => {
    const dte = readDte(mem, addr, 'abi-rev0');
    const bits = dte.size + 1;
    const dev = { eventIdBits: bits, itt: dte.itt, ites: new Map<number, { intid: number; icid: number }>() };
    its.devices.set(devid, dev);
    report.devices++;
    let e = 0;
    while (e < 2 ** bits) {
      const ia = dte.itt + e * 8;
      if (!memVisible(mem, ia, 8)) return `ITE ${e} of DeviceID ${devid} is not in guest memory`;
      const ite = readIte(mem, ia, 'abi-rev0');
      if (!ite.valid) {
        e++;
        continue;
      }
      if (ite.intid < FIRST_LPI) return `DeviceID ${devid} EventID ${e}: pINTID ${ite.intid} is not an LPI`;
      if (e + (ite.next ?? 0) >= 2 ** bits)
        return `DeviceID ${devid} EventID ${e}: next offset runs past the EventID space`;
      const target = its.collections.get(ite.icid);
      if (target === undefined)
        return `DeviceID ${devid} EventID ${e}: collection ${ite.icid} does not exist`;
      dev.ites.set(e, { intid: ite.intid, icid: ite.icid });
      const added = m.kvmLpis.add(m, ite.intid, target);
      if (added.pendingFromTable) report.pendingFromTables++;
      report.events++;
      if (!ite.next) break;
      e += ite.next;
    }
    return dte.next ? undefined : 'last';
  };
  const walk = (first: number, count: number, addrOf: (id: number) => number): string | undefined => {
    let id = first;
    while (id < first + count) {
      const addr = addrOf(id);
      if (!memVisible(mem, addr, 8)) return undefined;
      const dte = readDte(mem, addr, 'abi-rev0');
      if (!dte.valid) {
        id++;
        continue;
      }
      const r = restoreDevice(id, addr);
      if (r === 'last') return 'last';
      if (r) return r;
      id += dte.next!;
    }
    return undefined;
  };
  const g = baserGeometry(its.baser[dt.n]!, dt.n);
  if (!g.indirect) {
    const r = walk(0, Math.min(Math.floor((g.pages * g.pageSize) / 8), 0x10000), (id) => g.base + id * 8);
    if (r && r !== 'last') return fail(r);
    return report;
  }
  const perPage = 0x10000 / 8;
  for (let l1 = 0; l1 < Math.floor((g.pages * g.pageSize) / 8); l1++) {
    const la = g.base + l1 * 8;
    if (!memVisible(mem, la, 8)) break;
    const hi = memReadU32(mem, la + 4);
    if (hi >>> 31 === 0) continue;
    const l2 = (hi & 0xfffff) * 2 ** 32 + memReadU32(mem, la);
    const page = l2 - (l2 % 0x10000);
    const r = walk(l1 * perPage, perPage, (id) => page + (id % perPage) * 8);
    if (r === 'last') break;
    if (r) return fail(r);
  }
  return report;
}
