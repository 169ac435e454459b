/**
 * The mapping commands: MAPD (device -> ITT), MAPC (collection -> redistributor), MAPTI and MAPI
 * (event -> LPI and collection).
 *
 * KVM ('kvm-lists') keeps devices, events and collections as kernel objects: MAPD of a live
 * device frees all its events, MAPTI on a mapped event changes nothing, MAPTI may create a
 * collection in the "not mapped" state, and guest memory is only touched by MAPD V=0 (which zeroes
 * the DTE). QEMU and the spec profile write the entries into the tables in memory; QEMU checks
 * less and never looks at old entries (MAPD leaves the old ITT alone, MAPTI overwrites).
 */

import { FIRST_LPI, LPI_ID_BITS } from '../gic/gic-config';
import { memVisible, memWriteU32 } from '../mem/memory';
import { cacheOnChange } from './translation-cache';
import {
  failWith,
  lookupFailure,
  num,
  OK,
  type CommandContext,
  type CommandOutcome,
} from './command-context';
import { BASER_TYPE_COLLECTION, BASER_TYPE_DEVICE } from './its-state';
import { lookupDevice, resolveTarget } from './lookup';
import { entryAddress } from './tables';
import { entryBytes, writeCte, writeDte, writeIte } from './table-formats';
import type { ItsErrorName } from './errors';

/**
 * Writes a DTE or CTE at `id`'s slot (memory-backed profiles). 'not written': QEMU found no
 * level-2 page and let the command succeed without writing (the effect says so already).
 */
function writeEntry(
  c: CommandContext,
  type: number,
  id: number,
  errorName: ItsErrorName,
  write: (addr: number) => void,
  fields: Record<string, number | boolean>,
): CommandOutcome | 'not written' {
  const { m, its } = c;
  const at = entryAddress(m, its, type, id, c.touches);
  const table = type === BASER_TYPE_DEVICE ? 'device' : 'collection';
  if (!at.ok) {
    if (at.problem === 'fault') return lookupFailure('fault', at.reason, undefined);
    // QEMU: with no level-2 page the write is silently dropped and the command succeeds.
    if (at.problem === 'l1-invalid' && m.profile === 'qemu') {
      c.effects.push(`entry not written: ${at.reason}`);
      return 'not written';
    }
    return failWith(errorName, at.reason);
  }
  write(at.addr);
  c.touches.push({ table, op: 'write', addr: at.addr, id, size: 8, fields });
  return OK;
}

export function mapd(c: CommandContext): CommandOutcome {
  const { m, its } = c;
  const devid = num(c, 'DeviceID');
  const size = num(c, 'Size');
  const itt = num(c, 'ITT_addr');
  const valid = num(c, 'V') === 1;
  if (m.itsRules.state === 'kvm-lists') {
    const at = entryAddress(m, its, BASER_TYPE_DEVICE, devid, c.touches);
    if (!at.ok) return failWith('E_ITS_MAPD_DEVICE_OOR', at.reason);
    if (valid && size + 1 > LPI_ID_BITS)
      return failWith(
        'E_ITS_MAPD_ITTSIZE_OOR',
        `Size ${size} asks for ${size + 1} EventID bits; KVM supports 16`,
      );
    const old = its.devices.get(devid);
    if (old) {
      for (const ite of old.ites.values()) m.kvmLpis.release(m, ite.intid);
      its.devices.delete(devid);
      const n = cacheOnChange(m, its, true, (d) => d === devid);
      c.effects.push(
        `DeviceID ${devid} was mapped: its ${old.ites.size} event(s) freed, translation cache flushed (${n})`,
      );
    }
    if (!valid) {
      memWriteU32(m.s.mem, at.addr, 0);
      memWriteU32(m.s.mem, at.addr + 4, 0);
      c.touches.push({
        table: 'device',
        op: 'write',
        addr: at.addr,
        id: devid,
        size: 8,
        fields: { Valid: false },
      });
      c.effects.push(`DeviceID ${devid} unmapped; its DTE zeroed in guest memory`);
      return OK;
    }
    its.devices.set(devid, { eventIdBits: size + 1, itt, ites: new Map() });
    c.effects.push(
      `DeviceID ${devid} mapped to an ITT at 0x${itt.toString(16)} with ${size + 1} EventID bits`,
    );
    return OK;
  }
  // Memory-backed: QEMU refuses Size beyond GITS_TYPER.ID_bits; the spec profile checks the same.
  if (valid && size + 1 > its.cfg.eventIdBits)
    return failWith(
      'E_ITS_MAPD_ITTSIZE_OOR',
      `Size ${size} asks for ${size + 1} EventID bits; GITS_TYPER.ID_bits allows ${its.cfg.eventIdBits}`,
    );
  const out = writeEntry(
    c,
    BASER_TYPE_DEVICE,
    devid,
    'E_ITS_MAPD_DEVICE_OOR',
    (addr) => writeDte(m.s.mem, addr, m.itsRules.tableFormat, { valid, size, itt }),
    { Valid: valid, Size: valid ? size : 0, ITT_addr: valid ? itt : 0 },
  );
  if (out === 'not written') return OK;
  if (!out.ok) return out;
  cacheOnChange(m, its, false, (d) => d === devid);
  c.effects.push(
    valid
      ? `DTE of DeviceID ${devid} written: ITT at 0x${itt.toString(16)}, ${size + 1} EventID bits`
      : `DTE of DeviceID ${devid} invalidated (the ITT in memory is untouched)`,
  );
  return OK;
}

