/**
 * Finding an event's mapping, step by step: the device (DTE), the event (ITE), the collection
 * (CTE) and the target redistributor. Commands chain all the steps in one go; an MSI takes them one
 * task at a time so each lookup is its own event (translation.ts). Both use these functions.
 *
 * With the KVM profile the steps consult KVM's lists (its_device, its_ite, its_collection); with
 * the others they read the tables in memory through GITS_BASER<n>, recording every access.
 * A failed step returns a Problem; each command turns it into its own architected error.
 *
 * GICv4: an ITE may map a virtual LPI (VMAPTI/VMAPI) instead of a physical one. Its second step is
 * then the vPE table entry (VTE) of its vPE, which names the vPE's virtual pending table and the
 * redistributor the vPE is scheduled on, in place of the collection. An ITS without virtual
 * support refuses such an ITE as it always did (QEMU: "table corrupted?").
 */

import { FIRST_LPI, isGicV41, redistAddress, redistStride } from '../gic/gic-config';
import type { VlpiRequest } from '../gic/vlpi';
import { memVisible } from '../mem/memory';
import { isVirtualIts, type ItsMachine } from './its-machine';
import { BASER_TYPE_COLLECTION, BASER_TYPE_DEVICE, BASER_TYPE_VPE, type ItsState } from './its-state';
import { entryAddress, type EntryLookup, type Touch } from './tables';
import { entryBytes, readCte, readDte, readIte, readVte, type Dte } from './table-formats';

export type Problem =
  | 'device-oor'
  | 'device-unmapped'
  | 'event-oor'
  | 'ite-invalid'
  | 'ite-virtual'
  | 'collection-oor'
  | 'collection-unmapped'
  | 'target-invalid'
  | 'vpe-oor'
  | 'vpe-unmapped'
  | 'vintid-oor'
  | 'fault';

export type Step<T> = { ok: true; value: T } | { ok: false; problem: Problem; reason: string };

export const fail = <T>(problem: Problem, reason: string): Step<T> => ({ ok: false, problem, reason });

/** The PE an RDbase names: a processor number (PTA = 0) or RD_base address bits [51:16] (PTA = 1). */
export function resolveTarget(m: ItsMachine, its: ItsState, rdbase: number): number {
  // The PE count through the machine's LPI store: a VM's virtual ITS has no GIC state of its own.
  const n = m.kvmLpis.pes(m);
  if (!its.cfg.pta) return rdbase < n ? rdbase : -1;
  const addr = rdbase * 0x10000;
  const off = addr - m.s.gic.cfg.redistBase;
  const stride = redistStride(m.s.gic.cfg);
  if (off < 0 || off % stride !== 0) return -1;
  const i = off / stride;
  return i < n ? i : -1;
}

/** The RDbase value that names PE `cpu` under this ITS's PTA setting. */
export function rdbaseOf(m: ItsMachine, its: ItsState, cpu: number): number {
  if (!its.cfg.pta) return cpu;
  return redistAddress(m.s.gic.cfg, cpu) / 0x10000;
}

export interface DeviceInfo extends Dte {
  /** Where the DTE lives in memory (memory-backed profiles). */
  addr?: number;
  /** The level-1 entry read to find it (two-level device table). */
  l1?: number;
}

/** What a virtual ITE maps its event to. */
export interface VirtualIte {
  vintid: number;
  vpeid: number;
  /** GICv4.0: the doorbell pINTID for when the vPE is not resident (1023: none). */
  doorbell: number;
}

export interface EventInfo {
  /** The LPI; for a virtual ITE, its vINTID. */
  intid: number;
  /** The collection (0 in a virtual ITE). */
  icid: number;
  addr?: number;
  /** Set when the ITE maps a virtual LPI (GICv4): then there is no collection to look up. */
  virtual?: VirtualIte;
}

/** A vPE as its VTE describes it. */
export interface VpeInfo {
  vpeid: number;
  /** The virtual pending table and its vINTID bits (VPT_size + 1). */
  vpt: number;
  vptBits: number;
  /** The PE whose redistributor the vPE is mapped to, and the RDbase that names it under PTA. */
  cpu: number;
  rdbase: number;
  /** GICv4.1 (16-byte VTEs): the default doorbell (1023: none) and the vLPI configuration table. */
  doorbell: number;
  vconf: number;
  /** Where the VTE lives. */
  addr: number;
}

export interface TargetInfo {
  cpu: number;
  rdbase: number;
  /** Where the CTE lives in memory (memory-backed profiles). */
  addr?: number;
}

const problemOf = (l: EntryLookup & { ok: false }, oor: Problem): Problem =>
  l.problem === 'fault' ? 'fault' : oor;

