/**
 * The event commands: INT (make the LPI pending), CLEAR (clear it), DISCARD (unmap the event) and
 * INV (reload the LPI's configuration). Each resolves DeviceID/EventID to an LPI and, except where
 * a profile skips it, to a collection and so to a redistributor.
 *
 * Where they differ: KVM's CLEAR and INV do not need a mapped collection; KVM's DISCARD does not
 * clear the pending state and zeroes the ITE in guest memory; QEMU's INT, CLEAR and DISCARD report
 * success whatever the collection lookup found (only DTE/ITE memory faults stall), and its INV
 * rescans the target's whole pending table.
 *
 * GICv4: on an event whose ITE is virtual (VMAPTI), the second lookup is the vPE's VTE instead of
 * a collection, and the request goes to the redistributor the VTE names: INT and CLEAR set and
 * clear the vLPI in the vPE's virtual pending table, DISCARD clears it and invalidates the ITE, INV
 * asks that redistributor to reload the vLPI's configuration (it matters only where the vPE is
 * resident). QEMU (process_its_cmd_virt) rejects these when the VTE is invalid or the vINTID does
 * not fit the VPT, unlike its collection quirk for physical events.
 */

import type { DirectInvTask } from '../gic/redistributor';
import type { VinvRequest } from '../gic/vlpi';
import { memVisible, memWriteU32 } from '../mem/memory';
import { schedule } from '../sim/kernel';
import {
  lookupFailure,
  num,
  OK,
  requestLpi,
  requestVlpi,
  type CommandContext,
  type CommandOutcome,
} from './command-context';
import type { ItsErrorName } from './errors';
import {
  lookupCollection,
  lookupDevice,
  lookupEvent,
  lookupVirtualTarget,
  translate,
  type EventInfo,
  type VirtualIte,
  type VpeInfo,
} from './lookup';
import { cacheFill, cacheOnChange } from './translation-cache';
import { entryBytes, INVALID_ITE, writeIte } from './table-formats';

const UNMAPPED: Record<string, ItsErrorName> = {
  INT: 'E_ITS_INT_UNMAPPED_INTERRUPT',
  CLEAR: 'E_ITS_CLEAR_UNMAPPED_INTERRUPT',
  DISCARD: 'E_ITS_DISCARD_UNMAPPED_INTERRUPT',
  INV: 'E_ITS_INV_UNMAPPED_INTERRUPT',
};

/** Device and event only (KVM's CLEAR and INV do not look at the collection). */
function findEvent(
  c: CommandContext,
  devid: number,
  eventid: number,
): { ok: true; ite: EventInfo } | { ok: false; out: CommandOutcome } {
  const d = lookupDevice(c.m, c.its, devid, c.touches);
  if (!d.ok) return { ok: false, out: lookupFailure(d.problem, d.reason, UNMAPPED[c.cmd.name]) };
  const e = lookupEvent(c.m, c.its, devid, d.value, eventid, c.touches);
  if (!e.ok) return { ok: false, out: lookupFailure(e.problem, e.reason, UNMAPPED[c.cmd.name]) };
  return { ok: true, ite: e.value };
}

/** A virtual ITE's vPE, from its VTE, with the vINTID checked against the vPE's VPT. */
function findVpe(
  c: CommandContext,
  v: VirtualIte,
): { ok: true; vpe: VpeInfo } | { ok: false; out: CommandOutcome } {
  const p = lookupVirtualTarget(c.m, c.its, v, c.touches);
  // No architected E_ITS_* name covers a virtual event's vPE in Linux's list: the reason says it.
  if (!p.ok)
    return {
      ok: false,
      out: lookupFailure(p.problem, `${c.cmd.name} on a virtual event: ${p.reason}`, undefined),
    };
  return { ok: true, vpe: p.value };
}

const vlpiName = (v: VirtualIte): string => `vLPI ${v.vintid} of vPE ${v.vpeid}`;

/** INT / CLEAR on a virtual event: the vLPI is set or cleared in its vPE's VPT. */
function virtualSet(
  c: CommandContext,
  v: VirtualIte,
  set: boolean,
  devid: number,
  eventid: number,
): CommandOutcome {
  const f = findVpe(c, v);
  if (!f.ok) return f.out;
  requestVlpi(c, f.vpe, v, set, devid, eventid);
  c.effects.push(
    set
      ? `${vlpiName(v)} set pending: redistributor ${f.vpe.cpu} records it in the VPT at 0x${f.vpe.vpt.toString(16)}`
      : `pending state of ${vlpiName(v)} cleared in the VPT at 0x${f.vpe.vpt.toString(16)} (redistributor ${f.vpe.cpu})`,
  );
  return OK;
}

