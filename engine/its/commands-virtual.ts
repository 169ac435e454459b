/**
 * The GICv4 commands: they map vPEs (VMAPP) and events to virtual LPIs of a vPE (VMAPTI, VMAPI),
 * move them (VMOVI, VMOVP), and reach the redistributors for a vPE (VSYNC, VINVALL; GICv4.1: INVDB,
 * VSGI). They run only on an ITS with virtual support (GITS_TYPER.Virtual: a GICv4, not KVM's
 * vITS, which drops them); the GICv4.1 ones only on a GICv4.1, where QEMU has none.
 *
 * How the state is split:
 *  - The ITS keeps each vPE in its vPE table (GITS_BASER2): a VTE naming the vPE's virtual pending
 *    table (VPT), its size and the redistributor the vPE is mapped to. A virtual ITE names the
 *    vINTID, the vPEID and (GICv4.0) a doorbell LPI. Both live in memory (table-formats.ts).
 *  - A GICv4.0 redistributor knows a vPE only while it is resident (GICR_VPENDBASER names its VPT):
 *    VMAPP and VMOVP never touch it, and a vLPI's pending bit is in the VPT, which VMOVI moves.
 *  - A GICv4.1 GIC also keeps a vPE table of its own (gic/vlpi.ts vpeMap): VMAPP, VMOVP and VSGI
 *    update it, which is how its redistributors find a vPE by vPEID and its default doorbell.
 *
 * QEMU's checks (hw/intc/arm_gicv3_its.c process_vmapp, process_vmapti, process_vmovi,
 * process_vmovp, process_vinvall) run in QEMU's order for the qemu profile, and the spec profile
 * uses the same order where the architecture states none. A failure is a command error (QEMU skips
 * the command, the spec profile stalls); a table in memory that cannot be read is a memory fault.
 * Linux's E_ITS_* list has no V* codes, so these errors carry only their reason.
 */

import { FIRST_LPI, isGicV41, LPI_ID_BITS } from '../gic/gic-config';
import type { DirectInvTask } from '../gic/redistributor';
import {
  residencies,
  vpeMap,
  vpeMove,
  vpeUnmap,
  vptBit,
  vsgiConfigure,
  type VinvRequest,
  type VlpiRequest,
} from '../gic/vlpi';
import { memVisible } from '../mem/memory';
import { schedule } from '../sim/kernel';
import {
  failWith,
  lookupFailure,
  num,
  OK,
  type CommandContext,
  type CommandHandler,
  type CommandOutcome,
} from './command-context';
import { itsError, memoryFault, type ItsError } from './errors';
import { BASER_TYPE_VPE, type ItsState } from './its-state';
import {
  lookupDevice,
  lookupEvent,
  lookupVpe,
  resolveTarget,
  vlpiRequestOf,
  type VirtualIte,
  type VpeInfo,
} from './lookup';
import { entryAddress, findTable } from './tables';
import { entryBytes, writeIte, writeVte, type Vte } from './table-formats';
import { cacheOnChange } from './translation-cache';

// ---------------------------------------------------------------- shared checks

/** QEMU's valid_doorbell: 1023 (no doorbell) or an LPI INTID below 2^16. */
const validDoorbell = (id: number): boolean => id === 1023 || (id >= FIRST_LPI && id < 2 ** LPI_ID_BITS);

const badDoorbell = (field: string, id: number): CommandOutcome =>
  failWith(undefined, `${field} ${id} is neither 1023 (no doorbell) nor an LPI in [8192, 65536)`);

/** A vLPI's INTID: an LPI below 2^16 (QEMU's intid_in_lpi_range; the model's vINTID space). */
const validVintid = (id: number): boolean => id >= FIRST_LPI && id < 2 ** LPI_ID_BITS;

/**
 * QEMU's "vpeid < vpet.num_entries": only the table's geometry counts, not whether the entry is
 * valid or its level-2 page exists (those matter when the VTE is read or written).
 */
function vpeOutOfRange(c: CommandContext, vpeid: number): CommandOutcome | undefined {
  const at = entryAddress(c.m, c.its, BASER_TYPE_VPE, vpeid, null);
  if (at.ok || at.problem === 'l1-invalid' || at.problem === 'fault') return undefined;
  return failWith(undefined, `vPEID ${vpeid}: ${at.reason}`);
}