export function lookupDevice(
  m: ItsMachine,
  its: ItsState,
  devid: number,
  touches: Touch[] | null,
): Step<DeviceInfo> {
  if (m.itsRules.state === 'kvm-lists') {
    const d = its.devices.get(devid);
    if (!d) return fail('device-unmapped', `DeviceID ${devid} is not mapped (no MAPD)`);
    return { ok: true, value: { valid: true, size: d.eventIdBits - 1, itt: d.itt } };
  }
  const at = entryAddress(m, its, BASER_TYPE_DEVICE, devid, touches);
  if (!at.ok)
    return fail(at.problem === 'l1-invalid' ? 'device-unmapped' : problemOf(at, 'device-oor'), at.reason);
  const format = m.itsRules.tableFormat;
  const dte = readDte(m.s.mem, at.addr, format);
  touches?.push({
    table: 'device',
    op: 'read',
    addr: at.addr,
    id: devid,
    size: 8,
    fields: { Valid: dte.valid, Size: dte.size, ITT_addr: dte.itt },
  });
  if (!dte.valid) return fail('device-unmapped', `the DTE of DeviceID ${devid} is not valid`);
  const info: DeviceInfo = { valid: true, size: dte.size, itt: dte.itt, addr: at.addr };
  if (at.l1 !== undefined) info.l1 = at.l1;
  return { ok: true, value: info };
}

export function lookupEvent(
  m: ItsMachine,
  its: ItsState,
  devid: number,
  dte: DeviceInfo,
  eventid: number,
  touches: Touch[] | null,
): Step<EventInfo> {
  const bits = dte.size + 1;
  if (m.itsRules.state === 'kvm-lists') {
    const e = its.devices.get(devid)?.ites.get(eventid);
    if (!e)
      return fail(
        eventid >= 2 ** bits ? 'event-oor' : 'ite-invalid',
        `EventID ${eventid} of DeviceID ${devid} is not mapped`,
      );
    return { ok: true, value: { intid: e.intid, icid: e.icid } };
  }
  if (eventid >= 2 ** bits)
    return fail('event-oor', `EventID ${eventid} is beyond DeviceID ${devid}'s ${bits}-bit EventID space`);
  const format = m.itsRules.tableFormat;
  const size = entryBytes(format, 'ite');
  const addr = dte.itt + eventid * size;
  if (!memVisible(m.s.mem, addr, size))
    return fail('fault', `the ITE at 0x${addr.toString(16)} is not in RAM`);
  const ite = readIte(m.s.mem, addr, format);
  touches?.push({
    table: 'itt',
    op: 'read',
    addr,
    id: eventid,
    size: size,
    fields:
      ite.valid && !ite.physical
        ? { Valid: true, Physical: false, vINTID: ite.intid, vPEID: ite.vpeid, Dbell_pINTID: ite.doorbell }
        : {
            Valid: ite.valid,
            pINTID: ite.intid,
            ICID: ite.icid,
            ...(format === 'qemu' ? { Physical: ite.physical } : {}),
          },
  });
  if (!ite.valid) return fail('ite-invalid', `the ITE of DeviceID ${devid} EventID ${eventid} is not valid`);
  if (!ite.physical) {
    if (!isVirtualIts(m))
      return fail(
        'ite-virtual',
        `the ITE of DeviceID ${devid} EventID ${eventid} maps a virtual LPI, and this ITS has no virtual LPI support`,
      );
    const virtual = { vintid: ite.intid, vpeid: ite.vpeid, doorbell: ite.doorbell };
    return { ok: true, value: { intid: ite.intid, icid: ite.icid, addr, virtual } };
  }
  return { ok: true, value: { intid: ite.intid, icid: ite.icid, addr } };
}

/** The VTE of `vpeid`: the vPE's VPT and the redistributor it is mapped to (VMAPP, VMOVP). */
export function lookupVpe(
  m: ItsMachine,
  its: ItsState,
  vpeid: number,
  touches: Touch[] | null,
): Step<VpeInfo> {
  const at = entryAddress(m, its, BASER_TYPE_VPE, vpeid, touches);
  if (!at.ok)
    return fail(
      at.problem === 'fault' ? 'fault' : at.problem === 'l1-invalid' ? 'vpe-unmapped' : 'vpe-oor',
      at.reason,
    );
  const bytes = at.geometry.entrySize;
  const vte = readVte(m.s.mem, at.addr, bytes);
  touches?.push({
    table: 'vpe',
    op: 'read',
    addr: at.addr,
    id: vpeid,
    size: bytes,
    fields: {
      Valid: vte.valid,
      VPT_size: vte.vptSize,
      VPT_addr: vte.vpt,
      RDbase: vte.rdbase,
      ...(vte.doorbell !== undefined ? { Default_Doorbell: vte.doorbell } : {}),
      ...(vte.vconf !== undefined ? { VCONF_addr: vte.vconf } : {}),
    },
  });
  if (!vte.valid) return fail('vpe-unmapped', `the VTE of vPE ${vpeid} is not valid (no VMAPP)`);
  // The VTE holds a processor number (table-formats.ts); QEMU's lookup_vte checks it against num_cpu.
  const n = m.s.gic.cfg.affinity.length;
  if (vte.rdbase >= n)
    return fail('target-invalid', `vPE ${vpeid}'s RDbase ${vte.rdbase} names no redistributor`);
  return {
    ok: true,
    value: {
      vpeid,
      vpt: vte.vpt,
      vptBits: vte.vptSize + 1,
      cpu: vte.rdbase,
      rdbase: rdbaseOf(m, its, vte.rdbase),
      doorbell: vte.doorbell ?? 1023,
      vconf: vte.vconf ?? 0,
      addr: at.addr,
    },
  };
}