/**
 * QEMU: once the ITE is found, a collection problem (even a memory fault) no longer fails the
 * command (process_its_cmd returns CMD_CONTINUE_OK); the effect just does not happen.
 */
function qemuCollectionQuirk(c: CommandContext, reason: string): CommandOutcome {
  c.effects.push(`nothing done: ${reason} (QEMU still reports the command as completed)`);
  return OK;
}

export function int(c: CommandContext): CommandOutcome {
  const { m, its } = c;
  const devid = num(c, 'DeviceID');
  const eventid = num(c, 'EventID');
  const f = findEvent(c, devid, eventid);
  if (!f.ok) return f.out;
  if (f.ite.virtual) return virtualSet(c, f.ite.virtual, true, devid, eventid);
  if (m.profile === 'qemu') {
    const t = lookupCollection(m, its, f.ite.icid, c.touches);
    if (!t.ok) return qemuCollectionQuirk(c, t.reason);
    requestLpi(c, t.value.cpu, f.ite.intid, true, devid, eventid);
    c.effects.push(`LPI ${f.ite.intid} set pending at redistributor ${t.value.cpu}`);
    return OK;
  }
  const t = lookupCollection(m, its, f.ite.icid, c.touches);
  if (!t.ok) return lookupFailure(t.problem, t.reason, 'E_ITS_INT_UNMAPPED_INTERRUPT');
  const ite = f.ite;
  const target = t.value;
  if (m.itsRules.lpisDisabledAtTarget === 'its-refuses' && !m.kvmLpis.enabled(m, target.cpu))
    return {
      ok: false,
      error: { reason: `LPIs are disabled on PE ${target.cpu} (GICR_CTLR.EnableLPIs = 0): -EBUSY` },
    };
  cacheFill(m, its, devid, eventid, { intid: ite.intid, cpu: target.cpu, icid: ite.icid });
  requestLpi(c, target.cpu, ite.intid, true, devid, eventid);
  c.effects.push(`LPI ${ite.intid} set pending at redistributor ${target.cpu}`);
  return OK;
}

export function clear(c: CommandContext): CommandOutcome {
  const { m, its } = c;
  const devid = num(c, 'DeviceID');
  const eventid = num(c, 'EventID');
  const f = findEvent(c, devid, eventid);
  if (!f.ok) return f.out;
  if (f.ite.virtual) return virtualSet(c, f.ite.virtual, false, devid, eventid);
  if (m.itsRules.state === 'kvm-lists') {
    // KVM clears the LPI's latch wherever it is targeted; the collection is not consulted.
    const cpu = Math.max(0, m.kvmLpis.target(m, f.ite.intid));
    requestLpi(c, cpu, f.ite.intid, false, devid, eventid);
    c.effects.push(`pending state of LPI ${f.ite.intid} cleared`);
    return OK;
  }
  const t = lookupCollection(m, its, f.ite.icid, c.touches);
  if (!t.ok) {
    if (m.profile === 'qemu') return qemuCollectionQuirk(c, t.reason);
    return lookupFailure(t.problem, t.reason, 'E_ITS_CLEAR_UNMAPPED_INTERRUPT');
  }
  requestLpi(c, t.value.cpu, f.ite.intid, false, devid, eventid);
  c.effects.push(`pending state of LPI ${f.ite.intid} cleared at redistributor ${t.value.cpu}`);
  return OK;
}

