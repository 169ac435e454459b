/**
 * The host's GICv4 ITS driver, as the sequences of commands and register writes Linux issues for
 * each request KVM makes of it (irq_set_vcpu_affinity and the vPE irqchip operations). Each
 * function returns driver operations (its-v4-host.ts HostOp) for a pCPU's queue, and updates the
 * driver's own bookkeeping (the vPE's collection, the proxy device's slots) as the driver does
 * when it builds them. The command fields and their order follow irq-gic-v3-its.c as described in
 * ../shared/domain/gic-its-kvm-reference.md §3.2 and §7, and research on the driver itself:
 *
 *  - vPE mapping: VMAPP + VSYNC, then VINVALL + VSYNC, on every virtual ITS (eager) when one VMOVP
 *    reaches every ITS or the GIC is a GICv4.1; otherwise per ITS at its first vLPI (lazy).
 *  - Residency: GICv4.0 writes GICR_VPROPBASER (the VM's vLPI property page) and GICR_VPENDBASER
 *    (VPT, RaWaWb, Inner Shareable, PendingLast, IDAI, Valid); GICv4.1 writes VPENDBASER with
 *    vPEID, VGRP1EN and Valid. Descheduling clears Valid (and on GICv4.1 sets DB when a doorbell
 *    is wanted), waits for Dirty to clear and reads PendingLast back.
 *  - Moving a vPE: VMOVP + VSYNC (one, to the first ITS, when every ITS has GITS_TYPER.VMOVP;
 *    otherwise one per ITS with a shared sequence number and ITS list), then the proxy's MOVI.
 *  - GICv4.0 doorbells without GICR_TYPER.DirectLPI go through the doorbell proxy device: MAPTI
 *    of the doorbell LPI on a proxy event, then INV (mask/unmask), CLEAR, MOVI, each + SYNC.
 *  - Forwarding: DISCARD + SYNC of the host mapping, VMAPTI + VSYNC; unforwarding: DISCARD + SYNC,
 *    MAPTI of the host LPI + SYNC, INV + SYNC; a moved vLPI: VMOVI + VSYNC; a property change:
 *    INV + VSYNC; a pending change: INT / CLEAR + VSYNC.
 */

import { FIRST_LPI, redistAddress } from '../gic/gic-config';
import { rdbaseOf } from '../its/lookup';
import type { PlatformMachine } from '../platform/platform-machine';
import {
  VPENDBASER_DB,
  VPENDBASER_IDAI,
  VPENDBASER_PENDING_LAST,
  VPENDBASER_VALID,
  VPENDBASER_VGRP1EN,
} from '../gic/vlpi';
import {
  hostDirectLpi,
  hostIsV41,
  hostSingleVmovp,
  type HostOp,
  type KvmV4Host,
  virtualItss,
} from './its-v4-host';
import { vlpiRegister } from './host-ops';
import type { VmState } from './vm-state';
import { propTableBase } from '../gic/lpi';

/** What the driver knows of one vPE (struct its_vpe). */
export interface ItsVpe {
  vpeid: number;
  /** The doorbell LPI (vpe_db_lpi). */
  doorbell: number;
  /** The virtual pending table's address (64 KiB, zeroed). */
  vpt: number;
  /** The pCPU whose redistributor hosts the vPE (col_idx). */
  colIdx: number;
  /** ITSs the vPE is mapped on (VMAPP sent). */
  mappedOn: number[];
  resident: boolean;
  /** The VPT has been parsed since it was last made resident (its_commit_vpe). */
  ready: boolean;
  idai: boolean;
  pendingLast: boolean;
  /** GICv4.0: the doorbell irq's disable depth (genirq); 1 after vgic_v4_init (NOAUTOEN). */
  dbDepth: number;
  /** Forwarded vLPIs targeting this vPE. */
  vlpiCount: number;
  /** The proxy device event carrying its doorbell, -1 for none. */
  proxyEvent: number;
}

/** LPI_NRBITS: the vINTID bits of every VPT (and the VPT_size of VMAPP + 1). */
export const VLPI_BITS = 16;
/** Linux's default LPI property byte: priority 0xA0, Group 1 (bit 1), disabled. */
export const LPI_PROP_DEFAULT = 0xa2;

const v = (n: number): bigint => BigInt(n);

/** The RDbase (ITS command field) of the redistributor of pCPU `cpu`, for ITS `its`. */
function rdbase(m: PlatformMachine, its: number, cpu: number): bigint {
  return v(rdbaseOf(m, m.s.its[its]!, cpu));
}