export function mapc(c: CommandContext): CommandOutcome {
  const { m, its } = c;
  const icid = num(c, 'ICID');
  const valid = num(c, 'V') === 1;
  const rdbase = num(c, 'RDbase');
  if (m.itsRules.state === 'kvm-lists') {
    if (!valid) {
      // vgic_its_free_collection: events lose their collection (they keep their LPI and its target).
      for (const dev of its.devices.values())
        for (const ite of dev.ites.values()) if (ite.icid === icid) ite.icid = -1;
      const had = its.collections.delete(icid);
      const n = cacheOnChange(m, its, true, (_d, _e, e) => e.icid === icid);
      c.effects.push(
        had
          ? `collection ${icid} freed; its events now have no collection; cache flushed (${n})`
          : `collection ${icid} was not mapped: nothing to do`,
      );
      return OK;
    }
    const vcpu = rdbase % 2 ** 32; // KVM reads DW2[47:16]
    if (vcpu >= m.kvmLpis.pes(m)) return failWith('E_ITS_MAPC_PROCNUM_OOR', `no vCPU ${vcpu}`);
    if (!its.collections.has(icid)) {
      const at = entryAddress(m, its, BASER_TYPE_COLLECTION, icid, c.touches);
      if (!at.ok) return failWith('E_ITS_MAPC_COLLECTION_OOR', at.reason);
      its.collections.set(icid, vcpu);
      c.effects.push(`collection ${icid} -> PE ${vcpu}`);
      return OK;
    }
    its.collections.set(icid, vcpu);
    let moved = 0;
    for (const dev of its.devices.values())
      for (const ite of dev.ites.values())
        if (ite.icid === icid) {
          m.kvmLpis.retarget(m, ite.intid, vcpu);
          moved++;
        }
    c.effects.push(`collection ${icid} retargeted to PE ${vcpu}; ${moved} LPI(s) follow`);
    return OK;
  }
  // QEMU masks RDbase to 16 bits and compares it with the number of CPUs.
  const rd = m.profile === 'qemu' ? rdbase & 0xffff : rdbase;
  if (valid && resolveTarget(m, its, rd) < 0)
    return failWith('E_ITS_MAPC_PROCNUM_OOR', `RDbase 0x${rd.toString(16)} names no redistributor`);
  const out = writeEntry(
    c,
    BASER_TYPE_COLLECTION,
    icid,
    'E_ITS_MAPC_COLLECTION_OOR',
    (addr) => writeCte(m.s.mem, addr, m.itsRules.tableFormat, { valid, rdbase: valid ? rd : 0, icid }),
    { Valid: valid, RDbase: valid ? rd : 0 },
  );
  if (out === 'not written') return OK;
  if (!out.ok) return out;
  cacheOnChange(m, its, false, (_d, _e, e) => e.icid === icid);
  c.effects.push(
    valid
      ? `CTE of collection ${icid} written: RDbase 0x${rd.toString(16)} (PE ${resolveTarget(m, its, rd)})`
      : `CTE of collection ${icid} invalidated`,
  );
  return OK;
}