export function discard(c: CommandContext): CommandOutcome {
  const { m, its } = c;
  const devid = num(c, 'DeviceID');
  const eventid = num(c, 'EventID');
  if (m.itsRules.state === 'kvm-lists') {
    const w = translate(m, its, devid, eventid, c.touches);
    // KVM discards only an event whose collection is mapped; otherwise the ITE stays.
    if (!w.ok) return lookupFailure(w.problem, w.reason, 'E_ITS_DISCARD_UNMAPPED_INTERRUPT');
    const n = cacheOnChange(m, its, true, () => true);
    const dev = its.devices.get(devid)!;
    dev.ites.delete(eventid);
    m.kvmLpis.release(m, w.value.ite.intid);
    const addr = dev.itt + eventid * 8;
    if (memVisible(m.s.mem, addr, 8)) {
      memWriteU32(m.s.mem, addr, 0);
      memWriteU32(m.s.mem, addr + 4, 0);
      c.touches.push({
        table: 'itt',
        op: 'write',
        addr,
        id: eventid,
        size: 8,
        fields: { Valid: false },
      });
    }
    c.effects.push(
      `event freed, ITE zeroed in guest memory, cache flushed (${n}); the pending state is not cleared`,
    );
    return OK;
  }
  const f = findEvent(c, devid, eventid);
  if (!f.ok) return f.out;
  if (f.ite.virtual) return virtualDiscard(c, f.ite, f.ite.virtual, devid, eventid);
  const t = lookupCollection(m, its, f.ite.icid, c.touches);
  if (!t.ok) {
    if (m.profile === 'qemu') return qemuCollectionQuirk(c, `${t.reason}; the ITE is kept`);
    return lookupFailure(t.problem, t.reason, 'E_ITS_DISCARD_UNMAPPED_INTERRUPT');
  }
  if (m.itsRules.discardClearsPending) requestLpi(c, t.value.cpu, f.ite.intid, false, devid, eventid);
  const format = m.itsRules.tableFormat;
  const size = entryBytes(format, 'ite');
  writeIte(m.s.mem, f.ite.addr!, format, INVALID_ITE);
  c.touches.push({
    table: 'itt',
    op: 'write',
    addr: f.ite.addr!,
    id: eventid,
    size: size,
    fields: { Valid: false },
  });
  cacheOnChange(m, its, false, (dv, ev) => dv === devid && ev === eventid);
  c.effects.push(
    `ITE invalidated` +
      (m.itsRules.discardClearsPending
        ? `; pending state of LPI ${f.ite.intid} cleared at redistributor ${t.value.cpu}`
        : ''),
  );
  return OK;
}

/** Writes an invalid ITE where `ite` was, and keeps the translation cache coherent. */
function invalidateIte(c: CommandContext, ite: EventInfo, devid: number, eventid: number): void {
  const { m, its } = c;
  const format = m.itsRules.tableFormat;
  writeIte(m.s.mem, ite.addr!, format, INVALID_ITE);
  c.touches.push({
    table: 'itt',
    op: 'write',
    addr: ite.addr!,
    id: eventid,
    size: entryBytes(format, 'ite'),
    fields: { Valid: false },
  });
  cacheOnChange(m, its, false, (dv, ev) => dv === devid && ev === eventid);
}

/** DISCARD of a virtual event: its vLPI's pending state is cleared, then the ITE is invalidated. */
function virtualDiscard(
  c: CommandContext,
  ite: EventInfo,
  v: VirtualIte,
  devid: number,
  eventid: number,
): CommandOutcome {
  const f = findVpe(c, v);
  if (!f.ok) return f.out;
  const clears = c.m.itsRules.discardClearsPending;
  if (clears) requestVlpi(c, f.vpe, v, false, devid, eventid);
  invalidateIte(c, ite, devid, eventid);
  c.effects.push(
    `ITE invalidated` +
      (clears ? `; pending state of ${vlpiName(v)} cleared in its VPT (redistributor ${f.vpe.cpu})` : ''),
  );
  return OK;
}

export function inv(c: CommandContext): CommandOutcome {
  const { m, its } = c;
  const devid = num(c, 'DeviceID');
  const eventid = num(c, 'EventID');
  const f = findEvent(c, devid, eventid);
  if (!f.ok) return f.out;
  const v = f.ite.virtual;
  if (v) {
    const p = findVpe(c, v);
    if (!p.ok) return p.out;
    const { cpu, vpt } = p.vpe;
    schedule<VinvRequest>(m, m.gicTiming.lpi, 'gicr.vinv', {
      cpu,
      vpeid: v.vpeid,
      vpt,
      vintid: v.vintid,
      via: 'INV',
    });
    c.effects.push(`redistributor ${cpu} told to reload the configuration of ${vlpiName(v)}`);
    return OK;
  }
  let cpu: number;
  if (m.itsRules.state === 'kvm-lists') {
    // update_lpi_config: the LPI object re-reads its byte; no collection needed.
    cpu = Math.max(0, m.kvmLpis.target(m, f.ite.intid));
  } else {
    const t = lookupCollection(m, its, f.ite.icid, c.touches);
    if (!t.ok) return lookupFailure(t.problem, t.reason, 'E_ITS_INV_UNMAPPED_INTERRUPT');
    cpu = t.value.cpu;
  }
  schedule<DirectInvTask>(m, m.gicTiming.lpi, 'gicr.inv', { cpu, intid: f.ite.intid, via: 'INV' });
  c.effects.push(`redistributor ${cpu} told to reload the configuration of LPI ${f.ite.intid}`);
  return OK;
}