/**
 * A virtual ITE's second step: its vPE's VTE, and the vINTID checked against that vPE's VPT (QEMU:
 * an LPI INTID below 2^(VPT_size + 1); the architecture makes a larger one UNPREDICTABLE).
 */
export function lookupVirtualTarget(
  m: ItsMachine,
  its: ItsState,
  v: VirtualIte,
  touches: Touch[] | null,
): Step<VpeInfo> {
  const p = lookupVpe(m, its, v.vpeid, touches);
  if (!p.ok) return p;
  if (v.vintid < FIRST_LPI || v.vintid >= 2 ** p.value.vptBits)
    return fail(
      'vintid-oor',
      `vINTID ${v.vintid} does not fit vPE ${v.vpeid}'s ${p.value.vptBits}-bit virtual pending table`,
    );
  return p;
}

export function lookupCollection(
  m: ItsMachine,
  its: ItsState,
  icid: number,
  touches: Touch[] | null,
): Step<TargetInfo> {
  if (m.itsRules.state === 'kvm-lists') {
    const t = its.collections.get(icid);
    if (t === undefined || t < 0)
      return fail('collection-unmapped', `collection ${icid} is not mapped (no MAPC)`);
    if (t >= m.kvmLpis.pes(m))
      return fail('target-invalid', `collection ${icid} targets vCPU ${t}, which does not exist`);
    return { ok: true, value: { cpu: t, rdbase: t } };
  }
  const at = entryAddress(m, its, BASER_TYPE_COLLECTION, icid, touches);
  if (!at.ok)
    return fail(
      at.problem === 'l1-invalid' ? 'collection-unmapped' : problemOf(at, 'collection-oor'),
      at.reason,
    );
  const cte = readCte(m.s.mem, at.addr, m.itsRules.tableFormat);
  touches?.push({
    table: 'collection',
    op: 'read',
    addr: at.addr,
    id: icid,
    size: 8,
    fields: { Valid: cte.valid, RDbase: cte.rdbase },
  });
  if (!cte.valid) return fail('collection-unmapped', `the CTE of collection ${icid} is not valid`);
  const cpu = resolveTarget(m, its, cte.rdbase);
  if (cpu < 0)
    return fail(
      'target-invalid',
      `collection ${icid}'s RDbase 0x${cte.rdbase.toString(16)} names no redistributor`,
    );
  return { ok: true, value: { cpu, rdbase: cte.rdbase, addr: at.addr } };
}

/** The whole walk for a command: device, event, collection (a virtual ITE has none: 'ite-virtual'). */
export function translate(
  m: ItsMachine,
  its: ItsState,
  devid: number,
  eventid: number,
  touches: Touch[] | null,
): Step<{ dte: DeviceInfo; ite: EventInfo; target: TargetInfo }> {
  const d = lookupDevice(m, its, devid, touches);
  if (!d.ok) return d;
  const e = lookupEvent(m, its, devid, d.value, eventid, touches);
  if (!e.ok) return e;
  const v = e.value.virtual;
  if (v)
    return fail(
      'ite-virtual',
      `the ITE of DeviceID ${devid} EventID ${eventid} maps vLPI ${v.vintid} of vPE ${v.vpeid}: it has no collection`,
    );
  const c = lookupCollection(m, its, e.value.icid, touches);
  if (!c.ok) return c;
  return { ok: true, value: { dte: d.value, ite: e.value, target: c.value } };
}

/**
 * What a translation to a virtual ITE asks of the vPE's redistributor. The doorbell is the ITE's
 * on a GICv4.0; a GICv4.1 rings the vPE's default doorbell instead (1023 here).
 */
export function vlpiRequestOf(
  m: ItsMachine,
  its: ItsState,
  vpe: VpeInfo,
  v: VirtualIte,
  set: boolean,
  devid: number,
  eventid: number,
  via: string,
): VlpiRequest {
  return {
    cpu: vpe.cpu,
    vpeid: v.vpeid,
    vpt: vpe.vpt,
    vptBits: vpe.vptBits,
    vintid: v.vintid,
    set,
    doorbell: isGicV41(m.s.gic.cfg) ? 1023 : v.doorbell,
    its: its.index,
    devid,
    eventid,
    via,
  };
}