function cmd(its: number, name: string, fields: Record<string, bigint>, why: string): HostOp {
  return { k: 'cmd', its, name, fields, why };
}

/** VMAPP (+ VSYNC, then VINVALL + VSYNC on mapping) of one vPE on one ITS (its_send_vmapp). */
export function vmapp(m: PlatformMachine, vm: VmState, vpe: ItsVpe, its: number, valid: boolean): HostOp[] {
  const v41 = hostIsV41(m);
  const f: Record<string, bigint> = {
    vPEID: v(vpe.vpeid),
    RDbase: rdbase(m, its, vpe.colIdx),
    V: valid ? 1n : 0n,
    VPT_addr: v(vpe.vpt),
    VPT_size: v(VLPI_BITS - 1),
  };
  if (v41) {
    const first = valid && vpe.mappedOn.length === 0;
    const last = !valid && vpe.mappedOn.length === 1;
    f.Alloc = first || last ? 1n : 0n;
    f.VCONF_addr = v(vm.v4!.vprop);
    f.Default_Doorbell = v(vpe.doorbell);
  }
  if (valid) {
    if (!vpe.mappedOn.includes(its)) vpe.mappedOn.push(its);
  } else vpe.mappedOn = vpe.mappedOn.filter((i) => i !== its);
  const why = valid ? `vPE ${vpe.vpeid} mapped on ITS ${its}` : `vPE ${vpe.vpeid} unmapped from ITS ${its}`;
  const ops = [cmd(its, 'VMAPP', f, why), cmd(its, 'VSYNC', { vPEID: v(vpe.vpeid) }, 'after VMAPP')];
  if (valid)
    ops.push(
      cmd(its, 'VINVALL', { vPEID: v(vpe.vpeid) }, `vPE ${vpe.vpeid}'s vLPI configuration loaded`),
      cmd(its, 'VSYNC', { vPEID: v(vpe.vpeid) }, 'after VINVALL'),
    );
  return ops;
}

/** Whether vPEs are mapped on every ITS when created (gic_requires_eager_mapping). */
export const eagerMapping = (m: PlatformMachine): boolean => hostSingleVmovp(m) || hostIsV41(m);

/** its_vpe_schedule / its_vpe_4_1_schedule: the vPE becomes resident on `cpu`'s redistributor. */
export function schedule(m: PlatformMachine, vm: VmState, vcpu: number, cpu: number): HostOp[] {
  const vpe = vm.v4!.vpes[vcpu]!;
  if (hostIsV41(m)) {
    const g1 = vm.vgic.dist.enabled ? VPENDBASER_VGRP1EN : 0n;
    return [
      {
        k: 'write64',
        addr: vlpiRegister(m, cpu, 0x78),
        value: VPENDBASER_VALID | g1 | v(vpe.vpeid),
        why: `vCPU ${vcpu}'s vPE ${vpe.vpeid} made resident`,
      },
    ];
  }
  // VPROPBASER: vprop page, IDbits = LPI_NRBITS - 1, RaWb, Inner Shareable.
  const prop = v(vm.v4!.vprop) | v(VLPI_BITS - 1) | (3n << 7n) | (1n << 10n);
  // VPENDBASER: VPT, RaWaWb, Inner Shareable, PendingLast (a hint: something may be pending), IDAI, Valid.
  const pend =
    v(vpe.vpt) |
    (7n << 7n) |
    (1n << 10n) |
    VPENDBASER_PENDING_LAST |
    (vpe.idai ? VPENDBASER_IDAI : 0n) |
    VPENDBASER_VALID;
  return [
    {
      k: 'write64',
      addr: vlpiRegister(m, cpu, 0x70),
      value: prop,
      why: `VM ${vm.index}'s vLPI property page`,
    },
    {
      k: 'write64',
      addr: vlpiRegister(m, cpu, 0x78),
      value: pend,
      why: `vCPU ${vcpu}'s vPE ${vpe.vpeid} made resident (its VPT)`,
    },
  ];
}

/**
 * its_vpe_deschedule / its_vpe_4_1_deschedule: Valid cleared (GICv4.1: with DB when a doorbell is
 * wanted, PendingLast otherwise), Dirty waited for, PendingLast read back into pending_last.
 */