/** MAPTI, and MAPI (pINTID = EventID). */
export function mapti(c: CommandContext): CommandOutcome {
  const { m, its } = c;
  const devid = num(c, 'DeviceID');
  const eventid = num(c, 'EventID');
  const icid = num(c, 'ICID');
  const intid = c.cmd.name === 'MAPI' ? eventid : num(c, 'pINTID');
  if (m.itsRules.state === 'kvm-lists') {
    const dev = its.devices.get(devid);
    if (!dev) return failWith('E_ITS_MAPTI_UNMAPPED_DEVICE', `DeviceID ${devid} is not mapped`);
    const iteAddr = dev.itt + eventid * 8;
    if (eventid >= 2 ** dev.eventIdBits)
      return failWith(
        'E_ITS_MAPTI_ID_OOR',
        `EventID ${eventid} is beyond the device's ${dev.eventIdBits}-bit EventID space`,
      );
    if (!memVisible(m.s.mem, iteAddr, 8))
      return failWith('E_ITS_MAPTI_ID_OOR', `the ITE at 0x${iteAddr.toString(16)} is not in guest memory`);
    const limit = m.kvmLpis.limit(m);
    if (intid < FIRST_LPI || intid >= limit)
      return failWith(
        'E_ITS_MAPTI_PHYSICALID_OOR',
        `pINTID ${intid} is outside [8192, ${limit}) (GICR_PROPBASER.IDbits)`,
      );
    if (dev.ites.has(eventid)) {
      c.effects.push(`EventID ${eventid} of DeviceID ${devid} is already mapped: KVM changes nothing`);
      return OK;
    }
    if (!its.collections.has(icid)) {
      const at = entryAddress(m, its, BASER_TYPE_COLLECTION, icid, c.touches);
      if (!at.ok) return failWith('E_ITS_MAPC_COLLECTION_OOR', at.reason);
      its.collections.set(icid, -1);
      c.effects.push(`collection ${icid} created, not mapped yet`);
    }
    const target = its.collections.get(icid)!;
    dev.ites.set(eventid, { intid, icid });
    const lpi = m.kvmLpis.add(m, intid, target);
    c.effects.push(
      `EventID ${eventid} of DeviceID ${devid} -> LPI ${intid}, collection ${icid}` +
        (lpi.created
          ? `; LPI ${intid} created with configuration from the property table`
          : `; LPI ${intid} already existed (shared)`) +
        (lpi.pendingFromTable
          ? `; its pending bit was set in PE ${target}'s pending table: now pending, bit cleared`
          : ''),
    );
    return OK;
  }
  const d = lookupDevice(m, its, devid, c.touches);
  // QEMU range-checks the ICID against the collection table before it looks at the DTE.
  if (m.profile === 'qemu' && (d.ok || d.problem === 'device-unmapped')) {
    const at = entryAddress(m, its, BASER_TYPE_COLLECTION, icid, []);
    if (!at.ok && at.problem !== 'l1-invalid' && at.problem !== 'fault')
      return failWith('E_ITS_MAPC_COLLECTION_OOR', at.reason);
  }
  if (!d.ok)
    return lookupFailure(
      d.problem,
      d.reason,
      d.problem === 'device-oor' ? 'E_ITS_MAPD_DEVICE_OOR' : 'E_ITS_MAPTI_UNMAPPED_DEVICE',
    );
  if (eventid >= 2 ** (d.value.size + 1))
    return failWith(
      'E_ITS_MAPTI_ID_OOR',
      `EventID ${eventid} is beyond DeviceID ${devid}'s ${d.value.size + 1}-bit EventID space`,
    );
  const max = m.profile === 'qemu' ? 65536 : 2 ** LPI_ID_BITS;
  if (intid < FIRST_LPI || intid >= max)
    return failWith('E_ITS_MAPTI_PHYSICALID_OOR', `pINTID ${intid} is outside [8192, ${max})`);
  if (m.profile === 'spec') {
    const at = entryAddress(m, its, BASER_TYPE_COLLECTION, icid, []);
    if (!at.ok && at.problem !== 'l1-invalid') return failWith('E_ITS_MAPC_COLLECTION_OOR', at.reason);
  }
  const format = m.itsRules.tableFormat;
  const size = entryBytes(format, 'ite');
  const addr = d.value.itt + eventid * size;
  if (!memVisible(m.s.mem, addr, size))
    return lookupFailure('fault', `the ITE at 0x${addr.toString(16)} is not in RAM`, undefined);
  writeIte(m.s.mem, addr, format, { valid: true, physical: true, intid, icid, vpeid: 0, doorbell: 1023 });
  c.touches.push({
    table: 'itt',
    op: 'write',
    addr,
    id: eventid,
    size: size,
    fields: { Valid: true, pINTID: intid, ICID: icid },
  });
  cacheOnChange(m, its, false, (dv, ev) => dv === devid && ev === eventid);
  c.effects.push(`ITE written: EventID ${eventid} of DeviceID ${devid} -> LPI ${intid}, collection ${icid}`);
  return OK;
}