const vpeBytes = (its: ItsState): number => findTable(its, BASER_TYPE_VPE)?.entrySize ?? 8;

/** The VTE of `vpe` as VMOVP rewrites it: the same vPE on another redistributor. */
const vteOf = (vpe: VpeInfo, cpu: number, doorbell = vpe.doorbell): Vte => ({
  valid: true,
  vptSize: vpe.vptBits - 1,
  vpt: vpe.vpt,
  rdbase: cpu,
  doorbell,
  vconf: vpe.vconf,
});

const vteFields = (v: Vte, bytes: number): Record<string, number | boolean> => ({
  Valid: v.valid,
  VPT_size: v.valid ? v.vptSize : 0,
  VPT_addr: v.valid ? v.vpt : 0,
  RDbase: v.valid ? v.rdbase : 0,
  ...(bytes >= 16
    ? { Default_Doorbell: v.valid ? (v.doorbell ?? 0) : 0, VCONF_addr: v.valid ? (v.vconf ?? 0) : 0 }
    : {}),
});

/**
 * Writes `vte` at `vpeid`'s slot of the vPE table. 'not written': QEMU found no level-2 page and
 * dropped the write, the command still succeeding (update_vte), as for a DTE.
 */
function writeVteAt(c: CommandContext, vpeid: number, vte: Vte): CommandOutcome | 'not written' {
  const { m, its } = c;
  const at = entryAddress(m, its, BASER_TYPE_VPE, vpeid, c.touches);
  if (!at.ok) {
    if (at.problem === 'fault') return lookupFailure('fault', at.reason, undefined);
    if (at.problem === 'l1-invalid' && m.profile === 'qemu') {
      c.effects.push(`VTE not written: ${at.reason}`);
      return 'not written';
    }
    return failWith(undefined, at.reason);
  }
  const bytes = at.geometry.entrySize;
  writeVte(m.s.mem, at.addr, bytes, vte);
  c.touches.push({
    table: 'vpe',
    op: 'write',
    addr: at.addr,
    id: vpeid,
    size: bytes,
    fields: vteFields(vte, bytes),
  });
  return OK;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

// ---------------------------------------------------------------- VMAPP

/** VMAPP (vPEID, RDbase, V, VPT_addr, VPT_size; GICv4.1: Alloc, PTZ, VCONF_addr, Default_Doorbell). */
export function vmapp(c: CommandContext): CommandOutcome {
  const { m, its } = c;
  const vpeid = num(c, 'vPEID');
  const rdbase = num(c, 'RDbase');
  const valid = num(c, 'V') === 1;
  const vpt = num(c, 'VPT_addr');
  const size = num(c, 'VPT_size');
  const v41 = isGicV41(m.s.gic.cfg);
  const qemu = m.profile === 'qemu';
  // QEMU compares VPT_size with GITS_TYPER.ID_bits whatever V says; the architecture bounds the
  // vINTIDs by the GIC's INTID bits (16 in the model), and ignores VPT_size when unmapping.
  const maxBits = qemu ? its.cfg.eventIdBits : LPI_ID_BITS;
  if ((valid || qemu) && size + 1 > maxBits)
    return failWith(
      undefined,
      `VPT_size ${size} asks for ${size + 1} vINTID bits; ${qemu ? 'GITS_TYPER.ID_bits allows' : 'the GIC has'} ${maxBits}`,
    );
  const cpu = valid ? resolveTarget(m, its, rdbase) : -1;
  if (valid && cpu < 0) return failWith(undefined, `RDbase ${hex(rdbase)} names no redistributor`);
  const oor = vpeOutOfRange(c, vpeid);
  if (oor) return oor;
  const doorbell = v41 ? num(c, 'Default_Doorbell') : 1023;
  const vconf = v41 ? num(c, 'VCONF_addr') : 0;
  if (v41 && valid && !validDoorbell(doorbell)) return badDoorbell('Default_Doorbell', doorbell);
  const vte: Vte = valid
    ? { valid, vptSize: size, vpt, rdbase: cpu, doorbell, vconf }
    : { valid: false, vptSize: 0, vpt: 0, rdbase: 0 };
  const out = writeVteAt(c, vpeid, vte);
  if (out !== 'not written' && !out.ok) return out;
  c.effects.push(
    valid
      ? `VTE of vPE ${vpeid} written: VPT at ${hex(vpt)} with ${size + 1} vINTID bits, mapped to redistributor ${cpu}` +
          (v41
            ? `, default doorbell ${doorbell === 1023 ? 'none (1023)' : `LPI ${doorbell}`}, vLPI configuration at ${hex(vconf)}`
            : '')
      : `VTE of vPE ${vpeid} invalidated`,
  );
  if (v41) gicVpeMap(c, vpeid, valid, { vpt, vptBits: size + 1, vconf, doorbell, cpu });
  else if (valid) c.effects.push('a GICv4.0 redistributor learns of the vPE only when it is made resident');
  return OK;
}

/** GICv4.1: the GIC's own vPE configuration follows VMAPP (Alloc: first map / last unmap). */
function gicVpeMap(
  c: CommandContext,
  vpeid: number,
  valid: boolean,
  e: { vpt: number; vptBits: number; vconf: number; doorbell: number; cpu: number },
): void {
  const { m } = c;
  const alloc = num(c, 'Alloc') === 1;
  if (num(c, 'PTZ') === 1 && valid)
    c.effects.push('PTZ = 1: the VPT is known to be zero, so the GIC need not read it');
  if (valid) {
    if (!alloc && !m.s.gic.vpes.has(vpeid))
      c.effects.push(
        `UNPREDICTABLE: Alloc = 0 says another ITS maps vPE ${vpeid}, but none does; the model maps it`,
      );
    vpeMap(m, vpeid, e);
    c.effects.push(`the GIC's vPE table now holds vPE ${vpeid} (redistributor ${e.cpu})`);
    return;
  }
  if (!alloc) {
    c.effects.push(`Alloc = 0: other ITSs still map vPE ${vpeid}, so the GIC keeps its configuration`);
    return;
  }
  const at = vpeUnmap(m, vpeid);
  c.effects.push(`the GIC forgets vPE ${vpeid} (Alloc = 1: its last unmap)`);
  if (at.length)
    c.effects.push(
      `UNPREDICTABLE: vPE ${vpeid} is still resident on redistributor ${at.join(', ')} while it is unmapped; nothing more can be delivered to it`,
    );
}

// ---------------------------------------------------------------- VMAPTI / VMAPI

/** VMAPTI (DeviceID, EventID, vPEID, vINTID, Dbell_pINTID), and VMAPI (vINTID = EventID). */
export function vmapti(c: CommandContext): CommandOutcome {
  const { m, its } = c;
  const devid = num(c, 'DeviceID');
  const eventid = num(c, 'EventID');
  const vpeid = num(c, 'vPEID');
  const vintid = c.cmd.name === 'VMAPI' ? eventid : num(c, 'vINTID');
  const doorbell = num(c, 'Dbell_pINTID');
  const d = lookupDevice(m, its, devid, c.touches);
  if (!d.ok) return lookupFailure(d.problem, d.reason, undefined);
  if (eventid >= 2 ** (d.value.size + 1))
    return failWith(
      undefined,
      `EventID ${eventid} is beyond DeviceID ${devid}'s ${d.value.size + 1}-bit EventID space`,
    );
  if (!validVintid(vintid)) return failWith(undefined, `vINTID ${vintid} is outside [8192, 65536)`);
  if (!validDoorbell(doorbell)) return badDoorbell('Dbell_pINTID', doorbell);
  // Neither QEMU nor the architecture needs the vPE to be mapped yet: only its ID is checked.
  const oor = vpeOutOfRange(c, vpeid);
  if (oor) return oor;
  const format = m.itsRules.tableFormat;
  const size = entryBytes(format, 'ite');
  const addr = d.value.itt + eventid * size;
  if (!memVisible(m.s.mem, addr, size))
    return lookupFailure('fault', `the ITE at ${hex(addr)} is not in RAM`, undefined);
  writeIte(m.s.mem, addr, format, { valid: true, physical: false, intid: vintid, icid: 0, vpeid, doorbell });
  c.touches.push({
    table: 'itt',
    op: 'write',
    addr,
    id: eventid,
    size,
    fields: { Valid: true, Physical: false, vINTID: vintid, vPEID: vpeid, Dbell_pINTID: doorbell },
  });
  // A translation cached while the event was physical must not outlive this mapping.
  cacheOnChange(m, its, false, (dv, ev) => dv === devid && ev === eventid);
  c.effects.push(
    `ITE written: EventID ${eventid} of DeviceID ${devid} -> vLPI ${vintid} of vPE ${vpeid}, ` +
      (isGicV41(m.s.gic.cfg)
        ? "doorbell field unused (a GICv4.1 rings the vPE's default doorbell)"
        : doorbell === 1023
          ? 'no doorbell'
          : `doorbell LPI ${doorbell}`),
  );
  return OK;
}

// ---------------------------------------------------------------- VMOVI

/** VMOVI (DeviceID, EventID, vPEID, D, Dbell_pINTID): a virtual event moves to another vPE. */
export function vmovi(c: CommandContext): CommandOutcome {
  const { m, its } = c;
  const devid = num(c, 'DeviceID');
  const eventid = num(c, 'EventID');
  const vpeid = num(c, 'vPEID');
  const d1 = num(c, 'D') === 1;
  const doorbell = num(c, 'Dbell_pINTID');
  if (d1 && !validDoorbell(doorbell)) return badDoorbell('Dbell_pINTID', doorbell);
  const d = lookupDevice(m, its, devid, c.touches);
  if (!d.ok) return lookupFailure(d.problem, d.reason, undefined);
  const e = lookupEvent(m, its, devid, d.value, eventid, c.touches);
  if (!e.ok) return lookupFailure(e.problem, e.reason, undefined);
  const v = e.value.virtual;
  if (!v)
    return failWith(
      undefined,
      `the ITE of DeviceID ${devid} EventID ${eventid} maps physical LPI ${e.value.intid}: VMOVI moves virtual events only (MOVI moves physical ones)`,
    );
  const from = lookupVpe(m, its, v.vpeid, c.touches);
  if (!from.ok) return lookupFailure(from.problem, `the event's current vPE: ${from.reason}`, undefined);
  const to = lookupVpe(m, its, vpeid, c.touches);
  if (!to.ok) return lookupFailure(to.problem, `the new vPE: ${to.reason}`, undefined);
  for (const p of [from.value, to.value])
    if (!validVintid(v.vintid) || v.vintid >= 2 ** p.vptBits)
      return failWith(undefined, `vINTID ${v.vintid} does not fit vPE ${p.vpeid}'s ${p.vptBits}-bit VPT`);
  const moved: VirtualIte = { vintid: v.vintid, vpeid, doorbell: d1 ? doorbell : v.doorbell };
  // The pending bit lives in the VPT: it moves only between two different tables, and only if set
  // (QEMU's gicv3_redist_mov_vlpi clears it at the source, then sets it at the destination).
  let pending = false;
  if (from.value.vpt !== to.value.vpt) {
    pending = vptBit(m, from.value.vpt, v.vintid);
    if (pending) {
      const clear = vlpiRequestOf(m, its, from.value, v, false, devid, eventid, 'VMOVI');
      const set = vlpiRequestOf(m, its, to.value, moved, true, devid, eventid, 'VMOVI');
      schedule<VlpiRequest>(m, m.gicTiming.lpi, 'gicr.vlpi', clear);
      schedule<VlpiRequest>(m, m.gicTiming.lpi, 'gicr.vlpi', set);
    }
  }
  const format = m.itsRules.tableFormat;
  writeIte(m.s.mem, e.value.addr!, format, {
    valid: true,
    physical: false,
    intid: v.vintid,
    icid: 0,
    vpeid,
    doorbell: moved.doorbell,
  });
  c.touches.push({
    table: 'itt',
    op: 'write',
    addr: e.value.addr!,
    id: eventid,
    size: entryBytes(format, 'ite'),
    fields: { Valid: true, Physical: false, vINTID: v.vintid, vPEID: vpeid, Dbell_pINTID: moved.doorbell },
  });
  cacheOnChange(m, its, false, (dv, ev) => dv === devid && ev === eventid);
  c.effects.push(
    `vLPI ${v.vintid} of DeviceID ${devid} EventID ${eventid} moved from vPE ${v.vpeid} to vPE ${vpeid}` +
      (d1 ? `, doorbell now ${doorbell === 1023 ? 'none' : `LPI ${doorbell}`}` : '') +
      (from.value.vpt === to.value.vpt
        ? '; both vPEs use the same VPT'
        : pending
          ? `; its pending bit moves from the VPT at ${hex(from.value.vpt)} to the one at ${hex(to.value.vpt)}`
          : '; it was not pending'),
  );
  return OK;
}

// ---------------------------------------------------------------- VMOVP

/**
 * VMOVP (SequenceNumber, ITSList, vPEID, RDbase; GICv4.1: DB, Default_Doorbell): the vPE is now
 * mapped to another redistributor. With GITS_TYPER.VMOVP = 1 one command updates the VTE in every
 * ITS (QEMU's gicv3_foreach_its; a memory fault anywhere stalls, an invalid VTE anywhere is an
 * error in QEMU, while the spec profile skips an ITS that does not map the vPE). With VMOVP = 0
 * software sends it to each ITS in ITSList, with the same SequenceNumber; this ITS updates its own.
 * No redistributor is told on a GICv4.0: the VPT stays where it is.
 */
export function vmovp(c: CommandContext): CommandOutcome {
  const { m, its } = c;
  const vpeid = num(c, 'vPEID');
  const rdbase = num(c, 'RDbase');
  const v41 = isGicV41(m.s.gic.cfg);
  const db = v41 && num(c, 'DB') === 1;
  const newDoorbell = num(c, 'Default_Doorbell');
  const qemu = m.profile === 'qemu';
  const cpu = resolveTarget(m, its, rdbase);
  if (cpu < 0) return failWith(undefined, `RDbase ${hex(rdbase)} names no redistributor`);
  if (db && !validDoorbell(newDoorbell)) return badDoorbell('Default_Doorbell', newDoorbell);
  let targets: ItsState[] = [its];
  if (its.cfg.vmovp !== false)
    targets = m.s.its; // (absent in states saved before the option)
  else {
    const list = num(c, 'ITSList');
    c.effects.push(
      `GITS_TYPER.VMOVP = 0: only this ITS's VTE changes (SequenceNumber ${num(c, 'SequenceNumber')}, ITSList ${hex(list)})`,
    );
    if (((list >> its.index) & 1) === 0)
      c.effects.push(
        `UNPREDICTABLE: ITSList does not name this ITS (ITS_Number ${its.index}); the model updates its VTE anyway`,
      );
  }
  // The spec profile needs the vPE mapped here before anything moves.
  if (!qemu) {
    const own = lookupVpe(m, its, vpeid, null);
    if (!own.ok) return lookupFailure(own.problem, own.reason, undefined);
  }
  let fault: ItsError | undefined;
  let error: ItsError | undefined;
  let vpt: number | undefined;
  const updated: number[] = [];
  for (const t of targets) {
    const p = lookupVpe(m, t, vpeid, c.touches);
    const where = targets.length > 1 ? `ITS ${t.index}: ` : '';
    if (!p.ok) {
      if (p.problem === 'fault') fault ??= memoryFault(where + p.reason);
      else if (qemu || t === its) error ??= itsError(undefined, where + p.reason);
      else c.effects.push(`ITS ${t.index} does not map vPE ${vpeid}: ${p.reason}`);
      continue;
    }
    vpt ??= p.value.vpt;
    const vte = vteOf(p.value, cpu, db ? newDoorbell : p.value.doorbell);
    const bytes = vpeBytes(t);
    writeVte(m.s.mem, p.value.addr, bytes, vte);
    c.touches.push({
      table: 'vpe',
      op: 'write',
      addr: p.value.addr,
      id: vpeid,
      size: bytes,
      fields: vteFields(vte, bytes),
    });
    updated.push(t.index);
  }
  // QEMU: a stall beats an error, which beats success; the ITSs already updated stay updated.
  if (fault) return { ok: false, error: fault };
  if (updated.length)
    c.effects.push(
      `vPE ${vpeid} mapped to redistributor ${cpu}: VTE.RDbase rewritten in ITS ${updated.join(', ')}`,
    );
  if (error) return { ok: false, error };
  const at = residencies(m, vpeid, vpt ?? 0);
  if (at.length)
    c.effects.push(
      `UNPREDICTABLE: vPE ${vpeid} is resident on redistributor ${at.join(', ')} while it is moved`,
    );
  if (v41) {
    if (vpeMove(m, vpeid, cpu, db ? newDoorbell : undefined))
      c.effects.push(
        `the GIC's vPE table follows` +
          (db ? `, default doorbell now ${newDoorbell === 1023 ? 'none' : `LPI ${newDoorbell}`}` : ''),
      );
    else c.effects.push(`the GIC has no configuration for vPE ${vpeid} (no VMAPP reached it)`);
  }
  return OK;
}

// ---------------------------------------------------------------- VSYNC, VINVALL, INVDB, VSGI

/** VSYNC (vPEID): every command is complete before the next is read, so nothing waits. */
export function vsync(c: CommandContext): CommandOutcome {
  const vpeid = num(c, 'vPEID');
  if (c.m.profile === 'qemu') {
    c.effects.push('nothing to wait for: QEMU completes every command before it reads the next');
    return OK;
  }
  const p = lookupVpe(c.m, c.its, vpeid, c.touches);
  if (!p.ok) return lookupFailure(p.problem, p.reason, undefined);
  c.effects.push(`earlier commands for vPE ${vpeid} have taken effect at redistributor ${p.value.cpu}`);
  return OK;
}

/** VINVALL (vPEID): the vPE's redistributor reloads every vLPI configuration it holds (if resident). */
export function vinvall(c: CommandContext): CommandOutcome {
  const { m } = c;
  const vpeid = num(c, 'vPEID');
  const p = lookupVpe(m, c.its, vpeid, c.touches);
  if (!p.ok) return lookupFailure(p.problem, p.reason, undefined);
  const { cpu, vpt } = p.value;
  schedule<VinvRequest>(m, m.gicTiming.lpi, 'gicr.vinv', { cpu, vpeid, vpt, vintid: -1, via: 'VINVALL' });
  c.effects.push(`redistributor ${cpu} told to reload the configuration of every vLPI of vPE ${vpeid}`);
  return OK;
}

/**
 * INVDB (vPEID, GICv4.1): the vPE's default doorbell is an ordinary LPI whose configuration the
 * redistributor may cache; this reloads it where the vPE is mapped.
 */
export function invdb(c: CommandContext): CommandOutcome {
  const { m } = c;
  const vpeid = num(c, 'vPEID');
  const p = lookupVpe(m, c.its, vpeid, c.touches);
  if (!p.ok) return lookupFailure(p.problem, p.reason, undefined);
  const vpe = m.s.gic.vpes.get(vpeid);
  if (!vpe) return failWith(undefined, `the GIC has no configuration for vPE ${vpeid} (no VMAPP reached it)`);
  if (vpe.doorbell === 1023) {
    c.effects.push(`vPE ${vpeid} has no default doorbell (1023): nothing to reload`);
    return OK;
  }
  schedule<DirectInvTask>(m, m.gicTiming.lpi, 'gicr.inv', {
    cpu: vpe.cpu,
    intid: vpe.doorbell,
    via: 'INVDB',
  });
  c.effects.push(
    `redistributor ${vpe.cpu} told to reload the configuration of vPE ${vpeid}'s default doorbell, LPI ${vpe.doorbell}`,
  );
  return OK;
}

/** VSGI (vPEID, vINTID, Enable, Group, Priority, Clear; GICv4.1): configure a vPE's virtual SGI. */
export function vsgi(c: CommandContext): CommandOutcome {
  const { m } = c;
  const vpeid = num(c, 'vPEID');
  const vintid = num(c, 'vINTID');
  const p = lookupVpe(m, c.its, vpeid, c.touches);
  if (!p.ok) return lookupFailure(p.problem, `VSGI to an unmapped vPE: ${p.reason}`, undefined);
  const what = vsgiConfigure(m, vpeid, vintid, {
    enable: num(c, 'Enable') === 1,
    group: num(c, 'Group'),
    // The command carries the top four bits of the 8-bit priority.
    priority: num(c, 'Priority') << 4,
    clear: num(c, 'Clear') === 1,
  });
  if (what === undefined)
    return failWith(undefined, `VSGI to vPE ${vpeid}, which the GIC does not know (no VMAPP reached it)`);
  c.effects.push(what);
  return OK;
}

/** The GICv4.0 commands, run by an ITS with virtual support. */
export const V40_HANDLERS: Record<string, CommandHandler> = {
  VMAPP: vmapp,
  VMAPTI: vmapti,
  VMAPI: vmapti,
  VMOVI: vmovi,
  VMOVP: vmovp,
  VSYNC: vsync,
  VINVALL: vinvall,
};

/** The commands GICv4.1 adds. */
export const V41_HANDLERS: Record<string, CommandHandler> = {
  INVDB: invdb,
  VSGI: vsgi,
};