export function deschedule(
  m: PlatformMachine,
  vm: VmState,
  vcpu: number,
  cpu: number,
  db: boolean,
): HostOp[] {
  const rd = m.s.gic.rd[cpu]!;
  let val = rd.vpendbaser & ~VPENDBASER_VALID;
  if (hostIsV41(m))
    val = db ? (val & ~VPENDBASER_PENDING_LAST) | VPENDBASER_DB : val | VPENDBASER_PENDING_LAST;
  return [
    {
      k: 'write64',
      addr: vlpiRegister(m, cpu, 0x78),
      value: val,
      why: `vCPU ${vcpu}'s vPE made non-resident${db && hostIsV41(m) ? ', doorbell requested (DB)' : ''}`,
    },
    { k: 'vpend-wait', cpu, vm: vm.index, vcpu, record: true, db },
  ];
}

/** its_vpe_set_affinity: VMOVP (+ VSYNC) to `cpu`, then the proxy's doorbell follows. */
export function vmovp(m: PlatformMachine, h: KvmV4Host, vpe: ItsVpe, cpu: number, seq: number): HostOp[] {
  const from = vpe.colIdx;
  vpe.colIdx = cpu;
  const v41 = hostIsV41(m);
  const targets = hostSingleVmovp(m)
    ? [virtualItss(m)[0]!]
    : vpe.mappedOn.length
      ? vpe.mappedOn
      : virtualItss(m);
  const list = hostSingleVmovp(m) ? 0n : targets.reduce((a, i) => a | (1n << v(i)), 0n);
  const ops: HostOp[] = [];
  for (const its of targets) {
    const f: Record<string, bigint> = {
      SequenceNumber: hostSingleVmovp(m) ? 0n : v(seq & 0xffff),
      ITSList: list,
      vPEID: v(vpe.vpeid),
      RDbase: rdbase(m, its, cpu),
    };
    if (v41) {
      f.DB = 1n;
      f.Default_Doorbell = v(vpe.doorbell);
    }
    ops.push(
      cmd(its, 'VMOVP', f, `vPE ${vpe.vpeid} follows its vCPU from pCPU ${from} to pCPU ${cpu}`),
      cmd(its, 'VSYNC', { vPEID: v(vpe.vpeid) }, 'after VMOVP'),
    );
  }
  ops.push(...proxyMove(m, h, vpe, from, cpu));
  return ops;
}

// ---------------------------------------------------------------- the GICv4.0 doorbell proxy

/** Whether doorbells go through the proxy device (GICv4.0 without DirectLPI). */
export const viaProxy = (m: PlatformMachine): boolean => !hostIsV41(m) && !hostDirectLpi(m);

/** its_vpe_db_proxy_map_locked: the vPE's doorbell on a proxy event (evicting a slot's owner). */
function proxyMap(
  m: PlatformMachine,
  h: KvmV4Host,
  vpes: (vpeid: number) => ItsVpe | undefined,
  vpe: ItsVpe,
): HostOp[] {
  const p = h.proxy;
  if (!p || vpe.proxyEvent >= 0) return [];
  const ops: HostOp[] = [];
  const slot = p.next;
  const owner = p.slots[slot]!;
  if (owner >= 0) {
    const old = vpes(owner);
    if (old) old.proxyEvent = -1;
    ops.push(
      cmd(
        p.its,
        'DISCARD',
        { DeviceID: v(p.devid), EventID: v(slot) },
        `proxy event ${slot} taken from vPE ${owner}`,
      ),
      cmd(p.its, 'SYNC', { RDbase: rdbase(m, p.its, old?.colIdx ?? 0) }, 'after DISCARD'),
    );
  }
  p.slots[slot] = vpe.vpeid;
  vpe.proxyEvent = slot;
  p.next = (slot + 1) % p.events;
  ops.push(
    cmd(
      p.its,
      'MAPTI',
      { DeviceID: v(p.devid), EventID: v(slot), pINTID: v(vpe.doorbell), ICID: v(vpe.colIdx) },
      `vPE ${vpe.vpeid}'s doorbell LPI ${vpe.doorbell} on proxy event ${slot}`,
    ),
    cmd(p.its, 'SYNC', { RDbase: rdbase(m, p.its, vpe.colIdx) }, 'after MAPTI'),
  );
  return ops;
}

