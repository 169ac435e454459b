/**
 * The collection commands: MOVI (move one event to another collection), MOVALL (move everything
 * pending on one redistributor to another), INVALL (reload the configuration of a collection's
 * LPIs) and SYNC.
 *
 * KVM moves LPI objects (the pending latch travels with them) and, since its xarray rework,
 * MOVALL retargets every LPI of the VM; QEMU moves bits between the two pending tables and its
 * INVALL ignores the ICID and rescans every redistributor. SYNC is a no-op in both: their
 * commands take effect before the next one is read.
 */

import { lpiMove, lpiMoveAll } from '../gic/lpi';
import type { DirectInvTask } from '../gic/redistributor';
import { schedule } from '../sim/kernel';
import {
  failWith,
  lookupFailure,
  num,
  OK,
  type CommandContext,
  type CommandOutcome,
} from './command-context';
import { lookupCollection, lookupDevice, lookupEvent, resolveTarget } from './lookup';
import { cacheOnChange } from './translation-cache';
import { entryBytes, writeIte } from './table-formats';

export function movi(c: CommandContext): CommandOutcome {
  const { m, its } = c;
  const devid = num(c, 'DeviceID');
  const eventid = num(c, 'EventID');
  const icid = num(c, 'ICID');
  const d = lookupDevice(m, its, devid, c.touches);
  if (!d.ok) return lookupFailure(d.problem, d.reason, 'E_ITS_MOVI_UNMAPPED_INTERRUPT');
  const e = lookupEvent(m, its, devid, d.value, eventid, c.touches);
  if (!e.ok) return lookupFailure(e.problem, e.reason, 'E_ITS_MOVI_UNMAPPED_INTERRUPT');
  // QEMU's process_movi requires a physical ITE; a virtual event moves between vPEs with VMOVI.
  const v = e.value.virtual;
  if (v)
    return failWith(
      'E_ITS_MOVI_UNMAPPED_INTERRUPT',
      `the ITE of DeviceID ${devid} EventID ${eventid} maps vLPI ${v.vintid} of vPE ${v.vpeid}: MOVI moves physical events only (VMOVI moves virtual ones)`,
    );
  const from = lookupCollection(m, its, e.value.icid, c.touches);
  if (!from.ok)
    return lookupFailure(
      from.problem,
      `the event's current ${from.reason}`,
      'E_ITS_MOVI_UNMAPPED_COLLECTION',
    );
  const to = lookupCollection(m, its, icid, c.touches);
  if (!to.ok) return lookupFailure(to.problem, `the new ${to.reason}`, 'E_ITS_MOVI_UNMAPPED_COLLECTION');
  const intid = e.value.intid;
  if (m.itsRules.state === 'kvm-lists') {
    its.devices.get(devid)!.ites.get(eventid)!.icid = icid;
    const n = cacheOnChange(m, its, true, () => true);
    m.kvmLpis.retarget(m, intid, to.value.cpu);
    c.effects.push(
      `LPI ${intid} now targets PE ${to.value.cpu} (collection ${icid}); any pending state moved with it; cache flushed (${n})`,
    );
    return OK;
  }
  let moved = false;
  if (from.value.cpu !== to.value.cpu) moved = lpiMove(m, from.value.cpu, to.value.cpu, intid);
  const format = m.itsRules.tableFormat;
  const size = entryBytes(format, 'ite');
  writeIte(m.s.mem, e.value.addr!, format, {
    valid: true,
    physical: true,
    intid,
    icid,
    vpeid: 0,
    doorbell: 1023,
  });
  c.touches.push({
    table: 'itt',
    op: 'write',
    addr: e.value.addr!,
    id: eventid,
    size: size,
    fields: { Valid: true, pINTID: intid, ICID: icid },
  });
  cacheOnChange(m, its, false, (dv, ev) => dv === devid && ev === eventid);
  c.effects.push(
    `event moved to collection ${icid} (PE ${to.value.cpu})` +
      (from.value.cpu === to.value.cpu
        ? '; same redistributor'
        : moved
          ? `; pending LPI ${intid} moved from redistributor ${from.value.cpu}`
          : '; it was not pending'),
  );
  return OK;
}

export function movall(c: CommandContext): CommandOutcome {
  const { m, its } = c;
  const rd1 = num(c, 'RDbase1');
  const rd2 = num(c, 'RDbase2');
  if (m.itsRules.state === 'kvm-lists') {
    const n = m.kvmLpis.pes(m);
    const v1 = rd1 % 2 ** 32;
    const v2 = rd2 % 2 ** 32;
    if (v1 >= n || v2 >= n) return failWith('E_ITS_MOVALL_PROCNUM_OOR', `no vCPU ${v1 >= n ? v1 : v2}`);
    if (v1 === v2) {
      c.effects.push('same vCPU: nothing to move');
      return OK;
    }
    // Since the xarray conversion KVM retargets every LPI of the VM, not only those on RDbase1.
    const all = m.kvmLpis.intids(m);
    for (const intid of all) m.kvmLpis.retarget(m, intid, v2);
    const flushed = cacheOnChange(m, its, true, () => true);
    c.effects.push(`all ${all.length} LPI(s) of the VM retargeted to PE ${v2}; cache flushed (${flushed})`);
    return OK;
  }
  const from = resolveTarget(m, its, rd1);
  const to = resolveTarget(m, its, rd2);
  if (from < 0 || to < 0)
    return failWith(
      'E_ITS_MOVALL_PROCNUM_OOR',
      `RDbase 0x${(from < 0 ? rd1 : rd2).toString(16)} names no redistributor`,
    );
  if (from === to) {
    c.effects.push('same redistributor: nothing to move');
    return OK;
  }
  const moved = lpiMoveAll(m, from, to);
  c.effects.push(
    `${moved.length} pending LPI(s) moved from redistributor ${from} to ${to}` +
      (moved.length ? `: ${moved.slice(0, 8).join(', ')}${moved.length > 8 ? ', ...' : ''}` : ''),
  );
  return OK;
}

export function invall(c: CommandContext): CommandOutcome {
  const { m, its } = c;
  const icid = num(c, 'ICID');
  if (m.profile === 'qemu') {
    // QEMU does not read the ICID: every redistributor rescans its pending table.
    for (let cpu = 0; cpu < m.s.gic.cfg.affinity.length; cpu++)
      schedule<DirectInvTask>(m, m.gicTiming.lpi, 'gicr.inv', { cpu, intid: -1, via: 'INVALL' });
    c.effects.push('every redistributor rescans its pending table (QEMU ignores the ICID)');
    return OK;
  }
  const t = lookupCollection(m, its, icid, c.touches);
  if (!t.ok) return lookupFailure(t.problem, t.reason, 'E_ITS_INVALL_UNMAPPED_COLLECTION');
  schedule<DirectInvTask>(m, m.gicTiming.lpi, 'gicr.inv', { cpu: t.value.cpu, intid: -1, via: 'INVALL' });
  c.effects.push(
    `redistributor ${t.value.cpu} told to reload the configuration of collection ${icid}'s LPIs`,
  );
  return OK;
}

export function sync(c: CommandContext): CommandOutcome {
  c.effects.push('earlier commands have taken effect at the redistributor');
  return OK;
}