/** its_vpe_db_proxy_move: the proxy event follows the vPE (MOVI + SYNC), or GICR_CLRLPIR with DirectLPI. */
function proxyMove(m: PlatformMachine, h: KvmV4Host, vpe: ItsVpe, from: number, to: number): HostOp[] {
  if (from === to || hostIsV41(m)) return [];
  if (!viaProxy(m)) {
    // DirectLPI: a doorbell left pending on the old redistributor is cleared there (GICR_CLRLPIR).
    return [
      {
        k: 'write64',
        addr: redistAddress(m.s.gic.cfg, from) + 0x48,
        value: v(vpe.doorbell),
        why: `vPE ${vpe.vpeid}'s doorbell cleared on its old redistributor`,
      },
    ];
  }
  const p = h.proxy;
  if (!p || vpe.proxyEvent < 0) return [];
  return [
    cmd(
      p.its,
      'MOVI',
      { DeviceID: v(p.devid), EventID: v(vpe.proxyEvent), ICID: v(to) },
      `vPE ${vpe.vpeid}'s doorbell follows it`,
    ),
    cmd(p.its, 'SYNC', { RDbase: rdbase(m, p.its, to) }, 'after MOVI'),
  ];
}

/**
 * A doorbell-LPI operation through the proxy (INV after a mask/unmask, CLEAR), or with DirectLPI
 * the GICR_INVLPIR write. `vpes` finds a vPE by vPEID (for an evicted slot).
 */
export function doorbellOp(
  m: PlatformMachine,
  h: KvmV4Host,
  vpes: (vpeid: number) => ItsVpe | undefined,
  vpe: ItsVpe,
  op: 'INV' | 'CLEAR',
  why: string,
): HostOp[] {
  if (hostIsV41(m)) return [];
  if (!viaProxy(m)) {
    // DirectLPI: GICR_INVLPIR or GICR_CLRLPIR on the vPE's redistributor (then GICR_SYNCR).
    return [
      {
        k: 'write64',
        addr: redistAddress(m.s.gic.cfg, vpe.colIdx) + (op === 'INV' ? 0xa0 : 0x48),
        value: v(vpe.doorbell),
        why,
      },
    ];
  }
  const p = h.proxy!;
  return [
    ...proxyMap(m, h, vpes, vpe),
    cmd(p.its, op, { DeviceID: v(p.devid), EventID: v(vpe.proxyEvent >= 0 ? vpe.proxyEvent : p.next) }, why),
    cmd(p.its, 'SYNC', { RDbase: rdbase(m, p.its, vpe.colIdx) }, `after ${op}`),
  ];
}

/** lpi_write_config of the doorbell LPI in the host's property table (enable bit). */
export function doorbellConfig(m: PlatformMachine, vpe: ItsVpe, enabled: boolean, why: string): HostOp {
  const byte = (LPI_PROP_DEFAULT & ~1) | (enabled ? 1 : 0);
  return {
    k: 'config',
    addr: propTableBase(m, vpe.colIdx) + (vpe.doorbell - FIRST_LPI),
    byte,
    intid: vpe.doorbell,
    why,
  };
}

// ---------------------------------------------------------------- forwarded vLPIs

export interface HostEvent {
  its: number;
  devid: number;
  eventid: number;
  /** The host LPI VFIO requested (d->hwirq) and its collection (col_map). */
  hostIntid: number;
  icid: number;
}

/** its_vlpi_map, first time: config byte, DISCARD + SYNC, VMAPTI + VSYNC. */
export function mapVlpi(
  m: PlatformMachine,
  vm: VmState,
  vpe: ItsVpe,
  e: HostEvent,
  vintid: number,
  config: number,
): HostOp[] {
  const db = hostIsV41(m) ? 1023 : vpe.doorbell;
  return [
    {
      k: 'config',
      addr: vm.v4!.vprop + (vintid - FIRST_LPI),
      byte: config | 2,
      intid: vintid,
      why: `vLPI ${vintid}'s configuration in VM ${vm.index}'s vLPI property page`,
    },
    cmd(
      e.its,
      'DISCARD',
      { DeviceID: v(e.devid), EventID: v(e.eventid) },
      `host LPI ${e.hostIntid} unmapped`,
    ),
    cmd(e.its, 'SYNC', { RDbase: rdbase(m, e.its, e.icid) }, 'after DISCARD'),
    cmd(
      e.its,
      'VMAPTI',
      {
        DeviceID: v(e.devid),
        EventID: v(e.eventid),
        vPEID: v(vpe.vpeid),
        vINTID: v(vintid),
        Dbell_pINTID: v(db),
      },
      `DeviceID ${e.devid} EventID ${e.eventid} now goes straight to vLPI ${vintid} of vPE ${vpe.vpeid}`,
    ),
    cmd(e.its, 'VSYNC', { vPEID: v(vpe.vpeid) }, 'after VMAPTI'),
  ];
}

/** its_vlpi_unmap: DISCARD + SYNC, MAPTI of the host LPI + SYNC, its configuration + INV + SYNC. */
export function unmapVlpi(m: PlatformMachine, e: HostEvent): HostOp[] {
  return [
    cmd(e.its, 'DISCARD', { DeviceID: v(e.devid), EventID: v(e.eventid) }, 'the vLPI mapping removed'),
    cmd(e.its, 'SYNC', { RDbase: rdbase(m, e.its, e.icid) }, 'after DISCARD'),
    cmd(
      e.its,
      'MAPTI',
      { DeviceID: v(e.devid), EventID: v(e.eventid), pINTID: v(e.hostIntid), ICID: v(e.icid) },
      `back to host LPI ${e.hostIntid}`,
    ),
    cmd(e.its, 'SYNC', { RDbase: rdbase(m, e.its, e.icid) }, 'after MAPTI'),
    {
      k: 'config',
      addr: propTableBase(m, 0) + (e.hostIntid - FIRST_LPI),
      byte: LPI_PROP_DEFAULT | 1,
      intid: e.hostIntid,
      why: `host LPI ${e.hostIntid} enabled again`,
    },
    cmd(e.its, 'INV', { DeviceID: v(e.devid), EventID: v(e.eventid) }, 'its configuration reloaded'),
    cmd(e.its, 'SYNC', { RDbase: rdbase(m, e.its, e.icid) }, 'after INV'),
  ];
}

/** its_vlpi_map on a forwarded vLPI (guest MOVI, MOVALL): VMOVI + VSYNC to the new vPE. */
export function moveVlpi(m: PlatformMachine, vpe: ItsVpe, e: HostEvent, why: string): HostOp[] {
  const db = hostIsV41(m) ? 1023 : vpe.doorbell;
  return [
    cmd(
      e.its,
      'VMOVI',
      { DeviceID: v(e.devid), EventID: v(e.eventid), vPEID: v(vpe.vpeid), D: 1n, Dbell_pINTID: v(db) },
      why,
    ),
    cmd(e.its, 'VSYNC', { vPEID: v(vpe.vpeid) }, 'after VMOVI'),
  ];
}

/** its_vlpi_prop_update with INV: the vprop byte, then INV + VSYNC. */
export function propUpdate(vm: VmState, vpe: ItsVpe, e: HostEvent, vintid: number, config: number): HostOp[] {
  return [
    {
      k: 'config',
      addr: vm.v4!.vprop + (vintid - FIRST_LPI),
      byte: config | 2,
      intid: vintid,
      why: `guest changed vLPI ${vintid}'s configuration: KVM copies it into the vLPI property page`,
    },
    cmd(
      e.its,
      'INV',
      { DeviceID: v(e.devid), EventID: v(e.eventid) },
      `vLPI ${vintid}'s configuration reloaded`,
    ),
    cmd(e.its, 'VSYNC', { vPEID: v(vpe.vpeid) }, 'after INV'),
  ];
}

/** its_irq_set_irqchip_state on a forwarded vLPI: INT or CLEAR + VSYNC. */
export function setVlpiPending(vpe: ItsVpe, e: HostEvent, pending: boolean, why: string): HostOp[] {
  return [
    cmd(e.its, pending ? 'INT' : 'CLEAR', { DeviceID: v(e.devid), EventID: v(e.eventid) }, why),
    cmd(e.its, 'VSYNC', { vPEID: v(vpe.vpeid) }, `after ${pending ? 'INT' : 'CLEAR'}`),
  ];
}

/** its_vpe_invall: VINVALL + VSYNC on the first ITS (GICv4.1: GICR_INVALLR with V = 1). */
export function invallVpe(m: PlatformMachine, vpe: ItsVpe): HostOp[] {
  if (hostIsV41(m))
    return [
      {
        k: 'write64',
        addr: redistAddress(m.s.gic.cfg, vpe.colIdx) + 0xb0,
        value: (1n << 63n) | (v(vpe.vpeid) << 32n),
        why: `vPE ${vpe.vpeid}'s vLPI configuration reloaded (GICR_INVALLR, V = 1)`,
      },
    ];
  const its = vpe.mappedOn[0] ?? virtualItss(m)[0]!;
  return [
    cmd(its, 'VINVALL', { vPEID: v(vpe.vpeid) }, `vPE ${vpe.vpeid}'s vLPI configuration reloaded`),
    cmd(its, 'VSYNC', { vPEID: v(vpe.vpeid) }, 'after VINVALL'),
  ];
}
